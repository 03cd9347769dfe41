package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

func TestNormalMethod(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"GET", "GET"}, {"HEAD", "HEAD"}, {"POST", "POST"}, {"PUT", "PUT"}, {"PATCH", "PATCH"},
		{"DELETE", "DELETE"}, {"CONNECT", "CONNECT"}, {"OPTIONS", "OPTIONS"}, {"TRACE", "TRACE"},
		{"get", "other"}, {"BREW", "other"}, {"", "other"}, {`GET"`, "other"},
	}
	for _, tt := range tests {
		if got := normalMethod(tt.in); got != tt.want {
			t.Errorf("normalMethod(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMetricsMiddlewarePre(t *testing.T) {
	// Registered with Pre, the middleware runs before routing; it must
	// still label by pattern, because it reads the route afterwards.
	m := newMetrics(time.Now)
	e := echo.New()
	e.Pre(m.middleware())
	e.GET("/items/:id", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/items/7", nil))
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatalf("Gather() = %v, want nil", err)
	}
	var got []string
	for _, mf := range mfs {
		if mf.GetName() != "outcomes_http_requests_total" {
			continue
		}
		for _, s := range mf.GetMetric() {
			var labels []string
			for _, l := range s.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			got = append(got, fmt.Sprintf("%s %v", strings.Join(labels, ","), s.GetCounter().GetValue()))
		}
	}
	want := []string{"method=GET,route=/items/:id,status=204 1"}
	if !slices.Equal(got, want) {
		t.Errorf("outcomes_http_requests_total = %q, want %q", got, want)
	}
}

func BenchmarkMetricsMiddleware(b *testing.B) {
	// direct is the middleware's own cost: a fixed context, a handler that
	// does nothing.
	b.Run("direct", func(b *testing.B) {
		for _, routes := range []int{1, 100} {
			b.Run(fmt.Sprintf("routes=%d", routes), func(b *testing.B) {
				m := newMetrics(time.Now)
				e := echo.New()
				cs := make([]echo.Context, routes)
				for i := range cs {
					cs[i] = e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
					cs[i].SetPath(fmt.Sprintf("/api/v1/route%d/:id", i))
				}
				h := m.middleware()(func(echo.Context) error { return nil })
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					_ = h(cs[i%routes])
					i++
				}
			})
		}
	})
	// echo is a whole request through the router, with and without the
	// middleware, to put its cost in proportion.
	for _, with := range []bool{false, true} {
		b.Run(fmt.Sprintf("echo/with=%v", with), func(b *testing.B) {
			m := newMetrics(time.Now)
			e := echo.New()
			if with {
				e.Use(m.middleware())
			}
			e.GET("/api/v1/surgeons/:id", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
			req := httptest.NewRequest(http.MethodGet, "/api/v1/surgeons/123", nil)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				e.ServeHTTP(w, req)
			}
		})
	}
}

// BenchmarkMetricsHandle is one scrape of 30 routes' series, Go runtime
// and process metrics included.
func BenchmarkMetricsHandle(b *testing.B) {
	m := newMetrics(time.Now)
	e := echo.New()
	h := m.middleware()(func(echo.Context) error { return nil })
	for i := range 30 {
		c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
		c.SetPath(fmt.Sprintf("/api/v1/route%d/:id", i))
		_ = h(c)
	}
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	b.ReportAllocs()
	for b.Loop() {
		c := e.NewContext(req, &discardWriter{header: http.Header{}})
		_ = m.handle(c)
	}
}
