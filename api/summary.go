package api

import (
	"bytes"
	"encoding/csv"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/csvcell"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// summaryParams are the national summary's parameters: the funnel
// filters of /specialties/{slug}/funnel, the specialty among them, and
// the CSV twin's.
var summaryParams = []string{paramSpecialty, paramProcedure, paramPeriod, paramUnitType, paramRelease, paramFormat,
	paramBOM}

// summaryRow is one funnel's line of the national summary: the funnel
// summary /specialties/{slug} gives, with the same keys, and whether its
// period is the specialty's latest.
type summaryRow struct {
	funnelSummary
	// True when period is the specialty's newest in the release.
	// Overlapping periods share patients, so totals across rows are sound
	// only within one period: keep to the rows where this is true.
	LatestPeriod bool `json:"latest_period" example:"true"`
}

// bandCounts counts a funnel's units by band code. It is written with
// every band, in outcome.Bands' order (of concern), as the summary's CSV
// columns are, rather than in a map's alphabetical order.
type bandCounts map[string]int

// MarshalJSON writes every band's count in order of concern, 0 for a band
// with none.
func (b bandCounts) MarshalJSON() ([]byte, error) {
	out := []byte{'{'}
	for i, w := range outcome.Bands() {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendQuote(out, string(w.Band))
		out = append(out, ':')
		out = strconv.AppendInt(out, int64(b[string(w.Band)]), 10)
	}
	return append(out, '}'), nil
}

// bandCountPrefix heads each band's count in the CSV: the JSON's
// band_counts object flattened, band_counts.high_alarm and so on, as
// pandas' json_normalize and R's jsonlite flatten name it.
const bandCountPrefix = "band_counts."

// summaryColumns are the CSV's columns: the JSON keys in their order, with
// band_counts one column a band in outcome.Bands' order, every band always
// present, so the header never depends on the data.
var summaryColumns = func() []string {
	cols := []string{"specialty", "procedure", "period", "unit_type", "scale", "risk_adjusted", "target",
		"target_source", "units", "cases", "events", "phi", "phi_p_value", "phi_units", "tau2", "assessed",
		"outside_95", "expected_outside_95", "outside_998", "expected_outside_998"}
	for _, w := range outcome.Bands() {
		cols = append(cols, bandCountPrefix+string(w.Band))
	}
	// The shrinkage's fit (issue 17) after, so that a reader of the
	// columns before keeps their places.
	return append(cols, "latest_period", "shrink_fit", "alpha", "rankability", "rankability_grade")
}()

// csvRecord appends the row's cells, in summaryColumns order, to rec.
// Text goes through csvcell.Safe: procedures and periods are the
// publisher's.
func (r *summaryRow) csvRecord(rec []string) []string {
	t := csvcell.Safe
	rec = append(rec, t(r.Specialty), t(r.Procedure), t(r.Period), string(r.UnitType), r.Scale,
		strconv.FormatBool(r.RiskAdjusted), r.Target.csv(), t(r.TargetSource), strconv.Itoa(r.Units), r.Cases.csv(),
		r.Events.csv(), r.Phi.csv(), r.PhiPValue.csv(), strconv.Itoa(r.PhiUnits), r.Tau2.csv(),
		strconv.Itoa(r.Assessed), strconv.Itoa(r.Outside95), r.ExpectedOutside95.csv(), strconv.Itoa(r.Outside998),
		r.ExpectedOutside998.csv())
	for _, w := range outcome.Bands() {
		rec = append(rec, strconv.Itoa(r.BandCounts[string(w.Band)]))
	}
	return append(rec, strconv.FormatBool(r.LatestPeriod), r.ShrinkFit, r.Alpha.csv(), r.Rankability.csv(),
		r.RankabilityGrade)
}

// handleSummary answers GET /api/v1/summary and its .csv twin.
//
//	@Summary		National summary
//	@Description	One row for each funnel of the release (each specialty, procedure, period and unit type), specialties in the order of /specialties: how many units it compares (units), how many a band judges (assessed: all but too_few and not_assessable), how many lie outside the 95% and 99.8% limits beside how many chance alone would put there (expected_outside_95, expected_outside_998), the overdispersion φ (phi) and its χ² test (phi_p_value), and the count of units in every band (band_counts, every band present, 0 when none). latest_period marks the specialty's newest period: overlapping periods share patients, so add rows up within one period only. Filter with specialty, procedure, period and unit_type. The same URL with .csv, ?format=csv or Accept: text/csv gives the rows as CSV with the JSON keys as columns, band_counts as one column a band: specialty, procedure, period, unit_type, scale, risk_adjusted, target, target_source, units, cases, events, phi, phi_p_value, phi_units, tau2, assessed, outside_95, expected_outside_95, outside_998, expected_outside_998, band_counts.high_alarm, band_counts.high_alert, band_counts.within, band_counts.low_alert, band_counts.low_alarm, band_counts.too_few, band_counts.not_assessable, latest_period, shrink_fit, alpha, rankability, rankability_grade (the funnel's shrunk-ratio fit, after latest_period so that the columns before keep their places).
//	@Tags			specialties
//	@Produce		json
//	@Produce		text/csv
//	@Param			specialty	query		string	false	"specialty slug"	Enums(adult-cardiac, vascular, orthopaedic, colorectal, upper-gi, bariatric, head-and-neck, endocrine, urology, interventional-cardiology)
//	@Param			procedure	query		string	false	"procedure slug"
//	@Param			period		query		string	false	"period, as in the release, or latest: each specialty's newest"
//	@Param			unit_type	query		string	false	"surgeon or hospital"	Enums(surgeon, hospital)
//	@Param			release		query		string	false	"release id or latest (default)"
//	@Param			format		query		string	false	"json (default) or csv"										Enums(json, csv)
//	@Param			bom			query		int		false	"1: start the CSV with a UTF-8 byte-order mark, for Excel"	Enums(0, 1)
//	@Success		200			{object}	envelope{data=[]summaryRow,meta=meta}
//	@Failure		400			{object}	problem
//	@Failure		404			{object}	problem	"no such release"
//	@Router			/api/v1/summary [get]
//	@Router			/api/v1/summary.csv [get]
func (s *Server) handleSummary(csvExt bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		t, q, err := s.resolve(c, summaryParams, "/summary")
		if err != nil {
			return err
		}
		if csvExt && q.formatGiven && !q.CSV {
			return badRequest(paramFormat, "the .csv URL gives CSV; use the URL without .csv for JSON")
		}
		asCSV, err := wantsCSV(c, q, csvExt)
		if err != nil {
			return err
		}
		if q.BOM && !asCSV {
			return badRequest(paramBOM, "a byte-order mark is for CSV; ask for .csv or format=csv")
		}
		national := t.rel.National(catalog.NationalFilter{Specialty: q.Specialty, Procedure: q.Procedure,
			Period: q.Period, UnitType: q.UnitType})
		rows := summaryRows(national)
		var periods []string
		for _, n := range national {
			periods = appendDistinct(periods, n.Period)
		}
		if asCSV {
			c.Response().Header().Set(echo.HeaderContentDisposition,
				`attachment; filename="`+summaryFileName(t.rel.Meta.ID, q)+`"`)
			return sendBuiltCSV(c, t, summaryCSV(rows, q.BOM), q.BOM)
		}
		return s.sendJSON(c, t, func() (any, string, error) {
			l := t.links()
			l.CSV = twinURL(t, csvTwin)
			return envelope{Data: rows, Meta: newMeta(t.rel, len(rows), periods), Links: l}, "", nil
		})
	}
}

