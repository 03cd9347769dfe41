package outcome

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestMulDecimal checks rates times cases against the exact decimal
// products. The cases are New York's rows whose expected deaths printed
// with float noise before (Expected Mortality Rate × Number of Cases /
// 100, 20250726 file); the exact products are by hand (366 × 1.20 =
// 439.2) and agree with Python's decimal module
// (Decimal("366") * Decimal("1.2") / 100 = 4.392).
func TestMulDecimal(t *testing.T) {
	tests := []struct {
		x     float64
		n     int64
		exp   int
		want  string // shortest form of the result
		noisy string // what x*n*10^exp printed before, where it was noise
	}{
		{1.2, 366, -2, "4.392", "4.3919999999999995"},
		{1.47, 355, -2, "5.2185", "5.218500000000001"},
		{1.59, 868, -2, "13.8012", "13.801200000000001"},
		{3.35, 130, -2, "4.355", ""},
		{0.0123, 1, 2, "1.23", ""},     // a proportion as a percent
		{0.0123, 407, 0, "5.0061", ""}, // cases × a proportion
		{2.5, 0, -2, "0", ""},          // no cases
		{1e-7, 3, 0, "3e-07", ""},      // beyond 15 decimals? no: 7
		{1.0 / 3, 3, 0, "1", ""},       // not a short decimal: the plain product
		{123456789.123, 1000, 0, "1.23456789123e+11", ""},
	}
	for _, tt := range tests {
		got := MulDecimal(tt.x, tt.n, tt.exp)
		if s := strconv.FormatFloat(got, 'g', -1, 64); s != tt.want {
			t.Errorf("MulDecimal(%v, %d, %d) = %s, want %s", tt.x, tt.n, tt.exp, s, tt.want)
		}
		if tt.noisy != "" {
			plain := float64(tt.n) * tt.x / 100 // as ingest computed it
			if s := strconv.FormatFloat(plain, 'g', -1, 64); s != tt.noisy {
				t.Errorf("plain %d × %v / 100 = %s, want the noise %s this test is about", tt.n, tt.x, s, tt.noisy)
			}
		}
	}
}

// exactNearest is the float64 nearest the exact value of r (math/big,
// independent of the code under test).
func exactNearest(r *big.Rat) float64 {
	f, _ := r.Float64()
	return f
}

// randomDecimal returns a decimal of up to 4 integer digits and up to 6
// decimals, as text, the way publishers print rates and expected deaths.
func randomDecimal(rng *rand.Rand) string {
	k := rng.IntN(7)
	s := strconv.FormatInt(rng.Int64N(10_000*int64(math.Pow10(k))), 10)
	if k == 0 {
		return s
	}
	for len(s) <= k {
		s = "0" + s
	}
	return s[:len(s)-k] + "." + s[len(s)-k:]
}

// TestMulDecimalExact compares MulDecimal with exact rational arithmetic
// on random published-looking decimals: it must be the float64 nearest
// the exact product, every time.
func TestMulDecimalExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 8))
	for range 20000 {
		text := randomDecimal(rng)
		n := rng.Int64N(100_000)
		exp := []int{-2, 0, 2}[rng.IntN(3)]
		x, _ := strconv.ParseFloat(text, 64)
		r, _ := new(big.Rat).SetString(text)
		r.Mul(r, new(big.Rat).SetInt64(n))
		if exp < 0 {
			r.Quo(r, new(big.Rat).SetInt64(int64(math.Pow10(-exp))))
		} else {
			r.Mul(r, new(big.Rat).SetInt64(int64(math.Pow10(exp))))
		}
		if got, want := MulDecimal(x, n, exp), exactNearest(r); got != want {
			t.Fatalf("MulDecimal(%s, %d, %d) = %v, want %v (exact %s)", text, n, exp, got, want, r.FloatString(12))
		}
	}
}

