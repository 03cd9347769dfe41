package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// maxSelfCheckUnits bounds one self-check: a hospital checks its own
// units, not a release.
const maxSelfCheckUnits = 1000

// selfCheckUnit is one unit's own figures, as a hospital submits them.
type selfCheckUnit struct {
	Specialty string `json:"specialty" example:"adult-cardiac"`
	// Procedure defaults to the specialty's only procedure in the period.
	Procedure string `json:"procedure,omitempty" example:"all"`
	// Period defaults to the specialty's latest period in the release.
	Period string `json:"period,omitempty" example:"2022-04/2025-03"`
	// UnitType picks the funnel: hospital (default) or surgeon.
	UnitType string `json:"unit_type,omitempty" enums:"hospital,surgeon" example:"hospital"`
	// UnitID and UnitName are the submitter's own labels, echoed back.
	UnitID   string `json:"unit_id,omitempty" example:"RXX"`
	UnitName string `json:"unit_name,omitempty" example:"Our cardiac unit"`
	Cases    *int   `json:"cases" example:"412"`
	Events   *int   `json:"events" example:"11"`
	// Expected is the case-mix expected number of events; required where
	// the funnel is risk-adjusted, not allowed where it is crude.
	Expected *float64 `json:"expected,omitempty" example:"7.9"`
}

// selfCheckRequest is a list of units; a single unit may also be posted
// as the body itself.
type selfCheckRequest struct {
	Units []selfCheckUnit `json:"units"`
}

// selfCheckResult is a submitted unit's position on the release's funnel:
// the same row a published unit has (its hospital fields are the
// submitter's labels; publisher's figures are null), with the funnel it
// was placed on.
type selfCheckResult struct {
	unitRow
	TargetSource string `json:"target_source" enums:"counts,national" example:"counts"`
	// Funnel is the published funnel the unit was placed on.
	Funnel string `json:"funnel" example:"/api/v1/releases/demo/specialties/adult-cardiac/funnel?period=2022-04%2F2025-03&procedure=all&unit_type=hospital"`
}

// handleSelfCheck answers POST /api/v1/self-check.
//
//	@Summary		Self-check: place your own figures on the funnel
//	@Description	A hospital's own (perhaps unpublished) figures, placed against the release's target and funnel for the same specialty, procedure and period: ratio, risk-adjusted rate, survival and its interval, the limits at its size, band and p-values. Send JSON (one unit, or {"units": [...]}, at most 1000) or a canonical CSV (Content-Type: text/csv; columns specialty, cases, events, and optionally procedure, period, unit_type, unit_id, unit_name, expected or expected_rate). Nothing submitted is stored or logged.
//	@Tags			self-check
//	@Accept			json
//	@Accept			text/csv
//	@Produce		json
//	@Param			units	body		selfCheckRequest	true	"the figures (or a single selfCheckUnit object)"
//	@Param			release	query		string				false	"release id or latest (default)"
//	@Success		200		{object}	envelope{data=[]selfCheckResult,meta=meta}
//	@Failure		400		{object}	problem	"invalid figures: errors name each field"
//	@Failure		404		{object}	problem	"no such release"
//	@Failure		413		{object}	problem	"body over 1 MB"
//	@Failure		415		{object}	problem	"not JSON or CSV"
//	@Router			/api/v1/self-check [post]
func (s *Server) handleSelfCheck(c echo.Context) error {
	t, _, err := s.resolve(c, resourceParams, "/self-check")
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // the body limit's 413 passes through
	}
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	var units []selfCheckUnit
	var prefix func(i int) string
	switch mt {
	case echo.MIMEApplicationJSON:
		units, err = decodeSelfCheckJSON(body)
		prefix = func(i int) string { return fmt.Sprintf("units[%d].", i) }
	case "text/csv":
		var lines []int
		units, lines, err = decodeSelfCheckCSV(body)
		prefix = func(i int) string { return fmt.Sprintf("line %d: ", lines[i]) }
	default:
		return &apiError{Status: http.StatusUnsupportedMediaType,
			Detail: "send the figures as application/json or text/csv"}
	}
	if err != nil {
		return err
	}
	var errs []paramError
	out := make([]selfCheckResult, 0, len(units))
	for i, u := range units {
		res, fieldErrs := s.place(t, u)
		for _, fe := range fieldErrs {
			fe.Param = prefix(i) + fe.Param
			errs = append(errs, fe)
		}
		out = append(out, res)
	}
	if len(errs) > 0 {
		if len(units) == 1 && mt == echo.MIMEApplicationJSON {
			for i := range errs {
				errs[i].Param = strings.TrimPrefix(errs[i].Param, "units[0].")
			}
		}
		return &apiError{Status: http.StatusBadRequest, Detail: "some figures are invalid; nothing was placed",
			Errors: errs}
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	b, err := jsonMarshal(envelope{Data: out, Meta: newMeta(t.rel, len(out), distinctPeriods(out)),
		Links: links{Self: t.url(false, nil), Docs: "/api/docs/"}})
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}

