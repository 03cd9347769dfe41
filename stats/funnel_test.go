package stats_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

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
// that every unit's band is what its value and its limits say (dot and
// band agree, below E = 1 too), that the 99.8% lines lie outside the 95%
// lines, that below E = 1 the band is the exact test's (STATS.md §8.3),
// and that the group's counts of units outside the lines are the bands'
// counts, beside the number expected by chance computed independently.
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
	var outside95, outside998, assessed, smallFlagged int
	var chance95, chance998 float64
	for i, u := range res.Units {
		e, o := units[i].Expected, units[i].Observed
		if !(u.Lower998 <= u.Lower95 && u.Lower95 <= 1 && 1 <= u.Upper95 && u.Upper95 <= u.Upper998) {
			t.Fatalf("unit %d (E %.3f): limits %.4f %.4f 1 %.4f %.4f out of order", i, e, u.Lower998, u.Lower95, u.Upper95, u.Upper998)
		}
		lines := stats.BandOf(u.Y, u.Lower95, u.Upper95, u.Lower998, u.Upper998)
		want := lines
		if e < 1 {
			// The exact one-sided test, from gonum's Poisson CDF rather
			// than the package's own tail function.
			pHigh := 1.0
			if o > 0 {
				pHigh = 1 - distuv.Poisson{Lambda: e}.CDF(float64(o-1))
			}
			switch {
			case pHigh < 0.001:
				want = stats.BandHighAlarm
			case pHigh < 0.025:
				want = stats.BandHighAlert
			default:
				want = stats.BandTooFew
			}
			if lines != want && !(lines == stats.BandWithin && want == stats.BandTooFew) {
				t.Errorf("unit %d (O %d, E %.3f): its point against its lines says %s, its band is %s", i, o, e, lines, want)
			}
			if want != stats.BandTooFew {
				smallFlagged++
			}
			chance95 += 1 - distuv.Poisson{Lambda: e}.CDF(math.Round(e*u.Upper95))
			chance998 += 1 - distuv.Poisson{Lambda: e}.CDF(math.Round(e*u.Upper998))
		} else {
			chance95 += 0.05
			chance998 += 0.002
		}
		if u.Small != (e < 1) {
			t.Errorf("unit %d (E %.3f): small = %t", i, e, u.Small)
		}
		if u.Band != want {
			t.Errorf("unit %d (O %d, E %.3f, y %.4f): band %s, want %s", i, o, e, u.Y, u.Band, want)
		}
		if u.Band != stats.BandTooFew {
			assessed++
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
	if smallFlagged == 0 {
		t.Errorf("no unit below E = 1 is flagged: the sample does not exercise the exact test")
	}
	if res.Assessed != assessed || res.Outside95 != outside95 || res.Outside998 != outside998 {
		t.Errorf("group counts = %d assessed, %d outside 95%%, %d outside 99.8%%; want %d, %d, %d",
			res.Assessed, res.Outside95, res.Outside998, assessed, outside95, outside998)
	}
	if math.Abs(res.ExpectedOutside95-chance95) > 1e-9 || math.Abs(res.ExpectedOutside998-chance998) > 1e-9 {
		t.Errorf("expected outside = %v, %v; want %v, %v", res.ExpectedOutside95, res.ExpectedOutside998, chance95, chance998)
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
	// O/E 0.00  95% line 0.00–4.29  survival 1.0000  too_few
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

// TestFunnelSmallUnits checks the small-unit rule of STATS.md §8.3 on
// both sides of E = 1 (crude: n·p0 = 1): below, the exact one-sided test
// gives the band and its boundary is the drawn line; at and above, the
// line rule. Tail probabilities are worked by hand from the Poisson and
// binomial formulas.
func TestFunnelSmallUnits(t *testing.T) {
	// A large unit fixes the target at 0.03 without being small itself.
	big := stats.Unit{Cases: 10000, Observed: 300, Expected: 300}
	tests := []struct {
		name  string
		unit  stats.Unit
		band  stats.Band
		pHigh float64 // 0: not checked
	}{
		// The surgeon that "too few" hid: 21 operations, 4 deaths, 0.3
		// expected. P(X ≥ 4) = 1 − e^−0.3·(1 + 0.3 + 0.045 + 0.0045).
		{"4 deaths, E 0.3", stats.Unit{Cases: 21, Observed: 4, Expected: 0.3}, stats.BandHighAlarm,
			1 - math.Exp(-0.3)*(1+0.3+0.045+0.0045)},
		// 500 operations, 3 deaths, 0.6 expected: P = 0.0231 < 0.025.
		{"3 deaths, E 0.6", stats.Unit{Cases: 500, Observed: 3, Expected: 0.6}, stats.BandHighAlert,
			1 - math.Exp(-0.6)*(1+0.6+0.18)},
		{"2 deaths, E 0.6", stats.Unit{Cases: 500, Observed: 2, Expected: 0.6}, stats.BandTooFew,
			1 - math.Exp(-0.6)*1.6},
		{"no deaths, E 0.9", stats.Unit{Cases: 40, Observed: 0, Expected: 0.9}, stats.BandTooFew, 1},
		// One death where 0.02 were expected: P = 1 − e^−0.02 = 0.0198.
		{"1 death, E 0.02", stats.Unit{Cases: 2, Observed: 1, Expected: 0.02}, stats.BandHighAlert,
			1 - math.Exp(-0.02)},
		// Either side of E = 1 with 3 deaths: the test (P = 0.0802) does
		// not flag; the line rule at E = 1 (upper 95% line 2.90) does.
		{"3 deaths, E 0.999", stats.Unit{Cases: 30, Observed: 3, Expected: 0.999}, stats.BandTooFew,
			1 - math.Exp(-0.999)*(1+0.999+0.999*0.999/2)},
		{"3 deaths, E 1", stats.Unit{Cases: 30, Observed: 3, Expected: 1}, stats.BandHighAlert, 0},
		{"6 deaths, E 0.999", stats.Unit{Cases: 30, Observed: 6, Expected: 0.999}, stats.BandHighAlarm, 0},
		{"5 deaths, E 0.999", stats.Unit{Cases: 30, Observed: 5, Expected: 0.999}, stats.BandHighAlert, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := stats.Funnel([]stats.Unit{big, tt.unit}, stats.Options{Target: math.NaN()})
			u := res.Units[1]
			if u.Band != tt.band {
				t.Errorf("band = %s, want %s (p_high %.6g, lines %.4f / %.4f)", u.Band, tt.band, u.PHigh, u.Upper95, u.Upper998)
			}
			if tt.pHigh != 0 && math.Abs(u.PHigh-tt.pHigh) > 1e-12 {
				t.Errorf("p_high = %.15g, want %.15g", u.PHigh, tt.pHigh)
			}
			if small := tt.unit.Expected < 1; u.Small != small {
				t.Errorf("small = %t, want %t", u.Small, small)
			}
			// Dot and band agree: the point against its own lines gives
			// the band (an unflagged small unit sits within them).
			lines := stats.BandOf(u.Y, u.Lower95, u.Upper95, u.Lower998, u.Upper998)
			if lines != u.Band && !(u.Small && lines == stats.BandWithin && u.Band == stats.BandTooFew) {
				t.Errorf("point %.4f against lines %.4f–%.4f / %.4f is %s, band %s", u.Y, u.Lower95, u.Upper95, u.Upper998, lines, u.Band)
			}
			if u.Small {
				// The boundary is a whole number of deaths below the
				// first flagged count: one more death crosses it.
				k := u.Upper95 * tt.unit.Expected
				if math.Abs(k-math.Round(k)) > 1e-9 {
					t.Errorf("upper 95%% line %.6f is %.6f deaths, want a whole number", u.Upper95, k)
				}
				if !math.IsNaN(u.AdjUpper95) {
					t.Errorf("a small unit has adjusted limits %.4f", u.AdjUpper95)
				}
			}
		})
	}
}

// TestFunnelSmallCrudeUnits is TestFunnelSmallUnits for crude data: below
// n·p0 = 1 the binomial tail at n, p0 decides, checked against gonum's
// binomial distribution.
func TestFunnelSmallCrudeUnits(t *testing.T) {
	nan := math.NaN()
	big := stats.Unit{Cases: 10000, Observed: 200, Expected: nan} // p0 ≈ 0.02
	for _, tt := range []struct {
		unit stats.Unit
		band stats.Band
	}{
		{stats.Unit{Cases: 20, Observed: 0, Expected: nan}, stats.BandTooFew},
		{stats.Unit{Cases: 20, Observed: 2, Expected: nan}, stats.BandTooFew},
		{stats.Unit{Cases: 20, Observed: 3, Expected: nan}, stats.BandHighAlert},
		{stats.Unit{Cases: 20, Observed: 4, Expected: nan}, stats.BandHighAlarm},
		{stats.Unit{Cases: 49, Observed: 3, Expected: nan}, stats.BandTooFew},
		{stats.Unit{Cases: 51, Observed: 4, Expected: nan}, stats.BandHighAlert}, // n·p0 ≥ 1: the lines
	} {
		res := stats.Funnel([]stats.Unit{big, tt.unit}, stats.Options{Target: nan})
		u, p0 := res.Units[1], res.Target
		n, o := tt.unit.Cases, tt.unit.Observed
		if u.Band != tt.band {
			t.Errorf("n %d, O %d: band %s, want %s (p_high %.4g)", n, o, u.Band, tt.band, u.PHigh)
		}
		if small := float64(n)*p0 < 1; u.Small != small {
			t.Errorf("n %d: small = %t, want %t", n, u.Small, small)
		}
		if u.Small {
			want := 1 - distuv.Binomial{N: float64(n), P: p0}.CDF(float64(o-1))
			if o == 0 {
				want = 1
			}
			if math.Abs(u.PHigh-want) > 1e-9 {
				t.Errorf("n %d, O %d: p_high %.12g, want %.12g", n, o, u.PHigh, want)
			}
		}
	}
}

// TestFunnelCurveStartsAtOneExpected checks that no limit line is drawn
// below E = 1 (crude: n·p0 = 1), where units are judged by the exact
// test, however small the smallest unit.
func TestFunnelCurveStartsAtOneExpected(t *testing.T) {
	units := []stats.Unit{{Cases: 3, Observed: 0, Expected: 0.05}, {Cases: 900, Observed: 30, Expected: 30}}
	res := stats.Funnel(units, stats.Options{Target: 0.03})
	if len(res.Curve) == 0 || res.Curve[0].X*res.Target < 1-1e-12 {
		t.Fatalf("curve starts at x %v (E %v), want E ≥ 1", res.Curve[0].X, res.Curve[0].X*res.Target)
	}
	crude := []stats.Unit{{Cases: 3, Observed: 0, Expected: math.NaN()}, {Cases: 900, Observed: 30, Expected: math.NaN()}}
	res = stats.Funnel(crude, stats.Options{Target: 0.03})
	if len(res.Curve) == 0 || res.Curve[0].X < 34 {
		t.Fatalf("crude curve starts at n = %v, want ≥ 34 (n·p0 ≥ 1 at p0 = 0.03)", res.Curve[0].X)
	}
}
