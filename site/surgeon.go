package site

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// resultGroup is one specialty and procedure on a surgeon's or hospital's
// page: the latest period, earlier ones, the hospital alongside.
type resultGroup struct {
	Latest   catalog.Row
	Earlier  []catalog.Row
	Hospital *catalog.Row
	Bars     template.HTML
	FunnelAt string // the specialty page with this unit highlighted
	// FunnelImage is the funnel as an image URL, with its text alternative
	// and a caption, where the page links it instead of drawing SVG.
	FunnelImage, FunnelAlt, FunnelCaption string
	// bars are the rows Bars draws, before the page's scale is known.
	bars []barRow
	// History is the unit's results for this specialty and procedure in
	// every release, when other releases have any (addHistory), and
	// HistoryBars those judged and not superseded, on their own scale.
	History     []historyPoint
	HistoryBars template.HTML
}

// groupID is the id of a group's section on a unit's page, which the
// hospital's summary links to.
func groupID(specialty, procedure string) string { return "g-" + specialty + "-" + procedure }

// unitRef names a unit.
type unitRef struct {
	UnitID, UnitName string
}

// unitPage is a surgeon's or hospital's page.
type unitPage struct {
	ID, Name  string
	Hospitals []unitRef
	Groups    []resultGroup
	// Attention leads a hospital's page: its results outside a 95% limit
	// in the latest period (hospitalAttention).
	Attention attention
	// Surgeons are a hospital's surgeons (latest period of each group),
	// one table for each specialty.
	Surgeons    []surgeonGroup
	SurgeonsURL string
}

// groupResults splits a unit's rows into groups by specialty and
// procedure, latest period first.
func groupResults(r *catalog.Release, idx []int32) [][]catalog.Row {
	type key struct{ specialty, procedure string }
	var order []key
	by := map[key][]catalog.Row{}
	for _, i := range idx {
		u := r.Rows[i]
		k := key{u.Specialty, u.Procedure}
		if _, ok := by[k]; !ok {
			order = append(order, k)
		}
		by[k] = append(by[k], u)
	}
	var out [][]catalog.Row
	for _, k := range order {
		rows := by[k]
		slices.SortFunc(rows, func(a, b catalog.Row) int { return strings.Compare(b.Period, a.Period) })
		out = append(out, rows)
	}
	return out
}

// HandleSurgeonPage answers GET /surgeons/{id}.
func (s *Site) HandleSurgeonPage(c echo.Context) error {
	r, err := s.releaseOr404(c)
	if err != nil {
		return err
	}
	id := c.Param("id")
	idx := r.Surgeon(id)
	if len(idx) == 0 {
		return s.unitElsewhere(c, outcome.Surgeon, id)
	}
	d := unitPage{ID: id, Name: r.Rows[idx[0]].UnitName}
	seen := map[string]bool{}
	for _, i := range idx {
		for _, h := range r.RowHospitals(i) {
			if !seen[h] {
				seen[h] = true
				d.Hospitals = append(d.Hospitals, unitRef{UnitID: h, UnitName: r.HospitalName(h)})
			}
		}
	}
	groups := groupResults(r, idx)
	for _, rows := range groups {
		g := resultGroup{Latest: rows[0], Earlier: rows[1:]}
		if h := g.Latest.HospitalID; h != "" {
			g.Hospital = r.RowOf(outcome.Hospital, h, g.Latest.Specialty, g.Latest.Procedure, g.Latest.Period)
		}
		if f := r.ChooseFunnel(g.Latest.Specialty, g.Latest.Procedure, g.Latest.Period, outcome.Surgeon); f != nil &&
			f.UnitType == outcome.Surgeon && f.Procedure == g.Latest.Procedure {
			// An image, as on the hospital page: inline, a funnel for each
			// procedure made a vascular surgeon's page 176 KB.
			g.FunnelAt, g.FunnelImage = markedFunnelURLs(f, []string{id}, "", s.releaseQuery(r))
			w, _ := outcome.Words(g.Latest.Band)
			g.FunnelAlt = "Funnel plot of all " + plural(len(f.ByName), "surgeon") + " in " +
				groupTitle(f.Specialty, f.Procedure) + ", " + periodWords(f.Period) + ", with this surgeon marked"
			g.FunnelCaption = "This surgeon is marked among all " + plural(len(f.ByName), "surgeon") + ": " +
				strings.ToLower(w.Label[:1]) + w.Label[1:] + "."
		}
		bars := []barRow{{Label: "This surgeon, " + periodWords(g.Latest.Period), Row: g.Latest}}
		if g.Hospital != nil {
			bars = append(bars, barRow{Label: "Their hospital, " + periodWords(g.Hospital.Period), Row: *g.Hospital})
		}
		for _, e := range g.Earlier {
			bars = append(bars, barRow{Label: "This surgeon, " + periodWords(e.Period), Row: e})
		}
		g.bars = bars
		d.Groups = append(d.Groups, g)
	}
	drawBars(d.Groups)
	s.addHistory(outcome.Surgeon, id, r.Meta.ID, d.Groups)
	p := page{Title: d.Name, Section: "specialties", Data: &d,
		Description: "Risk-adjusted survival of " + d.Name + "'s patients, compared with what was expected.",
		JSON:        "/api/v1/surgeons/" + url.PathEscape(id),
		CSV:         "/api/v1/surgeons.csv?q=" + url.QueryEscape(id)}
	return s.render(c, http.StatusOK, "surgeon", p)
}

// drawBars draws each group's interval bars on one scale for every bar on
// the page, so intervals can be compared by eye. Units that are not judged
// (outcome.Assessed) are left out: their survival would be drawn like a
// result, and their counts and reason are in the text. A group with none
// judged has no chart.
func drawBars(groups []resultGroup) {
	var drawn []catalog.Row
	for i := range groups {
		g := &groups[i]
		g.bars = slices.DeleteFunc(g.bars, func(b barRow) bool { return !outcome.Assessed(b.Row.Band) })
		for _, b := range g.bars {
			drawn = append(drawn, b.Row)
		}
	}
	lo := pageLow([][]catalog.Row{drawn})
	for i := range groups {
		if g := &groups[i]; len(g.bars) > 0 {
			g.Bars = intervalChart(g.bars, lo)
		}
	}
}

// pageLow is the left end of a page's interval bars: one scale for every
// bar on the page, so intervals can be compared by eye. Units that cannot
// be judged have no bar, so their intervals do not stretch the scale.
func pageLow(groups [][]catalog.Row) float64 {
	lo := 1.0
	for _, rows := range groups {
		for _, u := range rows {
			if !outcome.Assessed(u.Band) {
				continue
			}
			for _, x := range []float64{u.SurvivalLow, u.Survival, 1 - u.Target} {
				if finite(x) && x < lo {
					lo = x
				}
			}
		}
	}
	return lo
}
