package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/surgeon-outcomes/outcomes/store"
)

// levelsFixture is an invented publisher that rates hospitals by a 98%
// interval (its README is the header of its mapping.toml and publish.R).
var levelsFixture = filepath.Join("..", "..", "testdata", "publishers", "state-cabg-98")

// levelsWant is one line of the fixture's expected.csv, which compute.R
// worked out from the publisher's file with base R.
type levelsWant struct {
	target, ciLow98, ciHigh98, ciLow95, ciHigh95 float64
	cases, events                                int
	verdict98, verdict95, rating                 string
}

// readLevelsWant reads expected.csv by "period/unit_id".
func readLevelsWant(t *testing.T) map[string]levelsWant {
	t.Helper()
	f, err := os.Open(filepath.Join(levelsFixture, "expected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	out := map[string]levelsWant{}
	for _, r := range recs[1:] {
		fl := func(name string) float64 {
			v, err := strconv.ParseFloat(r[col[name]], 64)
			if err != nil {
				t.Fatalf("expected.csv: %s: %v", name, err)
			}
			return v
		}
		out[r[col["period"]]+"/"+r[col["unit_id"]]] = levelsWant{target: fl("target"),
			ciLow98: fl("ci_low_98"), ciHigh98: fl("ci_high_98"), ciLow95: fl("ci_low_95"), ciHigh95: fl("ci_high_95"),
			cases: int(fl("cases")), events: int(fl("events")),
			verdict98: r[col["verdict_98"]], verdict95: r[col["verdict_95"]], rating: r[col["published_rating"]]}
	}
	return out
}

// TestPublisherLevels loads the publisher's file as downloaded, through
// its mapping (interval_level = 98), with `outcomes ingest` into a SQLite
// file, and checks every hospital's interval and verdict against R's
// (expected.csv): the intervals to 1e−12 relative (Garwood's limits are
// gamma quantiles, which gonum and R's qgamma give to ~1e−15; STATS.md
// §7), the printed 98% interval to its two decimals, and the verdict
// exactly, which then matches the publisher's printed rating on every
// hospital. The same file read at 95% (the mapping without its levels)
// disagrees with the printed rating on 7 of the 88, as R says it would.
func TestPublisherLevels(t *testing.T) {
	want := readLevelsWant(t)
	if len(want) != 88 {
		t.Fatalf("expected.csv has %d units, want 88", len(want))
	}
	mapping, err := os.ReadFile(filepath.Join(levelsFixture, "mapping.toml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	at95 := writeFile(t, dir, "at95.toml", dropLines(string(mapping), "interval_level", "flag_level"))
	db := filepath.Join(dir, "o.db")
	file := filepath.Join(levelsFixture, "ratings.csv")
	for _, load := range [][]string{
		{"--mapping", filepath.Join(levelsFixture, "mapping.toml"), "--release", "at98"},
		{"--mapping", at95, "--release", "at95"},
	} {
		if code, _, stderr := runCmd(t, append(append([]string{"ingest", "--db", db}, load...), file)...); code != 0 {
			t.Fatalf("ingest %v: exit status %d: %s", load, code, stderr)
		}
	}
	ctx := context.Background()
	s, err := store.Open(ctx, db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	for _, tc := range []struct {
		release        string
		level          float64
		ratingMismatch int
	}{{"at98", 98, 0}, {"at95", 95, 7}} {
		rel, err := s.Release(ctx, tc.release)
		if err != nil {
			t.Fatal(err)
		}
		if rel.IntervalLevel != tc.level || rel.FlagLevel != tc.level || rel.Comparison != "interval" {
			t.Errorf("release %s: levels %g and %g, comparison %s; want %g, %g, interval", tc.release,
				rel.IntervalLevel, rel.FlagLevel, rel.Comparison, tc.level, tc.level)
		}
		results, err := s.Results(ctx, tc.release)
		if err != nil {
			t.Fatal(err)
		}
		var units, mismatch int
		for _, g := range results {
			for _, u := range g.Units {
				units++
				w, ok := want[g.Period+"/"+u.UnitID]
				if !ok {
					t.Errorf("%s: unit %s/%s is not in expected.csv", tc.release, g.Period, u.UnitID)
					continue
				}
				lo, hi, verdict := w.ciLow98, w.ciHigh98, w.verdict98
				if tc.level == 95 {
					lo, hi, verdict = w.ciLow95, w.ciHigh95, w.verdict95
				}
				if u.Cases != w.cases || u.Events != w.events || !scalar.EqualWithinAbsOrRel(g.Target, w.target, 0, 1e-15) {
					t.Errorf("%s %s/%s: %d/%d at target %g, want %d/%d at %g", tc.release, g.Period, u.UnitID,
						u.Events, u.Cases, g.Target, w.events, w.cases, w.target)
				}
				if !scalar.EqualWithinAbsOrRel(u.CILow, lo, 0, 1e-12) || !scalar.EqualWithinAbsOrRel(u.CIHigh, hi, 0, 1e-12) {
					t.Errorf("%s %s/%s: interval [%.17g, %.17g], want R's [%.17g, %.17g]", tc.release, g.Period,
						u.UnitID, u.CILow, u.CIHigh, lo, hi)
				}
				if string(u.Verdict) != verdict {
					t.Errorf("%s %s/%s: verdict %s, want R's %s", tc.release, g.Period, u.UnitID, u.Verdict, verdict)
				}
				if string(u.Verdict) != w.rating {
					mismatch++
				}
			}
		}
		if units != len(want) {
			t.Errorf("%s: %d units, want %d", tc.release, units, len(want))
		}
		if mismatch != tc.ratingMismatch {
			t.Errorf("%s: verdicts differ from the publisher's printed rating on %d units, want %d",
				tc.release, mismatch, tc.ratingMismatch)
		}
		t.Logf("release %s (%g%%): %d units, %d verdicts differ from the publisher's rating", tc.release,
			tc.level, units, mismatch)
	}
	checkPrintedInterval(t, s, results98(t, s))
}

// results98 returns each unit's 98% interval on the RAMR scale (per 100)
// by "period/unit_id", from release at98.
func results98(t *testing.T, s *store.DB) map[string][2]float64 {
	t.Helper()
	results, err := s.Results(context.Background(), "at98")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][2]float64{}
	for _, g := range results {
		for _, u := range g.Units {
			out[g.Period+"/"+u.UnitID] = [2]float64{100 * u.CILow * g.Target, 100 * u.CIHigh * g.Target}
		}
	}
	return out
}

// checkPrintedInterval checks our 98% RAMR intervals against the ones the
// publisher printed (published_low, published_high, per 100, to two
// decimals): within half a unit of the last decimal, and a little for
// the float.
func checkPrintedInterval(t *testing.T, s *store.DB, ours map[string][2]float64) {
	t.Helper()
	rows, err := s.Rows(context.Background(), "at98")
	if err != nil {
		t.Fatal(err)
	}
	const tol = 0.005 + 1e-9
	var worst float64
	for _, r := range rows {
		o := ours[r.Period+"/"+r.UnitID]
		if !r.PublishedLow.Valid || !r.PublishedHigh.Valid {
			t.Fatalf("%s/%s: no printed interval", r.Period, r.UnitID)
		}
		d := max(math.Abs(o[0]-r.PublishedLow.V), math.Abs(o[1]-r.PublishedHigh.V))
		worst = max(worst, d)
		if d > tol {
			t.Errorf("%s/%s: our 98%% interval [%.4f, %.4f] per 100, printed [%g, %g]", r.Period, r.UnitID,
				o[0], o[1], r.PublishedLow.V, r.PublishedHigh.V)
		}
	}
	t.Logf("printed 98%% intervals: largest difference %.4g per 100 over %d rows (tolerance %g)", worst, len(rows), tol)
}

// dropLines removes the lines of text that begin with any of the keys.
func dropLines(text string, keys ...string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		drop := false
		for _, k := range keys {
			drop = drop || strings.HasPrefix(line, k)
		}
		if !drop {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// TestFunnelCommandLevels runs `outcomes funnel` on the publisher's file
// through its mapping: each group says its intervals are 98% ones, and
// every unit's ci_low and ci_high are R's 98% interval (expected.csv),
// to 1e−12 relative.
func TestFunnelCommandLevels(t *testing.T) {
	want := readLevelsWant(t)
	code, stdout, stderr := runCmd(t, "funnel", "--format", "json", "--mapping",
		filepath.Join(levelsFixture, "mapping.toml"), filepath.Join(levelsFixture, "ratings.csv"))
	if code != 0 {
		t.Fatalf("funnel: exit status %d: %s", code, stderr)
	}
	var out struct {
		Groups []struct {
			Period        string  `json:"period"`
			IntervalLevel float64 `json:"interval_level"`
			Units         []struct {
				UnitID string  `json:"unit_id"`
				CILow  float64 `json:"ci_low"`
				CIHigh float64 `json:"ci_high"`
			} `json:"units"`
		} `json:"groups"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	units := 0
	for _, g := range out.Groups {
		if g.IntervalLevel != 98 {
			t.Errorf("group %s: interval_level %g, want 98", g.Period, g.IntervalLevel)
		}
		for _, u := range g.Units {
			units++
			w := want[g.Period+"/"+u.UnitID]
			if !scalar.EqualWithinAbsOrRel(u.CILow, w.ciLow98, 0, 1e-12) || !scalar.EqualWithinAbsOrRel(u.CIHigh, w.ciHigh98, 0, 1e-12) {
				t.Errorf("%s/%s: [%g, %g], want R's 98%% interval [%g, %g]", g.Period, u.UnitID, u.CILow, u.CIHigh,
					w.ciLow98, w.ciHigh98)
			}
		}
	}
	if units != len(want) {
		t.Errorf("funnel printed %d units, want %d", units, len(want))
	}
}
