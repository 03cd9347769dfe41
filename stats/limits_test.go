package stats

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// tailPairs are the lower and upper tail probabilities of the 95% and 99.8%
// limits (STATS.md §0).
var tailPairs = []struct {
	level  float64
	lo, hi float64
}{
	{0.95, 0.025, 0.975},
	{0.998, 0.001, 0.999},
}

// logGrid returns from, from·factor, … up to and including at most to.
func logGrid(from, to, factor float64) []float64 {
	var g []float64
	for x := from; x <= to; x *= factor {
		g = append(g, x)
	}
	return g
}

// TestBinomialLimitWorkedExample checks the worked example of STATS.md §3.2
// (n = 100, p0 = 0.02), whose values are printed to 6 decimals (F, α) and 6
// significant digits (limits).
func TestBinomialLimitWorkedExample(t *testing.T) {
	const tolF, tolLimit = 5e-7, 5e-8
	tests := []struct {
		name          string
		p             float64
		r             int
		fr, frm1      float64
		alpha, limit  float64
		checkInterior bool
	}{
		// STATS.md §3.2: "95% upper: r = 5, F(5) = 0.984516, F(4) = 0.949170,
		// α = 0.269228, limit = 4.730772/100 = 0.0473077".
		{name: "95% upper", p: 0.975, r: 5, fr: 0.984516, frm1: 0.949170, alpha: 0.269228, limit: 0.0473077, checkInterior: true},
		// STATS.md §3.2: "99.8% upper: r = 7, α = 0.021744, limit 0.0697826".
		{name: "99.8% upper", p: 0.999, r: 7, alpha: 0.021744, limit: 0.0697826},
		// STATS.md §3.2: "Both lower limits clip to 0".
		{name: "95% lower", p: 0.025, limit: 0},
		{name: "99.8% lower", p: 0.001, limit: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := BinomialLimit(tt.p, 100, 0.02)
			if !scalar.EqualWithinAbsOrRel(got, tt.limit, tolLimit, 0) {
				t.Errorf("BinomialLimit(%g, 100, 0.02) = %.9g, want %.9g", tt.p, got, tt.limit)
			}
			if tt.limit == 0 {
				return
			}
			s := binomialStep(tt.p, 100, 0.02)
			if s.r != tt.r {
				t.Errorf("r = %d, want %d", s.r, tt.r)
			}
			if !scalar.EqualWithinAbsOrRel(s.alpha, tt.alpha, tolF, 0) {
				t.Errorf("α = %.9g, want %.9g", s.alpha, tt.alpha)
			}
			if tt.checkInterior {
				if !scalar.EqualWithinAbsOrRel(s.fr, tt.fr, tolF, 0) ||
					!scalar.EqualWithinAbsOrRel(s.frm1, tt.frm1, tolF, 0) {
					t.Errorf("F(r), F(r−1) = %.9g, %.9g, want %.9g, %.9g", s.fr, s.frm1, tt.fr, tt.frm1)
				}
			}
		})
	}
}

// TestPoissonLimitWorkedExample checks the worked example of STATS.md §4.1
// (E = 10), printed to 7 decimals.
func TestPoissonLimitWorkedExample(t *testing.T) {
	const tol = 5e-8
	tests := []struct {
		name string
		p    float64
		want float64
	}{
		// STATS.md §4.1: "95% lower 0.3775188, 95% upper 1.6159951, 99.8%
		// lower 0.1220529, 99.8% upper 2.0662001".
		{"95% lower", 0.025, 0.3775188},
		{"95% upper", 0.975, 1.6159951},
		{"99.8% lower", 0.001, 0.1220529},
		{"99.8% upper", 0.999, 2.0662001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PoissonLimit(tt.p, 10); !scalar.EqualWithinAbsOrRel(got, tt.want, tol, 0) {
				t.Errorf("PoissonLimit(%g, 10) = %.9g, want %.9g", tt.p, got, tt.want)
			}
		})
	}
}

