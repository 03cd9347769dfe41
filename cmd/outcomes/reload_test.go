package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestServeTakesNewRelease: a release ingested while `serve` runs under
// load is served without a restart. Every request during the ingest and
// the swap is answered 2xx; afterwards the latest pages and API name the
// new release, and URLs pinned to the old one still answer.
func TestServeTakesNewRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo release and serves it under load")
	}
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "demo.db")
	env := environment{getenv: os.Getenv, stdout: io.Discard, stderr: io.Discard}
	if err := loadDemo(ctx, db, env); err != nil {
		t.Fatal(err)
	}
	var log lockedBuffer
	addr, stop := startServerWith(t, &serverFlags{db: db, addr: "127.0.0.1:0", reloadEvery: 100 * time.Millisecond}, &log)
	base := "http://" + addr

	urls := []string{"/", "/specialties/vascular", "/surgeons/9001080", "/api/v1/surgeons?specialty=vascular&limit=20",
		"/api/v1/releases/demo/specialties", "/specialties/vascular/funnel.svg?compact=1", "/healthz",
		"/api/v1/specialties"} // answered from the cache before the swap: it must not be after
	var requests, failures atomic.Int64
	var first atomic.Value
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				u := urls[i%len(urls)]
				resp, err := http.Get(base + u)
				requests.Add(1)
				if err != nil {
					failures.Add(1)
					first.CompareAndSwap(nil, fmt.Sprintf("GET %s: %v", u, err))
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					failures.Add(1)
					first.CompareAndSwap(nil, fmt.Sprintf("GET %s: %d", u, resp.StatusCode))
				}
			}
		})
	}

	time.Sleep(300 * time.Millisecond) // under load before the ingest
	csv := filepath.Join(dir, "vascular.csv")
	src, err := os.ReadFile("../../demo/vascular.csv")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(csv, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := env.ingest(ctx, []string{"--db", db, "--release", "second", "--title", "Second release", csv}); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	var home string
	for start := time.Now(); !strings.Contains(home, "Second release"); time.Sleep(50 * time.Millisecond) {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("30s after the ingest, the home page does not name the new release; log:\n%s", log.String())
		}
		_, body := httpGet(t, base+"/")
		home = string(body)
	}
	time.Sleep(300 * time.Millisecond) // under load after the swap
	close(done)
	wg.Wait()

	if n := failures.Load(); n > 0 {
		t.Errorf("%d of %d requests failed during the ingest and swap, first: %v", n, requests.Load(), first.Load())
	}
	t.Logf("%d requests during the ingest and swap", requests.Load())
	if code, body := httpGet(t, base+"/api/v1/releases/demo/specialties/adult-cardiac"); code != http.StatusOK {
		t.Errorf("pinned to the old release: %d %s", code, body)
	}
	if code, body := httpGet(t, base+"/api/v1/specialties"); code != http.StatusOK || !strings.Contains(string(body), `"release":"second"`) {
		t.Errorf("latest API: %d, want the new release named: %.300s", code, body)
	}
	if code, body := httpGet(t, base+"/specialties/vascular"); code != http.StatusOK || !strings.Contains(string(body), "Second release") {
		t.Errorf("vascular page after the swap: %d, want it to name the new release", code)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "releases loaded") || strings.Contains(log.String(), "level=ERROR") {
		t.Errorf("log, want the swap logged and no error:\n%s", log.String())
	}
}

// TestServeTakesReplacedFile: a replica is given a new release as a new
// copy of the database renamed over the file it serves (deploy/replicas).
// The server notices the file is another, opens it, and serves its
// releases, with every request answered meanwhile; the old file's handle
// is closed.
func TestServeTakesReplacedFile(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo release and serves it")
	}
	ctx := context.Background()
	dir := t.TempDir()
	master := filepath.Join(dir, "master.db")
	env := environment{getenv: os.Getenv, stdout: io.Discard, stderr: io.Discard}
	if err := loadDemo(ctx, master, env); err != nil {
		t.Fatal(err)
	}
	served := filepath.Join(dir, "served.db")
	publish := func() {
		t.Helper()
		// The release files a replica lacks first (deploy/replicas), then
		// the catalogue's copy, a consistent snapshot of the master's,
		// copied beside its file and renamed over.
		files, err := filepath.Glob(master + ".releases/*.sqlite*")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(served+".releases", 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			dst := filepath.Join(served+".releases", filepath.Base(f))
			if _, err := os.Stat(dst); err == nil {
				continue
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		data, err := os.ReadFile(master + ".download.sqlite")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(served+".tmp", data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(served+".tmp", served); err != nil {
			t.Fatal(err)
		}
	}
	publish()
	var log lockedBuffer
	addr, stop := startServerWith(t, &serverFlags{db: served, addr: "127.0.0.1:0", reloadEvery: 100 * time.Millisecond}, &log)
	base := "http://" + addr
	var requests, failures atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				code, _ := httpGet(t, base+"/api/v1/specialties")
				requests.Add(1)
				if code != http.StatusOK {
					failures.Add(1)
				}
			}
		})
	}
	src, err := os.ReadFile("../../demo/vascular.csv")
	if err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(dir, "vascular.csv")
	if err := os.WriteFile(csv, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := env.ingest(ctx, []string{"--db", master, "--release", "second", "--title", "Second release", csv}); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	publish()
	var body []byte
	for start := time.Now(); !strings.Contains(string(body), `"release":"second"`); time.Sleep(50 * time.Millisecond) {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("30s after the file was replaced, the API does not name the new release; log:\n%s", log.String())
		}
		_, body = httpGet(t, base+"/api/v1/specialties")
	}
	close(done)
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Errorf("%d of %d requests failed while the file was replaced", n, requests.Load())
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "database file replaced") || strings.Contains(log.String(), "level=ERROR") {
		t.Errorf("log, want the replacement logged and no error:\n%s", log.String())
	}
}