// TestDecimalSumExact adds random decimals and compares the sum with the
// exact rational sum: the float64 nearest it, whatever the order.
func TestDecimalSumExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 9))
	noisy := 0
	for range 5000 {
		var s, rev decimalSum
		exact := new(big.Rat)
		var texts []string
		plain := 0.0
		for range 1 + rng.IntN(6) {
			text := randomDecimal(rng)
			texts = append(texts, text)
			x, _ := strconv.ParseFloat(text, 64)
			s.add(x)
			plain += x
			r, _ := new(big.Rat).SetString(text)
			exact.Add(exact, r)
		}
		for i := len(texts) - 1; i >= 0; i-- {
			x, _ := strconv.ParseFloat(texts[i], 64)
			rev.add(x)
		}
		want := exactNearest(exact)
		if got := s.value(); got != want {
			t.Fatalf("sum of %q = %v, want %v", texts, got, want)
		}
		if got := rev.value(); got != want {
			t.Fatalf("sum of %q in reverse = %v, want %v", texts, got, want)
		}
		if plain != want {
			noisy++
		}
	}
	// The test must be about something: plain float64 sums miss often.
	if noisy < 500 {
		t.Errorf("plain float64 sums differed from the exact sum %d times in 5000, want many", noisy)
	}
}

// TestDecimalSumFallsBack checks the float64 sum is used once a term is
// not a short decimal, rather than a wrong "exact" one.
func TestDecimalSumFallsBack(t *testing.T) {
	var s decimalSum
	for _, x := range []float64{0.1, 1.0 / 3, 0.2} {
		s.add(x)
	}
	if want := 0.1 + 1.0/3 + 0.2; s.value() != want {
		t.Errorf("0.1 + 1/3 + 0.2 = %v, want the float64 sum %v", s.value(), want)
	}
	var big decimalSum
	big.add(9e15)
	big.add(0.5)
	if want := 9e15 + 0.5; big.value() != want {
		t.Errorf("9e15 + 0.5 = %v, want the float64 sum %v", big.value(), want)
	}
}

// TestUnitsSumExpectedAsDecimals checks a surgeon at two hospitals gets
// the exact sum of the expected deaths the rows give, and the hospitals
// summed from surgeons theirs: 2.138 + 0.962 = 3.1, which float64
// addition makes 3.0999999999999996.
func TestUnitsSumExpectedAsDecimals(t *testing.T) {
	a, b := 2.138, 0.962 // variables: Go adds constants exactly
	if s := strconv.FormatFloat(a+b, 'g', -1, 64); s != "3.0999999999999996" {
		t.Fatalf("2.138 + 0.962 = %s in float64; the test expects the noise 3.0999999999999996", s)
	}
	row := func(id, hosp string, e float64) Row {
		r := Row{Specialty: "vascular", Procedure: "aaa", Period: "2024", UnitType: Surgeon, UnitID: id,
			HospitalID: hosp, Cases: 50, Events: 1}
		r.Expected.V, r.Expected.Valid = e, true
		return r
	}
	rows := []Row{row("S1", "H1", 2.138), row("S1", "H2", 0.962), row("S2", "H1", 0.1), row("S3", "H1", 0.2)}
	sets := Units(rows)
	if len(sets) != 2 {
		t.Fatalf("Units = %d sets, want surgeons and hospitals", len(sets))
	}
	got := map[string]string{}
	for _, s := range sets {
		for _, u := range s.Units {
			got[string(s.Type)+" "+u.ID] = strconv.FormatFloat(u.Expected, 'g', -1, 64)
		}
	}
	want := map[string]string{"surgeon S1": "3.1", "surgeon S2": "0.1", "surgeon S3": "0.2",
		"hospital H1": "2.438", "hospital H2": "0.962"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: expected %s, want %s", k, got[k], w)
		}
	}
	// A crude row makes the unit crude.
	crude := row("S1", "H3", 0)
	crude.Expected.Valid = false
	for _, s := range Units(append(rows, crude)) {
		for _, u := range s.Units {
			if (u.ID == "S1" || u.ID == "H3") != math.IsNaN(u.Expected) {
				t.Errorf("%s %s with a crude row: expected %v, want NaN only for S1 and H3", s.Type, u.ID, u.Expected)
			}
		}
	}
}
