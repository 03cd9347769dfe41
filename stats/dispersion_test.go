package stats

import (
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// TestQuantile7 checks values of R's quantile(x, q) (type 7), each worked by
// hand from the formula of STATS.md §5.2: idx = 1 + (m − 1)q, blend of
// x[⌊idx⌋] and x[⌈idx⌉] with weight f = idx − ⌊idx⌋.
func TestQuantile7(t *testing.T) {
	const tol = 1e-15
	inf := math.Inf(1)
	oneToTen := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	tests := []struct {
		name   string
		sorted []float64
		q      float64
		want   float64
	}{
		// quantile(c(1, 2, 3, 4, 10), 0.1) = 1.4: idx 1.4 → 0.6·1 + 0.4·2.
		{"R c(1,2,3,4,10) q=0.1", []float64{1, 2, 3, 4, 10}, 0.1, 1.4},
		// idx 4.6 → 0.4·4 + 0.6·10 = 7.6.
		{"R c(1,2,3,4,10) q=0.9", []float64{1, 2, 3, 4, 10}, 0.9, 7.6},
		// idx 3, f = 0 → x[3].
		{"R c(1,2,3,4,10) q=0.5", []float64{1, 2, 3, 4, 10}, 0.5, 3},
		// quantile(1:10, c(0.1, 0.9)) = 1.9, 9.1: idx 1.9 and 9.1.
		{"R 1:10 q=0.1", oneToTen, 0.1, 1.9},
		{"R 1:10 q=0.9", oneToTen, 0.9, 9.1},
		{"R 1:10 q=0", oneToTen, 0, 1},
		{"R 1:10 q=1", oneToTen, 1, 10},
		// One value: idx 1 for every q.
		{"R c(5) q=0.3", []float64{5}, 0.3, 5},
		// Equal neighbours skip the blend, so −Inf stays −Inf (not NaN).
		{"R c(-Inf,-Inf,0,1) q=0.1", []float64{-inf, -inf, 0, 1}, 0.1, -inf},
		// idx 1.3 between −Inf and 0: 0.7·(−Inf) + 0.3·0 = −Inf.
		{"R c(-Inf,0,1,2) q=0.1", []float64{-inf, 0, 1, 2}, 0.1, -inf},
		// idx 2.5 → 0.5·0 + 0.5·1.
		{"R c(-Inf,0,1,2) q=0.5", []float64{-inf, 0, 1, 2}, 0.5, 0.5},
		// idx 2.5 between equal values → 1.
		{"R c(1,1,1,2) q=0.5", []float64{1, 1, 1, 2}, 0.5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Quantile7(tt.sorted, tt.q)
			if !scalar.EqualWithinAbsOrRel(got, tt.want, tol, tol) && got != tt.want {
				t.Errorf("Quantile7(%v, %g) = %.17g, want %.17g", tt.sorted, tt.q, got, tt.want)
			}
		})
	}
	for _, c := range []struct {
		sorted []float64
		q      float64
	}{{nil, 0.5}, {oneToTen, math.NaN()}, {oneToTen, -0.1}, {oneToTen, 1.1}, {[]float64{1, math.NaN()}, 0.5}} {
		if got := Quantile7(c.sorted, c.q); !math.IsNaN(got) {
			t.Errorf("Quantile7(%v, %g) = %g, want NaN", c.sorted, c.q, got)
		}
	}
}

// TestQuantile7Properties checks that Quantile7 is non-decreasing in q and
// lies between the order statistics it blends.
func TestQuantile7Properties(t *testing.T) {
	x := []float64{-3.2, -1, -1, 0, 0.5, 2, 2, 2, 7.25, 11}
	prev := math.Inf(-1)
	for q := 0.0; q <= 1; q += 0.001 {
		got := Quantile7(x, q)
		idx := 1 + float64(len(x)-1)*q
		lo, hi := x[int(math.Floor(idx))-1], x[int(math.Ceil(idx))-1]
		if got < prev || got < lo || got > hi {
			t.Errorf("Quantile7(x, %g) = %g: previous %g, order statistics %g, %g", q, got, prev, lo, hi)
		}
		prev = got
	}
}

