package site

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/chart"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// Chart is what an embeddable chart URL asks for, read and checked: the
// funnel (procedure, period, unit), the units to highlight, the adjusted
// lines, and for the SVG, the compact drawing a page shows (?compact=1).
// Drawing it costs tens of milliseconds and, for the PNG, megabytes, so
// the server draws each distinct Chart once (Key) and keeps the result.
type Chart struct {
	rel       *catalog.Release
	funnel    *catalog.Funnel
	highlight []string // sorted, each once
	adjust    stats.Adjustment
	compact   bool
	rq        string // keeps the points' links in the release (releaseQuery)
}

// ReadChart reads /specialties/{slug}/funnel.svg's and .png's parameters,
// the specialty page's own. Only ids on the funnel may be highlighted: an
// arbitrary value is a 400, not another drawing.
func (s *Site) ReadChart(c echo.Context) (Chart, error) {
	sp, ok := outcome.LookupSpecialty(c.Param("slug"))
	if !ok {
		return Chart{}, notFound("no such specialty")
	}
	r, err := s.releaseOr404(c)
	if err != nil {
		return Chart{}, err
	}
	q := c.QueryParams()
	f := r.ChooseFunnel(sp.Slug, q.Get("procedure"), q.Get("period"), unitTypeParam(q))
	if f == nil {
		return Chart{}, notFound("no funnel for this specialty")
	}
	if r.PublishedOnly(f) {
		return Chart{}, notFound("no chart: this release holds the publisher's own figures only, with no deaths to place on a funnel")
	}
	ch := Chart{rel: r, funnel: f, highlight: highlightIDs(q), adjust: stats.AdjustNone,
		compact: q.Get("compact") == "1", rq: s.releaseQuery(r)}
	for _, id := range ch.highlight {
		if r.RowOf(f.UnitType, id, f.Specialty, f.Procedure, f.Period) == nil {
			return Chart{}, echo.NewHTTPError(http.StatusBadRequest,
				"highlight: no "+string(f.UnitType)+" with id “"+id+"” on this chart")
		}
	}
	// ?hospital= highlights its surgeons, as on the specialty page: a
	// hospital page's link to the chart names the hospital, not each of
	// what can be hundreds of surgeons (more than highlightIDs reads).
	if h := q.Get("hospital"); h != "" {
		at := surgeonsAt(r, f, h)
		if len(at) == 0 || !validText(h) {
			return Chart{}, echo.NewHTTPError(http.StatusBadRequest, "hospital: no surgeon at that hospital on this chart")
		}
		for _, id := range at {
			if !slices.Contains(ch.highlight, id) {
				ch.highlight = append(ch.highlight, id)
			}
		}
	}
	slices.Sort(ch.highlight) // the same units in another order are the same drawing
	if q.Get("adjusted") == "1" {
		ch.adjust = stats.AdjustMultiplicative
	}
	return ch, nil
}

// surgeonsAt are the ids of the surgeons of funnel f who operated at
// hospital, A–Z: whom ?hospital= highlights, on the specialty page and its
// chart image alike. None for a funnel of hospitals.
func surgeonsAt(r *catalog.Release, f *catalog.Funnel, hospital string) []string {
	if f.UnitType != outcome.Surgeon || hospital == "" {
		return nil
	}
	var ids []string
	for _, idx := range f.ByName {
		if slices.Contains(r.RowHospitals(idx), hospital) {
			ids = append(ids, r.Rows[idx].UnitID)
		}
	}
	return ids
}

// Key names the drawing: equal keys draw equal images, whatever order or
// spelling the URL used. It includes the release's tag, so a new release
// never answers with an old drawing.
func (ch Chart) Key() string {
	f := ch.funnel
	return strings.Join([]string{ch.rel.Tag, f.Specialty, f.Procedure, f.Period, string(f.UnitType),
		strings.Join(ch.highlight, ","), strconv.Itoa(int(ch.adjust)), strconv.FormatBool(ch.compact), ch.rq}, "\x00")
}

// Release is the release the chart shows.
func (ch Chart) Release() *catalog.Release { return ch.rel }

// SVG draws GET /specialties/{slug}/funnel.svg: the specialty page's
// chart as an image to embed; compact draws it as the page does, legible
// at phone width.
func (ch Chart) SVG() ([]byte, error) {
	svg, err := drawFunnelSVG(ch.rel, ch.funnel, ch.highlight, true, ch.compact, ch.adjust, ch.rq)
	return []byte(svg), err
}

// PNG draws GET /specialties/{slug}/funnel.png: the plot of the
// standalone SVG, for places that cannot show SVG.
func (ch Chart) PNG() ([]byte, error) {
	set := map[string]bool{}
	for _, id := range ch.highlight {
		set[id] = true
	}
	p := newFunnelPlot(ch.rel, ch.funnel, set, nil, nil)
	p.Adjusted = adjustedCurve(ch.funnel, ch.adjust)
	var b bytes.Buffer
	if err := chart.WritePNG(&b, &p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
