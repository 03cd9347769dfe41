package stats

import (
	"fmt"
	"math"
	"sort"
)

// IntervalMethod is how a unit's own interval is computed (STATS.md §2).
type IntervalMethod int

const (
	// IntervalExact is Garwood's exact Poisson interval, the default.
	IntervalExact IntervalMethod = iota
	// IntervalByar is Byar's approximation, as New York State DOH uses.
	IntervalByar
	// IntervalMixed is PHE's rule: exact below 10 events, Byar from 10.
	IntervalMixed
)

// ParseIntervalMethod returns the method named exact, byar or mixed.
func ParseIntervalMethod(s string) (IntervalMethod, error) {
	switch s {
	case "exact", "":
		return IntervalExact, nil
	case "byar":
		return IntervalByar, nil
	case "mixed":
		return IntervalMixed, nil
	}
	return 0, fmt.Errorf("stats: unknown interval method %q (want exact, byar or mixed)", s)
}

// Comparison is the rule a publisher uses to call a unit higher or lower
// than expected, reported beside the funnel band.
type Comparison int

const (
	// CompareFunnel calls a unit higher or lower when it lies beyond a
	// funnel line at the flag level (at 95%, the band's rule).
	CompareFunnel Comparison = iota
	// CompareInterval calls a unit higher (lower) when its own interval at
	// the flag level lies wholly above (below) the target, as New York and
	// California do (at 95%).
	CompareInterval
)

// ParseComparison returns the rule named funnel or interval.
func ParseComparison(s string) (Comparison, error) {
	switch s {
	case "funnel", "":
		return CompareFunnel, nil
	case "interval":
		return CompareInterval, nil
	}
	return 0, fmt.Errorf("stats: unknown comparison %q (want funnel or interval)", s)
}

// ParseOptions returns the options for a publisher's method settings, the
// interval method and comparison rule by name, with the target left to the
// units (NaN).
func ParseOptions(interval, comparison string) (Options, error) {
	im, err := ParseIntervalMethod(interval)
	if err != nil {
		return Options{}, err
	}
	c, err := ParseComparison(comparison)
	if err != nil {
		return Options{}, err
	}
	return Options{Target: math.NaN(), Interval: im, Comparison: c}, nil
}

// Adjustment selects overdispersion-adjusted limits (STATS.md §5.4, §5.5).
type Adjustment int

const (
	// AdjustNone gives no adjusted limits (they are NaN).
	AdjustNone Adjustment = iota
	// AdjustMultiplicative widens the exact limits around the target by √φ
	// when φ > 1.
	AdjustMultiplicative
	// AdjustAdditive uses the random-effects τ² on the square-root scale
	// (ratio) or arcsine scale (proportion).
	AdjustAdditive
)

// ParseAdjustment returns the adjustment named none, multiplicative or
// additive.
func ParseAdjustment(s string) (Adjustment, error) {
	switch s {
	case "none", "":
		return AdjustNone, nil
	case "multiplicative":
		return AdjustMultiplicative, nil
	case "additive":
		return AdjustAdditive, nil
	}
	return 0, fmt.Errorf("stats: unknown overdispersion adjustment %q (want none, multiplicative or additive)", s)
}

// Band is a unit's position on the funnel (STATS.md §6.1 and §8.3).
type Band string

// The closed set of bands.
const (
	BandHighAlarm Band = "high_alarm" // above the upper 99.8% line
	BandHighAlert Band = "high_alert" // above the upper 95% line
	BandWithin    Band = "within"     // between the 95% lines (on a line is inside)
	BandLowAlert  Band = "low_alert"  // below the lower 95% line
	BandLowAlarm  Band = "low_alarm"  // below the lower 99.8% line
	BandTooFew    Band = "too_few"    // E < 1 (crude: n·p0 < 1) and the exact test does not flag it
)

// Verdict is a unit's comparison with the target under the release's rule.
type Verdict string

// The verdicts.
const (
	VerdictHigher       Verdict = "higher"
	VerdictLower        Verdict = "lower"
	VerdictNotDifferent Verdict = "not_different"
)

// Scale is what a funnel's y axis measures.
type Scale string

// The scales.
const (
	// ScaleRatio is O/E against limits at E (STATS.md §4.1): data with
	// expected counts.
	ScaleRatio Scale = "ratio"
	// ScaleProportion is O/n against limits at n (STATS.md §3.2): crude data.
	ScaleProportion Scale = "proportion"
)

