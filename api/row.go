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
	// Surgeon or hospital. Surgeons are compared only with surgeons, and
	// hospitals only with hospitals.
	UnitType outcome.UnitType `json:"unit_type" swaggertype:"string" enums:"surgeon,hospital" example:"surgeon"`
	// The publisher's register id of the surgeon (such as a GMC number) or
	// hospital (such as an ODS code). It stays the same from release to
	// release, so it links a unit's results over time.
	UnitID string `json:"unit_id" example:"9000017"`
	// The surgeon's or hospital's name as the publisher gives it.
	UnitName string `json:"unit_name" example:"Mr Ashdown Quill"`
	// The specialty, as a short code (such as adult-cardiac or vascular);
	// /api/v1/specialties lists every code with its name.
	Specialty string `json:"specialty" example:"adult-cardiac"`
	// The group of operations compared, as a short code within the
	// specialty: "all" when the publisher gives one figure for all of the
	// specialty's operations.
	Procedure string `json:"procedure" example:"all"`
	// The months the operations were done in, as the publisher gives them
	// (start/end, such as 2022-04/2025-03). Periods can overlap, and then
	// the same operations are counted in each: add figures up within one
	// period only.
	Period string `json:"period" example:"2022-04/2025-03"`
	// What counts as an event in this comparison, such as death in
	// hospital or within 30 days of the operation.
	Outcome string `json:"outcome" example:"in-hospital mortality"`
	// For a surgeon, the code of the hospital where they did most of
	// these operations (hospital_count says how many hospitals the figures
	// span); for a hospital, its own code.
	HospitalID string `json:"hospital_id" example:"ZZ101"`
	// The name of the hospital in hospital_id.
	HospitalName string `json:"hospital_name" example:"Northmoor General Hospital"`
	// How many hospitals the figures come from: more than 1 for a surgeon
	// who operated at several.
	HospitalCount int `json:"hospital_count" example:"1" extensions:"x-unit=hospitals"`
	// True for a hospital whose figures we added up from its surgeons'
	// rows, because the publisher gave no figure for the hospital itself.
	Aggregated bool `json:"aggregated"`
	// Number of operations (cases). Null when the publisher gave only its
	// own rates and ratings, without the counts behind them.
	Cases count `json:"cases" swaggertype:"integer" example:"412" extensions:"x-unit=operations,x-nullable"`
	// Number of events (for a mortality outcome, deaths). Null when the
	// publisher gave only its own rates and ratings, without the counts.
	Events count `json:"events" swaggertype:"integer" example:"11" extensions:"x-unit=events,x-nullable"`
	// The number of events expected for this unit's patients, from the
	// publisher's risk model, which allows for how ill the patients were
	// (the case mix). Null when the data are not risk-adjusted.
	Expected number `json:"expected" swaggertype:"number" example:"7.9" extensions:"x-unit=events,x-nullable"`
	// The national event rate the unit is compared with, as a proportion
	// from 0 to 1 (0.021 is 2.1 events in 100 operations). Null when it
	// cannot be worked out.
	Target number `json:"target" swaggertype:"number" example:"0.021" extensions:"x-unit=proportion (0 to 1),x-nullable"`
	// True when the figures allow for case mix (the publisher gave
	// expected events); false for crude data, compared as raw rates with
	// the national rate.
	RiskAdjusted bool `json:"risk_adjusted" example:"true"`
	// The scale of ci_low, ci_high, the four limits and funnel_y: ratio
	// (observed divided by expected events, 1 is as expected) for
	// risk-adjusted data, proportion (events divided by operations, 0 to 1)
	// for crude data.
	Scale string `json:"scale" enums:"ratio,proportion" example:"ratio"`
	// Events divided by operations, before any risk adjustment, as a
	// proportion from 0 to 1 (0.0267 is 2.67 in 100). Null when cases or
	// events are not given.
	Rate number `json:"rate" swaggertype:"number" example:"0.0267" extensions:"x-unit=proportion (0 to 1),x-nullable"`
	// Observed events divided by expected events: 1 is as many as
	// expected, 1.39 is 39% more. Null for crude data or without counts.
	Ratio number `json:"ratio" swaggertype:"number" example:"1.39" extensions:"x-unit=ratio,x-nullable"`
	// The risk-adjusted event rate (for mortality, the risk-adjusted
	// mortality rate): ratio times target, as a proportion from 0 to 1
	// (0.0292 is 2.92 in 100). For crude data, the same as rate. Null
	// without counts.
	RAMR number `json:"ramr" swaggertype:"number" example:"0.0292" extensions:"x-unit=proportion (0 to 1),x-nullable"`
	// Risk-adjusted survival, 1 minus ramr, as a proportion from 0 to 1
	// (0.9708 is 97.08 in 100 patients). Null without counts.
	Survival number `json:"survival" swaggertype:"number" example:"0.9708" extensions:"x-unit=proportion (0 to 1),x-nullable"`
	// The lower end of the range survival is likely to lie in, at the
	// release's interval level (95% unless the publisher uses another), as
	// a proportion from 0 to 1. Null without counts.
	SurvivalLow number `json:"survival_low" swaggertype:"number" example:"0.948" extensions:"x-unit=proportion (0 to 1),x-nullable"`
	// The upper end of that range, as a proportion from 0 to 1. Null
	// without counts.
	SurvivalHigh number `json:"survival_high" swaggertype:"number" example:"0.985" extensions:"x-unit=proportion (0 to 1),x-nullable"`
	// The lower end of the unit's own interval (the range its true value
	// is likely to lie in), on the scale named in scale, at the release's
	// interval level. Null without counts.
	CILow number `json:"ci_low" swaggertype:"number" example:"0.69" extensions:"x-unit=on scale,x-nullable"`
	// The upper end of the unit's own interval, on the scale named in
	// scale. Null without counts.
	CIHigh number `json:"ci_high" swaggertype:"number" example:"2.49" extensions:"x-unit=on scale,x-nullable"`
	// The funnel's lower 95% limit at this unit's number of operations, on
	// the scale named in scale: below it, fewer events than expected. Null
	// when the unit is not placed on the funnel.
	Lower95 number `json:"lower_95" swaggertype:"number" example:"0.37" extensions:"x-unit=on scale,x-nullable"`
	// The funnel's upper 95% limit at this unit's size, on the scale
	// named in scale: above it, more events than expected (an alert).
	// Null when the unit is not placed on the funnel.
	Upper95 number `json:"upper_95" swaggertype:"number" example:"1.77" extensions:"x-unit=on scale,x-nullable"`
	// The funnel's lower 99.8% limit at this unit's size, on the scale
	// named in scale. Null when the unit is not placed on the funnel.
	Lower998 number `json:"lower_998" swaggertype:"number" example:"0.13" extensions:"x-unit=on scale,x-nullable"`
	// The funnel's upper 99.8% limit at this unit's size, on the scale
	// named in scale: above it, far more events than expected (an alarm).
	// Null when the unit is not placed on the funnel.
	Upper998 number `json:"upper_998" swaggertype:"number" example:"2.41" extensions:"x-unit=on scale,x-nullable"`
	// Where the unit sits on the funnel plot, as a code: high_alarm and
	// high_alert are more deaths than expected (beyond the 99.8% and 95%
	// limits), low_alert and low_alarm fewer, within inside both limits;
	// too_few is fewer than one death expected, too few to compare;
	// not_assessable is a unit with no figures to compare.
	Band outcome.Band `json:"band" swaggertype:"string" enums:"high_alarm,high_alert,within,low_alert,low_alarm,too_few,not_assessable" example:"within"`
	// The band in plain words, as the site's pages say it.
	BandLabel string `json:"band_label" example:"Survival as expected"`
	// The release's judgement of the unit, as a code that speaks of
	// deaths: higher (more deaths than expected), lower, not_different or
	// not_assessed. It follows the funnel, or the unit's own interval
	// where the publisher judges that way.
	Verdict string `json:"verdict" enums:"higher,lower,not_different,not_assessed" example:"not_different"`
	// The verdict in plain words.
	VerdictLabel string `json:"verdict_label" example:"No difference from expected shown"`
	// The chance, from 0 to 1, of at least this many events if the unit's
	// true rate were the national rate: small values mean more events than
	// chance explains. Null without counts.
	PHigh number `json:"p_high" swaggertype:"number" example:"0.12" extensions:"x-unit=probability (0 to 1),x-nullable"`
	// The chance, from 0 to 1, of at most this many events if the unit's
	// true rate were the national rate: small values mean fewer events
	// than chance explains. Null without counts.
	PLow number `json:"p_low" swaggertype:"number" example:"0.91" extensions:"x-unit=probability (0 to 1),x-nullable"`
	// The smallest excess a unit of this size could show: the ratio of
	// observed to expected events above which it would be flagged (the
	// upper 95% limit at its size). A small unit can show only large
	// differences. Null when the unit is not placed on the funnel.
	DetectableRatio number `json:"detectable_ratio" swaggertype:"number" example:"1.77" extensions:"x-unit=ratio,x-nullable"`
	// The unit's position across the funnel chart: its size, as operations
	// weighted by their risk (expected events divided by the national
	// rate); for crude data, its operations. Null when not placed.
	FunnelX number `json:"funnel_x" swaggertype:"number" example:"376.2" extensions:"x-unit=operations,x-nullable"`
	// The unit's height on the funnel chart, on the scale named in scale.
	// Null when not placed.
	FunnelY number `json:"funnel_y" swaggertype:"number" example:"1.39" extensions:"x-unit=on scale,x-nullable"`
	// The publisher's own expected rate, per 100 operations as published
	// (1.92 is 1.92 in 100), unlike our rates, which are proportions from
	// 0 to 1. Null when the release does not carry it.
	PublishedExpectedRate number `json:"published_expected_rate" swaggertype:"number" example:"1.92" extensions:"x-unit=per 100,x-nullable"`
	// The publisher's own rate (usually risk-adjusted), per 100 operations
	// as published, so ours can be checked against theirs. Null when the
	// release does not carry it.
	PublishedRate number `json:"published_rate" swaggertype:"number" example:"2.35" extensions:"x-unit=per 100,x-nullable"`
	// The lower end of the publisher's own interval for its rate, per 100
	// operations. Null when the release does not carry it.
	PublishedLow number `json:"published_low" swaggertype:"number" example:"1.17" extensions:"x-unit=per 100,x-nullable"`
	// The upper end of the publisher's own interval for its rate, per 100
	// operations. Null when the release does not carry it.
	PublishedHigh number `json:"published_high" swaggertype:"number" example:"4.21" extensions:"x-unit=per 100,x-nullable"`
	// The publisher's own rating of the unit, in its words; empty when it
	// gives none.
	PublishedRating string `json:"published_rating" example:""`
	// A second figure beside the funnel's, which alone gives the band: the
	// unit's ratio of observed to expected deaths "shrunk" towards 1 (as
	// expected) by as much as chance could explain, so that a small unit's
	// few deaths do not make it look extreme. The smaller the unit, the
	// more it is pulled towards 1. From a model fitted to the whole
	// funnel (empirical Bayes: gamma–Poisson, Clayton and Kaldor 1987).
	// Null for crude data, for a unit not assessable, and when the funnel
	// gives nothing to fit (see the funnel's shrink_fit).
	ShrunkRatio number `json:"shrunk_ratio" swaggertype:"number" example:"1.12" extensions:"x-unit=ratio,x-nullable"`
	// The lower end of the range the shrunk ratio is likely to lie in
	// (95%). Null when shrunk_ratio is.
	ShrunkLow number `json:"shrunk_low" swaggertype:"number" example:"0.71" extensions:"x-unit=ratio,x-nullable"`
	// The upper end of that range (95%). Null when shrunk_ratio is.
	ShrunkHigh number `json:"shrunk_high" swaggertype:"number" example:"1.66" extensions:"x-unit=ratio,x-nullable"`
	// How much of the shrunk ratio is the unit's own figure rather than
	// the funnel's average, from 0 to 1: expected deaths divided by
	// expected deaths plus the model's alpha. Near 0, the unit is too
	// small for its own figure to say much; near 1, its own figure
	// stands. Null when shrunk_ratio is.
	Reliability number `json:"reliability" swaggertype:"number" example:"0.42" extensions:"x-unit=proportion (0 to 1),x-nullable"`
	// The p_high allowing for how many units were compared at once
	// (Benjamini–Hochberg q-value over the funnel's units): the smallest
	// share of false alarms one would have to accept to call this unit
	// higher than expected. With many surgeons, a few small p_high values
	// come by chance; a small q_value is harder to explain that way. From
	// 0 to 1. Null without counts.
	QValue number `json:"q_value" swaggertype:"number" example:"0.64" extensions:"x-unit=probability (0 to 1),x-nullable"`
	// The chance, from 0 to 1, that the funnel's 95% limit would have
	// flagged this unit had its true death rate been twice the expected:
	// how well a unit of this size can be judged at all (0.25 is noticed
	// only about 1 time in 4). It describes the amount of data, not the
	// surgeon. Null when the unit is not placed on the funnel.
	Power2x number `json:"power_2x" swaggertype:"number" example:"0.37" extensions:"x-unit=probability (0 to 1),x-nullable"`
	// The same chance had its true death rate been one and a half times
	// the expected. Null when the unit is not placed on the funnel.
	Power1_5x number `json:"power_1_5x" swaggertype:"number" example:"0.16" extensions:"x-unit=probability (0 to 1),x-nullable"`
	// How many times the expected death rate a unit of this size would
	// need truly to have to be flagged four times in five (80% power).
	// detectable_ratio is where an observed ratio must lie to be flagged;
	// this is how large a true one must be to be seen reliably. Null when
	// the unit is not placed on the funnel.
	DetectableRatio80 number `json:"detectable_ratio_80" swaggertype:"number" example:"3.36" extensions:"x-unit=ratio,x-nullable"`
}

