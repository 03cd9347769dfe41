package stats

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"
)

// Quantile7 returns R's default (type 7) sample quantile of sorted at
// probability q:
//
//	idx = 1 + (m − 1)·q,  lo = ⌊idx⌋,  hi = ⌈idx⌉,  f = idx − lo
//	Q = (1 − f)·x[lo] + f·x[hi]     (1-based; Q = x[lo] when f = 0 or x[hi] = x[lo])
//
// f is computed from idx exactly as R does, which matches R to the last bit;
// gonum's stat.Quantile is R type 4 (LinInterp) or 1 (Empirical), not 7.
// The blend is skipped for equal neighbours, so repeated −Inf values give
// −Inf rather than NaN.
//
// sorted must be in ascending order; Quantile7 panics if it is not.
// Quantile7 returns NaN when sorted is empty or contains NaN, or q is NaN or
// outside [0, 1].
//
// Source: R quantile(x, q, type = 7); Hyndman and Fan (1996) Am Stat
// 50:361; STATS.md §5.2.
func Quantile7(sorted []float64, q float64) float64 {
	m := len(sorted)
	if m == 0 || !(q >= 0 && q <= 1) || slices.ContainsFunc(sorted, math.IsNaN) {
		return math.NaN()
	}
	if !slices.IsSorted(sorted) {
		panic("stats: Quantile7 input not sorted")
	}
	idx := 1 + float64(m-1)*q
	lo, hi := math.Floor(idx), math.Ceil(idx)
	f := idx - lo
	xl, xh := sorted[int(lo)-1], sorted[int(hi)-1]
	if f == 0 || xh == xl {
		return xl
	}
	return (1-f)*xl + f*xh
}

// AverageRanks returns the 1-based ranks of x, with tied values sharing the
// average of the ranks they span, as R's rank(x, ties.method = "average")
// does: if x[i] is tied with the values in sorted positions a…b (1-based),
//
//	rank_i = (a + b)/2.
//
// −Inf ranks first and +Inf last. NaN values get a NaN rank and do not count
// towards the ranks of the others (R's na.last = "keep"). The result is a
// new slice; x is not modified.
//
// Source: R rank; STATS.md §5.2.
func AverageRanks(x []float64) []float64 {
	ranks := make([]float64, len(x))
	order := make([]int, 0, len(x))
	for i, v := range x {
		if math.IsNaN(v) {
			ranks[i] = math.NaN()
			continue
		}
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case x[a] < x[b]:
			return -1
		case x[a] > x[b]:
			return 1
		}
		return 0
	})
	for start := 0; start < len(order); {
		end := start + 1
		for end < len(order) && x[order[end]] == x[order[start]] {
			end++
		}
		// Positions start..end−1 hold ranks start+1..end; their mean:
		r := float64(start+1+end) / 2
		for _, i := range order[start:end] {
			ranks[i] = r
		}
		start = end
	}
	return ranks
}