// Unit is one unit's counts. Expected is NaN for crude data; within one
// funnel either every unit has it or none does.
type Unit struct {
	Cases    int
	Observed int
	Expected float64
}

// Options configures [Funnel]. The zero value, with Target set to NaN,
// computes the target from the units, exact 95% intervals, the funnel rule
// at 95% and no adjusted limits.
type Options struct {
	// Target is p0, the national rate; NaN means ΣObserved/ΣCases.
	Target     float64
	Interval   IntervalMethod
	Comparison Comparison
	// IntervalLevel is the level of each unit's own interval (CILow,
	// CIHigh) as a fraction, 0.98 for a publisher's 98% interval; 0 means
	// 0.95. FlagLevel is the level of the publisher's rule that gives the
	// verdict (Comparison); 0 means IntervalLevel. Publishers differ (one
	// rates hospitals by a 98% interval), and their verdicts are
	// reproduced only at their own level. The funnel's lines and bands
	// stay at 95% and 99.8% whatever these say: they are the product's
	// own comparison, the same for every publisher (STATS.md §6.1).
	IntervalLevel float64
	FlagLevel     float64
	Adjustment    Adjustment
	// CurvePoints is how many points each drawn limit curve has (default
	// 200).
	CurvePoints int
}

// UnitResult is one unit's position. Values on "the y scale" are O/E for
// ScaleRatio and O/n for ScaleProportion.
type UnitResult struct {
	// X is the funnel's x: risk-adjusted operations E/p0 (ratio scale) or
	// cases (proportion scale).
	X float64
	// Y is O/E or O/n.
	Y float64
	// Ratio is O/E (NaN for crude data); RAMR is Ratio·p0 (crude: O/n);
	// Survival is 1 − RAMR.
	Ratio, RAMR, Survival float64
	// CILow and CIHigh are the unit's own interval on the y scale, at
	// Options.IntervalLevel.
	CILow, CIHigh float64
	// The funnel limits at the unit's size, on the y scale.
	Lower95, Upper95, Lower998, Upper998 float64
	// Overdispersion-adjusted limits at the unit's size (NaN unless asked
	// for, or when the adjustment does not apply).
	AdjLower95, AdjUpper95, AdjLower998, AdjUpper998 float64
	Band                                             Band
	// Verdict applies the release's comparison rule at Options.FlagLevel.
	Verdict Verdict
	// PHigh and PLow are the exact one-sided p-values P(X ≥ O) and
	// P(X ≤ O) under the target (STATS.md §6.3).
	PHigh, PLow float64
	// DetectableRatio is the upper 95% line at the unit's size as a
	// multiple of expected: with this many operations only a death rate
	// above DetectableRatio × expected would be flagged. It is where an
	// observed rate must lie, not how large a true one must be to be
	// seen (DetectableRatio80).
	DetectableRatio float64
	// ShrunkRatio is the unit's empirical-Bayes estimate of its ratio,
	// O/E pulled towards 1 by the group's spread, with its 95% posterior
	// interval ShrunkLow to ShrunkHigh, and Reliability the weight its own
	// O/E gets (see [Shrink]). A second figure beside the funnel's, which
	// alone gives the band. NaN for crude data and where the group's fit
	// is undefined (see [Result.ShrinkFit]).
	ShrunkRatio, ShrunkLow, ShrunkHigh, Reliability float64
	// QHigh is the Benjamini–Hochberg q-value of PHigh among the
	// funnel's units ([QValues]): the smallest false-discovery rate at
	// which the unit would be called higher than expected, given how many
	// units were tested. QLow is the same for PLow, a separate family. Every
	// unit with a p-value enters, too_few ones included: they are tested
	// (STATS.md §8.3) and any of them could have been flagged.
	QHigh, QLow float64
	// FlagCount is the smallest number of deaths the funnel would flag
	// high at 95% at the unit's size (see [PoissonFlagCount]); crude
	// units with too few cases for any count to be flagged have
	// Cases + 1, and a unit without a line (E not positive) −1, its
	// powers NaN.
	FlagCount int
	// Power2x and Power1_5x are the chances that the unit would have been
	// flagged high at 95% had its true death rate been 2 and 1.5 times the
	// expected ([PoissonPower], [BinomialPower]); DetectableRatio80 is the
	// true ratio it would have been flagged at four times in five
	// ([PoissonDetectableRatio]). DetectableRatio is where an observed
	// ratio must lie to be flagged; DetectableRatio80 is how large a true
	// one must be to be seen reliably, above it (always on the ratio
	// scale; crude units of 2 or 3 cases at a target of 50% are the
	// exceptions found). All four are of the band's own 95% rule,
	// unadjusted for overdispersion (not of [UnitResult.Adjusted]'s
	// lines, nor of a verdict at another level).
	Power2x, Power1_5x, DetectableRatio80 float64
	// Small is true below E = 1 (crude: n·p0 < 1), where the band comes
	// from the exact one-sided test instead of the line rule (STATS.md
	// §8.3): the upper lines are the test's boundaries, the lower ones 0
	// (no low band can be reached there), and an unflagged unit is
	// too_few.
	Small bool
	// chance95 and chance998 are a small unit's probabilities, were its
	// true rate the target, that its test would flag it at 95% and 99.8%.
	chance95, chance998 float64
}

