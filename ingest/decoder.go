package ingest

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/store"
)

// Decoded is what [Decode] or [DecodeRecords] read from one input.
type Decoded struct {
	// Rows are the canonical rows, in input order (File is 1).
	Rows []outcome.Row
	// National holds the publisher's national figures that the mapping
	// reads, one per group, in group order.
	National []outcome.NationalRate
	// Columns gives the 1-based column each field is read from, for the
	// fields the input has a column for (the first [[rows]] entry's, for a
	// wide mapping).
	Columns map[string]int
	// Summary says what was read; Summary.Rows counts the rows read (len(Rows)
	// for Decode).
	Summary FileSummary
}

// Decode reads one CSV file through m and returns its canonical rows. It
// needs no database, and applies every check that [Load] applies but the
// database's own: the encoding (sniffed as Load sniffs it), the header,
// every value and row, and the checks across rows (duplicate keys, groups
// that mix crude and risk-adjusted rows, national figures). If anything is
// wrong it returns an *InputError listing up to DefaultMaxErrors problems,
// each a *RowError naming name, line and column in the words Load uses.
//
// Decode holds the whole input and its rows in memory; Load, which shares
// its checks, streams.
func Decode(name string, r io.Reader, m *Mapping) (Decoded, error) {
	return decode(name, r, m, DefaultMaxErrors, keepRows)
}

// DecodeRecords is [Decode] for records already split into values, such as
// the objects of a JSON body: header names the columns as a CSV file's
// first line would, and each record holds one value per column. Record i
// is numbered line i+2, where it would be in a CSV file with the header on
// line 1. Every record is a row, even one whose values are all empty, which
// in a CSV file would be a blank line and skipped.
func DecodeRecords(name string, header []string, records [][]string, m *Mapping) (Decoded, error) {
	d := newDecoder(m, []string{name}, DefaultMaxErrors)
	var out Decoded
	d.flush = func(b []outcome.Row) ([]outcome.Row, error) {
		out.Rows = append(out.Rows, b...)
		return b[:0], nil
	}
	fs := FileSummary{Name: name, SkipReasons: map[string]int{}}
	if p := d.plan(name, header); p != nil {
		src := &recordSlice{records: records, vals: make([]string, len(header))}
		if _, err := decodeBody(name, p, src, 1, false, d.handler(1, name, &fs, nil)); err != nil {
			return Decoded{}, fmt.Errorf("ingest: %w", err)
		}
	}
	return d.decoded(&out, fs)
}

// DecodeEach is [Decode] handing the rows to fn as they are read and
// checked, a batch at a time, instead of keeping them: the batch is reused
// once fn returns, and the Decoded it returns has no Rows. The rows are
// only known to be good when DecodeEach returns nil, as the checks across
// rows (duplicate keys, groups, national figures) end with the input; a
// caller must not publish what it made of them before then. An error from
// fn stops the decoding and is returned.
func DecodeEach(name string, r io.Reader, m *Mapping, fn func(batch []outcome.Row) error) (Decoded, error) {
	return decode(name, r, m, DefaultMaxErrors, func(data []byte, d *decoder, out *Decoded) {
		d.flush = func(b []outcome.Row) ([]outcome.Row, error) {
			return b[:0], fn(b)
		}
	})
}

// decode is Decode with a cap on the problems listed; keep sets the
// decoder's flush, which keeps or hands on the rows.
func decode(name string, r io.Reader, m *Mapping, maxErrors int, keep func(data []byte, d *decoder, out *Decoded)) (Decoded, error) {
	data, err := readAll(r)
	if err != nil {
		return Decoded{}, fmt.Errorf("ingest: read %s: %w", name, err)
	}
	info, err := sniff(name, bytes.NewReader(data), io.Discard)
	if err != nil {
		var re *RowError
		if errors.As(err, &re) {
			return Decoded{}, &InputError{Total: 1, err: re}
		}
		return Decoded{}, fmt.Errorf("ingest: %w", err)
	}
	d := newDecoder(m, []string{name}, maxErrors)
	if d.keys != nil {
		d.keys = make(map[rowKey]rowAt, bytes.Count(data, []byte{'\n'})+1)
	}
	var out Decoded
	keep(data, d, &out)
	fs, _, err := d.file(1, name, bytes.NewReader(data), info.encoding, nil)
	if err != nil {
		return Decoded{}, fmt.Errorf("ingest: %w", err)
	}
	return d.decoded(&out, fs)
}

