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

// comparePage shows several surgeons on one funnel per group.
type comparePage struct {
	IDs    []string
	Names  []unitRef
	Groups []compareGroup
}

type compareGroup struct {
	Specialty, Procedure, Period string
	SVG                          template.HTML
	Bars                         template.HTML
}

// HandleCompare answers GET /compare?ids=…: chosen surgeons on the same
// funnel and their intervals on one scale, in name order — a comparison
// with what was expected, never a league table.
func (s *Site) HandleCompare(c echo.Context) error {
	r, err := s.latestOr404()
	if err != nil {
		return err
	}
	q := url.Values{"highlight": c.QueryParams()["ids"]}
	ids := highlightIDs(q)
	d := comparePage{}
	for _, id := range ids {
		if len(r.Surgeon(id)) > 0 {
			d.IDs = append(d.IDs, id)
			d.Names = append(d.Names, unitRef{UnitID: id, UnitName: r.Rows[r.Surgeon(id)[0]].UnitName})
		}
	}
	slices.SortFunc(d.Names, func(a, b unitRef) int { return strings.Compare(catalog.Fold(a.UnitName), catalog.Fold(b.UnitName)) })
	for _, f := range r.Funnels {
		if f.UnitType != outcome.Surgeon || f.Period != r.LatestPeriod(f.Specialty) {
			continue
		}
		var bars []barRow
		var in []string
		for _, n := range d.Names {
			if u := r.RowOf(outcome.Surgeon, n.UnitID, f.Specialty, f.Procedure, f.Period); u != nil {
				bars = append(bars, barRow{Label: u.UnitName, Row: *u})
				in = append(in, n.UnitID)
			}
		}
		if len(in) == 0 {
			continue
		}
		svg, err := funnelSVG(r, f, in, false)
		if err != nil {
			return err
		}
		lo := 1.0
		for _, b := range bars {
			lo = min(lo, pageLow([][]catalog.Row{{b.Row}}))
		}
		d.Groups = append(d.Groups, compareGroup{Specialty: f.Specialty, Procedure: f.Procedure, Period: f.Period,
			SVG: svg, Bars: intervalChart(bars, lo)})
	}
	return s.render(c, http.StatusOK, "compare", page{Title: "Compare surgeons with what was expected",
		Section: "search", Data: &d})
}
