package stats_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/surgeon-outcomes/outcomes/stats"
)

// TestQValuesOrderFree checks on 2,000 random p-values, many tied and
// some NaN, that a q-value depends on the p-values and not on their
// order, that q ≥ p, that q never falls as p rises, and that the input is
// not changed.
func TestQValuesOrderFree(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 3))
	p := make([]float64, 2000)
	for i := range p {
		switch {
		case i%97 == 0:
			p[i] = math.NaN()
		case i%3 == 0:
			p[i] = math.Round(rng.Float64()*50) / 50 // ties
		default:
			p[i] = math.Pow(rng.Float64(), 3)
		}
	}
	kept := append([]float64(nil), p...)
	q := stats.QValues(p)
	for i := range p {
		if !(p[i] == kept[i] || math.IsNaN(p[i]) && math.IsNaN(kept[i])) {
			t.Fatalf("QValues changed its input at %d: %v, was %v", i, p[i], kept[i])
		}
	}
	perm := rng.Perm(len(p))
	shuffled := make([]float64, len(p))
	for i, j := range perm {
		shuffled[i] = p[j]
	}
	qs := stats.QValues(shuffled)
	for i, j := range perm {
		if !(qs[i] == q[j] || math.IsNaN(qs[i]) && math.IsNaN(q[j])) {
			t.Errorf("p = %v: q = %v shuffled, %v in order", p[j], qs[i], q[j])
		}
	}
	for i := range p {
		if math.IsNaN(p[i]) != math.IsNaN(q[i]) {
			t.Errorf("p = %v: q = %v", p[i], q[i])
			continue
		}
		if q[i] < p[i] || q[i] > 1 {
			t.Errorf("p = %v: q = %v, want p ≤ q ≤ 1", p[i], q[i])
		}
		for j := range p {
			if p[j] > p[i] && q[j] < q[i] {
				t.Fatalf("p %v < %v but q %v > %v", p[i], p[j], q[i], q[j])
			}
		}
	}
	if got := stats.QValues(nil); len(got) != 0 {
		t.Errorf("QValues(nil) = %v, want empty", got)
	}
}

// TestFunnelQValues checks that [stats.Funnel] gives each unit the
// q-values of its group's PHigh and PLow, with every tested unit in m:
// small units, too_few ones included, enter it. The worked case: 40
// units, one of them a small unit with 4 deaths at E = 0.3 (PHigh =
// 0.000266), which is the smallest PHigh, so its q is 40 × PHigh.
func TestFunnelQValues(t *testing.T) {
	units := []stats.Unit{{Cases: 10, Observed: 4, Expected: 0.3}}
	for i := range 39 {
		e := 0.2 + float64(i)
		units = append(units, stats.Unit{Cases: 100 + i, Observed: int(e), Expected: e})
	}
	res := stats.Funnel(units, stats.Options{Target: math.NaN()})
	high := make([]float64, len(units))
	low := make([]float64, len(units))
	var tooFew int
	for i, u := range res.Units {
		high[i], low[i] = u.PHigh, u.PLow
		if u.Band == stats.BandTooFew {
			tooFew++
		}
	}
	if tooFew == 0 {
		t.Fatal("no too_few unit: the case does not test that they enter m")
	}
	qHigh, qLow := stats.QValues(high), stats.QValues(low)
	for i, u := range res.Units {
		if u.QHigh != qHigh[i] || u.QLow != qLow[i] {
			t.Errorf("unit %d: QHigh %v, QLow %v; want %v, %v", i, u.QHigh, u.QLow, qHigh[i], qLow[i])
		}
	}
	u := res.Units[0]
	if u.Band != stats.BandHighAlarm {
		t.Fatalf("E = 0.3, O = 4: band %s, want high_alarm", u.Band)
	}
	if want := 40 * u.PHigh; math.Abs(u.QHigh-want) > 1e-15*want {
		t.Errorf("E = 0.3, O = 4: QHigh = %v, want 40 × PHigh = %v", u.QHigh, want)
	}
}
