package api

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync/atomic"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/store"
)

// Handler is the site and API over the releases loaded, as an
// http.Handler. Reload takes a release committed since without a restart:
// a request in flight finishes on the releases it began with, every
// request after the swap sees the new ones, and nothing of the old set
// is kept but the responses already built, whose keys name their
// release, so they are never served as the latest again.
type Handler struct {
	current atomic.Pointer[served]
}

// served is one set of releases with its routes.
type served struct {
	server *Server
	echo   *echo.Echo
}

// ServeHTTP answers from the releases loaded now.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.current.Load().echo.ServeHTTP(w, r)
}

// Echo is the echo instance answering now, for a test that adds routes of
// its own before serving.
func (h *Handler) Echo() *echo.Echo { return h.current.Load().echo }

// use routes requests to s, once its busiest pages are built.
func (h *Handler) use(s *Server) error {
	e := s.routes()
	if err := s.warmPages(e); err != nil {
		return fmt.Errorf("api: %w", err)
	}
	h.current.Store(&served{server: s, echo: e})
	if r := s.cat.Latest(); r != nil {
		// Listing and searching a national release need an order and an
		// index that take seconds to build: build them now, while the
		// rest is answered, not on the first list or search; then hand
		// back the memory building them took.
		go func() {
			r.PrepareSelect()
			r.PrepareSearch()
			debug.FreeOSMemory()
		}()
	}
	return nil
}

// Reload reads db's releases and, if they are not those being served
// (another release committed, one corrected) or the database download
// has been written again since, loads them and swaps them in. It reports whether it swapped. On an error the releases served
// before go on being served. Reload is not safe for concurrent use: one
// goroutine (serve's poller) calls it.
func (h *Handler) Reload(ctx context.Context, db *store.DB) (bool, error) {
	cur := h.current.Load().server
	metas, err := db.Releases(ctx)
	if err != nil {
		return false, err
	}
	if sameReleases(cur.cat, metas) && !cur.download.stale() {
		return false, nil
	}
	next := *cur // the process's parts are pointers: shared, not copied
	if err := next.loadReleases(ctx, db); err != nil {
		return false, err
	}
	if err := h.use(&next); err != nil {
		return false, err
	}
	return true, nil
}

// Latest is the id of the latest release served, or "" when none is.
func (h *Handler) Latest() string {
	if r := h.current.Load().server.cat.Latest(); r != nil {
		return r.Meta.ID
	}
	return ""
}

// sameReleases reports whether metas, as the store lists them, are the
// releases cat holds, in the same order and unchanged.
func sameReleases(cat *catalog.Catalog, metas []store.Release) bool {
	if len(metas) != len(cat.Releases) {
		return false
	}
	for i, m := range metas {
		have := cat.Releases[i].Meta
		if m.ID != have.ID || !m.IngestedAt.Equal(have.IngestedAt) || m.InputSHA256 != have.InputSHA256 ||
			m.MappingSHA256 != have.MappingSHA256 || m.SupersededBy != have.SupersededBy {
			return false
		}
	}
	return true
}
