package ingest_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// parseMapping parses TOML written in a test and fails the test on error.
func parseMapping(t *testing.T, name, text string) *ingest.Mapping {
	t.Helper()
	m, err := ingest.ParseMapping(name, []byte(text))
	if err != nil {
		t.Fatalf("ParseMapping(%s) = %v, want nil error", name, err)
	}
	return m
}

func TestProfiles(t *testing.T) {
	want := []string{"canonical", "hcai-cabg", "nydoh-cardiac", "uk-aaa"}
	if got := ingest.Profiles(); !slices.Equal(got, want) {
		t.Fatalf("Profiles() = %q, want %q", got, want)
	}
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for _, name := range want {
		t.Run(name, func(t *testing.T) {
			m, err := ingest.Profile(name)
			if err != nil {
				t.Fatalf("Profile(%s) = %v, want nil error", name, err)
			}
			if m.Name != name || !hex64.MatchString(m.SHA256()) {
				t.Errorf("Profile(%s) = name %q, sha256 %q; want %q and 64 hex digits", name, m.Name, m.SHA256(), name)
			}
		})
	}
	_, err := ingest.Profile("nhs-digital")
	if err == nil || !strings.Contains(err.Error(), `"nhs-digital"`) || !strings.Contains(err.Error(), strings.Join(want, ", ")) {
		t.Errorf("Profile(nhs-digital) = %v, want an error naming it and the built-in profiles", err)
	}
}

func TestLoadMappingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "my-publisher.toml")
	text := `[columns]
unit_id = "id"
unit_name = "name"
cases = "n"
events = "d"
[fixed]
specialty = "urology"
period = "2024"
unit_type = "surgeon"
`
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := ingest.LoadMapping(path)
	if err != nil {
		t.Fatalf("LoadMapping(%s) = %v, want nil error", path, err)
	}
	// With no name key, the mapping is named after its file.
	if m.Name != "my-publisher" {
		t.Errorf("LoadMapping(%s).Name = %q, want %q", path, m.Name, "my-publisher")
	}
	if _, err := ingest.LoadMapping(filepath.Join(t.TempDir(), "absent.toml")); err == nil {
		t.Errorf("LoadMapping(absent.toml) = nil error, want an error")
	}
}

// bugsMapping reads the BUGS "surgical" example: 12 hospitals, operations n
// and deaths r, crude. Infant cardiac surgery has no specialty of its own
// among the ten, so it goes under adult-cardiac with its own procedure.
const bugsMapping = `name = "bugs-surgical"
description = "BUGS examples: infant cardiac surgery mortality in 12 hospitals"

[columns]
unit_id = "hospital"
unit_name = "hospital"
cases = "n"
events = "r"

[fixed]
specialty = "adult-cardiac"
procedure = "infant-cardiac-surgery"
period = "bugs-examples"
unit_type = "hospital"
`

// funnelMapping reads the 37 New York CABG hospitals of a funnel-plot
// package: names but no ids (so ids are slugs), EMR in percent, OMR
// derivable and ignored, RAMR kept as the published rate.
const funnelMapping = `name = "nys-cabg-funnelpkg"
expected_as = "percent"
slug = ["unit_id"]
ignore = ["OMR"]

[columns]
unit_id = "Hospital"
unit_name = "Hospital"
cases = "Cases"
events = "Deaths"
expected = "EMR"
published_rate = "RAMR"

[fixed]
specialty = "adult-cardiac"
procedure = "cabg"
period = "funnelpkg-03"
unit_type = "hospital"
`

