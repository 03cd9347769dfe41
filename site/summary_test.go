package site

import (
	"math"
	"testing"
)

// TestChanceCount holds the summary's "expected by chance" figures to
// their rule: one decimal from one up, as the specialty page writes them,
// two below one, so that a small chance never reads as 0.0.
func TestChanceCount(t *testing.T) {
	tests := []struct {
		x    float64
		want string
	}{
		{0.04, "0.04"},
		{0.6000000000000001, "0.60"},
		{0.999, "1.00"},
		{1, "1.0"},
		{5.364728499142816, "5.4"},
		{math.NaN(), "–"},
	}
	for _, tt := range tests {
		if got := chanceCount(tt.x); got != tt.want {
			t.Errorf("chanceCount(%v) = %q, want %q", tt.x, got, tt.want)
		}
	}
}