// TestGammaAtELimitsWorkedExample checks the gamma-at-E figures quoted in
// STATS.md: §4.2 "E = 10: upper 95% 1.839" (3 decimals) and §7 "gamma-at-E
// upper for E = 0.02 is ≈ 187" (integer).
func TestGammaAtELimitsWorkedExample(t *testing.T) {
	if _, hi := GammaAtELimits(10, 0.95); !scalar.EqualWithinAbsOrRel(hi, 1.839, 5e-4, 0) {
		t.Errorf("GammaAtELimits(10, 0.95) upper = %.6g, want 1.839", hi)
	}
	if _, hi := GammaAtELimits(0.02, 0.95); !scalar.EqualWithinAbsOrRel(hi, 187, 0.5, 0) {
		t.Errorf("GammaAtELimits(0.02, 0.95) upper = %.6g, want ≈ 187", hi)
	}
}

// TestLimitEdgeCases checks the small-size cases STATS.md calls out.
func TestLimitEdgeCases(t *testing.T) {
	const tol = 5e-5
	// STATS.md §3.2: "n = 1, p0 = 0.005, 95% upper raw = −0.0201 → 0".
	if s := binomialStep(0.975, 1, 0.005); !scalar.EqualWithinAbsOrRel(s.raw, -0.0201, tol, 0) {
		t.Errorf("binomialStep(0.975, 1, 0.005) raw = %.6g, want −0.0201", s.raw)
	}
	if got := BinomialLimit(0.975, 1, 0.005); got != 0 {
		t.Errorf("BinomialLimit(0.975, 1, 0.005) = %g, want 0", got)
	}
	// STATS.md §7: "E tiny: … exact upper 95% clips to 0, i.e. any death is
	// above it" (E = 0.02).
	if got := PoissonLimit(0.975, 0.02); got != 0 {
		t.Errorf("PoissonLimit(0.975, 0.02) = %g, want 0", got)
	}
	// STATS.md §6.3: "with E = 0.04 a single death is a 99.8% alarm under
	// the line rule although P(O ≥ 1) = 0.039" (1 − e^−0.04 = 0.0392).
	if got := PoissonLimit(0.999, 0.04); !(1/0.04 > got) {
		t.Errorf("PoissonLimit(0.999, 0.04) = %g, want below 1/0.04 = 25", got)
	}
	if high, _ := PoissonPValues(1, 0.04); !scalar.EqualWithinAbsOrRel(high, -math.Expm1(-0.04), 1e-15, 1e-15) {
		t.Errorf("PoissonPValues(1, 0.04) high = %g, want 1 − e^−0.04 = %g", high, -math.Expm1(-0.04))
	}
	// STATS.md §3.3: "n = 1, p0 = 0.033, 99.8%: FunnelPlotR 0.9755, correct 1".
	if _, hi := ArcsineLimits(1, 0.033, 0.998, 0); hi != 1 {
		t.Errorf("ArcsineLimits(1, 0.033, 0.998, 0) upper = %g, want 1", hi)
	}
	// STATS.md §4.2: the gamma-at-E lower limit is positive for every E > 0,
	// so every unit with O = 0 lies below it. In float64 that holds down to
	// E = 0.01 (99.8%: 5.7e−299); below that it underflows to 0.
	for _, e := range logGrid(0.01, 1e4, 1.1) {
		for _, tp := range tailPairs {
			if lo, _ := GammaAtELimits(e, tp.level); !(lo > 0) {
				t.Errorf("GammaAtELimits(%g, %g) lower = %g, want > 0", e, tp.level, lo)
			}
		}
	}
}

