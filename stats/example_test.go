package stats_test

import (
	"fmt"
	"math"

	"github.com/surgeon-outcomes/outcomes/stats"
)

func ExamplePoissonQuantile() {
	// R: qpois(c(0.025, 0.975), 10) = 4 17.
	fmt.Println(stats.PoissonQuantile(0.025, 10), stats.PoissonQuantile(0.975, 10))
	// Output:
	// 4 17
}

func ExampleBinomialQuantile() {
	// R: qbinom(c(0.975, 0.999), 100, 0.02) = 5 7 (STATS.md §3.2).
	fmt.Println(stats.BinomialQuantile(0.975, 100, 0.02), stats.BinomialQuantile(0.999, 100, 0.02))
	// Output:
	// 5 7
}

func ExamplePoissonLimit() {
	// The 95% and 99.8% funnel for O/E at E = 10 (STATS.md §4.1).
	for _, p := range []float64{0.001, 0.025, 0.975, 0.999} {
		fmt.Printf("p = %.3f: %.7f\n", p, stats.PoissonLimit(p, 10))
	}
	// Deaths a surgeon with E = 10 can have before crossing the 99.8% line.
	fmt.Printf("detectable: O > %.4f\n", 10*stats.PoissonLimit(0.999, 10))
	// Output:
	// p = 0.001: 0.1220529
	// p = 0.025: 0.3775188
	// p = 0.975: 1.6159951
	// p = 0.999: 2.0662001
	// detectable: O > 20.6620
}

func ExampleBinomialLimit() {
	// n = 100 cases at a national rate of 2% (STATS.md §3.2).
	for _, p := range []float64{0.025, 0.975, 0.999} {
		fmt.Printf("p = %.3f: %.7f\n", p, stats.BinomialLimit(p, 100, 0.02))
	}
	// Output:
	// p = 0.025: 0.0000000
	// p = 0.975: 0.0473077
	// p = 0.999: 0.0697826
}

func ExampleGammaAtELimits() {
	// FunnelPlotR's unadjusted limits at E = 10: much wider than the exact
	// Poisson ones (1.616 at 95%).
	lo, hi := stats.GammaAtELimits(10, 0.95)
	fmt.Printf("95%%: [%.6f, %.6f]\n", lo, hi)
	// Output:
	// 95%: [0.479539, 1.839036]
}

func ExampleSqrtLimits() {
	lo, hi := stats.SqrtLimits(10, 0.95, 0)
	fmt.Printf("unadjusted: [%.6f, %.6f]\n", lo, hi)
	lo, hi = stats.SqrtLimits(10, 0.95, 0.01) // τ² on the square-root scale
	fmt.Printf("τ² = 0.01:  [%.6f, %.6f]\n", lo, hi)
	// Output:
	// unadjusted: [0.476241, 1.715832]
	// τ² = 0.01:  [0.401100, 1.867802]
}

func ExampleLogLimits() {
	lo, hi := stats.LogLimits(10, 0.998, 0)
	fmt.Printf("99.8%%: [%.6f, %.6f]\n", lo, hi)
	// Output:
	// 99.8%: [0.376357, 2.657052]
}

func ExampleArcsineLimits() {
	lo, hi := stats.ArcsineLimits(400, 0.05, 0.95, 0)
	fmt.Printf("n = 400: [%.6f, %.6f]\n", lo, hi)
	// At n = 1 the arguments are clipped to [0, π/2] (STATS.md §3.3).
	lo, hi = stats.ArcsineLimits(1, 0.033, 0.998, 0)
	fmt.Printf("n = 1:   [%.6f, %.6f]\n", lo, hi)
	// Output:
	// n = 400: [0.030835, 0.073483]
	// n = 1:   [0.000000, 1.000000]
}

func ExampleGarwoodInterval() {
	// A surgeon with O = 3 deaths and E = 1.2 expected: O/E and its 95% CI.
	const o, e = 3, 1.2
	lo, hi := stats.GarwoodInterval(o, 0.95)
	fmt.Printf("count: [%.6f, %.6f]\n", lo, hi)
	fmt.Printf("O/E = %.4f [%.4f, %.4f]\n", o/e, lo/e, hi/e)
	lo, hi = stats.GarwoodInterval(0, 0.95)
	fmt.Printf("O = 0: [%.6f, %.6f]\n", lo, hi)
	// Output:
	// count: [0.618672, 8.767273]
	// O/E = 2.5000 [0.5156, 7.3061]
	// O = 0: [0.000000, 3.688879]
}

func ExampleByarInterval() {
	lo, hi := stats.ByarInterval(20, 0.95)
	fmt.Printf("[%.6f, %.6f]\n", lo, hi)
	// Output:
	// [12.211429, 30.889880]
}

