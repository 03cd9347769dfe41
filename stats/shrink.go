package stats

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/optimize"
)

// ShrinkFit says whether a group's between-unit variation could be
// estimated, and if not why not.
type ShrinkFit string

// The outcomes of fitting α.
const (
	// FitInterior: the marginal likelihood has its maximum at a finite α
	// (at most [MaxAlpha]).
	FitInterior ShrinkFit = "interior"
	// FitNoVariation: the likelihood keeps rising as α → ∞, or peaks
	// beyond MaxAlpha: the units vary no more than chance alone makes
	// them. α = +Inf and every unit is shrunk fully to the target.
	FitNoVariation ShrinkFit = "no_variation"
	// FitNoDeaths: no included unit has a death. The likelihood then
	// rises as α → 0 whatever the expected counts, which says nothing
	// about variation between units; everything is NaN.
	FitNoDeaths ShrinkFit = "no_deaths"
	// FitTooFewUnits: fewer than two units with a positive expected
	// count; a between-unit variance needs two. Everything is NaN.
	FitTooFewUnits ShrinkFit = "too_few_units"
)

// MaxAlpha is the largest α [Shrink] reports as an interior fit: a
// between-unit variance τ² = 1/α below 1e−8 (a standard deviation of 0.01%
// of the expected rate) is no variation for any purpose here, and beyond
// it the likelihood is too flat to locate its maximum in float64. A
// maximum further out is reported as [FitNoVariation].
const MaxAlpha = 1e8

// Shrunk is one unit's empirical-Bayes estimate (see [Shrink]), NaN for a
// unit left out (its expected count not positive and finite) or when the
// group's fit is undefined.
type Shrunk struct {
	// Ratio is the posterior mean of θ, (α + O)/(α + E): O/E pulled
	// towards 1 the more, the smaller E is.
	Ratio float64
	// Low and High are the posterior interval of θ at the requested level.
	Low, High float64
	// Reliability is E/(E + α), the weight the unit's own O/E gets:
	// Ratio = Reliability·O/E + (1 − Reliability)·1.
	Reliability float64
}

// Shrinkage is the empirical-Bayes fit of one group (see [Shrink]).
type Shrinkage struct {
	Fit ShrinkFit
	// Alpha is the fitted α: +Inf with FitNoVariation, NaN when undefined.
	Alpha float64
	// Tau2 is the between-unit variance of θ, 1/α (0 with FitNoVariation).
	Tau2 float64
	// Rankability is τ²/(τ² + median σᵢ²) (see [Shrink]); 0 with
	// FitNoVariation, NaN when undefined.
	Rankability float64
	// Included counts the units with a positive, finite expected count;
	// Excluded the others, whose Units entries are NaN.
	Included, Excluded int
	// Units holds one estimate per input unit, in order.
	Units []Shrunk
}

