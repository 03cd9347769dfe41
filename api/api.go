package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/url"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/singleflight"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/selfcheck"
	"github.com/surgeon-outcomes/outcomes/site"
	"github.com/surgeon-outcomes/outcomes/store"
)

// Config configures the server. The zero value serves with the defaults
// documented on each field.
type Config struct {
	// Version is reported by /healthz and the API index.
	Version string
	// RateLimit is the sustained requests per second allowed to one client
	// address, and RateBurst how many it may send at once. Zero turns
	// rate limiting off (for a server behind a CDN that limits, or for load
	// measurement).
	RateLimit float64
	RateBurst int
	// TrustProxy takes the client's address from X-Forwarded-For, which
	// any client can forge: set it only behind a proxy you run.
	TrustProxy bool
	// RequestTimeout bounds a request's work; default 30 s.
	RequestTimeout time.Duration
	// CacheBytes is the budget of built responses (JSON, pages, chart
	// images) kept in memory;
	// default 64 MiB.
	CacheBytes int
	// Now is the clock (tests fix it); default time.Now.
	Now func() time.Time
	// DownloadFile, when set, is the file offered at /data/outcomes.sqlite
	// instead of the latest release's own file (ReleaseFile), which is
	// offered there otherwise. Either is opened and hashed once per load
	// (its hash read from beside it where ingest wrote one); if it is
	// missing the site says so and serves everything else.
	DownloadFile string
	// ReleaseFile gives where release id's own file is (the file ingest
	// builds, store.ReleaseFilePath), offered at
	// /data/releases/{id}.sqlite, and the latest at /data/outcomes.sqlite;
	// nil offers none.
	ReleaseFile func(id string) string
	// Draws is how many charts and self-checks may be drawn at once
	// (default: one per CPU), and DrawQueue how many more may wait for a
	// turn (default 8 per drawing slot), each for at most DrawWait
	// (default 5 s); beyond that a request is a 503 with Retry-After.
	Draws, DrawQueue int
	DrawWait         time.Duration
	// Streams is how many CSV downloads may be written at once (default
	// 4 per CPU: a stream waits on its client more than on the CPU), and
	// StreamQueue how many more may wait (default 4 per stream slot).
	Streams, StreamQueue int
	// LogLinesDropped, when set, reports how many log lines the logger's
	// writer has dropped rather than block serving; it is exported as
	// outcomes_log_lines_dropped_total.
	LogLinesDropped func() uint64
}

func (cfg Config) withDefaults() Config {
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.CacheBytes <= 0 {
		cfg.CacheBytes = 64 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Draws <= 0 {
		cfg.Draws = runtime.GOMAXPROCS(0)
	}
	if cfg.DrawQueue <= 0 {
		cfg.DrawQueue = 8 * cfg.Draws
	}
	if cfg.DrawWait <= 0 {
		cfg.DrawWait = 5 * time.Second
	}
	if cfg.Streams <= 0 {
		cfg.Streams = 4 * runtime.GOMAXPROCS(0)
	}
	if cfg.StreamQueue <= 0 {
		cfg.StreamQueue = 4 * cfg.Streams
	}
	if cfg.RateLimit > 0 && cfg.RateBurst <= 0 {
		cfg.RateBurst = max(1, int(2*cfg.RateLimit))
	}
	return cfg
}

// Server holds what the handlers need: the releases' results in memory,
// the response cache, metrics and the logger.
type Server struct {
	cfg   Config
	cat   *catalog.Catalog
	cache *responseCache
	// generation names the releases loaded (and their download), so
	// that the response cache, which outlives a reload, answers each URL
	// from the releases now served (cacheKey).
	generation string
	metrics    *metrics
	openAPI    *cached
	// dictionary is the data dictionary, read once from the OpenAPI
	// document.
	dictionary *dictionaryResponses
	site       *site.Site
	download   *download
	// bundles are the releases' zip bundles made since start, shared by
	// every load (a release never changes).
	bundles *bundles
	logger  *slog.Logger
	// selfCheck reads a self-check's figures (ingest.SelfCheckMapping).
	selfCheck *selfcheck.Reader
	// draws bounds drawing (chart images, self-checks) and streams CSV
	// downloads; flights shares one drawing among identical requests.
	draws, streams *workGate
	flights        *singleflight.Group
	drawn          *atomic.Uint64 // charts drawn: each distinct one once, then kept
	// limiter is the per-address rate limit, nil when there is none: made
	// once, so a new set of releases does not forget who sent what.
	limiter echo.MiddlewareFunc
}

// New loads every release's results from db into memory and returns the
// site's handler, to be used by an http.Server; every request is answered
// from memory. Releases are immutable; a new one is taken without a
// restart by Handler.Reload.
func New(ctx context.Context, cfg Config, db *store.DB, logger *slog.Logger) (*Handler, error) {
	s, err := newServer(ctx, cfg, db, logger)
	if err != nil {
		return nil, err
	}
	h := &Handler{}
	if err := h.use(s); err != nil {
		return nil, err
	}
	s.metrics.setGauge("outcomes_releases_loaded", "Releases held in memory.",
		func() float64 { return float64(len(h.current.Load().server.cat.Releases)) })
	return h, nil
}

// newServer assembles the server behind New: what lasts for the
// process (the response cache, metrics, limits) and the releases loaded
// from db.
func newServer(ctx context.Context, cfg Config, db *store.DB, logger *slog.Logger) (*Server, error) {
	cfg = cfg.withDefaults()
	selfCheck, err := selfcheck.NewReader()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, cache: newResponseCache(cfg.CacheBytes), bundles: &bundles{}, metrics: newMetrics(cfg.Now),
		openAPI: newOpenAPI(cfg.Now()), logger: logger, selfCheck: selfCheck,
		draws:   newWorkGate(cfg.Draws, cfg.DrawQueue, cfg.DrawWait),
		streams: newWorkGate(cfg.Streams, cfg.StreamQueue, cfg.DrawWait),
		flights: &singleflight.Group{}, drawn: &atomic.Uint64{}}
	if s.dictionary, err = newDictionary(s.openAPI.body, cfg.Now()); err != nil {
		return nil, err
	}
	if cfg.RateLimit > 0 {
		s.limiter = s.rateLimiter()
	}
	if err := s.loadReleases(ctx, db); err != nil {
		return nil, err
	}
	// The metrics outlive this set of releases (Handler.Reload): they
	// hold the parts that last, never s, which would keep its releases.
	cache, drawn := s.cache, s.drawn
	s.metrics.setGauge("outcomes_response_cache_entries", "Built responses (JSON, pages, chart images) held in the cache.",
		func() float64 { return float64(cache.len()) })
	for name, g := range map[string]*workGate{"draw": s.draws, "csv_stream": s.streams} {
		s.metrics.setGauge("outcomes_"+name+"s_running", "Requests working under the "+name+" limit now.",
			func() float64 { return float64(g.working()) })
		s.metrics.setGauge("outcomes_"+name+"s_waiting", "Requests waiting for a turn under the "+name+" limit.",
			func() float64 { return float64(g.waiting()) })
		s.metrics.setCounter("outcomes_"+name+"s_refused_total", "Requests refused (503) because the "+name+" queue was full or the wait too long.",
			func() float64 { return float64(g.refused.Load()) })
	}
	s.metrics.setCounter("outcomes_charts_drawn_total", "Chart images drawn; each distinct chart is drawn once and kept.",
		func() float64 { return float64(drawn.Load()) })
	if cfg.LogLinesDropped != nil {
		s.metrics.setCounter("outcomes_log_lines_dropped_total",
			"Log lines dropped, not written, because stderr did not keep up or failed.",
			func() float64 { return float64(cfg.LogLinesDropped()) })
	}
	return s, nil
}

