package api_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestMixedEncodingsPublisherServed serves the fixture whose years were
// saved by different programs (testdata/publishers/mixed-encodings: some
// years' records UTF-8, others Windows-1252), loaded by `outcomes ingest`
// as its mapping reads it (each record's encoding decided on its own), and
// through a copy of the mapping forcing encoding = "windows-1252". Every
// surgeon's and hospital's name, and each surgeon's hospital, must be,
// byte for byte, in the JSON and in the CSV export, the one compute.R
// decoded from the same bytes with iconv (per record; all as CP1252 when
// forced), and the figures R's.
func TestMixedEncodingsPublisherServed(t *testing.T) {
	const fixture, file = "mixed-encodings", "cabg-consultant-outcomes-2020-2023.csv"
	mapping := filepath.Join(publishersDir, fixture, "mapping.toml")
	text, err := os.ReadFile(mapping)
	if err != nil {
		t.Fatal(err)
	}
	forced := filepath.Join(t.TempDir(), "forced.toml")
	if err := os.WriteFile(forced, append([]byte("encoding = \"windows-1252\"\n"), text...), 0o600); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{}
	for _, w := range readExpected(t, fixture) {
		want[w["unit_type"]+"|"+w["period"]+"|"+w["unit_id"]] = w
	}

	for _, tc := range []struct {
		name, mapping string
		suffix        string // of expected.csv's name columns
	}{
		{"per record", mapping, ""},
		{"forced windows-1252", forced, "_windows1252"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServerOn(t, loadPublisherWith(t, fixture, tc.mapping, file), api.Config{})
			checkName := func(where, key, field, got string) {
				t.Helper()
				if w := want[key][field+tc.suffix]; got != w {
					t.Errorf("%s %s: %s %q, R decoded %q", where, key, field, got, w)
				}
			}
			jsonRows, csvRows := 0, 0
			for _, units := range []string{"surgeons", "hospitals"} {
				path := "/api/v1/" + units + "?limit=1000"
				env, _ := getEnvelope(t, srv, path)
				for _, r := range rowsOf(t, env) {
					key := r["unit_type"].(string) + "|" + r["period"].(string) + "|" + r["unit_id"].(string)
					w, ok := want[key]
					if !ok {
						t.Errorf("GET %s: unit %s is not in expected.csv", path, key)
						continue
					}
					jsonRows++
					checkName(path, key, "unit_name", r["unit_name"].(string))
					if units == "surgeons" {
						checkName(path, key, "hospital_name", r["hospital_name"].(string))
					}
					checkFigure(t, key, "cases", r["cases"], w["cases"])
					checkFigure(t, key, "events", r["events"], w["observed"])
					for field, col := range map[string]string{"expected": "expected", "target": "target",
						"ratio": "ratio", "ramr": "ramr", "ci_low": "ci_low", "ci_high": "ci_high",
						"lower_95": "lower95", "upper_95": "upper95", "lower_998": "lower998", "upper_998": "upper998"} {
						checkFigure(t, key, field, r[field], w[col])
					}
					if r["band"] != w["band"] {
						t.Errorf("GET %s: %s band %v, R %s", path, key, r["band"], w["band"])
					}
				}

				path = "/api/v1/" + units + ".csv?limit=1000"
				tab, _, _ := getCSV(t, srv, path)
				for _, r := range tab.rows {
					key := tab.cell(r, "unit_type") + "|" + tab.cell(r, "period") + "|" + tab.cell(r, "unit_id")
					if _, ok := want[key]; !ok {
						t.Errorf("GET %s: unit %s is not in expected.csv", path, key)
						continue
					}
					csvRows++
					checkName(path, key, "unit_name", tab.cell(r, "unit_name"))
					if units == "surgeons" {
						checkName(path, key, "hospital_name", tab.cell(r, "hospital_name"))
					}
				}
			}
			if jsonRows != len(want) || csvRows != len(want) {
				t.Errorf("%d units in the JSON and %d in the CSV, expected.csv has %d", jsonRows, csvRows, len(want))
			}
		})
	}
}
