package api

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
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

// startTime is the fake clock's start: process_start_time_seconds must
// read 1700000000.
var startTime = time.Unix(1700000000, 0)

// newMetricsEcho returns an echo instance with the metrics middleware and
// routes covering each way a status reaches the client.
func newMetricsEcho(clock *fakeClock) (*echo.Echo, *metrics) {
	m := newMetrics(clock.now)
	m.setGauge("outcomes_releases_loaded", "Releases loaded.", func() float64 { return 3 })
	m.setGauge("outcomes_cache_entries", "Response-cache entries.", func() float64 { return 12 })

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	// recoverPanics is outside the metrics middleware so that a panic
	// crosses it.
	e.Use(recoverPanics, m.middleware())
	e.GET("/items/:id", func(c echo.Context) error {
		clock.advance(20 * time.Millisecond)
		return c.String(http.StatusOK, "item "+c.Param("id"))
	})
	e.GET("/teapot", func(c echo.Context) error {
		clock.advance(5 * time.Millisecond)
		return echo.NewHTTPError(http.StatusTeapot)
	})
	e.GET("/broken", func(c echo.Context) error {
		clock.advance(2 * time.Second)
		return errors.New("boom")
	})
	e.GET("/partial", func(c echo.Context) error {
		if err := c.String(http.StatusCreated, "made"); err != nil {
			return err
		}
		return errors.New("failed after the response was sent")
	})
	e.GET("/panic", func(c echo.Context) error {
		panic("handler bug")
	})
	e.GET("/metrics", m.handle)
	return e, m
}

// recoverPanics stands in for echo's middleware.Recover, whose package
// needs golang.org/x/time, which go.mod does not require: like Recover by
// default, it hands the panic to the error handler.
func recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				c.Error(fmt.Errorf("panic: %v", r))
			}
		}()
		return next(c)
	}
}

// scrape sends the test traffic through a real server and returns two
// scrapes of /metrics: the first sees every request but no scrape, the
// second also the first scrape.
func scrape(t *testing.T) (first, second string, m *metrics) {
	t.Helper()
	clock := &fakeClock{t: startTime}
	e, m := newMetricsEcho(clock)
	srv := httptest.NewServer(e)
	defer srv.Close()

	traffic := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/items/42", http.StatusOK},
		{http.MethodGet, "/items/43", http.StatusOK},
		{http.MethodGet, "/teapot", http.StatusTeapot},
		{http.MethodGet, "/broken", http.StatusInternalServerError},
		{http.MethodGet, "/partial", http.StatusCreated},
		{http.MethodGet, "/panic", http.StatusInternalServerError},
		{http.MethodGet, "/no/such/page/%22%0A", http.StatusNotFound},
		{http.MethodPost, "/items/42", http.StatusMethodNotAllowed},
		{"BREW", "/items/42", http.StatusMethodNotAllowed},
	}
	for _, tr := range traffic {
		req, err := http.NewRequest(tr.method, srv.URL+tr.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		// Reading to EOF means the handler chain has returned, so the
		// next request cannot overlap this one.
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != tr.want {
			t.Fatalf("%s %s: status = %d, want %d", tr.method, tr.path, res.StatusCode, tr.want)
		}
	}

	get := func() string {
		res, err := srv.Client().Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Header.Get(echo.HeaderContentType); got != metricsContentType {
			t.Errorf("GET /metrics Content-Type = %q, want %q", got, metricsContentType)
		}
		return string(body)
	}
	first = get()
	second = get()
	return first, second, m
}

// linesWithPrefix returns the lines of body that start with prefix, in
// order.
func linesWithPrefix(body, prefix string) []string {
	var out []string
	for line := range strings.Lines(body) {
		if strings.HasPrefix(line, prefix) {
			out = append(out, strings.TrimSuffix(line, "\n"))
		}
	}
	return out
}

