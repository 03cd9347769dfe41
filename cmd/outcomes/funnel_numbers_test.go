package main

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
)

// percentCSV gives expected deaths as a rate per 100 cases, as New York
// and California do; surgeon S1 operates at two hospitals.
const percentCSV = `specialty,period,unit_type,unit_id,unit_name,hospital_id,hospital_name,cases,events,expected_rate
vascular,2024,surgeon,S1,Ms A,H1,Hospital One,366,5,1.2
vascular,2024,surgeon,S1,Ms A,H2,Hospital Two,100,1,0.962
vascular,2024,surgeon,S2,Mr B,H1,Hospital One,355,4,1.47
vascular,2024,surgeon,S3,Dr C,H2,Hospital Two,868,12,1.59
`

// TestFunnelPrintsPublishersDecimals checks `outcomes funnel` prints a
// unit's expected deaths as the decimal the publisher's figures make, in
// the CSV and the JSON alike, where float64 arithmetic printed noise
// (before: S1 5.353999999999999, S2 5.218500000000001, S3
// 13.801200000000001, H2 14.763200000000001). The figures are from
// Python's decimal module: Decimal(366)*Decimal("1.2")/100 +
// Decimal(100)*Decimal("0.962")/100 = 5.354, and so on.
func TestFunnelPrintsPublishersDecimals(t *testing.T) {
	file := writeFile(t, t.TempDir(), "percent.csv", percentCSV)
	want := map[string]string{"surgeon S1": "5.354", "surgeon S2": "5.2185", "surgeon S3": "13.8012",
		"hospital H1": "9.6105", "hospital H2": "14.7632"}

	code, stdout, stderr := runCmd(t, "funnel", file)
	if code != 0 {
		t.Fatalf("funnel: exit status %d, stderr %q", code, stderr)
	}
	records, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range records[0] {
		col[name] = i
	}
	got := map[string]string{}
	for _, r := range records[1:] {
		got[r[col["unit_type"]]+" "+r[col["unit_id"]]] = r[col["expected"]]
	}
	if len(got) != len(want) {
		t.Errorf("funnel CSV units = %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("funnel CSV: %s expected = %q, want %q", k, got[k], w)
		}
	}

	code, stdout, stderr = runCmd(t, "funnel", "--format", "json", file)
	if code != 0 {
		t.Fatalf("funnel --format json: exit status %d, stderr %q", code, stderr)
	}
	var doc struct {
		Groups []struct {
			Units []struct {
				UnitID   string      `json:"unit_id"`
				UnitType string      `json:"unit_type"`
				Expected json.Number `json:"expected"`
			} `json:"units"`
		} `json:"groups"`
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.UseNumber() // the number as printed, not re-formatted
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range doc.Groups {
		for _, u := range g.Units {
			n++
			if k := u.UnitType + " " + u.UnitID; string(u.Expected) != want[k] {
				t.Errorf("funnel JSON: %s expected = %s, want %s", k, u.Expected, want[k])
			}
		}
	}
	if n != len(want) {
		t.Errorf("funnel JSON: %d units, want %d", n, len(want))
	}
}
