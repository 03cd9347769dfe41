package ingest

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/gocarina/gocsv"
)

// maxFieldBytes caps one value. No name, id or number is anywhere near it;
// a longer value is junk or an attack, and is reported, not stored.
const maxFieldBytes = 1024

// recordReader yields a CSV file's data rows as values indexed by column.
//
// encoding/csv splits records; gocsv maps each record's columns onto a
// struct. A mapping's columns are only known once the header is read, so
// the struct type is built then (reflect.StructOf), with one string field
// per column the mapping reads, tagged with the column's position. gocsv is
// given that position as the header ("c0", "c1", ...) rather than the
// publisher's text, which may hold commas, quotes or newlines that a struct
// tag cannot.
type recordReader struct {
	csv        *csv.Reader
	um         *gocsv.Unmarshaller
	fieldCol   []int // struct field i holds column fieldCol[i]
	lineOffset int   // add to the body reader's line numbers to get the file's
	vals       []string
}

// readHeader reads the header record from br, consuming exactly its lines,
// and returns it with the line it ends on.
func readHeader(br *bufio.Reader) ([]string, int, error) {
	// csv.NewReader keeps br as its buffer (bufio.NewReader returns a
	// *bufio.Reader that is large enough as it is), and reads whole lines,
	// so after one Read, br is positioned at the first data record.
	hr := csv.NewReader(br)
	hr.FieldsPerRecord = -1
	header, err := hr.Read()
	if err != nil {
		return nil, 0, err
	}
	// The last field may be quoted and span lines ("Unit\nname"): the
	// header ends on its last line, not the one it starts on.
	line, _ := hr.FieldPos(len(header) - 1)
	line += strings.Count(header[len(header)-1], "\n")
	return header, line, nil
}

// newRecordReader reads the data records that follow the header from br.
// columns lists the columns to decode; n is the header's width.
func newRecordReader(br *bufio.Reader, n, headerEnd int, columns []int) (*recordReader, error) {
	fields := make([]reflect.StructField, len(columns))
	names := make([]string, n)
	for i := range names {
		names[i] = "c" + strconv.Itoa(i)
	}
	for i, col := range columns {
		fields[i] = reflect.StructField{
			Name: "C" + strconv.Itoa(col),
			Type: reflect.TypeFor[string](),
			Tag:  reflect.StructTag(`csv:"` + names[col] + `"`),
		}
	}
	synthetic := strings.Join(names, ",") + "\n"
	cr := csv.NewReader(io.MultiReader(strings.NewReader(synthetic), br))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = n
	um, err := gocsv.NewUnmarshaller(cr, reflect.New(reflect.StructOf(fields)).Elem().Interface())
	if err != nil {
		return nil, fmt.Errorf("set up decoder: %w", err)
	}
	return &recordReader{csv: cr, um: um, fieldCol: columns, lineOffset: headerEnd - 1, vals: make([]string, n)}, nil
}

// next returns the next record's values (indexed by column; columns not
// read are ""), and its first line. It returns io.EOF at the end. A
// *RowError means that record is bad and reading may go on; any other
// error ends the file.
func (r *recordReader) next() ([]string, int, error) {
	v, err := r.um.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			re := &RowError{Line: pe.StartLine + r.lineOffset, Column: pe.Column, Err: pe.Err}
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				re.Column = 0
				re.Err = fmt.Errorf("row has a different number of fields from the header (%d)", len(r.vals))
			} else if pe.Line != pe.StartLine {
				// An unclosed quote: the record's first line is where to
				// look, not the end of the file where the parser gave up.
				re.Err = fmt.Errorf("%w (the record runs on to line %d, character %d)", pe.Err, pe.Line+r.lineOffset, pe.Column)
				re.Column = 0
			} else {
				re.Err = fmt.Errorf("%w (at character %d)", pe.Err, pe.Column)
				re.Column = 0
			}
			return nil, 0, re
		}
		return nil, 0, err
	}
	sv := reflect.ValueOf(v)
	for i, col := range r.fieldCol {
		r.vals[col] = sv.Field(i).String()
	}
	line, _ := r.csv.FieldPos(0)
	return r.vals, line + r.lineOffset, nil
}