// Shrink fits the gamma–Poisson model of a risk-adjusted group by
// empirical Bayes and returns each unit's shrunk ratio (Clayton and
// Kaldor 1987):
//
//	Oᵢ | θᵢ ~ Poisson(Eᵢ·θᵢ),  θᵢ ~ Gamma(shape α, rate α)   (mean 1, variance 1/α)
//
// Marginally Oᵢ is negative binomial with mean Eᵢ and size α, and α is the
// maximiser of its log-likelihood,
//
//	ℓ(α) = Σᵢ [ln Γ(α + Oᵢ) − ln Γ(α) − ln Oᵢ! + α·ln(α/(α + Eᵢ)) + Oᵢ·ln(Eᵢ/(α + Eᵢ))],
//
// found with gonum's BFGS on u = ln α from the best point of a grid
// u = −12, −10, …, ln MaxAlpha, so that a likelihood with more than one
// peak, or a flat one, cannot mislead it, then refined on the derivative
// (see marginal.polish). The target θ = 1 is the funnel's: shrinking pulls
// each O/E towards the expected count, not towards the group's own mean.
// ℓ is computed as its difference from the Poisson log-likelihood, its
// limit as α → ∞,
//
//	ℓ(α) − ℓ(∞) = Σᵢ Σ_{k<Oᵢ} ln(1 + k/α) − Σᵢ [(α + Oᵢ)·ln(1 + Eᵢ/α) − Eᵢ]
//	            ≈ Σᵢ [(Oᵢ − Eᵢ)² − Oᵢ] / (2α)   for large α,
//
// which stays accurate where the likelihood is flat. When no point beats
// the limit, the units vary no more than Poisson chance makes them
// ([FitNoVariation]): α = +Inf, and the limit of the posterior is a point
// mass at 1, so every Ratio, Low and High is 1 and every Reliability 0:
// the data give no reason to place any unit away from the target. (An
// empirical-Bayes interval ignores the uncertainty in α; this limit shows
// it at its starkest, so pages should say "no variation beyond chance",
// not quote the interval.)
//
// Given α, each unit's posterior is θᵢ | Oᵢ ~ Gamma(α + Oᵢ, rate α + Eᵢ):
// Ratio (α + Oᵢ)/(α + Eᵢ), its equal-tailed interval at level from the
// gamma quantiles, and Reliability Eᵢ/(Eᵢ + α).
//
// The group's between-unit variance is τ² = 1/α on the ratio scale, and
// its rankability (van Dishoeck et al. 2011) is
//
//	ρ = τ² / (τ² + median σᵢ²),  σᵢ² = 1/Eᵢ,
//
// σᵢ² being the within-unit sampling variance of Oᵢ/Eᵢ around θᵢ = 1
// (Poisson: Var(O/E) = θ/E), on the same scale as τ². ρ is the share of
// the spread of the units' ratios that is real difference rather than
// chance, for a unit of median size: see [GradeRankability].
//
// Units whose expected count is not positive and finite (crude data, NaN)
// are left out and counted in Excluded. Fewer than two units left gives
// [FitTooFewUnits], no deaths among them [FitNoDeaths]; then everything is
// NaN. A level outside (0, 1) gives NaN intervals. Shrink panics if an
// observed count is negative.
//
// Sources: Clayton D and Kaldor J (1987), Empirical Bayes estimates of
// age-standardized relative risks for use in disease mapping, Biometrics
// 43:671–681; the negative binomial likelihood as in Lawless JF (1987),
// Negative binomial and mixed Poisson regression, Can J Stat 15:209–225
// (R's MASS::theta.ml fits the same α); van Dishoeck AM, Lingsma HF,
// Mackenbach JP and Steyerberg EW (2011), Random variation and rankability
// of hospitals using outcome indicators, BMJ Qual Saf 20:869–874.
func Shrink(units []Unit, level float64) Shrinkage {
	s := Shrinkage{Alpha: math.NaN(), Tau2: math.NaN(), Rankability: math.NaN(), Units: make([]Shrunk, len(units))}
	in := make([]Unit, 0, len(units))
	for _, u := range units {
		if u.Observed < 0 {
			panic("stats: Shrink: negative count")
		}
		if included(u) {
			in = append(in, u)
		}
	}
	s.Included, s.Excluded = len(in), len(units)-len(in)
	deaths := slices.ContainsFunc(in, func(u Unit) bool { return u.Observed > 0 })
	switch {
	case len(in) < 2:
		s.Fit = FitTooFewUnits
	case !deaths:
		s.Fit = FitNoDeaths
	default:
		s.Alpha = fitAlpha(newMarginal(in))
		s.Fit = FitInterior
		if math.IsInf(s.Alpha, 1) {
			s.Fit = FitNoVariation
		}
		s.Tau2 = 1 / s.Alpha
		s.Rankability = rankability(s.Tau2, in)
	}
	post := posteriorQuantiles{alpha: s.Alpha, level: level}
	for i, u := range units {
		s.Units[i] = post.of(u, s.Fit)
	}
	return s
}

// included reports whether a unit enters the shrinkage: it needs a
// positive, finite expected count.
func included(u Unit) bool { return u.Expected > 0 && u.Expected <= math.MaxFloat64 }

