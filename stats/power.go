package stats

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// The true ratios whose chance of being flagged [Funnel] reports for
// every unit (UnitResult.Power2x and Power1_5x), and the power the
// detectable ratio is quoted at (UnitResult.DetectableRatio80).
const (
	powerRatioDouble   = 2
	powerRatioHalfMore = 1.5
	detectablePower    = 0.8
)

// PoissonFlagCount returns c, the smallest number of deaths that the
// funnel flags high at 95% (high_alert or high_alarm) for a unit of E
// expected deaths: from E = 1 the smallest count whose O/E lies strictly
// above the interpolated upper 95% line ([PoissonLimit] at 0.975), below
// E = 1 the smallest count the exact one-sided test flags,
// P(Poisson(E) ≥ c) < 0.025 (STATS.md §8.3). It applies the rule of
// [Funnel] to the same lines, so that Funnel flags a unit with c deaths
// and not one with c − 1. It returns −1 unless E is positive and at most
// 2⁵².
func PoissonFlagCount(e float64) int {
	if !(e > 0 && e <= maxLambda) {
		return -1
	}
	line := PoissonLimit(pHigh95, e)
	if Small(e) {
		tail := func(o int) float64 { high, _ := PoissonPValues(o, e); return high }
		line, _ = testLine(pLow95, tail, math.MaxInt, e)
	}
	return flagCount(line, e, math.MaxInt)
}

// BinomialFlagCount is [PoissonFlagCount] for crude data: the smallest
// number of deaths out of n whose O/n the funnel flags high at 95%
// around the target p0, by the binomial line ([BinomialLimit] at 0.975)
// from n·p0 = 1 and by the exact binomial test below. It returns n + 1
// when no count up to n is flagged (a unit with too few cases for any
// number of deaths to be a signal), and −1 unless n ≥ 1 and 0 ≤ p0 ≤ 1.
func BinomialFlagCount(n int, p0 float64) int {
	if n < 1 || !(p0 >= 0 && p0 <= 1) {
		return -1
	}
	size := float64(n)
	line := BinomialLimit(pHigh95, n, p0)
	if Small(size * p0) {
		tail := func(o int) float64 { high, _ := BinomialPValues(o, n, p0); return high }
		line, _ = testLine(pLow95, tail, n, size)
	}
	return flagCount(line, size, n)
}

// flagCount returns the smallest count k in 0…maxCount whose y = k/size
// lies strictly above line, the band's rule ([BandOf]), or maxCount + 1
// when none does. It starts from the count at the line and steps, so
// that the comparison made is exactly the band's, floating-point
// rounding included.
func flagCount(line, size float64, maxCount int) int {
	if math.IsNaN(line) || !(size > 0) {
		return -1
	}
	above := func(k int) bool { return float64(k)/size > line }
	k := 0
	if start := math.Floor(line * size); start > 0 {
		k = int(min(start, float64(maxCount)))
	}
	for k > 0 && above(k-1) {
		k--
	}
	for k <= maxCount && !above(k) {
		k++
	}
	return k
}

// PoissonPower returns the chance that a unit of E expected deaths whose
// true death rate is ratio times the expected would be flagged high at
// 95% by the funnel: with c = [PoissonFlagCount](E),
//
//	power = P(Poisson(ratio·E) ≥ c) = P(c, ratio·E)
//
// (P the lower regularised incomplete gamma function, as in
// [PoissonPValues]). It is the answer to "had this surgeon's death rate
// been twice the expected, how likely is it that the funnel would have
// shown it?", which a band of within does not say. It returns NaN unless
// E is positive and at most 2⁵² and ratio is positive and finite.
//
// Source: the exact Poisson tail (STATS.md §6.3) at the funnel's own
// flagging count (§8.3).
func PoissonPower(e, ratio float64) float64 {
	return poissonPowerAt(PoissonFlagCount(e), e, ratio)
}

// poissonPowerAt is [PoissonPower] at the flagging count c.
func poissonPowerAt(c int, e, ratio float64) float64 {
	if c < 0 || !(ratio > 0 && ratio <= math.MaxFloat64) || !(ratio*e <= math.MaxFloat64) {
		return math.NaN()
	}
	high, _ := PoissonPValues(c, ratio*e)
	return high
}

// PoissonDetectableRatio returns the smallest true ratio to expected that
// a unit of E expected deaths would have flagged high at 95% with
// probability power (0.8 for the usual 80%):
//
//	R = G⁻¹(power; shape c) / E,  c = [PoissonFlagCount](E),
//
// G⁻¹ the quantile of the Gamma(c, 1) distribution (R's qgamma(power,
// c)), since P(Poisson(μ) ≥ c) = P(Gamma(c, 1) ≤ μ) and the power grows
// with μ = R·E. It differs from UnitResult.DetectableRatio, the upper
// 95% line as a multiple of expected, the ratio a unit must be observed
// beyond to be flagged: a surgeon whose true ratio is on the line is
// flagged about half the time (0.45 to 0.55 at E = 1, 2, 5, 10, 20 and
// 100; R: ppois), one at PoissonDetectableRatio(E, 0.8) four times in
// five. It returns NaN unless E is positive and at most 2⁵² and
// 0 < power < 1.
//
// Source: the gamma–Poisson relation; R's qgamma.
func PoissonDetectableRatio(e, power float64) float64 {
	return poissonDetectableAt(PoissonFlagCount(e), e, power)
}

