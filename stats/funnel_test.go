package stats_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/surgeon-outcomes/outcomes/stats"
)

// finite reports whether every named value is a number, for the checks
// that nothing reaching a page is NaN or infinite.
func finite(vals map[string]float64) string {
	for name, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return name
		}
	}
	return ""
}

// TestFunnelEdgeCases runs the engine on the inputs that break naive
// code: no deaths, tiny E, one case, a target near 0, a group of one.
// Nothing a page shows may be NaN, and nothing may panic.
func TestFunnelEdgeCases(t *testing.T) {
	tests := []struct {
		name   string
		units  []stats.Unit
		target float64
	}{
		{"no deaths", []stats.Unit{{Cases: 50, Observed: 0, Expected: 1.5}, {Cases: 80, Observed: 3, Expected: 2.1}}, math.NaN()},
		{"tiny E", []stats.Unit{{Cases: 5, Observed: 1, Expected: 0.02}, {Cases: 300, Observed: 9, Expected: 8}}, math.NaN()},
		{"one case", []stats.Unit{{Cases: 1, Observed: 1, Expected: 0.03}, {Cases: 1, Observed: 0, Expected: 0.03}}, 0.03},
		{"target near 0", []stats.Unit{{Cases: 100, Observed: 0, Expected: 0.01}}, 1e-4},
		{"group of one", []stats.Unit{{Cases: 100, Observed: 2, Expected: 2.5}}, math.NaN()},
		{"crude, no deaths anywhere", []stats.Unit{{Cases: 10, Observed: 0, Expected: math.NaN()}, {Cases: 3, Observed: 0, Expected: math.NaN()}}, math.NaN()},
		{"crude, n = 1", []stats.Unit{{Cases: 1, Observed: 1, Expected: math.NaN()}, {Cases: 40, Observed: 1, Expected: math.NaN()}}, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := stats.Funnel(tt.units, stats.Options{Target: tt.target})
			for i, u := range res.Units {
				if name := finite(map[string]float64{"x": u.X, "y": u.Y, "ramr": u.RAMR, "survival": u.Survival,
					"ci_low": u.CILow, "ci_high": u.CIHigh, "lower95": u.Lower95, "upper95": u.Upper95,
					"lower998": u.Lower998, "upper998": u.Upper998, "p_high": u.PHigh, "p_low": u.PLow}); name != "" &&
					!(res.Target == 0 && (name == "x" || name == "upper95" || name == "upper998")) {
					t.Errorf("unit %d (%+v): %s is not finite: %+v", i, tt.units[i], name, u)
				}
				if u.Band == "" || u.Verdict == "" {
					t.Errorf("unit %d: band %q, verdict %q: want both set", i, u.Band, u.Verdict)
				}
			}
		})
	}
}

// TestFunnelBandsAgreeWithLines checks, on a random national-sized group,
// that every unit's band is what its value and its limits say, that the
// 99.8% lines lie outside the 95% lines, that too_few is E < 1, and that
// the group's counts of units outside the lines are the bands' counts.
func TestFunnelBandsAgreeWithLines(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var units []stats.Unit
	for range 2000 {
		n := 5 + rng.IntN(400)
		e := float64(n) * 0.025 * math.Exp(0.3*rng.NormFloat64())
		o := 0
		for range n { // a binomial draw with the unit's own risk
			if rng.Float64() < e/float64(n)*math.Exp(0.2*rng.NormFloat64()) {
				o++
			}
		}
		units = append(units, stats.Unit{Cases: n, Observed: o, Expected: e})
	}
	res := stats.Funnel(units, stats.Options{Target: math.NaN()})
	var outside95, outside998, flagged int
	for i, u := range res.Units {
		e := units[i].Expected
		if !(u.Lower998 <= u.Lower95 && u.Lower95 <= 1 && 1 <= u.Upper95 && u.Upper95 <= u.Upper998) {
			t.Fatalf("unit %d (E %.3f): limits %.4f %.4f 1 %.4f %.4f out of order", i, e, u.Lower998, u.Lower95, u.Upper95, u.Upper998)
		}
		want := stats.BandOf(u.Y, u.Lower95, u.Upper95, u.Lower998, u.Upper998)
		if e < 1 {
			want = stats.BandTooFew
		}
		if u.Band != want {
			t.Errorf("unit %d (O %d, E %.3f, y %.4f): band %s, want %s", i, units[i].Observed, e, u.Y, u.Band, want)
		}
		if u.Band != stats.BandTooFew {
			flagged++
			if u.Band != stats.BandWithin {
				outside95++
			}
			if u.Band == stats.BandHighAlarm || u.Band == stats.BandLowAlarm {
				outside998++
			}
		}
		if u.DetectableRatio != u.Upper95 {
			t.Errorf("unit %d: detectable ratio %v, want the upper 95%% line %v", i, u.DetectableRatio, u.Upper95)
		}
	}
	if res.Assessed != flagged || res.Outside95 != outside95 || res.Outside998 != outside998 {
		t.Errorf("group counts = %d flagged, %d outside 95%%, %d outside 99.8%%; want %d, %d, %d",
			res.Assessed, res.Outside95, res.Outside998, flagged, outside95, outside998)
	}
	if res.ExpectedOutside95 != 0.05*float64(flagged) || res.ExpectedOutside998 != 0.002*float64(flagged) {
		t.Errorf("expected outside = %v, %v; want %v, %v", res.ExpectedOutside95, res.ExpectedOutside998,
			0.05*float64(flagged), 0.002*float64(flagged))
	}
	if res.PhiUnits == 0 || math.IsNaN(res.Phi) || math.IsNaN(res.Tau2) || res.PhiPValue < 0 || res.PhiPValue > 1 {
		t.Errorf("dispersion = φ %v (m %d), p %v, τ² %v: want numbers", res.Phi, res.PhiUnits, res.PhiPValue, res.Tau2)
	}
	for i := 1; i < len(res.Curve); i++ {
		a, b := res.Curve[i-1], res.Curve[i]
		if !(b.X > a.X) {
			t.Fatalf("curve x not increasing at %d: %v then %v", i, a.X, b.X)
		}
	}
}