// CurvePoint is the funnel's limits at one x, on the y scale.
type CurvePoint struct {
	X                                    float64
	Lower95, Upper95, Lower998, Upper998 float64
}

// Result is a funnel: its target, every unit's position, the
// overdispersion summary and the curves to draw.
type Result struct {
	Scale  Scale
	Target float64
	Units  []UnitResult
	// Phi is the Pearson dispersion ratio of the 10%-winsorised z-scores of
	// units with E ≥ 5 (crude: n·p0 ≥ 5); PhiPValue its χ² test; Tau2 the
	// random-effects variance on the square-root (ratio) or arcsine
	// (proportion) scale from the same units; PhiUnits how many units.
	// All NaN when fewer than two units qualify.
	Phi, PhiPValue, Tau2 float64
	PhiUnits             int
	// Assessed counts the units given a judgement (all but too_few).
	// ExpectedOutside95 and ExpectedOutside998 are how many of the
	// funnel's units would lie beyond the 95% and 99.8% lines by chance
	// alone, beside how many do (Outside95, Outside998): 5% and 0.2% of
	// each unit judged by the lines, and each small unit's exact chance
	// of being flagged by its test (at most 2.5% and 0.1%, often far
	// less), too_few ones included, since any of them could have been.
	Assessed                              int
	ExpectedOutside95, ExpectedOutside998 float64
	Outside95, Outside998                 int
	// ShrinkFit, Alpha and Rankability are the group's empirical-Bayes
	// fit (see [Shrink]): whether its between-unit variation could be
	// estimated, α (+Inf with no variation beyond chance; the between-unit
	// variance is 1/α) and van Dishoeck's rankability (graded by
	// [GradeRankability]). Crude data: ShrinkFit "" and NaNs.
	ShrinkFit          ShrinkFit
	Alpha, Rankability float64
	Curve              []CurvePoint
}

// Tail probabilities of the two funnel levels.
const (
	pLow95   = 0.025
	pHigh95  = 0.975
	pLow998  = 0.001
	pHigh998 = 0.999
)

// Small reports whether a unit of this size (E, or n·p0 for crude data:
// its expected deaths) is below one expected death, where its band comes
// from the exact one-sided test instead of the funnel's lines (STATS.md
// §8.3).
func Small(expectedDeaths float64) bool { return expectedDeaths < 1 }

// MinDispersionSize is the smallest E (crude: n·p0) of a unit that enters
// φ and τ² (STATS.md §8.5): smaller units bias the estimates.
const MinDispersionSize = 5

// winsorizeFraction is the share winsorised at each end (STATS.md §5.2).
const winsorizeFraction = 0.1

