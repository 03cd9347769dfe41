package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/surgeon-outcomes/outcomes/catalog"
)

// TestInternalErrors checks the 500 path, which the demo release cannot
// reach: a handler's unexpected error and a panic both become a generic
// problem+json body, with CORS headers, the request id, and no internal
// text; the internal text is logged once, with the same request id.
func TestInternalErrors(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{cfg: Config{}.withDefaults(), cat: &catalog.Catalog{},
		cache: newResponseCache(1 << 20), metrics: newMetrics(time.Now), openAPI: newOpenAPI(time.Now()),
		logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	e := s.routes()
	e.GET("/api/v1/test-error", func(echo.Context) error {
		return fmt.Errorf("store: read /srv/secret.db: %w", errors.New("disk I/O error"))
	})
	e.GET("/api/v1/test-panic", func(echo.Context) error { panic("secret panic value") })

	for _, path := range []string{"/api/v1/test-error", "/api/v1/test-panic"} {
		t.Run(path, func(t *testing.T) {
			logs.Reset()
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if rec.Code != http.StatusInternalServerError {
				t.Fatalf("GET %s = %d, want 500", path, rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("Access-Control-Allow-Origin = %q, want *", got)
			}
			body := rec.Body.String()
			if strings.Contains(body, "secret") || strings.Contains(body, "disk") {
				t.Errorf("body shows internal text: %s", body)
			}
			var p problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatalf("body is not a problem: %v: %s", err, body)
			}
			id := rec.Header().Get(echo.HeaderXRequestID)
			if p.Status != 500 || p.Title != "Internal Server Error" || p.Type != "about:blank" || p.RequestID != id || id == "" {
				t.Errorf("problem = %+v, want status 500, title Internal Server Error, request_id %q", p, id)
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			var errorLines int
			for _, l := range lines {
				if strings.Contains(l, `"level":"ERROR"`) {
					errorLines++
					if !strings.Contains(l, "secret") || !strings.Contains(l, id) {
						t.Errorf("error log line lacks the internal text or request id %q: %s", id, l)
					}
				}
			}
			if errorLines != 1 {
				t.Errorf("%d error log lines, want 1:\n%s", errorLines, logs.String())
			}
		})
	}
}
