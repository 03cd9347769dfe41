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
	"strings"
	"testing"
	"time"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/store"
)

// demoDB is a SQLite file holding the demo release, ingested once for the
// package's tests by the real binary (`outcomes ingest`), so the results
// are computed exactly as in production. Tests open it read-only.
var demoDB string

// outcomesBin is the binary the tests built, for fixtures of their own.
var outcomesBin string

// bigDB holds one specialty with 500 surgeons, for the page-size and
// rendering benchmarks the issue sets (a specialty page for 500 surgeons).
var bigDB string

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
	outcomesBin = bin
	files, err := filepath.Glob("../demo/*.csv")
	if err != nil || len(files) == 0 {
		return 0, fmt.Errorf("no demo files in ../demo (%v)", err)
	}
	sort.Strings(files)
	demoDB = filepath.Join(dir, "demo.db")
	api.SetTestFiles(demoDB, bin)
	args := append([]string{"ingest", "--db", demoDB, "--release", "demo", "--title", "Demo release",
		"--source", "demo", "--licence", "CC0-1.0"}, files...)
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("outcomes ingest: %v\n%s", err, out)
	}
	big := filepath.Join(dir, "big.csv")
	if err := os.WriteFile(big, bigCSV(500), 0o644); err != nil {
		return 0, err
	}
	bigDB = filepath.Join(dir, "big.db")
	if out, err := exec.Command(bin, "ingest", "--db", bigDB, "--release", "big", big).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("outcomes ingest big: %v\n%s", err, out)
	}
	return m.Run(), nil
}

// bigCSV is a canonical CSV of n adult cardiac surgeons at 30 hospitals,
// with realistic, deterministic counts (a fixed linear congruential
// sequence, so the file is the same on every run).
func bigCSV(n int) []byte {
	var b strings.Builder
	b.WriteString("specialty,procedure,period,unit_type,unit_id,unit_name,hospital_id,hospital_name,cases,events,expected\n")
	next := sequence(42)
	for i := range n {
		cases := 40 + int(next()*560)
		expected := float64(cases) * (0.01 + 0.03*next())
		events := int(expected * (0.4 + 1.2*next()))
		h := i % 30
		fmt.Fprintf(&b, "adult-cardiac,all,2022-04/2025-03,surgeon,%07d,Dr Invented Surgeon Number %d,ZZ%03d,Invented General Hospital %d,%d,%d,%.3f\n",
			8000000+i, i, 100+h, h, cases, events, expected)
	}
	return []byte(b.String())
}

// sequence is a fixed linear congruential sequence of numbers in [0, 1)
// from seed, for test data that is the same on every run.
func sequence(seed uint64) func() float64 {
	x := seed
	return func() float64 {
		x = x*6364136223846793005 + 1442695040888963407
		return float64(x>>11) / (1 << 53)
	}
}

// newServer serves the demo release through api.New on a real HTTP server
// for the length of the test. cfg's zero value serves without rate
// limiting.
func newServer(t testing.TB, cfg api.Config) *httptest.Server {
	t.Helper()
	return newServerOn(t, demoDB, cfg)
}

// newServerOn serves the database file at path.
func newServerOn(t testing.TB, path string, cfg api.Config) *httptest.Server {
	t.Helper()
	return newServerLogging(t, path, cfg, io.Discard)
}

// newServerLogging serves the database file at path, logging to log.
func newServerLogging(t testing.TB, path string, cfg api.Config, log io.Writer) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(newHandler(t, path, cfg, log))
	t.Cleanup(srv.Close)
	return srv
}

// newHandler is the server's handler on the database file at path,
// logging to log, for a test that configures its own http.Server.
func newHandler(t testing.TB, path string, cfg api.Config, log io.Writer) http.Handler {
	t.Helper()
	db, err := store.Open(context.Background(), path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if cfg.Version == "" {
		cfg.Version = "test"
	}
	if cfg.DownloadFile == "" && cfg.ReleaseFile == nil {
		// The one release's own file, as serve offers the latest's; not
		// through ReleaseFile, whose hash (of a file stamped with its
		// ingest time) would change the API's goldens at every run.
		if files, _ := filepath.Glob(path + ".releases/*.sqlite"); len(files) == 1 {
			cfg.DownloadFile = files[0]
		}
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	}
	logger := slog.New(slog.NewTextHandler(log, nil))
	h, err := api.New(context.Background(), cfg, db, logger)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	return h
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
