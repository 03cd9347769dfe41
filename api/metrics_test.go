package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/store"
)

// fakeClock is a clock that moves only when a test handler advances it, so
// request durations are exact.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
}

// newMetricsServer serves the demo release through api.New, as newServer
// does, with routes added under /test/ for the ways a status reaches the
// client that the demo release cannot produce, and a clock that only
// /test/slow moves (by 2 s), so every other request takes 0 s.
func newMetricsServer(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, demoDB, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	clock := &fakeClock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := api.New(ctx, api.Config{Version: "test", Now: clock.now}, db, logger)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	e := h.Echo()
	// The routes are added before the server starts, so no request races
	// with them.
	e.GET("/test/slow", func(c echo.Context) error {
		clock.advance(2 * time.Second)
		return c.String(http.StatusOK, "slow")
	})
	e.GET("/test/teapot", func(echo.Context) error { return echo.NewHTTPError(http.StatusTeapot) })
	e.GET("/test/broken", func(echo.Context) error { return errors.New("boom") })
	e.GET("/test/partial", func(c echo.Context) error {
		if err := c.String(http.StatusCreated, "made"); err != nil {
			return err
		}
		return errors.New("failed after the response was sent")
	})
	e.GET("/test/panic", func(echo.Context) error { panic("handler bug") })
	// Recover passes http.ErrAbortHandler on, so this panic crosses the
	// metrics middleware and net/http drops the connection.
	e.GET("/test/abort", func(echo.Context) error { panic(http.ErrAbortHandler) })
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

// scrapeMetrics fetches /metrics, checks its status and content type, and
// parses it with the Prometheus text-format parser.
func scrapeMetrics(t *testing.T, srv *httptest.Server) (map[string]*dto.MetricFamily, []byte) {
	t.Helper()
	resp, body := get(t, srv, http.MethodGet, "/metrics")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d, want 200; body:\n%s", resp.StatusCode, body)
	}
	ct := resp.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "text/plain" || params["version"] != "0.0.4" || params["charset"] != "utf-8" {
		t.Errorf("GET /metrics Content-Type = %q, want text/plain; version=0.0.4; charset=utf-8", ct)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parsing GET /metrics = %v, want nil; body:\n%s", err, body)
	}
	return mfs, body
}

// series returns the family's series keyed by their labels (name=value,
// comma-separated, in order), each with its value: a counter's or gauge's
// value, a histogram's count.
func series(mfs map[string]*dto.MetricFamily, name string) map[string]float64 {
	out := map[string]float64{}
	mf := mfs[name]
	if mf == nil {
		return out
	}
	for _, m := range mf.GetMetric() {
		var labels []string
		for _, l := range m.GetLabel() {
			labels = append(labels, l.GetName()+"="+l.GetValue())
		}
		key := strings.Join(labels, ",")
		switch mf.GetType() {
		case dto.MetricType_COUNTER:
			out[key] = m.GetCounter().GetValue()
		case dto.MetricType_GAUGE:
			out[key] = m.GetGauge().GetValue()
		case dto.MetricType_HISTOGRAM:
			out[key] = float64(m.GetHistogram().GetSampleCount())
		default:
			out[key] = math.NaN()
		}
	}
	return out
}

// lines formats a series map as sorted "labels value" lines, for
// comparison and readable failures.
func lines(s map[string]float64) []string {
	var out []string
	for k, v := range s {
		out = append(out, fmt.Sprintf("{%s} %g", k, v))
	}
	slices.Sort(out)
	return out
}

