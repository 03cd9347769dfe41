package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/site"
	"github.com/surgeon-outcomes/outcomes/store"
)

// TestPageCacheNewRelease: when another release becomes the latest, the
// pages kept for the old one are not served as the latest. The server
// cannot yet take a new release while it runs (the releases issue); the
// test swaps its catalog as that will, between requests, and asks for the
// same URLs from the same cache.
func TestPageCacheNewRelease(t *testing.T) {
	if demoDBPath == "" || outcomesBinPath == "" {
		t.Fatal("TestMain did not call SetTestFiles")
	}
	// A copy of the demo database, then a second release in it.
	dir := t.TempDir()
	path := filepath.Join(dir, "two.db")
	b, err := os.ReadFile(demoDBPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	s, srv, handler := serverOn(t, path)
	get := func(p string) (string, string) {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", p, resp.StatusCode)
		}
		return resp.Header.Get("ETag"), string(body)
	}
	pages := []string{"/", "/specialties", "/specialties/vascular", "/surgeons/9001080"}
	before := map[string]string{}
	for _, p := range pages {
		tag, body := get(p)
		if !strings.Contains(body, "Demo release") {
			t.Fatalf("GET %s before: does not name the demo release", p)
		}
		before[p] = tag
	}

	csv := filepath.Join(dir, "vascular.csv")
	src, err := os.ReadFile("../demo/vascular.csv")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(csv, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(outcomesBinPath, "ingest", "--db", path, "--release", "second",
		"--title", "Second release", csv).CombinedOutput(); err != nil {
		t.Fatalf("outcomes ingest: %v\n%s", err, out)
	}
	swapCatalog(t, s, handler, path)

	for _, p := range pages {
		tag, body := get(p)
		if strings.Contains(body, "Demo release") || !strings.Contains(body, "Second release") {
			i := strings.Index(body, "Demo release")
			t.Errorf("GET %s after the new release (latest now %s): still the old release's page: %s", p, s.cat.Latest().Meta.ID, body[max(0, i-200):min(len(body), i+200)])
		}
		if tag == before[p] {
			t.Errorf("GET %s after the new release: the old page's ETag %s", p, tag)
		}
	}
}

// serverOn serves the database at path with an empty cache, through a
// handler that swapCatalog may replace.
func serverOn(t *testing.T, path string) (*Server, *httptest.Server, *atomic.Pointer[echo.Echo]) {
	t.Helper()
	db, err := store.Open(context.Background(), path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := newServer(context.Background(), Config{Version: "test"}, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	e := s.routes()
	if err := s.warmPages(e); err != nil {
		t.Fatal(err)
	}
	var handler atomic.Pointer[echo.Echo]
	handler.Store(e)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.Load().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return s, srv, &handler
}

// swapCatalog loads the releases at path into s and routes requests to
// it, as a server taking a new release will, keeping its response cache.
// No request may be running.
func swapCatalog(t *testing.T, s *Server, handler *atomic.Pointer[echo.Echo], path string) {
	t.Helper()
	db, err := store.Open(context.Background(), path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cat, err := catalog.Load(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	st, err := site.New(cat, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.cat, s.site = cat, st
	handler.Store(s.routes())
}
