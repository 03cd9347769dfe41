package catalog

import (
	"fmt"
	"testing"
)

// TestNewFacetKeepsTheMostFrequent: a national release's hospital facet
// has thousands of values; the facet lists the 100 with most matches,
// ties A–Z, and says it left the rest out.
func TestNewFacetKeepsTheMostFrequent(t *testing.T) {
	counts := map[string]int{}
	for i := range 150 {
		counts[fmt.Sprintf("H%03d", i)] = i % 7
	}
	f := newFacet("hospital", counts)
	if len(f.Values) != maxFacetValues || !f.Truncated {
		t.Fatalf("150 values: kept %d, truncated %v; want %d, true", len(f.Values), f.Truncated, maxFacetValues)
	}
	// 21 or 22 values have each count 0–6: the 6s, 5s, 4s, 3s and some 2s are kept.
	if f.Values[0] != (FacetValue{"H006", 6}) || f.Values[1] != (FacetValue{"H013", 6}) {
		t.Errorf("first values %v, want H006 and H013 (count 6, A–Z)", f.Values[:2])
	}
	if last := f.Values[len(f.Values)-1]; last.Count != 2 {
		t.Errorf("last value kept %v, want a count of 2", last)
	}
	if g := newFacet("band", map[string]int{"within": 3}); g.Truncated || len(g.Values) != 1 {
		t.Errorf("one value: %+v", g)
	}
}
