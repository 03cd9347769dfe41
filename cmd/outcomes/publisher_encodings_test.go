package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestPublisherMixedEncodings loads, through `outcomes ingest` into a real
// SQLite file, the fixture whose years were saved by different programs
// (testdata/publishers/mixed-encodings: 2020 and 2022 Windows-1252 with
// CRLF, 2021 and 2023 UTF-8 with LF, issue 13), once as its mapping reads
// it, deciding each record's encoding, and once through a copy of the
// mapping that forces windows-1252. Each time it checks the summary line
// and `outcomes releases` say how the file was read, every unit's name is
// the one compute.R decoded from the same bytes with iconv (per record,
// and all as CP1252), and every figure is R's: forcing the encoding
// changes names, never figures.
func TestPublisherMixedEncodings(t *testing.T) {
	dir := filepath.Join(publishersDir, "mixed-encodings")
	file := filepath.Join(dir, "cabg-consultant-outcomes-2020-2023.csv")
	expected := filepath.Join(dir, "expected.csv")
	records := readEncodings(t, filepath.Join(dir, "encodings.csv"))
	// The fixture must mix them, and the forced reading must change some
	// names and keep others, or the test could pass either way.
	if records["utf-8"] == 0 || records["windows-1252"] == 0 || records["ascii"] == 0 {
		t.Fatalf("encodings.csv = %v: the fixture does not mix UTF-8, Windows-1252 and ASCII records", records)
	}
	want := readExpected(t, expected)
	changed, kept := 0, 0
	for _, w := range want {
		if w["unit_name"] == w["unit_name_windows1252"] {
			kept++
		} else {
			changed++
		}
	}
	if changed == 0 || kept == 0 {
		t.Fatalf("expected.csv: %d names change when forced to windows-1252 and %d do not; want some of each", changed, kept)
	}

	mapping, err := os.ReadFile(filepath.Join(dir, "mapping.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?m)^\s*encoding\s*=`).Match(mapping) {
		t.Fatal("the fixture's mapping has an encoding key: it must leave the decision to each record")
	}
	tests := []struct {
		name     string
		mapping  string // prepended to the fixture's mapping
		encoding string // as the summary line and `outcomes releases` say
		nameCol  string // expected.csv's column of the names wanted
	}{
		{"per record", "", "utf-8, " + strconv.Itoa(records["windows-1252"]) + " records windows-1252", "unit_name"},
		{"forced windows-1252", "encoding = \"windows-1252\"\n", "windows-1252", "unit_name_windows1252"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			m := filepath.Join(tmp, "mapping.toml")
			if err := os.WriteFile(m, []byte(tt.mapping+string(mapping)), 0o644); err != nil {
				t.Fatal(err)
			}
			db := filepath.Join(tmp, "o.db")
			code, stdout, stderr := runCmd(t, "ingest", "--db", db, "--mapping", m, "--release", "mixed-encodings", file)
			if code != 0 {
				t.Fatalf("ingest: exit status %d, stderr %q", code, stderr)
			}
			summary := file + ": 28 rows loaded, 0 skipped, release mixed-encodings (" + tt.encoding + ")\n"
			if !strings.HasPrefix(stdout, summary) {
				t.Errorf("ingest stdout = %q, want it to begin %q", stdout, summary)
			}
			if code, stdout, stderr := runCmd(t, "releases", "--db", db); code != 0 || !strings.Contains(stdout, "  "+tt.encoding+"  ") {
				t.Errorf("releases: exit status %d, stdout %q, stderr %q; want the encoding cell %q", code, stdout, stderr, tt.encoding)
			}
			checkUnitsAgainstR(t, db, "mixed-encodings", expected, tt.nameCol)
		})
	}
}

// readEncodings reads a fixture's encodings.csv: how many records R read
// as ascii, utf-8 and windows-1252.
func readEncodings(t *testing.T, path string) map[string]int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		enc, n, _ := strings.Cut(l, ",")
		if out[enc], err = strconv.Atoi(n); err != nil {
			t.Fatalf("%s: %q: %v", path, l, err)
		}
	}
	return out
}
