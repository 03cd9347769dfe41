// Package monitor reads a hospital's own patient-level file for running
// monitoring — one row per operation, in date order, with its outcome and
// its predicted risk — and runs the RA-CUSUM and VLAD charts of
// stats.Monitor over it: the whole hospital, and each surgeon when the file
// names them. It does no I/O and keeps nothing: answering is the api's and
// the site's. A refused file is a *selfcheck.Error whose problems each name
// the line, column and field, as the self-check's CSV problems do.
package monitor

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/selfcheck"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// Bounds on one file. The server's body limit (1 MB) holds about 50,000
// of the shortest rows; a busy cardiac unit does a few thousand operations
// a year.
const (
	// MaxOperations bounds the rows of one file.
	MaxOperations = 50_000
	// MaxSurgeons bounds the surgeons of one file, each a chart.
	MaxSurgeons = 200
	// maxSurgeonID bounds a surgeon_id's length, in bytes.
	maxSurgeonID = 64
)

// Columns are the file's columns: the three required, then surgeon_id,
// optional.
var Columns = []string{"date", "died", "risk", "surgeon_id"}

// Operation is one row of the file.
type Operation struct {
	// Line is the row's line in the file, for naming it.
	Line int
	// Date is the operation's date, YYYY-MM-DD.
	Date string
	stats.Operation
	// Surgeon is the row's surgeon_id, or "" when the file has none.
	Surgeon string
}

// Input is a file that passed every check.
type Input struct {
	Operations []Operation
	// BySurgeon says the file had a surgeon_id column.
	BySurgeon bool
}

// problems collects the file's problems, up to ingest's cap, and counts
// the rest.
type problems struct {
	list  []selfcheck.FieldError
	total int
}

func (p *problems) add(line, column int, field, format string, args ...any) {
	p.total++
	if len(p.list) < ingest.DefaultMaxErrors {
		p.list = append(p.list, selfcheck.FieldError{Param: selfcheck.CSVParam(line, column, field),
			Message: fmt.Sprintf(format, args...)})
	}
}

func (p *problems) err() error {
	if p.total == 0 {
		return nil
	}
	list := p.list
	if more := p.total - len(p.list); more > 0 {
		list = append(list, selfcheck.FieldError{Param: "body",
			Message: fmt.Sprintf("%d more problems not shown (%d in all)", more, p.total)})
	}
	return &selfcheck.Error{Detail: "the file has problems; nothing was charted", Errors: list}
}

// refuse is a problem with the whole file.
func refuse(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &selfcheck.Error{Detail: msg, Errors: []selfcheck.FieldError{{Param: "body", Message: msg}}}
}

// Read reads and checks a file: a header naming date, died and risk, in
// any order, and optionally surgeon_id; then one row per operation, dates
// YYYY-MM-DD never going back, died 0 or 1, risk a probability strictly
// between 0 and 1. A UTF-8 byte-order mark and CRLF line ends are
// accepted. Every problem found is listed (up to ingest.DefaultMaxErrors,
// then a count), each naming its line, column and field; a submitted value
// is quoted only where it is the problem.
func Read(body []byte) (Input, error) {
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	if len(bytes.TrimSpace(body)) == 0 {
		return Input{}, refuse("the file is empty: give a header line %s and one row per operation", strings.Join(Columns[:3], ","))
	}
	cr := csv.NewReader(bytes.NewReader(body))
	cr.FieldsPerRecord = -1 // checked here, in our words
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return Input{}, csvError(err)
	}
	header = slices.Clone(header) // ReuseRecord: the next Read overwrites it
	col, err := readHeader(header)
	if err != nil {
		return Input{}, err
	}
	in := Input{BySurgeon: col["surgeon_id"] >= 0}
	var p problems
	prevDate, prevLine := "", 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && !errors.Is(err, csv.ErrFieldCount) {
				p.add(pe.Line, pe.Column, "", "%s", pe.Err)
				return Input{}, p.err() // the rest of the file cannot be read reliably
			}
			return Input{}, err
		}
		line, _ := cr.FieldPos(0)
		if len(in.Operations) == MaxOperations {
			return Input{}, refuse("more than %d operations: send at most %d rows at once (a year or a few at a time)", MaxOperations, MaxOperations)
		}
		if len(rec) != len(header) {
			p.add(line, 0, "", "has %d fields, the header has %d", len(rec), len(header))
			continue
		}
		field := func(name string) (string, int) {
			i := col[name]
			return strings.TrimSpace(rec[i]), i + 1
		}
		op := Operation{Line: line}
		ok := true
		if v, c := field("date"); !isDate(v) {
			p.add(line, c, "date", "%s", dateProblem(v))
			ok = false
		} else {
			op.Date = v
			if v < prevDate {
				p.add(line, c, "date", "dates out of order: %s is before %s on line %d; sort the rows by date", v, prevDate, prevLine)
			}
			prevDate, prevLine = v, line
		}
		switch v, c := field("died"); v {
		case "0":
		case "1":
			op.Died = true
		default:
			p.add(line, c, "died", "must be 0 (survived) or 1 (died), not %q", clip(v))
			ok = false
		}
		v, c := field("risk")
		op.Risk, err = strconv.ParseFloat(v, 64)
		if msg := riskProblem(v, op.Risk, err); msg != "" {
			p.add(line, c, "risk", "%s", msg)
			ok = false
		}
		if in.BySurgeon {
			v, c := field("surgeon_id")
			switch {
			case v == "":
				p.add(line, c, "surgeon_id", "is empty: give the surgeon's id, or leave the column out for the hospital alone")
				ok = false
			case len(v) > maxSurgeonID:
				p.add(line, c, "surgeon_id", "is longer than %d characters", maxSurgeonID)
				ok = false
			case !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0:
				p.add(line, c, "surgeon_id", "holds a control character or bytes that are not UTF-8")
				ok = false
			}
			op.Surgeon = v
		}
		if ok {
			in.Operations = append(in.Operations, op)
		}
	}
	if err := p.err(); err != nil {
		return Input{}, err
	}
	if len(in.Operations) == 0 {
		return Input{}, refuse("the file has a header but no operations: give one row per operation")
	}
	if n := len(surgeons(in.Operations)); n > MaxSurgeons {
		return Input{}, refuse("%d surgeons: at most %d in one file", n, MaxSurgeons)
	}
	return in, nil
}

