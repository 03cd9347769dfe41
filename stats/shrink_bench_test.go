package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// surgeonGroup draws m surgeons shaped as a national specialty is: cases
// log-normal with median 60 and a long right tail (1% above 600), a
// predicted risk around 3% varying with case mix, so that E runs from
// about 0.03 to 110 with a median near 1.8 (10,000 surgeons: 1st
// percentile 0.14, 99th 22); θ ~ Gamma(8, 8) (a between-unit standard
// deviation of 35%; the fit gives α = 7.46) and O ~ Poisson(E·θ).
func surgeonGroup(m int) []Unit {
	rng := rand.New(rand.NewPCG(uint64(m), 17))
	units := make([]Unit, m)
	for i := range units {
		cases := max(1, math.Round(60*math.Exp(rng.NormFloat64())))
		e := cases * 0.03 * math.Exp(0.4*rng.NormFloat64())
		theta := distuv.Gamma{Alpha: 8, Beta: 8, Src: rng}.Rand()
		units[i] = Unit{Cases: int(cases), Observed: int(distuv.Poisson{Lambda: e * theta, Src: rng}.Rand()), Expected: e}
	}
	return units
}

// BenchmarkShrink fits α and every unit's posterior for groups of 10 to
// 10,000 surgeons.
func BenchmarkShrink(b *testing.B) {
	for _, m := range benchSizes {
		units := surgeonGroup(m)
		b.Run(fmt.Sprintf("units=%d", m), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Shrink(units, 0.95)
			}
		})
	}
}