func TestMetricsRequestsTotal(t *testing.T) {
	_, body, _ := scrape(t)
	// Sorted by method, route, status. Routes are patterns; the 404 for a
	// made-up path is "unmatched"; 405s keep the pattern whose path
	// matched; an invented method is "other".
	want := []string{
		`outcomes_http_requests_total{method="GET",route="/broken",status="500"} 1`,
		`outcomes_http_requests_total{method="GET",route="/items/:id",status="200"} 2`,
		`outcomes_http_requests_total{method="GET",route="/metrics",status="200"} 1`,
		`outcomes_http_requests_total{method="GET",route="/panic",status="500"} 1`,
		`outcomes_http_requests_total{method="GET",route="/partial",status="201"} 1`,
		`outcomes_http_requests_total{method="GET",route="/teapot",status="418"} 1`,
		`outcomes_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`outcomes_http_requests_total{method="POST",route="/items/:id",status="405"} 1`,
		`outcomes_http_requests_total{method="other",route="/items/:id",status="405"} 1`,
	}
	got := linesWithPrefix(body, "outcomes_http_requests_total{")
	if !slices.Equal(got, want) {
		t.Errorf("requests_total lines =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMetricsHistogramExact(t *testing.T) {
	_, body, _ := scrape(t)
	tests := []struct {
		name  string
		route string
		want  []string
	}{
		{
			// Two GETs took 20ms (fake clock); the POST and BREW 405s took 0.
			name:  "two 20ms and two 0s",
			route: "/items/:id",
			want: []string{
				`outcomes_http_request_duration_seconds_bucket{route="/items/:id",le="0.001"} 2`,
				`outcomes_http_request_duration_seconds_bucket{route="/items/:id",le="0.0025"} 2`,
				`outcomes_http_request_duration_seconds_bucket{route="/items/:id",le="0.005"} 2`,
				`outcomes_http_request_duration_seconds_bucket{route="/items/:id",le="0.01"} 2`,
				`outcomes_http_request_duration_seconds_bucket{route="/items/:id",le="0.025"} 4`,
				`outcomes_http_request_duration_seconds_bucket{route="/items/:id",le="0.05"} 4`,
				`outcomes_http_request_duration_seconds_bucket{route="/items/:id",le="0.1"} 4`,
				`outcomes_http_request_duration_seconds_bucket{route="/items/:id",le="0.25"} 4`,
				`outcomes_http_request_duration_seconds_bucket{route="/items/:id",le="0.5"} 4`,
				`outcomes_http_request_duration_seconds_bucket{route="/items/:id",le="1"} 4`,
				`outcomes_http_request_duration_seconds_bucket{route="/items/:id",le="2.5"} 4`,
				`outcomes_http_request_duration_seconds_bucket{route="/items/:id",le="5"} 4`,
				`outcomes_http_request_duration_seconds_bucket{route="/items/:id",le="10"} 4`,
				`outcomes_http_request_duration_seconds_bucket{route="/items/:id",le="+Inf"} 4`,
				`outcomes_http_request_duration_seconds_sum{route="/items/:id"} 0.04`,
				`outcomes_http_request_duration_seconds_count{route="/items/:id"} 4`,
			},
		},
		{
			name:  "one 2s",
			route: "/broken",
			want: []string{
				`outcomes_http_request_duration_seconds_bucket{route="/broken",le="0.001"} 0`,
				`outcomes_http_request_duration_seconds_bucket{route="/broken",le="0.0025"} 0`,
				`outcomes_http_request_duration_seconds_bucket{route="/broken",le="0.005"} 0`,
				`outcomes_http_request_duration_seconds_bucket{route="/broken",le="0.01"} 0`,
				`outcomes_http_request_duration_seconds_bucket{route="/broken",le="0.025"} 0`,
				`outcomes_http_request_duration_seconds_bucket{route="/broken",le="0.05"} 0`,
				`outcomes_http_request_duration_seconds_bucket{route="/broken",le="0.1"} 0`,
				`outcomes_http_request_duration_seconds_bucket{route="/broken",le="0.25"} 0`,
				`outcomes_http_request_duration_seconds_bucket{route="/broken",le="0.5"} 0`,
				`outcomes_http_request_duration_seconds_bucket{route="/broken",le="1"} 0`,
				`outcomes_http_request_duration_seconds_bucket{route="/broken",le="2.5"} 1`,
				`outcomes_http_request_duration_seconds_bucket{route="/broken",le="5"} 1`,
				`outcomes_http_request_duration_seconds_bucket{route="/broken",le="10"} 1`,
				`outcomes_http_request_duration_seconds_bucket{route="/broken",le="+Inf"} 1`,
				`outcomes_http_request_duration_seconds_sum{route="/broken"} 2`,
				`outcomes_http_request_duration_seconds_count{route="/broken"} 1`,
			},
		},
		{
			// A duration exactly on a bound belongs to that bucket (le).
			name:  "one 5ms, on a bound",
			route: "/teapot",
			want: []string{
				`outcomes_http_request_duration_seconds_bucket{route="/teapot",le="0.001"} 0`,
				`outcomes_http_request_duration_seconds_bucket{route="/teapot",le="0.0025"} 0`,
				`outcomes_http_request_duration_seconds_bucket{route="/teapot",le="0.005"} 1`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := linesWithPrefix(body, "outcomes_http_request_duration_seconds_")
			got = slices.DeleteFunc(got, func(l string) bool { return !strings.Contains(l, `route="`+tt.route+`"`) })
			got = got[:min(len(got), len(tt.want))]
			if !slices.Equal(got, tt.want) {
				t.Errorf("histogram lines for %s =\n%s\nwant\n%s", tt.route, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestMetricsHistogramConsistent(t *testing.T) {
	_, body, _ := scrape(t)
	samples := parseExposition(t, body)

	requests := map[string]float64{} // by route
	for _, s := range samples {
		if s.name == "outcomes_http_requests_total" {
			requests[s.labels["route"]] += s.value
		}
	}
	type hist struct {
		buckets      []float64
		inf, count   float64
		seenInf      bool
		lastLE       float64
		sum          float64
		seenSumCount int
	}
	hists := map[string]*hist{}
	for _, s := range samples {
		if !strings.HasPrefix(s.name, "outcomes_http_request_duration_seconds_") {
			continue
		}
		route := s.labels["route"]
		h := hists[route]
		if h == nil {
			h = &hist{lastLE: math.Inf(-1)}
			hists[route] = h
		}
		switch s.name {
		case "outcomes_http_request_duration_seconds_bucket":
			le, err := strconv.ParseFloat(s.labels["le"], 64)
			if err != nil {
				t.Fatalf("route %s: le %q: %v", route, s.labels["le"], err)
			}
			if le <= h.lastLE {
				t.Errorf("route %s: le %v after %v, want ascending", route, le, h.lastLE)
			}
			h.lastLE = le
			if n := len(h.buckets); n > 0 && s.value < h.buckets[n-1] {
				t.Errorf("route %s: bucket le=%v = %v < previous %v, want cumulative", route, le, s.value, h.buckets[n-1])
			}
			h.buckets = append(h.buckets, s.value)
			if math.IsInf(le, 1) {
				h.inf, h.seenInf = s.value, true
			}
		case "outcomes_http_request_duration_seconds_sum":
			h.sum = s.value
			h.seenSumCount++
		case "outcomes_http_request_duration_seconds_count":
			h.count = s.value
			h.seenSumCount++
		}
	}
	if len(hists) != len(requests) {
		t.Errorf("histogram routes = %d, requests_total routes = %d, want equal", len(hists), len(requests))
	}
	for route, h := range hists {
		if len(h.buckets) != 14 || !h.seenInf || h.seenSumCount != 2 {
			t.Errorf("route %s: %d buckets, +Inf %v, sum+count lines %d; want 14, true, 2", route, len(h.buckets), h.seenInf, h.seenSumCount)
		}
		if h.inf != h.count {
			t.Errorf("route %s: +Inf bucket = %v, _count = %v, want equal", route, h.inf, h.count)
		}
		if h.count != requests[route] {
			t.Errorf("route %s: _count = %v, requests_total = %v, want equal", route, h.count, requests[route])
		}
	}
}

func TestMetricsOtherSeries(t *testing.T) {
	first, second, _ := scrape(t)
	tests := []struct {
		name string
		want string
	}{
		{"in flight counts the scrape itself", "outcomes_http_requests_in_flight 1"},
		{"bytes of two bodies", `outcomes_http_response_bytes_total{route="/items/:id"} 14`},
		{"bytes sent before the error", `outcomes_http_response_bytes_total{route="/partial"} 4`},
		{"error body not counted", `outcomes_http_response_bytes_total{route="/teapot"} 0`},
		{"bytes of first scrape", fmt.Sprintf(`outcomes_http_response_bytes_total{route="/metrics"} %d`, len(first))},
		{"registered gauge", "outcomes_releases_loaded 3"},
		{"second registered gauge", "outcomes_cache_entries 12"},
		{"start time from clock", "process_start_time_seconds 1700000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Contains(strings.Split(second, "\n"), tt.want) {
				t.Errorf("scrape has no line %q", tt.want)
			}
		})
	}

	runtimeTests := []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "go_memstats_sys_bytes", "go_gc_cycles_total"}
	samples := parseExposition(t, second)
	for _, name := range runtimeTests {
		t.Run(name, func(t *testing.T) {
			i := slices.IndexFunc(samples, func(s sample) bool { return s.name == name })
			if i < 0 {
				t.Fatalf("scrape has no %s sample", name)
			}
			if v := samples[i].value; v < 0 || v != math.Trunc(v) {
				t.Errorf("%s = %v, want a whole number ≥ 0", name, v)
			}
			if name != "go_gc_cycles_total" && samples[i].value == 0 {
				t.Errorf("%s = 0, want > 0", name)
			}
		})
	}
}

func TestMetricsFamilies(t *testing.T) {
	_, body, _ := scrape(t)
	want := []string{
		"outcomes_http_requests_total counter",
		"outcomes_http_request_duration_seconds histogram",
		"outcomes_http_requests_in_flight gauge",
		"outcomes_http_response_bytes_total counter",
		"outcomes_cache_entries gauge",
		"outcomes_releases_loaded gauge",
		"go_goroutines gauge",
		"go_memstats_heap_alloc_bytes gauge",
		"go_memstats_sys_bytes gauge",
		"go_gc_cycles_total counter",
		"process_start_time_seconds gauge",
	}
	lines := strings.Split(body, "\n")
	var got []string
	for i, line := range lines {
		rest, ok := strings.CutPrefix(line, "# TYPE ")
		if !ok {
			continue
		}
		got = append(got, rest)
		name, _, _ := strings.Cut(rest, " ")
		if i == 0 || !strings.HasPrefix(lines[i-1], "# HELP "+name+" ") {
			t.Errorf("# TYPE %s is not preceded by its # HELP line", name)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("# TYPE lines =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := strings.Count(body, "# HELP "); n != len(want) {
		t.Errorf("%d # HELP lines, want %d", n, len(want))
	}
}

// sample is one parsed sample line.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// parseExposition parses body as the text format, failing t on any line
// that is not a HELP, TYPE or sample line, on a sample whose family has no
// TYPE before it, and on families whose samples are not contiguous.
func parseExposition(t *testing.T, body string) []sample {
	t.Helper()
	const (
		name  = `[a-zA-Z_:][a-zA-Z0-9_:]*`
		label = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"`
	)
	helpRE := regexp.MustCompile(`^# HELP (` + name + `) (?:[^\\\n]|\\[\\n])*$`)
	typeRE := regexp.MustCompile(`^# TYPE (` + name + `) (counter|gauge|histogram|summary|untyped)$`)
	sampleRE := regexp.MustCompile(`^(` + name + `)(?:\{(` + label + `(?:,` + label + `)*)\})? (\S+)$`)
	labelRE := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"`)

	if !strings.HasSuffix(body, "\n") {
		t.Errorf("exposition does not end in a line feed")
	}
	types := map[string]string{}
	done := map[string]bool{} // families whose samples are over
	current := ""
	var out []sample
	for i, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		if m := helpRE.FindStringSubmatch(line); m != nil {
			continue
		}
		if m := typeRE.FindStringSubmatch(line); m != nil {
			if _, dup := types[m[1]]; dup {
				t.Errorf("line %d: second # TYPE for %s", i+1, m[1])
			}
			types[m[1]] = m[2]
			continue
		}
		m := sampleRE.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("line %d: %q is not a HELP, TYPE or sample line", i+1, line)
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Errorf("line %d: value %q: %v", i+1, m[3], err)
		}
		family := m[1]
		if _, ok := types[family]; !ok {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if f, ok := strings.CutSuffix(family, suffix); ok && types[f] == "histogram" {
					family = f
				}
			}
		}
		if _, ok := types[family]; !ok {
			t.Errorf("line %d: sample %s has no # TYPE before it", i+1, m[1])
		}
		if family != current {
			if done[family] {
				t.Errorf("line %d: samples of %s are not contiguous", i+1, family)
			}
			done[current] = true
			current = family
		}
		labels := map[string]string{}
		for _, lm := range labelRE.FindAllStringSubmatch(m[2], -1) {
			if _, dup := labels[lm[1]]; dup {
				t.Errorf("line %d: label %s twice", i+1, lm[1])
			}
			labels[lm[1]] = lm[2]
		}
		if m[1] == "outcomes_http_request_duration_seconds_bucket" && labels["le"] == "" {
			t.Errorf("line %d: bucket without le", i+1)
		}
		out = append(out, sample{name: m[1], labels: labels, value: v})
	}
	return out
}