// TestLimitsNaN checks that undefined inputs give NaN.
func TestLimitsNaN(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		f    func() []float64
	}{
		{"PoissonLimit p NaN", func() []float64 { return []float64{PoissonLimit(nan, 1)} }},
		{"PoissonLimit p 0", func() []float64 { return []float64{PoissonLimit(0, 1)} }},
		{"PoissonLimit p 1", func() []float64 { return []float64{PoissonLimit(1, 1)} }},
		{"PoissonLimit E NaN", func() []float64 { return []float64{PoissonLimit(0.975, nan)} }},
		{"PoissonLimit E 0", func() []float64 { return []float64{PoissonLimit(0.975, 0)} }},
		{"PoissonLimit E −1", func() []float64 { return []float64{PoissonLimit(0.975, -1)} }},
		{"PoissonLimit E +Inf", func() []float64 { return []float64{PoissonLimit(0.975, math.Inf(1))} }},
		{"BinomialLimit p NaN", func() []float64 { return []float64{BinomialLimit(nan, 10, 0.1)} }},
		{"BinomialLimit n 0", func() []float64 { return []float64{BinomialLimit(0.975, 0, 0.1)} }},
		{"BinomialLimit p0 NaN", func() []float64 { return []float64{BinomialLimit(0.975, 10, nan)} }},
		{"BinomialLimit p0 1.5", func() []float64 { return []float64{BinomialLimit(0.975, 10, 1.5)} }},
		{"GammaAtELimits E NaN", func() []float64 { lo, hi := GammaAtELimits(nan, 0.95); return []float64{lo, hi} }},
		{"GammaAtELimits E 0", func() []float64 { lo, hi := GammaAtELimits(0, 0.95); return []float64{lo, hi} }},
		{"GammaAtELimits level 1", func() []float64 { lo, hi := GammaAtELimits(1, 1); return []float64{lo, hi} }},
		{"GammaAtELimits level 95", func() []float64 { lo, hi := GammaAtELimits(1, 95); return []float64{lo, hi} }},
		{"SqrtLimits E NaN", func() []float64 { lo, hi := SqrtLimits(nan, 0.95, 0); return []float64{lo, hi} }},
		{"SqrtLimits τ² NaN", func() []float64 { lo, hi := SqrtLimits(1, 0.95, nan); return []float64{lo, hi} }},
		{"SqrtLimits τ² −1", func() []float64 { lo, hi := SqrtLimits(1, 0.95, -1); return []float64{lo, hi} }},
		{"SqrtLimits level NaN", func() []float64 { lo, hi := SqrtLimits(1, nan, 0); return []float64{lo, hi} }},
		{"LogLimits E 0", func() []float64 { lo, hi := LogLimits(0, 0.95, 0); return []float64{lo, hi} }},
		{"LogLimits τ² NaN", func() []float64 { lo, hi := LogLimits(1, 0.95, nan); return []float64{lo, hi} }},
		{"LogLimits level 0", func() []float64 { lo, hi := LogLimits(1, 0, 0); return []float64{lo, hi} }},
		{"ArcsineLimits n 0", func() []float64 { lo, hi := ArcsineLimits(0, 0.1, 0.95, 0); return []float64{lo, hi} }},
		{"ArcsineLimits p0 NaN", func() []float64 { lo, hi := ArcsineLimits(10, nan, 0.95, 0); return []float64{lo, hi} }},
		{"ArcsineLimits p0 −0.1", func() []float64 { lo, hi := ArcsineLimits(10, -0.1, 0.95, 0); return []float64{lo, hi} }},
		{"ArcsineLimits τ² NaN", func() []float64 { lo, hi := ArcsineLimits(10, 0.1, 0.95, nan); return []float64{lo, hi} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, v := range tt.f() {
				if !math.IsNaN(v) {
					t.Errorf("result %d = %g, want NaN", i, v)
				}
			}
		})
	}
}

// TestQuantileUndefined checks the −1 sentinel of the integer quantiles and
// R's conventions at the ends of their domains.
func TestQuantileUndefined(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"PoissonQuantile p NaN", PoissonQuantile(nan, 1), -1},
		{"PoissonQuantile λ NaN", PoissonQuantile(0.5, nan), -1},
		{"PoissonQuantile p 1", PoissonQuantile(1, 1), -1}, // R: +Inf
		{"PoissonQuantile p −0.1", PoissonQuantile(-0.1, 1), -1},
		{"PoissonQuantile λ −1", PoissonQuantile(0.5, -1), -1},
		{"PoissonQuantile λ +Inf", PoissonQuantile(0.5, math.Inf(1)), -1},
		{"PoissonQuantile p 0", PoissonQuantile(0, 5), 0},   // R qpois(0, 5) = 0
		{"PoissonQuantile λ 0", PoissonQuantile(0.5, 0), 0}, // R qpois(0.5, 0) = 0
		{"BinomialQuantile p NaN", BinomialQuantile(nan, 10, 0.1), -1},
		{"BinomialQuantile p0 NaN", BinomialQuantile(0.5, 10, nan), -1},
		{"BinomialQuantile p0 2", BinomialQuantile(0.5, 10, 2), -1},
		{"BinomialQuantile p 0", BinomialQuantile(0, 10, 0.5), 0},  // R qbinom(0, 10, 0.5) = 0
		{"BinomialQuantile p 1", BinomialQuantile(1, 10, 0.5), 10}, // R qbinom(1, 10, 0.5) = 10
		{"BinomialQuantile n 0", BinomialQuantile(0.5, 0, 0.5), 0}, // R qbinom(0.5, 0, 0.5) = 0
		{"BinomialQuantile p0 0", BinomialQuantile(0.999, 10, 0), 0},
		{"BinomialQuantile p0 1", BinomialQuantile(0.001, 10, 1), 10},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

