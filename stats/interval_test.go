package stats

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// TestIntervalsContainEstimate checks lo ≤ O ≤ hi (count scale) and
// lo ≤ O/n ≤ hi (proportion scale), and that the 99.8% interval contains the
// 95% one.
func TestIntervalsContainEstimate(t *testing.T) {
	counts := map[string]func(int, float64) (float64, float64){
		"GarwoodInterval": GarwoodInterval, "ByarInterval": ByarInterval, "MixedInterval": MixedInterval,
	}
	for name, f := range counts {
		for o := 0; o <= 2000; o++ {
			lo95, hi95 := f(o, 0.95)
			lo998, hi998 := f(o, 0.998)
			if !(0 <= lo998 && lo998 <= lo95 && lo95 <= float64(o) && float64(o) <= hi95 && hi95 <= hi998) {
				t.Errorf("%s(%d): 95%% [%g, %g], 99.8%% [%g, %g]", name, o, lo95, hi95, lo998, hi998)
			}
		}
	}
	props := map[string]func(int, int, float64) (float64, float64){
		"ClopperPearsonInterval": ClopperPearsonInterval, "WilsonInterval": WilsonInterval,
	}
	for name, f := range props {
		for _, n := range []int{1, 2, 3, 5, 10, 37, 100, 1000, 5000} {
			for o := 0; o <= n; o += max(1, n/97) {
				c := float64(o) / float64(n)
				lo95, hi95 := f(o, n, 0.95)
				lo998, hi998 := f(o, n, 0.998)
				if !(0 <= lo998 && lo998 <= lo95 && lo95 <= c && c <= hi95 && hi95 <= hi998 && hi998 <= 1) {
					t.Errorf("%s(%d, %d): 95%% [%g, %g], 99.8%% [%g, %g]", name, o, n, lo95, hi95, lo998, hi998)
				}
			}
		}
	}
}

// TestGarwoodDefinition checks the defining property of the exact interval
// (STATS.md §2.1; Garwood 1936): P(Poisson(hi) ≤ O) = (1 − level)/2 and, for
// O ≥ 1, P(Poisson(lo) ≥ O) = (1 − level)/2, to 1e−12 relative.
func TestGarwoodDefinition(t *testing.T) {
	const tol = 1e-12
	for _, tp := range tailPairs {
		for _, o := range []int{0, 1, 2, 3, 5, 9, 10, 20, 50, 100, 500, 5000} {
			lo, hi := GarwoodInterval(o, tp.level)
			if got := poissonCDF(o, hi); !scalar.EqualWithinAbsOrRel(got, tp.lo, 0, tol) {
				t.Errorf("GarwoodInterval(%d, %g): P(Poisson(%g) ≤ %d) = %g, want %g", o, tp.level, hi, o, got, tp.lo)
			}
			if o == 0 {
				if lo != 0 {
					t.Errorf("GarwoodInterval(0, %g) lower = %g, want 0", tp.level, lo)
				}
				continue
			}
			if got, _ := PoissonPValues(o, lo); !scalar.EqualWithinAbsOrRel(got, tp.lo, 0, tol) {
				t.Errorf("GarwoodInterval(%d, %g): P(Poisson(%g) ≥ %d) = %g, want %g", o, tp.level, lo, o, got, tp.lo)
			}
		}
	}
}

// TestByarCloseToGarwood checks STATS.md §2.2: Byar's limits are within 2%
// of the exact ones for O ≥ 10, and MixedInterval switches at 10.
func TestByarCloseToGarwood(t *testing.T) {
	const tol = 0.02 // STATS.md §2.2: "within ~0.1–2% of exact for O ≥ 10"
	for _, tp := range tailPairs {
		for o := 0; o <= 1000; o++ {
			glo, ghi := GarwoodInterval(o, tp.level)
			blo, bhi := ByarInterval(o, tp.level)
			if o >= 10 && (!scalar.EqualWithinAbsOrRel(blo, glo, 0, tol) || !scalar.EqualWithinAbsOrRel(bhi, ghi, 0, tol)) {
				t.Errorf("O = %d, level %g: Byar [%g, %g], Garwood [%g, %g]", o, tp.level, blo, bhi, glo, ghi)
			}
			mlo, mhi := MixedInterval(o, tp.level)
			wlo, whi := glo, ghi
			if o >= 10 {
				wlo, whi = blo, bhi
			}
			if mlo != wlo || mhi != whi {
				t.Errorf("MixedInterval(%d, %g) = [%g, %g], want [%g, %g]", o, tp.level, mlo, mhi, wlo, whi)
			}
		}
	}
}