// rankability is τ²/(τ² + median 1/Eᵢ) (see [Shrink]).
func rankability(tau2 float64, units []Unit) float64 {
	v := make([]float64, len(units))
	for i, u := range units {
		v[i] = 1 / u.Expected
	}
	slices.Sort(v)
	n := len(v)
	median := v[n/2]
	if n%2 == 0 {
		median = (v[n/2-1] + v[n/2]) / 2
	}
	return tau2 / (tau2 + median)
}

// RankGrade is van Dishoeck's reading of a rankability.
type RankGrade string

// The grades, and "" for an undefined rankability.
const (
	RankPoor     RankGrade = "poor"     // below 50%
	RankModerate RankGrade = "moderate" // 50% to 75%
	RankGood     RankGrade = "good"     // above 75%
)

// GradeRankability grades a rankability ρ as van Dishoeck et al. (2011)
// do: below 0.5 poor (differences between units are mostly chance, and a
// ranking mostly noise), 0.5 to 0.75 moderate, above 0.75 good. The
// boundaries 0.5 and 0.75 are moderate. NaN gives "".
func GradeRankability(rho float64) RankGrade {
	switch {
	case rho < 0.5:
		return RankPoor
	case rho <= 0.75:
		return RankModerate
	case rho > 0.75:
		return RankGood
	}
	return ""
}

// marginal is the negative binomial log-likelihood of a group, less its
// Poisson limit, as a function of α (see [Shrink]). The double sum
// Σᵢ Σ_{k<Oᵢ} ln(1 + k/α) is regrouped by k, Σₖ nₖ·ln(1 + k/α) with nₖ the
// number of units with Oᵢ > k, so one evaluation costs one logarithm per
// unit and one per distinct k, not one per death; deaths beyond
// maxTabled take the log-gamma form instead.
type marginal struct {
	units []Unit
	// above[k] is nₖ for k < maxTabled.
	above []float64
	// big are the counts Oᵢ > maxTabled.
	big []int
}

// maxTabled bounds the table of nₖ: a unit with more deaths (a hospital,
// not a surgeon) adds ln Γ(α + O) − ln Γ(α + maxTabled) − (O − maxTabled)·ln α.
const maxTabled = 1 << 12

func newMarginal(units []Unit) *marginal {
	m := &marginal{units: units}
	top := 0
	for _, u := range units {
		top = max(top, min(u.Observed, maxTabled))
		if u.Observed > maxTabled {
			m.big = append(m.big, u.Observed)
		}
	}
	m.above = make([]float64, top)
	for _, u := range units {
		for k := range min(u.Observed, maxTabled) {
			m.above[k]++
		}
	}
	return m
}

// at returns ℓ(α) − ℓ(∞) and its derivative with respect to u = ln α.
func (m *marginal) at(alpha float64) (l, dl float64) {
	for k := 1; k < len(m.above); k++ {
		kf := float64(k)
		l += m.above[k] * math.Log1p(kf/alpha)
		dl -= m.above[k] * kf / (alpha + kf)
	}
	if len(m.big) > 0 {
		const t = maxTabled
		lgT, _ := math.Lgamma(alpha + t)
		psiT := mathext.Digamma(alpha + t)
		for _, o := range m.big {
			lg, _ := math.Lgamma(alpha + float64(o))
			rest := float64(o - t)
			l += lg - lgT - rest*math.Log(alpha)
			dl += alpha*(mathext.Digamma(alpha+float64(o))-psiT) - rest
		}
	}
	for _, u := range m.units {
		e, o := u.Expected, float64(u.Observed)
		lp := math.Log1p(e / alpha)
		l -= (alpha+o)*lp - e
		dl -= alpha*lp - (alpha+o)*e/(alpha+e)
	}
	return l, dl
}

// Grid of ln α searched before the optimiser starts (see [Shrink]).
const (
	gridLow  = -12
	gridStep = 2
)

