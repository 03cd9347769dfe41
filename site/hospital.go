package site

import (
	"cmp"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// HandleHospitalPage answers GET /hospitals/{id}.
func (s *Site) HandleHospitalPage(c echo.Context) error {
	r, err := s.releaseOr404(c)
	if err != nil {
		return err
	}
	id := c.Param("id")
	own, surgeons := r.Hospital(id), r.AtHospital(id)
	if len(own) == 0 && len(surgeons) == 0 {
		return s.unitElsewhere(c, outcome.Hospital, id)
	}
	d := unitPage{ID: id, Name: r.HospitalName(id),
		SurgeonsURL: twinInRelease("/api/v1/surgeons.csv?hospital="+url.QueryEscape(id), s.releaseQuery(r))}
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
			// The surgeons' funnel is an image, not inline: drawn inline, one
			// for each specialty, every surgeon in the country with a link
			// and a sentence made the largest hospital's page 574 KB. The
			// image loads only when opened; the table below and the
			// specialty page linked carry every figure it shows.
			g.FunnelAt, g.FunnelImage = markedFunnelURLs(f, ids, id, s.releaseQuery(r))
			g.FunnelAlt, g.FunnelCaption = hospitalFunnelText(r, f, ids)
		}
		bars := []barRow{{Label: "This hospital, " + periodWords(g.Latest.Period), Row: g.Latest}}
		for _, e := range g.Earlier {
			bars = append(bars, barRow{Label: "This hospital, " + periodWords(e.Period), Row: e})
		}
		g.bars = bars
		d.Groups = append(d.Groups, g)
	}
	drawBars(d.Groups)
	s.addHistory(outcome.Hospital, id, r.Meta.ID, d.Groups)
	d.Attention = hospitalAttention(r, own, surgeons, s.releaseQuery(r))
	d.Surgeons = surgeonGroups(r, surgeons, c.QueryParams())
	p := page{Title: d.Name, Data: &d, Section: "hospitals",
		Description: "Results of " + d.Name + " and its surgeons, compared with what was expected.",
		JSON:        "/api/v1/hospitals/" + url.PathEscape(id),
		CSV:         "/api/v1/hospitals.csv?q=" + url.QueryEscape(id)}
	return s.render(c, http.StatusOK, "hospital", p)
}

// markedFunnelURLs are the specialty page and the compact funnel image of
// the surgeons' funnel f with the surgeons ids marked: surgeon and hospital
// pages link the image (loaded when opened) instead of drawing every
// surgeon in the country inline, one funnel per group. More ids than
// ?highlight= reads (maxHighlighted) are asked for as the hospital's
// surgeons (?hospital=), when they are a hospital's. rq keeps both in the
// release shown (releaseQuery).
func markedFunnelURLs(f *catalog.Funnel, ids []string, hospital, rq string) (page, image string) {
	v := url.Values{"procedure": {f.Procedure}, "period": {f.Period}, "highlight": {strings.Join(ids, ",")}}
	if len(ids) > maxHighlighted && hospital != "" {
		v.Del("highlight")
		v.Set("hospital", hospital)
	}
	page = inRelease("/specialties/"+f.Specialty+"?"+v.Encode(), rq)
	v.Set(paramUnitType, string(outcome.Surgeon))
	v.Set("compact", "1")
	return page, inRelease("/specialties/"+f.Specialty+"/funnel.svg?"+v.Encode(), rq)
}

// hospitalFunnelText describes the surgeons' funnel with a hospital's
// surgeons (ids) marked: the image's text alternative, and a caption
// counting them by band, in the order of concern, so that nobody needs the
// picture to know where they lie.
func hospitalFunnelText(r *catalog.Release, f *catalog.Funnel, ids []string) (alt, caption string) {
	counts := map[outcome.Band]int{}
	for _, id := range ids {
		if u := r.RowOf(outcome.Surgeon, id, f.Specialty, f.Procedure, f.Period); u != nil {
			counts[u.Band]++
		}
	}
	alt = "Funnel plot of all " + plural(len(f.ByName), "surgeon") + " in " +
		groupTitle(f.Specialty, f.Procedure) + ", " + periodWords(f.Period) + ", with " + plural(len(ids), "surgeon") +
		" of this hospital marked"
	var parts []string
	for _, w := range outcome.Bands() {
		if n := counts[w.Band]; n > 0 {
			parts = append(parts, w.Label+": "+strconv.Itoa(n))
		}
	}
	caption = "This hospital's surgeons are marked among all " + plural(len(f.ByName), "surgeon") + ". " +
		strings.Join(parts, "; ") + "."
	return alt, caption
}

// surgeonGroup is one specialty's table of a hospital's surgeons: each
// surgeon's latest period in each procedure, A–Z, those too few to judge
// after the others (judgedFirst), never ranked.
type surgeonGroup struct {
	Specialty string
	Rows      []catalog.Row
	// Pager pages Rows when they are more than tableRows.
	Pager *tablePager
	// Results and Outside count the group's rows, and those outside a 95%
	// limit (outcome.Outside95), before paging.
	Results, Outside int
}

// surgeonGroups splits a hospital's surgeon rows (indices into r.Rows)
// into one table for each specialty, by specialty code. A specialty with more rows than a table shows is
// paged on its own (surgeonsPageParam), so the others stay whole.
func surgeonGroups(r *catalog.Release, surgeons []int32, q url.Values) []surgeonGroup {
	latest := map[string]catalog.Row{}
	for _, i := range surgeons {
		u := r.Rows[i]
		k := u.UnitID + "\x00" + u.Specialty + "\x00" + u.Procedure
		if old, ok := latest[k]; !ok || u.Period > old.Period {
			latest[k] = u
		}
	}
	by := map[string][]catalog.Row{}
	for _, u := range latest {
		by[u.Specialty] = append(by[u.Specialty], u)
	}
	var groups []surgeonGroup
	for _, sp := range slices.Sorted(maps.Keys(by)) {
		rows := by[sp]
		slices.SortFunc(rows, func(a, b catalog.Row) int {
			return cmp.Or(judgedFirst(a.Band, b.Band), catalog.CompareNames(a.UnitName, b.UnitName),
				strings.Compare(a.UnitID, b.UnitID), strings.Compare(a.Procedure, b.Procedure))
		})
		g := surgeonGroup{Specialty: sp, Results: len(rows)}
		for _, u := range rows {
			if outcome.Outside95(u.Band) {
				g.Outside++
			}
		}
		g.Rows, g.Pager = pageRows(rows, outcome.Surgeon, q, surgeonsPageParam(sp), "surgeons-"+sp,
			"Pages of the table of this hospital's surgeons in "+specialtyName(sp))
		groups = append(groups, g)
	}
	return groups
}

// surgeonsPageParam is the query parameter that pages one specialty's
// table of a hospital's surgeons: "page-vascular".
func surgeonsPageParam(specialty string) string { return "page-" + specialty }

// isSurgeonsPageParam reports whether name is a surgeonsPageParam, of one
// of the specialties (PageParam): a bounded set, so made-up names cannot
// fill the page cache.
func isSurgeonsPageParam(name string) bool {
	sp, ok := strings.CutPrefix(name, "page-")
	if !ok {
		return false
	}
	_, known := outcome.LookupSpecialty(sp)
	return known
}
