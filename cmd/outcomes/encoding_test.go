package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestIngestSummarySaysMixedEncoding checks the summary line of a file
// whose records mix UTF-8 and Windows-1252 says how many were
// Windows-1252, and that a mapping forcing UTF-8 refuses it at the byte.
func TestIngestSummarySaysMixedEncoding(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	mixed := writeFile(t, dir, "years.csv", "specialty,period,unit_type,unit_id,unit_name,cases,events\n"+
		"vascular,2023,surgeon,9000001,Dr Zoë Ó Briain,30,1\n"+ // UTF-8
		"vascular,2024,surgeon,9000001,Dr Zo\xeb \xd3 Briain,25,0\n"+ // Windows-1252
		"vascular,2024,surgeon,9000002,Mr Se\xe1n Murph\xff,25,0\n") // Windows-1252
	code, stdout, stderr := runCmd(t, "ingest", "--db", db, "--release", "r1", mixed)
	if code != 0 {
		t.Fatalf("ingest: exit status %d, stderr %q", code, stderr)
	}
	if want := "years.csv: 3 rows loaded, 0 skipped, release r1 (utf-8, 2 records windows-1252)\n"; !strings.Contains(stdout, want) {
		t.Errorf("ingest stdout = %q, want %q", stdout, want)
	}

	mapping := writeFile(t, dir, "utf8.toml", `encoding = "utf-8"
[columns]
specialty = "specialty"
period = "period"
unit_type = "unit_type"
unit_id = "unit_id"
unit_name = "unit_name"
cases = "cases"
events = "events"
`)
	code, _, stderr = runCmd(t, "ingest", "--db", filepath.Join(dir, "o2.db"), "--mapping", mapping, mixed)
	if code != 1 {
		t.Errorf("ingest --mapping utf8.toml: exit status %d, want 1", code)
	}
	// Characters as Python 3.11 found them: the 1-based byte where
	// b.decode('utf-8') raised UnicodeDecodeError.
	for _, want := range []string{
		mixed + `:3:5: byte 0xEB is not UTF-8 (at character 36); the mapping says encoding = "utf-8"`,
		mixed + `:4:5: byte 0xE1 is not UTF-8 (at character 36)`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("ingest --mapping utf8.toml: stderr %q, want it to contain %q", stderr, want)
		}
	}
}

// TestReleasesSaysEachFilesEncoding checks the ENCODING cell of `outcomes
// releases` names each file when a release's files were read differently,
// and says it once when they were not.
func TestReleasesSaysEachFilesEncoding(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	good := writeFile(t, dir, "good.csv", goodCSV)
	years := writeFile(t, dir, "years.csv", "specialty,period,unit_type,unit_id,unit_name,cases,events\n"+
		"vascular,2023,surgeon,9000001,Dr Zoë Ó Briain,30,1\n"+ // UTF-8
		"vascular,2023,surgeon,9000002,Mr Se\xe1n Murphy,25,0\n") // Windows-1252
	for _, args := range [][]string{{"--release", "two", good, years}, {"--release", "one", good}} {
		if code, _, stderr := runCmd(t, append([]string{"ingest", "--db", db}, args...)...); code != 0 {
			t.Fatalf("ingest %q: exit status %d, stderr %q", args, code, stderr)
		}
	}
	code, stdout, stderr := runCmd(t, "releases", "--db", db)
	if code != 0 {
		t.Fatalf("releases: exit status %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"  good.csv utf-8; years.csv utf-8, 1 record windows-1252  ", "  utf-8  "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("releases = %q, want a cell %q", stdout, want)
		}
	}
}
