package api

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// metricsContentType is the Prometheus text exposition format, version
// 0.0.4. We write it by hand rather than import the client library: the
// format is a few lines of text and the library would bring a large
// dependency tree for a handful of series.
const metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

// unmatchedRoute is the route label of requests no route matched. Using a
// fixed value instead of the URL keeps scanners probing random paths from
// creating a series per path.
const unmatchedRoute = "unmatched"

// metrics counts requests for /metrics. Safe for concurrent use.
//
// Every series is keyed by bounded values only (method from a fixed set,
// route pattern, status code), so its memory grows with the route table,
// not with traffic.
type metrics struct {
	now   func() time.Time
	start time.Time
	// bounds are the upper bounds of the duration histogram's buckets, in
	// seconds and ascending; +Inf is implied.
	bounds   []float64
	inFlight atomic.Int64

	mu     sync.Mutex
	routes map[string]*routeStats // by route pattern
	gauges []gauge                // sorted by name
}

// routeStats is what metrics records for one route pattern.
type routeStats struct {
	requests map[requestKey]uint64
	// buckets[i] counts durations in (bounds[i-1], bounds[i]]; the last
	// element counts those above every bound. They are made cumulative only
	// at scrape time so that a request increments one slot, not up to 14.
	buckets []uint64
	sum     float64 // seconds
	count   uint64
	bytes   uint64
}

// requestKey identifies one outcomes_http_requests_total series within a
// route.
type requestKey struct {
	method string
	status int
}

// gauge is an extra gauge registered with setGauge.
type gauge struct {
	name, help string
	value      func() float64
}

// newMetrics returns an empty metrics. now is called at start (for
// process_start_time_seconds) and twice per request to time it; tests pass
// a fake clock to make durations exact.
func newMetrics(now func() time.Time) *metrics {
	return &metrics{
		now:    now,
		start:  now(),
		bounds: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		routes: make(map[string]*routeStats),
	}
}

// setGauge registers a gauge whose value is read at scrape time, such as
// the number of releases loaded or of response-cache entries. It is meant
// for start-up; value is called without any lock held, so it may take its
// own. setGauge panics on an invalid or duplicate name, which is a
// programmer error.
func (m *metrics) setGauge(name, help string, value func() float64) {
	if !validMetricName(name) {
		panic(fmt.Sprintf("api: setGauge: invalid metric name %q", name))
	}
	if value == nil {
		panic(fmt.Sprintf("api: setGauge: nil value for %q", name))
	}
	if slices.Contains(builtinFamilies(), name) {
		panic(fmt.Sprintf("api: setGauge: %q is a built-in metric", name))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	i, found := slices.BinarySearchFunc(m.gauges, name, func(g gauge, name string) int {
		return strings.Compare(g.name, name)
	})
	if found {
		panic(fmt.Sprintf("api: setGauge: %q registered twice", name))
	}
	m.gauges = slices.Insert(m.gauges, i, gauge{name: name, help: help, value: value})
}

// middleware records every request. It reads the route after the handler
// has run, because echo's router sets it inside the chain when the
// middleware is registered with Pre.
//
// A handler's error is written by echo's HTTPErrorHandler only after every
// middleware has returned, so for an error on an uncommitted response the
// status is derived from the error the same way handleError does
// (*echo.HTTPError keeps its code, anything else is 500), and the bytes of
// that error body are not counted.
func (m *metrics) middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			m.inFlight.Add(1)
			start := m.now()
			returned := false
			defer func() {
				m.inFlight.Add(-1)
				if !returned {
					// The handler panicked and the panic is on its way to a
					// Recover further out (or to net/http), which will answer
					// 500 unless something was already sent.
					status := http.StatusInternalServerError
					if c.Response().Committed {
						status = c.Response().Status
					}
					m.observe(c, status, m.now().Sub(start))
				}
			}()
			err := next(c)
			returned = true
			m.observe(c, responseStatus(c, err), m.now().Sub(start))
			return err
		}
	}
}

// responseStatus is the status the client will get for a request whose
// handler chain returned err.
func responseStatus(c echo.Context, err error) int {
	if err == nil || c.Response().Committed {
		return c.Response().Status
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he.Code
	}
	return http.StatusInternalServerError
}

