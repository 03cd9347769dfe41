package stats_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/surgeon-outcomes/outcomes/stats"
)

// highBand reports whether a band is a high flag at 95% or beyond.
func highBand(b stats.Band) bool { return b == stats.BandHighAlert || b == stats.BandHighAlarm }

// TestPoissonFlagCountIsFunnels checks, over 600 sizes spread on a log
// scale from E = 0.01 to 5000 (both sides of one expected death, where
// the rule changes from the exact test to the line), that [stats.Funnel]
// flags a unit with PoissonFlagCount(E) deaths high and one with a death
// fewer not, that Funnel's own FlagCount is the same count, and that the
// 80%-detectable ratio lies above the line.
func TestPoissonFlagCountIsFunnels(t *testing.T) {
	const sizes = 600
	for i := range sizes {
		e := 0.01 * math.Pow(5e5, float64(i)/(sizes-1))
		c := stats.PoissonFlagCount(e)
		if c < 1 {
			t.Fatalf("E = %g: PoissonFlagCount = %d, want ≥ 1", e, c)
		}
		res := stats.Funnel([]stats.Unit{
			{Cases: c + 1000, Observed: c, Expected: e},
			{Cases: c + 1000, Observed: c - 1, Expected: e},
		}, stats.Options{Target: 0.03})
		at, below := res.Units[0], res.Units[1]
		if !highBand(at.Band) {
			t.Errorf("E = %g, O = c = %d: band %s, want a high band", e, c, at.Band)
		}
		if highBand(below.Band) {
			t.Errorf("E = %g, O = c − 1 = %d: band %s, want no high band", e, c-1, below.Band)
		}
		if at.FlagCount != c || below.FlagCount != c {
			t.Errorf("E = %g: Funnel's FlagCount %d, %d; want %d", e, at.FlagCount, below.FlagCount, c)
		}
		if !(at.DetectableRatio80 > at.DetectableRatio) {
			t.Errorf("E = %g: DetectableRatio80 %v not above DetectableRatio %v", e, at.DetectableRatio80, at.DetectableRatio)
		}
	}
}

// TestBinomialFlagCountIsFunnels is [TestPoissonFlagCountIsFunnels] for
// crude data, at n = 1 … 3000 and p0 from 0.5% to 50%, including units
// with too few cases for any count to be flagged (c = n + 1: even n
// deaths out of n is not flagged).
func TestBinomialFlagCountIsFunnels(t *testing.T) {
	var none int
	for _, p0 := range []float64{0.005, 0.02, 0.033, 0.1, 0.5} {
		for n := 1; n <= 3000; n += 1 + n/20 {
			c := stats.BinomialFlagCount(n, p0)
			if c < 1 || c > n+1 {
				t.Fatalf("n = %d, p0 = %g: BinomialFlagCount = %d, want 1 … n + 1", n, p0, c)
			}
			units := []stats.Unit{{Cases: n, Observed: c - 1, Expected: math.NaN()}}
			if c <= n {
				units = append(units, stats.Unit{Cases: n, Observed: c, Expected: math.NaN()})
			} else {
				none++
			}
			res := stats.Funnel(units, stats.Options{Target: p0})
			if highBand(res.Units[0].Band) {
				t.Errorf("n = %d, p0 = %g, O = c − 1 = %d: band %s, want no high band", n, p0, c-1, res.Units[0].Band)
			}
			if c <= n && !highBand(res.Units[1].Band) {
				t.Errorf("n = %d, p0 = %g, O = c = %d: band %s, want a high band", n, p0, c, res.Units[1].Band)
			}
			for _, u := range res.Units {
				if u.FlagCount != c {
					t.Errorf("n = %d, p0 = %g: Funnel's FlagCount %d, want %d", n, p0, u.FlagCount, c)
				}
				// With 2 or 3 cases at p0 = 50% the line lies so near n
				// deaths that a true rate below it gives them 80% of the time.
				if n > 3 && !(u.DetectableRatio80 > u.DetectableRatio) {
					t.Errorf("n = %d, p0 = %g: DetectableRatio80 %v not above DetectableRatio %v", n, p0,
						u.DetectableRatio80, u.DetectableRatio)
				}
			}
		}
	}
	if none == 0 {
		t.Error("no unit had too few cases to be flagged: the grid misses that case")
	}
}

