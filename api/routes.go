package api

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	echoSwagger "github.com/swaggo/echo-swagger"
	"golang.org/x/time/rate"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/site"
)

// maxBody bounds a request body: a hospital's self-check figures are a few
// kilobytes.
const maxBody = "1M"

// routes builds the echo instance: middleware, then every route in one
// table.
func (s *Server) routes() *echo.Echo {
	docs := echoSwagger.EchoWrapHandler(echoSwagger.URL("/api/v1/openapi.json"))
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = echo.ExtractIPDirect()
	if s.cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	}

	e.Use(securityHeaders)
	e.Use(middleware.RequestID())
	e.Use(s.metrics.middleware())
	e.Use(s.requestLogger())
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true, DisableErrorHandler: true}))
	e.Use(apiCORS())
	e.Use(decodePathParams)
	if s.limiter != nil {
		e.Use(s.limiter)
	}
	e.Use(middleware.BodyLimit(maxBody))
	e.Use(readBody)
	// No global gzip middleware: JSON is compressed once per cached
	// response and CSV as it streams (respond.go), each with its own strong
	// ETag, where a middleware would compress every response again. The
	// site's text responses are gzipped by route (compress.go, z below).
	e.Use(middleware.ContextTimeout(s.cfg.RequestTimeout))

	get := func(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
		if strings.HasPrefix(path, "/api/v1") {
			m = append(m, s.serveCached)
		}
		e.Match([]string{http.MethodGet, http.MethodHead}, path, h, m...)
	}
	// z gzips the site's text responses (compress.go); pages are kept and
	// gzipped once (pagecache.go).
	zc := newCompressor()
	z := zc.middleware
	get("/healthz", s.handleHealth)
	get("/metrics", s.metrics.handle)
	get("/api/v1/openapi.json", s.handleOpenAPI)
	get("/api/v1/dictionary", s.handleDictionary(false))
	get("/api/v1/dictionary.csv", s.handleDictionary(true))
	get("/api/docs", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/api/docs/") })
	get("/api/docs/", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/api/docs/index.html") })
	get("/api/docs/*", docs, docsHeaders(docs), z)

	page := func(path string, h echo.HandlerFunc) {
		get(path, h, site.Headers, s.pageCache(zc))
	}
	st := s.site
	page("/", st.HandleHome)
	page("/specialties", st.HandleSpecialtiesPage)
	page("/specialties/:slug", st.HandleSpecialtyPage)
	page("/summary", st.HandleSummaryPage)
	get("/specialties/:slug/funnel.svg", s.handleFunnelImage("svg"))
	get("/specialties/:slug/funnel.png", s.handleFunnelImage("png"))
	page("/surgeons/:id", st.HandleSurgeonPage)
	page("/hospitals", st.HandleHospitals)
	page("/hospitals/:id", st.HandleHospitalPage)
	page("/compare", st.HandleCompare)
	page("/search", st.HandleSearch)
	page("/self-check", st.HandleSelfCheckPage)
	// A self-check is drawn for its sender alone: gated, never kept.
	e.POST("/self-check", st.HandleSelfCheckForm, site.Headers, z, s.gated(s.draws))
	e.POST("/self-check/funnel.svg", st.HandleSelfCheckSVG, z, s.gated(s.draws))
	e.POST("/self-check/funnel.png", st.HandleSelfCheckPNG, s.gated(s.draws))
	e.POST("/self-check/results.csv", st.HandleSelfCheckCSV, z, s.gated(s.draws))
	// Running monitoring, as the self-check: charted for its sender alone.
	page("/monitor", st.HandleMonitorPage)
	e.POST("/monitor", st.HandleMonitorForm, site.Headers, z, s.gated(s.draws))
	e.POST("/monitor/chart.svg", st.HandleMonitorSVG, z, s.gated(s.draws))
	e.POST("/monitor/chart.png", st.HandleMonitorPNG, s.gated(s.draws))
	e.POST("/monitor/results.csv", st.HandleMonitorCSV, z, s.gated(s.draws))
	page("/methodology", st.HandleMethodology)
	page("/data", st.HandleData)
	page("/data/dictionary", st.HandleDictionary)
	get("/data/:file", s.handleDownload)
	get("/data/releases/:file", s.handleReleaseFile)
	page("/about", st.HandleAbout)
	page("/releases", st.HandleReleases)
	page("/releases/:id", st.HandleRelease)
	page("/glossary", st.HandleGlossary)
	page("/choosing", st.HandleChoosing)
	get("/static/*", st.HandleStatic, z)

	get("/api/v1", s.handleIndex)
	get("/api/v1/", s.handleIndex)
	get("/api/v1/releases", s.handleReleases)
	get("/api/v1/releases/:release", s.handleRelease)
	get("/api/v1/corrections", s.handleCorrections)
	get("/api/v1/releases/:release/changes", s.handleChanges(false))
	for _, t := range outcome.UnitTypes() {
		get("/api/v1/"+t.Plural()+"/:id/history", s.handleHistory(t, false))
		get("/api/v1/"+t.Plural()+"/:id/history.csv", s.handleHistory(t, true))
	}
	get("/api/v1/releases/:release/changes.csv", s.handleChanges(true))
	e.POST("/api/v1/monitor", s.handleMonitor, s.gated(s.draws))
	for _, prefix := range []string{"/api/v1", "/api/v1/releases/:release"} {
		get(prefix+"/specialties", s.handleSpecialties)
		get(prefix+"/summary", s.handleSummary(false))
		get(prefix+"/summary.csv", s.handleSummary(true))
		get(prefix+"/specialties/:slug", s.handleSpecialty)
		get(prefix+"/specialties/:slug/funnel", s.handleFunnel)
		for _, t := range outcome.UnitTypes() {
			for _, ext := range []twin{asAsked, csvTwin, ndjsonTwin} {
				get(prefix+"/specialties/:slug/"+t.Plural()+string(ext), s.handleSpecialtyUnits(t, ext))
				units := s.handleUnits(t, ext)
				if t == outcome.Hospital {
					units = s.handleHospitalUnits(ext)
				}
				get(prefix+"/"+t.Plural()+string(ext), units)
			}
		}
		get(prefix+"/surgeons/:id", s.handleSurgeon)
		get(prefix+"/hospitals/:id", s.handleHospital)
		e.POST(prefix+"/self-check", s.handleSelfCheck, s.gated(s.draws))
	}
	return e
}

// requestLogger logs one line per request. Bodies are never logged, and a
// client error is logged by status only, so a hospital's submitted figures
// never reach the log; a server error's internal text is logged here, once.
func (s *Server) requestLogger() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		HandleError: true,
		LogStatus:   true, LogMethod: true, LogURIPath: true, LogLatency: true, LogRequestID: true,
		LogRemoteIP: true, LogResponseSize: true, LogError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			attrs := []slog.Attr{slog.String("method", v.Method), slog.String("path", v.URIPath),
				slog.Int("status", v.Status), slog.Float64("ms", float64(v.Latency.Microseconds())/1000),
				slog.Int64("bytes", v.ResponseSize), slog.String("remote_ip", v.RemoteIP),
				slog.String("request_id", v.RequestID)}
			level := slog.LevelInfo
			switch {
			case v.Status == http.StatusServiceUnavailable && refusedAsBusy(v.Error):
				// Refused by design, under more than it can draw: the
				// operator should know, but nothing failed.
				level = slog.LevelWarn
			case v.Status >= 500:
				level = slog.LevelError
				if v.Error != nil {
					attrs = append(attrs, slog.String("err", v.Error.Error()))
				}
			}
			s.logger.LogAttrs(context.Background(), level, "request", attrs...)
			return nil
		},
	})
}

