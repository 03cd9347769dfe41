package stats_test

import (
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/surgeon-outcomes/outcomes/stats"
)

// shrinkGroup is one group of testdata/shrink_reference.csv: R's fit and
// its units' figures (see shrink_reference.R).
type shrinkGroup struct {
	fit                          string
	alpha, alphaOptim, alphaMASS float64
	tau2, rankability            float64
	units                        []stats.Unit
	want                         []stats.Shrunk
}

func readShrinkReference(t *testing.T) (map[string]*shrinkGroup, []string) {
	t.Helper()
	f, err := os.Open("testdata/shrink_reference.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comment = '#'
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	num := func(row []string, name string) float64 {
		s := row[col[name]]
		if s == "" {
			return math.NaN()
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("shrink_reference.csv: %s %q: %v", name, s, err)
		}
		return v
	}
	groups := map[string]*shrinkGroup{}
	var order []string
	for _, row := range rows[1:] {
		name := row[col["dataset"]]
		switch row[col["block"]] {
		case "group":
			groups[name] = &shrinkGroup{fit: row[col["fit"]], alpha: num(row, "alpha"),
				alphaOptim: num(row, "alpha_optim"), alphaMASS: num(row, "alpha_alt"),
				tau2: num(row, "tau2"), rankability: num(row, "rankability")}
			order = append(order, name)
		case "unit":
			g := groups[name]
			g.units = append(g.units, stats.Unit{Observed: int(num(row, "o")), Expected: num(row, "e")})
			g.want = append(g.want, stats.Shrunk{Ratio: num(row, "shrunk"), Low: num(row, "low"),
				High: num(row, "high"), Reliability: num(row, "reliability")})
		}
	}
	return groups, order
}

// TestShrinkReference compares Shrink with R's independent fit of five
// demo groups and LearnBayes' heart transplants (shrink_reference.R).
// Tolerances, relative: α 1e−9 against R's root of the score written with
// digamma (both solve the same equation to about 1e−12), 1e−6 against
// optim's Brent answer and MASS::theta.ml (each stops at about 1e−7); the
// units' ratio, interval and reliability, τ² and rankability 1e−8.
func TestShrinkReference(t *testing.T) {
	groups, order := readShrinkReference(t)
	if len(order) != 6 {
		t.Fatalf("shrink_reference.csv has %d groups, want 6", len(order))
	}
	for _, name := range order {
		g := groups[name]
		t.Run(name, func(t *testing.T) {
			if name == "hearttransplants" {
				checkHeartInput(t, g.units)
			}
			s := stats.Shrink(g.units, 0.95)
			if string(s.Fit) != g.fit {
				t.Fatalf("fit = %s, want %s (R)", s.Fit, g.fit)
			}
			if s.Included != len(g.units) || s.Excluded != 0 {
				t.Errorf("included %d, excluded %d; want %d, 0", s.Included, s.Excluded, len(g.units))
			}
			if g.fit == "interior" {
				for _, c := range []struct {
					what string
					want float64
					tol  float64
				}{{"score root", g.alpha, 1e-9}, {"optim", g.alphaOptim, 1e-6}, {"MASS::theta.ml", g.alphaMASS, 1e-6}} {
					if !scalar.EqualWithinRel(s.Alpha, c.want, c.tol) {
						t.Errorf("α = %.12g, want %.12g (R %s, relative tolerance %g)", s.Alpha, c.want, c.what, c.tol)
					}
				}
			} else if !math.IsInf(s.Alpha, 1) {
				t.Errorf("α = %g, want +Inf", s.Alpha)
			}
			near := func(what string, got, want float64) {
				t.Helper()
				if !scalar.EqualWithinRel(got, want, 1e-8) {
					t.Errorf("%s = %.12g, want %.12g (R)", what, got, want)
				}
			}
			near("τ²", s.Tau2, g.tau2)
			near("rankability", s.Rankability, g.rankability)
			for i, w := range g.want {
				got := s.Units[i]
				u := fmt.Sprintf("unit %d (O = %d, E = %g)", i+1, g.units[i].Observed, g.units[i].Expected)
				near(u+" ratio", got.Ratio, w.Ratio)
				near(u+" low", got.Low, w.Low)
				near(u+" high", got.High, w.High)
				near(u+" reliability", got.Reliability, w.Reliability)
			}
		})
	}
}

// checkHeartInput checks that the reference's heart transplant units are
// LearnBayes' 94 hospitals, with E = e·Σy/Σe (shrink_reference.R), so
// that the committed figures are the published data's.
func checkHeartInput(t *testing.T, units []stats.Unit) {
	t.Helper()
	rows := readCSV(t, sharedData(t, "hearttransplants-LearnBayes/hearttransplants.csv"))
	if len(rows) != len(units) {
		t.Fatalf("hearttransplants.csv has %d hospitals, the reference %d", len(rows), len(units))
	}
	var sumY, sumE float64
	for _, r := range rows {
		sumY += number(t, r["y"])
		sumE += number(t, r["e"])
	}
	for i, r := range rows {
		y, e := number(t, r["y"]), number(t, r["e"])*sumY/sumE
		if float64(units[i].Observed) != y || !scalar.EqualWithinRel(units[i].Expected, e, 1e-15) {
			t.Fatalf("hospital %d: reference O = %d, E = %.17g; hearttransplants.csv gives %g, %.17g",
				i+1, units[i].Observed, units[i].Expected, y, e)
		}
	}
}

// gammaPoisson draws a group from the model itself: n units with expected
// counts E = scale·exp(N(0, 1)) (many small, a few large, as surgeons
// are), θ ~ Gamma(α, α) (α = +Inf: θ = 1), O ~ Poisson(E·θ).
func gammaPoisson(rng *rand.Rand, n int, scale, alpha float64) []stats.Unit {
	units := make([]stats.Unit, n)
	for i := range units {
		e := scale * math.Exp(rng.NormFloat64())
		theta := 1.0
		if !math.IsInf(alpha, 1) {
			theta = distuv.Gamma{Alpha: alpha, Beta: alpha, Src: rng}.Rand()
		}
		units[i] = stats.Unit{Observed: int(distuv.Poisson{Lambda: e * theta, Src: rng}.Rand()), Expected: e}
	}
	return units
}

// TestShrinkRecoversAlpha fits groups drawn from the model and checks
// that α comes back: within 25% for 3,000 surgeons (its standard error
// there is about 8%), and within 30% for 400 hospital-sized units (E
// around 20,000, so every count takes the log-gamma path beyond the
// table of small counts).
func TestShrinkRecoversAlpha(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 2))
	for _, c := range []struct {
		n            int
		scale, alpha float64
		tol          float64
	}{{3000, 4, 4, 0.25}, {3000, 4, 20, 0.25}, {400, 2e4, 50, 0.3}} {
		units := gammaPoisson(rng, c.n, c.scale, c.alpha)
		s := stats.Shrink(units, 0.95)
		if s.Fit != stats.FitInterior || !scalar.EqualWithinRel(s.Alpha, c.alpha, c.tol) {
			t.Errorf("%d units, E ≈ %g, α = %g: fit %s, α̂ = %.4g (want within %g%%)", c.n, c.scale, c.alpha, s.Fit, s.Alpha, c.tol*100)
		}
		checkScore(t, units, s.Alpha)
		// The posterior mean is the reliability-weighted average of O/E
		// and 1, and lies between them.
		for i, u := range s.Units {
			raw := float64(units[i].Observed) / units[i].Expected
			want := u.Reliability*raw + (1 - u.Reliability)
			if !scalar.EqualWithinRel(u.Ratio, want, 1e-12) || u.Ratio < min(raw, 1) || u.Ratio > max(raw, 1) ||
				!(u.Low < u.Ratio && u.Ratio < u.High) {
				t.Fatalf("unit %d (O %d, E %.3g): ratio %g, interval [%g, %g], reliability %g", i, units[i].Observed,
					units[i].Expected, u.Ratio, u.Low, u.High, u.Reliability)
			}
		}
	}
}