// Funnel places every unit on the funnel of its group (Spiegelhalter 2005,
// doi:10.1002/sim.1970; STATS.md §8).
//
// With expected counts (ScaleRatio): y = O/E against exact Poisson limits
// with Spiegelhalter's interpolation at E; RAMR = O/E·p0. Without
// (ScaleProportion): y = O/n against exact binomial limits at n around p0.
// The band follows the line rule, strictly beyond a line; below E = 1
// (crude: n·p0 < 1) the exact one-sided test decides a high band instead,
// and a unit it does not flag is too_few (STATS.md §8.3). It panics if some units have expected
// counts and others not, or if a count is negative: ingest forbids both.
func Funnel(units []Unit, opts Options) Result {
	res := Result{Scale: ScaleRatio, Target: opts.Target, Units: make([]UnitResult, len(units)),
		Phi: math.NaN(), PhiPValue: math.NaN(), Tau2: math.NaN(), Alpha: math.NaN(), Rankability: math.NaN()}
	if len(units) == 0 {
		return res
	}
	crude := math.IsNaN(units[0].Expected)
	if crude {
		res.Scale = ScaleProportion
	}
	var sumO, sumN int
	for _, u := range units {
		if math.IsNaN(u.Expected) != crude {
			panic("stats: Funnel: some units have expected counts and others do not")
		}
		if u.Cases < 0 || u.Observed < 0 {
			panic("stats: Funnel: negative count")
		}
		sumO += u.Observed
		sumN += u.Cases
	}
	if math.IsNaN(res.Target) && sumN > 0 {
		res.Target = float64(sumO) / float64(sumN)
	}
	p0 := res.Target
	intervals := countIntervals{method: opts.Interval, level: opts.intervalLevel()}
	flagIntervals := &intervals
	if opts.flagLevel() != opts.intervalLevel() {
		flagIntervals = &countIntervals{method: opts.Interval, level: opts.flagLevel()}
	}
	for i, u := range units {
		if crude {
			res.Units[i] = proportionUnit(u, p0, opts)
		} else {
			res.Units[i] = ratioUnit(u, p0, opts, &intervals, flagIntervals)
		}
	}
	res.dispersion(units)
	res.adjust(units, opts.Adjustment)
	res.SecondFigures(units)
	// Units judged by the lines add their nominal chances as a count
	// times the chance, so that 20 of them give exactly 1, not a sum
	// of twenty 0.05s; small units add their exact chances.
	var byLines int
	for i := range res.Units {
		u := &res.Units[i]
		if u.Small {
			res.ExpectedOutside95 += u.chance95
			res.ExpectedOutside998 += u.chance998
		} else {
			byLines++
		}
		if u.Band == BandTooFew {
			continue
		}
		res.Assessed++
		if u.Band != BandWithin {
			res.Outside95++
		}
		if u.Band == BandHighAlarm || u.Band == BandLowAlarm {
			res.Outside998++
		}
	}
	res.ExpectedOutside95 += float64(byLines) * 2 * pLow95
	res.ExpectedOutside998 += float64(byLines) * 2 * pLow998
	res.Curve = curve(units, res.Scale, p0, opts.CurvePoints)
	return res
}

// defaultLevel is the level of an interval or flag rule no publisher
// setting changes, and the level of the funnel's inner lines (pLow95,
// pHigh95), whose line rule the funnel comparison at 95% is.
const defaultLevel = 0.95

// intervalLevel is the level of the units' own intervals.
func (o Options) intervalLevel() float64 {
	if o.IntervalLevel == 0 {
		return defaultLevel
	}
	return o.IntervalLevel
}

// flagLevel is the level of the verdict's rule.
func (o Options) flagLevel() float64 {
	if o.FlagLevel == 0 {
		return o.intervalLevel()
	}
	return o.FlagLevel
}

// countIntervals remembers the interval, at one method and level, of each
// count O a funnel has met: it depends on O alone, and a funnel of
// thousands of surgeons has a few dozen distinct death counts, so each
// gamma quantile is computed once. A funnel whose verdict is at another
// level than its intervals keeps one cache per level.
type countIntervals struct {
	method IntervalMethod
	level  float64
	byO    [][2]float64 // [lo, hi] for O; NaN lo where not yet computed
}

func (c *countIntervals) of(o int) (lo, hi float64) {
	const maxCached = 1 << 12 // counts beyond are computed each time
	if o >= maxCached {
		return countInterval(c.method, o, c.level)
	}
	for len(c.byO) <= o {
		c.byO = append(c.byO, [2]float64{math.NaN(), math.NaN()})
	}
	if v := c.byO[o]; !math.IsNaN(v[0]) {
		return v[0], v[1]
	}
	lo, hi = countInterval(c.method, o, c.level)
	c.byO[o] = [2]float64{lo, hi}
	return lo, hi
}

// countInterval is the interval of a count by method at level (STATS.md
// §2).
func countInterval(method IntervalMethod, o int, level float64) (lo, hi float64) {
	switch method {
	case IntervalByar:
		return ByarInterval(o, level)
	case IntervalMixed:
		return MixedInterval(o, level)
	}
	return GarwoodInterval(o, level)
}

