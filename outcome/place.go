package outcome

import (
	"math"

	"github.com/surgeon-outcomes/outcomes/stats"
)

// Funnel is one published funnel: a group's units of one type placed
// against the target, with the overdispersion summary and the limit curves
// to draw. It is what a release stores and what the site and API serve.
// Undefined numbers are NaN.
type Funnel struct {
	Group
	UnitType UnitType
	Scale    stats.Scale
	// Target is p0; TargetSource says where it came from: counts (the
	// group's own) or national (the publisher's national row).
	Target       float64
	TargetSource string
	// Phi, PhiPValue, Tau2 and PhiUnits summarise overdispersion
	// (stats.Result).
	Phi       float64
	PhiPValue float64
	Tau2      float64
	PhiUnits  int
	// Assessed counts the units with a band that compares them (every band
	// but too_few); ExpectedOutside95 and ExpectedOutside998 are how many
	// of those chance alone would put beyond each line, beside how many are.
	Assessed           int
	ExpectedOutside95  float64
	Outside95          int
	ExpectedOutside998 float64
	Outside998         int
	// ShrinkFit, Alpha and Rankability are the group's empirical-Bayes
	// fit (stats.Result): whether its between-unit variation could be
	// estimated, α (+Inf with no variation beyond chance, NaN when
	// undefined) and van Dishoeck's rankability. A funnel stored before
	// they were (units encoding 1) has ShrinkFit "" and NaNs.
	ShrinkFit          stats.ShrinkFit
	Alpha, Rankability float64
	Units              []Position
	Curve              []stats.CurvePoint
}

// Position is one unit's place on its funnel (stats.UnitResult) with the
// unit's identity and counts.
type Position struct {
	UnitID   string
	UnitName string
	// Aggregated marks a hospital summed from its surgeons' rows.
	Aggregated bool
	// PublishedOnly marks a unit of the publisher's figures only
	// (Unit.PublishedOnly): Events mean nothing, and Cases is 0 where the
	// publisher gave no volume.
	PublishedOnly bool
	Cases         int
	Events        int
	Expected      float64
	X, Y          float64
	Ratio         float64
	RAMR          float64
	Survival      float64
	CILow         float64
	CIHigh        float64
	Lower95       float64
	Upper95       float64
	Lower998      float64
	Upper998      float64
	Band          Band
	Verdict       stats.Verdict
	PHigh         float64
	PLow          float64
	// Detectable is the ratio of deaths to expected above which a unit of
	// this size would be flagged (stats.UnitResult.DetectableRatio).
	Detectable float64
	// ShrunkRatio, ShrunkLow, ShrunkHigh and Reliability are the unit's
	// empirical-Bayes estimate, its interval and the weight its own O/E
	// gets; QHigh and QLow the Benjamini–Hochberg q-values of PHigh and
	// PLow; Power2x and Power1_5x the chances a true ratio of 2 and 1.5
	// would have been flagged, and DetectableRatio80 the true ratio seen
	// four times in five (stats.UnitResult). Second figures beside the
	// band, which they never change; NaN where undefined.
	ShrunkRatio, ShrunkLow, ShrunkHigh, Reliability float64
	QHigh, QLow                                     float64
	Power2x, Power1_5x, DetectableRatio80           float64
}

// Method is how a release places its units: the publisher's settings.
type Method struct {
	// Options are the statistics' settings. A NaN Target means each
	// group's own rate, unless National gives the group's.
	Options stats.Options
	// TargetSource is counts or national, recorded with each funnel.
	TargetSource string
	// National holds the publisher's national counts by group; where a
	// group has them, their rate is the group's target.
	National map[Group]NationalRate
}