// readHeader maps each column's name to its index (−1: absent), refusing
// a missing, unknown or repeated column.
func readHeader(header []string) (map[string]int, error) {
	col := map[string]int{}
	for _, c := range Columns {
		col[c] = -1
	}
	var p problems
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch at, known := col[name]; {
		case !known:
			p.add(1, i+1, "", "unknown column %q: the columns are %s, and optionally %s", clip(h), strings.Join(Columns[:3], ", "), Columns[3])
		case at >= 0:
			p.add(1, i+1, name, "column %s given twice (also column %d)", name, at+1)
		default:
			col[name] = i
		}
	}
	for _, c := range Columns[:3] {
		if col[c] < 0 {
			p.add(1, 0, "", "missing column %s: the header must name %s (and optionally %s)", c, strings.Join(Columns[:3], ", "), Columns[3])
		}
	}
	return col, p.err()
}

// csvError is a header that CSV cannot read.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		var p problems
		p.add(pe.Line, pe.Column, "", "%s", pe.Err)
		return p.err()
	}
	return fmt.Errorf("monitor: read header: %w", err)
}

// isDate reports whether v is a real day written YYYY-MM-DD.
func isDate(v string) bool {
	if len(v) != len(time.DateOnly) {
		return false
	}
	_, err := time.Parse(time.DateOnly, v)
	return err == nil
}

func dateProblem(v string) string {
	if v == "" {
		return "is empty: give the operation's date as YYYY-MM-DD"
	}
	return fmt.Sprintf("%q is not a date written YYYY-MM-DD (for example 2025-03-31)", clip(v))
}

// riskProblem says what is wrong with a risk cell, or "".
func riskProblem(v string, p float64, err error) string {
	switch {
	case v == "":
		return "is empty: give the risk model's predicted risk of death, between 0 and 1"
	case err != nil || math.IsNaN(p) || math.IsInf(p, 0):
		return fmt.Sprintf("%q is not a number", clip(v))
	case p >= 1 && p < 100:
		return fmt.Sprintf("%s is not between 0 and 1: give the risk as a probability (%s%% is %s)", v, v,
			strconv.FormatFloat(p/100, 'g', -1, 64))
	case !(p > 0 && p < 1):
		return fmt.Sprintf("%s is not between 0 and 1 (a predicted risk of exactly 0 or 1 cannot be charted)", clip(v))
	}
	return ""
}

// clip keeps a quoted value short: a problem names what was wrong, not the
// whole submission.
func clip(v string) string {
	if len(v) <= 40 {
		return v
	}
	r := []rune(v)
	if len(r) <= 40 {
		return v
	}
	return string(r[:40]) + "…"
}

// surgeons lists the surgeons in the order they first operate.
func surgeons(ops []Operation) []string {
	var out []string
	seen := map[string]bool{}
	for _, op := range ops {
		if op.Surgeon != "" && !seen[op.Surgeon] {
			seen[op.Surgeon] = true
			out = append(out, op.Surgeon)
		}
	}
	return out
}
