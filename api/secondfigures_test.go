package api_test

import (
	"encoding/json"
	"math"
	"net/http"
	"os/exec"
	"strconv"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// secondFigureKeys are the unit rows' second figures (issue 17), named
// as `outcomes funnel` prints them.
var secondFigureKeys = []string{"shrunk_ratio", "shrunk_low", "shrunk_high", "reliability", "q_value",
	"power_2x", "power_1_5x", "detectable_ratio_80"}

// TestSecondFiguresMatchFunnelCommand checks that the API serves, for
// every surgeon and hospital of the demo's vascular file, in CSV and JSON
// alike, the eight second figures `outcomes funnel --format json` prints
// for that file, and for every funnel its fit, α and rankability, to the
// last bit: both come from stats.Funnel, one at ingest and stored (units
// encoding 2), the other computed anew, so any difference is a figure lost
// or mangled on the way (storage, catalog, the API's rows).
func TestSecondFiguresMatchFunnelCommand(t *testing.T) {
	out, err := exec.Command(outcomesBin, "funnel", "--format", "json", "../demo/vascular.csv").Output()
	if err != nil {
		t.Fatalf("outcomes funnel: %v", err)
	}
	var printed struct {
		Groups []map[string]any
	}
	if err := json.Unmarshal(out, &printed); err != nil {
		t.Fatal(err)
	}
	num := func(v any) float64 {
		switch x := v.(type) {
		case float64:
			return x
		case string:
			if x == "" {
				return math.NaN()
			}
			f, err := strconv.ParseFloat(x, 64)
			if err != nil {
				t.Fatalf("cell %q: %v", x, err)
			}
			return f
		}
		return math.NaN()
	}
	same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	want := map[string]map[string]any{} // by unit type, procedure, period and unit id; groups without a unit id
	key := func(unitType, procedure, period, unit any) string {
		return strconv.Quote(unitType.(string) + "|" + procedure.(string) + "|" + period.(string) + "|" + unit.(string))
	}
	for _, g := range printed.Groups {
		want[key(g["unit_type"], g["procedure"], g["period"], "")] = g
		for _, u := range g["units"].([]any) {
			u := u.(map[string]any)
			want[key(g["unit_type"], g["procedure"], g["period"], u["unit_id"])] = u
		}
	}
	srv := newServer(t, api.Config{})
	compared, defined := 0, 0
	for _, unitType := range []string{"surgeons", "hospitals"} {
		tab, _, _ := getCSV(t, srv, "/api/v1/specialties/vascular/"+unitType+".csv")
		for _, row := range tab.rows {
			w := want[key(tab.cell(row, "unit_type"), tab.cell(row, "procedure"), tab.cell(row, "period"), tab.cell(row, "unit_id"))]
			if w == nil {
				t.Fatalf("%s row %v: no unit printed by outcomes funnel", unitType, row[:6])
			}
			for _, name := range secondFigureKeys {
				got, printed := num(tab.cell(row, name)), num(w[name])
				if !same(got, printed) {
					t.Errorf("%s %s %s: %s = %v in the API's CSV, %v printed", unitType, tab.cell(row, "unit_id"),
						tab.cell(row, "period"), name, got, printed)
				}
				if !math.IsNaN(got) {
					defined++
				}
				compared++
			}
		}
	}
	if compared < 8*100 || defined < compared*3/4 {
		t.Errorf("compared %d figures, %d defined; want every unit's, most defined", compared, defined)
	}

	// The JSON rows of one funnel, and every funnel's fit.
	env, resp := getEnvelope(t, srv, "/api/v1/specialties/vascular/surgeons?procedure=aaa&period=2022-04/2025-03&limit=200")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("surgeons JSON = %d", resp.StatusCode)
	}
	rows := rowsOf(t, env)
	for _, r := range rows {
		w := want[key(r["unit_type"], r["procedure"], r["period"], r["unit_id"])]
		for _, name := range secondFigureKeys {
			if !same(num(r[name]), num(w[name])) {
				t.Errorf("surgeon %s: %s = %v in the API's JSON, %v printed", r["unit_id"], name, r[name], w[name])
			}
		}
	}
	if len(rows) < 50 {
		t.Errorf("%d JSON rows, want the funnel's every surgeon", len(rows))
	}
	_, body := get(t, srv, http.MethodGet, "/api/v1/specialties/vascular")
	var spec struct {
		Data struct{ Funnels []map[string]any }
	}
	if err := json.Unmarshal(body, &spec); err != nil {
		t.Fatal(err)
	}
	fits := map[string]int{}
	for _, f := range spec.Data.Funnels {
		w := want[key(f["unit_type"], f["procedure"], f["period"], "")]
		if w == nil {
			t.Fatalf("funnel %v %v %v not printed", f["unit_type"], f["procedure"], f["period"])
		}
		if f["shrink_fit"] != w["shrink_fit"] || !same(num(f["alpha"]), num(w["alpha"])) ||
			!same(num(f["rankability"]), num(w["rankability"])) {
			t.Errorf("funnel %v %v %v: fit %v α %v rankability %v, printed %v %v %v", f["unit_type"], f["procedure"],
				f["period"], f["shrink_fit"], f["alpha"], f["rankability"], w["shrink_fit"], w["alpha"], w["rankability"])
		}
		grade := map[bool]string{true: "poor", false: "moderate or good"}[num(f["rankability"]) < 0.5]
		if g, _ := f["rankability_grade"].(string); (grade == "poor") != (g == "poor") || g == "" {
			t.Errorf("funnel %v %v %v: rankability %v graded %q, want %s", f["unit_type"], f["procedure"], f["period"],
				f["rankability"], g, grade)
		}
		fits[f["shrink_fit"].(string)]++
	}
	if len(spec.Data.Funnels) != 12 || fits["interior"] == 0 {
		t.Errorf("%d funnels with fits %v; want 12, some interior", len(spec.Data.Funnels), fits)
	}
}
