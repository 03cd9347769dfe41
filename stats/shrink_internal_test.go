package stats

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// TestMarginalDerivative checks that the marginal likelihood's value and
// derivative agree (a central difference in ln α with step 1e−3, to 1e−5
// relative: with 60,000 deaths and α = 1e6 the value is a difference of
// log-gammas near 1e7, good to about 1e−9), for
// small counts (the table of k) and for counts beyond maxTabled (the
// log-gamma form). The optimiser's grid reads the value and its steps the
// derivative, so each must be right; TestShrinkRecoversAlpha checks the
// derivative's root against the digamma score.
func TestMarginalDerivative(t *testing.T) {
	groups := map[string][]Unit{
		"small": {{Observed: 0, Expected: 0.4}, {Observed: 3, Expected: 1.2}, {Observed: 12, Expected: 6}, {Observed: 1, Expected: 2.5}},
		"large": {{Observed: 9000, Expected: 8000}, {Observed: 4100, Expected: 4500}, {Observed: 20, Expected: 30}, {Observed: 60000, Expected: 61000}},
	}
	for name, units := range groups {
		m := newMarginal(units)
		for _, alpha := range []float64{0.05, 1, 30, 4000, 1e6} {
			_, dl := m.at(alpha)
			const h = 1e-3
			lp, _ := m.at(alpha * math.Exp(h))
			lm, _ := m.at(alpha * math.Exp(-h))
			if num := (lp - lm) / (2 * h); !scalar.EqualWithinAbsOrRel(dl, num, 1e-9, 1e-5) {
				t.Errorf("%s, α = %g: derivative %.10g, central difference %.10g", name, alpha, dl, num)
			}
		}
	}
}

// TestMarginalLimit checks the value's limit, which decides
// FitNoVariation: ℓ(α) − ℓ(∞) ≈ Σ[(O − E)² − O]/(2α) for large α.
func TestMarginalLimit(t *testing.T) {
	units := []Unit{{Observed: 0, Expected: 0.4}, {Observed: 3, Expected: 1.2}, {Observed: 12, Expected: 6}, {Observed: 1, Expected: 2.5}}
	var s float64
	for _, u := range units {
		d := float64(u.Observed) - u.Expected
		s += d*d - float64(u.Observed)
	}
	for _, alpha := range []float64{1e5, 1e7} {
		if l, _ := newMarginal(units).at(alpha); !scalar.EqualWithinRel(l, s/(2*alpha), 1e-3) {
			t.Errorf("α = %g: ℓ(α) − ℓ(∞) = %.6g, want %.6g", alpha, l, s/(2*alpha))
		}
	}
}