// ratioUnit places a unit with expected counts; intervals hold its own
// interval's level, flags the verdict's (the same cache when the levels
// are equal).
func ratioUnit(u Unit, p0 float64, opts Options, intervals, flags *countIntervals) UnitResult {
	e := u.Expected
	o := float64(u.Observed)
	r := UnitResult{X: e / p0, Y: o / e, Ratio: o / e}
	r.RAMR = r.Ratio * p0
	r.Survival = 1 - r.RAMR
	lo, hi := intervals.of(u.Observed)
	r.CILow, r.CIHigh = lo/e, hi/e
	r.Lower95, r.Upper95 = PoissonLimit(pLow95, e), PoissonLimit(pHigh95, e)
	r.Lower998, r.Upper998 = PoissonLimit(pLow998, e), PoissonLimit(pHigh998, e)
	r.PHigh, r.PLow = PoissonPValues(u.Observed, e)
	tail := func(o int) float64 { high, _ := PoissonPValues(o, e); return high }
	if Small(e) {
		r.small(tail, math.MaxInt, e)
	}
	r.DetectableRatio = r.Upper95
	r.Band = band(r)
	if opts.Comparison == CompareInterval {
		lo, hi := r.CILow, r.CIHigh
		if flags != intervals {
			lo, hi = flags.of(u.Observed)
			lo, hi = lo/e, hi/e
		}
		r.Verdict = intervalVerdict(lo, hi, 1)
	} else {
		lo, hi := r.Lower95, r.Upper95
		if level := opts.flagLevel(); level != defaultLevel {
			pLo, pHi, _, _ := tails(level)
			lo, hi = flagLines(PoissonLimit(pLo, e), PoissonLimit(pHi, e), pLo, tail, math.MaxInt, e, r.Small)
		}
		r.Verdict = lineVerdict(r.Y, lo, hi)
	}
	r.AdjLower95, r.AdjUpper95, r.AdjLower998, r.AdjUpper998 = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	return r
}

func proportionUnit(u Unit, p0 float64, opts Options) UnitResult {
	n := float64(u.Cases)
	o := float64(u.Observed)
	r := UnitResult{X: n, Y: o / n, Ratio: math.NaN(), RAMR: o / n}
	r.Survival = 1 - r.RAMR
	r.CILow, r.CIHigh = ClopperPearsonInterval(u.Observed, u.Cases, opts.intervalLevel())
	r.Lower95, r.Upper95 = BinomialLimit(pLow95, u.Cases, p0), BinomialLimit(pHigh95, u.Cases, p0)
	r.Lower998, r.Upper998 = BinomialLimit(pLow998, u.Cases, p0), BinomialLimit(pHigh998, u.Cases, p0)
	r.PHigh, r.PLow = BinomialPValues(u.Observed, u.Cases, p0)
	tail := func(o int) float64 { high, _ := BinomialPValues(o, u.Cases, p0); return high }
	if Small(n * p0) {
		r.small(tail, u.Cases, n)
	}
	r.DetectableRatio = r.Upper95 / p0
	r.Band = band(r)
	if opts.Comparison == CompareInterval {
		lo, hi := r.CILow, r.CIHigh
		if level := opts.flagLevel(); level != opts.intervalLevel() {
			lo, hi = ClopperPearsonInterval(u.Observed, u.Cases, level)
		}
		r.Verdict = intervalVerdict(lo, hi, p0)
	} else {
		lo, hi := r.Lower95, r.Upper95
		if level := opts.flagLevel(); level != defaultLevel {
			pLo, pHi, _, _ := tails(level)
			lo, hi = flagLines(BinomialLimit(pLo, u.Cases, p0), BinomialLimit(pHi, u.Cases, p0), pLo, tail, u.Cases, n, r.Small)
		}
		r.Verdict = lineVerdict(r.Y, lo, hi)
	}
	r.AdjLower95, r.AdjUpper95, r.AdjLower998, r.AdjUpper998 = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	return r
}

// small turns a unit below E = 1 (crude: n·p0 < 1) from the line rule to
// the exact one-sided test (STATS.md §8.3): each upper line becomes the
// test's boundary (k*−1)/size, where k* is the smallest count whose upper
// tail P(X ≥ k*) is below the level, so that y = O/size lies strictly
// above the line exactly when the test flags O. The lines come from the
// same tail function as PHigh, so a point and its band cannot disagree.
// Where no count up to maxCount flags (crude units with few cases), the
// line is the largest possible y, which nothing exceeds.
func (r *UnitResult) small(tail func(o int) float64, maxCount int, size float64) {
	r.Small = true
	r.Lower95, r.Lower998 = 0, 0
	r.Upper95, r.chance95 = testLine(pLow95, tail, maxCount, size)
	r.Upper998, r.chance998 = testLine(pLow998, tail, maxCount, size)
	if !(size > 0) {
		r.Lower95, r.Lower998 = math.NaN(), math.NaN()
	}
}

