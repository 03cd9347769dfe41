package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/surgeon-outcomes/outcomes/store"
)

// startServer runs listenAndServe on db on a free port until the test
// ends or stop is called; stop returns what listenAndServe returned, and
// after it the server's log (in stderr) is complete.
func startServer(t *testing.T, db string, stderr io.Writer) (addr string, stop func() error) {
	t.Helper()
	return startServerWith(t, &serverFlags{db: db, addr: "127.0.0.1:0"}, stderr)
}

// startServerWith is startServer with the flags given.
func startServerWith(t *testing.T, f *serverFlags, stderr io.Writer) (addr string, stop func() error) {
	t.Helper()
	env := environment{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: stderr}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- env.listenAndServe(ctx, f, ready) }()
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("listenAndServe: %v", err)
	case <-time.After(time.Minute): // a hang, not a speed
		cancel()
		t.Fatal("server did not start")
	}
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { stop() })
	return addr, stop
}

func httpGet(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// TestCommandsWhileIngesting holds a writer in the middle of a release
// (its lock and SQLite's write transaction held, as a running ingest
// does) and checks the other commands: releases answers within a second,
// a second ingest fails at once saying another ingest is running, and
// serve starts, with no writable $TMPDIR, and serves the download whose
// SHA-256 the data page shows.
func TestCommandsWhileIngesting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Setenv("TMPDIR", "/nonexistent")
	db := filepath.Join(dir, "o.db")
	good := writeFile(t, dir, "good.csv", goodCSV)
	if code, _, stderr := runCmd(t, "ingest", "--db", db, "--release", "r1", good); code != 0 {
		t.Fatalf("ingest: exit status %d: %s", code, stderr)
	}

	w, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	l, err := w.BeginRelease(ctx, "busy")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Rollback()

	start := time.Now()
	code, stdout, stderr := runCmd(t, "releases", "--db", db)
	if took := time.Since(start); took > time.Second {
		t.Errorf("releases during an ingest took %v, want under a second", took)
	}
	if code != 0 || !strings.Contains(stdout, "r1 ") {
		t.Errorf("releases during an ingest = %d, %q, %q; want 0 and release r1", code, stdout, stderr)
	}

	other := writeFile(t, dir, "other.csv", strings.Replace(goodCSV, "30,1,0.9", "31,1,0.9", 1))
	start = time.Now()
	code, _, stderr = runCmd(t, "ingest", "--db", db, other)
	want := "outcomes: another ingest is running on " + db + " (pid "
	if code != 1 || !strings.Contains(stderr, want) || strings.Contains(stderr, "migration") {
		t.Errorf("second ingest = %d, %q; want 1 and %q…", code, stderr, want)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("second ingest took %v to fail, want it refused at once", took)
	}

	addr, stop := startServer(t, db, io.Discard)
	_, page := httpGet(t, "http://"+addr+"/data")
	m := regexp.MustCompile(`SHA-256: <code>([0-9a-f]{64})</code>`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("/data shows no SHA-256:\n%s", page)
	}
	status, file := httpGet(t, "http://"+addr+"/data/outcomes.sqlite")
	if status != 200 || !bytes.HasPrefix(file, []byte("SQLite format 3\x00")) {
		t.Fatalf("GET /data/outcomes.sqlite = %d, %d bytes; want the SQLite file", status, len(file))
	}
	if got := sha256Hex(file); got != string(m[1]) {
		t.Errorf("downloaded file's SHA-256 = %s, /data says %s", got, m[1])
	}
	if err := stop(); err != nil {
		t.Errorf("server stopped with %v", err)
	}
}

// TestServeDownloadIsTheReleaseFile: /data/outcomes.sqlite is the latest
// release's own file, byte for byte, whatever becomes of the catalogue's
// copy (which replicas take, not readers); a second ingest, even of input
// already loaded, writes that copy back.
func TestServeDownloadIsTheReleaseFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	good := writeFile(t, dir, "good.csv", goodCSV)
	if code, _, stderr := runCmd(t, "ingest", "--db", db, "--release", "r1", good); code != 0 {
		t.Fatalf("ingest: exit status %d: %s", code, stderr)
	}
	if err := os.Remove(store.DownloadPath(db)); err != nil {
		t.Fatalf("the ingest wrote no catalogue copy: %v", err)
	}
	addr, stop := startServer(t, db, io.Discard)
	status, page := httpGet(t, "http://"+addr+"/data")
	if status != 200 || !bytes.Contains(page, []byte(`the latest release, <a href="/releases/r1">r1</a>`)) {
		t.Errorf("/data = %d, want it to offer release r1's file:\n%s", status, page)
	}
	want, err := os.ReadFile(store.ReleaseFilePath(db, "r1"))
	if err != nil {
		t.Fatal(err)
	}
	if status, got := httpGet(t, "http://"+addr+"/data/outcomes.sqlite"); status != 200 || !bytes.Equal(got, want) {
		t.Errorf("GET /data/outcomes.sqlite = %d, %d bytes; want release r1's file, %d bytes", status, len(got), len(want))
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := runCmd(t, "ingest", "--db", db, good); code != 0 || !strings.Contains(stdout, "catalogue copy written") {
		t.Fatalf("second ingest = %d, %q, %q; want 0 and the catalogue copy written", code, stdout, stderr)
	}
	if _, err := os.Stat(store.DownloadPath(db)); err != nil {
		t.Errorf("after the second ingest: %v", err)
	}
}

// TestMigrateCommand creates a database with outcomes migrate, then finds
// nothing to do.
func TestMigrateCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "o.db")
	code, stdout, stderr := runCmd(t, "migrate", "--db", db)
	if code != 0 || !strings.Contains(stdout, db+": applied 0001_releases.sql, ") {
		t.Errorf("migrate on a new file = %d, %q, %q; want 0 and the migrations applied", code, stdout, stderr)
	}
	code, stdout, _ = runCmd(t, "migrate", "--db", db)
	if code != 0 || stdout != db+": schema already current\n" {
		t.Errorf("migrate again = %d, %q; want 0 and schema already current", code, stdout)
	}
	if code, stdout, _ = runCmd(t, "releases", "--db", db); code != 0 || stdout != "no releases in "+db+"\n" {
		t.Errorf("releases after migrate = %d, %q; want no releases", code, stdout)
	}
}

// TestDemoWhileWriting starts demo on a database holding the demo release
// while another process writes it: it serves what is there.
func TestDemoWhileWriting(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "demo.db")
	var out bytes.Buffer
	env := environment{getenv: func(string) string { return "" }, stdout: &out, stderr: io.Discard}
	if err := loadDemo(ctx, db, env); err != nil {
		t.Fatal(err)
	}
	w, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	out.Reset()
	if err := loadDemo(ctx, db, env); err != nil {
		t.Fatalf("loadDemo while another writer holds the database = %v, want nil", err)
	}
	if !strings.Contains(out.String(), "another ingest is running on "+db) || !strings.Contains(out.String(), "serving the demo release already loaded") {
		t.Errorf("loadDemo while writing said %q", out.String())
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