func TestMappingOnRealFiles(t *testing.T) {
	// Figures from Python's csv module on the same files: the number of
	// data rows, Σ cases, Σ events and Σ cases × EMR / 100.
	tests := []struct {
		name, mapping, file string
		rows, cases, events int
		expected            float64 // 0: crude
		spot                []outcome.Row
	}{
		{
			name: "bugs surgical", mapping: bugsMapping, file: "bugs-surgical-12-hospitals/surgical.csv",
			rows: 12, cases: 2814, events: 208,
			spot: []outcome.Row{
				// Hospital A: no deaths in 47 operations.
				{File: 1, Line: 2, Specialty: "adult-cardiac", Procedure: "infant-cardiac-surgery", Period: "bugs-examples",
					UnitType: "hospital", UnitID: "A", UnitName: "A", Outcome: "in-hospital mortality", Cases: 47, Events: 0},
				{File: 1, Line: 13, Specialty: "adult-cardiac", Procedure: "infant-cardiac-surgery", Period: "bugs-examples",
					UnitType: "hospital", UnitID: "L", UnitName: "L", Outcome: "in-hospital mortality", Cases: 360, Events: 24},
			},
		},
		{
			// S = 973 / 47,795 (shared/data/README.md).
			name: "nys cabg funnel package", mapping: funnelMapping, file: "nys-cabg-hospitals-funnelpkg/CABG-hospitals-03.csv",
			rows: 37, cases: 47795, events: 973, expected: 973.248,
			spot: []outcome.Row{
				{File: 1, Line: 2, Specialty: "adult-cardiac", Procedure: "cabg", Period: "funnelpkg-03",
					UnitType: "hospital", UnitID: "albany-medical-center", UnitName: "Albany Medical Center",
					Outcome: "in-hospital mortality", Cases: 1719, Events: 34, Expected: known(1719 * 1.77 / 100),
					ExpectedRate: known(1.77), PublishedRate: known(2.27)},
				// EMR written "2", with no decimals.
				{File: 1, Line: 35, Specialty: "adult-cardiac", Procedure: "cabg", Period: "funnelpkg-03",
					UnitType: "hospital", UnitID: "vassar-brothers", UnitName: "Vassar Brothers",
					Outcome: "in-hospital mortality", Cases: 637, Events: 4, Expected: known(637 * 2.0 / 100),
					ExpectedRate: known(2), PublishedRate: known(0.64)},
				// The last line, which has no final newline.
				{File: 1, Line: 38, Specialty: "adult-cardiac", Procedure: "cabg", Period: "funnelpkg-03",
					UnitType: "hospital", UnitID: "winthrop-univ-hosp", UnitName: "Winthrop Univ. Hosp.",
					Outcome: "in-hospital mortality", Cases: 1524, Events: 28, Expected: known(1524 * 2.28 / 100),
					ExpectedRate: known(2.28), PublishedRate: known(1.64)},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := realFile(t, tt.file)
			m := parseMapping(t, tt.name+".toml", tt.mapping)
			db := realDB(t)
			res := loadWith(t, db, m, path)
			rel := res.Release
			if rel.Rows != tt.rows || rel.Skipped != 0 || rel.Profile != m.Name || rel.MappingSHA256 != m.SHA256() {
				t.Errorf("Load(%s) release = %d rows, %d skipped, profile %s, mapping %s; want %d, 0, %s, %s",
					tt.name, rel.Rows, rel.Skipped, rel.Profile, rel.MappingSHA256, tt.rows, m.Name, m.SHA256())
			}
			// A mapping with no [method] gets the defaults.
			if rel.IntervalMethod != "exact" || rel.Comparison != "funnel" || rel.TargetSource != "counts" {
				t.Errorf("Load(%s) method = %s, %s, %s; want exact, funnel, counts",
					tt.name, rel.IntervalMethod, rel.Comparison, rel.TargetSource)
			}
			rows, err := db.Rows(context.Background(), rel.ID)
			if err != nil {
				t.Fatal(err)
			}
			var cases, events int
			var expected float64
			ids := map[string]bool{}
			for _, r := range rows {
				cases += r.Cases
				events += r.Events
				ids[r.UnitID] = true
				if r.Expected.Valid != (tt.expected > 0) {
					t.Errorf("line %d: expected %+v, want given: %v", r.Line, r.Expected, tt.expected > 0)
				}
				expected += r.Expected.V
			}
			if len(rows) != tt.rows || len(ids) != tt.rows || cases != tt.cases || events != tt.events ||
				math.Abs(expected-tt.expected) > 1e-6 {
				t.Errorf("Rows(%s) = %d rows, %d ids, Σ %d cases, %d events, %g expected; want %d, %d, %d, %d, %g",
					tt.name, len(rows), len(ids), cases, events, expected, tt.rows, tt.rows, tt.cases, tt.events, tt.expected)
			}
			byLine := map[int]outcome.Row{}
			for _, r := range rows {
				byLine[r.Line] = r
			}
			for _, want := range tt.spot {
				checkRow(t, byLine[want.Line], want)
			}
		})
	}
}