// loadReleases reads every release from db into s, with the site over
// them and the database download of the same ingest.
func (s *Server) loadReleases(ctx context.Context, db *store.DB) error {
	cat, err := catalog.Load(ctx, db)
	if err != nil {
		return err
	}
	s.cat, s.download = cat, nil
	gen := sha256.New()
	for _, r := range cat.Releases {
		gen.Write([]byte(r.Tag + "\x00"))
	}
	defer func() {
		if s.download != nil {
			gen.Write([]byte(s.download.sha256))
		}
		s.generation = hex.EncodeToString(gen.Sum(nil)[:8])
	}()
	var offer *site.Download
	if file := s.downloadFile(cat); file != "" {
		if s.download, err = openDownload(file); err != nil {
			return err
		}
		if s.download.file == nil {
			s.logger.Warn("no database download: the file is missing", "file", file)
			offer = &site.Download{Name: downloadName, Missing: true}
		} else {
			offer = &site.Download{Name: downloadName, Size: int(s.download.size), SHA256: s.download.sha256}
		}
		if latest := cat.Latest(); latest != nil && s.cfg.DownloadFile == "" {
			offer.Release = latest.Meta.ID
		}
		if latest := cat.Latest(); latest != nil && s.bundlePath(latest.Meta.ID) != "" {
			offer.Bundle = bundleURL(latest.Meta.ID)
		}
		offer.ReleaseFile = s.releaseFile
	}
	if s.site, err = site.New(cat, offer, s.dictionary.tables); err != nil {
		return err
	}
	s.site.SetClock(s.cfg.Now)
	// Loading a national release reads every row and result once and
	// keeps a fraction: give the rest back to the operating system now
	// rather than over the next minutes, so a server's memory is what it
	// holds. In the background: a full collection of a national release
	// takes a fifth of a second, which a server starting need not wait
	// for before it answers.
	go debug.FreeOSMemory()
	return nil
}

// downloadFile is the file offered at /data/outcomes.sqlite: the one the
// configuration names, or else the latest release's own file, the very
// file the server reads it from.
func (s *Server) downloadFile(cat *catalog.Catalog) string {
	if s.cfg.DownloadFile != "" {
		return s.cfg.DownloadFile
	}
	if latest := cat.Latest(); latest != nil && s.cfg.ReleaseFile != nil {
		return s.cfg.ReleaseFile(latest.Meta.ID)
	}
	return ""
}

// resolve checks a request's query against the endpoint's parameters and
// finds the release it asks for: /api/v1/releases/{release}/… or
// ?release= pin one; otherwise the latest answers.
func (s *Server) resolve(c echo.Context, allowed []string, path string) (resource, query, error) {
	v, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return resource{}, query{}, &apiError{Status: 400, Detail: "the query string is malformed",
			Errors: []paramError{{Param: "query", Message: "not a valid URL query: percent-escapes must be %XX, and parameters are separated by & (not ;)"}}}
	}
	q, err := parseQuery(v, allowed)
	if err != nil {
		return resource{}, query{}, err
	}
	id := c.Param("release")
	if q.Release != "" {
		if id != "" && id != q.Release {
			return resource{}, query{}, badRequest(paramRelease, "the path names release %q; leave out ?release= or make it agree", id)
		}
		id = q.Release
	}
	pinned := id != "" && id != "latest"
	var rel *catalog.Release
	if pinned {
		rel = s.cat.Release(id)
		if rel == nil {
			return resource{}, query{}, notFound("no release %q; see /api/v1/releases", truncate(id))
		}
	} else if rel = s.cat.Latest(); rel == nil {
		return resource{}, query{}, notFound("no release is loaded yet")
	}
	return resource{rel: rel, pinned: pinned, path: path, query: q.values()}, q, nil
}
