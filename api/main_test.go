package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/store"
)

// demoDB is a SQLite file holding the demo release, ingested once for the
// package's tests by the real binary (`outcomes ingest`), so the results
// are computed exactly as in production. Tests open it read-only.
var demoDB string

func TestMain(m *testing.M) {
	code, err := runTests(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "api tests:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func runTests(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "outcomes-api-test-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "outcomes")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command("go", "build", "-o", bin, "../cmd/outcomes")
	if out, err := build.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("go build: %v\n%s", err, out)
	}
	files, err := filepath.Glob("../testdata/demo/*.csv")
	if err != nil || len(files) == 0 {
		return 0, fmt.Errorf("no demo files in ../testdata/demo (%v)", err)
	}
	sort.Strings(files)
	demoDB = filepath.Join(dir, "demo.db")
	args := append([]string{"ingest", "--db", demoDB, "--release", "demo", "--title", "Demo release",
		"--source", "testdata/demo", "--licence", "CC0-1.0"}, files...)
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("outcomes ingest: %v\n%s", err, out)
	}
	return m.Run(), nil
}

// newServer serves the demo release through api.New on a real HTTP server
// for the length of the test. cfg's zero value serves without rate
// limiting.
func newServer(t testing.TB, cfg api.Config) *httptest.Server {
	t.Helper()
	db, err := store.Open(context.Background(), demoDB, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if cfg.Version == "" {
		cfg.Version = "test"
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := api.New(context.Background(), cfg, db, logger)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches path from srv with the given request headers (pairs of name
// and value) and returns the response with its body read.
func get(t testing.TB, srv *httptest.Server, method, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatalf("NewRequest(%s %s): %v", method, path, err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	// No transparent gzip: tests see exactly what the server sent.
	req.Header.Set("Accept-Encoding", req.Header.Get("Accept-Encoding"))
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp, body
}