// TestQuantileDefinition checks, on a grid, that the quantiles satisfy
// their definition F(r) ≥ p > F(r − 1), for small, moderate and large means
// and both ends of the probability range.
func TestQuantileDefinition(t *testing.T) {
	ps := []float64{1e-300, 1e-12, 0.001, 0.025, 0.3, 0.5, 0.975, 0.999, 1 - 1e-12}
	for _, lambda := range []float64{1e-9, 0.02, 0.5, 3, 10, 77.7, 1000, 1e5, 1e9, 1e13} {
		for _, p := range ps {
			r := PoissonQuantile(p, lambda)
			if r < 0 || poissonCDF(r, lambda) < p || poissonCDF(r-1, lambda) >= p {
				t.Errorf("PoissonQuantile(%g, %g) = %d: F(r) = %g, F(r−1) = %g", p, lambda, r,
					poissonCDF(r, lambda), poissonCDF(r-1, lambda))
			}
		}
	}
	for _, n := range []int{1, 2, 7, 100, 5000, 1000000} {
		for _, p0 := range []float64{0, 1e-9, 0.005, 0.2, 0.5, 0.97, 1} {
			for _, p := range ps {
				r := BinomialQuantile(p, n, p0)
				if r < 0 || r > n || binomialCDF(r, n, p0) < p || binomialCDF(r-1, n, p0) >= p {
					t.Errorf("BinomialQuantile(%g, %d, %g) = %d: F(r) = %g, F(r−1) = %g", p, n, p0, r,
						binomialCDF(r, n, p0), binomialCDF(r-1, n, p0))
				}
			}
		}
	}
}

// TestSearchQuantileFallback starts the search far from the answer, so that
// the bisection and galloping paths run, and checks they agree with the
// Cornish–Fisher start.
func TestSearchQuantileFallback(t *testing.T) {
	for _, lambda := range []float64{0.3, 40, 5e4, 1e8} {
		cdf := func(k int) float64 { return poissonCDF(k, lambda) }
		for _, p := range []float64{0.001, 0.5, 0.999} {
			want := PoissonQuantile(p, lambda)
			for _, guess := range []int{0, 3, 1 << 20, 1 << 40} {
				if got := searchQuantile(cdf, p, guess, -1); got != want {
					t.Errorf("λ = %g, p = %g: searchQuantile from %d = %d, want %d", lambda, p, guess, got, want)
				}
			}
		}
	}
	const n = 100000
	cdf := func(k int) float64 { return binomialCDF(k, n, 0.3) }
	for _, p := range []float64{0.001, 0.5, 0.999} {
		want := BinomialQuantile(p, n, 0.3)
		for _, guess := range []int{0, 17, n} {
			if got := searchQuantile(cdf, p, guess, n); got != want {
				t.Errorf("p = %g: binomial searchQuantile from %d = %d, want %d", p, guess, got, want)
			}
		}
	}
}

