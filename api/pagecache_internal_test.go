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
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/surgeon-outcomes/outcomes/store"
)

// TestPageCacheNewRelease: when another release becomes the latest, the
// server takes it (Handler.Reload) with the same response cache, and the
// pages kept for the old one are not served as the latest.
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
	if err := os.CopyFS(path+".releases", os.DirFS(demoDBPath+".releases")); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h, err := New(context.Background(), Config{Version: "test"}, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	if changed, err := h.Reload(context.Background(), db); changed || err != nil {
		t.Fatalf("Reload with nothing new: %v, %v; want false, nil", changed, err)
	}
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
	// The old releases are freed once no request holds them.
	freed := make(chan struct{})
	runtime.AddCleanup(h.current.Load().server.cat, func(ch chan struct{}) { close(ch) }, freed)
	if changed, err := h.Reload(context.Background(), db); !changed || err != nil {
		t.Fatalf("Reload after a new release: %v, %v; want true, nil", changed, err)
	}
	for i := 0; ; i++ {
		runtime.GC()
		select {
		case <-freed:
		case <-time.After(10 * time.Millisecond):
			if i < 300 {
				continue
			}
			t.Error("the old releases are still held 3 s after the swap")
		}
		break
	}

	for _, p := range pages {
		tag, body := get(p)
		if strings.Contains(body, "Demo release") || !strings.Contains(body, "Second release") {
			i := strings.Index(body, "Demo release")
			t.Errorf("GET %s after the new release (latest now %s): still the old release's page: %s", p, h.Latest(), body[max(0, i-200):min(len(body), i+200)])
		}
		if tag == before[p] {
			t.Errorf("GET %s after the new release: the old page's ETag %s", p, tag)
		}
	}
}

// TestReloadFailureKeepsServing: a reload that cannot read the database
// reports why, and the releases loaded before go on answering.
func TestReloadFailureKeepsServing(t *testing.T) {
	db, err := store.Open(context.Background(), demoDBPath, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(context.Background(), Config{Version: "test"}, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	db.Close() // the database can no longer be read
	if changed, err := h.Reload(context.Background(), db); changed || err == nil {
		t.Fatalf("Reload from a closed database: %v, %v; want false and an error", changed, err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/specialties")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || h.Latest() != "demo" {
		t.Errorf("after a failed reload: %d, latest %q; want 200 from the demo release", resp.StatusCode, h.Latest())
	}
}
