package site

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// HandleHospitalPage answers GET /hospitals/{id}.
func (s *Site) HandleHospitalPage(c echo.Context) error {
	r, err := s.latestOr404()
	if err != nil {
		return err
	}
	id := c.Param("id")
	own, surgeons := r.Hospital(id), r.AtHospital(id)
	if len(own) == 0 && len(surgeons) == 0 {
		return unknownUnit(outcome.Hospital, id)
	}
	d := unitPage{ID: id, Name: r.HospitalName(id),
		SurgeonsURL: "/api/v1/surgeons.csv?hospital=" + url.QueryEscape(id)}
	groups := groupResults(r, own)
	surgeonIDs := map[string]bool{}
	for _, i := range surgeons {
		surgeonIDs[r.Rows[i].UnitID] = true
	}
	for _, rows := range groups {
		g := resultGroup{Latest: rows[0], Earlier: rows[1:]}
		// The hospital's own funnel, and its surgeons on theirs.
		var ids []string
		for sid := range surgeonIDs {
			if r.RowOf(outcome.Surgeon, sid, g.Latest.Specialty, g.Latest.Procedure, g.Latest.Period) != nil {
				ids = append(ids, sid)
			}
		}
		slices.Sort(ids)
		if f := r.ChooseFunnel(g.Latest.Specialty, g.Latest.Procedure, g.Latest.Period, outcome.Surgeon); f != nil &&
			f.UnitType == outcome.Surgeon && f.Procedure == g.Latest.Procedure && len(ids) > 0 {
			if g.SVG, err = funnelSVG(r, f, ids, false); err != nil {
				return err
			}
			g.FunnelAt = "/specialties/" + f.Specialty + "?" + url.Values{"procedure": {f.Procedure},
				"period": {f.Period}, "highlight": {strings.Join(ids, ",")}}.Encode()
		}
		bars := []barRow{{Label: "This hospital, " + periodWords(g.Latest.Period), Row: g.Latest}}
		for _, e := range g.Earlier {
			bars = append(bars, barRow{Label: "This hospital, " + periodWords(e.Period), Row: e})
		}
		g.bars = bars
		d.Groups = append(d.Groups, g)
	}
	drawBars(d.Groups)
	latest := map[string]catalog.Row{}
	for _, i := range surgeons {
		u := r.Rows[i]
		k := u.UnitID + "\x00" + u.Specialty + "\x00" + u.Procedure
		if old, ok := latest[k]; !ok || u.Period > old.Period {
			latest[k] = u
		}
	}
	for _, u := range latest {
		d.Surgeons = append(d.Surgeons, u)
	}
	slices.SortFunc(d.Surgeons, func(a, b catalog.Row) int {
		return cmp.Or(judgedFirst(a.Band, b.Band), strings.Compare(catalog.Fold(a.UnitName), catalog.Fold(b.UnitName)), strings.Compare(a.UnitID, b.UnitID),
			strings.Compare(a.Specialty, b.Specialty), strings.Compare(a.Procedure, b.Procedure))
	})
	p := page{Title: d.Name, Data: &d, Section: "hospitals",
		Description: "Results of " + d.Name + " and its surgeons, compared with what was expected.",
		JSON:        "/api/v1/hospitals/" + url.PathEscape(id),
		CSV:         "/api/v1/hospitals.csv?q=" + url.QueryEscape(id)}
	return s.render(c, http.StatusOK, "hospital", p)
}
