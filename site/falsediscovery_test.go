package site

import (
	"math"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// TestFalseDiscoveries: the view lists what the funnel flags for more
// deaths and what stands out at q ≤ 5%, most convincing first, says how
// many stand out, leaves out units without a q-value, and is empty (no
// sentence) for a funnel without q-values.
func TestFalseDiscoveries(t *testing.T) {
	nan := math.NaN()
	rows := []catalog.Row{
		{UnitName: "A", Band: outcome.Within, QValue: 0.8, PHigh: 0.4},
		{UnitName: "B", Band: outcome.HighAlert, QValue: 0.3, PHigh: 0.02},
		{UnitName: "C", Band: outcome.HighAlarm, QValue: 0.01, PHigh: 0.0001},
		{UnitName: "D", Band: outcome.Within, QValue: 0.04, PHigh: 0.002}, // stands out, not flagged by the line
		{UnitName: "E", Band: outcome.NotAssessable, QValue: nan, PHigh: nan},
	}
	fd := falseDiscoveries(rows, "surgeons")
	var names []string
	for _, u := range fd.Rows {
		names = append(names, u.UnitName)
	}
	if got := strings.Join(names, " "); got != "C D B" {
		t.Errorf("listed %s, want C D B (by q)", got)
	}
	if want := "Allowing for the number of surgeons compared, 2 stand out for more deaths than expected."; fd.Sentence != want {
		t.Errorf("sentence %q, want %q", fd.Sentence, want)
	}
	if !standsOut(rows[3]) || standsOut(rows[1]) {
		t.Error("standsOut: want D (q 0.04) in, B (q 0.3) out")
	}
	if fd := falseDiscoveries(rows[:2], "hospitals"); !strings.Contains(fd.Sentence, "none stands out") {
		t.Errorf("no q under 5%%: %q", fd.Sentence)
	}
	if fd := falseDiscoveries(rows[4:], "hospitals"); fd.Sentence != "" || len(fd.Rows) != 0 {
		t.Errorf("no q-values: %+v, want nothing to say", fd)
	}
	many := make([]catalog.Row, maxFalseDiscoveryListed+7)
	for i := range many {
		many[i] = catalog.Row{Band: outcome.HighAlarm, QValue: 0.001, PHigh: 0.0001}
	}
	if fd := falseDiscoveries(many, "surgeons"); len(fd.Rows) != maxFalseDiscoveryListed || fd.More != 7 {
		t.Errorf("%d listed, %d more; want %d and 7", len(fd.Rows), fd.More, maxFalseDiscoveryListed)
	}
}

// TestRankabilityWords: each grade's words, the group that varies no
// more than chance, and nothing for a funnel without a fit.
func TestRankabilityWords(t *testing.T) {
	for _, tt := range []struct {
		fit  stats.ShrinkFit
		rho  float64
		want string
	}{
		{stats.FitInterior, 0.13, "real rather than chance: 13% (poor). Any ranking of them would mostly rank chance."},
		{stats.FitInterior, 0.6, "60% (moderate). A ranking of them would be partly chance."},
		{stats.FitInterior, 0.9, "90% (good), though not for surgeons with few operations."},
		{stats.FitNoVariation, 0, "differ no more than chance alone would make them"},
		{stats.FitNoDeaths, math.NaN(), ""},
		{"", math.NaN(), ""},
	} {
		got := rankabilityWords(&outcome.Funnel{ShrinkFit: tt.fit, Rankability: tt.rho}, "surgeons")
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s, ρ %v: %q, want it to say %q", tt.fit, tt.rho, got, tt.want)
		}
	}
}

// TestSecondEstimate: the shrunk ratio in words, the share resting on the
// unit's own operations, a group without variation, and nothing for a
// unit without one.
func TestSecondEstimate(t *testing.T) {
	u := &catalog.Row{UnitType: outcome.Surgeon, Cases: 120, ShrunkRatio: 1.234, ShrunkLow: 0.9, ShrunkHigh: 1.71, Reliability: 0.18}
	want := "the best estimate of this surgeon's death rate is 1.23 times the expected (likely between 0.90 and 1.71 times). " +
		"Only 18% of that estimate rests on its own 120 operations; the rest on how all surgeons here compare. The result above is the published one."
	if got := secondEstimate(u); got != want {
		t.Errorf("secondEstimate = %q\nwant %q", got, want)
	}
	u.Reliability = 0.003
	if got := secondEstimate(u); !strings.Contains(got, "Less than 1% of that estimate") {
		t.Errorf("reliability 0.3%%: %q", got)
	}
	none := &catalog.Row{UnitType: outcome.Hospital, ShrunkRatio: 1, ShrunkLow: 1, ShrunkHigh: 1, Reliability: 0}
	if got := secondEstimate(none); !strings.HasPrefix(got, "the hospitals here differ no more than chance") {
		t.Errorf("no variation: %q", got)
	}
	if got := secondEstimate(&catalog.Row{ShrunkRatio: math.NaN(), Reliability: math.NaN()}); got != "" {
		t.Errorf("no shrunk ratio: %q, want nothing", got)
	}
}