// checkScore checks that α is a root of the negative binomial score,
// written with digamma as R's reference does (shrink_reference.R) rather
// than as Shrink computes it:
//
//	Σᵢ [ψ(α + Oᵢ) − ψ(α) + ln α + 1 − ln(α + Eᵢ) − (α + Oᵢ)/(α + Eᵢ)] = 0,
//
// to 1e−9 of the sum of its terms' sizes.
func checkScore(t *testing.T, units []stats.Unit, alpha float64) {
	t.Helper()
	var score, size float64
	for _, u := range units {
		o, e := float64(u.Observed), u.Expected
		terms := []float64{mathext.Digamma(alpha + o), -mathext.Digamma(alpha), math.Log(alpha), 1, -math.Log(alpha + e), -(alpha + o) / (alpha + e)}
		for _, v := range terms {
			score += v
			size += math.Abs(v)
		}
	}
	if math.Abs(score) > 1e-9*size {
		t.Errorf("α = %.10g: score %.3g, want 0 to within %.3g", alpha, score, 1e-9*size)
	}
}

// TestShrinkNoVariation: units that vary less than Poisson chance (O = E
// exactly) have no interior maximum, and are shrunk fully: α = +Inf,
// τ² = 0, rankability 0 (poor), each ratio and both ends of its interval
// 1, reliability 0. A group drawn with θ = 1 for all has at most a
// negligible τ².
func TestShrinkNoVariation(t *testing.T) {
	var units []stats.Unit
	for o := 1; o <= 20; o++ {
		units = append(units, stats.Unit{Observed: o, Expected: float64(o)})
	}
	s := stats.Shrink(units, 0.95)
	if s.Fit != stats.FitNoVariation || !math.IsInf(s.Alpha, 1) || s.Tau2 != 0 || s.Rankability != 0 {
		t.Fatalf("O = E: fit %s, α %g, τ² %g, rankability %g; want no_variation, +Inf, 0, 0", s.Fit, s.Alpha, s.Tau2, s.Rankability)
	}
	if g := stats.GradeRankability(s.Rankability); g != stats.RankPoor {
		t.Errorf("grade %q, want poor", g)
	}
	for i, u := range s.Units {
		if u != (stats.Shrunk{Ratio: 1, Low: 1, High: 1, Reliability: 0}) {
			t.Errorf("unit %d: %+v, want ratio and interval 1, reliability 0", i, u)
		}
	}
	rng := rand.New(rand.NewPCG(17, 1))
	for range 5 {
		s := stats.Shrink(gammaPoisson(rng, 2000, 4, math.Inf(1)), 0.95)
		if s.Fit == stats.FitInterior && !(s.Tau2 < 0.01) {
			t.Errorf("θ = 1 for all: fit %s, τ² = %g, want no_variation or τ² below 0.01", s.Fit, s.Tau2)
		}
	}
}