// NewMethod returns the method of a release's settings: its interval
// method and comparison rule by name (stats.ParseOptions), where its
// target comes from, and the national counts it read.
//
// A release of the publisher's figures only compares nothing itself: its
// comparison, FiguresPublished, places no unit (every one is
// NotAssessable), so the statistics keep their defaults.
func NewMethod(interval, comparison, targetSource string, national []NationalRate) (Method, error) {
	if comparison == FiguresPublished {
		comparison = ""
	}
	opts, err := stats.ParseOptions(interval, comparison)
	if err != nil {
		return Method{}, err
	}
	m := Method{Options: opts, TargetSource: targetSource}
	if targetSource == TargetNational {
		m.National = make(map[Group]NationalRate, len(national))
		for _, n := range national {
			m.National[n.Group()] = n
		}
	}
	return m, nil
}

// The target sources.
const (
	// TargetCounts takes p0 from the group's own counts.
	TargetCounts = "counts"
	// TargetNational takes p0 from the publisher's national counts.
	TargetNational = "national"
)

// OptionsFor returns the statistics' options for group g: the method's,
// with the group's national rate as target where there is one.
func (m *Method) OptionsFor(g Group) stats.Options {
	opts := m.Options
	if n, ok := m.National[g]; ok {
		if p0, ok := n.P0(); ok {
			opts.Target = p0
		}
	}
	return opts
}

// Place computes one funnel: the set's units placed against the group's
// target.
func (m *Method) Place(g Group, set UnitSet) Funnel {
	return Describe(g, set, Compute(set, m.OptionsFor(g)), m.TargetSource)
}

// Compute is [stats.Funnel] for a set: the assessable units are placed
// by the statistics, and the result holds one entry per unit of the set,
// in its order, a NotAssessable unit's with every figure NaN, band
// [NotAssessable] and verdict [NotAssessed], so that whatever reads the
// result beside the set (Describe, `outcomes funnel`) pairs them by index
// and a unit not assessable can never be given another's figures.
func Compute(set UnitSet, opts stats.Options) stats.Result {
	res := stats.Funnel(set.Stats(), opts)
	if len(res.Units) == len(set.Units) {
		return res
	}
	all := make([]stats.UnitResult, len(set.Units))
	j := 0
	for i := range set.Units {
		if set.Units[i].NotAssessable {
			all[i] = notAssessableResult()
			continue
		}
		all[i] = res.Units[j]
		j++
	}
	res.Units = all
	return res
}

// notAssessableResult is the statistics' result for a unit whose expected
// deaths are not known: nothing that would compare or place it.
func notAssessableResult() stats.UnitResult {
	nan := math.NaN()
	return stats.UnitResult{X: nan, Y: nan, Ratio: nan, RAMR: nan, Survival: nan, CILow: nan, CIHigh: nan,
		Lower95: nan, Upper95: nan, Lower998: nan, Upper998: nan, AdjLower95: nan, AdjUpper95: nan,
		AdjLower998: nan, AdjUpper998: nan, Band: NotAssessable, Verdict: NotAssessed, PHigh: nan, PLow: nan,
		DetectableRatio: nan, ShrunkRatio: nan, ShrunkLow: nan, ShrunkHigh: nan, Reliability: nan,
		QHigh: nan, QLow: nan, FlagCount: -1, Power2x: nan, Power1_5x: nan, DetectableRatio80: nan}
}

// Describe turns a set's statistics, res = Compute(set, …), into the
// funnel a release keeps.
func Describe(g Group, set UnitSet, res stats.Result, targetSource string) Funnel {
	f := Funnel{Group: g, UnitType: set.Type, Scale: res.Scale, Target: res.Target,
		TargetSource: targetSource, Phi: res.Phi, PhiPValue: res.PhiPValue, Tau2: res.Tau2, PhiUnits: res.PhiUnits,
		Assessed: res.Assessed, ExpectedOutside95: res.ExpectedOutside95, Outside95: res.Outside95,
		ExpectedOutside998: res.ExpectedOutside998, Outside998: res.Outside998,
		ShrinkFit: res.ShrinkFit, Alpha: res.Alpha, Rankability: res.Rankability,
		Units: make([]Position, len(res.Units)), Curve: res.Curve}
	for i := range res.Units {
		f.Units[i] = position(&set.Units[i], &res.Units[i])
	}
	return f
}