// TestLimitsBracketTarget checks lower ≤ target ≤ upper. For the exact
// Poisson limits the upper limit is below 1 when E < 0.026 (95%), so the
// grid starts at E = 0.03; for the binomial ones it starts at n·p0 ≥ 0.03.
func TestLimitsBracketTarget(t *testing.T) {
	for _, e := range logGrid(0.03, 2e4, 1.01) {
		for _, tp := range tailPairs {
			if lo, hi := PoissonLimit(tp.lo, e), PoissonLimit(tp.hi, e); !(lo <= 1 && 1 <= hi) {
				t.Errorf("E = %g: PoissonLimit = [%g, %g], want around 1", e, lo, hi)
			}
		}
	}
	for _, e := range logGrid(1e-4, 2e4, 1.05) {
		for _, tp := range tailPairs {
			for _, tau2 := range []float64{0, 0.05} {
				for name, f := range map[string]func(e, level, tau2 float64) (float64, float64){
					"SqrtLimits": SqrtLimits, "LogLimits": LogLimits,
					"GammaAtELimits": func(e, level, _ float64) (float64, float64) { return GammaAtELimits(e, level) },
				} {
					if lo, hi := f(e, tp.level, tau2); !(lo <= 1 && 1 <= hi) {
						t.Errorf("%s(%g, %g, %g) = [%g, %g], want around 1", name, e, tp.level, tau2, lo, hi)
					}
				}
			}
		}
	}
	for _, p0 := range []float64{0.005, 0.02, 0.05, 0.2, 0.5, 0.95} {
		for n := 1; n <= 5000; n++ {
			for _, tp := range tailPairs {
				if lo, hi := ArcsineLimits(n, p0, tp.level, 0); !(lo <= p0 && p0 <= hi) {
					t.Errorf("ArcsineLimits(%d, %g, %g, 0) = [%g, %g], want around p0", n, p0, tp.level, lo, hi)
				}
				if float64(n)*p0 < 0.03 {
					continue
				}
				if lo, hi := BinomialLimit(tp.lo, n, p0), BinomialLimit(tp.hi, n, p0); !(lo <= p0 && p0 <= hi) {
					t.Errorf("n = %d, p0 = %g: BinomialLimit = [%g, %g], want around p0", n, p0, lo, hi)
				}
			}
		}
	}
}

// TestOuterLimitsOutside checks that the 99.8% limits lie outside (or on)
// the 95% ones for every kind of limit.
func TestOuterLimitsOutside(t *testing.T) {
	check := func(name string, lo95, hi95, lo998, hi998 float64) {
		t.Helper()
		if !(lo998 <= lo95 && hi95 <= hi998) {
			t.Errorf("%s: 95%% [%g, %g], 99.8%% [%g, %g], want 99.8%% outside", name, lo95, hi95, lo998, hi998)
		}
	}
	for _, e := range logGrid(1e-3, 2e4, 1.02) {
		name := fmt.Sprintf("E = %g", e)
		check("PoissonLimit "+name, PoissonLimit(0.025, e), PoissonLimit(0.975, e), PoissonLimit(0.001, e), PoissonLimit(0.999, e))
		l1, h1 := GammaAtELimits(e, 0.95)
		l2, h2 := GammaAtELimits(e, 0.998)
		check("GammaAtELimits "+name, l1, h1, l2, h2)
		for _, tau2 := range []float64{0, 0.02} {
			l1, h1 := SqrtLimits(e, 0.95, tau2)
			l2, h2 := SqrtLimits(e, 0.998, tau2)
			check("SqrtLimits "+name, l1, h1, l2, h2)
			l1, h1 = LogLimits(e, 0.95, tau2)
			l2, h2 = LogLimits(e, 0.998, tau2)
			check("LogLimits "+name, l1, h1, l2, h2)
		}
	}
	for _, p0 := range []float64{0.005, 0.033, 0.2, 0.9} {
		for n := 1; n <= 3000; n += 7 {
			name := fmt.Sprintf("n = %d, p0 = %g", n, p0)
			check("BinomialLimit "+name, BinomialLimit(0.025, n, p0), BinomialLimit(0.975, n, p0),
				BinomialLimit(0.001, n, p0), BinomialLimit(0.999, n, p0))
			l1, h1 := ArcsineLimits(n, p0, 0.95, 0.01)
			l2, h2 := ArcsineLimits(n, p0, 0.998, 0.01)
			check("ArcsineLimits "+name, l1, h1, l2, h2)
		}
	}
}

