package api

import (
	"bytes"
	"encoding/csv"
	"math"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/csvcell"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// changeRow is one unit's change between two releases (catalog.Change):
// the newer release's figures beside the older's ("since_"), null where
// the unit is in one release only.
type changeRow struct {
	// What changed: added (a unit new in this release), gone (a unit no
	// longer in it), band (its band moved) or figures (its figures moved,
	// the band not: any count within one period, after a correction;
	// risk-adjusted survival by a percentage point or more across
	// periods).
	Kind string `json:"kind" enums:"added,gone,band,figures" example:"band"`
	// The specialty's short code.
	Specialty string `json:"specialty" example:"vascular"`
	// The procedure's short code.
	Procedure string `json:"procedure" example:"all"`
	// Surgeon or hospital.
	UnitType outcome.UnitType `json:"unit_type" swaggertype:"string" enums:"surgeon,hospital" example:"surgeon"`
	// The surgeon's or hospital's register id.
	UnitID string `json:"unit_id" example:"9000017"`
	// The surgeon's or hospital's name.
	UnitName string `json:"unit_name" example:"Ms Ada Brightwater"`
	// The period (start/end months) of the result in this release; null
	// for a unit that is gone.
	Period *string `json:"period" example:"2022-04/2025-03" extensions:"x-nullable"`
	// The period of the result in the earlier release; null for a unit
	// that is added.
	SincePeriod *string `json:"since_period" example:"2021-04/2024-03" extensions:"x-nullable"`
	// The band in this release; null for a unit that is gone.
	Band *outcome.Band `json:"band" swaggertype:"string" example:"high_alert" enums:"high_alarm,high_alert,within,low_alert,low_alarm,too_few,not_assessable" extensions:"x-nullable"`
	// The band in the earlier release; null for a unit that is added.
	SinceBand *outcome.Band `json:"since_band" swaggertype:"string" example:"within" enums:"high_alarm,high_alert,within,low_alert,low_alarm,too_few,not_assessable" extensions:"x-nullable"`
	// Operations in this release; null for a unit that is gone, or where
	// not given.
	Cases count `json:"cases" swaggertype:"integer" example:"412" extensions:"x-unit=operations,x-nullable"`
	// Operations in the earlier release; null for a unit that is added, or
	// where not given.
	SinceCases count `json:"since_cases" swaggertype:"integer" example:"398" extensions:"x-unit=operations,x-nullable"`
	// Events (for a mortality outcome, deaths) in this release; null for a
	// unit that is gone, or where not given.
	Events count `json:"events" swaggertype:"integer" example:"11" extensions:"x-unit=events,x-nullable"`
	// Events in the earlier release; null for a unit that is added, or
	// where not given.
	SinceEvents count `json:"since_events" swaggertype:"integer" example:"7" extensions:"x-unit=events,x-nullable"`
	// Expected events in this release; null for a unit that is gone, or
	// for crude data.
	Expected number `json:"expected" swaggertype:"number" example:"7.9" extensions:"x-unit=events,x-nullable"`
	// Expected events in the earlier release; null for a unit that is
	// added, or for crude data.
	SinceExp number `json:"since_expected" swaggertype:"number" example:"7.4" extensions:"x-unit=events,x-nullable"`
	// Risk-adjusted survival in this release, as a proportion from 0 to 1;
	// null for a unit that is gone, or without counts.
	Survival number `json:"survival" swaggertype:"number" example:"0.973" extensions:"x-unit=proportion (0 to 1),x-nullable"`
	// Risk-adjusted survival in the earlier release, as a proportion from
	// 0 to 1; null for a unit that is added, or without counts.
	SinceSurv number `json:"since_survival" swaggertype:"number" example:"0.982" extensions:"x-unit=proportion (0 to 1),x-nullable"`
}

// changeColumns are the CSV's columns, the JSON keys of changeRow.
var changeColumns = []string{"kind", "specialty", "procedure", "unit_type", "unit_id", "unit_name", "period",
	"since_period", "band", "since_band", "cases", "since_cases", "events", "since_events", "expected",
	"since_expected", "survival", "since_survival"}

// changeSummary counts one specialty's changes by kind.
type changeSummary struct {
	// The specialty's short code.
	Specialty string `json:"specialty" example:"vascular"`
	// How many units are new in this release.
	Added int `json:"added" example:"3" extensions:"x-unit=units"`
	// How many units are no longer in it.
	Gone int `json:"gone" example:"1" extensions:"x-unit=units"`
	// How many units moved band.
	Band int `json:"band" example:"2" extensions:"x-unit=units"`
	// How many units' figures moved with the band unchanged.
	Figures int `json:"figures" example:"14" extensions:"x-unit=units"`
}

// changesDTO is what changed from one release to another.
type changesDTO struct {
	// The release compared.
	Release string `json:"release" example:"2025-q1"`
	// The earlier release it is compared with.
	Since string `json:"since" example:"2024-q1"`
	// The changes counted by specialty.
	Summary []changeSummary `json:"summary"`
	// Each unit that changed.
	Changes []changeRow `json:"changes"`
}

func toChangeRow(c *catalog.Change) changeRow {
	u := c.Unit()
	row := changeRow{Kind: c.Kind, Specialty: u.Specialty, Procedure: u.Procedure, UnitType: u.UnitType,
		UnitID: u.UnitID, UnitName: u.UnitName, Expected: nan(), SinceExp: nan(), Survival: nan(), SinceSurv: nan()}
	if r := c.Row; r != nil {
		row.Period, row.Band = &r.Period, &r.Band
		row.Cases, row.Events = countIf(r.Cases, r.HasCases()), countIf(r.Events, r.HasEvents())
		row.Expected, row.Survival = number(r.Expected), number(r.Survival)
	}
	if r := c.Since; r != nil {
		row.SincePeriod, row.SinceBand = &r.Period, &r.Band
		row.SinceCases, row.SinceEvents = countIf(r.Cases, r.HasCases()), countIf(r.Events, r.HasEvents())
		row.SinceExp, row.SinceSurv = number(r.Expected), number(r.Survival)
	}
	return row
}

// nan is an undefined figure: null in JSON, empty in CSV.
func nan() number { return number(math.NaN()) }

// handleChanges answers GET /api/v1/releases/{release}/changes and its
// .csv twin.
//
//	@Summary		What changed since another release
//	@Description	Every unit whose result differs between the release and ?since= (another release), by specialty: units added and gone, band changes (within → high_alert), and changes of figures with the band unchanged. Units are compared within their funnel (specialty, procedure, unit type): period by period where the two releases share periods (a correction: any change of a count is listed), else the release's latest period against since's latest (a year's update: risk-adjusted survival moving by one percentage point or more). The same URL with .csv, ?format=csv or Accept: text/csv gives the changes as CSV with the columns kind, specialty, procedure, unit_type, unit_id, unit_name, period, since_period, band, since_band, cases, since_cases, events, since_events, expected, since_expected, survival, since_survival.
//	@Tags			releases
//	@Produce		json
//	@Produce		text/csv
//	@Param			release	path		string	true	"release id, or latest"
//	@Param			since	query		string	true	"the release to compare with"
//	@Param			format	query		string	false	"json (default) or csv"	Enums(json, csv)
//	@Param			bom		query		int		false	"1: CSV begins with a UTF-8 byte-order mark"
//	@Success		200		{object}	envelope{data=changesDTO,meta=meta}
//	@Failure		400		{object}	problem
//	@Failure		404		{object}	problem	"no such release"
//	@Router			/api/v1/releases/{release}/changes [get]
func (s *Server) handleChanges(csvExt bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		t, q, err := s.resolve(c, changesParams, "/changes")
		if err != nil {
			return err
		}
		if q.Since == "" {
			return badRequest(paramSince, "give since, the release to compare with; /api/v1/releases lists them")
		}
		since := s.cat.Release(q.Since)
		if since == nil {
			return badRequest(paramSince, "no release %q; /api/v1/releases lists them", q.Since)
		}
		changes := catalog.Changes(t.rel, since)
		d := changesDTO{Release: t.rel.Meta.ID, Since: since.Meta.ID, Summary: []changeSummary{},
			Changes: make([]changeRow, len(changes))}
		for i := range changes {
			d.Changes[i] = toChangeRow(&changes[i])
		}
		for _, n := range catalog.CountChanges(changes) {
			d.Summary = append(d.Summary, changeSummary{Specialty: n.Specialty, Added: n.Added, Gone: n.Gone,
				Band: n.Band, Figures: n.Figures})
		}
		if asCSV, err := wantsCSV(c, q, csvExt); err != nil {
			return err
		} else if asCSV {
			return sendBuiltCSV(c, t, changesCSV(d.Changes, q.BOM), q.BOM)
		}
		return s.sendJSON(c, t, func() (any, string, error) {
			l := t.links()
			return envelope{Data: d, Meta: newMeta(t.rel, len(d.Changes), t.rel.Meta.Periods), Links: l}, "", nil
		})
	}
}

// changesCSV writes the changes as CSV (RFC 4180, CRLF), text through
// csvcell.Safe, with a byte-order mark for Excel when bom is set.
func changesCSV(rows []changeRow, bom bool) []byte {
	var b bytes.Buffer
	if bom {
		b.WriteString("\uFEFF")
	}
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write(changeColumns)
	text := func(s *string) string {
		if s == nil {
			return ""
		}
		return csvcell.Safe(*s)
	}
	band := func(x *outcome.Band) string {
		if x == nil {
			return ""
		}
		return string(*x)
	}
	t := csvcell.Safe
	for _, r := range rows {
		w.Write([]string{r.Kind, t(r.Specialty), t(r.Procedure), string(r.UnitType), t(r.UnitID), t(r.UnitName),
			text(r.Period), text(r.SincePeriod), band(r.Band), band(r.SinceBand), r.Cases.csv(), r.SinceCases.csv(),
			r.Events.csv(), r.SinceEvents.csv(), r.Expected.csv(), r.SinceExp.csv(), r.Survival.csv(), r.SinceSurv.csv()})
	}
	w.Flush()
	return b.Bytes()
}