func ExampleMixedInterval() {
	// Exact below 10 deaths, Byar's from 10.
	for _, o := range []int{9, 10} {
		lo, hi := stats.MixedInterval(o, 0.95)
		fmt.Printf("O = %d: [%.6f, %.6f]\n", o, lo, hi)
	}
	// Output:
	// O = 9: [4.115373, 17.084803]
	// O = 10: [4.787450, 18.391459]
}

func ExampleClopperPearsonInterval() {
	lo, hi := stats.ClopperPearsonInterval(3, 50, 0.95)
	fmt.Printf("3/50: [%.6f, %.6f]\n", lo, hi)
	lo, hi = stats.ClopperPearsonInterval(0, 50, 0.95)
	fmt.Printf("0/50: [%.6f, %.6f]\n", lo, hi)
	// Output:
	// 3/50: [0.012549, 0.165482]
	// 0/50: [0.000000, 0.071122]
}

func ExampleWilsonInterval() {
	lo, hi := stats.WilsonInterval(3, 50, 0.95)
	fmt.Printf("3/50: [%.6f, %.6f]\n", lo, hi)
	// Output:
	// 3/50: [0.020615, 0.162171]
}

func ExamplePoissonPValues() {
	// One death at E = 0.04: above the 99.8% line, yet P(O ≥ 1) ≈ 0.039
	// (STATS.md §6.3).
	high, low := stats.PoissonPValues(1, 0.04)
	fmt.Printf("P(X ≥ 1) = %.6f, P(X ≤ 1) = %.6f\n", high, low)
	// Output:
	// P(X ≥ 1) = 0.039211, P(X ≤ 1) = 0.999221
}

func ExampleBinomialPValues() {
	high, low := stats.BinomialPValues(7, 100, 0.02)
	fmt.Printf("P(X ≥ 7) = %.6f, P(X ≤ 7) = %.6f\n", high, low)
	// Output:
	// P(X ≥ 7) = 0.004062, P(X ≤ 7) = 0.999068
}

func ExampleQuantile7() {
	// R: quantile(c(1, 2, 3, 4, 10), c(0.1, 0.9)) = 1.4 7.6.
	x := []float64{1, 2, 3, 4, 10}
	fmt.Printf("%.6f %.6f\n", stats.Quantile7(x, 0.1), stats.Quantile7(x, 0.9))
	// Output:
	// 1.400000 7.600000
}

func ExampleAverageRanks() {
	// R: rank(c(10, 20, 10, -Inf, 30)) = 2.5 4.0 2.5 1.0 5.0.
	fmt.Println(stats.AverageRanks([]float64{10, 20, 10, math.Inf(-1), 30}))
	// Output:
	// [2.5 4 2.5 1 5]
}

func ExampleWinsorize() {
	z := []float64{-4.2, -1.1, -0.3, 0, 0.2, 0.4, 0.9, 1.3, 2, 6.5}
	fmt.Printf("%.2f\n", stats.Winsorize(z, 0.1))
	// Output:
	// [-1.41 -1.10 -0.30 0.00 0.20 0.40 0.90 1.30 2.00 2.45]
}

func ExampleTruncate() {
	z := []float64{-4.2, -1.1, -0.3, 0, 0.2, 0.4, 0.9, 1.3, 2, 6.5}
	fmt.Println(stats.Truncate(z, 0.1))
	// Output:
	// [-1.1 -0.3 0 0.2 0.4 0.9 1.3 2]
}

func ExampleDispersion() {
	z := stats.Winsorize([]float64{-4.2, -1.1, -0.3, 0, 0.2, 0.4, 0.9, 1.3, 2, 6.5}, 0.1)
	fmt.Printf("φ = %.6f\n", stats.Dispersion(z))
	// Output:
	// φ = 1.599060
}

func ExampleDispersionPValue() {
	// φ = 1.6 from m = 40 units.
	fmt.Printf("%.6f\n", stats.DispersionPValue(1.6, 40))
	// Output:
	// 0.007025
}

func ExampleTau2() {
	// Square-root scale: weights 4E.
	expected := []float64{2, 5, 8, 12, 20}
	w := make([]float64, len(expected))
	for i, e := range expected {
		w[i] = 4 * e
	}
	fmt.Printf("τ² = %.6f\n", stats.Tau2(1.8, w))
	// Output:
	// τ² = 0.037373
}

func ExampleParseOptions() {
	// New York's method: Byar's interval, flagged when it excludes the
	// statewide rate.
	opts, err := stats.ParseOptions("byar", "interval")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(opts.Interval == stats.IntervalByar, opts.Comparison == stats.CompareInterval, math.IsNaN(opts.Target))
	_, err = stats.ParseOptions("wald", "funnel")
	fmt.Println(err)
	// Output:
	// true true true
	// stats: unknown interval method "wald" (want exact, byar or mixed)
}