// fitAlpha returns the maximiser of the marginal likelihood, or +Inf when
// no α up to MaxAlpha beats the Poisson limit.
func fitAlpha(m *marginal) float64 {
	best, bestL := math.NaN(), 0.0
	for u := float64(gridLow); u <= math.Log(MaxAlpha); u += gridStep {
		if l, _ := m.at(math.Exp(u)); l > bestL {
			best, bestL = u, l
		}
	}
	if math.IsNaN(best) {
		return math.Inf(1)
	}
	p := optimize.Problem{
		Func: func(x []float64) float64 { l, _ := m.at(math.Exp(x[0])); return -l },
		Grad: func(g, x []float64) { _, dl := m.at(math.Exp(x[0])); g[0] = -dl },
	}
	u := best
	// The optimiser may stop with an error when its line search can no
	// longer see ℓ change; its last location is still the best it found.
	settings := &optimize.Settings{GradientThreshold: 1e-9 * float64(len(m.units))}
	if r, _ := optimize.Minimize(p, []float64{best}, settings, &optimize.BFGS{}); r != nil && -r.F >= bestL && !math.IsNaN(r.X[0]) {
		u = r.X[0]
	}
	u = m.polish(u, best-gridStep, best+gridStep)
	alpha := math.Exp(u)
	if alpha > MaxAlpha {
		return math.Inf(1)
	}
	return alpha
}

// polish refines a maximiser u of ℓ(e^u) by secant steps on its
// derivative, kept within [lo, hi], the grid points either side of the
// best one. Near its maximum ℓ is flat to rounding (its value, a sum of
// terms of order ΣO, changes by less than 1e−13 within 1e−7 of u), which is
// where any optimiser that compares values stops; the derivative stays
// accurate there, so a root of it is found to about 1e−12 in two or three
// steps.
func (m *marginal) polish(u, lo, hi float64) float64 {
	_, d := m.at(math.Exp(u))
	prev, dPrev := u+1e-6, 0.0
	_, dPrev = m.at(math.Exp(prev))
	for range 10 {
		if d == dPrev {
			break
		}
		next := u - d*(u-prev)/(d-dPrev)
		if !(next > lo && next < hi) {
			break
		}
		prev, dPrev = u, d
		u = next
		_, d = m.at(math.Exp(u))
		if math.Abs(u-prev) <= 1e-13*max(1, math.Abs(u)) {
			break
		}
	}
	return u
}

// posteriorQuantiles computes units' posteriors at one α and level. The
// posterior Gamma(α + O, rate α + E) scales with its rate, so the
// quantiles of Gamma(α + O, rate 1) are remembered by O: a group has a few
// dozen distinct death counts.
type posteriorQuantiles struct {
	alpha, level float64
	byO          map[int][2]float64
}

func (p *posteriorQuantiles) of(u Unit, fit ShrinkFit) Shrunk {
	nan := math.NaN()
	switch {
	case !included(u) || (fit != FitInterior && fit != FitNoVariation):
		return Shrunk{Ratio: nan, Low: nan, High: nan, Reliability: nan}
	case fit == FitNoVariation:
		lo, hi := 1.0, 1.0
		if _, _, _, ok := tails(p.level); !ok {
			lo, hi = nan, nan
		}
		return Shrunk{Ratio: 1, Low: lo, High: hi, Reliability: 0}
	}
	a, e, o := p.alpha, u.Expected, float64(u.Observed)
	r := Shrunk{Ratio: (a + o) / (a + e), Reliability: e / (e + a)}
	q, ok := p.byO[u.Observed]
	if !ok {
		pLo, _, _, valid := tails(p.level)
		q = [2]float64{nan, nan}
		if valid {
			q = [2]float64{gammaLower(a+o, pLo), gammaUpper(a+o, pLo)}
		}
		if p.byO == nil {
			p.byO = map[int][2]float64{}
		}
		p.byO[u.Observed] = q
	}
	r.Low, r.High = q[0]/(a+e), q[1]/(a+e)
	return r
}