// apiCORS lets any site's scripts read the API, errors included: every
// /api response says Access-Control-Allow-Origin: *, whether or not the
// request named an origin, so a CDN's cached copy serves browsers too. No
// credentials are involved, so no Vary: Origin is needed. The HTML pages
// and the docs UI get no CORS headers (PRODUCT.md § CORS).
func apiCORS() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p := c.Request().URL.Path
			if !strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/api/docs") { // the docs UI is a page
				return next(c)
			}
			h := c.Response().Header()
			h.Set(echo.HeaderAccessControlAllowOrigin, "*")
			h.Set(echo.HeaderAccessControlExposeHeaders, "Link, ETag, X-Request-Id, Retry-After")
			req := c.Request()
			if req.Method == http.MethodOptions && req.Header.Get(echo.HeaderAccessControlRequestMethod) != "" {
				h.Set(echo.HeaderAccessControlAllowMethods, "GET, HEAD, POST, OPTIONS")
				h.Set(echo.HeaderAccessControlAllowHeaders, "Content-Type, If-None-Match, Accept")
				h.Set(echo.HeaderAccessControlMaxAge, "3600")
				return c.NoContent(http.StatusNoContent)
			}
			return next(c)
		}
	}
}

// rateLimiter allows each client address cfg.RateLimit requests a second,
// in bursts of cfg.RateBurst; beyond that, 429 with Retry-After.
func (s *Server) rateLimiter() echo.MiddlewareFunc {
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Limit(s.cfg.RateLimit), Burst: s.cfg.RateBurst,
	})
	retry := strconv.Itoa(int(math.Max(1, math.Ceil(1/s.cfg.RateLimit))))
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			return p == "/healthz" || p == "/metrics"
		},
		Store:               store,
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", retry)
			return &apiError{Status: http.StatusTooManyRequests,
				Detail: "too many requests from your address; wait and retry, or download the whole release"}
		},
	})
}

// handleHealth answers GET /healthz.
//
//	@Summary		Liveness
//	@Description	ok while the server runs with a release loaded, with its version and how many releases it holds.
//	@Tags			operations
//	@Produce		json
//	@Success		200	{object}	map[string]any
//	@Router			/healthz [get]
func (s *Server) handleHealth(c echo.Context) error {
	status := "ok"
	if s.cat.Latest() == nil {
		status = "no release loaded"
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, map[string]any{"status": status, "version": s.cfg.Version,
		"releases": len(s.cat.Releases)})
}