// TestLimitsNarrow checks that the funnel narrows as E or n grows.
//
// The exact limits are step functions smoothed by the interpolation, so
// they are not exactly monotone everywhere: the lower limit never falls, but
// the width upper − lower still has small upward wiggles until E ≈ 6.5 (or
// n·p0 ≈ 6.7) on a fine grid; beyond E = 10 (n·p0 = 10) it never grows, which
// is what is checked here, on a grid 0.02% apart and at every n. The
// transformed-scale limits narrow strictly everywhere.
func TestLimitsNarrow(t *testing.T) {
	for _, tp := range tailPairs {
		prevLo, prevW := 0.0, math.Inf(1)
		for _, e := range logGrid(1e-3, 1e4, 1.0002) {
			lo, hi := PoissonLimit(tp.lo, e), PoissonLimit(tp.hi, e)
			if lo < prevLo {
				t.Errorf("PoissonLimit(%g, %g) = %g, below %g at a smaller E", tp.lo, e, lo, prevLo)
			}
			if w := hi - lo; e >= 10 && w > prevW {
				t.Errorf("E = %g, level %g: width %g, wider than %g at a smaller E", e, tp.level, w, prevW)
			}
			prevLo, prevW = lo, hi-lo
		}
	}
	for _, p0 := range []float64{0.005, 0.02, 0.05, 0.2, 0.5} {
		for _, tp := range tailPairs {
			prevLo, prevW := 0.0, math.Inf(1)
			for n := 1; n <= 20000; n++ {
				lo, hi := BinomialLimit(tp.lo, n, p0), BinomialLimit(tp.hi, n, p0)
				if lo < prevLo {
					t.Errorf("BinomialLimit(%g, %d, %g) = %g, below %g at a smaller n", tp.lo, n, p0, lo, prevLo)
				}
				if w := hi - lo; float64(n)*p0 >= 10 && w > prevW {
					t.Errorf("n = %d, p0 = %g, level %g: width %g, wider than %g at a smaller n", n, p0, tp.level, w, prevW)
				}
				prevLo, prevW = lo, hi-lo
			}
		}
	}
	type limitsFunc func(size, level, tau2 float64) (float64, float64)
	for name, f := range map[string]limitsFunc{
		"GammaAtELimits": func(e, level, _ float64) (float64, float64) { return GammaAtELimits(e, level) },
		"SqrtLimits":     SqrtLimits,
		"LogLimits":      LogLimits,
		"ArcsineLimits(p0 = 0.033)": func(n, level, tau2 float64) (float64, float64) {
			return ArcsineLimits(int(n), 0.033, level, tau2)
		},
	} {
		for _, tp := range tailPairs {
			for _, tau2 := range []float64{0, 0.01} {
				prev := math.Inf(1)
				for _, size := range logGrid(1, 1e5, 1.1) {
					size = math.Round(size) // whole cases for the arcsine limits
					lo, hi := f(size, tp.level, tau2)
					if w := hi - lo; w > prev {
						t.Errorf("%s(%g, %g, %g): width %g, wider than %g at a smaller size", name, size, tp.level, tau2, w, prev)
					}
					prev = hi - lo
				}
			}
		}
	}
}

// TestLimitsTau2Widens checks that a positive τ² widens the transformed
// limits and that τ² = +Inf gives [0, +Inf) or [0, 1].
func TestLimitsTau2Widens(t *testing.T) {
	for _, e := range []float64{0.5, 5, 50} {
		for name, f := range map[string]func(e, level, tau2 float64) (float64, float64){"SqrtLimits": SqrtLimits, "LogLimits": LogLimits} {
			lo0, hi0 := f(e, 0.95, 0)
			lo1, hi1 := f(e, 0.95, 0.1)
			if !(lo1 < lo0 || lo0 == 0) || !(hi1 > hi0) {
				t.Errorf("%s(%g): τ² = 0.1 gives [%g, %g], not wider than [%g, %g]", name, e, lo1, hi1, lo0, hi0)
			}
			if lo, hi := f(e, 0.95, math.Inf(1)); lo != 0 || !math.IsInf(hi, 1) {
				t.Errorf("%s(%g, 0.95, +Inf) = [%g, %g], want [0, +Inf]", name, e, lo, hi)
			}
		}
	}
	if lo, hi := ArcsineLimits(50, 0.1, 0.95, math.Inf(1)); lo != 0 || hi != 1 {
		t.Errorf("ArcsineLimits(50, 0.1, 0.95, +Inf) = [%g, %g], want [0, 1]", lo, hi)
	}
}

