// Command compare checks two `outcomes funnel` CSV outputs cell by cell,
// typically the Go binary's and bench/funnel/funnel.R's:
//
//	cd bench/funnel && go run ./compare [-rel 1e-9] [-abs 0] A.csv B.csv
//
// The header and the number of rows must be equal; text columns (unit_id,
// unit_type, specialty, procedure, period, scale, band) and the counts
// (cases, observed) must be equal; every other column is a number, and two
// cells agree when both are empty (not a number) or
//
//	|a − b| ≤ rel·max(|a|, |b|)  or  |a − b| ≤ abs.
//
// It prints, per numeric column, the largest relative and absolute
// differences, where the largest relative one is, how many cells differ at
// all (as numbers) and how many are not byte-identical (the shortest
// round-trip formatting), then the band counts, and exits 1 if any cell
// disagrees. Only the standard library is used.
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
)

var exact = map[string]bool{"unit_id": true, "unit_type": true, "specialty": true, "procedure": true,
	"period": true, "scale": true, "band": true, "cases": true, "observed": true}

type stat struct {
	maxRel, maxAbs float64
	relRow         int
	relA, relB     string
	differ, bytes  int
	bad            int
}

func main() {
	rel := flag.Float64("rel", 1e-9, "relative tolerance")
	abs := flag.Float64("abs", 0, "absolute tolerance (for values near 0)")
	show := flag.Int("show", 5, "disagreeing cells to print per column")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: compare [-rel R] [-abs A] A.csv B.csv")
		os.Exit(2)
	}
	a, b := read(flag.Arg(0)), read(flag.Arg(1))
	fail := false
	if !slices.Equal(a[0], b[0]) {
		fmt.Printf("headers differ:\n  %v\n  %v\n", a[0], b[0])
		os.Exit(1)
	}
	if len(a) != len(b) {
		fmt.Printf("row counts differ: %d and %d\n", len(a)-1, len(b)-1)
		fail = true
	}
	head := a[0]
	n := min(len(a), len(b))
	stats := make([]stat, len(head))
	shown := make([]int, len(head))
	bandA, bandB := map[string]int{}, map[string]int{}
	bandCol := slices.Index(head, "band")
	for i := 1; i < n; i++ {
		ra, rb := a[i], b[i]
		if bandCol >= 0 {
			bandA[ra[bandCol]]++
			bandB[rb[bandCol]]++
		}
		for c, name := range head {
			va, vb := ra[c], rb[c]
			st := &stats[c]
			if va != vb {
				st.bytes++
			}
			if exact[name] {
				if va != vb {
					st.bad++
					if shown[c] < *show {
						shown[c]++
						fmt.Printf("row %d (%s %s): %s %q vs %q\n", i, ra[0], ra[2], name, va, vb)
					}
				}
				continue
			}
			if va == "" || vb == "" {
				if va != vb {
					st.bad++
					if shown[c] < *show {
						shown[c]++
						fmt.Printf("row %d (%s %s): %s %q vs %q\n", i, ra[0], ra[2], name, va, vb)
					}
				}
				continue
			}
			fa, ea := strconv.ParseFloat(va, 64)
			fb, eb := strconv.ParseFloat(vb, 64)
			if ea != nil || eb != nil {
				st.bad++
				fmt.Printf("row %d: %s: not numbers: %q, %q\n", i, name, va, vb)
				continue
			}
			if fa == fb {
				continue
			}
			st.differ++
			d := math.Abs(fa - fb)
			r := d / math.Max(math.Abs(fa), math.Abs(fb))
			if d > st.maxAbs {
				st.maxAbs = d
			}
			if r > st.maxRel {
				st.maxRel, st.relRow, st.relA, st.relB = r, i, va, vb
			}
			if !(d <= *rel*math.Max(math.Abs(fa), math.Abs(fb)) || d <= *abs) {
				st.bad++
				if shown[c] < *show {
					shown[c]++
					fmt.Printf("row %d (%s %s E=%s O=%s): %s %s vs %s (rel %.3g)\n", i, ra[0], ra[2], ra[7], ra[6], name, va, vb, r)
				}
			}
		}
	}
	fmt.Printf("%d rows, %d columns; tolerance rel %g, abs %g\n", n-1, len(head), *rel, *abs)
	fmt.Printf("%-9s %11s %11s %9s %9s %7s  %s\n", "column", "max rel", "max abs", "differ", "not-bytes", "bad", "largest relative difference")
	for c, name := range head {
		st := stats[c]
		where := ""
		if st.maxRel > 0 {
			where = fmt.Sprintf("row %d: %s vs %s", st.relRow, st.relA, st.relB)
		}
		if exact[name] {
			fmt.Printf("%-9s %11s %11s %9s %9d %7d\n", name, "(text)", "", "", st.bytes, st.bad)
		} else {
			fmt.Printf("%-9s %11.3g %11.3g %9d %9d %7d  %s\n", name, st.maxRel, st.maxAbs, st.differ, st.bytes, st.bad, where)
		}
		if st.bad > 0 {
			fail = true
		}
	}
	if bandCol >= 0 {
		var names []string
		for k := range bandA {
			names = append(names, k)
		}
		for k := range bandB {
			if _, ok := bandA[k]; !ok {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		fmt.Print("bands:")
		for _, k := range names {
			if bandA[k] == bandB[k] {
				fmt.Printf(" %s %d", k, bandA[k])
			} else {
				fmt.Printf(" %s %d/%d", k, bandA[k], bandB[k])
			}
		}
		fmt.Println()
	}
	if fail {
		fmt.Println("DISAGREE")
		os.Exit(1)
	}
	fmt.Println("AGREE")
}

func read(path string) [][]string {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(2)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = false
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "compare: %s: %v\n", path, err)
			os.Exit(2)
		}
		rows = append(rows, rec)
	}
	if len(rows) == 0 {
		fmt.Fprintf(os.Stderr, "compare: %s: empty\n", path)
		os.Exit(2)
	}
	return rows
}