// metricsTraffic is the requests TestMetricsRequests sends, each with the
// status the client gets (0: the connection is dropped).
var metricsTraffic = []struct {
	method, path string
	header       []string
	want         int
}{
	{http.MethodGet, "/api/v1/surgeons/9000017", nil, http.StatusOK},
	{http.MethodGet, "/api/v1/surgeons/9000058", nil, http.StatusOK},
	{http.MethodHead, "/api/v1/surgeons/9000017", nil, http.StatusOK},
	{http.MethodGet, "/api/v1/surgeons/0000000", nil, http.StatusNotFound},
	{http.MethodGet, "/api/v1/surgeons?limit=0", nil, http.StatusBadRequest},
	{http.MethodDelete, "/api/v1/surgeons", nil, http.StatusMethodNotAllowed},
	{"BREW", "/api/v1/surgeons", nil, http.StatusMethodNotAllowed},
	{http.MethodOptions, "/api/v1/surgeons", []string{"Origin", "https://example.org", "Access-Control-Request-Method", "GET"}, http.StatusNoContent},
	{http.MethodGet, "/no/such/page/%22%0A", nil, http.StatusNotFound},
	{http.MethodGet, "/api/v1/nowhere", nil, http.StatusNotFound},
	{http.MethodGet, "/test/slow", nil, http.StatusOK},
	{http.MethodGet, "/test/teapot", nil, http.StatusTeapot},
	{http.MethodGet, "/test/broken", nil, http.StatusInternalServerError},
	{http.MethodGet, "/test/partial", nil, http.StatusCreated},
	{http.MethodGet, "/test/panic", nil, http.StatusInternalServerError},
	{http.MethodGet, "/test/abort", nil, 0},
}

// sendMetricsTraffic sends metricsTraffic to srv one request at a time,
// reading each response to the end so that its handler chain has returned
// before the next starts.
func sendMetricsTraffic(t *testing.T, srv *httptest.Server) {
	t.Helper()
	for _, tr := range metricsTraffic {
		if tr.want == 0 {
			req, err := http.NewRequest(tr.method, srv.URL+tr.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			// A fresh connection: on a reused one the client would send
			// the request again when the connection drops.
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
				t.Fatalf("%s %s = %d, want the connection dropped", tr.method, tr.path, resp.StatusCode)
			}
			continue
		}
		if resp, body := get(t, srv, tr.method, tr.path, tr.header...); resp.StatusCode != tr.want {
			t.Fatalf("%s %s = %d, want %d; body:\n%s", tr.method, tr.path, resp.StatusCode, tr.want, body)
		}
	}
}

