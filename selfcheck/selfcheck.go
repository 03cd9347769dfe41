package selfcheck

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// MaxUnits bounds one self-check: a hospital checks its own units, not a
// release.
const MaxUnits = 1000

// FieldError names one bad field of the submission and what is wrong
// with it, in ingest's words.
type FieldError struct {
	// Param names the field: units[i].field (a JSON list), "line L,
	// column C: field" (CSV), field (one unit, or a form), or body.
	Param   string
	Message string
}

// Error is a refused submission: its text, and each bad field. It holds
// nothing internal and nothing submitted beyond what ingest quotes, so it
// may be shown to the client as is.
type Error struct {
	Detail string
	Errors []FieldError
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Detail)
	for _, fe := range e.Errors {
		fmt.Fprintf(&b, "; %s: %s", fe.Param, fe.Message)
	}
	return b.String()
}

// Invalid is the error for fields that failed a check: nothing was placed.
func Invalid(errs []FieldError) *Error {
	return &Error{Detail: "some figures are invalid; nothing was placed", Errors: errs}
}

func badRequest(param, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Detail: msg, Errors: []FieldError{{Param: param, Message: msg}}}
}

// Input is what a self-check submitted: its units, decoded and checked,
// and how to name a field of one of them in an error.
type Input struct {
	// Units are canonical rows that passed ingest's checks, unit type
	// defaulted to hospital.
	Units []outcome.Row
	// Param names field of Units[i] as FieldError.Param does.
	Param func(i int, field string) string
}

// Reader reads self-check submissions through ingest's self-check mapping.
type Reader struct {
	mapping *ingest.Mapping
}

// NewReader returns a Reader using ingest.SelfCheckMapping.
func NewReader() (*Reader, error) {
	m, err := ingest.SelfCheckMapping()
	if err != nil {
		return nil, fmt.Errorf("selfcheck: %w", err)
	}
	return &Reader{mapping: m}, nil
}

// rowErrors turns ingest's refusal into field errors, each named by param
// from the problem's line, column and field, in ingest's words. header
// names the columns, for problems with a column but no field (an unknown
// column); it may be nil.
func rowErrors(err error, header []string, param func(line, column int, field string) string) ([]FieldError, error) {
	var ie *ingest.InputError
	if !errors.As(err, &ie) {
		return nil, err
	}
	list := []error{errors.Unwrap(ie)}
	if j, ok := list[0].(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	}
	var out []FieldError
	for _, e := range list {
		var re *ingest.RowError
		if !errors.As(e, &re) {
			out = append(out, FieldError{Param: param(0, 0, ""), Message: e.Error()}) // "N more problems not shown"
			continue
		}
		field := re.Field
		if field == "" && re.Column > 0 && re.Column <= len(header) {
			field = header[re.Column-1]
		}
		out = append(out, FieldError{Param: param(re.Line, re.Column, field), Message: re.Err.Error()})
	}
	return out, nil
}

// CSV reads canonical CSV (DESIGN.md § Canonical CSV) as ingest.Decode
// does; errors name the line and column, as ingest does. A refused body
// is an *Error.
func (s *Reader) CSV(body []byte) (Input, error) {
	res, err := ingest.Decode("body", bytes.NewReader(body), s.mapping)
	if err != nil {
		errs, err := rowErrors(err, nil, CSVParam)
		if err != nil {
			return Input{}, err
		}
		return Input{}, Invalid(errs)
	}
	if len(res.Rows) > MaxUnits {
		return Input{}, badRequest("body", "at most %d units at once", MaxUnits)
	}
	in := Input{Param: func(i int, field string) string {
		return CSVParam(res.Rows[i].Line, res.Columns[field], field)
	}}
	in.Units = append(in.Units, res.Rows...)
	return in, nil
}

// CSVParam names a place in a CSV body: "line 3, column 2: cases" (line 0:
// the whole body). The monitoring upload (package monitor) names its
// problems by it too.
func CSVParam(line, column int, field string) string {
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

// JSON reads one unit or {"units": [...]}. Each unit
// becomes one record of the self-check mapping's columns, as a CSV row
// would be, and goes through the same checks: a string or a number is a
// cell ("1,000" and 1000 alike), null a missing one, and a member that is
// not a column is refused, as an unknown column is.
func (s *Reader) JSON(body []byte) (Input, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimSpace(body), &top); err != nil {
		return Input{}, badRequest("body", "not a JSON object: %s", jsonProblem(err))
	}
	if top == nil {
		return Input{}, badRequest("body", "not a JSON object")
	}
	raws, list := []json.RawMessage{bytes.TrimSpace(body)}, false
	if units, ok := top["units"]; ok {
		list = true
		var errs []FieldError
		for _, k := range slices.Sorted(maps.Keys(top)) { // errors in the same order every time
			if k != "units" {
				errs = append(errs, FieldError{Param: k, Message: "unknown field"})
			}
		}
		if len(errs) > 0 {
			return Input{}, Invalid(errs)
		}
		raws = nil
		if err := json.Unmarshal(units, &raws); err != nil {
			return Input{}, badRequest("units", "must be a list of units")
		}
		switch {
		case len(raws) == 0:
			return Input{}, badRequest("units", "give at least one unit")
		case len(raws) > MaxUnits:
			return Input{}, badRequest("units", "at most %d units at once", MaxUnits)
		}
	}
	in := Input{Param: func(i int, field string) string {
		if !list {
			return cmp.Or(field, "body")
		}
		if field == "" {
			return fmt.Sprintf("units[%d]", i)
		}
		return fmt.Sprintf("units[%d].%s", i, field)
	}}
	var errs []FieldError
	for i, raw := range raws {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			errs = append(errs, FieldError{Param: in.Param(i, ""), Message: "must be a JSON object"})
			continue
		}
		header, vals, typeErrs := s.jsonRecord(obj)
		for _, f := range typeErrs {
			errs = append(errs, FieldError{Param: in.Param(i, f), Message: "must be a string, a number or null"})
		}
		if len(typeErrs) > 0 {
			continue
		}
		res, err := ingest.DecodeRecords("body", header, [][]string{vals}, s.mapping)
		if err != nil {
			fieldErrs, err := rowErrors(err, header, func(_, _ int, field string) string { return in.Param(i, field) })
			if err != nil {
				return Input{}, err
			}
			errs = append(errs, fieldErrs...)
			continue
		}
		in.Units = append(in.Units, res.Rows[0])
	}
	if len(errs) > 0 {
		return Input{}, Invalid(errs)
	}
	return in, nil
}

// jsonRecord is a JSON unit as a record: the self-check mapping's columns,
// then any member that is not one, for ingest to refuse by name. It also
// returns the members whose values are neither a string, a number nor
// null.
func (s *Reader) jsonRecord(obj map[string]json.RawMessage) (header, vals []string, typeErrs []string) {
	header = s.mapping.Header()
	vals = make([]string, len(header))
	for _, k := range slices.Sorted(maps.Keys(obj)) {
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

// Fields reads one unit given as named fields (a form's), so a typed
// figure is checked as a CSV cell is; errors name the field.
func (s *Reader) Fields(header, vals []string) (Input, error) {
	in := Input{Param: func(_ int, field string) string { return field }}
	res, err := ingest.DecodeRecords("form", header, [][]string{vals}, s.mapping)
	if err != nil {
		errs, err := rowErrors(err, header, func(_, _ int, field string) string { return field })
		if err != nil {
			return Input{}, err
		}
		return Input{}, Invalid(errs)
	}
	in.Units = []outcome.Row{res.Rows[0]}
	return in, nil
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
