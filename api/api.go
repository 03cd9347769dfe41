package api

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/store"
)

// Config configures the server.
type Config struct {
	// Version is reported by /healthz.
	Version string
}

// Server holds what the handlers need.
type Server struct {
	cfg    Config
	db     *store.DB
	logger *slog.Logger
}

// New returns the site's handler, to be used by an http.Server.
func New(cfg Config, db *store.DB, logger *slog.Logger) *echo.Echo {
	s := &Server{cfg: cfg, db: db, logger: logger}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.GET("/healthz", s.handleHealth)
	e.GET("/api/v1/releases", s.handleReleases)
	return e
}

// handleHealth answers GET /healthz.
func (s *Server) handleHealth(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
}

// releaseDTO is a release as the API shows it.
type releaseDTO struct {
	ID             string    `json:"id"`
	Title          string    `json:"title"`
	Source         string    `json:"source"`
	Licence        string    `json:"licence"`
	Profile        string    `json:"profile"`
	SHA256         string    `json:"sha256"`
	IntervalMethod string    `json:"interval_method"`
	Comparison     string    `json:"comparison"`
	TargetSource   string    `json:"target_source"`
	Rows           int       `json:"rows"`
	Skipped        int       `json:"skipped"`
	Synthetic      bool      `json:"synthetic"`
	Periods        []string  `json:"periods"`
	IngestedAt     time.Time `json:"ingested_at"`
}

func toReleaseDTO(r store.Release) releaseDTO {
	return releaseDTO{ID: r.ID, Title: r.Title, Source: r.Source, Licence: r.Licence, Profile: r.Profile,
		SHA256: r.InputSHA256, IntervalMethod: r.IntervalMethod, Comparison: r.Comparison,
		TargetSource: r.TargetSource, Rows: r.Rows, Skipped: r.Skipped, Synthetic: r.Synthetic,
		Periods: r.Periods, IngestedAt: r.IngestedAt}
}

// handleReleases answers GET /api/v1/releases.
func (s *Server) handleReleases(c echo.Context) error {
	rs, err := s.db.Releases(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]releaseDTO, len(rs))
	for i, r := range rs {
		out[i] = toReleaseDTO(r)
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out, "meta": map[string]any{"count": len(out)}})
}

// handleError is the one place errors become responses: echo's own errors
// keep their status, anything else is a 500 whose text is logged, never
// shown.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := http.StatusInternalServerError
	var he *echo.HTTPError
	if errors.As(err, &he) {
		status = he.Code
	} else {
		s.logger.Error("request failed", "path", c.Request().URL.Path, "err", err)
	}
	body := map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, body)
}
