package site

import (
	"math"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

func TestPeriodWords(t *testing.T) {
	for code, want := range map[string]string{
		"2022-04/2025-03": "April 2022 to March 2025",
		"2024-01":         "January 2024",
		"2021/2023":       "2021 to 2023",
		"2024":            "2024",
		"2023, late":      "2023, late",
		"2022-13/2025-03": "2022-13/2025-03",
		"2022-4/2025-03":  "2022-4/2025-03",
		"":                "",
	} {
		if got := periodWords(code); got != want {
			t.Errorf("periodWords(%q) = %q, want %q", code, got, want)
		}
	}
}

func TestOutcomeWords(t *testing.T) {
	for code, want := range map[string]string{
		"in-hospital mortality": "deaths in hospital after the operation",
		"90-day mortality":      "deaths within 90 days of the operation",
		"x-day mortality":       "x-day mortality",
		"-day mortality":        "-day mortality",
		"readmission":           "readmission",
	} {
		if got := outcomeWords(code); got != want {
			t.Errorf("outcomeWords(%q) = %q, want %q", code, got, want)
		}
	}
}

// TestChanceWords holds "less than 1 in N" to the truth: p < 1/N always,
// and N the largest round figure for which it is.
func TestChanceWords(t *testing.T) {
	for _, tt := range []struct {
		p    float64
		want string
	}{
		{0.00027, "less than 1 in 2,000"},
		{0.0234, "less than 1 in 40"},
		{0.025, "less than 1 in 20"},
		{1e-13, "less than 1 in 1,000,000"},
		{0.0999, "less than 1 in 10"},
		{0.1, ""},
		{0.5, ""},
		{math.NaN(), ""},
	} {
		if got := chanceWords(tt.p); got != tt.want {
			t.Errorf("chanceWords(%g) = %q, want %q", tt.p, got, tt.want)
		}
	}
	for _, n := range chanceLadder {
		p := 1 / float64(n)
		if got := chanceWords(p); strings.HasSuffix(got, " "+thousands(n)) {
			t.Errorf("chanceWords(1/%d) = %q: p is not less than 1 in %d", n, got, n)
		}
	}
}

func TestCountsAndDetectable(t *testing.T) {
	res := stats.Funnel([]stats.Unit{{Cases: 10000, Observed: 300, Expected: 300},
		{Cases: 21, Observed: 2, Expected: 0.29}, {Cases: 21, Observed: 4, Expected: 0.29},
		{Cases: 40, Observed: 1, Expected: 1.2}},
		stats.Options{Target: math.NaN()})
	row := func(i int, cases, events int, e float64) *catalog.Row {
		u := res.Units[i]
		return &catalog.Row{UnitType: outcome.Surgeon, Cases: cases, Events: events, Expected: e, Target: res.Target,
			Band: u.Band, PHigh: u.PHigh, PLow: u.PLow, DetectableRatio: u.DetectableRatio, Power2x: u.Power2x,
			DetectableRatio80: u.DetectableRatio80}
	}
	two := row(1, 21, 2, 0.29)
	if got := counts(two); got != "" {
		t.Errorf("counts of a unit too few to tell = %q, want none (its figures show the counts)", got)
	}
	// E = 0.29: P(X ≥ 2) = 0.035, P(X ≥ 3) = 0.0032, so 3 deaths are the
	// first the 95% test flags; at twice the expected (0.58),
	// P(X ≥ 3) = 0.021, and 4 times in 5 needs qgamma(0.8, 3)/0.29 = 14.8
	// times (R).
	if got, want := detectable(two), "With about 0.3 deaths expected, only 3 deaths or more would have been a signal; there were 2. "+
		"A surgeon whose death rate was twice the expected would be noticed less than 1 time in 20; to be noticed 4 times in 5, it would have to be 14.8 times the expected."; got != want {
		t.Errorf("detectable = %q, want %q", got, want)
	}
	// The example: 40 operations at E = 1.2, flagged from 4 deaths
	// (the line at E = 1.2); at twice the expected, P(X ≥ 4 | 2.4) = 0.221
	// (R: ppois(3, 2.4, lower.tail = FALSE)), about 1 time in 5.
	forty := row(3, 40, 1, 1.2)
	if got, want := detectable(forty), "With 40 operations, a surgeon whose death rate was twice the expected would be noticed only about 1 time in 5; "+
		"to be noticed 4 times in 5, it would have to be 4.6 times the expected."; got != want {
		t.Errorf("detectable(40 operations) = %q, want %q", got, want)
	}
	big := row(0, 10000, 300, 300)
	if got := detectable(big); got != "" {
		t.Errorf("detectable(300 expected deaths) = %q, want nothing: a doubling would be seen", got)
	}
	if two.Band != outcome.TooFew || chance(two) != "" {
		t.Errorf("2 deaths at E 0.29: band %s, chance %q; want too_few and no chance figure", two.Band, chance(two))
	}
	four := row(2, 21, 4, 0.29)
	if four.Band != outcome.HighAlarm || detectable(four) != "" {
		t.Errorf("4 deaths at E 0.29: band %s, detectable %q; want high_alarm, none", four.Band, detectable(four))
	}
	if got, want := counts(four), "Of 21 operations, 4 patients died; about 0.3 deaths would be expected for patients like these."; got != want {
		t.Errorf("counts = %q, want %q", got, want)
	}
	if got, want := chance(four), "Chance alone would give 4 deaths or more less than 1 in 2,000 times."; got != want {
		t.Errorf("chance = %q, want %q", got, want)
	}
	crude := &catalog.Row{Cases: 150, Events: 1, Expected: math.NaN(), Target: 0.02, Band: outcome.Within}
	if got, want := counts(crude), "Of 150 operations, 1 patient died; about 3.0 deaths would be expected at the national rate."; got != want {
		t.Errorf("counts(crude) = %q, want %q", got, want)
	}
}

// TestNoteDispersion: the note names the units still outside the limits
// widened by φ when φ's test is significant, says why φ is missing when it
// is, and says no widening is needed otherwise.
func TestNoteDispersion(t *testing.T) {
	var units []stats.Unit
	for _, o := range []int{10, 30, 18, 22, 5, 40, 20, 20, 12, 28} { // E 20 each: spread beyond Poisson
		units = append(units, stats.Unit{Cases: 500, Observed: o, Expected: 20})
	}
	res := stats.Funnel(units, stats.Options{Target: math.NaN()})
	if !(res.Phi > 1 && res.PhiPValue < 0.05) {
		t.Fatalf("φ = %v, p = %v: want significant overdispersion for this test", res.Phi, res.PhiPValue)
	}
	f := &catalog.Funnel{}
	f.Scale, f.Target, f.Phi, f.PhiPValue, f.Tau2, f.PhiUnits = res.Scale, res.Target, res.Phi, res.PhiPValue, res.Tau2, res.PhiUnits
	var rows []catalog.Row
	var outside int
	for i, u := range res.Units {
		rows = append(rows, catalog.Row{UnitID: string(rune('A' + i)), UnitName: "Unit", Cases: 500,
			Events: units[i].Observed, Expected: 20, Band: u.Band, FunnelY: u.Y, Lower95: u.Lower95,
			Upper95: u.Upper95, Lower998: u.Lower998, Upper998: u.Upper998})
		if u.Band != outcome.Within {
			outside++
		}
	}
	n := noteDispersion(f, rows, "hospitals")
	if !strings.Contains(n.Text, "vary more than chance alone predicts") || outside == 0 {
		t.Fatalf("note %q (%d outside): want the significant case with units outside", n.Text, outside)
	}
	// Independently: a unit stays outside when y is beyond the exact
	// lines widened by √φ around 1 (STATS.md §5.4).
	var still int
	for _, r := range rows {
		if r.Band == outcome.Within {
			continue
		}
		widen := func(v float64) float64 { return 1 + math.Sqrt(res.Phi)*(v-1) }
		if r.FunnelY > widen(r.Upper95) || r.FunnelY < math.Max(widen(r.Lower95), 0) {
			still++
		}
	}
	if len(n.StillOutside) != still {
		t.Errorf("still outside = %d units, want %d (note %q)", len(n.StillOutside), still, n.Text)
	}
	f.Phi, f.PhiUnits = math.NaN(), 1
	if n := noteDispersion(f, rows, "surgeons"); !strings.Contains(n.Text, "not measured") || !strings.Contains(n.Text, "this chart has 1") {
		t.Errorf("note without φ = %q", n.Text)
	}
	f.Phi, f.PhiPValue = 1.1, 0.3
	if n := noteDispersion(f, rows, "surgeons"); !strings.Contains(n.Text, "need no widening") || len(n.StillOutside) != 0 {
		t.Errorf("note with φ not significant = %q", n.Text)
	}
}
