package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/site"
)

// handleFunnelImage answers GET /specialties/{slug}/funnel.svg and .png:
// the site reads and draws the chart (site.Chart); this draws each
// distinct chart once, under the drawing gate, and keeps it in the
// response cache like the API's JSON. The key is the chart read and
// checked, not the URL: highlight=b,a and highlight=a&highlight=b are one
// drawing, and a value that is not on the chart is a 400 before anything
// is drawn.
func (s *Server) handleFunnelImage(format string) echo.HandlerFunc {
	contentType, draw := "image/svg+xml", site.Chart.SVG
	if format == "png" {
		contentType, draw = "image/png", site.Chart.PNG
	}
	return func(c echo.Context) error {
		ch, err := s.site.ReadChart(c)
		if err != nil {
			return err
		}
		e, err := s.drawOnce(c, format+"\x00"+ch.Key(), func() (*cached, error) {
			body, err := draw(ch)
			if err != nil {
				return nil, err
			}
			sum := sha256.Sum256(body)
			return &cached{body: body, etag: `"` + hex.EncodeToString(sum[:16]) + `"`,
				cacheControl: cacheControlFor(false), contentType: contentType, compressed: format == "png",
				lastModified: ch.Release().Meta.IngestedAt.UTC().Format(http.TimeFormat)}, nil
		})
		if err != nil {
			return err
		}
		return writeCached(c, e)
	}
}
