package ingest_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/store"
)

// writeCanonical writes n canonical rows spread over the ten specialties
// and 100 periods, like a large national release: by 1,000 surgeons, or,
// distinct, each row by a surgeon of its own, the shape that costs most
// (search entries, sort keys and names grow with the surgeons, not the
// rows).
func writeCanonical(tb testing.TB, path string, n int, distinct bool) int64 {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	specialties := []string{"adult-cardiac", "vascular", "orthopaedic", "colorectal", "upper-gi", "bariatric",
		"head-and-neck", "endocrine", "urology", "interventional-cardiology"}
	fmt.Fprintln(w, "specialty,procedure,period,unit_type,unit_id,unit_name,hospital_id,hospital_name,outcome,cases,events,expected")
	for i := range n {
		cases := 5 + i%396
		events := (i / 7) % (cases/10 + 1)
		expected := float64(cases)*0.001*float64(1+i%50) + 0.001
		surgeon := i / 1000
		if distinct {
			surgeon = i
		}
		fmt.Fprintf(w, "%s,all,%d,surgeon,%d,Dr Test Person %d,ZZ%d,Hospital %d,in-hospital mortality,%d,%d,%.3f\n",
			specialties[i%10], 2000+(i/10)%100, 9000000+surgeon, surgeon, i%1000, i%1000, cases, events, expected)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return st.Size()
}

// BenchmarkLoad measures ingest of canonical rows into a new database,
// every check and the search index included but not the results (which
// the command wires in: make bench-import times the whole command), on
// both shapes
// of writeCanonical: 1,000 surgeons (few-distinct) and a surgeon per row
// (all-distinct). Compare with sqlite3's .import of the same file
// (make bench-import prints the ratio; README § Speed).
func BenchmarkLoad(b *testing.B) {
	for _, shape := range []struct {
		name     string
		distinct bool
	}{{"few-distinct", false}, {"all-distinct", true}} {
		for _, n := range []int{10_000, 100_000, 1_000_000} {
			b.Run(fmt.Sprintf("%s/%d", shape.name, n), func(b *testing.B) {
				dir := b.TempDir()
				csvPath := filepath.Join(dir, "rows.csv")
				size := writeCanonical(b, csvPath, n, shape.distinct)
				m, err := ingest.Profile("canonical")
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(size)
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					i++
					db, err := store.Open(context.Background(), filepath.Join(dir, fmt.Sprintf("b%d.db", i)), store.Options{})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := ingest.Load(context.Background(), db, ingest.OSFiles(csvPath), ingest.Options{Mapping: m}); err != nil {
						b.Fatal(err)
					}
					db.Close()
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

var (
	benchFile     = flag.String("bench-file", "", "TestWriteBenchmarkFile writes the benchmark CSV here")
	benchRows     = flag.Int("bench-rows", 1_000_000, "rows for -bench-file")
	benchDistinct = flag.Bool("bench-distinct", false, "-bench-file gives every row a surgeon of its own")
)

// TestWriteBenchmarkFile writes the canonical CSV that `make bench-import`
// times against sqlite3's .import. It does nothing unless -bench-file is set.
func TestWriteBenchmarkFile(t *testing.T) {
	if *benchFile == "" {
		t.Skip("-bench-file not set: nothing to write")
	}
	size := writeCanonical(t, *benchFile, *benchRows, *benchDistinct)
	t.Logf("wrote %d rows, %d bytes, to %s", *benchRows, size, *benchFile)
}