// TestSqrtLimitsFormula checks the squared form of STATS.md §4.5 at E = 10,
// unadjusted: z = 1.959963984540054 (STATS.md §0), s = 1/(2√10), limits
// (1 ∓ z·s)², worked by hand: 1 ∓ 0.30989… → 0.47624… and 1.71602….
func TestSqrtLimitsFormula(t *testing.T) {
	const tol = 1e-14
	const z95 = 1.959963984540054 // STATS.md §0
	d := z95 / (2 * math.Sqrt(10))
	lo, hi := SqrtLimits(10, 0.95, 0)
	if !scalar.EqualWithinAbsOrRel(lo, (1-d)*(1-d), tol, tol) || !scalar.EqualWithinAbsOrRel(hi, (1+d)*(1+d), tol, tol) {
		t.Errorf("SqrtLimits(10, 0.95, 0) = [%.17g, %.17g], want [%.17g, %.17g]", lo, hi, (1-d)*(1-d), (1+d)*(1+d))
	}
	// Log scale, STATS.md §4.4: exp(∓z/√E).
	lo, hi = LogLimits(10, 0.95, 0)
	if e := math.Exp(z95 / math.Sqrt(10)); !scalar.EqualWithinAbsOrRel(lo, 1/e, tol, tol) || !scalar.EqualWithinAbsOrRel(hi, e, tol, tol) {
		t.Errorf("LogLimits(10, 0.95, 0) = [%.17g, %.17g], want [%.17g, %.17g]", lo, hi, 1/e, e)
	}
	// Arcsine scale, STATS.md §3.3, 99.8%: sin²(asin√p0 ∓ z/(2√n)).
	const z998 = 3.090232306167813 // STATS.md §0
	tt, s := math.Asin(math.Sqrt(0.05)), 1/(2*math.Sqrt(400))
	want := func(a float64) float64 { return math.Sin(a) * math.Sin(a) }
	lo, hi = ArcsineLimits(400, 0.05, 0.998, 0)
	if !scalar.EqualWithinAbsOrRel(lo, want(tt-z998*s), tol, tol) || !scalar.EqualWithinAbsOrRel(hi, want(tt+z998*s), tol, tol) {
		t.Errorf("ArcsineLimits(400, 0.05, 0.998, 0) = [%.17g, %.17g], want [%.17g, %.17g]", lo, hi, want(tt-z998*s), want(tt+z998*s))
	}
}

