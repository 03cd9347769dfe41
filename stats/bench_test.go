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