// summaryRows are the national summary's rows as the API writes them,
// for /summary and the release's bundle.
func summaryRows(national []catalog.NationalRow) []summaryRow {
	rows := make([]summaryRow, len(national))
	for i, n := range national {
		rows[i] = summaryRow{funnelSummary: toFunnelSummary(n.FunnelSummary), LatestPeriod: n.LatestPeriod}
	}
	return rows
}

// summaryCSV writes the rows as CSV (RFC 4180, CRLF), with a byte-order
// mark for Excel when bom is set.
func summaryCSV(rows []summaryRow, bom bool) []byte {
	var b bytes.Buffer
	if bom {
		b.WriteString("\uFEFF")
	}
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write(summaryColumns)
	rec := make([]string, 0, len(summaryColumns))
	for i := range rows {
		w.Write(rows[i].csvRecord(rec[:0]))
	}
	w.Flush()
	return b.Bytes()
}

// summaryFileName names a summary download after what it holds, e.g.
// demo-summary-vascular-surgeons-2022-04-2025-03.csv, as downloadFileName
// names a collection's.
func summaryFileName(release string, q query) string {
	parts := []string{release, "summary"}
	units := ""
	if q.UnitType != "" {
		units = q.UnitType.Plural()
	}
	for _, p := range []string{q.Specialty, q.Procedure, units, q.Period} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return fileName(parts, csvTwin)
}