func TestMetricsRequests(t *testing.T) {
	srv := newMetricsServer(t)
	sendMetricsTraffic(t, srv)
	first, firstBody := scrapeMetrics(t, srv)
	second, _ := scrapeMetrics(t, srv)

	t.Run("requests_total", func(t *testing.T) {
		// Routes are patterns; a handler's 404 keeps its route; the 404s
		// for made-up paths share "unmatched"; 405s keep the pattern whose
		// path matched; an invented method is "other"; a dropped
		// connection counts as 500. The scrape is not counted in itself.
		want := []string{
			"{method=DELETE,route=/api/v1/surgeons,status=405} 1",
			"{method=GET,route=/api/v1/surgeons,status=400} 1",
			"{method=GET,route=/api/v1/surgeons/:id,status=200} 2",
			"{method=GET,route=/api/v1/surgeons/:id,status=404} 1",
			"{method=GET,route=/test/abort,status=500} 1",
			"{method=GET,route=/test/broken,status=500} 1",
			"{method=GET,route=/test/panic,status=500} 1",
			"{method=GET,route=/test/partial,status=201} 1",
			"{method=GET,route=/test/slow,status=200} 1",
			"{method=GET,route=/test/teapot,status=418} 1",
			"{method=GET,route=unmatched,status=404} 2",
			"{method=HEAD,route=/api/v1/surgeons/:id,status=200} 1",
			"{method=OPTIONS,route=/api/v1/surgeons,status=204} 1",
			"{method=other,route=/api/v1/surgeons,status=405} 1",
		}
		if got := lines(series(first, "outcomes_http_requests_total")); !slices.Equal(got, want) {
			t.Errorf("outcomes_http_requests_total =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("the second scrape counts the first", func(t *testing.T) {
		got := series(second, "outcomes_http_requests_total")["method=GET,route=/metrics,status=200"]
		if got != 1 {
			t.Errorf(`outcomes_http_requests_total{method="GET",route="/metrics",status="200"} = %v, want 1`, got)
		}
	})

	t.Run("duration histogram", func(t *testing.T) {
		requests := map[string]float64{} // by route
		for k, v := range series(first, "outcomes_http_requests_total") {
			for l := range strings.SplitSeq(k, ",") {
				if route, ok := strings.CutPrefix(l, "route="); ok {
					requests[route] += v
				}
			}
		}
		mf := first["outcomes_http_request_duration_seconds"]
		if mf.GetType() != dto.MetricType_HISTOGRAM {
			t.Fatalf("outcomes_http_request_duration_seconds type = %v, want histogram", mf.GetType())
		}
		wantBounds := []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
		routes := map[string]bool{}
		for _, m := range mf.GetMetric() {
			route := m.GetLabel()[0].GetValue()
			routes[route] = true
			h := m.GetHistogram()
			if got := float64(h.GetSampleCount()); got != requests[route] {
				t.Errorf("route %s: histogram count = %v, requests_total = %v, want equal", route, got, requests[route])
			}
			// Only /test/slow moves the clock, by 2 s: it is in the buckets
			// from le=2.5 up; everything else took exactly 0 s.
			wantSum := 0.0
			if route == "/test/slow" {
				wantSum = 2
			}
			if h.GetSampleSum() != wantSum {
				t.Errorf("route %s: histogram sum = %v, want %v", route, h.GetSampleSum(), wantSum)
			}
			var bounds []float64
			for _, b := range h.GetBucket() {
				if math.IsInf(b.GetUpperBound(), 1) {
					continue
				}
				bounds = append(bounds, b.GetUpperBound())
				want := h.GetSampleCount()
				if route == "/test/slow" && b.GetUpperBound() < 2 {
					want = 0
				}
				if b.GetCumulativeCount() != want {
					t.Errorf("route %s: bucket le=%v = %d, want %d", route, b.GetUpperBound(), b.GetCumulativeCount(), want)
				}
			}
			if !slices.Equal(bounds, wantBounds) {
				t.Errorf("route %s: bucket bounds = %v, want %v", route, bounds, wantBounds)
			}
		}
		if len(routes) != len(requests) {
			t.Errorf("histogram routes = %v, requests_total routes = %v, want the same", routes, requests)
		}
	})

	gauge := func(mfs map[string]*dto.MetricFamily, name string) float64 {
		t.Helper()
		s := series(mfs, name)
		v, ok := s[""]
		if !ok || mfs[name].GetType() != dto.MetricType_GAUGE {
			t.Errorf("%s = %v, want one unlabelled gauge", name, s)
		}
		return v
	}
	values := []struct {
		name string
		got  float64
		want float64
	}{
		{"in flight counts the scrape itself", gauge(first, "outcomes_http_requests_in_flight"), 1},
		{"releases loaded", gauge(first, "outcomes_releases_loaded"), 1},
		{"bytes of /test/slow", series(first, "outcomes_http_response_bytes_total")["route=/test/slow"], 4},
		{"bytes sent before the error", series(first, "outcomes_http_response_bytes_total")["route=/test/partial"], 4},
		{"bytes of the first scrape", series(second, "outcomes_http_response_bytes_total")["route=/metrics"], float64(len(firstBody))},
	}
	for _, tt := range values {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	t.Run("response cache entries", func(t *testing.T) {
		// The surgeon answers were built and cached.
		if got := gauge(first, "outcomes_response_cache_entries"); got < 2 {
			t.Errorf("outcomes_response_cache_entries = %v, want ≥ 2", got)
		}
	})
}

func TestMetricsFamilies(t *testing.T) {
	srv := newServer(t, api.Config{})
	get(t, srv, http.MethodGet, "/healthz")
	mfs, _ := scrapeMetrics(t, srv)
	tests := []struct {
		name     string
		typ      dto.MetricType
		positive bool // the value must be > 0
	}{
		{"outcomes_http_requests_total", dto.MetricType_COUNTER, true},
		{"outcomes_http_request_duration_seconds", dto.MetricType_HISTOGRAM, true},
		{"outcomes_http_requests_in_flight", dto.MetricType_GAUGE, true},
		{"outcomes_http_response_bytes_total", dto.MetricType_COUNTER, true},
		{"outcomes_releases_loaded", dto.MetricType_GAUGE, true},
		{"outcomes_response_cache_entries", dto.MetricType_GAUGE, false},
		{"go_goroutines", dto.MetricType_GAUGE, true},
		{"go_memstats_heap_alloc_bytes", dto.MetricType_GAUGE, true},
		{"go_memstats_sys_bytes", dto.MetricType_GAUGE, true},
		{"go_gc_duration_seconds", dto.MetricType_SUMMARY, false},
		{"process_start_time_seconds", dto.MetricType_GAUGE, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.HasPrefix(tt.name, "process_") && runtime.GOOS != "linux" {
				t.Skip("the process collector reads /proc")
			}
			mf := mfs[tt.name]
			if mf == nil {
				t.Fatalf("GET /metrics has no %s", tt.name)
			}
			if mf.GetType() != tt.typ {
				t.Errorf("%s type = %v, want %v", tt.name, mf.GetType(), tt.typ)
			}
			if mf.GetHelp() == "" {
				t.Errorf("%s has no help", tt.name)
			}
			if tt.positive {
				for k, v := range series(mfs, tt.name) {
					if !(v > 0) {
						t.Errorf("%s{%s} = %v, want > 0", tt.name, k, v)
					}
				}
			}
		})
	}
	t.Run("process start time", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("the process collector reads /proc")
		}
		start := time.Unix(0, int64(series(mfs, "process_start_time_seconds")[""]*1e9))
		if start.After(time.Now()) || time.Since(start) > time.Hour {
			t.Errorf("process_start_time_seconds = %v, want this test process's start", start)
		}
	})
}

