package main

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"testing"

	"github.com/surgeon-outcomes/outcomes/store"
)

// TestIngestStoresSecondFigures ingests a demo file and checks that the
// release stores, for every unit of every funnel, the eight second
// figures `outcomes funnel --format json` prints for the same file, and
// each group's fit, α and rankability, exactly (both come from
// stats.Funnel; null is NaN): what a server reads is what was computed,
// through units encoding 2 and result_group's fit columns.
func TestIngestStoresSecondFigures(t *testing.T) {
	file := filepath.Join("..", "..", "demo", "adult-cardiac.csv")
	db := filepath.Join(t.TempDir(), "o.db")
	if code, _, stderr := runCmd(t, "ingest", "--db", db, "--release", "ac", file); code != 0 {
		t.Fatalf("ingest: exit status %d: %s", code, stderr)
	}
	code, stdout, stderr := runCmd(t, "funnel", "--format", "json", file)
	if code != 0 {
		t.Fatalf("funnel: exit status %d: %s", code, stderr)
	}
	var printed struct {
		Groups []map[string]any
	}
	if err := json.Unmarshal([]byte(stdout), &printed); err != nil {
		t.Fatal(err)
	}
	num := func(v any) float64 {
		if x, ok := v.(float64); ok {
			return x
		}
		return math.NaN()
	}
	type key struct{ procedure, period, unitType, unit string }
	want := map[key]map[string]any{}
	for _, g := range printed.Groups {
		k := key{g["procedure"].(string), g["period"].(string), g["unit_type"].(string), ""}
		want[k] = g
		for _, u := range g["units"].([]any) {
			u := u.(map[string]any)
			k.unit = u["unit_id"].(string)
			want[k] = u
		}
	}
	s, err := store.Open(context.Background(), db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	results, err := s.Results(context.Background(), "ac")
	if err != nil {
		t.Fatal(err)
	}
	same := func(got, want float64) bool { return got == want || math.IsNaN(got) && math.IsNaN(want) }
	units, defined := 0, 0
	for _, g := range results {
		k := key{g.Procedure, g.Period, string(g.UnitType), ""}
		w, ok := want[k]
		if !ok {
			t.Fatalf("stored funnel %v not printed", k)
		}
		if string(g.ShrinkFit) != w["shrink_fit"] || !same(g.Alpha, num(w["alpha"])) && !math.IsInf(g.Alpha, 1) ||
			!same(g.Rankability, num(w["rankability"])) {
			t.Errorf("%v stored fit %s, α %v, rankability %v; printed %v, %v, %v", k, g.ShrinkFit, g.Alpha,
				g.Rankability, w["shrink_fit"], w["alpha"], w["rankability"])
		}
		for _, u := range g.Units {
			k.unit = u.UnitID
			w := want[k]
			units++
			for name, got := range map[string]float64{"shrunk_ratio": u.ShrunkRatio, "shrunk_low": u.ShrunkLow,
				"shrunk_high": u.ShrunkHigh, "reliability": u.Reliability, "q_value": u.QHigh, "power_2x": u.Power2x,
				"power_1_5x": u.Power1_5x, "detectable_ratio_80": u.DetectableRatio80} {
				if !same(got, num(w[name])) {
					t.Errorf("%v %s stored %v, printed %v", k, name, got, w[name])
				}
				if !math.IsNaN(got) {
					defined++
				}
			}
			if math.IsNaN(u.QLow) != math.IsNaN(u.PLow) {
				t.Errorf("%v q_low %v beside p_low %v", k, u.QLow, u.PLow)
			}
		}
	}
	if units == 0 || defined < units*7 {
		t.Errorf("compared %d units, %d figures defined; want every unit with most figures", units, defined)
	}
}