func distinctPeriods(rs []selfCheckResult) []string {
	var ps []string
	for _, r := range rs {
		ps = appendDistinct(ps, r.Period)
	}
	slices.Sort(ps)
	return ps
}

// decodeSelfCheckJSON reads one unit or {"units": [...]}, refusing unknown
// fields so a misspelt "expected" is not silently ignored.
func decodeSelfCheckJSON(body []byte) ([]selfCheckUnit, error) {
	body = bytes.TrimSpace(body)
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, badRequest("body", "not a JSON object: %s", jsonProblem(err))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if _, list := probe["units"]; list {
		var req selfCheckRequest
		if err := dec.Decode(&req); err != nil {
			return nil, unitsError(body, err)
		}
		switch {
		case len(req.Units) == 0:
			return nil, badRequest("units", "give at least one unit")
		case len(req.Units) > maxSelfCheckUnits:
			return nil, badRequest("units", "at most %d units at once", maxSelfCheckUnits)
		}
		return req.Units, nil
	}
	var u selfCheckUnit
	if err := dec.Decode(&u); err != nil {
		return nil, badRequest(jsonField(err, "body"), "%s", jsonProblem(err))
	}
	return []selfCheckUnit{u}, nil
}

// unitsError names the unit a list's decoding error is about, units[i],
// as every other error in a list of units does: encoding/json's errors
// give the field's path but not the element's index, so each unit is
// decoded again on its own to find the first that fails.
func unitsError(body []byte, err error) error {
	var list struct {
		Units []json.RawMessage `json:"units"`
	}
	if json.Unmarshal(body, &list) == nil {
		for i, raw := range list.Units {
			d := json.NewDecoder(bytes.NewReader(raw))
			d.DisallowUnknownFields()
			var u selfCheckUnit
			if uerr := d.Decode(&u); uerr != nil {
				param := fmt.Sprintf("units[%d]", i)
				if f := jsonField(uerr, ""); f != "" {
					param += "." + f
				}
				return badRequest(param, "%s", jsonProblem(uerr))
			}
		}
	}
	return badRequest(jsonField(err, "units"), "%s", jsonProblem(err))
}

// jsonField names the field a decoding error is about.
func jsonField(err error, fallback string) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return te.Field
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return strings.Trim(f, `"`)
	}
	return fallback
}

// jsonProblem says what was wrong without echoing the submitted value.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return "must be a " + jsonKind(te.Type.Kind().String())
	case errors.As(err, &se):
		return fmt.Sprintf("JSON syntax error at byte %d", se.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field"
	}
	return "not valid JSON"
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64", "ptr":
		return "whole number"
	case "float64":
		return "number"
	}
	return k
}

// selfCheckColumns are the canonical CSV columns a self-check reads; the
// other canonical columns are allowed and ignored.
var selfCheckColumns = []string{"specialty", "procedure", "period", "unit_type", "unit_id", "unit_name",
	"cases", "events", "expected", "expected_rate", "hospital_id", "hospital_name", "outcome"}