// Winsorize returns a new slice with the z-scores z winsorised at the q and
// 1 − q type 7 quantiles (Spiegelhalter's damping before estimating
// overdispersion; FunnelPlotR for CQC and PR data):
//
//	zlo = Q₇(q),  zhi = Q₇(1 − q)
//	z'ᵢ = min(max(zᵢ, zlo), zhi)
//
// All units are kept. The project uses q = 0.1. NaN elements are ignored
// when computing the quantiles and stay NaN, so [Dispersion] of the result
// is NaN. Winsorize returns all NaNs when q is NaN or outside [0, 0.5].
//
// Source: Spiegelhalter (2005) QSHC 14:347, doi:10.1136/qshc.2005.013755;
// STATS.md §5.2.
func Winsorize(z []float64, q float64) []float64 {
	out := slices.Clone(z)
	if out == nil {
		out = []float64{}
	}
	if !(q >= 0 && q <= 0.5) {
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	sorted := slices.DeleteFunc(slices.Clone(z), math.IsNaN)
	if len(sorted) == 0 {
		return out
	}
	slices.Sort(sorted)
	lo, hi := Quantile7(sorted, q), Quantile7(sorted, 1-q)
	for i, v := range out {
		switch {
		case v < lo:
			out[i] = lo
		case v > hi:
			out[i] = hi
		}
	}
	return out
}

// Truncate returns, in their original order, the z-scores z kept by NHS
// Digital's SHMI truncation with fraction q (FunnelPlotR's SHMI method):
//
//	k = round(1/q),  gᵢ = ⌊rankᵢ·k/(m + 1)⌋
//	keep unit i when 0 < gᵢ < k − 1
//
// with m = len(z) and rankᵢ from [AverageRanks], so with q = 0.1 groups
// 1…8 of 0…9 are kept and units in the outer groups are dropped. k is an
// integer (STATS.md §7: 1/0.1 is exactly 10 in float64 anyway). Tied values
// share a rank and so a group: zero-death units on the log scale (z = −∞)
// stay in once they are about 20% of m (STATS.md §4.4). NaN elements have no
// rank and are dropped. Truncate returns an empty slice when q is NaN or
// outside (0, 1].
//
// Source: NHS Digital SHMI methodology; FunnelPlotR 0.6.0; STATS.md §5.2.
func Truncate(z []float64, q float64) []float64 {
	kept := []float64{}
	if !(q > 0 && q <= 1) {
		return kept
	}
	k := math.Round(1 / q)
	m1 := float64(len(z) + 1)
	for i, r := range AverageRanks(z) {
		if g := math.Floor(r * k / m1); g > 0 && g < k-1 {
			kept = append(kept, z[i])
		}
	}
	return kept
}

// Dispersion returns the overdispersion ratio of the (winsorised or kept)
// z-scores, the mean of their squares:
//
//	φ = (1/m)·Σ zᵢ²
//
// φ ≈ 1 when the spread is what the Poisson or binomial model allows. It is
// +Inf if any z is infinite, and NaN when z is empty or contains NaN.
//
// Source: Spiegelhalter (2005) QSHC 14:347, doi:10.1136/qshc.2005.013755;
// STATS.md §5.3.
func Dispersion(z []float64) float64 {
	if len(z) == 0 {
		return math.NaN()
	}
	var s float64
	for _, v := range z {
		s += v * v
	}
	return s / float64(len(z))
}

// DispersionPValue returns the p-value of the test of no overdispersion,
// treating m·φ as χ² with m − 1 degrees of freedom:
//
//	P(χ²_{m−1} > m·φ) = Q((m − 1)/2, m·φ/2)
//
// with Q the upper regularised incomplete gamma function (gonum's
// distuv.ChiSquared{K: m − 1}.Survival). After winsorising or truncating the
// statistic is only approximately χ²: report it, don't over-trust it.
//
// DispersionPValue returns NaN when m < 2 or φ is NaN or negative, and 0
// when φ = +Inf.
//
// Source: Spiegelhalter (2005) QSHC 14:347, doi:10.1136/qshc.2005.013755;
// STATS.md §5.3.
func DispersionPValue(phi float64, m int) float64 {
	switch {
	case m < 2 || !(phi >= 0):
		return math.NaN()
	case math.IsInf(phi, 1):
		return 0
	}
	mf := float64(m)
	return mathext.GammaIncRegComp((mf-1)/2, mf*phi/2)
}

// Tau2 returns the DerSimonian–Laird between-unit variance τ² for the
// additive random-effects adjustment, from the dispersion ratio φ of m
// units with weights wᵢ = 1/sᵢ² on the transformed scale (m = len(w)):
//
//	τ² = max(0, (m·φ − (m − 1)) / (Σw − Σw²/Σw))
//
// and τ² = 0 when m·φ < m − 1. The weights are E on the log scale, 4E on
// the square-root scale and 4n on the arcsine scale, over the same units
// that gave φ; a τ² from one scale must not be used on another. φ = +Inf
// gives +Inf.
//
// Tau2 returns NaN when m < 2, φ is NaN or negative, or any weight is not
// positive and finite.
//
// Source: DerSimonian and Laird (1986) Control Clin Trials 7:177;
// Spiegelhalter (2005) QSHC 14:347, doi:10.1136/qshc.2005.013755;
// STATS.md §5.5.
func Tau2(phi float64, w []float64) float64 {
	m := len(w)
	if m < 2 || !(phi >= 0) {
		return math.NaN()
	}
	var sw, sw2 float64
	for _, v := range w {
		if !(v > 0 && v <= math.MaxFloat64) {
			return math.NaN()
		}
		sw += v
		sw2 += v * v
	}
	mf := float64(m)
	if mf*phi < mf-1 {
		return 0
	}
	return max(0, (mf*phi-(mf-1))/(sw-sw2/sw))
}
