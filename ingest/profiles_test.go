package ingest_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/store"
)

// The built-in profiles are tested on the publishers' own files, kept in
// ../shared/data beside the checkout (its README describes each file). From
// this package's folder that is ../../shared/data. The files are never
// copied into the project, so a clone without them skips these tests.
//
// Every expected figure below was derived independently of this code, with
// Python's csv module reading the same files (a one-off while writing the
// tests; each table says what was counted). Sums of expected deaths add
// cases × rate / 100 row by row in file order, as float64.
const sharedData = "../../shared/data"

// realFile returns the one file matching pattern in sharedData, or skips
// the test when it is absent.
func realFile(t *testing.T, pattern string) string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(sharedData, pattern))
	if err != nil {
		t.Fatalf("filepath.Glob(%s) = %v", pattern, err)
	}
	switch len(matches) {
	case 0:
		t.Skipf("real data file %s is absent: ../shared/data not beside the checkout, so the publishers' files cannot be read",
			filepath.Join(sharedData, pattern))
	case 1:
		return matches[0]
	}
	t.Fatalf("filepath.Glob(%s) = %d files, want 1", pattern, len(matches))
	return ""
}

// realDB opens a new database file in t.TempDir().
func realDB(t *testing.T) *store.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "outcomes.db")
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatalf("store.Open(%s) = %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var loadTime = time.Date(2025, 7, 26, 9, 0, 0, 0, time.UTC)

// loadWith loads files through m into db and fails the test on error.
func loadWith(t *testing.T, db *store.DB, m *ingest.Mapping, paths ...string) ingest.Result {
	t.Helper()
	res, err := ingest.Load(context.Background(), db, ingest.OSFiles(paths...), ingest.Options{
		Mapping: m, Now: func() time.Time { return loadTime }})
	if err != nil {
		t.Fatalf("ingest.Load(%s, %s) = %v, want nil error", m.Name, strings.Join(paths, ", "), err)
	}
	return res
}

// loadProfile loads one real file through a built-in profile into a new
// database, returning the database, the result and the release's rows.
func loadProfile(t *testing.T, profile, pattern string) (*store.DB, ingest.Result, []outcome.Row) {
	t.Helper()
	path := realFile(t, pattern)
	m, err := ingest.Profile(profile)
	if err != nil {
		t.Fatalf("ingest.Profile(%s) = %v", profile, err)
	}
	db := realDB(t)
	res := loadWith(t, db, m, path)
	rows, err := db.Rows(context.Background(), res.Release.ID)
	if err != nil {
		t.Fatalf("Rows(%s) = %v", res.Release.ID, err)
	}
	return db, res, rows
}

func known(x float64) sql.Null[float64] { return sql.Null[float64]{V: x, Valid: true} }

// checkRow compares a loaded row with the one wanted: every field exactly,
// except Expected, which is computed (cases × rate / 100) and may differ
// from Go's constant arithmetic in the last bit.
func checkRow(t *testing.T, got, want outcome.Row) {
	t.Helper()
	if !want.Expected.Valid {
		if got.Expected.Valid {
			t.Errorf("row at line %d: Expected = %v, want none (crude data)", want.Line, got.Expected.V)
		}
	} else if !got.Expected.Valid || math.Abs(got.Expected.V-want.Expected.V) > 1e-9 {
		t.Errorf("row at line %d: Expected = %+v, want %v within 1e-9", want.Line, got.Expected, want.Expected.V)
	}
	got.Expected, want.Expected = sql.Null[float64]{}, sql.Null[float64]{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("row at line %d = %+v, want %+v", want.Line, got, want)
	}
}

func rowGroup(r outcome.Row) outcome.Group {
	return outcome.Group{Specialty: r.Specialty, Procedure: r.Procedure, Period: r.Period}
}

// procTotals sums one procedure's loaded rows.
type procTotals struct {
	specialty           string
	rows, cases, events int
	expected            float64 // Σ expected deaths; 0 for crude data
}

func TestProfilesOnRealFiles(t *testing.T) {
	nyPeriods := []string{"2008-2010", "2009-2011", "2010", "2010-2012", "2011", "2011-2013", "2012", "2012-2014",
		"2013", "2013-2015", "2014", "2014-2016", "2015", "2015-2017", "2016", "2016-2018", "2017", "2017-2019",
		"2018", "2019"}
	// New York: rows with Facility ID other than 0/0000, summed by Procedure.
	nyProcedures := map[string]procTotals{
		"cabg":                {"adult-cardiac", 380, 85591, 1307, 1307.3118},
		"valve-or-valve-cabg": {"adult-cardiac", 393, 212177, 7212, 7212.2258},
		"pci-all":             {"interventional-cardiology", 614, 502990, 5612, 5611.604},
		"pci-non-emergency":   {"interventional-cardiology", 614, 417740, 3011, 3011.4558},
		"pci-emergency":       {"interventional-cardiology", 621, 249165, 7556, 7555.8962},
		"tavr":                {"interventional-cardiology", 135, 50915, 1459, 1459.2689},
	}
	// The statewide rows: line = position in the file + 1 for the header.
	nyNational := []outcome.NationalRate{
		{File: 1, Line: 224, Specialty: "adult-cardiac", Procedure: "cabg", Period: "2011", Cases: 8627, Events: 107},
		{File: 1, Line: 1684, Specialty: "interventional-cardiology", Procedure: "pci-emergency", Period: "2008-2010",
			Cases: 21618, Events: 686},
		{File: 1, Line: 2813, Specialty: "interventional-cardiology", Procedure: "tavr", Period: "2017-2019",
			Cases: 14945, Events: 332}, // Facility ID "0000", the file's last line
	}
	const nyOutcome = "in-hospital or 30-day mortality"
	nySpot := []outcome.Row{
		// The first data line: id "0001" keeps its leading zeros.
		{File: 1, Line: 2, Specialty: "interventional-cardiology", Procedure: "pci-all", Period: "2016",
			UnitType: "hospital", UnitID: "0001", UnitName: "Albany Med. Ctr", Outcome: nyOutcome,
			Cases: 680, Events: 17, Expected: known(680 * 1.52 / 100), ExpectedRate: known(1.52),
			PublishedRate: known(2.03), PublishedLow: known(1.18), PublishedHigh: known(3.26),
			PublishedRating: "Rate not different than Statewide Rate"},
		{File: 1, Line: 29, Specialty: "interventional-cardiology", Procedure: "pci-all", Period: "2010",
			UnitType: "hospital", UnitID: "3058", UnitName: "Montefiore - Weiler", Outcome: nyOutcome,
			Cases: 640, Events: 14, Expected: known(640 * 0.92 / 100), ExpectedRate: known(0.92),
			PublishedRate: known(2.00), PublishedLow: known(1.09), PublishedHigh: known(3.36),
			PublishedRating: "Rate significantly higher than Statewide Rate"},
		{File: 1, Line: 59, Specialty: "adult-cardiac", Procedure: "valve-or-valve-cabg", Period: "2013-2015",
			UnitType: "hospital", UnitID: "1305", UnitName: "Maimonides Medical Ctr", Outcome: nyOutcome,
			Cases: 461, Events: 11, Expected: known(461 * 4.41 / 100), ExpectedRate: known(4.41),
			PublishedRate: known(1.64), PublishedLow: known(0.82), PublishedHigh: known(2.93),
			PublishedRating: "Rate significantly lower than Statewide Rate"},
		// No deaths: a published rate and lower limit of 0.00 are values,
		// not missing. (This export writes the id "1"; the profile pads it
		// to the "0001" of the hospital's later rows.)
		{File: 1, Line: 1653, Specialty: "adult-cardiac", Procedure: "cabg", Period: "2011",
			UnitType: "hospital", UnitID: "0001", UnitName: "Albany Medical Center", Outcome: nyOutcome,
			Cases: 241, Events: 0, Expected: known(241 * 1.47 / 100), ExpectedRate: known(1.47),
			PublishedRate: known(0), PublishedLow: known(0), PublishedHigh: known(1.28),
			PublishedRating: "Rate not different than Statewide Rate"},
	}

	// California: rows whose "... for Performance Measure Reporting" cases
	// are not ".", summed by Performance Measure.
	hcaiProcedures := map[string]procTotals{
		"isolated-cabg-mortality":   {"adult-cardiac", 361, 36765, 888, 887.9698},
		"cabg-valve-mortality":      {"adult-cardiac", 357, 10827, 589, 591.1101},
		"isolated-cabg-stroke":      {"adult-cardiac", 366, 74258, 1192, 1188.3673},
		"isolated-cabg-readmission": {"adult-cardiac", 368, 62448, 7346, 7335.8747},
	}
	// The statewide counts repeat on every row; the line is the group's
	// first row (records counted from the header, embedded newlines included).
	hcaiNational := []outcome.NationalRate{
		{File: 1, Line: 2, Specialty: "adult-cardiac", Procedure: "isolated-cabg-mortality", Period: "2022",
			Cases: 12564, Events: 309},
		{File: 1, Line: 1096, Specialty: "adult-cardiac", Procedure: "cabg-valve-mortality", Period: "2018-2019",
			Cases: 4161, Events: 215},
		{File: 1, Line: 482, Specialty: "adult-cardiac", Procedure: "isolated-cabg-readmission", Period: "2020-2021",
			Cases: 18716, Events: 2127},
	}
	hcaiSpot := []outcome.Row{
		{File: 1, Line: 2, Specialty: "adult-cardiac", Procedure: "isolated-cabg-mortality", Period: "2022",
			UnitType: "hospital", UnitID: "106010937", UnitName: "Alta Bates Summit Medical Center",
			Outcome: "operative mortality", Cases: 130, Events: 4, Expected: known(130 * 3.35 / 100),
			ExpectedRate: known(3.35), PublishedRate: known(2.26), PublishedLow: known(0.62), PublishedHigh: known(5.79),
			PublishedRating: "Average"},
		{File: 1, Line: 9, Specialty: "adult-cardiac", Procedure: "isolated-cabg-mortality", Period: "2022",
			UnitType: "hospital", UnitID: "106100899", UnitName: "Saint Agnes Medical Center",
			Outcome: "operative mortality", Cases: 211, Events: 15, Expected: known(211 * 3.51 / 100),
			ExpectedRate: known(3.51), PublishedRate: known(4.98), PublishedLow: known(2.79), PublishedHigh: known(8.21),
			PublishedRating: "Worse"},
		// The first record after one whose rating holds a newline (lines
		// 125-126): its line must count that newline.
		{File: 1, Line: 127, Specialty: "adult-cardiac", Procedure: "cabg-valve-mortality", Period: "2021-2022",
			UnitType: "hospital", UnitID: "106100717", UnitName: "Community Regional Medical Center – Fresno",
			Outcome: "operative mortality", Cases: 2, Events: 0, Expected: known(2 * 28.92 / 100),
			ExpectedRate: known(28.92), PublishedRate: known(0), PublishedLow: known(0), PublishedHigh: known(36.12),
			PublishedRating: "Average"},
		// Cases written "1,188".
		{File: 1, Line: 270, Specialty: "adult-cardiac", Procedure: "isolated-cabg-stroke", Period: "2021-2022",
			UnitType: "hospital", UnitID: "106190429", UnitName: "Kaiser Foundation Hospital – Los Angeles",
			Outcome: "post-operative stroke", Cases: 1188, Events: 5, Expected: known(1188 * 1.52 / 100),
			ExpectedRate: known(1.52), PublishedRate: known(0.42), PublishedLow: known(0.14), PublishedHigh: known(0.99),
			PublishedRating: "Better"},
	}

	// UK: the 121 trusts with figures; a procedure with 0 patients is
	// skipped. Sums of the Open, EVAR and Overall patient and death columns.
	ukProcedures := map[string]procTotals{
		"open": {"vascular", 118, 3602, 154, 0},
		"evar": {"vascular", 103, 4952, 44, 0},
		"aaa":  {"vascular", 120, 8554, 198, 0},
	}
	ukRow := func(line int, id, name, procedure string, cases, events int) outcome.Row {
		return outcome.Row{File: 1, Line: line, Specialty: "vascular", Procedure: procedure, Period: "2011-2012",
			UnitType: "hospital", UnitID: id, UnitName: name, Outcome: "in-hospital mortality", Cases: cases, Events: events}
	}
	const wwl, wwlName = "wrightington-wigan-and-leigh-nhs-foundation-trust", "Wrightington, Wigan and Leigh NHS Foundation Trust"
	const guys, guysName = "guy-s-and-st-thomas-nhs-foundation-trust", "Guy's and St Thomas' NHS Foundation Trust"
	ukSpot := []outcome.Row{
		ukRow(5, wwl, wwlName, "open", 16, 2), ukRow(5, wwl, wwlName, "evar", 16, 1), ukRow(5, wwl, wwlName, "aaa", 32, 3),
		ukRow(86, guys, guysName, "open", 8, 0), ukRow(86, guys, guysName, "evar", 187, 1), ukRow(86, guys, guysName, "aaa", 195, 1),
	}

	tests := []struct {
		name, profile, file string
		rows, skipped       int
		reasons             map[string]int
		encoding            string
		interval            string
		comparison          string
		target              string
		periods             []string
		groups, nationals   int
		national            []outcome.NationalRate // a few groups', exactly
		procedures          map[string]procTotals
		spot                []outcome.Row
	}{
		{
			// 2,812 rows: 55 statewide (Facility ID 0 or 0000) and 2,757
			// hospitals in 55 (procedure, period) groups.
			name: "nydoh-cardiac 2025", profile: "nydoh-cardiac",
			file: "nys-cardiac-hospital/*_20250726.csv",
			rows: 2757, skipped: 55, reasons: map[string]int{"national": 55}, encoding: "utf-8",
			interval: "byar", comparison: "interval", target: "national",
			periods: nyPeriods, groups: 55, nationals: 55, national: nyNational,
			procedures: nyProcedures, spot: nySpot,
		},
		{
			// The spreadsheet re-save: CRLF, trailing zeros dropped, same rows.
			name: "nydoh-cardiac 2024 re-save", profile: "nydoh-cardiac",
			file: "nys-cardiac-hospital/*_20240124.csv",
			rows: 2757, skipped: 55, reasons: map[string]int{"national": 55}, encoding: "utf-8",
			interval: "byar", comparison: "interval", target: "national",
			periods: nyPeriods, groups: 55, nationals: 55, national: nyNational,
			procedures: nyProcedures,
		},
		{
			// 41 rows: 40 hospitals and the statewide row (line 25 of 42).
			name: "nydoh-cardiac CABG 2011", profile: "nydoh-cardiac", file: "nys-cabg-hospital-2011/*.csv",
			rows: 40, skipped: 1, reasons: map[string]int{"national": 1}, encoding: "utf-8",
			interval: "byar", comparison: "interval", target: "national",
			periods: []string{"2011"}, groups: 1, nationals: 1,
			national: []outcome.NationalRate{{File: 1, Line: 25, Specialty: "adult-cardiac", Procedure: "cabg",
				Period: "2011", Cases: 8627, Events: 107}},
			procedures: map[string]procTotals{"cabg": {"adult-cardiac", 40, 8627, 107, 106.9812}},
		},
		{
			// 1,461 records and a blank line; 9 have "." for cases (rating
			// "Not Appplicable"); 13 (measure, period) groups.
			name: "hcai-cabg", profile: "hcai-cabg", file: "ca-hcai-cabg-2018-2022/*.csv",
			rows: 1452, skipped: 9, reasons: map[string]int{"no cases": 9}, encoding: "utf-8-bom",
			interval: "exact", comparison: "interval", target: "national",
			periods: []string{"2018-2019", "2019", "2019-2020", "2020", "2020-2021", "2021-2022", "2022"},
			groups:  13, nationals: 13, national: hcaiNational, procedures: hcaiProcedures, spot: hcaiSpot,
		},
		{
			// 125 trusts × 3 procedures: 4 trusts with no figures (12 "no
			// cases"), and 3 open, 18 EVAR and 1 overall with 0 patients.
			name: "uk-aaa", profile: "uk-aaa", file: "uk-vascular-aaa-trust-2012/vascular.csv",
			rows: 341, skipped: 34, reasons: map[string]int{"no cases": 12, "zero cases": 22}, encoding: "utf-8",
			interval: "exact", comparison: "funnel", target: "counts",
			periods: []string{"2011-2012"}, groups: 3, nationals: 0, procedures: ukProcedures, spot: ukSpot,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, res, rows := loadProfile(t, tt.profile, tt.file)
			path := realFile(t, tt.file)

			// What the run says it read.
			if len(res.Files) != 1 {
				t.Fatalf("Load(%s).Files = %d, want 1", tt.name, len(res.Files))
			}
			f := res.Files[0]
			if f.Rows != tt.rows || f.Skipped != tt.skipped || !reflect.DeepEqual(f.SkipReasons, tt.reasons) {
				t.Errorf("Load(%s).Files[0] = %d rows, %d skipped %v; want %d, %d %v",
					tt.name, f.Rows, f.Skipped, f.SkipReasons, tt.rows, tt.skipped, tt.reasons)
			}
			if f.Encoding != tt.encoding {
				t.Errorf("Load(%s).Files[0].Encoding = %s, want %s", tt.name, f.Encoding, tt.encoding)
			}
			if res.Existing {
				t.Errorf("Load(%s).Existing = true on a new database", tt.name)
			}

			// What the release records, checked against the file itself.
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			hash := hex.EncodeToString(sum[:])
			rel := res.Release
			wantFile := store.ReleaseFile{Ordinal: 1, Name: filepath.Base(path), SHA256: hash, Size: int64(len(data)),
				Encoding: tt.encoding, Rows: tt.rows, Skipped: tt.skipped}
			if len(rel.Files) != 1 || rel.Files[0] != wantFile {
				t.Errorf("Release.Files = %+v, want [%+v]", rel.Files, wantFile)
			}
			if rel.ID != hash[:12] || rel.InputSHA256 != hash || rel.Profile != tt.profile {
				t.Errorf("Release id, input hash, profile = %s, %s, %s; want %s, %s, %s",
					rel.ID, rel.InputSHA256, rel.Profile, hash[:12], hash, tt.profile)
			}
			if rel.IntervalMethod != tt.interval || rel.Comparison != tt.comparison || rel.TargetSource != tt.target {
				t.Errorf("Release method = %s, %s, %s; want %s, %s, %s",
					rel.IntervalMethod, rel.Comparison, rel.TargetSource, tt.interval, tt.comparison, tt.target)
			}
			if rel.Rows != tt.rows || rel.Skipped != tt.skipped {
				t.Errorf("Release rows, skipped = %d, %d; want %d, %d", rel.Rows, rel.Skipped, tt.rows, tt.skipped)
			}
			if got := rel.SkippedBy(); !maps.Equal(got, tt.reasons) {
				t.Errorf("Release skipped by reason = %v, want %v (as the summary said)", got, tt.reasons)
			}
			if !slices.Equal(rel.Periods, tt.periods) {
				t.Errorf("Release.Periods = %q, want %q", rel.Periods, tt.periods)
			}
			if !rel.IngestedAt.Equal(loadTime) || rel.Synthetic {
				t.Errorf("Release ingested %v, synthetic %v; want %v, false", rel.IngestedAt, rel.Synthetic, loadTime)
			}
			stored, err := db.Release(ctx, rel.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(stored.Files, rel.Files) || stored.Rows != rel.Rows {
				t.Errorf("store Release(%s) = %+v, want what Load returned, %+v", rel.ID, stored, rel)
			}

			// The rows, by procedure.
			if len(rows) != tt.rows {
				t.Fatalf("Rows(%s) = %d rows, want %d", rel.ID, len(rows), tt.rows)
			}
			got := map[string]procTotals{}
			groups := map[outcome.Group]bool{}
			for _, r := range rows {
				groups[rowGroup(r)] = true
				p := got[r.Procedure]
				if p.specialty != "" && p.specialty != r.Specialty {
					t.Errorf("procedure %s has rows in %s and %s", r.Procedure, p.specialty, r.Specialty)
				}
				p.specialty = r.Specialty
				p.rows++
				p.cases += r.Cases
				p.events += r.Events
				if r.Expected.Valid {
					p.expected += r.Expected.V
				}
				got[r.Procedure] = p
			}
			for name, want := range tt.procedures {
				g := got[name]
				if g.specialty != want.specialty || g.rows != want.rows || g.cases != want.cases || g.events != want.events ||
					math.Abs(g.expected-want.expected) > 1e-6 {
					t.Errorf("procedure %s: %+v, want %+v (Σ expected within 1e-6)", name, g, want)
				}
			}
			if len(got) != len(tt.procedures) {
				t.Errorf("procedures loaded = %d, want %d", len(got), len(tt.procedures))
			}
			if len(groups) != tt.groups {
				t.Errorf("groups loaded = %d, want %d", len(groups), tt.groups)
			}

			// National counts: a few exactly, and one for every group when
			// they give the target.
			nats, err := db.NationalRates(ctx, rel.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(nats) != tt.nationals {
				t.Errorf("NationalRates(%s) = %d groups, want %d", rel.ID, len(nats), tt.nationals)
			}
			natBy := map[outcome.Group]outcome.NationalRate{}
			for _, n := range nats {
				natBy[outcome.Group{Specialty: n.Specialty, Procedure: n.Procedure, Period: n.Period}] = n
			}
			for _, want := range tt.national {
				g := outcome.Group{Specialty: want.Specialty, Procedure: want.Procedure, Period: want.Period}
				if got, ok := natBy[g]; !ok || got != want {
					t.Errorf("national rate for %v = %+v (found %v), want %+v", g, got, ok, want)
				}
			}
			if tt.target == "national" {
				for g := range groups {
					if _, ok := natBy[g]; !ok {
						t.Errorf("group %v has no national rate", g)
					}
				}
			}

			// A few rows exactly as published.
			byKey := map[string]outcome.Row{}
			for _, r := range rows {
				byKey[fmt.Sprint(r.Line, r.Procedure, r.UnitID)] = r
			}
			for _, want := range tt.spot {
				got, ok := byKey[fmt.Sprint(want.Line, want.Procedure, want.UnitID)]
				if !ok {
					t.Errorf("no %s row for unit %q at line %d", want.Procedure, want.UnitID, want.Line)
					continue
				}
				checkRow(t, got, want)
			}
		})
	}
}

// TestNYDOHCardiacRows checks every row of the New York file.
func TestNYDOHCardiacRows(t *testing.T) {
	_, _, rows := loadProfile(t, "nydoh-cardiac", "nys-cardiac-hospital/*_20250726.csv")
	ratings := map[string]int{}
	ids := map[string]bool{}
	for _, r := range rows {
		ratings[r.PublishedRating]++
		if r.UnitID == "0" || r.UnitID == "0000" || r.UnitName == "NYS - All Hospitals" {
			t.Errorf("line %d: statewide row loaded as a unit (%q %q)", r.Line, r.UnitID, r.UnitName)
		}
		ids[r.UnitID] = true
		if len(r.UnitID) != 4 || strings.Trim(r.UnitID, "0123456789") != "" {
			t.Errorf("line %d: unit id %q, want 4 digits (zero_pad)", r.Line, r.UnitID)
		}
		if !r.ExpectedRate.Valid || !r.Expected.Valid ||
			math.Abs(r.Expected.V-float64(r.Cases)*r.ExpectedRate.V/100) > 1e-9 {
			t.Errorf("line %d: expected %+v, want cases × EMR / 100 = %d × %+v / 100", r.Line, r.Expected, r.Cases, r.ExpectedRate)
		}
		if !r.PublishedRate.Valid || !r.PublishedLow.Valid || !r.PublishedHigh.Valid {
			t.Errorf("line %d: published RAMR and interval = %+v %+v %+v, want all given", r.Line,
				r.PublishedRate, r.PublishedLow, r.PublishedHigh)
		}
		if r.UnitType != "hospital" || r.HospitalID != "" || r.Outcome != "in-hospital or 30-day mortality" {
			t.Errorf("line %d: unit type %q, hospital id %q, outcome %q", r.Line, r.UnitType, r.HospitalID, r.Outcome)
		}
	}
	// Comparison Results of the hospital rows, counted in the file.
	want := map[string]int{
		"Rate not different than Statewide Rate":        2535,
		"Rate significantly higher than Statewide Rate": 129,
		"Rate significantly lower than Statewide Rate":  93,
	}
	if !reflect.DeepEqual(ratings, want) {
		t.Errorf("published ratings = %v, want %v", ratings, want)
	}
	// The file writes 106 distinct Facility IDs for hospitals, "1" in
	// early years and "0001" later for the same hospital; padded to four
	// digits they are 71 hospitals (counted with Python's str.zfill(4)).
	if len(ids) != 71 {
		t.Errorf("distinct unit ids = %d, want 71", len(ids))
	}
}

// TestNYDOHCardiacResave loads the primary export and its spreadsheet
// re-save (CRLF, "2.50" written "2.5") and requires the same numbers.
func TestNYDOHCardiacResave(t *testing.T) {
	ctx := context.Background()
	db25, res25, rows25 := loadProfile(t, "nydoh-cardiac", "nys-cardiac-hospital/*_20250726.csv")
	db24, res24, rows24 := loadProfile(t, "nydoh-cardiac", "nys-cardiac-hospital/*_20240124.csv")
	if res25.Release.InputSHA256 == res24.Release.InputSHA256 {
		t.Fatal("the two exports have the same bytes: the re-save test proves nothing")
	}
	if len(rows24) != len(rows25) {
		t.Fatalf("re-save rows = %d, want %d", len(rows24), len(rows25))
	}
	for i := range rows25 {
		a, b := rows25[i], rows24[i]
		a.File, a.Line, b.File, b.Line = 0, 0, 0, 0
		if !reflect.DeepEqual(b, a) {
			t.Errorf("re-save row %d = %+v, want %+v", i, b, a)
		}
	}
	n25, err := db25.NationalRates(ctx, res25.Release.ID)
	if err != nil {
		t.Fatal(err)
	}
	n24, err := db24.NationalRates(ctx, res24.Release.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n24 {
		n24[i].File, n24[i].Line = 0, 0
	}
	for i := range n25 {
		n25[i].File, n25[i].Line = 0, 0
	}
	if !reflect.DeepEqual(n24, n25) {
		t.Errorf("re-save national rates = %+v, want %+v", n24, n25)
	}
}

// TestNYDOHCABG2011Fixture checks that the 2015 download of the 2011 CABG
// rows loads to the same figures as those rows of the 2025 export.
func TestNYDOHCABG2011Fixture(t *testing.T) {
	_, _, fixture := loadProfile(t, "nydoh-cardiac", "nys-cabg-hospital-2011/*.csv")
	_, _, all := loadProfile(t, "nydoh-cardiac", "nys-cardiac-hospital/*_20250726.csv")

	// The 2025 export writes the Facility ID of its older rows without
	// leading zeros ("1" where the 2015 download has "0001", for 23 of
	// these 40 hospitals); the profile pads them, so every field must be
	// identical.
	want := map[string]outcome.Row{}
	for _, r := range all {
		if r.Procedure == "cabg" && r.Period == "2011" {
			r.File, r.Line = 0, 0
			want[r.UnitID] = r
		}
	}
	if len(fixture) != 40 || len(want) != 40 {
		t.Fatalf("CABG 2011 rows: fixture %d, 2025 export %d; want 40 and 40", len(fixture), len(want))
	}
	for _, r := range fixture {
		if len(r.UnitID) != 4 {
			t.Errorf("fixture line %d: unit id %q, want the publisher's 4 digits", r.Line, r.UnitID)
		}
		r.File, r.Line = 0, 0
		if w, ok := want[r.UnitID]; !ok || !reflect.DeepEqual(r, w) {
			t.Errorf("fixture row for %s = %+v, want the 2025 export's %+v", r.UnitID, r, w)
		}
	}
}

// TestHCAICABGRows checks every row of the California file.
func TestHCAICABGRows(t *testing.T) {
	_, _, rows := loadProfile(t, "hcai-cabg", "ca-hcai-cabg-2018-2022/*.csv")
	// Performance Rating of the rows with figures, counted in the file;
	// the 9 "Not Appplicable" ratings (6 with an embedded newline) belong to
	// the skipped rows.
	want := map[string]int{"Average": 1350, "Better": 36, "Worse": 66}
	ratings := map[string]int{}
	outcomes := map[string]string{
		"isolated-cabg-mortality":   "operative mortality",
		"cabg-valve-mortality":      "operative mortality",
		"isolated-cabg-stroke":      "post-operative stroke",
		"isolated-cabg-readmission": "30-day readmission",
	}
	id := regexp.MustCompile(`^[0-9]{9}$`)
	for _, r := range rows {
		ratings[r.PublishedRating]++
		for _, s := range []string{r.UnitID, r.UnitName, r.Procedure, r.Period, r.Outcome, r.PublishedRating} {
			if strings.ContainsAny(s, "\r\n") || strings.Contains(s, "Appplicable") || s != strings.TrimSpace(s) {
				t.Errorf("line %d: text %q not normalised, or a Not Applicable row loaded", r.Line, s)
			}
		}
		if !id.MatchString(r.UnitID) {
			t.Errorf("line %d: unit id %q, want HCAI's 9 digits", r.Line, r.UnitID)
		}
		if r.Outcome != outcomes[r.Procedure] {
			t.Errorf("line %d: outcome of %s = %q, want %q", r.Line, r.Procedure, r.Outcome, outcomes[r.Procedure])
		}
		if !r.ExpectedRate.Valid || !r.Expected.Valid ||
			math.Abs(r.Expected.V-float64(r.Cases)*r.ExpectedRate.V/100) > 1e-9 {
			t.Errorf("line %d: expected %+v, want cases × rate / 100 = %d × %+v / 100", r.Line, r.Expected, r.Cases, r.ExpectedRate)
		}
	}
	if !reflect.DeepEqual(ratings, want) {
		t.Errorf("published ratings = %v, want %v", ratings, want)
	}
}

// TestUKAAARows checks every row of the UK file.
func TestUKAAARows(t *testing.T) {
	_, _, rows := loadProfile(t, "uk-aaa", "uk-vascular-aaa-trust-2012/vascular.csv")
	type counts struct{ cases, events int }
	byTrust := map[string]map[string]counts{}
	names := map[string]string{}
	slugID := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	for _, r := range rows {
		if !slugID.MatchString(r.UnitID) {
			t.Errorf("line %d: unit id %q is not a slug", r.Line, r.UnitID)
		}
		if r.UnitName != strings.TrimSpace(r.UnitName) {
			t.Errorf("line %d: unit name %q keeps the file's trailing space", r.Line, r.UnitName)
		}
		if n, ok := names[r.UnitID]; ok && n != r.UnitName {
			t.Errorf("unit id %q names %q and %q", r.UnitID, n, r.UnitName)
		}
		names[r.UnitID] = r.UnitName
		if r.Expected.Valid || r.ExpectedRate.Valid {
			t.Errorf("line %d: expected %+v, want none (crude data)", r.Line, r.Expected)
		}
		if byTrust[r.UnitID] == nil {
			byTrust[r.UnitID] = map[string]counts{}
		}
		byTrust[r.UnitID][r.Procedure] = counts{r.Cases, r.Events}
	}
	// 121 trusts have figures; Mid Cheshire's are all 0, so 120 are units.
	if len(byTrust) != 120 {
		t.Errorf("trusts loaded = %d, want 120", len(byTrust))
	}
	for _, absent := range []string{"mid-cheshire-hospitals-nhs-foundation-trust", "basingstoke-and-north-hampshire-nhs-foundation-trust"} {
		if _, ok := byTrust[absent]; ok {
			t.Errorf("trust %s has no patients but was loaded", absent)
		}
	}
	// Overall = open + EVAR, in patients and deaths, for every trust (a
	// skipped procedure counts 0).
	for id, p := range byTrust {
		open, evar, all := p["open"], p["evar"], p["aaa"]
		if all.cases != open.cases+evar.cases || all.events != open.events+evar.events {
			t.Errorf("trust %s: overall %+v, want open %+v + EVAR %+v", id, all, open, evar)
		}
	}
}

// TestLoadSameInputTwice checks that loading the same bytes through the
// same profile again writes nothing and names the release that holds them.
func TestLoadSameInputTwice(t *testing.T) {
	ctx := context.Background()
	path := realFile(t, "nys-cabg-hospital-2011/*.csv")
	m, err := ingest.Profile("nydoh-cardiac")
	if err != nil {
		t.Fatal(err)
	}
	db := realDB(t)
	first := loadWith(t, db, m, path)
	second, err := ingest.Load(ctx, db, ingest.OSFiles(path), ingest.Options{Mapping: m,
		Now: func() time.Time { return loadTime.Add(time.Hour) }})
	if err != nil {
		t.Fatalf("second Load = %v, want nil error", err)
	}
	if !second.Existing || second.Release.ID != first.Release.ID || len(second.Files) != 0 {
		t.Errorf("second Load = existing %v, id %s, %d files; want true, %s, 0",
			second.Existing, second.Release.ID, len(second.Files), first.Release.ID)
	}
	if !second.Release.IngestedAt.Equal(loadTime) {
		t.Errorf("second Load release ingested at %v, want the first load's %v", second.Release.IngestedAt, loadTime)
	}
	rels, err := db.Releases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) != 1 {
		t.Errorf("Releases() after loading twice = %d, want 1", len(rels))
	}
	rows, err := db.Rows(ctx, first.Release.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 40 {
		t.Errorf("Rows(%s) after loading twice = %d, want 40", first.Release.ID, len(rows))
	}
}

// TestSameInputOtherMapping loads the same bytes through two mappings: they
// are two releases, and the second default id carries the mapping's hash.
func TestSameInputOtherMapping(t *testing.T) {
	path := realFile(t, "nys-cabg-hospital-2011/*.csv")
	ny, err := ingest.Profile("nydoh-cardiac")
	if err != nil {
		t.Fatal(err)
	}
	// The same file read as crude data: no expected column, no national rows.
	crude, err := ingest.ParseMapping("crude.toml", []byte(`
ignore = ["Detailed Region", "Region", "Observed Mortality Rate", "Expected Mortality Rate",
  "Risk-Adjusted Mortality Rate", "Lower Limit of Confidence Interval", "Upper Limit of Confidence Interval",
  "Comparison Results", "Procedure"]
[columns]
unit_id = "Facility ID"
unit_name = "Hospital Name"
period = "Year of Hospital Discharge"
cases = "Number of Cases"
events = "Number of Deaths"
[fixed]
specialty = "adult-cardiac"
unit_type = "hospital"
`))
	if err != nil {
		t.Fatal(err)
	}
	db := realDB(t)
	first := loadWith(t, db, ny, path)
	second := loadWith(t, db, crude, path)
	if second.Existing {
		t.Fatalf("second Load through another mapping = existing release %s, want a new release", second.Release.ID)
	}
	if want := first.Release.ID + "-" + crude.SHA256()[:8]; second.Release.ID != want {
		t.Errorf("second release id = %s, want %s", second.Release.ID, want)
	}
	if second.Release.InputSHA256 != first.Release.InputSHA256 || second.Release.Rows != 41 {
		t.Errorf("second release = sha %s, %d rows; want sha %s, 41 rows (the statewide row is a unit here)",
			second.Release.InputSHA256, second.Release.Rows, first.Release.InputSHA256)
	}
}