// TestNoPanic runs every function over awkward inputs (zero, tiny, huge,
// infinite, NaN) and checks each returns, without panicking or looping, a
// NaN or a value in its range.
func TestNoPanic(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	ps := []float64{nan, -1, 0, 1e-300, 0.001, 0.5, 0.999, 1 - 1e-16, 1, 2}
	es := []float64{nan, -1, 0, 1e-300, 1e-9, 0.02, 1, 1e6, 1e13, 1e300, inf}
	ns := []int{0, 1, 2, 1000, 1 << 30}
	p0s := []float64{nan, -0.1, 0, 1e-300, 0.005, 0.5, 1 - 1e-16, 1, 1.1}
	levels := []float64{nan, -1, 0, 0.5, 0.95, 0.998, 1 - 1e-16, 1, 95}
	taus := []float64{nan, -1, 0, 0.1, inf}
	inRange := func(v, lo, hi float64) bool { return math.IsNaN(v) || (v >= lo && v <= hi) }
	for _, p := range ps {
		for _, e := range es {
			if v := PoissonLimit(p, e); !inRange(v, 0, inf) {
				t.Errorf("PoissonLimit(%g, %g) = %g", p, e, v)
			}
			if r := PoissonQuantile(p, e); r < -1 {
				t.Errorf("PoissonQuantile(%g, %g) = %d", p, e, r)
			}
		}
		for _, n := range ns {
			for _, p0 := range p0s {
				if v := BinomialLimit(p, n, p0); !inRange(v, 0, 1) {
					t.Errorf("BinomialLimit(%g, %d, %g) = %g", p, n, p0, v)
				}
				if r := BinomialQuantile(p, n, p0); r < -1 || r > n {
					t.Errorf("BinomialQuantile(%g, %d, %g) = %d", p, n, p0, r)
				}
			}
		}
	}
	for _, level := range levels {
		for _, e := range es {
			lo, hi := GammaAtELimits(e, level)
			if !inRange(lo, 0, inf) || !inRange(hi, 0, inf) {
				t.Errorf("GammaAtELimits(%g, %g) = %g, %g", e, level, lo, hi)
			}
			for _, tau2 := range taus {
				lo, hi := SqrtLimits(e, level, tau2)
				lo2, hi2 := LogLimits(e, level, tau2)
				if !inRange(lo, 0, 1) || !inRange(hi, 1, inf) || !inRange(lo2, 0, 1) || !inRange(hi2, 1, inf) {
					t.Errorf("SqrtLimits, LogLimits(%g, %g, %g) = %g, %g; %g, %g", e, level, tau2, lo, hi, lo2, hi2)
				}
			}
			if e >= 0 && e < 1e7 {
				o := int(e)
				for _, f := range []func(int, float64) (float64, float64){GarwoodInterval, ByarInterval, MixedInterval} {
					if lo, hi := f(o, level); !inRange(lo, 0, inf) || !inRange(hi, 0, inf) {
						t.Errorf("interval(%d, %g) = %g, %g", o, level, lo, hi)
					}
				}
			}
		}
		for _, n := range ns {
			for _, p0 := range p0s {
				for _, tau2 := range taus {
					if lo, hi := ArcsineLimits(n, p0, level, tau2); !inRange(lo, 0, 1) || !inRange(hi, 0, 1) {
						t.Errorf("ArcsineLimits(%d, %g, %g, %g) = %g, %g", n, p0, level, tau2, lo, hi)
					}
				}
			}
			for _, o := range []int{0, 1, n / 2, n - 1, n, n + 1} {
				if o < 0 {
					continue
				}
				for _, f := range []func(int, int, float64) (float64, float64){ClopperPearsonInterval, WilsonInterval} {
					if lo, hi := f(o, n, level); !inRange(lo, 0, 1) || !inRange(hi, 0, 1) {
						t.Errorf("interval(%d, %d, %g) = %g, %g", o, n, level, lo, hi)
					}
				}
			}
		}
	}
	for _, e := range es {
		for _, o := range []int{0, 1, 10, 1 << 20} {
			if hi, lo := PoissonPValues(o, e); !inRange(hi, 0, 1) || !inRange(lo, 0, 1) {
				t.Errorf("PoissonPValues(%d, %g) = %g, %g", o, e, hi, lo)
			}
		}
	}
	for _, n := range ns {
		for _, p0 := range p0s {
			for _, o := range []int{0, 1, n, n + 1} {
				if hi, lo := BinomialPValues(o, n, p0); !inRange(hi, 0, 1) || !inRange(lo, 0, 1) {
					t.Errorf("BinomialPValues(%d, %d, %g) = %g, %g", o, n, p0, hi, lo)
				}
			}
		}
	}
}

// TestNegativeCountPanics checks the programmer-error panics.
func TestNegativeCountPanics(t *testing.T) {
	tests := []struct {
		name string
		f    func()
	}{
		{"BinomialQuantile", func() { BinomialQuantile(0.5, -1, 0.1) }},
		{"BinomialLimit", func() { BinomialLimit(0.5, -1, 0.1) }},
		{"ArcsineLimits", func() { ArcsineLimits(-1, 0.1, 0.95, 0) }},
		{"GarwoodInterval", func() { GarwoodInterval(-1, 0.95) }},
		{"ByarInterval", func() { ByarInterval(-1, 0.95) }},
		{"MixedInterval", func() { MixedInterval(-1, 0.95) }},
		{"ClopperPearsonInterval o", func() { ClopperPearsonInterval(-1, 5, 0.95) }},
		{"ClopperPearsonInterval n", func() { ClopperPearsonInterval(0, -5, 0.95) }},
		{"WilsonInterval", func() { WilsonInterval(-1, 5, 0.95) }},
		{"PoissonPValues", func() { PoissonPValues(-1, 1) }},
		{"BinomialPValues", func() { BinomialPValues(-1, 5, 0.1) }},
		{"Quantile7 unsorted", func() { Quantile7([]float64{2, 1}, 0.5) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", tt.name)
				}
			}()
			tt.f()
		})
	}
}