// TestShrinkUndefined: one unit, or no deaths at all, leave α undefined
// (see stats.ShrinkFit); units without a positive, finite expected count
// are left out and counted, and do not change the others' figures.
func TestShrinkUndefined(t *testing.T) {
	nan := math.NaN()
	undefined := func(t *testing.T, s stats.Shrinkage, fit stats.ShrinkFit) {
		t.Helper()
		if s.Fit != fit || !math.IsNaN(s.Alpha) || !math.IsNaN(s.Tau2) || !math.IsNaN(s.Rankability) {
			t.Errorf("fit %s, α %g, τ² %g, rankability %g; want %s and NaNs", s.Fit, s.Alpha, s.Tau2, s.Rankability, fit)
		}
		if g := stats.GradeRankability(s.Rankability); g != "" {
			t.Errorf("grade %q, want none", g)
		}
		for i, u := range s.Units {
			if !math.IsNaN(u.Ratio) || !math.IsNaN(u.Low) || !math.IsNaN(u.High) || !math.IsNaN(u.Reliability) {
				t.Errorf("unit %d: %+v, want NaNs", i, u)
			}
		}
	}
	t.Run("one unit", func(t *testing.T) {
		s := stats.Shrink([]stats.Unit{{Observed: 9, Expected: 2}}, 0.95)
		undefined(t, s, stats.FitTooFewUnits)
		if s.Included != 1 || len(s.Units) != 1 {
			t.Errorf("included %d, units %d; want 1, 1", s.Included, len(s.Units))
		}
	})
	t.Run("none", func(t *testing.T) {
		undefined(t, stats.Shrink(nil, 0.95), stats.FitTooFewUnits)
	})
	t.Run("no deaths", func(t *testing.T) {
		units := []stats.Unit{{Expected: 0.3}, {Expected: 2}, {Expected: 40}}
		undefined(t, stats.Shrink(units, 0.95), stats.FitNoDeaths)
	})
	t.Run("excluded", func(t *testing.T) {
		good := []stats.Unit{{Observed: 0, Expected: 1.5}, {Observed: 9, Expected: 3}, {Observed: 2, Expected: 4}, {Observed: 30, Expected: 12}}
		bad := []stats.Unit{{Observed: 1, Expected: nan}, {Observed: 1, Expected: 0}, {Observed: 1, Expected: -2}, {Observed: 1, Expected: math.Inf(1)}}
		mixed := append(append([]stats.Unit{}, bad[:2]...), good...)
		mixed = append(mixed, bad[2:]...)
		want, got := stats.Shrink(good, 0.95), stats.Shrink(mixed, 0.95)
		if got.Included != 4 || got.Excluded != 4 || want.Fit != stats.FitInterior || got.Alpha != want.Alpha || got.Rankability != want.Rankability {
			t.Fatalf("with excluded units: included %d, excluded %d, fit %s, α %g, rankability %g; want 4, 4, interior, %g, %g",
				got.Included, got.Excluded, got.Fit, got.Alpha, got.Rankability, want.Alpha, want.Rankability)
		}
		for i, u := range got.Units {
			if i >= 2 && i < 6 {
				if u != want.Units[i-2] {
					t.Errorf("unit %d: %+v, want %+v", i, u, want.Units[i-2])
				}
			} else if !math.IsNaN(u.Ratio) || !math.IsNaN(u.Reliability) {
				t.Errorf("excluded unit %d: %+v, want NaNs", i, u)
			}
		}
	})
	t.Run("level", func(t *testing.T) {
		s := stats.Shrink([]stats.Unit{{Observed: 0, Expected: 1.5}, {Observed: 9, Expected: 3}}, 1)
		if u := s.Units[1]; !math.IsNaN(u.Low) || !math.IsNaN(u.High) || math.IsNaN(u.Ratio) {
			t.Errorf("level 1: %+v, want a ratio and a NaN interval", u)
		}
	})
}