// decodeSelfCheckCSV reads canonical CSV (DESIGN.md § Canonical CSV).
func decodeSelfCheckCSV(body []byte) ([]selfCheckUnit, []int, error) {
	body = bytes.TrimPrefix(body, []byte("\uFEFF"))
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = 0
	header, err := r.Read()
	if err != nil {
		return nil, nil, badRequest("body", "not CSV with a header row")
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if !slices.Contains(selfCheckColumns, h) {
			return nil, nil, badRequest("header", "column %d is not a canonical column; use %s", i+1,
				strings.Join(selfCheckColumns, ", "))
		}
		if _, dup := col[h]; dup {
			return nil, nil, badRequest("header", "column %q is given twice", h)
		}
		col[h] = i
	}
	for _, need := range []string{"specialty", "cases", "events"} {
		if _, ok := col[need]; !ok {
			return nil, nil, badRequest("header", "the %s column is required", need)
		}
	}
	var units []selfCheckUnit
	var lines []int
	var errs []paramError
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, badRequest(fmt.Sprintf("line %d", pe.Line), "%v", pe.Err)
			}
			return nil, nil, badRequest("body", "not valid CSV")
		}
		if len(units) == maxSelfCheckUnits {
			return nil, nil, badRequest("body", "at most %d units at once", maxSelfCheckUnits)
		}
		line, _ := r.FieldPos(0) // the file's line, blank and quoted-newline lines counted
		cell := func(name string) string {
			if i, ok := col[name]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		u := selfCheckUnit{Specialty: cell("specialty"), Procedure: cell("procedure"), Period: cell("period"),
			UnitType: cell("unit_type"), UnitID: cell("unit_id"), UnitName: cell("unit_name")}
		bad := func(field, msg string) {
			errs = append(errs, paramError{Param: fmt.Sprintf("line %d: %s", line, field), Message: msg})
		}
		for _, f := range []struct {
			name string
			dst  **int
		}{{"cases", &u.Cases}, {"events", &u.Events}} {
			n, err := strconv.Atoi(strings.ReplaceAll(cell(f.name), ",", ""))
			if err != nil {
				bad(f.name, "must be a whole number")
				continue
			}
			*f.dst = &n
		}
		if e := cell("expected"); e != "" {
			x, err := strconv.ParseFloat(e, 64)
			if err != nil {
				bad("expected", "must be a number")
			}
			u.Expected = &x
		}
		if rate := cell("expected_rate"); rate != "" {
			x, err := strconv.ParseFloat(rate, 64)
			switch {
			case err != nil:
				bad("expected_rate", "must be a number")
			case u.Expected != nil:
				bad("expected_rate", "give expected or expected_rate, not both")
			case u.Cases != nil:
				e := x / 100 * float64(*u.Cases)
				u.Expected = &e
			}
		}
		units = append(units, u)
		lines = append(lines, line)
	}
	if len(errs) > 0 {
		return nil, nil, &apiError{Status: http.StatusBadRequest, Detail: "some figures are invalid; nothing was placed",
			Errors: errs}
	}
	if len(units) == 0 {
		return nil, nil, badRequest("body", "no rows after the header")
	}
	return units, lines, nil
}