// poissonDetectableAt is [PoissonDetectableRatio] at the flagging count c.
func poissonDetectableAt(c int, e, power float64) float64 {
	return poissonDetectableCount(c, power) / e
}

// poissonDetectableCount is the Poisson mean G⁻¹(power; shape c) at which
// a count of c or more has probability power: the 80%-detectable number
// of deaths, the same for every unit with flagging count c.
func poissonDetectableCount(c int, power float64) float64 {
	if c < 1 || !(power > 0 && power < 1) {
		return math.NaN()
	}
	return mathext.GammaIncRegInv(float64(c), power)
}

// BinomialPower is [PoissonPower] for crude data: the chance that a unit
// of n cases whose true death rate is ratio·p0 would be flagged high at
// 95% around the target p0, with c = [BinomialFlagCount](n, p0),
//
//	power = P(Bin(n, ratio·p0) ≥ c) = I_{ratio·p0}(c, n − c + 1)
//
// (I the regularised incomplete beta function, as in [BinomialPValues]).
// It is 0 when no count up to n is flagged, 1 when ratio·p0 ≥ 1 and
// some count is, and NaN unless n ≥ 1, 0 ≤ p0 ≤ 1 and ratio ≥ 0.
func BinomialPower(n int, p0, ratio float64) float64 {
	return binomialPowerAt(BinomialFlagCount(n, p0), n, p0, ratio)
}

// binomialPowerAt is [BinomialPower] at the flagging count c.
func binomialPowerAt(c, n int, p0, ratio float64) float64 {
	switch {
	case c < 0 || !(ratio >= 0):
		return math.NaN()
	case c > n:
		return 0
	}
	high, _ := BinomialPValues(c, n, min(ratio*p0, 1))
	return high
}

// BinomialDetectableRatio is [PoissonDetectableRatio] for crude data: the
// smallest true ratio R to the target p0 that a unit of n cases would have
// flagged high at 95% with probability power,
//
//	R = B⁻¹(power; c, n − c + 1) / p0,  c = [BinomialFlagCount](n, p0),
//
// B⁻¹ the Beta quantile (R's qbeta), since P(Bin(n, p) ≥ c) =
// I_p(c, n − c + 1) grows with p. It is +Inf when no count up to n is
// flagged (no true rate would be detected), and NaN unless n ≥ 1,
// 0 < p0 ≤ 1 and 0 < power < 1.
func BinomialDetectableRatio(n int, p0, power float64) float64 {
	return binomialDetectableAt(BinomialFlagCount(n, p0), n, p0, power)
}

// binomialDetectableAt is [BinomialDetectableRatio] at the flagging count c.
func binomialDetectableAt(c, n int, p0, power float64) float64 {
	switch {
	case c < 1 || !(p0 > 0) || !(power > 0 && power < 1):
		return math.NaN()
	case c > n:
		return math.Inf(1)
	}
	return mathext.InvRegIncBeta(float64(c), float64(n-c+1), power) / p0
}

// power fills each unit's flagging count, its power at true ratios of 2
// and 1.5 and its ratio detectable with 80% power. The flagging count
// comes from the unit's own upper 95% line, the one its band was given
// by, so the power is that of the band shown. A group of thousands of
// surgeons has a few dozen distinct flagging counts, so each count's
// gamma quantile is computed once.
func (res *Result) power(units []Unit) {
	detectable := map[int]float64{}
	for i := range res.Units {
		r := &res.Units[i]
		if res.Scale == ScaleRatio {
			e := units[i].Expected
			c := flagCount(r.Upper95, e, math.MaxInt)
			r.FlagCount = c
			r.Power2x = poissonPowerAt(c, e, powerRatioDouble)
			r.Power1_5x = poissonPowerAt(c, e, powerRatioHalfMore)
			count, ok := detectable[c]
			if !ok {
				count = poissonDetectableCount(c, detectablePower)
				detectable[c] = count
			}
			r.DetectableRatio80 = count / e
			continue
		}
		n, p0 := units[i].Cases, res.Target
		c := flagCount(r.Upper95, float64(n), n)
		r.FlagCount = c
		r.Power2x = binomialPowerAt(c, n, p0, powerRatioDouble)
		r.Power1_5x = binomialPowerAt(c, n, p0, powerRatioHalfMore)
		r.DetectableRatio80 = binomialDetectableAt(c, n, p0, detectablePower)
	}
}
