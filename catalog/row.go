package catalog

import (
	"math"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// Row is one unit's result in one comparison group, as every page and the
// API's collections show it. Counts sit beside rates so a reader can check
// every figure; rates are 0–1 proportions. An undefined figure is NaN.
type Row struct {
	// UnitType is surgeon or hospital: each is compared with its own kind.
	UnitType  outcome.UnitType
	UnitID    string
	UnitName  string
	Specialty string
	Procedure string
	Period    string
	Outcome   string
	// HospitalID and HospitalName are, for a surgeon, the hospital where
	// they did most of these operations (HospitalCount says how many
	// hospitals the figures span); for a hospital, the hospital itself.
	HospitalID    string
	HospitalName  string
	HospitalCount int
	// Aggregated is true for a hospital whose figures are the sum of its
	// surgeons' rows, because the publisher gave no hospital row.
	Aggregated bool
	// PublishedOnly marks a unit of a release of the publisher's figures
	// only (outcome.FiguresPublished): it has no deaths (Events means
	// nothing), Cases is the publisher's volume where it gave one (else
	// 0), and its only figures are the Published ones. Band is
	// not_assessable: nothing of ours compares it.
	PublishedOnly bool
	Cases         int
	Events        int
	// Expected is the case-mix expected number of events (NaN for crude data).
	Expected float64
	// Target is p0, the group's overall event rate the funnel is centred on.
	Target float64
	// RiskAdjusted is false for crude data (no expected counts), whose
	// figures are raw rates against the group's rate.
	RiskAdjusted bool
	// Scale names the scale of CI*, Lower*/Upper* and FunnelY: ratio (O/E)
	// for risk-adjusted data, proportion (O/n) for crude data.
	Scale string
	// Rate is the crude event rate O/n.
	Rate float64
	// Ratio is O/E (NaN for crude data).
	Ratio float64
	// RAMR is the risk-adjusted event rate O/E × p0 (crude: O/n).
	RAMR float64
	// Survival is 1 − RAMR, with its interval at the release's
	// interval_level (95% unless the publisher uses another).
	Survival     float64
	SurvivalLow  float64
	SurvivalHigh float64
	// CILow and CIHigh are the unit's own interval on Scale, by the
	// release's interval method at its interval_level.
	CILow  float64
	CIHigh float64
	// The funnel's control limits at this unit's size, on Scale.
	Lower95  float64
	Upper95  float64
	Lower998 float64
	Upper998 float64
	// Band is where the unit sits on the funnel (STATS.md §6.1).
	Band outcome.Band
	// Verdict is the release's comparison with the target: by the funnel,
	// or by the unit's own interval where the publisher flags that way.
	Verdict string
	// PHigh and PLow are exact one-sided p-values for more, and fewer,
	// events than expected at the target.
	PHigh float64
	PLow  float64
	// DetectableRatio is the ratio above which a unit of this size would be
	// flagged (the upper 95% limit at its size): how large an excess the
	// data could reveal.
	DetectableRatio float64
	// The second figures (issue 17; outcome.Position): the shrunk ratio,
	// its 95% interval and reliability; QValue, the Benjamini–Hochberg
	// q-value of PHigh; the chances a true ratio of 2 and 1.5 would have
	// been flagged, and the true ratio flagged four times in five. Beside
	// the band, never changing it; NaN where undefined.
	ShrunkRatio, ShrunkLow, ShrunkHigh, Reliability float64
	QValue                                          float64
	Power2x, Power1_5x, DetectableRatio80           float64
	// FunnelX and FunnelY are the unit's position on the funnel chart:
	// risk-adjusted operations E/p0 (crude: cases) and Scale's value.
	FunnelX float64
	FunnelY float64
	// The publisher's own figures, where the release carries them (per
	// 100, as published), so ours can be checked against theirs.
	PublishedExpectedRate float64
	PublishedRate         float64
	PublishedLow          float64
	PublishedHigh         float64
	PublishedRating       string
}

// HasCases reports whether the row gives a number of cases, as every row
// does but one of the publisher's figures only without a volume.
func (r *Row) HasCases() bool { return !r.PublishedOnly || r.Cases > 0 }

// HasEvents reports whether the row gives a number of deaths, as every row
// does but one of the publisher's figures only.
func (r *Row) HasEvents() bool { return !r.PublishedOnly }

// CasesFigure is Cases as a number to sort or export by, NaN where the row
// has none (HasCases).
func (r *Row) CasesFigure() float64 {
	if !r.HasCases() {
		return math.NaN()
	}
	return float64(r.Cases)
}

// EventsFigure is Events as a number to sort or export by, NaN where the
// row has none (HasEvents).
func (r *Row) EventsFigure() float64 {
	if !r.HasEvents() {
		return math.NaN()
	}
	return float64(r.Events)
}

// hospitalRef names a unit's hospital.
type hospitalRef struct {
	ID, Name string
	Count    int
}

// newRow maps one placed unit onto its row. hospital names the unit's
// main hospital; published carries the publisher's figures when the unit
// is exactly one published row (nil otherwise).
func newRow(g *outcome.Funnel, u *outcome.Position, outcomeName string, hospital hospitalRef,
	published *outcome.Row) Row {
	var r Row
	setRow(&r, g, u, outcomeName, hospital, published)
	return r
}

// setRow is newRow made in place: a server starting makes a million rows
// of 450 bytes in the release's slice, and a row made elsewhere and
// copied there costs a third more.
func setRow(r *Row, g *outcome.Funnel, u *outcome.Position, outcomeName string, hospital hospitalRef,
	published *outcome.Row) {
	riskAdjusted := g.Scale == stats.ScaleRatio
	*r = Row{
		UnitType: g.UnitType, UnitID: u.UnitID, UnitName: u.UnitName,
		Specialty: g.Specialty, Procedure: g.Procedure, Period: g.Period, Outcome: outcomeName,
		HospitalID: hospital.ID, HospitalName: hospital.Name, HospitalCount: hospital.Count,
		Aggregated: u.Aggregated, PublishedOnly: u.PublishedOnly, Cases: u.Cases, Events: u.Events,
		Expected: u.Expected, Target: g.Target, RiskAdjusted: riskAdjusted, Scale: string(g.Scale),
		Rate: float64(u.Events) / float64(u.Cases), Ratio: u.Ratio, RAMR: u.RAMR,
		Survival: u.Survival, CILow: u.CILow, CIHigh: u.CIHigh,
		Lower95: u.Lower95, Upper95: u.Upper95, Lower998: u.Lower998,
		Upper998: u.Upper998, Band: u.Band, Verdict: string(u.Verdict), PHigh: u.PHigh,
		PLow: u.PLow, DetectableRatio: u.Detectable, ShrunkRatio: u.ShrunkRatio, ShrunkLow: u.ShrunkLow,
		ShrunkHigh: u.ShrunkHigh, Reliability: u.Reliability, QValue: u.QHigh, Power2x: u.Power2x,
		Power1_5x: u.Power1_5x, DetectableRatio80: u.DetectableRatio80, FunnelX: u.X, FunnelY: u.Y,
		PublishedExpectedRate: math.NaN(), PublishedRate: math.NaN(),
		PublishedLow: math.NaN(), PublishedHigh: math.NaN(),
	}
	if u.PublishedOnly {
		r.Rate = math.NaN() // no deaths, perhaps no cases: no crude rate
	}
	// The survival interval is the event-rate interval turned over: on the
	// ratio scale an event rate is ratio × p0.
	scale := 1.0
	if riskAdjusted {
		scale = g.Target
	}
	r.SurvivalLow = clamp01(1 - u.CIHigh*scale)
	r.SurvivalHigh = clamp01(1 - u.CILow*scale)
	if published != nil {
		r.PublishedExpectedRate = nullFloat(published.ExpectedRate.V, published.ExpectedRate.Valid)
		r.PublishedRate = nullFloat(published.PublishedRate.V, published.PublishedRate.Valid)
		r.PublishedLow = nullFloat(published.PublishedLow.V, published.PublishedLow.Valid)
		r.PublishedHigh = nullFloat(published.PublishedHigh.V, published.PublishedHigh.Valid)
		r.PublishedRating = published.PublishedRating
	}
}

func nullFloat(x float64, valid bool) float64 {
	if !valid {
		return math.NaN()
	}
	return x
}

// clamp01 keeps an interval end inside [0, 1]: an event-rate limit above
// 1 means survival may be as low as 0, not below it. NaN stays NaN.
func clamp01(x float64) float64 {
	switch {
	case x < 0:
		return 0
	case x > 1:
		return 1
	}
	return x
}