// place puts one submitted unit on its funnel. The limits and p-values
// come from the same stats functions as the published figures, at the
// published funnel's target, so a hospital sees what publication would
// show.
func (s *Server) place(t resource, u selfCheckUnit) (selfCheckResult, []paramError) {
	var errs []paramError
	bad := func(field, format string, args ...any) {
		errs = append(errs, paramError{Param: field, Message: fmt.Sprintf(format, args...)})
	}
	unitType := outcome.Hospital
	for _, f := range []struct{ name, val string }{{"unit_id", u.UnitID}, {"unit_name", u.UnitName},
		{"procedure", u.Procedure}, {"period", u.Period}} {
		if msg := checkText(f.val, maxValueLen); msg != "" {
			bad(f.name, "%s", msg)
		}
	}
	if u.UnitType != "" {
		t, err := outcome.ParseUnitType(u.UnitType)
		if err != nil {
			bad("unit_type", "must be %s or %s", outcome.Hospital, outcome.Surgeon)
		}
		unitType = t
	}
	switch {
	case u.Cases == nil:
		bad("cases", "required: the number of operations")
	case *u.Cases < 1:
		bad("cases", "must be 1 or more")
	case *u.Cases > 1e9:
		bad("cases", "must be at most 1,000,000,000")
	}
	switch {
	case u.Events == nil:
		bad("events", "required: the number of deaths (or other events)")
	case *u.Events < 0:
		bad("events", "must be 0 or more")
	case u.Cases != nil && *u.Events > *u.Cases:
		bad("events", "must not exceed cases")
	}
	if u.Expected != nil && (!(*u.Expected > 0) || math.IsInf(*u.Expected, 0) || *u.Expected > 1e9) {
		bad("expected", "must be a number above 0")
	}
	if _, ok := outcome.LookupSpecialty(u.Specialty); !ok {
		if u.Specialty == "" {
			bad("specialty", "required: one of the ten specialty slugs")
		} else {
			bad("specialty", "unknown specialty; see /api/v1/specialties")
		}
		return selfCheckResult{}, errs
	}
	f, ferr := t.rel.findFunnel(u.Specialty, u.Procedure, u.Period, unitType)
	if ferr != nil {
		return selfCheckResult{}, append(errs, *ferr)
	}
	riskAdjusted := f.Scale == stats.ScaleRatio
	switch {
	case riskAdjusted && u.Expected == nil:
		bad("expected", "required: this funnel is risk-adjusted, so give your expected deaths from the risk model")
	case !riskAdjusted && u.Expected != nil:
		bad("expected", "leave it out: this funnel compares crude rates, without risk adjustment")
	}
	m, err := outcome.NewMethod(t.rel.meta.IntervalMethod, t.rel.meta.Comparison, f.TargetSource, nil)
	if err != nil {
		bad("release", "the release's method cannot be applied: %v", err)
	}
	if len(errs) > 0 {
		return selfCheckResult{}, errs
	}
	// The published funnel's target, whichever its source; two curve
	// points, as a lone unit's curve is not drawn.
	m.Options.Target = f.Target
	m.Options.CurvePoints = 2
	unit := outcome.Unit{Type: unitType, ID: u.UnitID, Name: u.UnitName, Cases: *u.Cases, Events: *u.Events,
		Expected: math.NaN()}
	if u.Expected != nil {
		unit.Expected = *u.Expected
	}
	placed := m.Place(f.Group, outcome.UnitSet{Type: unitType, Units: []outcome.Unit{unit}}).Units[0]
	var hospital hospitalRef
	if unitType == outcome.Hospital {
		hospital = hospitalRef{ID: u.UnitID, Name: u.UnitName, Count: 1}
	}
	res := selfCheckResult{unitRow: newUnitRow(&f.Funnel, &placed, t.rel.outcome(f), hospital, nil),
		TargetSource: f.TargetSource}
	res.Funnel = resource{rel: t.rel, path: "/specialties/" + f.Specialty + "/funnel",
		query: query{Procedure: f.Procedure, Period: f.Period, UnitType: f.UnitType, Sort: defaultSort()}.values()}.
		url(true, nil)
	return res, nil
}

// outcome is what a funnel counts, as its rows say.
func (r *release) outcome(f *funnel) string {
	if f.end > f.first {
		return r.rows[f.first].Outcome
	}
	sp, _ := outcome.LookupSpecialty(f.Specialty)
	return sp.Outcome
}

// findFunnel finds the published funnel a self-check unit belongs on:
// the period defaults to the specialty's latest, the procedure to the only
// one that period has.
func (r *release) findFunnel(specialty, procedure, period string, unitType outcome.UnitType) (*funnel, *paramError) {
	if period == "" {
		period = r.latestPeriod(specialty)
		if period == "" {
			return nil, &paramError{Param: "specialty", Message: "the release has no results for this specialty"}
		}
	}
	var procedures []string
	var found *funnel
	for _, f := range r.funnels {
		if f.Specialty != specialty || f.Period != period || f.UnitType != unitType {
			continue
		}
		procedures = appendDistinct(procedures, f.Procedure)
		if procedure == "" || f.Procedure == procedure {
			found = f
		}
	}
	switch {
	case len(procedures) == 0:
		return nil, &paramError{Param: "period",
			Message: fmt.Sprintf("the release has no %s funnel for this specialty in this period", unitType)}
	case procedure == "" && len(procedures) > 1:
		return nil, &paramError{Param: "procedure",
			Message: "required: this period has several procedures: " + strings.Join(procedures, ", ")}
	case found == nil:
		return nil, &paramError{Param: "procedure",
			Message: "not in this period; procedures are " + strings.Join(procedures, ", ")}
	}
	return found, nil
}