// rowColumns are the CSV columns, in the JSON key order (a test holds them
// to the struct tags).
var rowColumns = []string{"unit_type", "unit_id", "unit_name", "specialty", "procedure", "period", "outcome",
	"hospital_id", "hospital_name", "hospital_count", "aggregated", "cases", "events", "expected", "target",
	"risk_adjusted", "scale", "rate", "ratio", "ramr", "survival", "survival_low", "survival_high", "ci_low",
	"ci_high", "lower_95", "upper_95", "lower_998", "upper_998", "band", "band_label", "verdict", "verdict_label", "p_high", "p_low",
	"detectable_ratio", "funnel_x", "funnel_y", "published_expected_rate", "published_rate", "published_low",
	"published_high", "published_rating", "shrunk_ratio", "shrunk_low", "shrunk_high", "reliability", "q_value",
	"power_2x", "power_1_5x", "detectable_ratio_80"}

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
		r.PublishedRate.csv(), r.PublishedLow.csv(), r.PublishedHigh.csv(), t(r.PublishedRating),
		r.ShrunkRatio.csv(), r.ShrunkLow.csv(), r.ShrunkHigh.csv(), r.Reliability.csv(), r.QValue.csv(),
		r.Power2x.csv(), r.Power1_5x.csv(), r.DetectableRatio80.csv())
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
		ShrunkRatio:     number(r.ShrunkRatio), ShrunkLow: number(r.ShrunkLow), ShrunkHigh: number(r.ShrunkHigh),
		Reliability: number(r.Reliability), QValue: number(r.QValue), Power2x: number(r.Power2x),
		Power1_5x: number(r.Power1_5x), DetectableRatio80: number(r.DetectableRatio80),
	}
}

// bandLabel is a band's label from the one table of band words.
func bandLabel(b outcome.Band) string {
	w, _ := outcome.Words(b)
	return w.Label
}