// seriesCount is how many series the outcomes_http_ families hold.
func seriesCount(mfs map[string]*dto.MetricFamily) int {
	n := 0
	for name, mf := range mfs {
		if strings.HasPrefix(name, "outcomes_http_") {
			n += len(mf.GetMetric())
		}
	}
	return n
}

func TestMetricsSeriesBounded(t *testing.T) {
	srv := newServer(t, api.Config{})
	rng := rand.New(rand.NewPCG(5, 6))
	token := func() string { return fmt.Sprintf("q%016x", rng.Uint64()) }
	// Each shape gives the same method, route and status whatever the
	// token, so one round makes every series there will be; the tokens
	// are what must not become series.
	shapes := []struct {
		method string
		path   func(string) string
		want   int
	}{
		{http.MethodGet, func(s string) string { return "/" + s }, http.StatusNotFound},
		{http.MethodGet, func(s string) string { return "/api/v1/" + s + "/x?y=" + s }, http.StatusNotFound},
		{http.MethodGet, func(s string) string { return "/api/v1/surgeons/" + s }, http.StatusNotFound},
		{http.MethodGet, func(s string) string { return "/api/v1/surgeons/" + s + "/more" }, http.StatusNotFound},
		{http.MethodGet, func(s string) string { return "/surgeons/" + s }, http.StatusNotFound},
		{http.MethodGet, func(s string) string { return "/static/" + s + ".css" }, http.StatusNotFound},
		{http.MethodPost, func(s string) string { return "/" + s }, http.StatusNotFound},
		{http.MethodPut, func(s string) string { return "/api/v1/surgeons/" + s }, http.StatusMethodNotAllowed},
		{"", func(s string) string { return "/api/v1/surgeons/" + s }, http.StatusMethodNotAllowed}, // an invented method
	}
	var sent []string
	round := func(n int) {
		t.Helper()
		for range n {
			for _, sh := range shapes {
				tok := token()
				sent = append(sent, tok)
				method := sh.method
				if method == "" {
					method = strings.ToUpper(tok)
				}
				if resp, _ := get(t, srv, method, sh.path(tok)); resp.StatusCode != sh.want {
					t.Fatalf("%s %s = %d, want %d", method, sh.path(tok), resp.StatusCode, sh.want)
				}
			}
		}
	}
	round(1)
	scrapeMetrics(t, srv) // the scrape's own series exist from the next one
	before, _ := scrapeMetrics(t, srv)
	round(100)
	after, body := scrapeMetrics(t, srv)

	if b, a := seriesCount(before), seriesCount(after); a != b {
		t.Errorf("outcomes_http_ series = %d after %d requests to distinct URLs, want %d as before them", a, len(sent), b)
	}
	// Three GET shapes match no route: /x, /api/v1/x/x, and
	// /api/v1/surgeons/x/more (a sibling of /api/v1/surgeons/{id}/history).
	if got := series(after, "outcomes_http_requests_total")["method=GET,route=unmatched,status=404"]; got != 3*101 {
		t.Errorf(`outcomes_http_requests_total{method="GET",route="unmatched",status="404"} = %v, want %d`, got, 3*101)
	}
	for _, tok := range sent {
		if bytes.Contains(bytes.ToLower(body), []byte(tok)) {
			t.Fatalf("GET /metrics contains %q from a request's URL or method", tok)
		}
	}
}