func position(in *Unit, u *stats.UnitResult) Position {
	return Position{UnitID: in.ID, UnitName: in.Name, Aggregated: in.Aggregated, PublishedOnly: in.PublishedOnly, Cases: in.Cases,
		Events: in.Events, Expected: in.Expected, X: u.X, Y: u.Y, Ratio: u.Ratio, RAMR: u.RAMR,
		Survival: u.Survival, CILow: u.CILow, CIHigh: u.CIHigh, Lower95: u.Lower95, Upper95: u.Upper95,
		Lower998: u.Lower998, Upper998: u.Upper998, Band: u.Band, Verdict: u.Verdict, PHigh: u.PHigh,
		PLow: u.PLow, Detectable: u.DetectableRatio, ShrunkRatio: u.ShrunkRatio, ShrunkLow: u.ShrunkLow,
		ShrunkHigh: u.ShrunkHigh, Reliability: u.Reliability, QHigh: u.QHigh, QLow: u.QLow, Power2x: u.Power2x,
		Power1_5x: u.Power1_5x, DetectableRatio80: u.DetectableRatio80}
}

// CurvePoint is a funnel's limits at one x, on the y scale.
type CurvePoint = stats.CurvePoint

// StoredAlpha is a group's α as read back from where it was stored
// without infinities (a database, a JSON file): stored is NaN where
// nothing was, which is α = +Inf when fit says the units vary no more
// than chance (every unit shrunk fully to the target), and undefined
// otherwise.
func StoredAlpha(fit stats.ShrinkFit, stored float64) float64 {
	if math.IsNaN(stored) && fit == stats.FitNoVariation {
		return math.Inf(1)
	}
	return stored
}

// AddSecondFigures gives f, a funnel stored before its second figures
// were (units encoding 1: ShrinkFit "" and every second figure NaN), those
// figures, computed by the statistics' own code (stats.Result's
// SecondFigures) from what was stored: each assessable unit's counts and
// expected deaths, its upper 95% line and p-values, and the funnel's
// scale and target. They are what ingest would have stored: those are the
// inputs stats.Funnel gives the same code, and the stored numbers read
// back exactly. Units not assessable keep NaN.
func AddSecondFigures(f *Funnel) {
	units := make([]stats.Unit, 0, len(f.Units))
	placed := make([]int, 0, len(f.Units))
	res := stats.Result{Scale: f.Scale, Target: f.Target, Alpha: math.NaN(), Rankability: math.NaN(),
		Units: make([]stats.UnitResult, 0, len(f.Units))}
	for i := range f.Units {
		u := &f.Units[i]
		if u.Band == NotAssessable {
			continue
		}
		placed = append(placed, i)
		units = append(units, stats.Unit{Cases: u.Cases, Observed: u.Events, Expected: u.Expected})
		res.Units = append(res.Units, stats.UnitResult{Upper95: u.Upper95, PHigh: u.PHigh, PLow: u.PLow})
	}
	if len(units) == 0 {
		return
	}
	res.SecondFigures(units)
	f.ShrinkFit, f.Alpha, f.Rankability = res.ShrinkFit, res.Alpha, res.Rankability
	for j, i := range placed {
		u, r := &f.Units[i], &res.Units[j]
		u.ShrunkRatio, u.ShrunkLow, u.ShrunkHigh, u.Reliability = r.ShrunkRatio, r.ShrunkLow, r.ShrunkHigh, r.Reliability
		u.QHigh, u.QLow, u.Power2x, u.Power1_5x, u.DetectableRatio80 = r.QHigh, r.QLow, r.Power2x, r.Power1_5x, r.DetectableRatio80
	}
}