// TestFunnelPower checks the power fields [stats.Funnel] gives each unit
// against the standalone functions, and their order: a larger true ratio
// is likelier to be flagged, and the 80%-detectable ratio lies above the
// line (DetectableRatio), which a true ratio on it crosses only about
// half the time.
func TestFunnelPower(t *testing.T) {
	units := []stats.Unit{
		{Cases: 10, Observed: 0, Expected: 0.3}, {Cases: 40, Observed: 1, Expected: 1.2},
		{Cases: 150, Observed: 9, Expected: 5}, {Cases: 600, Observed: 20, Expected: 20},
		{Cases: 3000, Observed: 80, Expected: 100},
	}
	res := stats.Funnel(units, stats.Options{Target: math.NaN()})
	for i, u := range res.Units {
		e := units[i].Expected
		if got, want := u.Power2x, stats.PoissonPower(e, 2); got != want {
			t.Errorf("E = %g: Power2x %v, PoissonPower %v", e, got, want)
		}
		if got, want := u.Power1_5x, stats.PoissonPower(e, 1.5); got != want {
			t.Errorf("E = %g: Power1_5x %v, PoissonPower %v", e, got, want)
		}
		if got, want := u.DetectableRatio80, stats.PoissonDetectableRatio(e, 0.8); got != want {
			t.Errorf("E = %g: DetectableRatio80 %v, PoissonDetectableRatio %v", e, got, want)
		}
		if !(0 < u.Power1_5x && u.Power1_5x < u.Power2x && u.Power2x <= 1) {
			t.Errorf("E = %g: Power1_5x %v, Power2x %v: want 0 < 1.5× < 2× ≤ 1", e, u.Power1_5x, u.Power2x)
		}
		if !(u.DetectableRatio80 > u.DetectableRatio) {
			t.Errorf("E = %g: DetectableRatio80 %v not above DetectableRatio %v", e, u.DetectableRatio80, u.DetectableRatio)
		}
		if p := stats.PoissonPower(e, u.DetectableRatio80); math.Abs(p-0.8) > 1e-9 {
			t.Errorf("E = %g: power at DetectableRatio80 = %v, want 0.8", e, p)
		}
	}
	crude := []stats.Unit{{Cases: 10, Observed: 0, Expected: math.NaN()}, {Cases: 400, Observed: 15, Expected: math.NaN()}}
	res = stats.Funnel(crude, stats.Options{Target: 0.03})
	for i, u := range res.Units {
		n := crude[i].Cases
		if got, want := u.Power2x, stats.BinomialPower(n, 0.03, 2); got != want {
			t.Errorf("n = %d: Power2x %v, BinomialPower %v", n, got, want)
		}
		if got, want := u.DetectableRatio80, stats.BinomialDetectableRatio(n, 0.03, 0.8); got != want {
			t.Errorf("n = %d: DetectableRatio80 %v, BinomialDetectableRatio %v", n, got, want)
		}
		if !(u.DetectableRatio80 > u.DetectableRatio) {
			t.Errorf("n = %d: DetectableRatio80 %v not above DetectableRatio %v", n, u.DetectableRatio80, u.DetectableRatio)
		}
	}
}

