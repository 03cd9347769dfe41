package store

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestParseDecimal holds parseDecimal to strconv.ParseFloat, bit for bit,
// on the texts a release stores (every float's shortest decimal, as
// appendReal writes it) across the whole range, on decimals of every
// length with and without exponents, on halfway and near-halfway cases,
// and on texts it must leave to strconv.
func TestParseDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 3))
	var texts []string
	for range 200_000 {
		x := math.Float64frombits(rng.Uint64())
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		texts = append(texts, string(appendReal(nil, x)))
	}
	for range 200_000 {
		x := rng.Float64() * math.Pow(10, float64(rng.IntN(60)-40))
		texts = append(texts, string(appendReal(nil, x)), strconv.FormatFloat(x, 'f', rng.IntN(20), 64),
			strconv.FormatFloat(x, 'e', rng.IntN(25), 64), strconv.FormatFloat(-x, 'g', rng.IntN(20)+1, 64))
		n := rng.Uint64() >> rng.IntN(64)
		texts = append(texts, strconv.FormatUint(n, 10), strconv.FormatUint(n, 10)+"e"+strconv.Itoa(rng.IntN(80)-40))
	}
	texts = append(texts, "0", "-0", "0.0", "-0.0", "0e5", "1", "-1", "9007199254740993", "9007199254740992",
		"1e22", "1e23", "1e-22", "1e-23", "123456789012345678", "1234567890123456789", "12345678901234567890",
		"0.00000000000000000000000000001", "2.2250738585072014e-308", "4.9e-324", "1.7976931348623157e308",
		"1e309", "1e-400", "00012", "1.", ".5", "1e", "1e+", "-", "", "+1", "1.5E+3", "1.5e-3", "1-2", "0x10",
		"7.969509009457933e-32", "4.570395582964843e-14", "0.9999999999999991", "614.8132423523225",
		"9223372036854775807", "18446744073709551615", "1.00000000000000011102230246251565404236316680908203125",
		"1.00000000000000011102230246251565404236316680908203124", "2.00000000000000044408920985006261616945266723632812")
	for _, text := range texts {
		got, n, ok := parseDecimal(text)
		if !ok {
			continue // left to strconv
		}
		// What follows the number is not part of it (numberByte).
		if n < len(text) && numberByte(text[n]) {
			t.Errorf("parseDecimal(%q) stopped at %q", text, text[n:])
		}
		want, wantErr := strconv.ParseFloat(text[:n], 64)
		if wantErr != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("parseDecimal(%q) = %v (%d bytes), want %v, %v", text, got, n, want, wantErr)
		}
	}
	// It stops at the end of the number, as the units' arrays need.
	if x, n, ok := parseDecimal("12.5,7"); !ok || x != 12.5 || n != 4 {
		t.Errorf(`parseDecimal("12.5,7") = %v, %d, %v`, x, n, ok)
	}
}

// TestParseDecimalReadsMost: the shortcut must settle nearly every
// figure a release stores, or it saves nothing.
func TestParseDecimalReadsMost(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 4))
	read := 0
	const n = 100_000
	for range n {
		x := rng.Float64() * math.Pow(10, float64(rng.IntN(40)-30))
		if _, _, ok := parseDecimal(string(appendReal(nil, x))); ok {
			read++
		}
	}
	if read < n*999/1000 {
		t.Errorf("parseDecimal read %d of %d figures; want nearly all", read, n)
	}
}

func BenchmarkParseDecimal(b *testing.B) {
	rng := rand.New(rand.NewPCG(14, 5))
	var texts []string
	for range 10_000 {
		texts = append(texts, string(appendReal(nil, rng.Float64()*math.Pow(10, float64(rng.IntN(8)-4)))))
	}
	b.Run("parseDecimal", func(b *testing.B) {
		for b.Loop() {
			for _, t := range texts {
				parseDecimal(t)
			}
		}
	})
	b.Run("strconv", func(b *testing.B) {
		for b.Loop() {
			for _, t := range texts {
				strconv.ParseFloat(t, 64)
			}
		}
	})
}
