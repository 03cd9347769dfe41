package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPublishedOnlyCommands loads the rates-only publisher
// (testdata/publishers/rates-only, figures = "published") through the
// command line: the summary and `outcomes releases` count the rows left
// out by reason, as compute.R lists them (skipped.csv), and `outcomes
// funnel` refuses the mapping, as there are no deaths to compute from.
func TestPublishedOnlyCommands(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "publishers", "rates-only")
	mapping, file := filepath.Join(dir, "mapping.toml"), filepath.Join(dir, "hospital-mortality.csv")
	db := filepath.Join(t.TempDir(), "o.db")
	data, err := os.ReadFile(filepath.Join(dir, "skipped.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "\"reason\",\"rows\"\n\"not a surgical measure\",3\n\"no published rating\",1\n"; string(data) != want {
		t.Fatalf("skipped.csv = %q: not the counts this test was written for, %q", data, want)
	}
	code, stdout, stderr := runCmd(t, "ingest", "--db", db, "--release", "rates", "--mapping", mapping, file)
	want := "6 rows loaded, 4 skipped (1 no published rating, 3 not a surgical measure), release rates (utf-8)"
	if code != 0 || !strings.Contains(stdout, want) {
		t.Fatalf("ingest = %d, %q, %q; want %q", code, stdout, stderr, want)
	}
	code, stdout, _ = runCmd(t, "releases", "--db", db)
	if code != 0 || !strings.Contains(stdout, "4 (1 no published rating, 3 not a surgical measure)") {
		t.Errorf("releases = %d\n%s\nwant the skipped rows by reason", code, stdout)
	}
	code, stdout, stderr = runCmd(t, "funnel", "--mapping", mapping, file)
	if code != 2 || stdout != "" || !strings.Contains(stderr, `the rates-only mapping reads the publisher's figures only (figures = "published"): there are no deaths to compute a funnel from`) {
		t.Errorf("funnel = %d, %q, %q; want a usage error saying there is nothing to compute", code, stdout, stderr)
	}
}