// TestExpectedAs loads one small file whose expected column is written as a
// count, a percent and a proportion of cases: each must give the same
// expected deaths.
func TestExpectedAs(t *testing.T) {
	const mapping = `expected_as = "%s"
[columns]
unit_id = "unit"
unit_name = "unit"
cases = "n"
events = "d"
expected = "e"
[fixed]
specialty = "colorectal"
procedure = "bowel-cancer"
period = "2023"
unit_type = "surgeon"
`
	tests := []struct {
		name     string
		as       string
		values   [2]string
		wantRate [2]float64 // expected per 100 cases; 0: none kept
	}{
		{"count", "count", [2]string{"3", "1"}, [2]float64{0, 0}},
		{"percent", "percent", [2]string{"1.5", "2"}, [2]float64{1.5, 2}},
		{"proportion", "proportion", [2]string{"0.015", "0.02"}, [2]float64{1.5, 2}},
		{"default is count", "", [2]string{"3", "1"}, [2]float64{0, 0}},
	}
	wantExpected := [2]float64{3, 1} // 200 × 1.5% and 50 × 2%
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(mapping, `"%s"`, `"`+tt.as+`"`, 1)
			if tt.as == "" {
				text = strings.Replace(mapping, "expected_as = \"%s\"\n", "", 1)
			}
			m := parseMapping(t, tt.name+".toml", text)
			path := filepath.Join(t.TempDir(), "units.csv")
			csv := "unit,n,d,e\nS1,200,4," + tt.values[0] + "\nS2,50,0," + tt.values[1] + "\n"
			if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
				t.Fatal(err)
			}
			db := realDB(t)
			res := loadWith(t, db, m, path)
			rows, err := db.Rows(context.Background(), res.Release.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 {
				t.Fatalf("Rows = %d, want 2", len(rows))
			}
			for i, r := range rows {
				if !r.Expected.Valid || math.Abs(r.Expected.V-wantExpected[i]) > 1e-12 {
					t.Errorf("expected_as %s %s: Expected = %+v, want %g", tt.as, tt.values[i], r.Expected, wantExpected[i])
				}
				gotRate := r.ExpectedRate.V
				if r.ExpectedRate.Valid != (tt.wantRate[i] > 0) || math.Abs(gotRate-tt.wantRate[i]) > 1e-12 {
					t.Errorf("expected_as %s %s: ExpectedRate = %+v, want %g", tt.as, tt.values[i], r.ExpectedRate, tt.wantRate[i])
				}
			}
		})
	}
}

