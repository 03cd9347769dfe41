package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/labstack/echo/v4"
)

// handleFunnelPNG answers GET /specialties/{slug}/funnel.png: the site
// draws the chart (site.Site.FunnelPNG); this keeps it.
func (s *Server) handleFunnelPNG(c echo.Context) error {
	if e, ok := s.cache.get("png\x00" + cacheKey(c.Request())); ok {
		return writeCached(c, e)
	}
	png, r, err := s.site.FunnelPNG(c)
	if err != nil {
		return err
	}
	// Drawing a PNG costs tens of milliseconds: each URL is drawn once and
	// kept in the response cache, like the API's JSON.
	sum := sha256.Sum256(png)
	e := &cached{body: png, etag: `"` + hex.EncodeToString(sum[:16]) + `"`, cacheControl: "public, max-age=300",
		lastModified: r.Meta.IngestedAt.UTC().Format(http.TimeFormat), contentType: "image/png", compressed: true}
	s.cache.put("png\x00"+cacheKey(c.Request()), e)
	return writeCached(c, e)
}