// testLine returns the boundary (k*−1)/size of the one-sided test at
// level alpha and the test's size, tail(k*): the chance it flags a unit
// whose true rate is the target. Below E = 1 (n·p0 < 1) k* is small (at
// most 6 at the 99.8% level), so a linear search is exact and cheap.
func testLine(alpha float64, tail func(o int) float64, maxCount int, size float64) (line, chance float64) {
	if !(size > 0) {
		return math.NaN(), 0
	}
	for k := 1; k <= maxCount; k++ {
		t := tail(k)
		if math.IsNaN(t) {
			return math.NaN(), 0
		}
		if t < alpha {
			return float64(k-1) / size, t
		}
	}
	return float64(maxCount) / size, 0
}

// band applies the line rule to a unit; below E = 1 the lines are the
// exact test's (see [UnitResult.small]), and a unit they do not flag is
// too_few.
func band(r UnitResult) Band {
	if math.IsNaN(r.Y) || math.IsNaN(r.Upper95) {
		return BandTooFew
	}
	b := BandOf(r.Y, r.Lower95, r.Upper95, r.Lower998, r.Upper998)
	if r.Small && b == BandWithin {
		return BandTooFew
	}
	return b
}

// BandOf applies the line rule (STATS.md §6.1): y strictly beyond a line is
// outside it, the 99.8% lines taking precedence; on a line is inside.
func BandOf(y, lower95, upper95, lower998, upper998 float64) Band {
	switch {
	case y > upper998:
		return BandHighAlarm
	case y > upper95:
		return BandHighAlert
	case y < lower998:
		return BandLowAlarm
	case y < lower95:
		return BandLowAlert
	}
	return BandWithin
}

// intervalVerdict applies the interval rule: a unit whose own interval
// [lo, hi] at the flag level lies wholly above (below) the target is
// higher (lower). target is the y scale's target (1 for ratios, p0 for
// proportions).
func intervalVerdict(lo, hi, target float64) Verdict {
	switch {
	case lo > target:
		return VerdictHigher
	case hi < target:
		return VerdictLower
	}
	return VerdictNotDifferent
}

// lineVerdict applies the funnel rule: y strictly beyond the funnel's
// line at the flag level is higher (lower). At 95% these are the band's
// own lines, so a higher verdict is exactly a high band.
func lineVerdict(y, lower, upper float64) Verdict {
	switch {
	case y > upper:
		return VerdictHigher
	case y < lower:
		return VerdictLower
	}
	return VerdictNotDifferent
}

// flagLines are the funnel's lines at a flag level other than 95%, lower
// and upper being the line rule's at the unit's size. A small unit (below
// one expected death) is judged as its band is, by the exact one-sided
// test, at the level's tail pLo: its upper line is the test's boundary,
// its lower 0 (STATS.md §8.3).
func flagLines(lower, upper, pLo float64, tail func(o int) float64, maxCount int, size float64, small bool) (lo, hi float64) {
	if !small {
		return lower, upper
	}
	hi, _ = testLine(pLo, tail, maxCount, size)
	if !(size > 0) {
		return math.NaN(), hi
	}
	return 0, hi
}

// dispersion computes φ (Pearson, winsorised), its test, and τ² on the
// variance-stabilising scale, from units large enough to judge.
func (res *Result) dispersion(units []Unit) {
	p0 := res.Target
	var pearson, stable, w []float64
	for _, u := range units {
		o := float64(u.Observed)
		if res.Scale == ScaleRatio {
			e := u.Expected
			if e < MinDispersionSize {
				continue
			}
			pearson = append(pearson, (o-e)/math.Sqrt(e))
			stable = append(stable, 2*(math.Sqrt(o)-math.Sqrt(e)))
			w = append(w, 4*e)
			continue
		}
		n := float64(u.Cases)
		if n*p0 < MinDispersionSize || p0 <= 0 || p0 >= 1 {
			continue
		}
		pearson = append(pearson, (o/n-p0)/math.Sqrt(p0*(1-p0)/n))
		stable = append(stable, 2*math.Sqrt(n)*(math.Asin(math.Sqrt(o/n))-math.Asin(math.Sqrt(p0))))
		w = append(w, 4*n)
	}
	res.PhiUnits = len(pearson)
	if len(pearson) < 2 {
		return
	}
	res.Phi = Dispersion(Winsorize(pearson, winsorizeFraction))
	res.PhiPValue = DispersionPValue(res.Phi, len(pearson))
	res.Tau2 = Tau2(Dispersion(Winsorize(stable, winsorizeFraction)), w)
}