func TestMetricsExpositionParses(t *testing.T) {
	_, body, _ := scrape(t)
	if n := len(parseExposition(t, body)); n < 50 {
		t.Errorf("parsed %d samples, want at least 50", n)
	}
}

func TestMetricsDeterministic(t *testing.T) {
	_, _, m := scrape(t)
	// The go_ series move on their own; everything else must be
	// byte-identical between scrapes of the same state.
	stable := func(b []byte) string {
		lines := strings.Split(string(b), "\n")
		return strings.Join(slices.DeleteFunc(lines, func(l string) bool { return strings.HasPrefix(l, "go_") }), "\n")
	}
	a, b := stable(m.expose()), stable(m.expose())
	if a != b {
		t.Errorf("two exposes of the same state differ:\n%s\n---\n%s", a, b)
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
	want := `outcomes_http_requests_total{method="GET",route="/items/:id",status="204"} 1`
	if !slices.Contains(strings.Split(string(m.expose()), "\n"), want) {
		t.Errorf("expose() has no line %q", want)
	}
}

func TestMetricsConcurrent(t *testing.T) {
	m := newMetrics(time.Now)
	e := echo.New()
	e.Use(m.middleware())
	e.GET("/items/:id", func(c echo.Context) error { return c.String(http.StatusOK, "x") })
	const workers, each = 8, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/items/%d", w*each+i), nil)
				e.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
	// Scrape while requests are running, for the race detector.
	for range 10 {
		_ = m.expose()
	}
	wg.Wait()
	body := string(m.expose())
	for _, want := range []string{
		fmt.Sprintf(`outcomes_http_requests_total{method="GET",route="/items/:id",status="200"} %d`, workers*each),
		fmt.Sprintf(`outcomes_http_request_duration_seconds_count{route="/items/:id"} %d`, workers*each),
		fmt.Sprintf(`outcomes_http_response_bytes_total{route="/items/:id"} %d`, workers*each),
		"outcomes_http_requests_in_flight 0",
	} {
		if !slices.Contains(strings.Split(body, "\n"), want) {
			t.Errorf("expose() has no line %q", want)
		}
	}
}

func TestEscapeLabelValue(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "/api/v1/surgeons/:id", "/api/v1/surgeons/:id"},
		{"empty", "", ""},
		{"double quote", `a"b`, `a\"b`},
		{"backslash", `a\b`, `a\\b`},
		{"line feed", "a\nb", `a\nb`},
		{"all three", "\"\\\n", `\"\\\n`},
		{"escaped-looking text", `\n`, `\\n`},
		{"other bytes untouched", "tab\there é\r", "tab\there é\r"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := escapeLabelValue(tt.in); got != tt.want {
				t.Errorf("escapeLabelValue(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscapeHelp(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Requests handled.", "Requests handled."},
		{"double quote kept", `say "hi"`, `say "hi"`},
		{"backslash", `a\b`, `a\\b`},
		{"line feed", "a\nb", `a\nb`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := escapeHelp(tt.in); got != tt.want {
				t.Errorf("escapeHelp(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

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

func TestAppendFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{3, "3"},
		{-2, "-2"},
		{1700000000, "1700000000"},
		{1700000000.5, "1.7000000005e+09"},
		{0.0025, "0.0025"},
		{0.04, "0.04"},
		{1e15, "1e+15"},
		{math.Inf(1), "+Inf"},
		{math.Inf(-1), "-Inf"},
		{math.NaN(), "NaN"},
	}
	for _, tt := range tests {
		if got := string(appendFloat(nil, tt.in)); got != tt.want {
			t.Errorf("appendFloat(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSetGaugePanics(t *testing.T) {
	tests := []struct {
		name  string
		gauge string
		value func() float64
	}{
		{"empty name", "", func() float64 { return 0 }},
		{"leading digit", "1abc", func() float64 { return 0 }},
		{"hyphen", "outcomes-cache", func() float64 { return 0 }},
		{"built-in", "go_goroutines", func() float64 { return 0 }},
		{"registered twice", "outcomes_releases_loaded", func() float64 { return 0 }},
		{"nil value", "outcomes_new", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMetrics(time.Now)
			m.setGauge("outcomes_releases_loaded", "Releases loaded.", func() float64 { return 1 })
			defer func() {
				if recover() == nil {
					t.Errorf("setGauge(%q) did not panic", tt.gauge)
				}
			}()
			m.setGauge(tt.gauge, "help", tt.value)
		})
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

func BenchmarkMetricsHandle(b *testing.B) {
	m := newMetrics(time.Now)
	e := echo.New()
	h := m.middleware()(func(echo.Context) error { return nil })
	for i := range 30 {
		c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
		c.SetPath(fmt.Sprintf("/api/v1/route%d/:id", i))
		_ = h(c)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.expose()
	}
}
