package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFunnelCSVSafe: `outcomes funnel` writes a text cell a spreadsheet
// would run (here periods beginning with =, +, - and @; ingest lets no id
// begin so) with a
// leading apostrophe, leaves every number as it was (a negative lower
// limit is impossible, so the check is that numeric cells parse), writes
// the cells verbatim with --csv-safe=false, and never changes the JSON.
func TestFunnelCSVSafe(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "risky.csv")
	input := "specialty,period,unit_type,unit_id,unit_name,cases,events,expected\n" +
		"vascular,\"=HYPERLINK(\"\"http://x.ex\"\",\"\"c\"\")\",surgeon,9000001,A,100,3,2.5\n" +
		"vascular,\"=HYPERLINK(\"\"http://x.ex\"\",\"\"c\"\")\",surgeon,9000002,B,120,2,3.1\n" +
		"vascular,-2024,surgeon,9000003,C,90,4,2.2\n" +
		"vascular,+2024,surgeon,9000004,D,80,1,2.0\n" +
		"vascular,@2024,surgeon,9000005,E,110,3,2.9\n"
	if err := os.WriteFile(path, []byte(input), 0o600); err != nil {
		t.Fatal(err)
	}
	read := func(args ...string) map[string][]string {
		t.Helper()
		code, stdout, stderr := runCmd(t, append([]string{"funnel"}, append(args, path)...)...)
		if code != 0 {
			t.Fatalf("funnel %v: exit status %d: %s", args, code, stderr)
		}
		recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
		if err != nil {
			t.Fatalf("funnel %v: output is not CSV: %v\n%s", args, err, stdout)
		}
		byID := map[string][]string{}
		for _, r := range recs[1:] {
			byID[r[0]] = r
		}
		return byID
	}
	col := func(name string) int {
		for i, c := range funnelColumns {
			if c == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	safe := read()
	for id, period := range map[string]string{
		"9000001": `'=HYPERLINK("http://x.ex","c")`,
		"9000002": `'=HYPERLINK("http://x.ex","c")`,
		"9000003": "'-2024",
		"9000004": "'+2024",
		"9000005": "'@2024",
	} {
		r, ok := safe[id]
		if !ok {
			t.Errorf("safe CSV: no row with unit_id %q (ids: %v)", id, keys(safe))
			continue
		}
		if r[col("period")] != period {
			t.Errorf("safe CSV: unit %s period = %q, want %q", id, r[col("period")], period)
		}
		for _, c := range []string{"cases", "observed", "expected", "target", "y", "lower95", "upper95", "p_high", "survival"} {
			if v := r[col(c)]; v == "" || strings.HasPrefix(v, "'") {
				t.Errorf("safe CSV: unit %s %s = %q: a number must be written as a number", id, c, v)
			}
		}
	}
	verbatim := read("--csv-safe=false")
	if r, ok := verbatim["9000001"]; !ok || r[col("period")] != `=HYPERLINK("http://x.ex","c")` {
		t.Errorf("--csv-safe=false: row 9000001 = %q, want the period verbatim", r)
	}

	code, stdout, stderr := runCmd(t, "funnel", "--format", "json", path)
	if code != 0 {
		t.Fatalf("funnel --format json: exit status %d: %s", code, stderr)
	}
	var got struct {
		Groups []struct {
			Period string
		}
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	periods := map[string]bool{}
	for _, g := range got.Groups {
		periods[g.Period] = true
	}
	if !periods["-2024"] || !periods["@2024"] || len(periods) != 4 {
		t.Errorf("JSON periods %v: want the four periods verbatim", periods)
	}
}

func keys(m map[string][]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
