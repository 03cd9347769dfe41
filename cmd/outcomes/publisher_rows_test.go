package main

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/store"
)

// publishersDir holds the publisher fixtures: each publisher's file as it
// would print it, its mapping.toml, and expected.csv, the figures computed
// once from the file by the compute.R beside it (base R, independent of
// this code).
const publishersDir = "../../testdata/publishers"

// TestPublishersLeavingRowsOut loads, through `outcomes ingest` into a real
// SQLite file, the fixtures whose mapping leaves rows out (issue 13: a file
// mixing measures, a year printed twice, a row that contradicts itself),
// and checks that the summary and `outcomes releases` say what was left
// out and why, and that
// every unit's funnel figures are R's, computed from the rows that should
// remain: a left-out row that leaked in would change its group's target
// and so every figure of the group.
func TestPublishersLeavingRowsOut(t *testing.T) {
	tests := []struct {
		dir, file string
		// summary is the file's summary line after "FILE: " and before
		// ", release"; listed the rows skipped by a check, as listed.
		summary string
		listed  []string
	}{
		{
			// 14 hospitals × 2 surgical and 2 medical measures.
			dir: "mixed-measures", file: "hospital-mortality-2020-2023.csv",
			summary: "28 rows loaded, 28 skipped (28 medical measure)",
		},
		{
			// 10 hospitals × 2021-2023, and 2022's 10 rows again.
			dir: "duplicated-year", file: "cabg-outcomes-2021-2023.csv",
			summary: "30 rows loaded, 10 skipped (10 identical duplicate)",
		},
		{
			// 15 trusts; Hartsmere (RH8, line 9): 4 deaths after 1 repair.
			dir: "self-contradicting", file: "elective-aaa-repair-2024.csv",
			summary: "14 rows loaded, 1 skipped (1 events exceed cases)",
			listed:  []string{"  skipped FILE:9:4: Deaths within 30 days: events (4) exceed cases (1)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			dir := filepath.Join(publishersDir, tt.dir)
			file := filepath.Join(dir, tt.file)
			db := filepath.Join(t.TempDir(), "o.db")
			code, stdout, stderr := runCmd(t, "ingest", "--db", db, "--mapping", filepath.Join(dir, "mapping.toml"),
				"--release", tt.dir, file)
			if code != 0 {
				t.Fatalf("ingest: exit status %d, stderr %q", code, stderr)
			}
			want := file + ": " + tt.summary + ", release " + tt.dir + " (utf-8)\n"
			for _, l := range tt.listed {
				want += strings.ReplaceAll(l, "FILE", file) + "\n"
			}
			if !strings.HasPrefix(stdout, want) {
				t.Errorf("ingest stdout = %q, want it to begin %q", stdout, want)
			}
			// `outcomes releases` gives the same counts by reason.
			_, skipped, _ := strings.Cut(tt.summary, ", ")
			skipped = strings.Replace(skipped, " skipped", "", 1)
			if code, stdout, stderr := runCmd(t, "releases", "--db", db); code != 0 || !strings.Contains(stdout, "  "+skipped+"  ") {
				t.Errorf("releases: exit status %d, stdout %q, stderr %q; want the skipped cell %q", code, stdout, stderr, skipped)
			}
			checkFiguresAgainstR(t, db, tt.dir, filepath.Join(dir, "expected.csv"))
		})
	}
}

// checkFiguresAgainstR compares every unit of a release with the figures
// of expected.csv, one row per unit, keyed by procedure, period and unit
// id. Numbers must agree to 1e-10 relative (1e-13 absolute below 0.001):
// R's and gonum's quantile functions differ in the last digits (STATS.md
// §7); the largest difference on these fixtures is 1.6e-13 relative.
// Bands must be equal.
func checkFiguresAgainstR(t *testing.T, dbPath, release, expectedCSV string) {
	t.Helper()
	checkUnitsAgainstR(t, dbPath, release, expectedCSV, "")
}

// checkUnitsAgainstR is checkFiguresAgainstR, and, when nameCol is not
// "", each unit's name must be expected.csv's in that column, byte for
// byte.
func checkUnitsAgainstR(t *testing.T, dbPath, release, expectedCSV, nameCol string) {
	t.Helper()
	want := readExpected(t, expectedCSV)
	s, err := store.Open(context.Background(), dbPath, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	funnels, err := s.Results(context.Background(), release)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range funnels {
		for _, u := range f.Units {
			key := f.Procedure + "|" + f.Period + "|" + u.UnitID
			w, ok := want[key]
			if !ok {
				t.Errorf("unit %s is loaded but not in expected.csv (a row that should have been left out?)", key)
				continue
			}
			seen++
			checkUnit(t, key, f, u, w)
			if nameCol != "" && (u.UnitName != w[nameCol] || w[nameCol] == "") {
				t.Errorf("%s %s: name %q, R %q", f.UnitType, key, u.UnitName, w[nameCol])
			}
		}
	}
	if seen != len(want) {
		t.Errorf("%d units loaded, expected.csv has %d", seen, len(want))
	}
}

func checkUnit(t *testing.T, key string, f outcome.Funnel, u outcome.Position, w map[string]string) {
	t.Helper()
	if u.Cases != atoi(t, w["cases"]) || u.Events != atoi(t, w["observed"]) {
		t.Errorf("%s: %d deaths of %d cases, R %s of %s", key, u.Events, u.Cases, w["observed"], w["cases"])
	}
	if string(u.Band) != w["band"] {
		t.Errorf("%s: band %s, R %s", key, u.Band, w["band"])
	}
	for _, c := range []struct {
		name string
		got  float64
	}{
		{"expected", u.Expected}, {"target", f.Target}, {"y", u.Y}, {"ratio", u.Ratio}, {"ramr", u.RAMR},
		{"ci_low", u.CILow}, {"ci_high", u.CIHigh}, {"lower95", u.Lower95}, {"upper95", u.Upper95},
		{"lower998", u.Lower998}, {"upper998", u.Upper998},
	} {
		if w[c.name] == "" { // crude data: no expected deaths, no ratio
			if !math.IsNaN(c.got) {
				t.Errorf("%s: %s = %v, R has none", key, c.name, c.got)
			}
			continue
		}
		r, err := strconv.ParseFloat(w[c.name], 64)
		if err != nil {
			t.Fatalf("expected.csv %s %s: %v", key, c.name, err)
		}
		if math.Abs(c.got-r) > 1e-10*math.Max(math.Abs(r), 1e-3) {
			t.Errorf("%s: %s = %.17g, R %.17g", key, c.name, c.got, r)
		}
	}
}

// readExpected reads expected.csv into rows keyed by procedure, period and
// unit id.
func readExpected(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, rec := range records[1:] {
		row := map[string]string{}
		for i, h := range records[0] {
			row[h] = rec[i]
		}
		out[row["procedure"]+"|"+row["period"]+"|"+row["unit_id"]] = row
	}
	return out
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	x, err := strconv.ParseFloat(s, 64) // R writes counts as numbers
	if err != nil || x != math.Trunc(x) {
		t.Fatalf("count %q: %v", s, err)
	}
	return int(x)
}