// TestShrinkHugeExpected checks the posterior interval where its shape is
// in the millions against the Wilson–Hilferty cube-root approximation of
// the gamma quantile, a·(1 − 1/(9a) + z/(3√a))³ / rate, whose relative
// error there is below 1e−9.
func TestShrinkHugeExpected(t *testing.T) {
	units := []stats.Unit{{Observed: 1_004_000, Expected: 1e6}, {Observed: 2_990_000, Expected: 3e6},
		{Observed: 1_500_000, Expected: 1.48e6}, {Observed: 502_000, Expected: 5e5}}
	s := stats.Shrink(units, 0.95)
	if s.Fit != stats.FitInterior {
		t.Fatalf("fit %s, want interior (the ratios differ by far more than chance)", s.Fit)
	}
	checkScore(t, units, s.Alpha)
	z := distuv.UnitNormal.Quantile(0.975)
	for i, u := range s.Units {
		a, rate := s.Alpha+float64(units[i].Observed), s.Alpha+units[i].Expected
		wh := func(z float64) float64 { c := 1 - 1/(9*a) + z/(3*math.Sqrt(a)); return a * c * c * c / rate }
		if !scalar.EqualWithinRel(u.Low, wh(-z), 1e-9) || !scalar.EqualWithinRel(u.High, wh(z), 1e-9) {
			t.Errorf("unit %d: interval [%.12g, %.12g], want [%.12g, %.12g]", i, u.Low, u.High, wh(-z), wh(z))
		}
		if !scalar.EqualWithinRel(u.Ratio, a/rate, 1e-15) {
			t.Errorf("unit %d: ratio %.15g, want %.15g", i, u.Ratio, a/rate)
		}
	}
}