// TestAverageRanks checks R's rank(x) (ties.method = "average",
// na.last = "keep"), worked by hand.
func TestAverageRanks(t *testing.T) {
	const tol = 0 // ranks are exact halves
	inf := math.Inf(1)
	tests := []struct {
		name string
		x    []float64
		want []float64
	}{
		// rank(c(10, 20, 10, -Inf, 30)) = 2.5 4.0 2.5 1.0 5.0.
		{"ties and -Inf", []float64{10, 20, 10, -inf, 30}, []float64{2.5, 4, 2.5, 1, 5}},
		// rank(c(3, 3, 3)) = 2 2 2.
		{"all tied", []float64{3, 3, 3}, []float64{2, 2, 2}},
		// rank(c(-Inf, -Inf, -Inf, 1, Inf)) = 2 2 2 4 5.
		{"tied -Inf", []float64{-inf, -inf, -inf, 1, inf}, []float64{2, 2, 2, 4, 5}},
		// rank(c(NaN, 1, 0), na.last = "keep") = NA 2 1.
		{"NaN kept", []float64{math.NaN(), 1, 0}, []float64{math.NaN(), 2, 1}},
		{"empty", nil, []float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AverageRanks(tt.x)
			if len(got) != len(tt.want) {
				t.Fatalf("AverageRanks(%v) = %v, want %v", tt.x, got, tt.want)
			}
			for i := range got {
				if !scalar.EqualWithinAbsOrRel(got[i], tt.want[i], tol, tol) && !(math.IsNaN(got[i]) && math.IsNaN(tt.want[i])) {
					t.Errorf("AverageRanks(%v) = %v, want %v", tt.x, got, tt.want)
					break
				}
			}
		})
	}
	// Property: the ranks of m values always sum to m(m + 1)/2.
	x := []float64{5, 1, 5, 5, -2, 1, 9, 9, 0}
	var sum float64
	for _, r := range AverageRanks(x) {
		sum += r
	}
	if m := float64(len(x)); sum != m*(m+1)/2 {
		t.Errorf("sum of AverageRanks(%v) = %g, want %g", x, sum, m*(m+1)/2)
	}
}

// TestWinsorize checks that z = 1…10 winsorised at q = 0.1 is clamped to
// [1.9, 9.1] (R quantile(1:10, c(0.1, 0.9)), by hand), that the input is
// not modified, and the NaN and q-range rules.
func TestWinsorize(t *testing.T) {
	const tol = 1e-15
	z := []float64{10, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	orig := slices.Clone(z)
	got := Winsorize(z, 0.1)
	want := []float64{9.1, 1.9, 2, 3, 4, 5, 6, 7, 8, 9}
	for i := range want {
		if !scalar.EqualWithinAbsOrRel(got[i], want[i], tol, tol) {
			t.Errorf("Winsorize(%v, 0.1) = %v, want %v", orig, got, want)
			break
		}
	}
	if !slices.Equal(z, orig) {
		t.Errorf("Winsorize modified its input: %v, was %v", z, orig)
	}
	if got := Winsorize(z, 0); !slices.Equal(got, orig) {
		t.Errorf("Winsorize(z, 0) = %v, want z unchanged", got)
	}
	// NaN is ignored for the quantiles of {1, 2, 3} (1.5 and 2.5 at q = 0.25)
	// and stays NaN.
	got = Winsorize([]float64{math.NaN(), 1, 2, 3}, 0.25)
	if !math.IsNaN(got[0]) || got[1] != 1.5 || got[2] != 2 || got[3] != 2.5 {
		t.Errorf("Winsorize([NaN 1 2 3], 0.25) = %v, want [NaN 1.5 2 2.5]", got)
	}
	for _, q := range []float64{math.NaN(), -0.1, 0.6} {
		for _, v := range Winsorize([]float64{1, 2, 3}, q) {
			if !math.IsNaN(v) {
				t.Errorf("Winsorize([1 2 3], %g) = %v, want NaNs", q, Winsorize([]float64{1, 2, 3}, q))
				break
			}
		}
	}
	if got := Winsorize(nil, 0.1); got == nil || len(got) != 0 {
		t.Errorf("Winsorize(nil, 0.1) = %#v, want empty slice", got)
	}
}

// TestTruncate checks SHMI truncation with q = 0.1 (k = 10 groups,
// g = ⌊rank·10/(m + 1)⌋, keep 0 < g < 9), worked by hand.
func TestTruncate(t *testing.T) {
	inf := math.Inf(1)
	seq := func(from, to float64) []float64 {
		var s []float64
		for v := from; v <= to; v++ {
			s = append(s, v)
		}
		return s
	}
	tests := []struct {
		name string
		z    []float64
		want []float64
	}{
		// m = 20 distinct: ranks 1, 2 → g = 0 and 19, 20 → g = 9 are dropped.
		{"20 distinct", seq(1, 20), seq(3, 18)},
		// m = 19, three −Inf (STATS.md §4.4: zeros stay once
		// z0 ≥ (m + 1)/5 − 1 = 3): average rank 2 → g = 1, kept; finite ranks
		// 4…17 → g 2…8 kept, 18 and 19 → g = 9 dropped.
		{"19 with three -Inf", append([]float64{-inf, -inf, -inf}, seq(1, 16)...), append([]float64{-inf, -inf, -inf}, seq(1, 14)...)},
		// m = 19, two −Inf: average rank 1.5 → g = 0, dropped; ranks 3…17 kept.
		{"19 with two -Inf", append([]float64{-inf, -inf}, seq(1, 17)...), seq(1, 15)},
		{"empty", nil, []float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Truncate(tt.z, 0.1); !slices.Equal(got, tt.want) {
				t.Errorf("Truncate(%v, 0.1) = %v, want %v", tt.z, got, tt.want)
			}
		})
	}
	// Order is kept: the survivors of a shuffled input, in input order.
	z := []float64{18, 3, 20, 1, 10, 2, 19, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17}
	want := []float64{18, 3, 10, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17}
	if got := Truncate(z, 0.1); !slices.Equal(got, want) {
		t.Errorf("Truncate(%v, 0.1) = %v, want %v", z, got, want)
	}
	// Property: with distinct values, about 80% are kept.
	for m := 10; m <= 2000; m += 13 {
		kept := len(Truncate(seq(1, float64(m)), 0.1))
		if lo, hi := 0.8*float64(m)-2, 0.8*float64(m)+2; float64(kept) < lo || float64(kept) > hi {
			t.Errorf("Truncate of %d distinct values kept %d, want about %g", m, kept, 0.8*float64(m))
		}
	}
	for _, q := range []float64{math.NaN(), 0, -1, 2} {
		if got := Truncate(seq(1, 20), q); len(got) != 0 {
			t.Errorf("Truncate(1…20, %g) = %v, want empty", q, got)
		}
	}
}

