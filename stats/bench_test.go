package stats

import (
	"fmt"
	"math"
	"testing"
)

// benchSizes is the ladder of STYLE.md §8: 10 to 10k surgeons.
var benchSizes = []int{10, 100, 1000, 10000}

// benchProbs are the four tail probabilities a funnel needs per unit.
var benchProbs = [4]float64{0.001, 0.025, 0.975, 0.999}

// BenchmarkPoissonLimit computes the four exact limits for m units whose
// expected deaths are spread geometrically over [0.1, 200], the range of a
// surgeon-level release.
func BenchmarkPoissonLimit(b *testing.B) {
	for _, m := range benchSizes {
		es := make([]float64, m)
		for i := range es {
			es[i] = 0.1 * math.Pow(2000, float64(i)/float64(m))
		}
		b.Run(fmt.Sprintf("units=%d", m), func(b *testing.B) {
			b.ReportAllocs()
			var sink float64
			for b.Loop() {
				for _, e := range es {
					for _, p := range benchProbs {
						sink += PoissonLimit(p, e)
					}
				}
			}
			_ = sink
		})
	}
}

// BenchmarkBinomialLimit computes the four exact limits for m units whose
// case counts are spread geometrically over [1, 5000], at p0 = 3.3%.
func BenchmarkBinomialLimit(b *testing.B) {
	for _, m := range benchSizes {
		ns := make([]int, m)
		for i := range ns {
			ns[i] = int(math.Round(math.Pow(5000, float64(i)/float64(m))))
		}
		b.Run(fmt.Sprintf("units=%d", m), func(b *testing.B) {
			b.ReportAllocs()
			var sink float64
			for b.Loop() {
				for _, n := range ns {
					for _, p := range benchProbs {
						sink += BinomialLimit(p, n, 0.033)
					}
				}
			}
			_ = sink
		})
	}
}

// benchGroup is the 100,000-unit group of the multiplicity and power
// benchmarks: expected deaths spread geometrically over [0.1, 200], as in
// [BenchmarkPoissonLimit], and each unit's PHigh at a count drawn round
// its E (about a third of the units share a p-value with another, as
// exact p-values of small counts do).
func benchGroup() (es, pHigh []float64) {
	const m = 100_000
	es = make([]float64, m)
	pHigh = make([]float64, m)
	for i := range es {
		es[i] = 0.1 * math.Pow(2000, float64(i)/m)
		o := int(es[i] * (0.5 + float64(i%7)/6))
		pHigh[i], _ = PoissonPValues(o, es[i])
	}
	return es, pHigh
}

// BenchmarkQValues adjusts the PHigh of a 100,000-unit group.
func BenchmarkQValues(b *testing.B) {
	_, p := benchGroup()
	b.ReportAllocs()
	for b.Loop() {
		QValues(p)
	}
}

// BenchmarkPower computes, for each of 100,000 units, its flagging count,
// its power at true ratios 2 and 1.5 and its 80%-detectable ratio, as
// [Funnel] does (there the count comes from the unit's line, already
// computed; here PoissonFlagCount computes the line again).
func BenchmarkPower(b *testing.B) {
	es, _ := benchGroup()
	b.ReportAllocs()
	var sink float64
	for b.Loop() {
		for _, e := range es {
			c := PoissonFlagCount(e)
			sink += poissonPowerAt(c, e, powerRatioDouble) + poissonPowerAt(c, e, powerRatioHalfMore) +
				poissonDetectableAt(c, e, detectablePower)
		}
	}
	_ = sink
}
