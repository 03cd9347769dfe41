package site

import (
	"bytes"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/chart"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// chartRequest is what an embeddable chart URL asks for: the funnel
// (procedure, period, unit), the units to highlight, the adjusted lines,
// and for the SVG, the compact drawing a page shows (?compact=1).
type chartRequest struct {
	rel       *catalog.Release
	funnel    *catalog.Funnel
	highlight []string
	adjust    stats.Adjustment
	compact   bool
}

// readChartRequest reads /specialties/{slug}/funnel.svg's and .png's
// parameters, the specialty page's own.
func (s *Site) readChartRequest(c echo.Context) (chartRequest, error) {
	sp, ok := outcome.LookupSpecialty(c.Param("slug"))
	if !ok {
		return chartRequest{}, notFound("no such specialty")
	}
	r, err := s.latestOr404()
	if err != nil {
		return chartRequest{}, err
	}
	q := c.QueryParams()
	f := r.ChooseFunnel(sp.Slug, q.Get("procedure"), q.Get("period"), outcome.UnitType(q.Get("unit")))
	if f == nil {
		return chartRequest{}, notFound("no funnel for this specialty")
	}
	cr := chartRequest{rel: r, funnel: f, highlight: highlightIDs(q), adjust: stats.AdjustNone,
		compact: q.Get("compact") == "1"}
	// Each distinct URL is a new drawing (the PNG's costs tens of
	// milliseconds and megabytes), so only ids on this funnel may be
	// highlighted: an arbitrary value is a 400, not another render.
	for _, id := range cr.highlight {
		if r.RowOf(f.UnitType, id, f.Specialty, f.Procedure, f.Period) == nil {
			return chartRequest{}, echo.NewHTTPError(http.StatusBadRequest,
				"highlight: no "+string(f.UnitType)+" with id “"+id+"” on this chart")
		}
	}
	if q.Get("adjusted") == "1" {
		cr.adjust = stats.AdjustMultiplicative
	}
	return cr, nil
}

// HandleFunnelSVG answers GET /specialties/{slug}/funnel.svg: the
// specialty page's chart as an image to embed, with the same parameters;
// ?compact=1 draws it as the page does, legible at phone width.
func (s *Site) HandleFunnelSVG(c echo.Context) error {
	cr, err := s.readChartRequest(c)
	if err != nil {
		return err
	}
	svg, err := drawFunnelSVG(cr.rel, cr.funnel, cr.highlight, true, cr.compact, cr.adjust)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "public, max-age=300")
	h.Set("Content-Security-Policy", "default-src 'none'")
	return c.Blob(http.StatusOK, "image/svg+xml", []byte(svg))
}

// FunnelPNG draws GET /specialties/{slug}/funnel.png: the chart of
// GET /specialties/{slug}/funnel.svg, with the same query parameters
// (procedure, period, unit, highlight, adjusted), as a PNG for places that
// cannot show SVG. It returns the image and the release it shows; the
// caller sends it (and, as drawing costs tens of milliseconds, keeps it).
func (s *Site) FunnelPNG(c echo.Context) ([]byte, *catalog.Release, error) {
	cr, err := s.readChartRequest(c)
	if err != nil {
		return nil, nil, err
	}
	// The plot funnelSVGWith draws for the standalone SVG.
	set := map[string]bool{}
	for _, id := range cr.highlight {
		set[id] = true
	}
	p := newFunnelPlot(cr.rel, cr.funnel, set, nil, nil)
	p.Adjusted = adjustedCurve(cr.funnel, cr.adjust)
	var b bytes.Buffer
	if err := chart.WritePNG(&b, &p); err != nil {
		return nil, nil, err
	}
	return b.Bytes(), cr.rel, nil
}
