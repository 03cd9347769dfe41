package catalog_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/store"
)

// loadDB names a database to load instead of the generated one, e.g. a
// copy of `make bench-import`'s all-distinct million-row release:
//
//	go test ./catalog -run '^$' -bench BenchmarkLoad -args -load-db=/tmp/copy.db
var loadDB = flag.String("load-db", "", "BenchmarkLoad loads this database instead of generating one")

// keptProfile names a file for the heap profile of what a loaded catalog
// keeps (go tool pprof -sample_index=inuse_space).
var keptProfile = flag.String("kept-profile", "", "BenchmarkLoad writes the heap profile of a loaded catalog here")

// BenchmarkLoad measures what a server spends at start on each release
// (catalog.Load): reading the results and rows and indexing them, on the
// shape that costs most, a surgeon of its own on every row (names, search
// words and sort keys grow with the surgeons, not the rows). It reports
// the time, the bytes allocated and the heap the catalog keeps; then the
// time its default order and its search index take to build, which a
// server does once it answers (Release.PrepareSelect, PrepareSearch), and
// the heap kept with them.
func BenchmarkLoad(b *testing.B) {
	path := *loadDB
	if path == "" {
		path = distinctDB(b, 100_000)
	}
	db, err := store.Open(context.Background(), path, store.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.ReportAllocs()
	var kept, searched uint64
	var selectTime, searchTime time.Duration
	for b.Loop() {
		c, err := catalog.Load(context.Background(), db)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		kept = heapKept(c)
		t0 := time.Now()
		c.Latest().PrepareSelect()
		selectTime = time.Since(t0)
		t0 = time.Now()
		c.Latest().PrepareSearch()
		searchTime = time.Since(t0)
		searched = heapKept(c)
		if *keptProfile != "" {
			writeHeapProfile(b, *keptProfile)
		}
		runtime.KeepAlive(c)
		b.StartTimer()
	}
	b.ReportMetric(float64(kept)/(1<<20), "MB-kept")
	b.ReportMetric(selectTime.Seconds(), "select-s")
	b.ReportMetric(searchTime.Seconds(), "search-s")
	b.ReportMetric(float64(searched)/(1<<20), "MB-kept-searched")
}

func writeHeapProfile(tb testing.TB, path string) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		tb.Fatal(err)
	}
}

// heapKept is the live heap while c is held, after a collection.
func heapKept(c *catalog.Catalog) uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	runtime.KeepAlive(c)
	return m.HeapAlloc
}

// distinctDB ingests n canonical rows, each a surgeon of its own (the
// file `make bench-import` writes, by ingest's TestWriteBenchmarkFile),
// into a new database, by the real binary's ingest, so that the results
// are stored as in production.
func distinctDB(tb testing.TB, n int) string {
	tb.Helper()
	dir := tb.TempDir()
	csvPath := filepath.Join(dir, "rows.csv")
	write := exec.Command("go", "test", "github.com/surgeon-outcomes/outcomes/ingest", "-run", "^TestWriteBenchmarkFile$",
		"-count=1", "-args", "-bench-file="+csvPath, fmt.Sprintf("-bench-rows=%d", n), "-bench-distinct")
	if out, err := write.CombinedOutput(); err != nil {
		tb.Fatalf("writing the benchmark file: %v\n%s", err, out)
	}
	path := filepath.Join(dir, "distinct.db")
	if out, err := exec.Command(outcomesBin, "ingest", "--db", path, csvPath).CombinedOutput(); err != nil {
		tb.Fatalf("outcomes ingest: %v\n%s", err, out)
	}
	return path
}
