package stats

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// TestPoissonPValuesValues checks closed forms: P(X ≥ 0) = 1,
// P(X ≤ 0) = e^−E, P(X ≥ 1) = 1 − e^−E and P(X ≤ 1) = (1 + E)e^−E, to
// 1e−14 relative; and that high + low = 1 + P(X = O) (the two tails overlap
// at O), to 1e−13.
func TestPoissonPValuesValues(t *testing.T) {
	const tol = 1e-14
	for _, e := range []float64{0.02, 0.5, 1, 3, 10} {
		high, low := PoissonPValues(0, e)
		if high != 1 || !scalar.EqualWithinAbsOrRel(low, math.Exp(-e), 0, tol) {
			t.Errorf("PoissonPValues(0, %g) = %g, %g, want 1, %g", e, high, low, math.Exp(-e))
		}
		high, low = PoissonPValues(1, e)
		if !scalar.EqualWithinAbsOrRel(high, -math.Expm1(-e), 0, tol) || !scalar.EqualWithinAbsOrRel(low, (1+e)*math.Exp(-e), 0, tol) {
			t.Errorf("PoissonPValues(1, %g) = %g, %g, want %g, %g", e, high, low, -math.Expm1(-e), (1+e)*math.Exp(-e))
		}
	}
	const tolSum = 1e-13
	for _, e := range []float64{0.3, 4, 40, 400} {
		for o := 0; o < 3*int(e)+10; o++ {
			high, low := PoissonPValues(o, e)
			lg, _ := math.Lgamma(float64(o) + 1)
			pmf := math.Exp(float64(o)*math.Log(e) - e - lg)
			if !scalar.EqualWithinAbsOrRel(high+low, 1+pmf, tolSum, tolSum) {
				t.Errorf("PoissonPValues(%d, %g): high + low = %g, want 1 + P(X = O) = %g", o, e, high+low, 1+pmf)
			}
		}
	}
}

// TestBinomialPValuesValues checks closed forms for Bin(n, p0):
// P(X ≥ n) = p0ⁿ, P(X ≤ 0) = (1 − p0)ⁿ, and high + low = 1 + P(X = O), and
// that the upper tail keeps its relative accuracy deep in the tail, where
// 1 − CDF would give 0 (n = 100, p0 = 0.02, O = 30: P(X ≥ 30) ≈ P(X = 30),
// ~5e−22, the first term dominating since the ratio of successive terms is
// ≤ 70·0.02/(31·0.98) ≈ 0.046).
func TestBinomialPValuesValues(t *testing.T) {
	const tol = 1e-13
	for _, n := range []int{1, 7, 100} {
		for _, p0 := range []float64{0.005, 0.2, 0.9} {
			nf := float64(n)
			high, _ := BinomialPValues(n, n, p0)
			_, low := BinomialPValues(0, n, p0)
			if !scalar.EqualWithinAbsOrRel(high, math.Pow(p0, nf), 0, tol) || !scalar.EqualWithinAbsOrRel(low, math.Pow(1-p0, nf), 0, tol) {
				t.Errorf("BinomialPValues(n = %d, p0 = %g): P(X ≥ n) = %g, P(X ≤ 0) = %g, want %g, %g",
					n, p0, high, low, math.Pow(p0, nf), math.Pow(1-p0, nf))
			}
			for o := 0; o <= n; o++ {
				high, low := BinomialPValues(o, n, p0)
				if want := 1 + binomialPMF(o, n, p0); !scalar.EqualWithinAbsOrRel(high+low, want, tol, tol) {
					t.Errorf("BinomialPValues(%d, %d, %g): high + low = %g, want %g", o, n, p0, high+low, want)
				}
			}
		}
	}
	high, _ := BinomialPValues(30, 100, 0.02)
	pmf := binomialPMF(30, 100, 0.02)
	if !(high >= pmf && high <= pmf*1.05) {
		t.Errorf("BinomialPValues(30, 100, 0.02) high = %g, want within 5%% above P(X = 30) = %g", high, pmf)
	}
}

// binomialPMF returns P(Bin(n, p0) = k) via log-gamma; accurate to ~1e−14
// for the small n used in these tests.
func binomialPMF(k, n int, p0 float64) float64 {
	lc := func(x int) float64 { v, _ := math.Lgamma(float64(x) + 1); return v }
	return math.Exp(lc(n) - lc(k) - lc(n-k) + float64(k)*math.Log(p0) + float64(n-k)*math.Log1p(-p0))
}

