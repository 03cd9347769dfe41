package stats

import (
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// maxLambda bounds the Poisson mean accepted by the quantile search, so that
// every count near the mean is an exact integer in a float64.
const maxLambda = 1 << 52

// linearSteps is how many unit steps the quantile search takes from its
// Cornish–Fisher starting point before it falls back to bracketing and
// bisection. From a good start the answer is one or two steps away.
const linearSteps = 16

// maxGallop bounds the doubling steps of the bracketing fallback, so that the
// search ends even if the CDF misbehaves.
const maxGallop = 64

// PoissonQuantile returns R's qpois(p, λ): the smallest integer r ≥ 0 with
//
//	F(r) = P(Poisson(λ) ≤ r) ≥ p.
//
// p must be in [0, 1) and λ in [0, 2⁵²]; PoissonQuantile returns −1 when p
// or λ is NaN or outside those ranges (R returns +Inf for p = 1). It returns
// 0 when p = 0 or λ = 0.
//
// The search starts at the Cornish–Fisher value λ + √λ·(z + (z² − 1)/(6√λ)),
// z = Φ⁻¹(p), as R does, and steps to the answer. Unlike R it applies no
// "fuzz" to p (R uses p·(1 − 64ε)), so at an exact tie F(r) = p it returns r
// as the definition says; Spiegelhalter's interpolated limit is continuous
// across such ties (STATS.md §3.2).
func PoissonQuantile(p, lambda float64) int {
	switch {
	case !(p >= 0 && p < 1) || !(lambda >= 0 && lambda <= maxLambda):
		return -1
	case p == 0 || lambda == 0:
		return 0
	}
	cdf := func(k int) float64 { return poissonCDF(k, lambda) }
	return searchQuantile(cdf, p, cornishFisher(p, lambda, math.Sqrt(lambda), 1/math.Sqrt(lambda)), -1)
}

// BinomialQuantile returns R's qbinom(p, n, p0): the smallest integer r in
// [0, n] with
//
//	F(r) = P(Bin(n, p0) ≤ r) ≥ p.
//
// p and p0 must be in [0, 1]; BinomialQuantile returns −1 when either is NaN
// or outside [0, 1]. It returns 0 when p = 0 or n = 0 and n when p = 1, as R
// does, and panics if n < 0. There is no fuzz on p (see [PoissonQuantile]).
func BinomialQuantile(p float64, n int, p0 float64) int {
	if n < 0 {
		panic("stats: negative number of cases")
	}
	switch {
	case !(p >= 0 && p <= 1) || !(p0 >= 0 && p0 <= 1):
		return -1
	case p == 0 || n == 0:
		return 0
	case p == 1:
		return n
	}
	nf := float64(n)
	sigma := math.Sqrt(nf * p0 * (1 - p0))
	guess := int(math.Round(nf * p0))
	if sigma > 0 {
		guess = cornishFisher(p, nf*p0, sigma, (1-2*p0)/sigma)
	}
	cdf := func(k int) float64 { return binomialCDF(k, n, p0) }
	return searchQuantile(cdf, p, min(guess, n), n)
}

// cornishFisher returns the rounded Cornish–Fisher approximation to the p
// quantile of a distribution with mean mu, standard deviation sigma and
// skewness gamma, clamped at 0:
//
//	mu + sigma·(z + gamma·(z² − 1)/6),  z = Φ⁻¹(p).
func cornishFisher(p, mu, sigma, gamma float64) int {
	z := distuv.UnitNormal.Quantile(p)
	y := math.Round(mu + sigma*(z+gamma*(z*z-1)/6))
	if !(y > 0) { // also catches NaN
		return 0
	}
	if y > maxLambda {
		return maxLambda
	}
	return int(y)
}

// searchQuantile returns the smallest k ≥ 0 with cdf(k) ≥ p, for a
// non-decreasing cdf and 0 < p < 1, starting at guess. If upper ≥ 0, k is at
// most upper, where cdf(upper) = 1. It returns −1 only if cdf never reaches p
// within the bounded search, which does not happen for the CDFs used here.
func searchQuantile(cdf func(int) float64, p float64, guess, upper int) int {
	k := max(guess, 0)
	if upper >= 0 {
		k = min(k, upper)
	}
	if cdf(k) >= p {
		// Step down while the previous value still reaches p.
		for range linearSteps {
			if k == 0 || cdf(k-1) < p {
				return k
			}
			k--
		}
		return bisectQuantile(cdf, p, -1, k)
	}
	// cdf(k) < p: step up.
	for range linearSteps {
		k++
		if (upper >= 0 && k >= upper) || cdf(k) >= p {
			return k
		}
	}
	// Gallop: find hi with cdf(hi) ≥ p, doubling the distance from lo.
	lo, step := k, 1
	for range maxGallop {
		step *= 2
		hi := lo + step
		if upper >= 0 && hi >= upper {
			return bisectQuantile(cdf, p, lo, upper)
		}
		if hi > maxLambda*2 {
			return -1
		}
		if cdf(hi) >= p {
			return bisectQuantile(cdf, p, lo, hi)
		}
		lo = hi
	}
	return -1
}

// bisectQuantile returns the smallest k in (lo, hi] with cdf(k) ≥ p, given
// cdf(lo) < p (or lo = −1) and cdf(hi) ≥ p.
func bisectQuantile(cdf func(int) float64, p float64, lo, hi int) int {
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if cdf(mid) >= p {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// poissonCDF returns P(Poisson(λ) ≤ k) = Q(k + 1, λ), the upper regularised
// incomplete gamma function, for λ > 0.
func poissonCDF(k int, lambda float64) float64 {
	if k < 0 {
		return 0
	}
	return mathext.GammaIncRegComp(float64(k)+1, lambda)
}

// binomialCDF returns P(Bin(n, p0) ≤ k) = I_{1−p0}(n − k, k + 1), the
// regularised incomplete beta function, as gonum's distuv.Binomial does.
func binomialCDF(k, n int, p0 float64) float64 {
	switch {
	case k < 0:
		return 0
	case k >= n:
		return 1
	}
	return mathext.RegIncBeta(float64(n-k), float64(k)+1, 1-p0)
}

// interpolate returns Spiegelhalter's interpolation weight for tail
// probability p at the quantile r of a discrete CDF, with F(−1) = 0:
//
//	α = (F(r) − p) / (F(r) − F(r−1)).
//
// For 0 < p < 1 and r = min{k : F(k) ≥ p}, F(r) ≥ p > F(r−1), so
// 0 ≤ α < 1 and the denominator is positive. It also returns F(r) and F(r−1).
func interpolate(cdf func(int) float64, r int, p float64) (alpha, fr, frm1 float64) {
	fr = cdf(r)
	frm1 = cdf(r - 1)
	return (fr - p) / (fr - frm1), fr, frm1
}
