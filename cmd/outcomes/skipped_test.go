package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/store"
)

// skipsMapping reads a file with a statewide row and rows of hospitals
// too small to report, which a publisher leaves blank, "NA" or 0.
const skipsMapping = `name = "skips"

[columns]
unit_id = "id"
unit_name = "name"
cases = "n"
events = "d"

[fixed]
specialty = "vascular"
unit_type = "hospital"
period = "2024"

[national]
column = "id"
values = ["ALL"]

[skip]
missing = ["cases"]
zero = ["cases"]

[method]
interval = "exact"
comparison = "funnel"
target = "national"
`

// skipsCSV has 6 data rows: the national row (line 2), two units (lines
// 3-4) and three skipped for want of cases (lines 5-7).
const skipsCSV = `id,name,n,d
ALL,All hospitals,1000,20
H1,Hospital One,100,2
H2,Hospital Two,80,1
H3,Hospital Three,,
H4,Hospital Four,NA,NA
H5,Hospital Five,0,0
`

// TestSkippedByReason checks that the rows an ingest leaves out are
// counted by reason in its summary line and, read back from the database
// later, in `outcomes releases`, with the same words.
func TestSkippedByReason(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	mapping := writeFile(t, dir, "skips.toml", skipsMapping)
	data := writeFile(t, dir, "skips.csv", skipsCSV)
	code, stdout, stderr := runCmd(t, "ingest", "--db", db, "--mapping", mapping, "--release", "s1", data)
	if code != 0 {
		t.Fatalf("ingest: exit status %d, stderr %q", code, stderr)
	}
	const reasons = "4 skipped (1 national, 2 no cases, 1 zero cases)"
	if want := "skips.csv: 2 rows loaded, " + reasons + ", release s1 (utf-8)"; !strings.Contains(stdout, want) {
		t.Errorf("ingest stdout = %q, want %q", stdout, want)
	}
	good := writeFile(t, dir, "good.csv", goodCSV)
	if code, _, stderr := runCmd(t, "ingest", "--db", db, "--release", "g1", good); code != 0 {
		t.Fatalf("ingest good.csv: exit status %d, stderr %q", code, stderr)
	}

	code, stdout, stderr = runCmd(t, "releases", "--db", db)
	if code != 0 {
		t.Fatalf("releases: exit status %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "SKIPPED") {
		t.Fatalf("releases = %q, want a header and two releases", stdout)
	}
	// The columns are aligned with at least two spaces between them: ID,
	// INGESTED, PROFILE, ROWS, SKIPPED, ...
	cells := map[string][]string{}
	for _, l := range lines[1:] {
		c := regexp.MustCompile(`\s{2,}`).Split(l, -1)
		cells[c[0]] = c
	}
	if c := cells["s1"]; len(c) < 5 || c[3] != "2" || c[4] != "4 (1 national, 2 no cases, 1 zero cases)" {
		t.Errorf("releases cells of s1 = %q, want 2 rows and 4 skipped (1 national, 2 no cases, 1 zero cases)", c)
	}
	if c := cells["g1"]; len(c) < 5 || c[3] != "2" || c[4] != "0" {
		t.Errorf("releases cells of g1 = %q, want 2 rows and 0 skipped, no reasons", c)
	}
}

// TestSkippedSummary checks the SKIPPED cell of `outcomes releases`,
// including a release loaded before reasons were stored, which must not
// read as if it had none.
func TestSkippedSummary(t *testing.T) {
	tests := []struct {
		name string
		rel  store.Release
		want string
	}{
		{"none", store.Release{}, "0"},
		{"one file", store.Release{Skipped: 3, Skips: []store.Skip{{File: 1, Reason: "national", Rows: 3}}}, "3 (3 national)"},
		{"summed over files", store.Release{Skipped: 6, Skips: []store.Skip{{File: 1, Reason: "no cases", Rows: 2},
			{File: 1, Reason: "national", Rows: 1}, {File: 2, Reason: "national", Rows: 3}}}, "6 (4 national, 2 no cases)"},
		{"before reasons were stored", store.Release{Skipped: 7}, "7 (reasons not recorded)"},
	}
	for _, tt := range tests {
		if got := skippedSummary(tt.rel); got != tt.want {
			t.Errorf("%s: skippedSummary = %q, want %q", tt.name, got, tt.want)
		}
	}
}