// TestMethodLevels checks the [method] levels: whole or decimal percents,
// each at its default when left out (95, and the flag rule at the
// interval's level), and recorded in the release ingest makes.
func TestMethodLevels(t *testing.T) {
	const base = `[columns]
unit_id = "Hospital"
unit_name = "Hospital"
cases = "Cases"
events = "Deaths"
[fixed]
specialty = "adult-cardiac"
period = "2019"
unit_type = "hospital"
`
	for _, tt := range []struct {
		method         string
		interval, flag float64
	}{
		{"", 95, 95},
		{"[method]\ninterval_level = 98\n", 98, 98},
		{"[method]\nflag_level = 99.8\n", 95, 99.8},
		{"[method]\ninterval_level = 97.5\nflag_level = 90\n", 97.5, 90},
	} {
		m, err := ingest.ParseMapping("m.toml", []byte(base+tt.method))
		if err != nil {
			t.Fatalf("ParseMapping(%q) = %v", tt.method, err)
		}
		s := m.Method.Settings()
		if interval, flag := m.Method.Levels(); interval != tt.interval || flag != tt.flag ||
			*s.IntervalLevel != tt.interval || *s.FlagLevel != tt.flag {
			t.Errorf("%q: levels %g, %g (settings %g, %g), want %g, %g", tt.method, interval, flag,
				*s.IntervalLevel, *s.FlagLevel, tt.interval, tt.flag)
		}
		db := openTempStore(t)
		res, err := ingest.Load(context.Background(), db, memFiles("Hospital,Cases,Deaths\nA,100,3\nB,200,9\n"),
			ingest.Options{Mapping: m})
		if err != nil {
			t.Fatalf("Load(%q) = %v", tt.method, err)
		}
		rel, err := db.Release(context.Background(), res.Release.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rel.IntervalLevel != tt.interval || rel.FlagLevel != tt.flag {
			t.Errorf("%q: release records levels %g and %g, want %g and %g", tt.method, rel.IntervalLevel,
				rel.FlagLevel, tt.interval, tt.flag)
		}
	}
}

func TestParseMappingErrors(t *testing.T) {
	// valid is a complete mapping; each case breaks it in one way.
	const valid = `[columns]
unit_id = "Hospital"
unit_name = "Hospital"
cases = "Cases"
events = "Deaths"
[fixed]
specialty = "adult-cardiac"
period = "2019"
unit_type = "hospital"
`
	if _, err := ingest.ParseMapping("valid.toml", []byte(valid)); err != nil {
		t.Fatalf("ParseMapping(valid) = %v, want nil error", err)
	}
	tests := []struct {
		name string
		text string
		want []string // each must appear in the error
	}{
		{
			name: "zero_pad width out of range",
			text: "zero_pad = { unit_id = 0 }\n" + valid,
			want: []string{"zero_pad.unit_id", "width 0"},
		},
		{
			name: "zero_pad unknown field",
			text: "zero_pad = { facility = 4 }\n" + valid,
			want: []string{"zero_pad", `unknown field "facility"`},
		},
		{
			name: "unknown top-level key",
			text: "expected_ass = \"percent\"\n" + valid,
			want: []string{"unknown keys", "expected_ass"},
		},
		{
			name: "unknown key in a table",
			text: valid + "[method]\nintervall = \"byar\"\n",
			want: []string{"unknown keys", "method.intervall"},
		},
		{
			name: "unknown field name",
			text: strings.Replace(valid, "[columns]\n", "[columns]\nsurgeon = \"Surgeon\"\n", 1),
			want: []string{"columns", `unknown field "surgeon"`},
		},
		{
			name: "unknown field in fixed",
			text: strings.Replace(valid, "[fixed]\n", "[fixed]\nspeciality = \"vascular\"\n", 1),
			want: []string{"fixed", `unknown field "speciality"`},
		},
		{
			name: "bad expected_as",
			text: "expected_as = \"per-mille\"\n" + valid,
			want: []string{`expected_as "per-mille"`, "count, percent or proportion"},
		},
		{
			name: "missing required field",
			text: strings.Replace(valid, "events = \"Deaths\"\n", "", 1),
			want: []string{"field events is required"},
		},
		{
			name: "national cases without events",
			text: valid + "[national]\ncases = \"State cases\"\n",
			want: []string{"national", "cases and events together"},
		},
		{
			name: "national column without values",
			text: valid + "[national]\ncolumn = \"Hospital\"\n",
			want: []string{"national", "column and values together"},
		},
		{
			name: "national target without national figures",
			text: valid + "[method]\ntarget = \"national\"\n",
			want: []string{"method.target is national", "[national]"},
		},
		{
			name: "bad interval method",
			text: valid + "[method]\ninterval = \"wald\"\n",
			want: []string{`method.interval "wald"`, "exact, byar or mixed"},
		},
		{
			name: "interval level written as a proportion",
			text: valid + "[method]\ninterval_level = 0.98\n",
			want: []string{"method.interval_level: 0.98 is not a level in percent above 50 and below 100 (write 98 for 98%)"},
		},
		{
			name: "interval level zero",
			text: valid + "[method]\ninterval_level = 0\n",
			want: []string{"method.interval_level: 0 is not a level in percent"},
		},
		{
			name: "flag level of 100",
			text: valid + "[method]\nflag_level = 100\n",
			want: []string{"method.flag_level: 100 is not a level in percent above 50 and below 100"},
		},
		{
			name: "level with too many decimals",
			text: valid + "[method]\ninterval_level = 97.50001\n",
			want: []string{"method.interval_level: 97.50001 has more than 3 decimals"},
		},
		{
			name: "level as text",
			text: valid + "[method]\ninterval_level = \"98%\"\n",
			want: []string{"method.interval_level", "string"},
		},
		{
			name: "not TOML",
			text: "[columns\n" + valid,
			want: []string{"mapping bad.toml"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ingest.ParseMapping("bad.toml", []byte(tt.text))
			if err == nil {
				t.Fatalf("ParseMapping(%s) = %+v, nil; want an error", tt.name, m)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "mapping bad.toml: ") {
				t.Errorf("ParseMapping(%s) = %q, want it to start by naming the mapping", tt.name, msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("ParseMapping(%s) = %q, want it to say %q", tt.name, msg, w)
				}
			}
		})
	}
}
