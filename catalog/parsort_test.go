package catalog

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortOnCores: sorting in halves and merging gives slices.SortFunc's
// order, on lengths either side of where it splits, odd and even, with
// many equal values broken by position.
func TestSortOnCores(t *testing.T) {
	type rec struct{ value, pos int }
	byValue := func(a, b rec) int { return cmp.Or(cmp.Compare(a.value, b.value), cmp.Compare(a.pos, b.pos)) }
	rng := rand.New(rand.NewPCG(14, 8))
	for _, n := range []int{0, 1, 2, 100, 1<<14 - 1, 1 << 14, 1<<14 + 1, 100_001} {
		s := make([]rec, n)
		for i := range s {
			s[i] = rec{rng.IntN(n/3 + 1), i}
		}
		want := slices.Clone(s)
		slices.SortFunc(want, byValue)
		if got := sortOnCores(s, byValue); !slices.Equal(got, want) {
			t.Errorf("%d elements: sorted in halves differs from sorted whole", n)
		}
	}
}