// readAll reads r whole, into one buffer of the right size when r can say
// how long it is (a file, a bytes.Reader), rather than growing one step by
// step.
func readAll(r io.Reader) ([]byte, error) {
	size := 0
	switch s := r.(type) {
	case interface{ Len() int }:
		size = s.Len()
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := s.Stat(); err == nil && fi.Mode().IsRegular() {
			size = int(fi.Size())
		}
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// keepRows makes a decoder keep its rows in out.Rows.
func keepRows(data []byte, d *decoder, out *Decoded) {
	// A row a line at most (a wide mapping's several rows a line grow it):
	// growing a slice of 100,000 rows step by step cost a third of the
	// decoding.
	out.Rows = make([]outcome.Row, 0, bytes.Count(data, []byte{'\n'})+1)
	d.flush = func(b []outcome.Row) ([]outcome.Row, error) {
		out.Rows = append(out.Rows, b...)
		return b[:0], nil
	}
}

// decoded finishes a decoder whose flush keeps the rows in out.Rows.
func (d *decoder) decoded(out *Decoded, fs FileSummary) (Decoded, error) {
	if err := d.end(); err != nil {
		return Decoded{}, fmt.Errorf("ingest: %w", err)
	}
	d.finish()
	if err := d.probs.err(d.files); err != nil {
		return Decoded{}, err
	}
	for _, g := range sortedGroups(d.national) {
		out.National = append(out.National, d.national[g].NationalRate)
	}
	out.Columns = d.columns
	out.Summary = fs
	return *out, nil
}

// decoder applies every check that needs no database to the rows of one or
// more files: each value and row (rowReader), and the checks across rows
// (national figures, groups that mix crude and risk-adjusted rows and, when
// keys is set, duplicate keys). It hands good rows to flush in batches of
// about store.BatchSize: Load's flush stores them, Decode's keeps them. It
// holds one batch of rows and one entry per group, never the file, so
// memory does not grow with the input (but for keys).
type decoder struct {
	m        *Mapping
	files    []string // names, by ordinal - 1
	probs    *problems
	national map[outcome.Group]nationalSeen
	groups   map[outcome.Group]*groupSeen
	// keys holds each row's key and where it is, to find duplicates; nil
	// when the caller finds them: Load leaves them to the store's unique
	// key, which needs no memory.
	keys    map[rowKey]rowAt
	batch   []outcome.Row
	flush   func(batch []outcome.Row) ([]outcome.Row, error)
	rows    int            // rows handed on
	columns map[string]int // fields' columns in the last header read

	// identical holds the key (plan.recordKey) of every record read, to
	// leave out records identical to an earlier one, in any file; nil
	// unless the mapping says duplicates = "drop-identical".
	identical map[[16]byte]struct{}
	// units holds where each unit's row is, in a release of the
	// publisher's figures only, whose units are one row each: the
	// publisher's rates cannot be summed as counts are. nil otherwise.
	units map[rowKey]rowAt
}

// rowKey is the canonical key (DESIGN.md § Canonical CSV).
type rowKey struct {
	specialty, procedure, period string
	unitType                     outcome.UnitType
	unitID, hospitalID           string
}

// rowAt is where a row is: file ordinal and line.
type rowAt struct{ file, line int }

func newDecoder(m *Mapping, files []string, maxErrors int) *decoder {
	d := &decoder{m: m, files: files, probs: &problems{max: maxErrors},
		national: map[outcome.Group]nationalSeen{}, groups: map[outcome.Group]*groupSeen{}}
	if !m.selfCheck {
		d.keys = map[rowKey]rowAt{}
	}
	if m.Duplicates == duplicatesDropIdentical {
		d.identical = map[[16]byte]struct{}{}
	}
	if m.PublishedOnly() {
		d.units = map[rowKey]rowAt{}
	}
	return d
}

func (d *decoder) fail(err error) { d.probs.add(err) }

// file reads one input file, in the sniffed encoding or the one the mapping
// forces (see textFor), as file ordinal. It returns what it read and how
// many data rows; its error is for failures that are not the input's
// fault. progress, if set, is called every 4,096 data rows.
func (d *decoder) file(ordinal int, name string, r io.Reader, encoding string, progress func(records int)) (FileSummary, int, error) {
	fs := FileSummary{Name: name, Encoding: encoding, SkipReasons: map[string]int{}}
	text, err := textFor(r, encoding, d.m.Encoding, func(re *RowError) {
		re.File = name
		d.fail(re)
	})
	if err != nil {
		var re *RowError
		if errors.As(err, &re) {
			re.File = name
		}
		d.fail(err)
		return fs, 0, nil
	}
	br := bufio.NewReaderSize(text, 64<<10)
	header, headerEnd, err := readHeader(br)
	if err != nil {
		d.fail(readError(name, 1, err))
		return fs, 0, nil
	}
	p := d.plan(name, header)
	if p == nil {
		return fs, 0, nil
	}
	rd, err := newRecordReader(br, len(header), headerEnd, p.readColumns())
	if err != nil {
		return fs, 0, err
	}
	records, err := decodeBody(name, p, rd, headerEnd, true, d.handler(ordinal, name, &fs, progress))
	fs.Encoding, fs.Windows1252Records = text.Encoding()
	return fs, records, err
}

// plan matches the mapping to a header, reporting what is wrong with it.
func (d *decoder) plan(name string, header []string) *plan {
	p, errs := newPlan(d.m, name, header)
	for _, err := range errs {
		d.fail(err)
	}
	if p != nil {
		d.columns = map[string]int{}
		for f, c := range p.variants[0].col {
			d.columns[f] = c + 1
		}
	}
	return p
}

// handler passes a file's rows and problems to the decoder.
func (d *decoder) handler(ordinal int, name string, fs *FileSummary, progress func(int)) decodeHandler {
	return decodeHandler{
		problem: d.fail,
		results: func(results []rowResult) error {
			for _, res := range results {
				d.add(ordinal, name, res, fs)
			}
			if len(d.batch) < store.BatchSize {
				return nil
			}
			var err error
			d.batch, err = d.flush(d.batch)
			return err
		},
		progress:  progress,
		identical: d.seen(),
	}
}

// seen returns, when the decoder leaves out identical records, the
// function that reports whether a record's key was read before and notes
// it; else nil.
func (d *decoder) seen() func(key [16]byte) bool {
	if d.identical == nil {
		return nil
	}
	return func(key [16]byte) bool {
		if _, ok := d.identical[key]; ok {
			return true
		}
		d.identical[key] = struct{}{}
		return false
	}
}

// end hands on the last batch.
func (d *decoder) end() error {
	if len(d.batch) == 0 {
		return nil
	}
	var err error
	d.batch, err = d.flush(d.batch)
	return err
}

// add takes one canonical row, or records it as national or skipped.
func (d *decoder) add(ordinal int, name string, res rowResult, fs *FileSummary) {
	if n := res.national; n != nil {
		n.File = ordinal
		d.addNational(name, *n, res.skip == "national")
	}
	if res.skip != "" {
		fs.Skipped++
		fs.SkipReasons[res.skip]++
		if res.failed != nil {
			fs.Failed++
			if len(fs.FailedRows) < MaxListedFailed {
				fs.FailedRows = append(fs.FailedRows, res.failed)
			}
		}
		return
	}
	r := res.row
	r.File = ordinal
	if d.m.selfCheck {
		// A self-check's rows are separate submissions, not a release:
		// they have no key (their ids are optional) and form no groups.
		d.keep(r, fs)
		return
	}
	d.track(r)
	if d.keys != nil {
		k := rowKey{r.Specialty, r.Procedure, r.Period, r.UnitType, r.UnitID, r.HospitalID}
		if at, dup := d.keys[k]; dup {
			d.fail(duplicateKeyError(d.files, r, at.file, at.line))
			return // as the store keeps the first
		}
		d.keys[k] = rowAt{r.File, r.Line}
	}
	if d.units != nil {
		k := rowKey{r.Specialty, r.Procedure, r.Period, r.UnitType, r.UnitID, ""}
		if at, dup := d.units[k]; dup {
			d.fail(&RowError{File: d.files[r.File-1], Line: r.Line, Err: fmt.Errorf(
				"%s %q has a second row for %s %s %s (the first is %s:%d): the publisher's figures for one unit cannot be summed (figures = \"published\")",
				r.UnitType, r.UnitID, r.Specialty, r.Procedure, r.Period, d.files[at.file-1], at.line)})
			return
		}
		d.units[k] = rowAt{r.File, r.Line}
	}
	d.keep(r, fs)
}

func (d *decoder) keep(r outcome.Row, fs *FileSummary) {
	d.rows++
	fs.Rows++
	d.batch = append(d.batch, r)
}

// duplicateKeyError reports that row r has the key of the row at line of
// file ordinal file.
func duplicateKeyError(files []string, r outcome.Row, file, line int) error {
	where := fmt.Sprintf("line %d", line)
	if file != r.File {
		where = fmt.Sprintf("%s:%d", files[file-1], line)
	}
	return &RowError{File: files[r.File-1], Line: r.Line, Err: fmt.Errorf(
		"duplicate key (specialty %q, procedure %q, period %q, unit_type %q, unit_id %q, hospital_id %q): already on %s",
		r.Specialty, r.Procedure, r.Period, r.UnitType, r.UnitID, r.HospitalID, where)}
}

// track notes a row's group, for the checks that need every row.
func (d *decoder) track(r outcome.Row) {
	g := r.Group()
	seen, ok := d.groups[g]
	if !ok {
		d.groups[g] = &groupSeen{first: r, hasExpected: riskAdjusted(&r)}
		return
	}
	if !seen.mixed && riskAdjusted(&r) != seen.hasExpected {
		seen.mixed = true
		seen.mixedAt = r
	}
}

// riskAdjusted reports whether a row is risk-adjusted data: it has an
// expected count, or would have, had its expected deaths been recoverable
// (Row.NotAssessable), so that it does not make its group mixed.
func riskAdjusted(r *outcome.Row) bool { return r.Expected.Valid || r.NotAssessable }

// addNational records a group's national counts. A group may have one
// national row; counts repeated on every row must agree.
func (d *decoder) addNational(name string, n outcome.NationalRate, fromRow bool) {
	g := n.Group()
	seen, ok := d.national[g]
	if !ok {
		d.national[g] = nationalSeen{NationalRate: n, fromRow: fromRow}
		return
	}
	first := fmt.Sprintf("%s:%d", d.files[seen.File-1], seen.Line)
	switch {
	case fromRow:
		d.fail(&RowError{File: name, Line: n.Line, Err: fmt.Errorf(
			"second national row for %s %s %s (the first is %s)", g.Specialty, g.Procedure, g.Period, first)})
	case seen.Cases != n.Cases || seen.Events != n.Events:
		d.fail(&RowError{File: name, Line: n.Line, Err: fmt.Errorf(
			"national counts for %s %s %s are %d events in %d cases here but %d in %d on %s",
			g.Specialty, g.Procedure, g.Period, n.Events, n.Cases, seen.Events, seen.Cases, first)})
	case seen.Rate != n.Rate:
		d.fail(&RowError{File: name, Line: n.Line, Err: fmt.Errorf(
			"national rate for %s %s %s is %s here but %s on %s",
			g.Specialty, g.Procedure, g.Period, rateWords(n.Rate), rateWords(seen.Rate), first)})
	}
}

// rateWords is a national rate as a message gives it: a percent, on the
// decimals it was printed with.
func rateWords(r sql.Null[float64]) string {
	if !r.Valid {
		return "not given"
	}
	return strconv.FormatFloat(outcome.MulDecimal(r.V, 1, 2), 'g', -1, 64) + "%"
}

// finish runs the checks that need every row: a group must not mix crude
// and risk-adjusted rows, where the target is national every group must
// have national counts, and something must be left to load.
func (d *decoder) finish() {
	for _, g := range sortedGroups(d.groups) {
		seen := d.groups[g]
		if seen.mixed {
			r := seen.mixedAt
			d.fail(&RowError{File: d.files[r.File-1], Line: r.Line, Err: fmt.Errorf(
				"group %s %s %s mixes rows with and without expected counts (line %d of %s %s): either every row is risk-adjusted or none is",
				g.Specialty, g.Procedure, g.Period, seen.first.Line, d.files[seen.first.File-1], have(seen.hasExpected))})
		}
		if _, ok := d.national[g]; d.m.Method.Target == outcome.TargetNational && !ok {
			r := seen.first
			d.fail(&RowError{File: d.files[r.File-1], Line: r.Line, Err: fmt.Errorf(
				"group %s %s %s has no national figures to give its target", g.Specialty, g.Procedure, g.Period)})
		}
	}
	if d.rows == 0 && d.probs.total == 0 {
		d.fail(fmt.Errorf("%s: no rows to load: every row was skipped", d.files[0]))
	}
}

// decodeHandler receives what decodeBody finds.
type decodeHandler struct {
	// problem receives each problem with the input.
	problem func(error)
	// results receives the canonical rows of each input row that has no
	// problem; an error from it stops reading and is returned.
	results func([]rowResult) error
	// progress, if set, is called every 4,096 data rows.
	progress func(records int)
	// identical, if set, reports whether a record with this key was read
	// before (rowReader.identical).
	identical func(key [16]byte) bool
}

// recordSource yields data records: values indexed by column, and the
// line each starts on. io.EOF ends it; a *RowError is a bad record, after
// which reading may go on; any other error ends the input.
type recordSource interface {
	next() ([]string, int, error)
}

// recordSlice is a recordSource over records already split into values:
// record i is on line i+2.
type recordSlice struct {
	records [][]string
	i       int
	vals    []string // one per header column
}

func (s *recordSlice) next() ([]string, int, error) {
	if s.i == len(s.records) {
		return nil, 0, io.EOF
	}
	rec := s.records[s.i]
	s.i++
	line := s.i + 1
	if len(rec) != len(s.vals) {
		return nil, 0, &RowError{Line: line, Err: fmt.Errorf("row has a different number of fields from the header (%d)", len(s.vals))}
	}
	copy(s.vals, rec) // convert may clear a value it finds too long
	return s.vals, line, nil
}

// decodeBody reads the data records that follow a header (ending on line
// headerEnd) through plan p. Records that are blank, a line of bare commas
// as spreadsheets leave, are skipped when skipBlank is set. It returns how
// many data rows it read; its error is for failures that are not the
// input's fault.
func decodeBody(name string, p *plan, src recordSource, headerEnd int, skipBlank bool, h decodeHandler) (int, error) {
	rr := &rowReader{p: p, file: name, identical: h.identical}
	records, lastLine := 0, headerEnd
	for {
		vals, line, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var re *RowError
			if errors.As(err, &re) {
				re.File = name
				h.problem(re)
				records++
				continue
			}
			h.problem(readError(name, lastLine+1, err))
			break
		}
		lastLine = line
		if skipBlank && p.blank(vals) {
			continue
		}
		records++
		results := rr.convert(vals, line)
		if len(rr.errs) > 0 {
			for _, e := range rr.errs {
				h.problem(e)
			}
		} else if err := h.results(results); err != nil {
			return records, err
		}
		if h.progress != nil && records%4096 == 0 {
			h.progress(records)
		}
	}
	if records == 0 {
		h.problem(&RowError{File: name, Line: headerEnd + 1, Err: errors.New("no data rows after the header")})
	}
	return records, nil
}

// readError turns an error from reading a file into a problem with it.
func readError(name string, line int, err error) error {
	var pe *csv.ParseError
	var tl *recordTooLongError
	switch {
	case err == io.EOF:
		return &RowError{File: name, Line: 1, Err: errors.New("empty file: no header row")}
	case errors.As(err, &pe) && pe.Line != pe.StartLine:
		return &RowError{File: name, Line: pe.StartLine, Err: fmt.Errorf("%w (the record runs on to line %d, character %d)", pe.Err, pe.Line, pe.Column)}
	case errors.As(err, &pe):
		return &RowError{File: name, Line: pe.Line, Err: fmt.Errorf("%w (at character %d)", pe.Err, pe.Column)}
	case errors.As(err, &tl):
		return &RowError{File: name, Line: tl.line, Err: ErrRecordTooLong}
	}
	return &RowError{File: name, Line: line, Err: err}
}