// observe records one finished request.
func (m *metrics) observe(c echo.Context, status int, d time.Duration) {
	method := normalMethod(c.Request().Method)
	route := c.Path()
	if route == "" {
		route = unmatchedRoute
	}
	size := uint64(max(c.Response().Size, 0))
	s := d.Seconds()
	// SearchFloat64s finds the first bound ≥ s, which is the bucket whose
	// le includes s.
	i := sort.SearchFloat64s(m.bounds, s)

	m.mu.Lock()
	rs := m.routes[route]
	if rs == nil {
		rs = &routeStats{
			requests: make(map[requestKey]uint64),
			buckets:  make([]uint64, len(m.bounds)+1),
		}
		m.routes[route] = rs
	}
	rs.requests[requestKey{method: method, status: status}]++
	rs.buckets[i]++
	rs.sum += s
	rs.count++
	rs.bytes += size
	m.mu.Unlock()
}

// normalMethod maps the methods of RFC 9110 and PATCH to themselves and
// anything else to "other", so a client cannot mint series by inventing
// methods.
func normalMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return method
	}
	return "other"
}

// handle answers GET /metrics.
//
//	@Summary		Metrics
//	@Description	Request counts, latency histograms and sizes by route, in-flight requests, cache entries and Go runtime figures, in the Prometheus text format (0.0.4).
//	@Tags			operations
//	@Produce		plain
//	@Success		200	{string}	string
//	@Router			/metrics [get]
func (m *metrics) handle(c echo.Context) error {
	return c.Blob(http.StatusOK, metricsContentType, m.expose())
}

// builtinFamilies lists the names of the families metrics always exposes,
// which setGauge may not reuse.
func builtinFamilies() []string {
	return []string{
		"outcomes_http_requests_total",
		"outcomes_http_request_duration_seconds",
		"outcomes_http_requests_in_flight",
		"outcomes_http_response_bytes_total",
		"go_goroutines",
		"go_memstats_heap_alloc_bytes",
		"go_memstats_sys_bytes",
		"go_gc_cycles_total",
		"process_start_time_seconds",
	}
}

// routeSnapshot is a copy of one route's stats taken under the lock, so
// that formatting happens without holding it.
type routeSnapshot struct {
	route string
	routeStats
}