func TestGradeRankability(t *testing.T) {
	for _, c := range []struct {
		rho  float64
		want stats.RankGrade
	}{{0, stats.RankPoor}, {0.4999, stats.RankPoor}, {0.5, stats.RankModerate}, {0.75, stats.RankModerate},
		{0.7501, stats.RankGood}, {1, stats.RankGood}, {math.NaN(), ""}} {
		if got := stats.GradeRankability(c.rho); got != c.want {
			t.Errorf("GradeRankability(%g) = %q, want %q", c.rho, got, c.want)
		}
	}
}

// TestFunnelShrinks checks that a ratio funnel carries its group's
// shrinkage, unit by unit, at 95%, and a crude one none.
func TestFunnelShrinks(t *testing.T) {
	groups, _ := readShrinkReference(t)
	units := groups["adult-cardiac/all/2022-04/2025-03"].units
	for i := range units {
		units[i].Cases = 100
	}
	res := stats.Funnel(units, stats.Options{Target: math.NaN()})
	s := stats.Shrink(units, 0.95)
	if res.ShrinkFit != stats.FitInterior || res.Alpha != s.Alpha || res.Rankability != s.Rankability {
		t.Errorf("funnel: fit %s, α %g, rankability %g; want %s, %g, %g", res.ShrinkFit, res.Alpha, res.Rankability, s.Fit, s.Alpha, s.Rankability)
	}
	for i, u := range res.Units {
		got := stats.Shrunk{Ratio: u.ShrunkRatio, Low: u.ShrunkLow, High: u.ShrunkHigh, Reliability: u.Reliability}
		if got != s.Units[i] {
			t.Errorf("unit %d: %+v, want %+v", i, got, s.Units[i])
		}
	}

	crude := []stats.Unit{{Cases: 100, Observed: 3, Expected: math.NaN()}, {Cases: 50, Observed: 4, Expected: math.NaN()}}
	res = stats.Funnel(crude, stats.Options{Target: math.NaN()})
	if res.ShrinkFit != "" || !math.IsNaN(res.Alpha) || !math.IsNaN(res.Rankability) {
		t.Errorf("crude funnel: fit %q, α %g, rankability %g; want none", res.ShrinkFit, res.Alpha, res.Rankability)
	}
	for i, u := range res.Units {
		if !math.IsNaN(u.ShrunkRatio) || !math.IsNaN(u.ShrunkLow) || !math.IsNaN(u.ShrunkHigh) || !math.IsNaN(u.Reliability) {
			t.Errorf("crude unit %d: shrunk %g [%g, %g], reliability %g; want NaNs", i, u.ShrunkRatio, u.ShrunkLow, u.ShrunkHigh, u.Reliability)
		}
	}
	if res := stats.Funnel(nil, stats.Options{Target: math.NaN()}); !math.IsNaN(res.Alpha) || !math.IsNaN(res.Rankability) {
		t.Errorf("empty funnel: α %g, rankability %g; want NaN", res.Alpha, res.Rankability)
	}
}
