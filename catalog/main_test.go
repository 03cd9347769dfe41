package catalog_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"testing"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/store"
)

// demoDB is a SQLite file holding the demo release, ingested once by the
// real binary (`outcomes ingest`), so the results are computed exactly as
// in production (as api's tests do).
var demoDB string

// outcomesBin is the real binary, built once for every test.
var outcomesBin string

func TestMain(m *testing.M) {
	code, err := runTests(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "catalog tests:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func runTests(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "outcomes-catalog-test-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "outcomes")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	outcomesBin = bin
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/outcomes").CombinedOutput(); err != nil {
		return 0, fmt.Errorf("go build: %v\n%s", err, out)
	}
	files, err := filepath.Glob("../demo/*.csv")
	if err != nil || len(files) == 0 {
		return 0, fmt.Errorf("no demo files in ../demo (%v)", err)
	}
	sort.Strings(files)
	demoDB = filepath.Join(dir, "demo.db")
	args := append([]string{"ingest", "--db", demoDB, "--release", "demo", "--title", "Demo release"}, files...)
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("outcomes ingest: %v\n%s", err, out)
	}
	return m.Run(), nil
}

// demo loads the demo release's catalog.
func demo(t testing.TB) *catalog.Release {
	t.Helper()
	db, err := store.Open(context.Background(), demoDB, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	defer db.Close()
	c, err := catalog.Load(context.Background(), db)
	if err != nil {
		t.Fatalf("catalog.Load: %v", err)
	}
	if len(c.Releases) != 1 || c.Latest() != c.Release("demo") || c.Release("nope") != nil {
		t.Fatalf("Load: releases %d, Latest %p, Release(demo) %p; want the one demo release", len(c.Releases),
			c.Latest(), c.Release("demo"))
	}
	return c.Latest()
}
