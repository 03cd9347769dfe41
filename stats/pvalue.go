package stats

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// PoissonPValues returns the exact one-sided tail probabilities of an
// observed count O when X ~ Poisson(E):
//
//	high = P(X ≥ O) = P(O, E)       (1 when O = 0)
//	low  = P(X ≤ O) = Q(O + 1, E)
//
// where P and Q are the lower and upper regularised incomplete gamma
// functions, so neither tail is formed as 1 minus the other. The test rule
// of STATS.md §6.3 flags a high alarm when high < 0.001 and a low alarm when
// low < 0.001 (0.025 for alerts). On the low side it agrees with the line
// rule of [PoissonLimit] exactly; on the high side it flags one death later.
//
// PoissonPValues returns NaNs unless E is positive and finite, and panics if
// O < 0.
//
// Source: STATS.md §6.3.
func PoissonPValues(o int, e float64) (high, low float64) {
	if o < 0 {
		panic("stats: negative count")
	}
	if !(e > 0 && e <= math.MaxFloat64) {
		return math.NaN(), math.NaN()
	}
	high = 1
	if o > 0 {
		high = mathext.GammaIncReg(float64(o), e)
	}
	return high, mathext.GammaIncRegComp(float64(o)+1, e)
}

// BinomialPValues returns the exact one-sided tail probabilities of an
// observed count O when X ~ Bin(n, p0):
//
//	high = P(X ≥ O) = I_{p0}(O, n − O + 1)       (1 when O = 0)
//	low  = P(X ≤ O) = I_{1−p0}(n − O, O + 1)     (1 when O = n)
//
// where I is the regularised incomplete beta function. The upper tail is
// computed directly, not as 1 − CDF, which cancels (gonum's
// distuv.Binomial.Survival does that; STATS.md §7).
//
// BinomialPValues returns NaNs unless 0 ≤ O ≤ n and 0 ≤ p0 ≤ 1, and panics
// if O or n is negative.
//
// Source: STATS.md §6.3.
func BinomialPValues(o, n int, p0 float64) (high, low float64) {
	if o < 0 || n < 0 {
		panic("stats: negative count")
	}
	if o > n || !(p0 >= 0 && p0 <= 1) {
		return math.NaN(), math.NaN()
	}
	of, nf := float64(o), float64(n)
	high, low = 1, 1
	if o > 0 {
		high = mathext.RegIncBeta(of, nf-of+1, p0)
	}
	if o < n {
		low = mathext.RegIncBeta(nf-of, of+1, 1-p0)
	}
	return high, low
}
