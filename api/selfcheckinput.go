package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// A self-check's figures, whether JSON, CSV or the form, are read by
// ingest through its self-check mapping (the canonical profile with
// period, procedure and the unit's labels optional): the checks, and the
// words of every problem, are those of `outcomes ingest`.

// maxSelfCheckUnits bounds one self-check: a hospital checks its own
// units, not a release.
const maxSelfCheckUnits = 1000

// selfCheckInput is what a self-check submitted: its units, decoded and
// checked, and how to name a field of one of them in an error.
type selfCheckInput struct {
	units []selfCheckUnit
	// param names field of units[i]: units[i].field (a JSON list),
	// line L, column C: field (CSV), or field (one unit).
	param func(i int, field string) string
}

// invalidFigures is the error for figures ingest refused.
func invalidFigures(errs []paramError) error {
	return &apiError{Status: http.StatusBadRequest, Detail: "some figures are invalid; nothing was placed", Errors: errs}
}

// selfCheckUnitOf is a checked canonical row as the unit to place.
func selfCheckUnitOf(r outcome.Row) selfCheckUnit {
	u := selfCheckUnit{Specialty: r.Specialty, Procedure: r.Procedure, Period: r.Period, UnitType: string(r.UnitType),
		UnitID: r.UnitID, UnitName: r.UnitName, HospitalID: r.HospitalID, HospitalName: r.HospitalName,
		Outcome: r.Outcome, Cases: &r.Cases, Events: &r.Events}
	if r.Expected.Valid {
		u.Expected = &r.Expected.V
	}
	if r.ExpectedRate.Valid {
		u.ExpectedRate = &r.ExpectedRate.V
	}
	return u
}

// rowErrors turns ingest's refusal into field errors, each named by param
// from the problem's line, column and field, in ingest's words. header
// names the columns, for problems with a column but no field (an unknown
// column); it may be nil.
func rowErrors(err error, header []string, param func(line, column int, field string) string) ([]paramError, error) {
	var ie *ingest.InputError
	if !errors.As(err, &ie) {
		return nil, err
	}
	list := []error{errors.Unwrap(ie)}
	if j, ok := list[0].(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	}
	var out []paramError
	for _, e := range list {
		var re *ingest.RowError
		if !errors.As(e, &re) {
			out = append(out, paramError{Param: param(0, 0, ""), Message: e.Error()}) // "N more problems not shown"
			continue
		}
		field := re.Field
		if field == "" && re.Column > 0 && re.Column <= len(header) {
			field = header[re.Column-1]
		}
		out = append(out, paramError{Param: param(re.Line, re.Column, field), Message: re.Err.Error()})
	}
	return out, nil
}

// decodeSelfCheckCSV reads canonical CSV (DESIGN.md § Canonical CSV) as
// ingest.Decode does; errors name the line and column, as ingest does.
func (s *Server) decodeSelfCheckCSV(body []byte) (selfCheckInput, error) {
	res, err := ingest.Decode("body", bytes.NewReader(body), s.selfCheck)
	if err != nil {
		errs, err := rowErrors(err, nil, csvParam)
		if err != nil {
			return selfCheckInput{}, err
		}
		return selfCheckInput{}, invalidFigures(errs)
	}
	if len(res.Rows) > maxSelfCheckUnits {
		return selfCheckInput{}, badRequest("body", "at most %d units at once", maxSelfCheckUnits)
	}
	in := selfCheckInput{param: func(i int, field string) string {
		return csvParam(res.Rows[i].Line, res.Columns[field], field)
	}}
	for _, r := range res.Rows {
		in.units = append(in.units, selfCheckUnitOf(r))
	}
	return in, nil
}

// csvParam names a place in a CSV body: "line 3, column 2: cases".
func csvParam(line, column int, field string) string {
	if line == 0 {
		return "body"
	}
	p := fmt.Sprintf("line %d", line)
	if column > 0 {
		p += fmt.Sprintf(", column %d", column)
	}
	if field != "" {
		p += ": " + field
	}
	return p
}

