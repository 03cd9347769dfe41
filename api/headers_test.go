package api_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestSecurityHeaders sends one request of every kind of response the
// server gives (pages, the docs UI and its files, JSON, CSV, problems,
// the download, images, operations, redirects, errors, rate limiting) and
// checks each carries nosniff, refuses framing and has a
// Content-Security-Policy: the page's own for pages, the docs UI's own
// (its inline script by hash, no inline script otherwise) for the docs,
// and one that lets nothing load for everything else.
func TestSecurityHeaders(t *testing.T) {
	srv := newServer(t, api.Config{RateLimit: 1, RateBurst: 1000})
	_, home := get(t, srv, http.MethodGet, "/")
	css := regexp.MustCompile(`/static/[0-9a-f]+/css/site\.css`).Find(home)
	if css == nil {
		t.Fatal("home page links no /static/{hash}/css/site.css")
	}
	const (
		page  = "page"  // site.Headers' policy
		docs  = "docs"  // the docs UI's policy
		inert = "inert" // default-src 'none'
	)
	selfCheck := `{"specialty":"adult-cardiac","cases":500,"events":12,"expected":10}`
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		policy                   string
	}{
		{"page", "GET", "/", "", 200, page},
		{"page HEAD", "HEAD", "/specialties/vascular", "", 200, page},
		{"page 404", "GET", "/no-such-page", "", 404, page},
		{"unknown surgeon page", "GET", "/surgeons/0000000", "", 404, page},
		{"docs redirect", "GET", "/api/docs/", "", 302, inert},
		{"docs UI", "GET", "/api/docs/index.html", "", 200, docs},
		{"docs UI script", "GET", "/api/docs/swagger-ui-bundle.js", "", 200, docs},
		{"docs UI style", "GET", "/api/docs/swagger-ui.css", "", 200, docs},
		{"openapi", "GET", "/api/v1/openapi.json", "", 200, inert},
		{"JSON", "GET", "/api/v1/surgeons?limit=2", "", 200, inert},
		{"JSON 304", "GET", "/api/v1/surgeons?limit=2", "", 0, inert}, // status filled in below
		{"CSV", "GET", "/api/v1/surgeons.csv?limit=2", "", 200, inert},
		{"CSV for Excel", "GET", "/api/v1/hospitals.csv?bom=1", "", 200, inert},
		{"problem 400", "GET", "/api/v1/surgeons?bogus=1", "", 400, inert},
		{"problem 404", "GET", "/api/v1/surgeons/0000000", "", 404, inert},
		{"problem 405", "DELETE", "/api/v1/surgeons", "", 405, inert},
		{"self-check", "POST", "/api/v1/self-check", selfCheck, 200, inert},
		{"self-check problem", "POST", "/api/v1/self-check", `{"specialty":"nope"}`, 400, inert},
		{"download", "GET", "/data/outcomes.sqlite", "", 200, inert},
		{"download 404", "GET", "/data/other.sqlite", "", 404, inert},
		{"healthz", "GET", "/healthz", "", 200, inert},
		{"metrics", "GET", "/metrics", "", 200, inert},
		{"static", "GET", string(css), "", 200, inert},
		{"static 404", "GET", "/static/nope.css", "", 404, inert},
		{"funnel SVG", "GET", "/specialties/vascular/funnel.svg", "", 200, inert},
		{"funnel PNG", "GET", "/specialties/vascular/funnel.png", "", 200, inert},
		{"CORS preflight", "OPTIONS", "/api/v1/surgeons", "", 204, inert},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			want := tc.status
			switch tc.name {
			case "JSON 304":
				resp, _ := get(t, srv, http.MethodGet, tc.path)
				req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
				want = http.StatusNotModified
			case "CORS preflight":
				req.Header.Set("Origin", "https://example.org")
				req.Header.Set("Access-Control-Request-Method", "GET")
			}
			req.Header.Set("Accept-Encoding", "identity")
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			client := *srv.Client()
			client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Fatalf("%s %s = %d, want %d", tc.method, tc.path, resp.StatusCode, want)
			}
			h := resp.Header
			if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if got := h.Get("X-Frame-Options"); got != "DENY" {
				t.Errorf("X-Frame-Options = %q, want DENY", got)
			}
			csp := h.Get("Content-Security-Policy")
			switch tc.policy {
			case page:
				if !strings.Contains(csp, "script-src 'self';") || !strings.Contains(csp, "style-src 'self';") ||
					!strings.Contains(csp, "frame-ancestors 'none'") {
					t.Errorf("Content-Security-Policy = %q, want the pages' own (our script and styles only, no framing)", csp)
				}
			case docs:
				if !regexp.MustCompile(`script-src 'self' 'sha256-[A-Za-z0-9+/]{43}='(;| )`).MatchString(csp) ||
					strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") ||
					!strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "connect-src 'self'") {
					t.Errorf("Content-Security-Policy = %q, want the docs UI's own: our scripts and its inline script by hash, no framing", csp)
				}
			case inert:
				if !strings.HasPrefix(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
					t.Errorf("Content-Security-Policy = %q, want default-src 'none' and nothing allowed", csp)
				}
			}
		})
	}

	// A client over its limit gets a 429 with the same headers.
	limited := newServer(t, api.Config{RateLimit: 0.001, RateBurst: 1})
	get(t, limited, http.MethodGet, "/api/v1/")
	resp, body := get(t, limited, http.MethodGet, "/api/v1/")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second request = %d, want 429: %s", resp.StatusCode, bytes.TrimSpace(body))
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("429 headers = %v, want nosniff and default-src 'none'", resp.Header)
	}
}