// expose returns every family in the text exposition format: families in
// a fixed order, series sorted by their labels, so that two scrapes of the
// same state are byte-identical.
func (m *metrics) expose() []byte {
	m.mu.Lock()
	routes := make([]routeSnapshot, 0, len(m.routes))
	for route, rs := range m.routes {
		routes = append(routes, routeSnapshot{route: route, routeStats: routeStats{
			requests: maps.Clone(rs.requests),
			buckets:  slices.Clone(rs.buckets),
			sum:      rs.sum,
			count:    rs.count,
			bytes:    rs.bytes,
		}})
	}
	gauges := slices.Clone(m.gauges)
	m.mu.Unlock()
	slices.SortFunc(routes, func(a, b routeSnapshot) int { return strings.Compare(a.route, b.route) })

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)

	b := make([]byte, 0, 4096)

	// requests_total is sorted by (method, route, status), its label order.
	type request struct {
		requestKey
		route string
		n     uint64
	}
	var requests []request
	for _, r := range routes {
		for k, n := range r.requests {
			requests = append(requests, request{requestKey: k, route: r.route, n: n})
		}
	}
	slices.SortFunc(requests, func(a, b request) int {
		if c := strings.Compare(a.method, b.method); c != 0 {
			return c
		}
		if c := strings.Compare(a.route, b.route); c != 0 {
			return c
		}
		return a.status - b.status
	})
	b = appendHeader(b, "outcomes_http_requests_total",
		"HTTP requests handled, by method, route pattern and final status code.", "counter")
	for _, r := range requests {
		b = append(b, "outcomes_http_requests_total{method=\""...)
		b = appendLabelValue(b, r.method)
		b = append(b, "\",route=\""...)
		b = appendLabelValue(b, r.route)
		b = append(b, "\",status=\""...)
		b = strconv.AppendInt(b, int64(r.status), 10)
		b = append(b, "\"} "...)
		b = strconv.AppendUint(b, r.n, 10)
		b = append(b, '\n')
	}

	const duration = "outcomes_http_request_duration_seconds"
	b = appendHeader(b, duration,
		"Time from the request entering the middleware to the handler returning, by route pattern.", "histogram")
	for _, r := range routes {
		var cum uint64
		for i, n := range r.buckets {
			cum += n
			b = append(b, duration+"_bucket{route=\""...)
			b = appendLabelValue(b, r.route)
			b = append(b, "\",le=\""...)
			if i < len(m.bounds) {
				b = appendFloat(b, m.bounds[i])
			} else {
				b = append(b, "+Inf"...)
			}
			b = append(b, "\"} "...)
			b = strconv.AppendUint(b, cum, 10)
			b = append(b, '\n')
		}
		b = append(b, duration+"_sum{route=\""...)
		b = appendLabelValue(b, r.route)
		b = append(b, "\"} "...)
		b = appendFloat(b, r.sum)
		b = append(b, '\n')
		b = append(b, duration+"_count{route=\""...)
		b = appendLabelValue(b, r.route)
		b = append(b, "\"} "...)
		b = strconv.AppendUint(b, r.count, 10)
		b = append(b, '\n')
	}

	b = appendHeader(b, "outcomes_http_requests_in_flight", "HTTP requests being handled now, this scrape included.", "gauge")
	b = append(b, "outcomes_http_requests_in_flight "...)
	b = strconv.AppendInt(b, m.inFlight.Load(), 10)
	b = append(b, '\n')

	b = appendHeader(b, "outcomes_http_response_bytes_total",
		"Response body bytes written by handlers, by route pattern; error bodies written by the error handler are not counted.", "counter")
	for _, r := range routes {
		b = append(b, "outcomes_http_response_bytes_total{route=\""...)
		b = appendLabelValue(b, r.route)
		b = append(b, "\"} "...)
		b = strconv.AppendUint(b, r.bytes, 10)
		b = append(b, '\n')
	}

	for _, g := range gauges {
		b = appendHeader(b, g.name, g.help, "gauge")
		b = append(b, g.name...)
		b = append(b, ' ')
		b = appendFloat(b, g.value())
		b = append(b, '\n')
	}

	b = appendHeader(b, "go_goroutines", "Number of goroutines that currently exist.", "gauge")
	b = append(b, "go_goroutines "...)
	b = strconv.AppendInt(b, int64(runtime.NumGoroutine()), 10)
	b = append(b, '\n')
	b = appendHeader(b, "go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and still in use.", "gauge")
	b = append(b, "go_memstats_heap_alloc_bytes "...)
	b = strconv.AppendUint(b, ms.HeapAlloc, 10)
	b = append(b, '\n')
	b = appendHeader(b, "go_memstats_sys_bytes", "Number of bytes obtained from the system.", "gauge")
	b = append(b, "go_memstats_sys_bytes "...)
	b = strconv.AppendUint(b, ms.Sys, 10)
	b = append(b, '\n')
	b = appendHeader(b, "go_gc_cycles_total", "Number of completed GC cycles.", "counter")
	b = append(b, "go_gc_cycles_total "...)
	b = strconv.AppendUint(b, uint64(ms.NumGC), 10)
	b = append(b, '\n')
	b = appendHeader(b, "process_start_time_seconds", "Start time of the process since the Unix epoch in seconds.", "gauge")
	b = append(b, "process_start_time_seconds "...)
	b = appendFloat(b, float64(m.start.UnixNano())/1e9)
	b = append(b, '\n')
	return b
}

// appendHeader appends a family's # HELP and # TYPE lines.
func appendHeader(b []byte, name, help, typ string) []byte {
	b = append(b, "# HELP "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = appendEscaped(b, help, false)
	b = append(b, "\n# TYPE "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, typ...)
	return append(b, '\n')
}

// appendLabelValue appends s escaped for use between the double quotes of
// a label value.
func appendLabelValue(b []byte, s string) []byte {
	return appendEscaped(b, s, true)
}

// escapeLabelValue returns s escaped for use between the double quotes of
// a label value: backslash, double quote and line feed become \\, \" and
// \n, as the text format requires.
func escapeLabelValue(s string) string {
	return string(appendLabelValue(nil, s))
}

// escapeHelp returns s escaped for a # HELP line, where only backslash and
// line feed are escaped.
func escapeHelp(s string) string {
	return string(appendEscaped(nil, s, false))
}

// appendEscaped appends s with backslash and line feed escaped, and double
// quote too if quote is set.
func appendEscaped(b []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '\\':
			b = append(b, `\\`...)
		case ch == '\n':
			b = append(b, `\n`...)
		case ch == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, ch)
		}
	}
	return b
}

// appendFloat appends v as the text format writes sample values: whole
// numbers without exponent or point, so that counts read naturally, other
// values in Go's shortest form, and NaN, +Inf and -Inf by name.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case v > -1e15 && v < 1e15 && v == math.Trunc(v):
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// validMetricName reports whether name matches [a-zA-Z_:][a-zA-Z0-9_:]*.
func validMetricName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		ch := name[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch == '_', ch == ':':
		case ch >= '0' && ch <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
