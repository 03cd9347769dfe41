package api_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// riskyHyperlink is a name a spreadsheet would run as a live link.
const riskyHyperlink = `=HYPERLINK("http://x.example","click")`

// riskyCSV holds names a spreadsheet would run as formulas: surgeons'
// names begin with =, + and @, hospitals' with @ and -. (Ids cannot:
// ingest allows only ids beginning with a letter or digit.)
func riskyCSV() string {
	return "specialty,procedure,period,unit_type,unit_id,unit_name,hospital_id,hospital_name,cases,events,expected\n" +
		"vascular,aaa,2024,surgeon,9000001," + `"=HYPERLINK(""http://x.example"",""click"")"` + ",ZZ1,@Northmoor,120,4,3.1\n" +
		"vascular,aaa,2024,surgeon,9000002,+Mr Plus,ZZ1,@Northmoor,90,2,2.4\n" +
		"vascular,aaa,2024,surgeon,9000003,@Ms At,ZZ2,-Southmoor,150,3,4.0\n" +
		"vascular,aaa,2024,surgeon,9000004,Dr Plain,ZZ2,-Southmoor,110,5,3.0\n"
}

// ingestCSV loads a canonical CSV as the given release into a new
// database file with the outcomes command, as an operator would, and
// returns the file's path.
func ingestCSV(t *testing.T, release, data string) string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, release+".csv")
	if err := os.WriteFile(in, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, release+".db")
	if out, err := exec.Command(outcomesBin, "ingest", "--db", db, "--release", release, in).CombinedOutput(); err != nil {
		t.Fatalf("outcomes ingest: %v\n%s", err, out)
	}
	return db
}

// TestCSVFormulaCells: every CSV the API writes (the .csv twins, ?format=
// csv, Accept: text/csv, the ?bom=1 Excel variant, per specialty and
// across specialties, surgeons and hospitals) writes a text cell beginning
// with =, +, - or @ with a leading apostrophe, so a spreadsheet shows it
// as text; numbers are untouched and the JSON carries the values as they
// are.
func TestCSVFormulaCells(t *testing.T) {
	srv := newServerOn(t, ingestCSV(t, "risky", riskyCSV()), api.Config{})
	wantName := map[string]string{"9000001": "'" + riskyHyperlink, "9000002": "'+Mr Plus", "9000003": "'@Ms At", "9000004": "Dr Plain"}
	wantHospital := map[string]string{"9000001": "'@Northmoor", "9000002": "'@Northmoor", "9000003": "'-Southmoor", "9000004": "'-Southmoor"}
	numeric := []string{"hospital_count", "cases", "events", "expected", "target", "rate", "ratio", "ramr",
		"survival", "ci_low", "ci_high", "lower_95", "upper_95", "p_high", "funnel_x", "funnel_y"}
	for _, tc := range []struct {
		path   string
		header []string
	}{
		{"/api/v1/surgeons.csv", nil},
		{"/api/v1/surgeons.csv?bom=1", nil},
		{"/api/v1/surgeons?format=csv", nil},
		{"/api/v1/surgeons", []string{"Accept", "text/csv"}},
		{"/api/v1/specialties/vascular/surgeons.csv?bom=1", nil},
		{"/api/v1/releases/risky/surgeons.csv?limit=10", nil},
		{"/api/v1/surgeons.csv?q=Northmoor", nil},
	} {
		_, _, body := getCSV(t, srv, tc.path, tc.header...)
		tab := parseCSVBody(t, tc.path, []byte(strings.TrimPrefix(string(body), "\uFEFF")))
		if len(tab.rows) == 0 {
			t.Fatalf("GET %s: no rows", tc.path)
		}
		for _, r := range tab.rows {
			id := tab.cell(r, "unit_id")
			name, ok := wantName[id]
			if !ok {
				t.Errorf("GET %s: unit_id %q, want one of %v", tc.path, id, wantName)
				continue
			}
			if got := tab.cell(r, "unit_name"); got != name {
				t.Errorf("GET %s: unit %s unit_name = %q, want %q", tc.path, id, got, name)
			}
			if got := tab.cell(r, "hospital_name"); got != wantHospital[id] {
				t.Errorf("GET %s: unit %s hospital_name = %q, want %q", tc.path, id, got, wantHospital[id])
			}
			for _, c := range numeric {
				if _, err := strconv.ParseFloat(tab.cell(r, c), 64); err != nil {
					t.Errorf("GET %s: unit %s %s = %q: want a number as it is", tc.path, id, c, tab.cell(r, c))
				}
			}
		}
	}
	tab, _, _ := getCSV(t, srv, "/api/v1/hospitals.csv")
	for _, r := range tab.rows {
		if id, name := tab.cell(r, "unit_id"), tab.cell(r, "unit_name"); (id == "ZZ1") != (name == "'@Northmoor") {
			t.Errorf("hospitals.csv: %s named %q, want ZZ1 as '@Northmoor", id, name)
		}
	}

	env, _ := getEnvelope(t, srv, "/api/v1/surgeons?sort=unit_id")
	names := map[string]any{}
	for _, row := range rowsOf(t, env) {
		names[row["unit_id"].(string)] = row["unit_name"]
	}
	if names["9000001"] != riskyHyperlink || names["9000002"] != "+Mr Plus" || names["9000003"] != "@Ms At" {
		t.Errorf("JSON names = %v: JSON must carry the values as they are", names)
	}
}
