package api

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"
)

// securityHeaders sets the headers every response carries, whatever made
// it (a page, JSON, CSV, a problem, an image, the database download,
// /healthz, /metrics, a 404 or a 429): no MIME sniffing, so a browser
// never runs a CSV or JSON body as a page or script; no framing; and, for
// everything that is not a page, a policy that lets nothing run or load
// should a browser render it. Pages (site.Headers) and the API docs' UI
// (docsHeaders) replace that policy with their own, which is why it is set
// before the handler runs and they set theirs after.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		return next(c)
	}
}

// inlineTag finds an inline script or style element's text, and
// inlineStyle a style attribute's.
var (
	inlineTag   = regexp.MustCompile(`(?s)<(script|style)>(.*?)</(?:script|style)>`)
	inlineStyle = regexp.MustCompile(` style="([^"]*)"`)
)

// docsHeaders returns the middleware giving the API docs' UI (swagger-ui,
// served by echo-swagger) its own Content-Security-Policy. Its index page
// has one inline script, which starts the UI, one inline style element
// and one style attribute (on its SVG sprite): each is allowed by its
// SHA-256 hash ('unsafe-hashes' is what lets a hash name an attribute),
// computed here from the page the handler actually serves, so an upgrade
// of echo-swagger that changes them cannot widen the policy, and nothing
// else inline is allowed. swagger-ui sets its other styles through the
// DOM, which a policy does not govern. Images may be data: URLs (the UI's
// icons); the UI fetches the OpenAPI document and "Try it out" requests
// from this origin only. Should the page ever fail to render here, the
// policy allows nothing inline and the UI shows nothing, which
// TestSecurityHeaders and TestBrowserAPIDocs report; it never allows more.
func docsHeaders(docs echo.HandlerFunc) echo.MiddlewareFunc {
	req := httptest.NewRequest(http.MethodGet, "/api/docs/index.html", nil)
	rec := httptest.NewRecorder()
	scripts, styles := []string{"'self'"}, []string{"'self'"}
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	if err := docs(echo.New().NewContext(req, rec)); err == nil && rec.Code == http.StatusOK {
		page := rec.Body.String()
		for _, m := range inlineTag.FindAllStringSubmatch(page, -1) {
			if m[1] == "script" {
				scripts = append(scripts, hash(m[2]))
			} else {
				styles = append(styles, hash(m[2]))
			}
		}
		if attrs := inlineStyle.FindAllStringSubmatch(page, -1); len(attrs) > 0 {
			styles = append(styles, "'unsafe-hashes'")
			for _, m := range attrs {
				styles = append(styles, hash(html.UnescapeString(m[1])))
			}
		}
	}
	csp := "default-src 'none'; script-src " + strings.Join(scripts, " ") +
		"; style-src " + strings.Join(styles, " ") + "; img-src 'self' data:; font-src 'self' data:; connect-src 'self'" +
		"; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Response().Header().Set("Content-Security-Policy", csp)
			return next(c)
		}
	}
}
