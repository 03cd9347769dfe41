package api

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// unmatchedRoute is the route label of requests no route matched. Using a
// fixed value instead of the URL keeps scanners probing random paths from
// creating a series per path.
const unmatchedRoute = "unmatched"

// durationBuckets are the upper bounds, in seconds, of the request
// duration histogram's buckets: prometheus.DefBuckets with 1 ms and 2.5 ms
// added, as most answers come from memory (the hand-written exporter's
// buckets, kept for its dashboards).
var durationBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// metrics is the server's Prometheus registry and the middleware that
// records every request in it. It is modelled on echo-contrib's
// echoprometheus (route label from c.Path(), read after the handler has
// run) but keeps every label bounded by the route table, where
// echoprometheus labels by the request's own method and Host header and,
// by default, by the URL of a 404: here the method is one of a fixed set,
// requests no route matched share one label, and there is no host label.
// It also counts requests in flight and requests whose handler panicked.
// Safe for concurrent use.
type metrics struct {
	// now is called twice per request to time it.
	now func() time.Time
	// reg is this server's own registry: two servers in one process (as in
	// the tests) never share series, and nothing is registered globally.
	reg      *prometheus.Registry
	requests *prometheus.CounterVec   // method, route, status
	duration *prometheus.HistogramVec // route
	bytes    *prometheus.CounterVec   // route
	inFlight prometheus.Gauge
	handler  http.Handler

	mu     sync.RWMutex
	series map[requestKey]*requestSeries
}

// requestKey is the labels of one request's series.
type requestKey struct {
	method, route string
	status        int
}

// requestSeries holds one requestKey's children of the vectors. They are
// looked up once and kept, because WithLabelValues hashes and validates
// every label value on every call, which was most of the middleware's
// cost. Nothing deletes series from the vectors, so a kept child is always
// the one the registry exposes.
type requestSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
	bytes    prometheus.Counter
}

// newMetrics returns a registry holding the Go runtime and process
// collectors and the HTTP metrics, all zero. now times requests; tests
// that fix the clock see every duration as 0.
func newMetrics(now func() time.Time) *metrics {
	m := &metrics{
		now: now,
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outcomes_http_requests_total",
			Help: "HTTP requests handled, by method, route pattern and final status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "outcomes_http_request_duration_seconds",
			Help:    "Time from the request entering the middleware to the handler returning, by route pattern.",
			Buckets: durationBuckets,
		}, []string{"route"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outcomes_http_response_bytes_total",
			Help: "Response body bytes written, by route pattern.",
		}, []string{"route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "outcomes_http_requests_in_flight",
			Help: "HTTP requests being handled now, this scrape included.",
		}),
		series: make(map[requestKey]*requestSeries),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.bytes, m.inFlight,
	)
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

// setGauge registers a gauge whose value is read at scrape time, such as
// the number of releases loaded or of response-cache entries. It is meant
// for start-up; value may take its own locks. setGauge panics on an
// invalid or duplicate name, which is a programmer error.
func (m *metrics) setGauge(name, help string, value func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, value))
}

// setCounter registers a counter whose value is read at scrape time from
// something that counts on its own, such as the log writer's dropped
// lines. Like setGauge it is meant for start-up and panics on a bad name.
func (m *metrics) setCounter(name, help string, value func() float64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, value))
}

// middleware records every request. It reads the route after the handler
// has run, because echo's router sets it inside the chain when the
// middleware is registered with Pre.
//
// In our chain the request logger, inside this middleware, hands a
// handler's error to the HTTPErrorHandler, so the response is committed
// and its status final by the time this middleware sees it. Placed
// elsewhere, for an error on an uncommitted response the status is
// derived from the error as echo's default error handler would
// (*echo.HTTPError keeps its code, anything else is 500).
func (m *metrics) middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			m.inFlight.Inc()
			start := m.now()
			returned := false
			defer func() {
				m.inFlight.Dec()
				if !returned {
					// The handler panicked and the panic is on its way out:
					// http.ErrAbortHandler, which Recover re-panics, or a
					// panic in a chain without Recover. net/http answers 500
					// or drops the connection unless something was sent.
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

// observe records one finished request. Every label value is bounded: the
// route is a pattern from the route table or unmatchedRoute, the method
// one of normalMethod's, and the status a number below 1000.
func (m *metrics) observe(c echo.Context, status int, d time.Duration) {
	route := c.Path()
	if route == "" {
		route = unmatchedRoute
	}
	s := m.seriesFor(requestKey{method: normalMethod(c.Request().Method), route: route, status: status})
	s.requests.Inc()
	s.duration.Observe(d.Seconds())
	s.bytes.Add(float64(max(c.Response().Size, 0)))
}

// seriesFor returns k's series, creating them on first use.
func (m *metrics) seriesFor(k requestKey) *requestSeries {
	m.mu.RLock()
	s := m.series[k]
	m.mu.RUnlock()
	if s != nil {
		return s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s = m.series[k]; s == nil {
		s = &requestSeries{
			requests: m.requests.WithLabelValues(k.method, k.route, strconv.Itoa(k.status)),
			duration: m.duration.WithLabelValues(k.route),
			bytes:    m.bytes.WithLabelValues(k.route),
		}
		m.series[k] = s
	}
	return s
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
	m.handler.ServeHTTP(c.Response(), c.Request())
	return nil
}