// TestPowerUndefined checks the NaN (and binomial +Inf, 0) answers at the
// edges of each function's domain.
func TestPowerUndefined(t *testing.T) {
	for _, e := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if c := stats.PoissonFlagCount(e); c != -1 {
			t.Errorf("PoissonFlagCount(%v) = %d, want −1", e, c)
		}
		if p := stats.PoissonPower(e, 2); !math.IsNaN(p) {
			t.Errorf("PoissonPower(%v, 2) = %v, want NaN", e, p)
		}
		if r := stats.PoissonDetectableRatio(e, 0.8); !math.IsNaN(r) {
			t.Errorf("PoissonDetectableRatio(%v, 0.8) = %v, want NaN", e, r)
		}
	}
	for _, bad := range []struct{ ratio, power float64 }{{0, 0}, {-1, 1}, {math.NaN(), math.NaN()}} {
		if p := stats.PoissonPower(5, bad.ratio); !math.IsNaN(p) {
			t.Errorf("PoissonPower(5, %v) = %v, want NaN", bad.ratio, p)
		}
		if r := stats.PoissonDetectableRatio(5, bad.power); !math.IsNaN(r) {
			t.Errorf("PoissonDetectableRatio(5, %v) = %v, want NaN", bad.power, r)
		}
	}
	// One case at p0 = 10%: one death in one case is P = 0.1, not flagged.
	if c := stats.BinomialFlagCount(1, 0.1); c != 2 {
		t.Errorf("BinomialFlagCount(1, 0.1) = %d, want 2 (none flagged)", c)
	}
	if p := stats.BinomialPower(1, 0.1, 2); p != 0 {
		t.Errorf("BinomialPower(1, 0.1, 2) = %v, want 0", p)
	}
	if r := stats.BinomialDetectableRatio(1, 0.1, 0.8); !math.IsInf(r, 1) {
		t.Errorf("BinomialDetectableRatio(1, 0.1, 0.8) = %v, want +Inf", r)
	}
	if c := stats.BinomialFlagCount(0, 0.1); c != -1 {
		t.Errorf("BinomialFlagCount(0, 0.1) = %d, want −1", c)
	}
	// A true rate of 1 (ratio 10 at p0 = 10%) is flagged whenever any count is.
	if p := stats.BinomialPower(40, 0.1, 10); p != 1 {
		t.Errorf("BinomialPower(40, 0.1, 10) = %v, want 1", p)
	}
}

func ExamplePoissonPower() {
	// How likely the funnel is to flag a surgeon whose true death rate is
	// twice (and one and a half times) the expected, and the true ratio
	// it would flag four times in five, at E expected deaths. Values as
	// in testdata/qvalue_power_reference.csv (R: ppois, qgamma).
	fmt.Println("E     flagged from  power 2x  power 1.5x  ratio seen 4 in 5")
	for _, e := range []float64{0.5, 1, 2, 5, 20} {
		fmt.Printf("%-5g %-13d %-9.3f %-11.3f %.2f\n", e, stats.PoissonFlagCount(e),
			stats.PoissonPower(e, 2), stats.PoissonPower(e, 1.5), stats.PoissonDetectableRatio(e, 0.8))
	}
	// Output:
	// E     flagged from  power 2x  power 1.5x  ratio seen 4 in 5
	// 0.5   3             0.080     0.041       8.56
	// 1     3             0.323     0.191       4.28
	// 2     5             0.371     0.185       3.36
	// 5     10            0.542     0.224       2.50
	// 20    29            0.971     0.597       1.67
}

func ExampleQValues() {
	// Five surgeons' one-sided p-values; R: p.adjust(p, "BH").
	p := []float64{0.001, 0.04, 0.03, 0.5, math.NaN()}
	fmt.Printf("%.4f\n", stats.QValues(p))
	// Output:
	// [0.0040 0.0533 0.0533 0.5000 NaN]
}

// TestFunnelPowerNoLine checks that a unit without a funnel line (no
// expected deaths) gets no flagging count and NaN powers, not a number
// that a page could print.
func TestFunnelPowerNoLine(t *testing.T) {
	res := stats.Funnel([]stats.Unit{{Cases: 10, Observed: 1, Expected: 0}, {Cases: 100, Observed: 3, Expected: 3}},
		stats.Options{Target: math.NaN()})
	u := res.Units[0]
	if u.FlagCount != -1 || !math.IsNaN(u.Power2x) || !math.IsNaN(u.Power1_5x) || !math.IsNaN(u.DetectableRatio80) {
		t.Errorf("E = 0: FlagCount %d, Power2x %v, Power1_5x %v, DetectableRatio80 %v; want −1 and NaNs",
			u.FlagCount, u.Power2x, u.Power1_5x, u.DetectableRatio80)
	}
	if u := res.Units[1]; u.FlagCount != stats.PoissonFlagCount(3) || math.IsNaN(u.Power2x) {
		t.Errorf("E = 3: FlagCount %d, Power2x %v", u.FlagCount, u.Power2x)
	}
}
