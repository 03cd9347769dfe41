package stats

import (
	"math"
	"slices"
)

// QValues returns the Benjamini–Hochberg adjusted p-values (q-values) of
// the p-values p, as R's p.adjust(p, "BH") does. With the m p-values that
// are not NaN sorted ascending, p_(1) ≤ … ≤ p_(m),
//
//	q_(i) = min over j ≥ i of min(1, m/j · p_(j)).
//
// Tied p-values get the same q (the one at the highest rank of the tie),
// whatever their order in p. A NaN p-value is left out of m and gets a NaN
// q, as R does with NA. The result has p's length and order; p is not
// changed. Values outside [0, 1] are not checked (R does not either).
//
// Flagging the units whose q is at most some level δ keeps the expected
// share of false discoveries among them at most δ when the tests are
// independent (or positively dependent). A unit's q is therefore the
// smallest false-discovery rate at which it would be called an outlier,
// where its p alone says how surprising it is on its own. With a few
// hundred surgeons in a group, some p-values below 0.025 are expected by
// chance alone; q says which of them survive that multiplicity. With
// exact discrete p-values the procedure is conservative: their true
// false-discovery rate is below δ.
//
// Source: Benjamini Y and Hochberg Y (1995), Controlling the false
// discovery rate: a practical and powerful approach to multiple testing,
// J R Stat Soc B 57:289–300; Jones HE, Ohlssen DI and Spiegelhalter DJ
// (2008), Use of the false discovery rate when comparing multiple health
// care providers, J Clin Epidemiol 61:232–240, doi:10.1016/j.jclinepi.2007.04.017;
// R's p.adjust.
func QValues(p []float64) []float64 {
	q := make([]float64, len(p))
	order := make([]int, 0, len(p))
	for i, v := range p {
		if math.IsNaN(v) {
			q[i] = math.NaN()
			continue
		}
		order = append(order, i)
	}
	slices.SortFunc(order, func(a, b int) int {
		if p[a] < p[b] {
			return -1
		}
		if p[a] > p[b] {
			return 1
		}
		return 0
	})
	m := float64(len(order))
	running := math.Inf(1)
	for j := len(order); j >= 1; j-- {
		i := order[j-1]
		// m/j · p, in R's order of operations (n/i * p[o]).
		running = min(running, m/float64(j)*p[i])
		q[i] = min(1, running)
	}
	return q
}

// multiplicity fills each unit's q-values, QHigh from the PHigh and QLow
// from the PLow of every unit of the funnel. The high side is the one
// Jones et al. adjust (more deaths than expected is the concern); the low
// side is adjusted as a family of its own rather than pooled with it, so
// that each side's q is what that side's flags would be read against.
func (res *Result) multiplicity() {
	high := make([]float64, len(res.Units))
	low := make([]float64, len(res.Units))
	for i, u := range res.Units {
		high[i], low[i] = u.PHigh, u.PLow
	}
	qHigh, qLow := QValues(high), QValues(low)
	for i := range res.Units {
		res.Units[i].QHigh, res.Units[i].QLow = qHigh[i], qLow[i]
	}
}
