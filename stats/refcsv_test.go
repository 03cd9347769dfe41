package stats

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"testing"
)

// readRefCSV reads a reference file written by one of testdata's R
// scripts: lines starting with '#' are its header comment, the first
// other line names the columns and must be want, and row is called with
// each record in file order.
func readRefCSV(t *testing.T, path string, want []string, row func(refRecord)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comment = '#'
	header, err := cr.Read()
	if err != nil {
		t.Fatalf("%s: header: %v", path, err)
	}
	if fmt.Sprint(header) != fmt.Sprint(want) {
		t.Fatalf("%s: header = %v, want %v", path, header, want)
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		line, _ := cr.FieldPos(0)
		row(refRecord{t: t, path: path, columns: want, line: line, fields: rec})
	}
}

// refRecord is one record of a reference file, whose fields parse as
// numbers: an empty field is NaN (−1 for a count), as R writes NA; a
// field that does not parse fails the test, naming file, line and column.
type refRecord struct {
	t       *testing.T
	path    string
	columns []string
	line    int
	fields  []string
}

// text is field j as written.
func (r refRecord) text(j int) string { return r.fields[j] }

// float is field j as a number, NaN when empty; "Inf" is +Inf.
func (r refRecord) float(j int) float64 {
	if r.fields[j] == "" {
		return math.NaN()
	}
	v, err := strconv.ParseFloat(r.fields[j], 64)
	if err != nil {
		r.t.Fatalf("%s:%d: column %s: %v", r.path, r.line, r.columns[j], err)
	}
	return v
}

// count is field j as a whole number, −1 when empty.
func (r refRecord) count(j int) int {
	if r.fields[j] == "" {
		return -1
	}
	v := r.float(j)
	if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
		r.t.Fatalf("%s:%d: column %s: %q is not a whole number", r.path, r.line, r.columns[j], r.fields[j])
	}
	return int(v)
}
