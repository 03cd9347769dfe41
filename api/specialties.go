package api

import (
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// specialtyDTO is one of the ten specialties, with what the release holds
// for it.
type specialtyDTO struct {
	// The specialty's short code, as the rows' specialty gives it.
	Slug string `json:"slug" example:"adult-cardiac"`
	// The specialty's name.
	Name string `json:"name" example:"Adult cardiac surgery"`
	// What the specialty covers, in plain words.
	Description string `json:"description" example:"Heart operations on adults…"`
	// What counts as an event, such as death in hospital.
	Outcome string `json:"outcome" example:"in-hospital mortality"`
	// The groups of operations compared within the specialty.
	Procedures []procedureDTO `json:"procedures"`
	// The periods (start/end months) the release has for this specialty,
	// oldest first.
	Periods []string `json:"periods"`
	// How many surgeons have results in the specialty.
	Surgeons int `json:"surgeons" example:"214" extensions:"x-unit=surgeons"`
	// How many hospitals have results in the specialty.
	Hospitals int `json:"hospitals" example:"30" extensions:"x-unit=hospitals"`
	// The summary of each of the specialty's funnel plots (one a
	// procedure, period and unit type); only on one specialty's resource.
	Funnels []funnelSummary `json:"funnels,omitempty"`
	// Every band, with its plain words and meaning; only on one
	// specialty's resource.
	Bands []bandDTO `json:"bands,omitempty"`
	// How the figures were worked out; only on one specialty's resource.
	Method *methodDTO `json:"method,omitempty"`
	// Related addresses: the specialty itself, its funnels, its surgeons
	// and hospitals, and their CSV files.
	Links map[string]string `json:"links"`
}

// procedureDTO is a procedure group of a specialty.
type procedureDTO struct {
	// The procedure's short code, as the rows' procedure gives it.
	Slug string `json:"slug" example:"cabg"`
	// The procedure's name.
	Name string `json:"name" example:"Coronary artery bypass graft"`
	// Which operations the group counts.
	Includes string `json:"includes" example:"Coronary artery bypass grafts (CABG) on their own, with no other heart operation at the same time."`
	// The periods (start/end months) the release has results for in this
	// procedure, oldest first; empty when it has none.
	Periods []string `json:"periods"`
}

// methodDTO is how the release's figures were computed. IntervalLevel is
// the level, in percent, of the units' own intervals, FlagLevel that of
// the comparison giving their verdicts: the publisher's, 95 unless it uses
// another. Limits, the funnel's, are the same for every release.
type methodDTO struct {
	// How each unit's own interval is worked out: exact (exact Poisson
	// limits), byar (Byar's approximation) or mixed (exact for fewer than
	// 10 events, Byar's for 10 or more), as the publisher does.
	IntervalMethod string `json:"interval_method" enums:"exact,byar,mixed" example:"exact"`
	// How a unit is judged: funnel (its place against the funnel's
	// limits), interval (whether its own interval leaves out the national
	// rate, as New York and California publish) or published (the
	// publisher's own rating, for a release with no deaths given).
	Comparison string `json:"comparison" enums:"funnel,interval,published" example:"funnel"`
	// Where the national rate comes from: counts (all the units' events
	// divided by all their operations), national (the publisher's national
	// or statewide row) or published (the publisher's own figures).
	TargetSource string `json:"target_source" enums:"counts,national,published" example:"counts"`
	// The level of every unit's own interval (ci_low, ci_high,
	// survival_low, survival_high), in percent: 95 unless the publisher
	// uses another.
	IntervalLevel float64 `json:"interval_level" example:"95" extensions:"x-unit=percent"`
	// The level, in percent, of the publisher's comparison that gives each
	// verdict: 95 unless it uses another.
	FlagLevel float64 `json:"flag_level" example:"95" extensions:"x-unit=percent"`
	// How the funnel's limits are drawn, in words.
	Limits string `json:"limits" example:"exact Poisson (risk-adjusted) or binomial (crude) limits at 95% and 99.8%, Spiegelhalter's interpolation"`
}

// bandDTO explains one band code in plain words: codes are data, labels
// live here (PRODUCT.md § API).
type bandDTO struct {
	// The band's code, as the rows' band gives it.
	Code outcome.Band `json:"code" swaggertype:"string" example:"high_alert" enums:"high_alarm,high_alert,within,low_alert,low_alarm,too_few,not_assessable"`
	// The band in plain words, as the pages say it.
	Label string `json:"label" example:"Survival lower than expected (some evidence)"`
	// What the band means, in a sentence or two for a reader with no
	// statistics.
	Meaning string `json:"meaning" example:"Survival was below the 95% limit: a difference this large would happen by chance about once in 40 comparisons, so among many surgeons a few land here by chance alone."`
}

// bands lists every band in order of concern, in the words the site uses.
func bands() []bandDTO {
	var out []bandDTO
	for _, w := range outcome.Bands() {
		out = append(out, bandDTO{Code: w.Band, Label: w.Label, Meaning: w.Meaning})
	}
	return out
}

func (s *Server) specialtyDTO(t resource, sp outcome.Specialty, detail bool) specialtyDTO {
	r := t.rel
	d := specialtyDTO{Slug: sp.Slug, Name: sp.Name, Description: sp.Description, Outcome: sp.Outcome,
		Periods: r.Periods(sp.Slug), Procedures: []procedureDTO{}}
	if d.Periods == nil {
		d.Periods = []string{}
	}
	for _, p := range sp.Procedures {
		d.Procedures = append(d.Procedures, procedureDTO{Slug: p.Slug, Name: p.Name, Includes: p.Includes,
			Periods: procedurePeriods(r, sp.Slug, p.Slug)})
	}
	if detail {
		for _, f := range r.Funnels {
			if f.Specialty == sp.Slug {
				d.Funnels = append(d.Funnels, toFunnelSummary(r.Summarise(f)))
			}
		}
	}
	n := r.UnitCount(sp.Slug)
	d.Surgeons, d.Hospitals = n.Surgeons, n.Hospitals
	base := "/api/v1/specialties/" + sp.Slug
	if t.pinned {
		base = "/api/v1/releases/" + url.PathEscape(r.Meta.ID) + "/specialties/" + sp.Slug
	}
	d.Links = map[string]string{"self": base, "funnel": base + "/funnel", "surgeons": base + "/surgeons",
		"hospitals": base + "/hospitals", "surgeons_csv": base + "/surgeons.csv",
		"hospitals_csv": base + "/hospitals.csv"}
	if detail {
		d.Bands = bands()
		d.Method = &methodDTO{IntervalMethod: r.Meta.IntervalMethod, Comparison: r.Meta.Comparison,
			TargetSource: r.Meta.TargetSource, IntervalLevel: r.Meta.IntervalLevel, FlagLevel: r.Meta.FlagLevel,
			Limits: "exact Poisson (risk-adjusted) or binomial (crude) limits at 95% and 99.8%, " +
				"with Spiegelhalter's interpolation; bands by the lines, too_few when under one death is expected"}
		if d.Funnels == nil {
			d.Funnels = []funnelSummary{}
		}
	}
	return d
}

// procedurePeriods lists the periods a release has a procedure's results
// for, oldest first.
func procedurePeriods(r *catalog.Release, specialty, procedure string) []string {
	out := []string{}
	for _, per := range r.Periods(specialty) {
		for _, f := range r.Funnels {
			if f.Specialty == specialty && f.Period == per && f.Procedure == procedure {
				out = append(out, per)
				break
			}
		}
	}
	return out
}

// handleSpecialties answers GET /api/v1/specialties.
//
//	@Summary		Specialties
//	@Description	The ten specialties, each with its procedures (what each includes, and the periods the release has it for), the periods the release has, and how many surgeons and hospitals it reports.
//	@Tags			specialties
//	@Produce		json
//	@Param			release	query		string	false	"release id or latest (default)"
//	@Success		200		{object}	envelope{data=[]specialtyDTO,meta=meta}
//	@Failure		400		{object}	problem
//	@Failure		404		{object}	problem	"no such release"
//	@Router			/api/v1/specialties [get]
func (s *Server) handleSpecialties(c echo.Context) error {
	t, _, err := s.resolve(c, resourceParams, "/specialties")
	if err != nil {
		return err
	}
	return s.sendJSON(c, t, func() (any, string, error) {
		var out []specialtyDTO
		for _, sp := range outcome.Specialties() {
			out = append(out, s.specialtyDTO(t, sp, false))
		}
		return envelope{Data: out, Meta: newMeta(t.rel, len(out), t.rel.Meta.Periods), Links: t.links()}, "", nil
	})
}

// handleSpecialty answers GET /api/v1/specialties/{slug}.
//
//	@Summary		One specialty
//	@Description	A specialty's measure, procedures, method, the band codes with plain-language labels, and a summary of each funnel (target, overdispersion, how many units lie outside each line beside how many chance alone would put there).
//	@Tags			specialties
//	@Produce		json
//	@Param			slug	path		string	true	"specialty slug"	Enums(adult-cardiac, vascular, orthopaedic, colorectal, upper-gi, bariatric, head-and-neck, endocrine, urology, interventional-cardiology)
//	@Param			release	query		string	false	"release id or latest (default)"
//	@Success		200		{object}	envelope{data=specialtyDTO,meta=meta}
//	@Failure		400		{object}	problem
//	@Failure		404		{object}	problem	"no such specialty or release"
//	@Router			/api/v1/specialties/{slug} [get]
func (s *Server) handleSpecialty(c echo.Context) error {
	sp, ok := outcome.LookupSpecialty(c.Param("slug"))
	if !ok {
		return notFound("no specialty %q; see /api/v1/specialties", truncate(c.Param("slug")))
	}
	t, _, err := s.resolve(c, resourceParams, "/specialties/"+sp.Slug)
	if err != nil {
		return err
	}
	return s.sendJSON(c, t, func() (any, string, error) {
		d := s.specialtyDTO(t, sp, true)
		return envelope{Data: d, Meta: newMeta(t.rel, 1, d.Periods), Links: t.links()}, "", nil
	})
}

// funnelSummary is one funnel's target and overdispersion summary.
type funnelSummary struct {
	// The specialty's short code (such as adult-cardiac).
	Specialty string `json:"specialty" example:"adult-cardiac"`
	// The group of operations compared, as a short code within the
	// specialty: "all" when the publisher gives one figure for all of them.
	Procedure string `json:"procedure" example:"all"`
	// The months the operations were done in (start/end). Periods can
	// overlap and then share operations: add figures up within one period
	// only.
	Period string `json:"period" example:"2022-04/2025-03"`
	// Whether the funnel compares surgeons or hospitals.
	UnitType outcome.UnitType `json:"unit_type" swaggertype:"string" enums:"surgeon,hospital" example:"surgeon"`
	// The scale of the funnel's y axis and limits: ratio (observed divided
	// by expected events, 1 is as expected) for risk-adjusted data,
	// proportion (events divided by operations, 0 to 1) for crude data.
	Scale string `json:"scale" enums:"ratio,proportion" example:"ratio"`
	// True when the figures allow for case mix (the publisher gave
	// expected events); false for crude data.
	RiskAdjusted bool `json:"risk_adjusted" example:"true"`
	// The national event rate the funnel is centred on, as a proportion
	// from 0 to 1 (0.0213 is 2.13 events in 100 operations). Null when it
	// cannot be worked out.
	Target number `json:"target" swaggertype:"number" example:"0.0213" extensions:"x-unit=proportion (0 to 1),x-nullable"`
	// Where the national rate comes from: counts (all the units' events
	// divided by all their operations), national (the publisher's national
	// or statewide row) or published (the publisher's own figures).
	TargetSource string `json:"target_source" enums:"counts,national,published" example:"counts"`
	// How many surgeons or hospitals the funnel holds.
	Units int `json:"units" example:"214" extensions:"x-unit=units"`
	// All the units' operations added up. Null when a unit gives none (a
	// funnel of the publisher's figures only).
	Cases count `json:"cases" swaggertype:"integer" example:"61234" extensions:"x-unit=operations,x-nullable"`
	// All the units' events (for a mortality outcome, deaths) added up.
	// Null when a unit gives none.
	Events count `json:"events" swaggertype:"integer" example:"1304" extensions:"x-unit=events,x-nullable"`
	// The dispersion ratio: how much more the units' results vary than
	// chance alone would make them (1 is as chance; 1.5 is half as much
	// again), from units expected to have at least 5 events. Null when
	// fewer than two units qualify.
	Phi number `json:"phi" swaggertype:"number" example:"1.12" extensions:"x-unit=ratio,x-nullable"`
	// The chance, from 0 to 1, of a dispersion ratio this large if the
	// units differed by chance alone: small values mean real differences
	// between units. Null when phi is.
	PhiPValue number `json:"phi_p_value" swaggertype:"number" example:"0.21" extensions:"x-unit=probability (0 to 1),x-nullable"`
	// How many units the dispersion ratio was worked out from.
	PhiUnits int `json:"phi_units" example:"180" extensions:"x-unit=units"`
	// The spread between units beyond chance, as a variance (on the square
	// root of the ratio; for crude data, on the arcsine scale); 0 when
	// there is none. Null when phi is.
	Tau2 number `json:"tau2" swaggertype:"number" example:"0.0004" extensions:"x-unit=variance,x-nullable"`
	// How many units were compared: every unit but those with too few
	// expected deaths (band too_few).
	Assessed int `json:"assessed" example:"190" extensions:"x-unit=units"`
	// How many compared units lie beyond a 95% limit, above or below.
	Outside95 int `json:"outside_95" example:"12" extensions:"x-unit=units"`
	// How many units chance alone would put beyond a 95% limit: about 5%
	// of them (less for small units). Compare it with outside_95.
	ExpectedOutside95 number `json:"expected_outside_95" swaggertype:"number" example:"9.5" extensions:"x-unit=units"`
	// How many compared units lie beyond a 99.8% limit, above or below.
	Outside998 int `json:"outside_998" example:"3" extensions:"x-unit=units"`
	// How many units chance alone would put beyond a 99.8% limit: about
	// 0.2% of them. Compare it with outside_998.
	ExpectedOutside998 number `json:"expected_outside_998" swaggertype:"number" example:"0.38" extensions:"x-unit=units"`
	// How many units are in each band, keyed by band code (high_alarm,
	// high_alert, within, low_alert, low_alarm, too_few, not_assessable),
	// every band listed, 0 when none.
	BandCounts bandCounts `json:"band_counts" extensions:"x-unit=units"`
	// Whether the spread between the funnel's units could be measured for
	// the shrunk ratios (its units' shrunk_ratio): interior (it could);
	// no_variation (the units vary no more than chance makes them: alpha
	// is infinite, every shrunk ratio 1 and reliability 0); no_deaths or
	// too_few_units (nothing to fit: the shrunk figures are null); empty
	// for crude data, which have none.
	ShrinkFit string `json:"shrink_fit" enums:",interior,no_variation,no_deaths,too_few_units" example:"interior"`
	// The fitted alpha of the shrunk ratios' model: the spread between
	// units beyond chance is 1/alpha (as a variance of the true ratio), so
	// the larger alpha, the more alike the units and the more each is
	// pulled towards 1. Null unless shrink_fit is interior (infinite with
	// no_variation, undefined otherwise).
	Alpha number `json:"alpha" swaggertype:"number" example:"38.2" extensions:"x-unit=shape (no unit),x-nullable"`
	// Rankability (van Dishoeck et al., BMJ Qual Saf 2011), from 0 to 1:
	// how much of the spread between the units' ratios is real rather than
	// chance. Below 0.5 a ranking of them would be mostly noise. Null when
	// shrink_fit is not interior or no_variation.
	Rankability number `json:"rankability" swaggertype:"number" example:"0.41" extensions:"x-unit=proportion (0 to 1),x-nullable"`
	// Rankability in a word, as van Dishoeck et al. grade it: poor (below
	// 0.5), moderate (0.5 to 0.75) or good (above 0.75); empty when
	// rankability is null.
	RankabilityGrade string `json:"rankability_grade" enums:",poor,moderate,good" example:"poor"`
}

// toFunnelSummary maps a catalog summary onto the API's.
func toFunnelSummary(s catalog.FunnelSummary) funnelSummary {
	f := s.Funnel
	return funnelSummary{Specialty: f.Specialty, Procedure: f.Procedure, Period: f.Period, UnitType: f.UnitType,
		Scale: string(f.Scale), RiskAdjusted: f.Scale == stats.ScaleRatio, Target: number(f.Target),
		TargetSource: f.TargetSource, Units: s.Units, Cases: countIf(s.Cases, s.CasesKnown),
		Events: countIf(s.Events, s.EventsKnown), Phi: number(f.Phi),
		PhiPValue: number(f.PhiPValue), PhiUnits: f.PhiUnits, Tau2: number(f.Tau2), Assessed: f.Assessed,
		Outside95: f.Outside95, ExpectedOutside95: number(f.ExpectedOutside95), Outside998: f.Outside998,
		ExpectedOutside998: number(f.ExpectedOutside998), BandCounts: s.BandCounts, ShrinkFit: string(f.ShrinkFit),
		Alpha: number(f.Alpha), Rankability: number(f.Rankability),
		RankabilityGrade: string(stats.GradeRankability(f.Rankability))}
}

// funnelDTO is one funnel ready to draw: its summary, each unit's point and
// the limit lines.
type funnelDTO struct {
	funnelSummary
	// Each unit's dot on the funnel.
	Points []pointDTO `json:"points"`
	// The limit lines, at 200 sizes spaced evenly on a log scale, on the
	// funnel's scale.
	Curve []curveDTO `json:"curve"`
}

// pointDTO is one unit's dot on the funnel.
type pointDTO struct {
	// The surgeon's or hospital's register id.
	UnitID string `json:"unit_id" example:"9000017"`
	// The surgeon's or hospital's name as the publisher gives it.
	UnitName string `json:"unit_name" example:"Mr Ashdown Quill"`
	// The dot's position across the chart: the unit's size, as operations
	// weighted by their risk (expected events divided by the national
	// rate); for crude data, its operations.
	X number `json:"x" swaggertype:"number" example:"376.2" extensions:"x-unit=operations"`
	// The dot's height, on the funnel's scale: observed divided by
	// expected events (ratio), or for crude data events divided by
	// operations (proportion, 0 to 1).
	Y number `json:"y" swaggertype:"number" example:"1.39" extensions:"x-unit=on scale"`
	// The lower end of the unit's own interval, on the funnel's scale.
	CILow number `json:"ci_low" swaggertype:"number" example:"0.69" extensions:"x-unit=on scale"`
	// The upper end of the unit's own interval, on the funnel's scale.
	CIHigh number `json:"ci_high" swaggertype:"number" example:"2.49" extensions:"x-unit=on scale"`
	// Risk-adjusted survival, as a proportion from 0 to 1 (0.9708 is 97.08
	// in 100 patients).
	Survival number `json:"survival" swaggertype:"number" example:"0.9708" extensions:"x-unit=proportion (0 to 1)"`
	// Number of operations.
	Cases int `json:"cases" example:"412" extensions:"x-unit=operations"`
	// Number of events (for a mortality outcome, deaths).
	Events int `json:"events" example:"11" extensions:"x-unit=events"`
	// Events expected for the unit's patients from the risk model. Null
	// for crude data.
	Expected number `json:"expected" swaggertype:"number" example:"7.9" extensions:"x-unit=events,x-nullable"`
	// Where the unit sits on the funnel, as a band code (see the rows'
	// band).
	Band outcome.Band `json:"band" swaggertype:"string" enums:"high_alarm,high_alert,within,low_alert,low_alarm,too_few,not_assessable" example:"within"`
}

// curveDTO is the limits at one x.
type curveDTO struct {
	// The size the limits are drawn at, as on the points' x.
	X number `json:"x" swaggertype:"number" example:"100" extensions:"x-unit=operations"`
	// The lower 95% limit at that size, on the funnel's scale.
	Lower95 number `json:"lower_95" swaggertype:"number" example:"0.41" extensions:"x-unit=on scale"`
	// The upper 95% limit at that size, on the funnel's scale.
	Upper95 number `json:"upper_95" swaggertype:"number" example:"1.72" extensions:"x-unit=on scale"`
	// The lower 99.8% limit at that size, on the funnel's scale.
	Lower998 number `json:"lower_998" swaggertype:"number" example:"0.16" extensions:"x-unit=on scale"`
	// The upper 99.8% limit at that size, on the funnel's scale.
	Upper998 number `json:"upper_998" swaggertype:"number" example:"2.3" extensions:"x-unit=on scale"`
}

// handleFunnel answers GET /api/v1/specialties/{slug}/funnel.
//
//	@Summary		Funnel plots
//	@Description	Each funnel of the specialty (one per procedure, period and unit type; filter with the parameters): target, overdispersion, every unit's point and the 95% and 99.8% limit lines.
//	@Tags			specialties
//	@Produce		json
//	@Param			slug		path		string	true	"specialty slug"
//	@Param			procedure	query		string	false	"procedure slug"
//	@Param			period		query		string	false	"period, as in the release"
//	@Param			unit_type	query		string	false	"surgeon or hospital"	Enums(surgeon, hospital)
//	@Param			release		query		string	false	"release id or latest (default)"
//	@Success		200			{object}	envelope{data=[]funnelDTO,meta=meta}
//	@Failure		400			{object}	problem
//	@Failure		404			{object}	problem	"no such specialty or release"
//	@Router			/api/v1/specialties/{slug}/funnel [get]
func (s *Server) handleFunnel(c echo.Context) error {
	sp, ok := outcome.LookupSpecialty(c.Param("slug"))
	if !ok {
		return notFound("no specialty %q; see /api/v1/specialties", truncate(c.Param("slug")))
	}
	t, q, err := s.resolve(c, funnelParams, "/specialties/"+sp.Slug+"/funnel")
	if err != nil {
		return err
	}
	return s.sendJSON(c, t, func() (any, string, error) {
		r := t.rel
		out := []funnelDTO{}
		var periods []string
		for _, f := range r.Funnels {
			if f.Specialty != sp.Slug || q.Procedure != "" && f.Procedure != q.Procedure ||
				q.Period != "" && f.Period != q.Period || q.UnitType != "" && f.UnitType != q.UnitType {
				continue
			}
			d := funnelDTO{funnelSummary: toFunnelSummary(r.Summarise(f)), Points: []pointDTO{}, Curve: []curveDTO{}}
			for _, u := range r.FunnelRows(f) {
				if !outcome.Placed(u.Band) {
					continue
				}
				d.Points = append(d.Points, pointDTO{UnitID: u.UnitID, UnitName: u.UnitName, X: number(u.FunnelX),
					Y: number(u.FunnelY), CILow: number(u.CILow), CIHigh: number(u.CIHigh),
					Survival: number(u.Survival), Cases: u.Cases, Events: u.Events, Expected: number(u.Expected),
					Band: u.Band})
			}
			for _, p := range f.Curve {
				d.Curve = append(d.Curve, curveDTO{X: number(p.X), Lower95: number(p.Lower95),
					Upper95: number(p.Upper95), Lower998: number(p.Lower998), Upper998: number(p.Upper998)})
			}
			out = append(out, d)
			periods = appendDistinct(periods, f.Period)
		}
		return envelope{Data: out, Meta: newMeta(r, len(out), periods), Links: t.links()}, "", nil
	})
}

func appendDistinct(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