// TestFunnelTarget checks the target: the group's own rate by default, the
// publisher's when given, and RAMR = O/E × target.
func TestFunnelTarget(t *testing.T) {
	units := []stats.Unit{{Cases: 100, Observed: 3, Expected: 2}, {Cases: 300, Observed: 5, Expected: 6}}
	own := stats.Funnel(units, stats.Options{Target: math.NaN()})
	if want := 8.0 / 400; own.Target != want {
		t.Errorf("Funnel(no target).Target = %v, want ΣO/Σn = %v", own.Target, want)
	}
	given := stats.Funnel(units, stats.Options{Target: 0.03})
	if got, want := given.Units[0].RAMR, 1.5*0.03; math.Abs(got-want) > 1e-15 {
		t.Errorf("RAMR = %v, want O/E × p0 = %v", got, want)
	}
	if got, want := given.Units[0].X, 2/0.03; math.Abs(got-want) > 1e-12 {
		t.Errorf("x = %v, want E/p0 = %v (risk-adjusted operations)", got, want)
	}
}

// TestFunnelVerdictRules checks the two comparison rules on a unit whose
// exact interval excludes 1 while it sits inside the funnel's 95% lines'
// neighbourhood: the rules are reported separately from the band.
func TestFunnelVerdictRules(t *testing.T) {
	// O = 12, E = 5: Garwood 95% lower 6.20/5 = 1.24 > 1, so "higher"
	// under the interval rule; upper 95% line at E = 5 is 1.87 (§4.1), so
	// y = 2.4 is also beyond it.
	u := []stats.Unit{{Cases: 200, Observed: 12, Expected: 5}}
	byInterval := stats.Funnel(u, stats.Options{Target: 0.025, Comparison: stats.CompareInterval}).Units[0]
	if byInterval.Verdict != stats.VerdictHigher {
		t.Errorf("interval rule verdict = %s, want higher", byInterval.Verdict)
	}
	byFunnel := stats.Funnel(u, stats.Options{Target: 0.025}).Units[0]
	if byFunnel.Verdict != stats.VerdictHigher || byFunnel.Band == stats.BandWithin {
		t.Errorf("funnel rule = %s, band %s; want higher, beyond a line", byFunnel.Verdict, byFunnel.Band)
	}
}

func ExampleFunnel() {
	units := []stats.Unit{
		{Cases: 150, Observed: 4, Expected: 3.8},
		{Cases: 210, Observed: 14, Expected: 5.1},
		{Cases: 30, Observed: 0, Expected: 0.7},
	}
	res := stats.Funnel(units, stats.Options{Target: math.NaN()})
	fmt.Printf("target %.4f\n", res.Target)
	for _, u := range res.Units {
		fmt.Printf("O/E %.2f  95%% line %.2f–%.2f  survival %.4f  %s\n", u.Y, u.Lower95, u.Upper95, u.Survival, u.Band)
	}
	// Output:
	// target 0.0462
	// O/E 1.05  95% line 0.01–2.01  survival 0.9514  within
	// O/E 2.75  95% line 0.12–1.87  survival 0.8733  high_alarm
	// O/E 0.00  95% line 0.00–3.32  survival 1.0000  too_few
}

// benchUnits is a national release's worth of surgeons for one specialty.
func benchUnits(n int) []stats.Unit {
	rng := rand.New(rand.NewPCG(3, 4))
	units := make([]stats.Unit, n)
	for i := range units {
		cases := 5 + rng.IntN(400)
		e := float64(cases) * 0.025 * math.Exp(0.3*rng.NormFloat64())
		units[i] = stats.Unit{Cases: cases, Observed: int(e + rng.NormFloat64()*math.Sqrt(e) + 0.5*float64(rng.IntN(2))), Expected: e}
		if units[i].Observed < 0 {
			units[i].Observed = 0
		}
	}
	return units
}

// BenchmarkFunnel times one specialty's funnel at sizes from 10 to 10,000
// surgeons; ten specialties × 10,000 is the 100,000-unit release of the
// issue's target (under 1 s on one core).
func BenchmarkFunnel(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		units := benchUnits(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				stats.Funnel(units, stats.Options{Target: math.NaN()})
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/unit")
		})
	}
}

// BenchmarkRelease100k is the whole computation for 100,000 units: ten
// specialties of 10,000 surgeons each.
func BenchmarkRelease100k(b *testing.B) {
	specialties := make([][]stats.Unit, 10)
	for i := range specialties {
		specialties[i] = benchUnits(10000)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, units := range specialties {
			stats.Funnel(units, stats.Options{Target: math.NaN()})
		}
	}
}