// decodeSelfCheckJSON reads one unit or {"units": [...]}. Each unit
// becomes one record of the self-check mapping's columns, as a CSV row
// would be, and goes through the same checks: a string or a number is a
// cell ("1,000" and 1000 alike), null a missing one, and a member that is
// not a column is refused, as an unknown column is.
func (s *Server) decodeSelfCheckJSON(body []byte) (selfCheckInput, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimSpace(body), &top); err != nil {
		return selfCheckInput{}, badRequest("body", "not a JSON object: %s", jsonProblem(err))
	}
	if top == nil {
		return selfCheckInput{}, badRequest("body", "not a JSON object")
	}
	raws, list := []json.RawMessage{bytes.TrimSpace(body)}, false
	if units, ok := top["units"]; ok {
		list = true
		var errs []paramError
		for _, k := range sortedKeys(top) {
			if k != "units" {
				errs = append(errs, paramError{Param: k, Message: "unknown field"})
			}
		}
		if len(errs) > 0 {
			return selfCheckInput{}, invalidFigures(errs)
		}
		raws = nil
		if err := json.Unmarshal(units, &raws); err != nil {
			return selfCheckInput{}, badRequest("units", "must be a list of units")
		}
		switch {
		case len(raws) == 0:
			return selfCheckInput{}, badRequest("units", "give at least one unit")
		case len(raws) > maxSelfCheckUnits:
			return selfCheckInput{}, badRequest("units", "at most %d units at once", maxSelfCheckUnits)
		}
	}
	in := selfCheckInput{param: func(i int, field string) string {
		if !list {
			return cmp.Or(field, "body")
		}
		if field == "" {
			return fmt.Sprintf("units[%d]", i)
		}
		return fmt.Sprintf("units[%d].%s", i, field)
	}}
	var errs []paramError
	for i, raw := range raws {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			errs = append(errs, paramError{Param: in.param(i, ""), Message: "must be a JSON object"})
			continue
		}
		header, vals, typeErrs := s.jsonRecord(obj)
		for _, f := range typeErrs {
			errs = append(errs, paramError{Param: in.param(i, f), Message: "must be a string, a number or null"})
		}
		if len(typeErrs) > 0 {
			continue
		}
		res, err := ingest.DecodeRecords("body", header, [][]string{vals}, s.selfCheck)
		if err != nil {
			fieldErrs, err := rowErrors(err, header, func(_, _ int, field string) string { return in.param(i, field) })
			if err != nil {
				return selfCheckInput{}, err
			}
			errs = append(errs, fieldErrs...)
			continue
		}
		in.units = append(in.units, selfCheckUnitOf(res.Rows[0]))
	}
	if len(errs) > 0 {
		return selfCheckInput{}, invalidFigures(errs)
	}
	return in, nil
}

// jsonRecord is a JSON unit as a record: the self-check mapping's columns,
// then any member that is not one, for ingest to refuse by name. It also
// returns the members whose values are neither a string, a number nor
// null.
func (s *Server) jsonRecord(obj map[string]json.RawMessage) (header, vals []string, typeErrs []string) {
	header = s.selfCheck.Header()
	vals = make([]string, len(header))
	for _, k := range sortedKeys(obj) {
		i := slices.Index(header, k)
		if i < 0 {
			header = append(header, k)
			vals = append(vals, "")
			continue
		}
		v, ok := jsonCell(obj[k])
		if !ok {
			typeErrs = append(typeErrs, k)
		}
		vals[i] = v
	}
	return header, vals, typeErrs
}

// jsonCell is a JSON value as a CSV cell: a string's text, a number's
// literal, or "" for null.
func jsonCell(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	switch {
	case string(raw) == "null":
		return "", true
	case len(raw) > 0 && raw[0] == '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err == nil
	case len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9'):
		return string(raw), true
	}
	return "", false
}

// decodeSelfCheckForm reads the form's fields as one record, so a typed
// figure is checked as a CSV cell is.
func (s *Server) decodeSelfCheckForm(form selfCheckForm) (selfCheckInput, error) {
	header := []string{"specialty", "procedure", "period", "unit_type", "unit_name", "cases", "events", "expected"}
	vals := []string{form.Specialty, form.Procedure, form.Period, form.UnitType, form.UnitName, form.Cases, form.Events,
		form.Expected}
	in := selfCheckInput{param: func(_ int, field string) string { return field }}
	res, err := ingest.DecodeRecords("form", header, [][]string{vals}, s.selfCheck)
	if err != nil {
		errs, err := rowErrors(err, header, func(_, _ int, field string) string { return field })
		if err != nil {
			return selfCheckInput{}, err
		}
		return selfCheckInput{}, invalidFigures(errs)
	}
	in.units = []selfCheckUnit{selfCheckUnitOf(res.Rows[0])}
	return in, nil
}

// sortedKeys returns m's keys in order, so errors come in the same order
// every time.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