func TestMetricsConcurrent(t *testing.T) {
	srv := newServer(t, api.Config{})
	const workers, each = 4, 50
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				path := fmt.Sprintf("/api/v1/surgeons/%07d", 9000001+w*each+i)
				resp, err := srv.Client().Get(srv.URL + path)
				if err != nil {
					t.Errorf("GET %s: %v", path, err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	// Scrape while requests are running, for the race detector.
	for range 5 {
		scrapeMetrics(t, srv)
	}
	wg.Wait()
	mfs, _ := scrapeMetrics(t, srv)
	var total float64
	for k, v := range series(mfs, "outcomes_http_requests_total") {
		if strings.Contains(k, "route=/api/v1/surgeons/:id,") {
			total += v
		}
	}
	if total != workers*each {
		t.Errorf("outcomes_http_requests_total for /api/v1/surgeons/:id = %v, want %d", total, workers*each)
	}
	if got := series(mfs, "outcomes_http_request_duration_seconds")["route=/api/v1/surgeons/:id"]; got != workers*each {
		t.Errorf("outcomes_http_request_duration_seconds_count for /api/v1/surgeons/:id = %v, want %d", got, workers*each)
	}
	if got := series(mfs, "outcomes_http_requests_in_flight")[""]; got != 1 {
		t.Errorf("outcomes_http_requests_in_flight = %v, want 1 (the scrape)", got)
	}
}

// TestMetricsLogLinesDropped: the log writer's count of dropped lines, when
// the server is given one, is a counter read at each scrape.
func TestMetricsLogLinesDropped(t *testing.T) {
	var dropped atomic.Uint64
	srv := newServer(t, api.Config{LogLinesDropped: dropped.Load})
	mfs, _ := scrapeMetrics(t, srv)
	if mf := mfs["outcomes_log_lines_dropped_total"]; mf == nil || mf.GetType() != dto.MetricType_COUNTER {
		t.Fatalf("outcomes_log_lines_dropped_total = %v, want a counter", mf)
	}
	dropped.Store(7)
	mfs, _ = scrapeMetrics(t, srv)
	if got := series(mfs, "outcomes_log_lines_dropped_total")[""]; got != 7 {
		t.Errorf("outcomes_log_lines_dropped_total = %v after the writer dropped 7, want 7", got)
	}
	mfs, _ = scrapeMetrics(t, newServer(t, api.Config{}))
	if mf := mfs["outcomes_log_lines_dropped_total"]; mf != nil {
		t.Errorf("outcomes_log_lines_dropped_total served with no log writer to count")
	}
}