// TestPValuesMatchLineRule checks STATS.md §6.3. Lower side: the line rule
// (O/E strictly below the interpolated lower limit) and the test rule
// (P(X ≤ O) < p) flag exactly the same units. Upper side: the test rule
// (P(X ≥ O) < 1 − p) flags a subset of the line rule (O/E strictly above the
// upper limit), the line rule flagging exactly when O ≥ max(r, 1) (α > 0;
// the limit is clipped at 0) and the test rule when O ≥ r + 1. The same holds for the binomial funnel.
func TestPValuesMatchLineRule(t *testing.T) {
	extra := 0
	for _, e := range logGrid(0.02, 300, 1.03) {
		for _, tp := range tailPairs {
			lower, upper := PoissonLimit(tp.lo, e), PoissonLimit(tp.hi, e)
			s := poissonStep(tp.hi, e)
			for o := 0; o <= int(e+8*math.Sqrt(e)+10); o++ {
				high, low := PoissonPValues(o, e)
				y := float64(o) / e
				if line, test := y < lower, low < tp.lo; line != test {
					t.Errorf("E = %g, O = %d, p = %g: line rule %v (limit %g), test rule %v (P(X ≤ O) = %g)",
						e, o, tp.lo, line, lower, test, low)
				}
				line, test := y > upper, high < 1-tp.hi
				if test && !line {
					t.Errorf("E = %g, O = %d, p = %g: test rule flags (P(X ≥ O) = %g) but line rule does not (limit %g)",
						e, o, tp.hi, high, upper)
				}
				if want := o > 0 && o >= s.r && (s.alpha > 0 || o > s.r); line != want {
					t.Errorf("E = %g, O = %d, p = %g: line rule %v, want %v (r = %d, α = %g)", e, o, tp.hi, line, want, s.r, s.alpha)
				}
				if want := o >= s.r+1; test != want {
					t.Errorf("E = %g, O = %d, p = %g: test rule %v, want %v (r = %d)", e, o, tp.hi, test, want, s.r)
				}
				if line && !test {
					extra++
				}
			}
		}
	}
	if extra == 0 {
		t.Errorf("line rule never flagged high before the test rule; STATS.md §6.3 says it does")
	}
	for _, p0 := range []float64{0.005, 0.033, 0.2} {
		for _, n := range []int{1, 2, 5, 30, 100, 400, 2000} {
			for _, tp := range tailPairs {
				lower, upper := BinomialLimit(tp.lo, n, p0), BinomialLimit(tp.hi, n, p0)
				for o := 0; o <= n; o++ {
					high, low := BinomialPValues(o, n, p0)
					y := float64(o) / float64(n)
					if line, test := y < lower, low < tp.lo; line != test {
						t.Errorf("n = %d, p0 = %g, O = %d, p = %g: lower line rule %v, test rule %v", n, p0, o, tp.lo, line, test)
					}
					if line, test := y > upper, high < 1-tp.hi; test && !line {
						t.Errorf("n = %d, p0 = %g, O = %d, p = %g: test rule flags high but line rule does not", n, p0, o, tp.hi)
					}
				}
			}
		}
	}
}

// TestPValuesNaN checks that undefined inputs give NaN.
func TestPValuesNaN(t *testing.T) {
	nan := math.NaN()
	type result struct {
		name      string
		high, low float64
	}
	var tests []result
	for _, e := range []float64{nan, 0, -1, math.Inf(1)} {
		h, l := PoissonPValues(1, e)
		tests = append(tests, result{"PoissonPValues", h, l})
	}
	for _, c := range []struct {
		o, n int
		p0   float64
	}{{1, 10, nan}, {1, 10, -0.1}, {1, 10, 1.1}, {11, 10, 0.1}} {
		h, l := BinomialPValues(c.o, c.n, c.p0)
		tests = append(tests, result{"BinomialPValues", h, l})
	}
	for _, tt := range tests {
		if !math.IsNaN(tt.high) || !math.IsNaN(tt.low) {
			t.Errorf("%s = %g, %g, want NaN", tt.name, tt.high, tt.low)
		}
	}
}
