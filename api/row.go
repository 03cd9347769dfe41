package api

import (
	"strconv"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/csvcell"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// unitRow is one unit's result in one comparison group (a catalog.Row):
// the row of every collection endpoint, in JSON and CSV alike. Counts sit beside rates so a
// reader can check every figure; rates are 0–1 proportions. Undefined
// figures are null (JSON) or empty (CSV).
type unitRow struct {
	// UnitType is surgeon or hospital: each is compared with its own kind.
	UnitType  outcome.UnitType `json:"unit_type" swaggertype:"string" enums:"surgeon,hospital" example:"surgeon"`
	UnitID    string           `json:"unit_id" example:"9000017"`
	UnitName  string           `json:"unit_name" example:"Mr Ashdown Quill"`
	Specialty string           `json:"specialty" example:"adult-cardiac"`
	Procedure string           `json:"procedure" example:"all"`
	Period    string           `json:"period" example:"2022-04/2025-03"`
	Outcome   string           `json:"outcome" example:"in-hospital mortality"`
	// HospitalID and HospitalName are, for a surgeon, the hospital where
	// they did most of these operations (HospitalCount says how many
	// hospitals the figures span); for a hospital, the hospital itself.
	HospitalID    string `json:"hospital_id" example:"ZZ101"`
	HospitalName  string `json:"hospital_name" example:"Northmoor General Hospital"`
	HospitalCount int    `json:"hospital_count" example:"1"`
	// Aggregated is true for a hospital whose figures are the sum of its
	// surgeons' rows, because the publisher gave no hospital row.
	Aggregated bool `json:"aggregated"`
	// Cases and Events are null for a unit of the publisher's figures
	// only (comparison published), which gives no deaths and perhaps no
	// volume.
	Cases  count `json:"cases" swaggertype:"integer" example:"412"`
	Events count `json:"events" swaggertype:"integer" example:"11"`
	// Expected is the case-mix expected number of events (null for crude data).
	Expected number `json:"expected" swaggertype:"number" example:"7.9"`
	// Target is p0, the group's overall event rate the funnel is centred on.
	Target number `json:"target" swaggertype:"number" example:"0.021"`
	// RiskAdjusted is false for crude data (no expected counts), whose
	// figures are raw rates against the group's rate.
	RiskAdjusted bool `json:"risk_adjusted" example:"true"`
	// Scale names the scale of ci_*, lower_*/upper_* and funnel_y: ratio
	// (O/E) for risk-adjusted data, proportion (O/n) for crude data.
	Scale string `json:"scale" enums:"ratio,proportion" example:"ratio"`
	// Rate is the crude event rate O/n.
	Rate number `json:"rate" swaggertype:"number" example:"0.0267"`
	// Ratio is O/E (null for crude data).
	Ratio number `json:"ratio" swaggertype:"number" example:"1.39"`
	// RAMR is the risk-adjusted event rate O/E × p0 (crude: O/n).
	RAMR number `json:"ramr" swaggertype:"number" example:"0.0292"`
	// Survival is 1 − RAMR, with its interval at the release's
	// interval_level (95% unless the publisher uses another).
	Survival     number `json:"survival" swaggertype:"number" example:"0.9708"`
	SurvivalLow  number `json:"survival_low" swaggertype:"number" example:"0.948"`
	SurvivalHigh number `json:"survival_high" swaggertype:"number" example:"0.985"`
	// CILow and CIHigh are the unit's own interval on Scale, by the
	// release's interval method at its interval_level.
	CILow  number `json:"ci_low" swaggertype:"number" example:"0.69"`
	CIHigh number `json:"ci_high" swaggertype:"number" example:"2.49"`
	// The funnel's control limits at this unit's size, on Scale.
	Lower95  number `json:"lower_95" swaggertype:"number" example:"0.37"`
	Upper95  number `json:"upper_95" swaggertype:"number" example:"1.77"`
	Lower998 number `json:"lower_998" swaggertype:"number" example:"0.13"`
	Upper998 number `json:"upper_998" swaggertype:"number" example:"2.41"`
	// Band is where the unit sits on the funnel (STATS.md §6.1).
	Band outcome.Band `json:"band" swaggertype:"string" enums:"high_alarm,high_alert,within,low_alert,low_alarm,too_few,not_assessable" example:"within"`
	// BandLabel is the band in words that name what differed, survival,
	// as the pages say it.
	BandLabel string `json:"band_label" example:"Survival as expected"`
	// Verdict is the release's comparison with the target: by the funnel,
	// or by the unit's own interval where the publisher flags that way. Its
	// codes speak of deaths: higher is more deaths than expected.
	Verdict string `json:"verdict" enums:"higher,lower,not_different,not_assessed" example:"not_different"`
	// VerdictLabel is the verdict in words that name deaths and survival.
	VerdictLabel string `json:"verdict_label" example:"No difference from expected shown"`
	// PHigh and PLow are exact one-sided p-values for more, and fewer,
	// events than expected at the target.
	PHigh number `json:"p_high" swaggertype:"number" example:"0.12"`
	PLow  number `json:"p_low" swaggertype:"number" example:"0.91"`
	// DetectableRatio is the ratio above which a unit of this size would be
	// flagged (the upper 95% limit at its size): how large an excess the
	// data could reveal.
	DetectableRatio number `json:"detectable_ratio" swaggertype:"number" example:"1.77"`
	// FunnelX and FunnelY are the unit's position on the funnel chart:
	// risk-adjusted operations E/p0 (crude: cases) and Scale's value.
	FunnelX number `json:"funnel_x" swaggertype:"number" example:"376.2"`
	FunnelY number `json:"funnel_y" swaggertype:"number" example:"1.39"`
	// The publisher's own figures, where the release carries them (per
	// 100, as published), so ours can be checked against theirs.
	PublishedExpectedRate number `json:"published_expected_rate" swaggertype:"number" example:"1.92"`
	PublishedRate         number `json:"published_rate" swaggertype:"number" example:"2.35"`
	PublishedLow          number `json:"published_low" swaggertype:"number" example:"1.17"`
	PublishedHigh         number `json:"published_high" swaggertype:"number" example:"4.21"`
	PublishedRating       string `json:"published_rating" example:""`
}

// rowColumns are the CSV columns, in the JSON key order (a test holds them
// to the struct tags).
var rowColumns = []string{"unit_type", "unit_id", "unit_name", "specialty", "procedure", "period", "outcome",
	"hospital_id", "hospital_name", "hospital_count", "aggregated", "cases", "events", "expected", "target",
	"risk_adjusted", "scale", "rate", "ratio", "ramr", "survival", "survival_low", "survival_high", "ci_low",
	"ci_high", "lower_95", "upper_95", "lower_998", "upper_998", "band", "band_label", "verdict", "verdict_label", "p_high", "p_low",
	"detectable_ratio", "funnel_x", "funnel_y", "published_expected_rate", "published_rate", "published_low",
	"published_high", "published_rating"}

// csvRecord appends the row's cells, in rowColumns order, to rec. Text
// cells go through csvcell.Safe, so a name a spreadsheet would run as a
// formula arrives as text; numbers and booleans are written as they are.
func (r *unitRow) csvRecord(rec []string) []string {
	t := csvcell.Safe
	return append(rec, t(string(r.UnitType)), t(r.UnitID), t(r.UnitName), t(r.Specialty), t(r.Procedure),
		t(r.Period), t(r.Outcome), t(r.HospitalID), t(r.HospitalName), strconv.Itoa(r.HospitalCount),
		strconv.FormatBool(r.Aggregated), r.Cases.csv(), r.Events.csv(), r.Expected.csv(),
		r.Target.csv(), strconv.FormatBool(r.RiskAdjusted), t(r.Scale), r.Rate.csv(), r.Ratio.csv(),
		r.RAMR.csv(), r.Survival.csv(), r.SurvivalLow.csv(), r.SurvivalHigh.csv(), r.CILow.csv(),
		r.CIHigh.csv(), r.Lower95.csv(), r.Upper95.csv(), r.Lower998.csv(), r.Upper998.csv(),
		t(string(r.Band)), t(r.BandLabel), t(r.Verdict), t(r.VerdictLabel), r.PHigh.csv(), r.PLow.csv(),
		r.DetectableRatio.csv(), r.FunnelX.csv(), r.FunnelY.csv(), r.PublishedExpectedRate.csv(),
		r.PublishedRate.csv(), r.PublishedLow.csv(), r.PublishedHigh.csv(), t(r.PublishedRating))
}

// toUnitRow maps a catalog row onto the API row: field by field, with
// NaN figures written as null (JSON) or empty (CSV).
func toUnitRow(r *catalog.Row) unitRow {
	return unitRow{
		UnitType: r.UnitType, UnitID: r.UnitID, UnitName: r.UnitName, Specialty: r.Specialty,
		Procedure: r.Procedure, Period: r.Period, Outcome: r.Outcome, HospitalID: r.HospitalID,
		HospitalName: r.HospitalName, HospitalCount: r.HospitalCount, Aggregated: r.Aggregated, Cases: countIf(r.Cases, r.HasCases()),
		Events: countIf(r.Events, r.HasEvents()), Expected: number(r.Expected), Target: number(r.Target), RiskAdjusted: r.RiskAdjusted,
		Scale: r.Scale, Rate: number(r.Rate), Ratio: number(r.Ratio), RAMR: number(r.RAMR),
		Survival: number(r.Survival), SurvivalLow: number(r.SurvivalLow), SurvivalHigh: number(r.SurvivalHigh),
		CILow: number(r.CILow), CIHigh: number(r.CIHigh), Lower95: number(r.Lower95), Upper95: number(r.Upper95),
		Lower998: number(r.Lower998), Upper998: number(r.Upper998), Band: r.Band, BandLabel: bandLabel(r.Band),
		Verdict: r.Verdict, VerdictLabel: outcome.VerdictLabel(outcome.Verdict(r.Verdict)), PHigh: number(r.PHigh), PLow: number(r.PLow), DetectableRatio: number(r.DetectableRatio),
		FunnelX: number(r.FunnelX), FunnelY: number(r.FunnelY),
		PublishedExpectedRate: number(r.PublishedExpectedRate), PublishedRate: number(r.PublishedRate),
		PublishedLow: number(r.PublishedLow), PublishedHigh: number(r.PublishedHigh),
		PublishedRating: r.PublishedRating,
	}
}

// bandLabel is a band's label from the one table of band words.
func bandLabel(b outcome.Band) string {
	w, _ := outcome.Words(b)
	return w.Label
}
