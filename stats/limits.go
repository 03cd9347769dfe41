package stats

import (
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// step is one interpolated step of a discrete CDF F at tail probability p
// (STATS.md §3.2): the quantile r, F(r), F(r−1), the weight alpha and the
// raw count limit r − alpha before any clipping.
type step struct {
	r          int
	fr, frm1   float64
	alpha, raw float64
}

// poissonStep returns the interpolated step of the Poisson(e) CDF at p, for
// 0 < p < 1 and 0 < e ≤ 2⁵².
func poissonStep(p, e float64) step {
	r := PoissonQuantile(p, e)
	alpha, fr, frm1 := interpolate(func(k int) float64 { return poissonCDF(k, e) }, r, p)
	return step{r: r, fr: fr, frm1: frm1, alpha: alpha, raw: float64(r) - alpha}
}

// binomialStep returns the interpolated step of the Bin(n, p0) CDF at p, for
// 0 < p < 1, n ≥ 1 and 0 ≤ p0 ≤ 1.
func binomialStep(p float64, n int, p0 float64) step {
	r := BinomialQuantile(p, n, p0)
	alpha, fr, frm1 := interpolate(func(k int) float64 { return binomialCDF(k, n, p0) }, r, p)
	return step{r: r, fr: fr, frm1: frm1, alpha: alpha, raw: float64(r) - alpha}
}

// PoissonLimit returns the exact Poisson funnel limit for O/E at expected
// count E and tail probability p, with Spiegelhalter's interpolation, on the
// ratio scale (target 1):
//
//	F(k) = P(Poisson(E) ≤ k),  F(−1) = 0
//	r = min{k ≥ 0 : F(k) ≥ p}            (R qpois(p, E))
//	α = (F(r) − p) / (F(r) − F(r−1))
//	limit = max(r − α, 0) / E
//
// Use p = 0.025 and 0.975 for the 95% limits, 0.001 and 0.999 for 99.8%. The
// same rule gives lower and upper limits; there is no upper clip, and an
// upper limit can be 0 when E is tiny (E = 0.02: any death is above it).
// Multiply by E for the count-scale limit (the "detectable" number of
// deaths). The limit is continuous in p and E but, the distribution being
// discrete, not exactly monotone in E: the lower limit never decreases as E
// grows, while the upper one has small wiggles (under 0.02% for E ≥ 1, none
// beyond E ≈ 115), and the width upper − lower narrows steadily only from
// E ≈ 6.5. The upper limit lies below the target 1 for E below about 0.026
// (95%) or 0.001 (99.8%).
//
// PoissonLimit returns NaN unless 0 < p < 1 and 0 < E ≤ 2⁵² (NaN included).
//
// Source: Spiegelhalter (2005) Stat Med 24:1185, doi:10.1002/sim.1970,
// appendix A.1.1; STATS.md §4.1.
func PoissonLimit(p, e float64) float64 {
	if !(p > 0 && p < 1) || !(e > 0 && e <= maxLambda) {
		return math.NaN()
	}
	return max(poissonStep(p, e).raw, 0) / e
}

// BinomialLimit returns the exact binomial funnel limit for a proportion at n
// cases, target p0 and tail probability p, with Spiegelhalter's
// interpolation, on the proportion scale:
//
//	F(k) = P(Bin(n, p0) ≤ k),  F(−1) = 0
//	r = min{k ∈ 0…n : F(k) ≥ p}          (R qbinom(p, n, p0))
//	α = (F(r) − p) / (F(r) − F(r−1))
//	limit = min(max(r − α, 0), n) / n
//
// The clip matters: with r = 0 the raw value lies in (−1, 0], which happens
// to upper limits too when n·p0 is tiny (n = 1, p0 = 0.005: 95% upper raw
// −0.0201, limit 0).
//
// BinomialLimit returns NaN unless 0 < p < 1, n ≥ 1 and 0 ≤ p0 ≤ 1 (NaN
// included). It panics if n < 0.
//
// Source: Spiegelhalter (2005) Stat Med 24:1185, doi:10.1002/sim.1970,
// appendix A.1.1; STATS.md §3.2.
func BinomialLimit(p float64, n int, p0 float64) float64 {
	if n < 0 {
		panic("stats: negative number of cases")
	}
	if !(p > 0 && p < 1) || n == 0 || !(p0 >= 0 && p0 <= 1) {
		return math.NaN()
	}
	nf := float64(n)
	return min(max(binomialStep(p, n, p0).raw, 0), nf) / nf
}

// tails returns the tail probabilities of a two-sided level and the matching
// standard normal quantile:
//
//	pLo = (1 − level)/2,  pHi = (1 + level)/2,  z = Φ⁻¹(pHi).
//
// ok is false unless 0 < level < 1.
func tails(level float64) (pLo, pHi, z float64, ok bool) {
	if !(level > 0 && level < 1) {
		return math.NaN(), math.NaN(), math.NaN(), false
	}
	pLo, pHi = (1-level)/2, (1+level)/2
	return pLo, pHi, distuv.UnitNormal.Quantile(pHi), true
}

// gammaLower returns the lower-tail quantile of a Gamma(shape a, rate 1),
// the x with P(a, x) = p (P the lower regularised incomplete gamma
// function), for a > 0 and 0 < p ≤ 0.5.
//
// gonum's GammaIncRegInv stops at an absolute tolerance, so for tiny shapes
// the far lower tail loses relative accuracy (a = 0.1, p = 0.025: 5.27e−17
// against R's 5.79e−17; p = 0.001: 0 against 6.07e−30; STATS.md §7). Its
// answer is therefore polished by Newton's method on u = ln x,
//
//	u ← u − (ln P(a, eᵘ) − ln p) / (x·g(x; a) / P(a, x)),  g the Gamma density,
//
// which is well scaled however small x is (ln P ≈ a·u + const there). When
// gonum returns 0 or NaN, the start is the leading term of the series,
// x ≈ (p·Γ(a + 1))^(1/a). The result matches R's qgamma to a few ulps.
func gammaLower(a, p float64) float64 {
	x := mathext.GammaIncRegInv(a, p)
	if x >= 1 {
		return x
	}
	lga, _ := math.Lgamma(a)
	var u float64
	if x > 0 {
		u = math.Log(x)
	} else {
		lga1, _ := math.Lgamma(a + 1)
		u = (math.Log(p) + lga1) / a
	}
	lp := math.Log(p)
	for range 20 {
		xu := math.Exp(u)
		if xu == 0 {
			return 0 // below the smallest float64
		}
		lP := math.Log(mathext.GammaIncReg(a, xu))
		d := (lP - lp) / math.Exp(a*u-xu-lga-lP)
		if math.IsNaN(d) || math.IsInf(d, 0) {
			break
		}
		u -= d
		if math.Abs(d) <= 4e-16*max(1, math.Abs(u)) {
			break
		}
	}
	if y := math.Exp(u); y >= 0 && y < math.Inf(1) {
		return y
	}
	return x
}

// gammaUpper returns the quantile of a Gamma(shape a, rate 1) with upper
// tail probability q, G⁻¹(1 − q; a), without forming 1 − q.
func gammaUpper(a, q float64) float64 {
	return mathext.GammaIncRegCompInv(a, q)
}

// GammaAtELimits returns FunnelPlotR's unadjusted limits for O/E ("SR" data,
// default method) at expected count E, on the ratio scale:
//
//	lo = G⁻¹((1 − level)/2; shape E) / E
//	hi = G⁻¹((1 + level)/2; shape E + 1) / E
//
// where G⁻¹(q; shape a) is the Gamma quantile with rate 1; that is, the
// Garwood interval of a hypothetical count equal to E. Use only to reproduce
// FunnelPlotR: the lower limit is positive for every E, so every unit with
// O = 0 lies below it at any size, and it is much wider than [PoissonLimit]
// at moderate E (E = 10: upper 95% 1.839 against 1.616). For tiny E the
// lower limit is astronomically small (E = 0.1, 99.8%: 6.07e−30, which
// gonum alone returns as 0; it is polished to match R) and underflows
// float64 below E ≈ 0.01.
//
// GammaAtELimits returns NaNs unless E is positive and finite and
// 0 < level < 1.
//
// Source: FunnelPlotR 0.6.0; STATS.md §4.2.
func GammaAtELimits(e, level float64) (lo, hi float64) {
	pLo, _, _, ok := tails(level)
	if !ok || !(e > 0 && e <= math.MaxFloat64) {
		return math.NaN(), math.NaN()
	}
	return gammaLower(e, pLo) / e, gammaUpper(e+1, pLo) / e
}

// SqrtLimits returns the square-root-scale funnel limits for O/E at expected
// count E (Spiegelhalter's QSHC form, FunnelPlotR's "CQC" method), squared
// back to the ratio scale:
//
//	s² = 1/(4E)
//	lo = (max(0, 1 − z·√(s² + τ²)))²
//	hi = (1 + z·√(s² + τ²))²,  z = Φ⁻¹((1 + level)/2)
//
// τ² is the additive random-effects variance on the square-root scale
// ([Tau2] with weights w = 4E); τ² = 0 gives the unadjusted limits.
// FunnelPlotR returns 1 ∓ z·√(s² + τ²) without squaring (its issue #33);
// these are the squared, correct limits.
//
// SqrtLimits returns NaNs unless E is positive and finite, τ² ≥ 0 and
// 0 < level < 1. τ² = +Inf gives [0, +Inf).
//
// Source: Spiegelhalter (2005) QSHC 14:347, doi:10.1136/qshc.2005.013755;
// STATS.md §4.5.
func SqrtLimits(e, level, tau2 float64) (lo, hi float64) {
	_, _, z, ok := tails(level)
	if !ok || !(e > 0 && e <= math.MaxFloat64) || !(tau2 >= 0) {
		return math.NaN(), math.NaN()
	}
	d := z * math.Sqrt(1/(4*e)+tau2)
	l := max(0, 1-d)
	return l * l, (1 + d) * (1 + d)
}

// LogLimits returns the log-scale funnel limits for O/E at expected count E
// (NHS Digital SHMI; FunnelPlotR's "SHMI" method), on the ratio scale:
//
//	lo = exp(−z·√(1/E + τ²)),  hi = exp(z·√(1/E + τ²)),  z = Φ⁻¹((1 + level)/2)
//
// τ² is the random-effects variance on the log scale ([Tau2] with weights
// w = E); τ² = 0 gives the unadjusted limits. To reproduce SHMI the caller
// rounds E to two decimals first; that is not done here. The log scale puts
// units with O = 0 at −∞, always below the lower limit (STATS.md §4.4).
//
// LogLimits returns NaNs unless E is positive and finite, τ² ≥ 0 and
// 0 < level < 1. τ² = +Inf gives [0, +Inf).
//
// Source: NHS Digital SHMI methodology; STATS.md §4.4.
func LogLimits(e, level, tau2 float64) (lo, hi float64) {
	_, _, z, ok := tails(level)
	if !ok || !(e > 0 && e <= math.MaxFloat64) || !(tau2 >= 0) {
		return math.NaN(), math.NaN()
	}
	d := z * math.Sqrt(1/e+tau2)
	return math.Exp(-d), math.Exp(d)
}

// ArcsineLimits returns the arcsine-scale funnel limits for a proportion at n
// cases and target p0 (FunnelPlotR's "PR" data type), on the proportion
// scale:
//
//	T = asin(√p0),  s² = 1/(4n),  d = z·√(s² + τ²),  z = Φ⁻¹((1 + level)/2)
//	lo = sin²(max(T − d, 0)),  hi = sin²(min(T + d, π/2))
//
// The argument is clipped to [0, π/2] before squaring the sine, so the lower
// limit is 0 and the upper 1 where the curve would otherwise fold back at
// small n. FunnelPlotR instead compares adjacent rows of its plotting grid
// and misses the fold at the smallest and the largest n (STATS.md §3.3).
// τ² is the random-effects variance on the arcsine scale ([Tau2] with
// weights w = 4n); τ² = 0 gives the unadjusted limits.
//
// ArcsineLimits returns NaNs unless n ≥ 1, 0 ≤ p0 ≤ 1, τ² ≥ 0 and
// 0 < level < 1. It panics if n < 0.
//
// Source: Spiegelhalter (2005) Stat Med 24:1185, doi:10.1002/sim.1970;
// FunnelPlotR 0.6.0; STATS.md §3.3.
func ArcsineLimits(n int, p0, level, tau2 float64) (lo, hi float64) {
	if n < 0 {
		panic("stats: negative number of cases")
	}
	_, _, z, ok := tails(level)
	if !ok || n == 0 || !(p0 >= 0 && p0 <= 1) || !(tau2 >= 0) {
		return math.NaN(), math.NaN()
	}
	t := math.Asin(math.Sqrt(p0))
	d := z * math.Sqrt(1/(4*float64(n))+tau2)
	lo = 0
	if a := t - d; a > 0 {
		s := math.Sin(a)
		lo = s * s
	}
	hi = 1
	if a := t + d; a < math.Pi/2 {
		s := math.Sin(a)
		hi = s * s
	}
	return lo, hi
}
