package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestFunnelSecondFigures checks the columns after the contract's 22
// against R, end to end through `outcomes funnel --format json`:
//
//   - the shrunk ratios, intervals and reliabilities, and the group's α and
//     rankability, of LearnBayes' 94 heart-transplant hospitals, against
//     stats/testdata/shrink_reference.csv (R's optim and MASS, the
//     expected counts as that file gives them);
//   - the power at true ratios 2 and 1.5 and the ratio seen four times in
//     five of hospitals of E = 2, 5 and 20, against
//     stats/testdata/qvalue_power_reference.csv (R's ppois and qgamma);
//   - q_value, the Benjamini–Hochberg q of p_high over the group, against
//     R's p.adjust's rule applied here by hand to the printed p_high.
//
// Tolerances: 1e-6 relative for the shrinkage (the R fit's own
// agreement between optim and the score's root), 1e-9 for the power.
func TestFunnelSecondFigures(t *testing.T) {
	shrink := readReference(t, "shrink_reference.csv")
	power := readReference(t, "qvalue_power_reference.csv")

	var b strings.Builder
	b.WriteString("specialty,period,unit_type,unit_id,unit_name,cases,events,expected\n")
	want := map[string]map[string]float64{}
	var alpha, rankability float64
	for _, r := range shrink {
		if r["dataset"] != "hearttransplants" {
			continue
		}
		if r["block"] == "group" {
			alpha, rankability = number(t, r["alpha"]), number(t, r["rankability"])
			continue
		}
		id := fmt.Sprintf("H%03s", r["unit"])
		fmt.Fprintf(&b, "adult-cardiac,2024,hospital,%s,Hospital %s,5000,%s,%s\n", id, r["unit"], r["o"], r["e"])
		want[id] = map[string]float64{"shrunk_ratio": number(t, r["shrunk"]), "shrunk_low": number(t, r["low"]),
			"shrunk_high": number(t, r["high"]), "reliability": number(t, r["reliability"])}
	}
	if len(want) != 94 {
		t.Fatalf("%d heart-transplant hospitals in the reference, want 94", len(want))
	}
	for _, r := range power {
		e := r["E"]
		if (e != "2" && e != "5" && e != "20") || !strings.HasPrefix(r["block"], "pois_") || r["block"] == "pois_flag" {
			continue
		}
		id := "E" + e
		if want[id] == nil {
			want[id] = map[string]float64{}
			fmt.Fprintf(&b, "adult-cardiac,2023,hospital,%s,Hospital of E %s,1000,0,%s\n", id, e, e)
		}
		switch {
		case r["block"] == "pois_detect80":
			want[id]["detectable_ratio_80"] = number(t, r["value"])
		case r["ratio"] == "2":
			want[id]["power_2x"] = number(t, r["value"])
		case r["ratio"] == "1.5":
			want[id]["power_1_5x"] = number(t, r["value"])
		}
	}
	path := writeFile(t, t.TempDir(), "second.csv", b.String())
	code, stdout, stderr := runCmd(t, "funnel", "--format", "json", path)
	if code != 0 {
		t.Fatalf("funnel: exit status %d: %s", code, stderr)
	}
	var got struct {
		Groups []struct {
			Period      string
			Alpha       float64
			Rankability float64
			ShrinkFit   string `json:"shrink_fit"`
			Units       []map[string]any
		}
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, g := range got.Groups {
		if g.Period == "2024" {
			if g.ShrinkFit != "interior" || !near(g.Alpha, alpha, 1e-6) || !near(g.Rankability, rankability, 1e-6) {
				t.Errorf("group: fit %s, α %v, rankability %v; want interior, %v, %v (R)", g.ShrinkFit, g.Alpha, g.Rankability, alpha, rankability)
			}
			checkQValues(t, g.Units)
		}
		for _, u := range g.Units {
			id := u["unit_id"].(string)
			for name, w := range want[id] {
				x, ok := u[name].(float64)
				tol := 1e-6
				if strings.Contains(name, "power") || strings.Contains(name, "detectable") {
					tol = 1e-9
				}
				if !ok || !near(x, w, tol) {
					t.Errorf("%s %s = %v, want %v (R)", id, name, u[name], w)
				}
				seen++
			}
		}
	}
	if seen != 94*4+3*3 {
		t.Errorf("compared %d figures, want %d", seen, 94*4+3*3)
	}
}

// checkQValues holds the printed q_value of each unit to the
// Benjamini–Hochberg rule over the printed p_high: q_(i) = min over
// j ≥ i of m·p_(j)/j, capped at 1, with p sorted ascending.
func checkQValues(t *testing.T, units []map[string]any) {
	t.Helper()
	m := float64(len(units))
	for _, u := range units {
		p := u["p_high"].(float64)
		want := 1.0
		for _, v := range units {
			pj := v["p_high"].(float64)
			if pj < p {
				continue
			}
			rank := 0 // the largest rank among ties: R's order is stable, min over j ≥ i covers them
			for _, w := range units {
				if w["p_high"].(float64) <= pj {
					rank++
				}
			}
			want = math.Min(want, m*pj/float64(rank))
		}
		if q := u["q_value"].(float64); !near(q, want, 1e-12) {
			t.Errorf("%s: q_value %v, want %v (BH over p_high)", u["unit_id"], q, want)
		}
	}
}

// readReference reads one of stats' R reference files, its comment lines
// skipped, as maps from column to cell.
func readReference(t *testing.T, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "stats", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	records, err := r.ReadAll()
	if err != nil || len(records) < 2 {
		t.Fatalf("%s: %d records, %v", name, len(records), err)
	}
	var out []map[string]string
	for _, rec := range records[1:] {
		m := map[string]string{}
		for i, col := range records[0] {
			m[col] = rec[i]
		}
		out = append(out, m)
	}
	return out
}

func number(t *testing.T, s string) float64 {
	t.Helper()
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("reference value %q: %v", s, err)
	}
	return x
}

// near reports whether x is within tol of want, relatively (absolutely
// near zero).
func near(x, want, tol float64) bool {
	return math.Abs(x-want) <= tol*math.Max(1, math.Abs(want))
}
