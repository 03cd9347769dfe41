package store

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// TestDecodeCurve holds decodeCurve to parseCurve, bit for bit, on curves
// as curveJSON writes them (NaN as null, negative zero, figures of every
// size), and checks it refuses what curveJSON never writes.
func TestDecodeCurve(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 6))
	figure := func() float64 {
		switch rng.IntN(8) {
		case 0:
			return math.NaN()
		case 1:
			return math.Copysign(0, -1)
		case 2:
			return float64(rng.IntN(1000))
		}
		return (rng.Float64() - 0.2) * math.Pow(10, float64(rng.IntN(30)-15))
	}
	for n := range 40 {
		points := make([]outcome.CurvePoint, n*n)
		for i := range points {
			points[i] = outcome.CurvePoint{X: figure(), Lower95: figure(), Upper95: figure(), Lower998: figure(), Upper998: figure()}
		}
		text := curveJSON(points)
		want, err := parseCurve(text)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeCurve(text)
		if err != nil {
			t.Fatalf("decodeCurve(%.80q…): %v", text, err)
		}
		if len(got) != len(want) || got == nil || cap(got) != len(got) {
			t.Fatalf("%d points (room for %d), want %d and no more room", len(got), cap(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			for j, pair := range [][2]float64{{g.X, w.X}, {g.Lower95, w.Lower95}, {g.Upper95, w.Upper95},
				{g.Lower998, w.Lower998}, {g.Upper998, w.Upper998}} {
				if math.Float64bits(pair[0]) != math.Float64bits(pair[1]) && !(math.IsNaN(pair[0]) && math.IsNaN(pair[1])) {
					t.Errorf("point %d figure %d = %v, want %v", i, j, pair[0], pair[1])
				}
			}
		}
	}
	for _, text := range []string{"", "[", "[[1,2,3,4]]", "[[1,2,3,4,5,6]]", "[[1,2,3,4,5]", "[[1,2,3,4,5]]x",
		"[[1,2,3,4,x]]", "null", "[[1,2,3,4,5],]"} {
		if _, err := decodeCurve(text); err == nil {
			t.Errorf("decodeCurve(%q) read it; want an error", text)
		}
	}
	if got, err := decodeCurve(" [ [1, null ,3,4,5] ] "); err != nil || len(got) != 1 || !math.IsNaN(got[0].Lower95) {
		t.Errorf("decodeCurve with spaces = %v, %v", got, err)
	}
}

// BenchmarkDecodeCurve compares decodeCurve with parseCurve on a curve of
// the size a funnel stores.
func BenchmarkDecodeCurve(b *testing.B) {
	rng := rand.New(rand.NewPCG(14, 7))
	points := make([]outcome.CurvePoint, 120)
	for i := range points {
		x := rng.Float64() * 1000
		points[i] = outcome.CurvePoint{X: x, Lower95: 1 - 1/x, Upper95: 1 + 1/x, Lower998: 1 - 2/x, Upper998: 1 + 2/x}
	}
	text := curveJSON(points)
	b.Run("decodeCurve", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeCurve(text); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parseCurve", func(b *testing.B) {
		for b.Loop() {
			if _, err := parseCurve(text); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// parseCurve is the reference decodeCurve is held to: encoding/json's
// reading of a curve, which the store used before it.
func parseCurve(s string) ([]outcome.CurvePoint, error) {
	var raw [][5]*float64
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, err
	}
	val := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	out := make([]outcome.CurvePoint, len(raw))
	for i, r := range raw {
		out[i] = outcome.CurvePoint{X: val(r[0]), Lower95: val(r[1]), Upper95: val(r[2]), Lower998: val(r[3]), Upper998: val(r[4])}
	}
	return out, nil
}