// TestDispersion checks φ = mean z²: {1, 2, 3} → 14/3 (by hand).
func TestDispersion(t *testing.T) {
	const tol = 1e-15
	if got := Dispersion([]float64{1, 2, 3}); !scalar.EqualWithinAbsOrRel(got, 14.0/3, tol, tol) {
		t.Errorf("Dispersion([1 2 3]) = %g, want 14/3", got)
	}
	if got := Dispersion([]float64{math.Inf(-1), 1}); !math.IsInf(got, 1) {
		t.Errorf("Dispersion([-Inf 1]) = %g, want +Inf", got)
	}
	for _, z := range [][]float64{nil, {1, math.NaN()}} {
		if got := Dispersion(z); !math.IsNaN(got) {
			t.Errorf("Dispersion(%v) = %g, want NaN", z, got)
		}
	}
}

// TestDispersionPValue checks P(χ²_{m−1} > m·φ) against closed forms:
// χ²₁ = Z², so P(χ²₁ > 2) = erfc(1); χ²₂ is exponential with mean 2, so
// P(χ²₂ > 3) = e^−1.5.
func TestDispersionPValue(t *testing.T) {
	const tol = 1e-14
	tests := []struct {
		name string
		phi  float64
		m    int
		want float64
	}{
		{"chi2 1 df", 1, 2, math.Erfc(1)},
		{"chi2 2 df", 1, 3, math.Exp(-1.5)},
		{"phi 0", 0, 10, 1},
		{"phi +Inf", math.Inf(1), 10, 0},
	}
	for _, tt := range tests {
		if got := DispersionPValue(tt.phi, tt.m); !scalar.EqualWithinAbsOrRel(got, tt.want, tol, tol) {
			t.Errorf("DispersionPValue(%g, %d) = %.17g, want %.17g", tt.phi, tt.m, got, tt.want)
		}
	}
	for _, c := range []struct {
		phi float64
		m   int
	}{{1, 1}, {1, 0}, {math.NaN(), 10}, {-1, 10}} {
		if got := DispersionPValue(c.phi, c.m); !math.IsNaN(got) {
			t.Errorf("DispersionPValue(%g, %d) = %g, want NaN", c.phi, c.m, got)
		}
	}
}

// TestTau2 checks STATS.md §5.5, worked by hand:
// w = {1, 1}, φ = 1: (2 − 1)/(2 − 2/2) = 1;
// w = {1, 2, 3}, φ = 2: (6 − 2)/(6 − 14/6) = 12/11;
// m·φ = m − 1 gives 0, m·φ < m − 1 gives 0, φ = +Inf gives +Inf.
func TestTau2(t *testing.T) {
	const tol = 1e-15
	tests := []struct {
		name string
		phi  float64
		w    []float64
		want float64
	}{
		{"two equal weights", 1, []float64{1, 1}, 1},
		{"three weights", 2, []float64{1, 2, 3}, 12.0 / 11},
		{"m·φ = m − 1", 0.5, []float64{1, 1}, 0},
		{"underdispersed", 0.4, []float64{4, 9}, 0},
		{"infinite φ", math.Inf(1), []float64{1, 2}, math.Inf(1)},
	}
	for _, tt := range tests {
		if got := Tau2(tt.phi, tt.w); !scalar.EqualWithinAbsOrRel(got, tt.want, tol, tol) && got != tt.want {
			t.Errorf("Tau2(%g, %v) = %.17g, want %.17g", tt.phi, tt.w, got, tt.want)
		}
	}
	for _, c := range []struct {
		phi float64
		w   []float64
	}{{1, nil}, {1, []float64{1}}, {math.NaN(), []float64{1, 2}}, {-1, []float64{1, 2}},
		{2, []float64{1, 0}}, {2, []float64{1, -1}}, {2, []float64{1, math.NaN()}}, {2, []float64{1, math.Inf(1)}}} {
		if got := Tau2(c.phi, c.w); !math.IsNaN(got) {
			t.Errorf("Tau2(%g, %v) = %g, want NaN", c.phi, c.w, got)
		}
	}
}
