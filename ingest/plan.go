package ingest

import (
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// plan is a mapping resolved against one file's header.
type plan struct {
	m        *Mapping
	header   []string
	variants []variantPlan
	columns  []int // every column any field reads, ascending
	missing  map[string]bool
	// National figures: rows whose nationalCol holds one of nationalValues,
	// or counts in nationalCases and nationalEvents on every row.
	nationalCol    int
	nationalValues []string
	nationalCases  int
	nationalEvents int
	// nationalRate is the column of the printed national rate (on
	// national rows, or every row), -1 when there is none.
	nationalRate int
	// outcomes maps each specialty slug to its default outcome; it also
	// says which slugs exist.
	outcomes map[string]string
	// required holds the fields every row must have (Mapping.required).
	required map[string]bool
	// filters are the mapping's [[filter]]s against this header.
	filters []filterPlan
	// identity lists every column in the order of their normalised
	// headers, for telling identical records apart from the file's column
	// order; nil unless the mapping drops identical duplicates.
	identity []int
	// hash is the scratch hash of recordKey.
	hash hash.Hash
}

// filterPlan is a [[filter]] against one file's header.
type filterPlan struct {
	col    int
	keep   bool     // keep the rows holding one of values; else drop them
	values []string // trimmed
	// column and reason are as the mapping wrote them; reason is "" for
	// the default.
	column, reason string
}

// variantPlan says, for one canonical row of an input row, where each
// field's value comes from.
type variantPlan struct {
	col   map[string]int
	fixed map[string]string
}

// newPlan matches the mapping's columns to the header. It reports every
// missing, duplicate or unknown column.
func newPlan(m *Mapping, file string, header []string) (*plan, []error) {
	p := &plan{m: m, header: header, nationalCol: -1, nationalCases: -1, nationalEvents: -1,
		nationalRate: -1, missing: map[string]bool{}, outcomes: map[string]string{}, required: map[string]bool{}}
	for _, f := range m.required() {
		p.required[f] = true
	}
	for _, s := range outcome.Specialties() {
		p.outcomes[s.Slug] = s.Outcome
	}
	tokens := m.Missing
	if tokens == nil {
		tokens = []string{"", "NA", "N/A", "Not Available"}
	}
	for _, t := range tokens {
		p.missing[strings.ToLower(strings.TrimSpace(t))] = true
	}

	var errs []error
	index := map[string]int{}
	used := map[int]bool{} // read, or already reported: not an unknown column
	for i, h := range header {
		if len(h) > maxFieldBytes {
			errs = append(errs, &RowError{File: file, Line: 1, Column: i + 1, Err: errors.New("header is longer than 1024 bytes")})
			used[i] = true
			continue
		}
		key := normHeader(h)
		if j, dup := index[key]; dup {
			errs = append(errs, &RowError{File: file, Line: 1, Column: i + 1,
				Err: fmt.Errorf("duplicate column %q (also column %d)", strings.TrimSpace(h), j+1)})
			used[i] = true
			continue
		}
		index[key] = i
	}
	lookup := func(name string, field string, optional bool) int {
		i, ok := index[normHeader(name)]
		if !ok {
			if !optional {
				what := fmt.Sprintf("missing column %q", name)
				if normHeader(name) != field {
					what += " (for " + field + ")"
				}
				errs = append(errs, &RowError{File: file, Line: 1, Err: errors.New(what)})
			}
			return -1
		}
		used[i] = true
		return i
	}
	for _, v := range m.variants() {
		vp := variantPlan{col: map[string]int{}, fixed: v.Fixed}
		for _, field := range sortedKeys(v.Columns) {
			if i := lookup(v.Columns[field], field, slices.Contains(m.Optional, field)); i >= 0 {
				vp.col[field] = i
			}
		}
		p.variants = append(p.variants, vp)
	}
	if n := m.National; n.Column != "" {
		p.nationalCol = lookup(n.Column, "national.column", false)
		for _, v := range n.Values {
			p.nationalValues = append(p.nationalValues, strings.TrimSpace(v))
		}
	}
	if n := m.National; n.Cases != "" {
		p.nationalCases = lookup(n.Cases, "national.cases", false)
		p.nationalEvents = lookup(n.Events, "national.events", false)
	}
	for i, f := range m.Filters {
		c := lookup(f.Column, fmt.Sprintf("filter[%d].column", i), false)
		fp := filterPlan{col: c, keep: len(f.Keep) > 0, column: strings.TrimSpace(f.Column),
			reason: strings.TrimSpace(f.Reason)}
		for _, v := range append(slices.Clone(f.Keep), f.Drop...) {
			fp.values = append(fp.values, strings.TrimSpace(v))
		}
		p.filters = append(p.filters, fp)
	}
	if n := m.National; n.Rate != "" {
		p.nationalRate = lookup(n.Rate, "national.rate", false)
	}
	for _, name := range m.Ignore {
		if i, ok := index[normHeader(name)]; ok {
			used[i] = true
		}
	}
	for i, h := range header {
		if !used[i] {
			what := fmt.Sprintf("unknown column %q", strings.TrimSpace(h))
			if strings.TrimSpace(h) == "" {
				what = "unknown column with an empty header"
			}
			errs = append(errs, &RowError{File: file, Line: 1, Column: i + 1,
				Err: fmt.Errorf("%s: the %s mapping does not read it", what, m.Name)})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	for _, v := range p.variants {
		for _, c := range v.col {
			if !slices.Contains(p.columns, c) {
				p.columns = append(p.columns, c)
			}
		}
	}
	for _, c := range []int{p.nationalCol, p.nationalCases, p.nationalEvents, p.nationalRate} {
		if c >= 0 && !slices.Contains(p.columns, c) {
			p.columns = append(p.columns, c)
		}
	}
	for _, f := range p.filters {
		if !slices.Contains(p.columns, f.col) {
			p.columns = append(p.columns, f.col)
		}
	}
	sort.Ints(p.columns)
	if m.Duplicates == duplicatesDropIdentical {
		p.identity = make([]int, len(header))
		for i := range header {
			p.identity[i] = i
		}
		slices.SortFunc(p.identity, func(a, b int) int { return strings.Compare(normHeader(header[a]), normHeader(header[b])) })
		p.hash = sha256.New()
	}
	return p, nil
}

// readColumns lists the columns a record reader must decode: those the
// fields read, or every column where identical records are looked for.
func (p *plan) readColumns() []int {
	if p.identity == nil {
		return p.columns
	}
	all := make([]int, len(p.header))
	for i := range all {
		all[i] = i
	}
	return all
}

// filtered says why the mapping's [[filter]]s leave a record out, by
// the first filter that does; "" when none does.
func (p *plan) filtered(vals []string) string {
	for _, f := range p.filters {
		v := strings.TrimSpace(vals[f.col])
		if slices.Contains(f.values, v) == f.keep {
			continue
		}
		switch {
		case f.reason != "":
			return f.reason
		case f.keep:
			return f.column + " not " + strings.Join(f.values, " or ")
		case v == "":
			return f.column + " empty"
		}
		return f.column + " = " + v
	}
	return ""
}

// recordKey identifies a record by every value in it, trimmed, with the
// header each sits under, so that records identical in every column have
// the same key in any file with the same columns, in any order. It is a
// 128-bit hash: two different records share one with a chance of about
// n²/2¹²⁹, for n records (below 10⁻²⁶ for a million).
func (p *plan) recordKey(vals []string) [16]byte {
	p.hash.Reset()
	var n [8]byte
	write := func(s string) {
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		p.hash.Write(n[:])
		io.WriteString(p.hash, s)
	}
	for _, c := range p.identity {
		write(normHeader(p.header[c]))
		write(strings.TrimSpace(vals[c]))
	}
	var key [16]byte
	copy(key[:], p.hash.Sum(nil))
	return key
}

// leftOut is what a record the mapping leaves out as a whole turns out to
// be: each of its canonical rows skipped, for reason.
func (p *plan) leftOut(reason string) []rowResult {
	out := make([]rowResult, len(p.variants))
	for i := range out {
		out[i].skip = reason
	}
	return out
}

// rowResult is what one canonical row of an input row turned out to be.
type rowResult struct {
	row      outcome.Row
	national *outcome.NationalRate
	skip     string // why the row is not a unit, or ""
	// failed is the check the row fails, as its error, when it is skipped
	// for failing one the mapping's [skip] checks names.
	failed *RowError
}

// cell is one field's value in one row and where it came from.
type cell struct {
	value string
	col   int // -1 for a fixed or default value; a derived value's is its source's
	// missing is set for an empty value or a missing token; a derived
	// value is missing when its source is, or when it is derived as "".
	missing bool
	// from names the field a derived value comes from, and fromValue the
	// publisher's value of it; "" for a value that is not derived.
	from, fromValue string
	// reported marks a derived value that could not be derived, which is
	// already reported.
	reported bool
}

// rowReader converts input rows using a plan, collecting problems.
type rowReader struct {
	p    *plan
	file string
	errs []error
	long []int // columns of this row whose value was too long to read
	// identical, when set, reports whether a record with this key was
	// read before (plan.recordKey), and notes it.
	identical func(key [16]byte) bool
}

func (rr *rowReader) fail(line, col int, err error) {
	if slices.Contains(rr.long, col) {
		return // the value was dropped as too long, which is reported
	}
	re := &RowError{File: rr.file, Line: line, Err: err}
	if col >= 0 {
		re.Column = col + 1
		// One line, as the header may hold newlines ("Unit\nname").
		re.Field = strings.Join(strings.Fields(rr.p.header[col]), " ")
	}
	rr.errs = append(rr.errs, re)
}

// blank reports whether every value the plan reads is empty: a line of
// bare commas, as spreadsheets leave at the end of a file.
func (p *plan) blank(vals []string) bool {
	for _, c := range p.columns {
		if strings.TrimSpace(vals[c]) != "" {
			return false
		}
	}
	return true
}

// convert turns one input row into its canonical rows. Problems are kept in
// rr.errs; results for a row with problems must not be used.
func (rr *rowReader) convert(vals []string, line int) []rowResult {
	p := rr.p
	rr.errs = rr.errs[:0]
	rr.long = rr.long[:0]
	// A row left out by value is left before any field is read, so that
	// rows not ours (a medical measure's odd values) raise no error.
	if reason := p.filtered(vals); reason != "" {
		return p.leftOut(reason)
	}
	if rr.identical != nil && rr.identical(p.recordKey(vals)) {
		return p.leftOut(identicalDuplicate)
	}
	for _, c := range p.columns {
		if len(vals[c]) > maxFieldBytes {
			rr.fail(line, c, fmt.Errorf("value is %d bytes long; the limit is %d", len(vals[c]), maxFieldBytes))
			rr.long = append(rr.long, c)
			vals[c] = ""
		}
	}
	var nationalRow bool
	if p.nationalCol >= 0 {
		nationalRow = slices.Contains(p.nationalValues, strings.TrimSpace(vals[p.nationalCol]))
	}
	out := make([]rowResult, 0, len(p.variants))
	for i := range p.variants {
		before := len(rr.errs)
		res := rr.convertVariant(&p.variants[i], vals, line, nationalRow)
		rr.skipFailed(&res, before)
		out = append(out, res)
	}
	if len(p.variants) > 1 {
		rr.errs = uniqueErrors(rr.errs) // a shared column's problem is found once per variant
	}
	return out
}

func uniqueErrors(errs []error) []error {
	seen := map[string]bool{}
	out := errs[:0]
	for _, e := range errs {
		if msg := e.Error(); !seen[msg] {
			seen[msg] = true
			out = append(out, e)
		}
	}
	return out
}

func (rr *rowReader) convertVariant(v *variantPlan, vals []string, line int, nationalRow bool) rowResult {
	p := rr.p
	get := func(field string) cell {
		if c, ok := v.col[field]; ok {
			s := strings.TrimSpace(vals[c])
			return cell{value: s, col: c, missing: s == "" || p.missing[strings.ToLower(s)]}
		}
		if s, ok := v.fixed[field]; ok {
			return cell{value: s, col: -1, missing: strings.TrimSpace(s) == ""}
		}
		return cell{col: -1, missing: true}
	}
	var derived map[string]cell // only mappings with [[derive]] need one
	if len(p.m.Derive) > 0 {
		derived = make(map[string]cell, len(p.m.Derive))
	}
	for _, d := range p.m.Derive {
		from := get(d.From)
		if _, own := v.col[d.Field]; own && from.missing {
			continue // nothing to derive from: the field's own column says
		}
		if _, own := v.fixed[d.Field]; own && from.missing {
			continue
		}
		c := cell{col: from.col, missing: true, from: d.From, fromValue: from.value}
		if !from.missing {
			val, ok := d.Values[from.value]
			if !ok {
				rr.fail(line, from.col, fmt.Errorf("cannot tell the %s from %s %q (the %s mapping knows %s)",
					d.Field, d.From, from.value, p.m.Name, quoteKeys(d.Values)))
				c.reported = true
			}
			c.value, c.missing = val, val == ""
		}
		derived[d.Field] = c
	}
	// val is a field's value as the row gives it: derived, else from its
	// column or fixed value. Skips and messages use it, so a derived field
	// is judged by the value derived, and named where it comes from.
	val := func(field string) cell {
		if c, ok := derived[field]; ok {
			return c
		}
		return get(field)
	}
	field := func(field string, maxLen int) string {
		required := p.required[field]
		c := val(field)
		if c.reported {
			return ""
		}
		if c.missing {
			if d, ok := p.m.Defaults[field]; ok {
				return d
			}
			if required {
				rr.fail(line, c.col, missingError(field, c))
			}
			return ""
		}
		raw := stripBidi(c.value)
		if strings.ContainsAny(raw, "\n\r\t") || strings.Contains(raw, "  ") {
			raw = strings.Join(strings.Fields(raw), " ") // one line, so every message is one line
		}
		if c.from == "" { // the publisher's value, not one the mapping derived
			if tr, ok := p.m.Values[field]; ok {
				t, ok := tr[raw]
				if !ok {
					rr.fail(line, c.col, fmt.Errorf("unknown %s %q (the %s mapping knows %s)", field, raw, p.m.Name, quoteKeys(tr)))
					return ""
				}
				if t == "" && required {
					rr.fail(line, c.col, fmt.Errorf("%s is required, and the %s mapping translates %q to nothing", field, p.m.Name, raw))
					return ""
				}
				raw = t
			}
			if slices.Contains(p.m.Slug, field) {
				if raw = slug(raw); raw == "" && required {
					rr.fail(line, c.col, fmt.Errorf("%s: %q has no letters or digits to make an id of", field, c.value))
					return ""
				}
			}
			if w, ok := p.m.ZeroPad[field]; ok {
				raw = zeroPad(raw, w)
			}
		}
		if err := checkText(raw, maxLen); err != nil {
			rr.fail(line, c.col, fmt.Errorf("%s: %w", field, err))
			return ""
		}
		return raw
	}

	var res rowResult
	r := &res.row
	r.Line = line
	skip, skipped := p.skipReason(val)
	// A row skipped for want of its specialty, procedure or period belongs
	// to no group, so its national figures, if any, have nowhere to go.
	readGroup := nationalRow || !slices.Contains([]string{fieldSpecialty, fieldProcedure, fieldPeriod}, skipped)
	if readGroup {
		r.Specialty = field(fieldSpecialty, 64)
		if _, ok := p.outcomes[r.Specialty]; r.Specialty != "" && !ok {
			rr.fail(line, val(fieldSpecialty).col, fmt.Errorf("unknown specialty %q (want one of %s)", r.Specialty, specialtyList()))
		}
		r.Procedure = field(fieldProcedure, 64)
		if _, ok := p.m.Defaults[fieldProcedure]; r.Procedure == "" && !ok {
			r.Procedure = "all" // DESIGN.md: procedure defaults to all, unless the mapping says otherwise
		}
		r.Period = field(fieldPeriod, 32)
	}

	if nationalRow {
		n := &outcome.NationalRate{Line: line, Specialty: r.Specialty, Procedure: r.Procedure, Period: r.Period}
		cases, events := get(fieldCases), get(fieldEvents)
		if p.nationalRate >= 0 {
			n.Rate = rr.nationalRate(rr.column(vals, p.nationalRate), line)
		}
		// With a printed rate a national row may leave its counts out;
		// without one they are its figures.
		if p.nationalRate < 0 || !cases.missing || !events.missing {
			n.Cases, n.Events = rr.counts(cases, events, line)
		}
		res.national = n
		res.skip = "national"
		return res
	}
	rateOnEveryRow := p.nationalRate >= 0 && p.nationalCol < 0
	if (p.nationalCases >= 0 || rateOnEveryRow) && readGroup {
		n := &outcome.NationalRate{Line: line, Specialty: r.Specialty, Procedure: r.Procedure, Period: r.Period}
		if p.nationalCases >= 0 {
			n.Cases, n.Events = rr.counts(cell{value: strings.TrimSpace(vals[p.nationalCases]), col: p.nationalCases},
				cell{value: strings.TrimSpace(vals[p.nationalEvents]), col: p.nationalEvents}, line)
		}
		if rateOnEveryRow {
			n.Rate = rr.nationalRate(rr.column(vals, p.nationalRate), line)
		}
		res.national = n
	}
	if skip != "" {
		res.skip = skip
		return res
	}

	if t := field(fieldUnitType, 16); t != "" {
		var err error
		if r.UnitType, err = outcome.ParseUnitType(t); err != nil {
			rr.fail(line, val(fieldUnitType).col, err)
		}
	}
	// A release's ids become web addresses; a self-check's unit_id is a
	// hospital's own label for its figures, shown as text and never
	// linked, so it stays free text.
	id := func(name string) string {
		s := field(name, 128)
		if p.m.selfCheck {
			return s
		}
		if err := checkID(s); err != nil {
			rr.fail(line, val(name).col, fmt.Errorf("%s: %w", name, err))
		}
		return s
	}
	r.UnitID = id(fieldUnitID)
	r.UnitName = field(fieldUnitName, 200)
	r.HospitalID = id(fieldHospitalID)
	r.HospitalName = field(fieldHospitalName, 200)
	r.Outcome = field(fieldOutcome, 100)
	if r.Outcome == "" {
		r.Outcome = p.outcomes[r.Specialty]
	}
	if !p.m.PublishedOnly() {
		r.Cases, r.Events = rr.counts(get(fieldCases), get(fieldEvents), line)
		rr.expected(r, get(fieldExpected), get(fieldExpectedRate), line)
	}
	r.PublishedRate = rr.optionalRate(get(fieldPublishedRate), line)
	r.PublishedLow = rr.optionalRate(get(fieldPublishedLow), line)
	r.PublishedHigh = rr.optionalRate(get(fieldPublishedHigh), line)
	r.PublishedRating = strings.Join(strings.Fields(field(fieldPublishedRating, 200)), " ")
	if p.m.PublishedOnly() {
		rr.publishedOnly(r, get(fieldCases), get(fieldPublishedRate), get(fieldPublishedLow), get(fieldPublishedHigh),
			get(fieldPublishedRating), line)
		return res
	}
	if p.m.ExpectedFrom == ExpectedFromPublishedRate {
		rr.expectedFromRate(r, res.national, get(fieldPublishedRate), get(fieldEvents), line)
	}
	return res
}

// skipFailed leaves a unit's row out when every problem found on it since
// rr.errs[from] is a check the mapping's [skip] checks names: the problems
// are withdrawn, and the row is counted under the first check's reason,
// its error kept to be listed. A national figure that fails a check stays
// an error: it is a whole group's target.
func (rr *rowReader) skipFailed(res *rowResult, from int) {
	p := rr.p
	errs := rr.errs[from:]
	if len(errs) == 0 || len(p.m.Skip.Checks) == 0 || res.skip == "national" {
		return
	}
	var first rowCheck
	for i, err := range errs {
		c, ok := asCheck(err)
		var re *RowError
		if !ok || !slices.Contains(p.m.Skip.Checks, c.Name) || !errors.As(err, &re) ||
			re.Column > 0 && (re.Column-1 == p.nationalCases || re.Column-1 == p.nationalEvents) {
			return
		}
		if i == 0 {
			first, res.failed = c, re
		}
	}
	res.skip = first.Reason
	rr.errs = rr.errs[:from]
}

// column is the cell of a column the plan reads outside the fields (the
// national figures), missing as the mapping's missing tokens say.
func (rr *rowReader) column(vals []string, col int) cell {
	s := strings.TrimSpace(vals[col])
	return cell{value: s, col: col, missing: s == "" || rr.p.missing[strings.ToLower(s)]}
}

// nationalRate reads a printed national rate as a proportion: a percent
// ("2.27") is divided by 100 on its decimals (0.0227, not
// 0.022699999999999998). It must be above 0 and below 100%.
func (rr *rowReader) nationalRate(c cell, line int) sql.Null[float64] {
	if c.missing {
		rr.fail(line, c.col, errors.New("national rate is required: the mapping reads the target from it"))
		return sql.Null[float64]{}
	}
	x, err := parseNumber(c.value)
	if err != nil {
		rr.fail(line, c.col, fmt.Errorf("national rate: %w", err))
		return sql.Null[float64]{}
	}
	p := x
	if rr.p.m.National.RateAs == "percent" {
		p = outcome.MulDecimal(x, 1, -2)
	}
	if p <= 0 || p >= 1 {
		unit := map[string]string{"percent": "%", "proportion": " (a proportion)"}[rr.p.m.National.RateAs]
		rr.fail(line, c.col, fmt.Errorf("national rate: %s%s is not between 0 and 100%%", c.value, unit))
		return sql.Null[float64]{}
	}
	return sql.Null[float64]{V: p, Valid: true}
}

// expectedFromRate works a row's expected deaths out of its published
// risk-adjusted rate (expected_from = "published_rate"): RAMR = (O/E)·p0,
// so E = O·p0/RAMR, with p0 the group's national target on the row and
// RAMR per 100. O·p0 is taken on the decimals they are written as and
// divided once. With no deaths E cannot be recovered (any E gives a RAMR
// of 0), so the row is marked not assessable, never given a guess. With
// deaths, a missing or zero rate, or an E above the cases, is the row
// contradicting itself.
func (rr *rowReader) expectedFromRate(r *outcome.Row, national *outcome.NationalRate, ramr, events cell, line int) {
	if r.Events == 0 {
		r.NotAssessable = true
		return
	}
	if national == nil {
		return // the national figures' own problem is reported
	}
	p0, ok := national.P0()
	if !ok || p0 <= 0 {
		rr.fail(line, events.col, fmt.Errorf("expected deaths cannot be worked out from published_rate: the national rate is 0"))
		return
	}
	switch {
	case !r.PublishedRate.Valid && !ramr.missing:
		return // its problem is reported
	case !r.PublishedRate.Valid:
		rr.fail(line, ramr.col, fmt.Errorf("published_rate is required: there were %d deaths, and expected deaths are worked out from it (expected_from = %q)", r.Events, ExpectedFromPublishedRate))
		return
	case r.PublishedRate.V == 0:
		rr.fail(line, ramr.col, fmt.Errorf("published_rate is 0 but there were %d deaths: the row contradicts itself", r.Events))
		return
	}
	e := outcome.MulDecimal(p0, int64(r.Events), 2) / r.PublishedRate.V
	if e > float64(r.Cases) {
		rr.fail(line, ramr.col, fmt.Errorf("published_rate %s with %d deaths and a national rate of %s%% gives %s expected deaths, more than the %d cases: the row contradicts itself",
			ramr.value, r.Events, strconv.FormatFloat(outcome.MulDecimal(p0, 1, 2), 'g', -1, 64), strconv.FormatFloat(e, 'g', -1, 64), r.Cases))
		return
	}
	r.Expected = sql.Null[float64]{V: e, Valid: true}
}

// publishedOnly finishes a row of the publisher's figures only
// (figures = "published"): the publisher's volume, where it gives one, is
// its cases (a whole number ≥ 1; a missing one is 0, not given); the row
// must carry a rate or a rating, or there is nothing to show; and its rate
// must lie within its interval, or the row contradicts itself. Such a row
// is never judged by us: it is not assessable.
func (rr *rowReader) publishedOnly(r *outcome.Row, cases, rate, low, high, rating cell, line int) {
	r.PublishedOnly, r.NotAssessable = true, true
	if !cases.missing {
		r.Cases, _ = rr.count(fieldCases, cases, line, 1)
	}
	if rate.missing && rating.missing {
		col := rate.col
		if col < 0 {
			col = rating.col
		}
		rr.fail(line, col, errors.New("published_rate and published_rating are both empty: a row of published figures needs one of them (leave such rows out with [skip] missing)"))
	}
	lo, hi, at := r.PublishedLow, r.PublishedHigh, r.PublishedRate
	switch {
	case lo.Valid && hi.Valid && lo.V > hi.V:
		rr.fail(line, low.col, failed(checkPublishedInterval, fmt.Sprintf("published_low %s is above published_high %s",
			low.value, high.value)))
	case at.Valid && lo.Valid && at.V < lo.V:
		rr.fail(line, rate.col, failed(checkPublishedInterval, fmt.Sprintf("published_rate %s is below published_low %s",
			rate.value, low.value)))
	case at.Valid && hi.Valid && at.V > hi.V:
		rr.fail(line, rate.col, failed(checkPublishedInterval, fmt.Sprintf("published_rate %s is above published_high %s",
			rate.value, high.value)))
	}
}

// skipReason says why a row is not a unit, by the mapping's [skip] rules,
// and which field said so; "" when it is one. It judges each field by val,
// its value on the row (a derived field by the value derived).
func (p *plan) skipReason(val func(field string) cell) (reason, field string) {
	for _, f := range p.m.Skip.Missing {
		if val(f).missing {
			return "no " + strings.ReplaceAll(f, "_", " "), f
		}
	}
	for _, f := range p.m.Skip.Zero {
		if c := val(f); !c.missing {
			if x, err := parseNumber(c.value); err == nil && x == 0 {
				return "zero " + strings.ReplaceAll(f, "_", " "), f
			}
		}
	}
	return "", ""
}

// missingError says that a required field has no value on a row, and, for
// a derived field, why the derivation gave none.
func missingError(field string, c cell) error {
	switch {
	case c.from != "" && c.fromValue == "":
		return fmt.Errorf("%s is required, and %s, which it is derived from, has no value", field, c.from)
	case c.from != "":
		return fmt.Errorf("%s is required, and the mapping derives it as empty from %s %q", field, c.from, c.fromValue)
	}
	return fmt.Errorf("%s is required", field)
}

// counts parses cases (a whole number ≥ 1) and events (0 ≤ events ≤ cases).
func (rr *rowReader) counts(cases, events cell, line int) (int, int) {
	n, nok := rr.count(fieldCases, cases, line, 1)
	d, dok := rr.count(fieldEvents, events, line, 0)
	if nok && dok && d > n {
		rr.fail(line, events.col, failed(checkEventsOverCases, d, n))
	}
	return n, d
}

func (rr *rowReader) count(name string, c cell, line int, least int) (int, bool) {
	if c.missing {
		rr.fail(line, c.col, fmt.Errorf("%s is required", name))
		return 0, false
	}
	x, err := parseNumber(c.value)
	switch {
	case err != nil:
		rr.fail(line, c.col, fmt.Errorf("%s: %w", name, err))
	case x != math.Trunc(x):
		rr.fail(line, c.col, fmt.Errorf("%s: %q is not a whole number", name, c.value))
	case x < float64(least):
		rr.fail(line, c.col, fmt.Errorf("%s: %s is less than %d", name, c.value, least))
	case x > 1e9:
		rr.fail(line, c.col, fmt.Errorf("%s: %s is implausibly large", name, c.value))
	default:
		return int(x), true
	}
	return 0, false
}

// expected sets the row's expected count from an expected column (a count,
// or a percent or proportion of cases, as the mapping says) or from an
// expected_rate column (per 100 cases). Expected must be > 0 and at most
// the number of cases; giving both columns on one row is an error.
func (rr *rowReader) expected(r *outcome.Row, exp, rate cell, line int) {
	if !exp.missing && !rate.missing {
		rr.fail(line, rate.col, errors.New("give expected or expected_rate, not both"))
		return
	}
	as := rr.p.m.ExpectedAs
	c := exp
	if exp.missing {
		if rate.missing {
			return
		}
		c, as = rate, "percent"
	}
	x, err := parseNumber(c.value)
	if err != nil {
		rr.fail(line, c.col, fmt.Errorf("expected: %w", err))
		return
	}
	if x <= 0 {
		rr.fail(line, c.col, fmt.Errorf("expected: %s must be greater than 0", c.value))
		return
	}
	var e float64
	switch as {
	case "percent":
		if x > 100 {
			rr.fail(line, c.col, fmt.Errorf("expected rate: %s%% is more than 100%%", c.value))
			return
		}
		e = outcome.MulDecimal(x, int64(r.Cases), -2) // 366 × 1.2% is 4.392, not 4.3919999999999995
		r.ExpectedRate = sql.Null[float64]{V: x, Valid: true}
	case "proportion":
		if x > 1 {
			rr.fail(line, c.col, fmt.Errorf("expected proportion: %s is more than 1", c.value))
			return
		}
		e = outcome.MulDecimal(x, int64(r.Cases), 0)
		r.ExpectedRate = sql.Null[float64]{V: outcome.MulDecimal(x, 1, 2), Valid: true}
	default:
		e = x
		if r.Cases > 0 && e > float64(r.Cases) {
			rr.fail(line, c.col, failed(checkExpectedOverCases, c.value, r.Cases))
			return
		}
	}
	if r.Cases > 0 && e <= 0 {
		// A rate so small that, times the cases, it is 0 in floating point
		// ("5e-324" percent of 1 case): not a number of events anyone
		// expects, and the store holds only expected > 0.
		unit := map[string]string{"percent": "%", "proportion": " (a proportion)"}[as]
		rr.fail(line, c.col, fmt.Errorf("expected: %s%s of %d cases rounds to 0 expected events", c.value, unit, r.Cases))
		r.ExpectedRate = sql.Null[float64]{}
		return
	}
	if r.Cases > 0 {
		r.Expected = sql.Null[float64]{V: e, Valid: true}
	}
}

func (rr *rowReader) optionalRate(c cell, line int) sql.Null[float64] {
	if c.missing {
		return sql.Null[float64]{}
	}
	x, err := parseNumber(c.value)
	if err != nil {
		rr.fail(line, c.col, err)
		return sql.Null[float64]{}
	}
	if x < 0 {
		rr.fail(line, c.col, fmt.Errorf("%s must not be negative", c.value))
		return sql.Null[float64]{}
	}
	return sql.Null[float64]{V: x, Valid: true}
}

// parseNumber parses a decimal number as publishers write it: optional
// thousands separators ("15,200"), no NaN, infinity, hex or other forms
// strconv would accept, and never negative.
func parseNumber(s string) (float64, error) {
	if s == "" {
		return 0, errors.New("no value")
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c == ',' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, fmt.Errorf("%q is not a number", s)
		}
	}
	if strings.Contains(s, ",") {
		if !thousands(s) {
			return 0, fmt.Errorf("%q is not a number (commas must separate thousands)", s)
		}
		s = strings.ReplaceAll(s, ",", "")
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if x < 0 {
		return 0, fmt.Errorf("%s must not be negative", s)
	}
	return x, nil
}

// thousands reports whether s groups its integer digits by threes with
// commas: "1,234", "12,345.6". Commas anywhere else ("1,0e3", "1.234,5")
// are not thousands separators.
func thousands(s string) bool {
	intPart, frac, _ := strings.Cut(s, ".")
	if strings.Contains(frac, ",") {
		return false
	}
	intPart = strings.TrimLeft(intPart, "+-")
	groups := strings.Split(intPart, ",")
	if len(groups[0]) < 1 || len(groups[0]) > 3 {
		return false
	}
	for i, g := range groups {
		if i > 0 && len(g) != 3 || strings.Trim(g, "0123456789") != "" {
			return false
		}
	}
	return true
}

// checkText rejects values too long to be what they claim, and control
// characters, which have no place in a name or id and could disturb the
// terminals and pages that show them.
func checkText(s string, maxLen int) error {
	if len(s) > maxLen {
		return fmt.Errorf("value is %d bytes long; the limit is %d", len(s), maxLen)
	}
	for _, c := range s {
		if unicode.IsControl(c) && c != '\n' && c != '\t' {
			return fmt.Errorf("value holds control character %U", c)
		}
	}
	return nil
}

// isBidiControl reports whether c is a bidirectional formatting
// character: the embeddings and overrides (U+202A–U+202E), the isolates
// (U+2066–U+2069) and the marks (U+200E, U+200F, U+061C).
func isBidiControl(c rune) bool {
	return c >= '\u202A' && c <= '\u202E' || c >= '\u2066' && c <= '\u2069' ||
		c == '\u200E' || c == '\u200F' || c == '\u061C'
}

// stripBidi removes bidirectional formatting characters from a value. No
// name or id needs them (a right-to-left name shows rightly without), and
// one left in a name would reorder the text after it wherever it is shown,
// on a page, in a terminal or in a spreadsheet: U+202E makes
// "Smith\u202Eevil" read "Smithlive". Stripped before any other check, so
// what is stored, keyed and compared is the text without them.
func stripBidi(s string) string {
	if !strings.ContainsFunc(s, isBidiControl) {
		return s
	}
	return strings.Map(func(c rune) rune {
		if isBidiControl(c) {
			return -1
		}
		return c
	}, s)
}

// checkID refuses an id that could not stand, as it is, for one segment of
// a web address: every unit has a page at /surgeons/{id} or
// /hospitals/{id}, and an id holding "/", "?", "#", "%" or a space would
// break its links or lead them elsewhere (issue 11). An id may hold ASCII
// letters and digits, '-', '_', '.' and ':', and begins with a letter or
// digit, so that "." and ".." (which browsers remove from a path) and ids a
// spreadsheet would run as a formula ("=…", "+…", "-…", "@…") cannot
// occur. The empty id (an optional hospital_id left out) passes. Every
// profile's ids already fit: numbers, codes such as ZZ101 and slugs.
func checkID(s string) error {
	for i, c := range s {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case i == 0:
			return fmt.Errorf("%q must begin with a letter or digit", s)
		case strings.ContainsRune("-_.:", c):
		default:
			return fmt.Errorf("%q holds %q; an id may hold only letters, digits and - _ . : (it is part of a web address)", s, c)
		}
	}
	return nil
}

// slug makes a URL-safe id from a name: lower case, letters and digits,
// with single hyphens between words.
func slug(s string) string {
	var b strings.Builder
	hyphen := false
	for _, c := range strings.ToLower(s) {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(c)
			continue
		}
		hyphen = true
	}
	return b.String()
}

// zeroPad left-pads an all-digit s with zeros to width.
func zeroPad(s string, width int) string {
	if len(s) >= width || strings.TrimLeft(s, "0123456789") != "" {
		return s
	}
	return strings.Repeat("0", width-len(s)) + s
}

func quoteKeys(m map[string]string) string {
	keys := sortedKeys(m)
	for i, k := range keys {
		keys[i] = strconv.Quote(k)
	}
	return strings.Join(keys, ", ")
}

func specialtyList() string {
	var names []string
	for _, s := range outcome.Specialties() {
		names = append(names, s.Slug)
	}
	return strings.Join(names, ", ")
}