// SecondFigures fills the group's empirical-Bayes fit and each unit's
// shrunk ratio, power and q-values (issue 17) from units and what res
// already holds of them: its Scale and Target, and each unit's Upper95,
// PHigh and PLow, in units' order. [Funnel] calls it once the units are
// placed; it is exported so that results stored before these figures were
// get them from their stored figures by the same code, not a copy of it.
// res's Alpha and Rankability should start NaN, as Funnel's do.
func (res *Result) SecondFigures(units []Unit) {
	res.shrink(units)
	res.power(units)
	res.multiplicity()
}

// shrink fills the group's empirical-Bayes fit and each unit's shrunk
// ratio at 95% (see [Shrink]); crude data have none, and keep NaNs.
func (res *Result) shrink(units []Unit) {
	if res.Scale != ScaleRatio {
		for i := range res.Units {
			u := &res.Units[i]
			u.ShrunkRatio, u.ShrunkLow, u.ShrunkHigh, u.Reliability = math.NaN(), math.NaN(), math.NaN(), math.NaN()
		}
		return
	}
	s := Shrink(units, defaultLevel)
	res.ShrinkFit, res.Alpha, res.Rankability = s.Fit, s.Alpha, s.Rankability
	for i, sh := range s.Units {
		u := &res.Units[i]
		u.ShrunkRatio, u.ShrunkLow, u.ShrunkHigh, u.Reliability = sh.Ratio, sh.Low, sh.High, sh.Reliability
	}
}

// adjust fills the units' adjusted limits (see [Overdispersion.Adjust]:
// small units get none).
func (res *Result) adjust(units []Unit, a Adjustment) {
	od := res.Overdispersion()
	for i := range res.Units {
		r := &res.Units[i]
		size := units[i].Expected
		if res.Scale == ScaleProportion {
			size = float64(units[i].Cases)
		}
		if l, ok := od.Adjust(a, size, r.Limits()); ok {
			r.AdjLower95, r.AdjUpper95, r.AdjLower998, r.AdjUpper998 = l.Lower95, l.Upper95, l.Lower998, l.Upper998
		}
	}
}

// Limits are a funnel's four lines at one size, on the y scale.
type Limits struct {
	Lower95, Upper95, Lower998, Upper998 float64
}

// Limits are the unit's exact funnel limits.
func (u *UnitResult) Limits() Limits {
	return Limits{Lower95: u.Lower95, Upper95: u.Upper95, Lower998: u.Lower998, Upper998: u.Upper998}
}

// Limits are the curve's exact limits at X.
func (c CurvePoint) Limits() Limits {
	return Limits{Lower95: c.Lower95, Upper95: c.Upper95, Lower998: c.Lower998, Upper998: c.Upper998}
}

// Adjusted returns the unit as the overdispersion-adjusted limits place
// it: its limits replaced by the adjusted ones and its band by the band
// they give. Where no adjusted limits apply (among them every small
// unit, see [UnitResult.Small]) it returns u unchanged.
func (u UnitResult) Adjusted() UnitResult {
	if math.IsNaN(u.AdjUpper95) {
		return u
	}
	u.Lower95, u.Upper95, u.Lower998, u.Upper998 = u.AdjLower95, u.AdjUpper95, u.AdjLower998, u.AdjUpper998
	u.Band = band(u)
	return u
}

// Overdispersion is what an overdispersion adjustment needs of a funnel:
// its scale, target p0, φ and τ² (see [Result]).
type Overdispersion struct {
	Scale     Scale
	Target    float64
	Phi, Tau2 float64
}

// Overdispersion is the result's overdispersion summary.
func (res *Result) Overdispersion() Overdispersion {
	return Overdispersion{Scale: res.Scale, Target: res.Target, Phi: res.Phi, Tau2: res.Tau2}
}

