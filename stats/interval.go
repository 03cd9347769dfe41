package stats

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// GarwoodInterval returns the exact (Garwood) confidence interval for the
// mean of a Poisson count O, on the count scale:
//
//	lo = G⁻¹((1 − level)/2; shape O)       (0 when O = 0)
//	hi = G⁻¹((1 + level)/2; shape O + 1)
//
// where G⁻¹(q; shape a) is the Gamma quantile with rate 1 (equivalently
// χ²⁻¹(q; 2O)/2 and χ²⁻¹(q; 2O + 2)/2). Divide by E for an interval for
// O/E and multiply that by p0 for RAMR. The ends satisfy
// P(Poisson(lo) ≥ O) = P(Poisson(hi) ≤ O) = (1 − level)/2.
//
// GarwoodInterval returns NaNs unless 0 < level < 1, and panics if O < 0.
//
// Source: Garwood (1936) Biometrika 28:437; STATS.md §2.1.
func GarwoodInterval(o int, level float64) (lo, hi float64) {
	if o < 0 {
		panic("stats: negative count")
	}
	pLo, _, _, ok := tails(level)
	if !ok {
		return math.NaN(), math.NaN()
	}
	if o > 0 {
		lo = gammaLower(float64(o), pLo)
	}
	return lo, gammaUpper(float64(o)+1, pLo)
}

// ByarInterval returns Byar's approximation to the exact Poisson interval for
// a count O, on the count scale:
//
//	lo = O·(1 − 1/(9O) − z/(3√O))³                 (0 when O = 0, floored at 0)
//	hi = (O + 1)·(1 − 1/(9(O + 1)) + z/(3√(O + 1)))³,  z = Φ⁻¹((1 + level)/2)
//
// It is within about 0.1–2% of [GarwoodInterval] for O ≥ 10 and is what the
// NY State DOH reports and PHE (for O ≥ 10) use.
//
// ByarInterval returns NaNs unless 0 < level < 1, and panics if O < 0.
//
// Source: Breslow and Day (1987) Statistical Methods in Cancer Research,
// vol. II (IARC); STATS.md §2.2.
func ByarInterval(o int, level float64) (lo, hi float64) {
	if o < 0 {
		panic("stats: negative count")
	}
	_, _, z, ok := tails(level)
	if !ok {
		return math.NaN(), math.NaN()
	}
	if o > 0 {
		of := float64(o)
		if c := 1 - 1/(9*of) - z/(3*math.Sqrt(of)); c > 0 {
			lo = of * c * c * c
		}
	}
	m := float64(o) + 1
	c := 1 - 1/(9*m) + z/(3*math.Sqrt(m))
	return lo, m * c * c * c
}

// MixedInterval returns PHEindicatormethods' interval for a count O, on the
// count scale: [GarwoodInterval] when O < 10 and [ByarInterval] from O = 10,
// as its calculate_ISRatio and calculate_ISRate do.
//
// MixedInterval returns NaNs unless 0 < level < 1, and panics if O < 0.
//
// Source: PHEindicatormethods 2.0.0; STATS.md §2.2.
func MixedInterval(o int, level float64) (lo, hi float64) {
	if o < 10 {
		return GarwoodInterval(o, level)
	}
	return ByarInterval(o, level)
}

// ClopperPearsonInterval returns the exact (Clopper–Pearson) confidence
// interval for a binomial proportion with O events in n trials:
//
//	lo = B⁻¹((1 − level)/2; O, n − O + 1)      (0 when O = 0)
//	hi = B⁻¹((1 + level)/2; O + 1, n − O)      (1 when O = n)
//
// where B⁻¹ is the Beta quantile. The ends satisfy
// P(Bin(n, lo) ≥ O) = P(Bin(n, hi) ≤ O) = (1 − level)/2.
//
// ClopperPearsonInterval returns NaNs unless 0 ≤ O ≤ n, n ≥ 1 and
// 0 < level < 1. It panics if O or n is negative.
//
// Source: Clopper and Pearson (1934) Biometrika 26:404; STATS.md §2.4.
func ClopperPearsonInterval(o, n int, level float64) (lo, hi float64) {
	if o < 0 || n < 0 {
		panic("stats: negative count")
	}
	pLo, pHi, _, ok := tails(level)
	if !ok || o > n || n == 0 {
		return math.NaN(), math.NaN()
	}
	of, nf := float64(o), float64(n)
	if o > 0 {
		lo = mathext.InvRegIncBeta(of, nf-of+1, pLo)
	}
	hi = 1
	if o < n {
		hi = mathext.InvRegIncBeta(of+1, nf-of, pHi)
	}
	return lo, hi
}

// WilsonInterval returns the Wilson score interval for a binomial proportion
// with O events in n trials, as PHEindicatormethods' phe_proportion does:
//
//	lo, hi = (2O + z² ∓ z·√(z² + 4O(1 − O/n))) / (2(n + z²)),  z = Φ⁻¹((1 + level)/2)
//
// with lo set to 0 when O = 0 and hi to 1 when O = n.
//
// WilsonInterval returns NaNs unless 0 ≤ O ≤ n, n ≥ 1 and 0 < level < 1. It
// panics if O or n is negative.
//
// Source: Wilson (1927) JASA 22:209; STATS.md §2.4.
func WilsonInterval(o, n int, level float64) (lo, hi float64) {
	if o < 0 || n < 0 {
		panic("stats: negative count")
	}
	_, _, z, ok := tails(level)
	if !ok || o > n || n == 0 {
		return math.NaN(), math.NaN()
	}
	of, nf := float64(o), float64(n)
	z2 := z * z
	centre := 2*of + z2
	half := z * math.Sqrt(z2+4*of*(1-of/nf))
	den := 2 * (nf + z2)
	lo, hi = (centre-half)/den, (centre+half)/den
	if o == 0 {
		lo = 0
	}
	if o == n {
		hi = 1
	}
	return lo, hi
}