// TestClopperPearsonDefinition checks the defining property of the exact
// binomial interval (Clopper and Pearson 1934): P(Bin(n, hi) ≤ O) and
// P(Bin(n, lo) ≥ O) equal (1 − level)/2, to 1e−10 relative (gonum's inverse
// incomplete beta), with lo = 0 at O = 0 and hi = 1 at O = n.
func TestClopperPearsonDefinition(t *testing.T) {
	const tol = 1e-10
	for _, tp := range tailPairs {
		for _, n := range []int{1, 2, 10, 100, 1000} {
			for _, o := range []int{0, 1, n / 3, n / 2, n - 1, n} {
				lo, hi := ClopperPearsonInterval(o, n, tp.level)
				if o == n {
					if hi != 1 {
						t.Errorf("ClopperPearsonInterval(%d, %d, %g) upper = %g, want 1", o, n, tp.level, hi)
					}
				} else if got := binomialCDF(o, n, hi); !scalar.EqualWithinAbsOrRel(got, tp.lo, 0, tol) {
					t.Errorf("ClopperPearsonInterval(%d, %d, %g): P(Bin(n, %g) ≤ O) = %g, want %g", o, n, tp.level, hi, got, tp.lo)
				}
				if o == 0 {
					if lo != 0 {
						t.Errorf("ClopperPearsonInterval(0, %d, %g) lower = %g, want 0", n, tp.level, lo)
					}
				} else if got, _ := BinomialPValues(o, n, lo); !scalar.EqualWithinAbsOrRel(got, tp.lo, 0, tol) {
					t.Errorf("ClopperPearsonInterval(%d, %d, %g): P(Bin(n, %g) ≥ O) = %g, want %g", o, n, tp.level, lo, got, tp.lo)
				}
			}
		}
	}
}

// TestWilsonScoreEquation checks that the Wilson limits solve the score
// equation (ĉ − π)² = z²·π(1 − π)/n (Wilson 1927), to 1e−12 absolute, where
// they are not set to 0 or 1; z = 1.959963984540054 (STATS.md §0).
func TestWilsonScoreEquation(t *testing.T) {
	const tol = 1e-12
	const z = 1.959963984540054 // STATS.md §0
	for _, n := range []int{1, 5, 20, 300} {
		for o := 0; o <= n; o++ {
			c, nf := float64(o)/float64(n), float64(n)
			lo, hi := WilsonInterval(o, n, 0.95)
			for _, pi := range []float64{lo, hi} {
				if (pi == 0 && o == 0) || (pi == 1 && o == n) {
					continue
				}
				if got, want := (c-pi)*(c-pi), z*z*pi*(1-pi)/nf; !scalar.EqualWithinAbsOrRel(got, want, tol, tol) {
					t.Errorf("WilsonInterval(%d, %d): π = %g gives %g, want %g", o, n, pi, got, want)
				}
			}
		}
	}
	// STATS.md §2.4: lower 0 when O = 0, upper 1 when O = n.
	if lo, _ := WilsonInterval(0, 10, 0.95); lo != 0 {
		t.Errorf("WilsonInterval(0, 10, 0.95) lower = %g, want 0", lo)
	}
	if _, hi := WilsonInterval(10, 10, 0.95); hi != 1 {
		t.Errorf("WilsonInterval(10, 10, 0.95) upper = %g, want 1", hi)
	}
}

// TestIntervalZeroCount checks O = 0 (STATS.md §2.1, §2.2, §7: Gamma shape 0
// must be special-cased): the lower limit is 0 and the upper the reference
// values of count_ci, O = 0 (R qgamma(0.975, 1) = −ln 0.025 = 3.6888794541139354;
// Byar 3.6680118321737507).
func TestIntervalZeroCount(t *testing.T) {
	const tol = 1e-14
	tests := []struct {
		name string
		f    func(int, float64) (float64, float64)
		hi   float64
	}{
		{"GarwoodInterval", GarwoodInterval, -math.Log(0.025)},
		{"ByarInterval", ByarInterval, 3.6680118321737507},
		{"MixedInterval", MixedInterval, -math.Log(0.025)},
	}
	for _, tt := range tests {
		lo, hi := tt.f(0, 0.95)
		if lo != 0 || !scalar.EqualWithinAbsOrRel(hi, tt.hi, 0, tol) {
			t.Errorf("%s(0, 0.95) = [%.17g, %.17g], want [0, %.17g]", tt.name, lo, hi, tt.hi)
		}
	}
}

// TestIntervalsNaN checks that undefined inputs give NaN.
func TestIntervalsNaN(t *testing.T) {
	nan := math.NaN()
	type result struct {
		name   string
		lo, hi float64
	}
	var tests []result
	add := func(name string, lo, hi float64) { tests = append(tests, result{name, lo, hi}) }
	for _, level := range []float64{nan, 0, 1, -0.5, 95} {
		lo, hi := GarwoodInterval(3, level)
		add("GarwoodInterval", lo, hi)
		lo, hi = ByarInterval(3, level)
		add("ByarInterval", lo, hi)
		lo, hi = MixedInterval(30, level)
		add("MixedInterval", lo, hi)
		lo, hi = ClopperPearsonInterval(3, 10, level)
		add("ClopperPearsonInterval", lo, hi)
		lo, hi = WilsonInterval(3, 10, level)
		add("WilsonInterval", lo, hi)
	}
	lo, hi := ClopperPearsonInterval(11, 10, 0.95)
	add("ClopperPearsonInterval O > n", lo, hi)
	lo, hi = ClopperPearsonInterval(0, 0, 0.95)
	add("ClopperPearsonInterval n = 0", lo, hi)
	lo, hi = WilsonInterval(11, 10, 0.95)
	add("WilsonInterval O > n", lo, hi)
	lo, hi = WilsonInterval(0, 0, 0.95)
	add("WilsonInterval n = 0", lo, hi)
	for _, tt := range tests {
		if !math.IsNaN(tt.lo) || !math.IsNaN(tt.hi) {
			t.Errorf("%s = [%g, %g], want NaN", tt.name, tt.lo, tt.hi)
		}
	}
}