// Adjust returns exact limits l at one size (E on the ratio scale, n on
// the proportion scale) adjusted for overdispersion, and false where the
// adjustment does not apply. Multiplicative widens the exact lines around
// the target by √φ when 1 < φ < ∞ (STATS.md §5.4), within [0, ∞) for
// ratios and [0, 1] for proportions; additive gives the random-effects
// limits with τ² on the square-root (ratio) or arcsine (proportion) scale
// (§5.5), when τ² is defined. It never applies below one expected death
// (see [Small]): a small unit's band is the exact test's, which an
// adjustment of the lines does not widen, so a signal there is not
// adjusted away by a spread estimated from larger units. The units, the
// drawn curves, the pages and `outcomes funnel` all adjust through it.
func (o Overdispersion) Adjust(a Adjustment, size float64, l Limits) (Limits, bool) {
	expectedDeaths := size
	if o.Scale == ScaleProportion {
		expectedDeaths = size * o.Target
	}
	if Small(expectedDeaths) {
		return Limits{}, false
	}
	switch a {
	case AdjustMultiplicative:
		if !(o.Phi > 1) || math.IsInf(o.Phi, 1) {
			return Limits{}, false
		}
		target, upper := 1.0, math.Inf(1)
		if o.Scale == ScaleProportion {
			target, upper = o.Target, 1
		}
		sq := math.Sqrt(o.Phi)
		widen := func(v float64) float64 { return math.Min(math.Max(target+sq*(v-target), 0), upper) }
		return Limits{Lower95: widen(l.Lower95), Upper95: widen(l.Upper95), Lower998: widen(l.Lower998),
			Upper998: widen(l.Upper998)}, true
	case AdjustAdditive:
		if !(o.Tau2 >= 0) || math.IsInf(o.Tau2, 1) {
			return Limits{}, false
		}
		var adj Limits
		if o.Scale == ScaleRatio {
			adj.Lower95, adj.Upper95 = SqrtLimits(size, 0.95, o.Tau2)
			adj.Lower998, adj.Upper998 = SqrtLimits(size, 0.998, o.Tau2)
			return adj, true
		}
		n := int(math.Round(size))
		if n < 1 {
			return Limits{}, false
		}
		adj.Lower95, adj.Upper95 = ArcsineLimits(n, o.Target, 0.95, o.Tau2)
		adj.Lower998, adj.Upper998 = ArcsineLimits(n, o.Target, 0.998, o.Tau2)
		return adj, true
	}
	return Limits{}, false
}

// curve returns the limits at points spread evenly on a log scale of x
// (where a funnel changes fastest at small x) from a little below the
// smallest unit, but not below E = 1, to a little above the largest. On the ratio scale x is
// E/p0, so the limits are taken at E = x·p0; on the proportion scale x is
// n and the points are whole numbers of cases.
func curve(units []Unit, scale Scale, p0 float64, points int) []CurvePoint {
	if points <= 0 {
		points = 200
	}
	if math.IsNaN(p0) || p0 <= 0 {
		return nil
	}
	lo, hi := math.Inf(1), 0.0
	for _, u := range units {
		x := float64(u.Cases)
		if scale == ScaleRatio {
			x = u.Expected / p0
		}
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	// No line is drawn below E = 1 (crude: n·p0 = 1), where units are
	// judged by the exact test, not by lines (STATS.md §8.3).
	smallest := 1 / p0
	lo, hi = math.Max(lo*0.8, smallest), hi*1.1
	if scale == ScaleProportion {
		lo = math.Max(1, math.Ceil(lo))
	}
	if !(hi > lo) {
		hi = lo * 2
	}
	xs := make([]float64, 0, points)
	step := math.Log(hi/lo) / float64(points-1)
	for i := range points {
		x := lo * math.Exp(step*float64(i))
		if scale == ScaleProportion {
			x = math.Round(x)
			if len(xs) > 0 && x == xs[len(xs)-1] {
				continue
			}
		}
		xs = append(xs, x)
	}
	sort.Float64s(xs)
	out := make([]CurvePoint, len(xs))
	for i, x := range xs {
		c := CurvePoint{X: x}
		if scale == ScaleRatio {
			e := x * p0
			c.Lower95, c.Upper95 = PoissonLimit(pLow95, e), PoissonLimit(pHigh95, e)
			c.Lower998, c.Upper998 = PoissonLimit(pLow998, e), PoissonLimit(pHigh998, e)
		} else {
			n := int(x)
			c.Lower95, c.Upper95 = BinomialLimit(pLow95, n, p0), BinomialLimit(pHigh95, n, p0)
			c.Lower998, c.Upper998 = BinomialLimit(pLow998, n, p0), BinomialLimit(pHigh998, n, p0)
		}
		out[i] = c
	}
	return out
}
