package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/chart"
)

// handleFunnelPNG answers GET /specialties/{slug}/funnel.png: the chart of
// GET /specialties/{slug}/funnel.svg, with the same query parameters
// (procedure, period, unit, highlight, adjusted), as a PNG for places that
// cannot show SVG.
func (s *Server) handleFunnelPNG(c echo.Context) error {
	if e, ok := s.cache.get("png\x00" + cacheKey(c.Request())); ok {
		return writeCached(c, e)
	}
	cr, err := s.readChartRequest(c)
	if err != nil {
		return err
	}
	// The plot funnelSVGWith draws for the standalone SVG.
	set := map[string]bool{}
	for _, id := range cr.highlight {
		set[id] = true
	}
	r, f := cr.rel, cr.funnel
	p := newFunnelPlot(r, f, set, nil, nil)
	p.Adjusted = adjustedCurve(f, cr.adjust)
	var b bytes.Buffer
	if err := chart.WritePNG(&b, &p); err != nil {
		return err
	}
	// Drawing a PNG costs tens of milliseconds: each URL is drawn once and
	// kept in the response cache, like the API's JSON.
	sum := sha256.Sum256(b.Bytes())
	e := &cached{body: b.Bytes(), etag: `"` + hex.EncodeToString(sum[:16]) + `"`, cacheControl: "public, max-age=300",
		lastModified: r.meta.IngestedAt.UTC().Format(http.TimeFormat), contentType: "image/png", compressed: true}
	s.cache.put("png\x00"+cacheKey(c.Request()), e)
	return writeCached(c, e)
}
