package store

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// unitsEncoding is the version of the units encoding ingest writes in
// result_funnel.units: one JSON array per funnel, one array per unit in
// unit id order, in a fixed order of values. Encoding 1
// (0009_result_funnel.sql) has 28 values; encoding 2
// (0013_second_figures.sql) appends the nine second figures. A reader
// takes either and refuses any other version, so a change of layout is a
// new number and a migration, never a silent misreading.
const unitsEncoding = 2

// unitsEncoding1 is 0009's layout, which its Go step writes (the schema's
// CHECK then allows no other) and which funnels stored before 0013 keep.
const unitsEncoding1 = 1

// secondFigures are a unit's values that encoding 2 appends to encoding
// 1's, in their order (0013_second_figures.sql).
func secondFigures(u *outcome.Position) [9]*float64 {
	return [...]*float64{&u.ShrunkRatio, &u.ShrunkLow, &u.ShrunkHigh, &u.Reliability, &u.QHigh, &u.QLow,
		&u.Power2x, &u.Power1_5x, &u.DetectableRatio80}
}

// UnitContext is what the catalog shows beside a unit's results that the
// results do not hold: where its figures come from and the publisher's
// own figures. It is stored with the results (result_funnel), so that a
// server reads one row per funnel at start and never the published rows.
type UnitContext struct {
	// Known is false for a unit none of its group's rows make
	// (outcome.Units), which a catalog shows as its own only hospital.
	Known bool
	// Hospitals are the hospitals the unit's figures come from
	// (outcome.Unit.Hospitals), by id.
	Hospitals []outcome.HospitalShare
	// Published holds the publisher's own figures where the unit is
	// exactly one published row and not a sum; otherwise every figure is
	// NULL and the rating "".
	Published PublishedFigures
}

// PublishedFigures are the publisher's own figures for one unit, as
// outcome_row holds them.
type PublishedFigures struct {
	ExpectedRate, Rate, Low, High sql.Null[float64]
	Rating                        string
}

// unitContexts are, for each unit of set, in order, its context: rows are
// the group's published rows in key order, which the units index.
func unitContexts(rows []outcome.Row, set *outcome.UnitSet) []UnitContext {
	out := make([]UnitContext, len(set.Units))
	for i := range set.Units {
		u := &set.Units[i]
		c := UnitContext{Known: true, Hospitals: u.Hospitals}
		// A sum of several rows carries no publisher figure of its own.
		if len(u.Rows) == 1 && !u.Aggregated {
			r := &rows[u.Rows[0]]
			c.Published = PublishedFigures{ExpectedRate: r.ExpectedRate, Rate: r.PublishedRate,
				Low: r.PublishedLow, High: r.PublishedHigh, Rating: r.PublishedRating}
		}
		out[i] = c
	}
	return out
}

// FunnelContexts are the contexts of funnel g's units, in their order,
// and the group's outcome, given the group's published rows in key order
// (outcome_row's): what ingest stores beside the results, for a release
// built in memory (catalog.NewRelease).
func FunnelContexts(g *outcome.Funnel, rows []outcome.Row) (outcomeName string, contexts []UnitContext) {
	if len(rows) > 0 {
		outcomeName = rows[0].Outcome
	}
	var units []outcome.Unit
	var all []UnitContext
	sets := outcome.Units(rows)
	for i := range sets {
		if sets[i].Type == g.UnitType {
			units, all = sets[i].Units, unitContexts(rows, &sets[i])
		}
	}
	contexts = make([]UnitContext, len(g.Units))
	for i := range g.Units {
		contexts[i] = contextOf(units, all, i, g.Units[i].UnitID)
	}
	return outcomeName, contexts
}

// contextOf finds the context of the unit with the given id among units,
// sorted by id, and their contexts; the results are in the same order, so
// it is usually at index i. A unit not among them is not Known.
func contextOf(units []outcome.Unit, contexts []UnitContext, i int, id string) UnitContext {
	if i < len(units) && units[i].ID == id {
		return contexts[i]
	}
	lo, hi := 0, len(units)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if units[m].ID < id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(units) && units[lo].ID == id {
		return contexts[lo]
	}
	return UnitContext{}
}

// appendUnits appends a funnel's units and their contexts (in the same
// order) in the given encoding, 1 or 2.
func appendUnits(b []byte, units []outcome.Position, contexts []UnitContext, encoding int) []byte {
	b = append(b, '[')
	for i := range units {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendUnit(b, &units[i], &contexts[i], encoding)
	}
	return append(b, ']')
}

func appendUnit(b []byte, u *outcome.Position, c *UnitContext, encoding int) []byte {
	b = append(b, '[')
	b = appendString(b, u.UnitID)
	b = append(b, ',')
	b = appendString(b, u.UnitName)
	if u.Aggregated {
		b = append(b, ",1,"...)
	} else {
		b = append(b, ",0,"...)
	}
	cases, events := countArgs(u.Cases, u.Events, u.PublishedOnly)
	b = appendIntOrNull(b, cases)
	b = append(b, ',')
	b = appendIntOrNull(b, events)
	for _, x := range [...]float64{u.Expected, u.X, u.Y, u.Ratio, u.RAMR, u.Survival, u.CILow, u.CIHigh,
		u.Lower95, u.Upper95, u.Lower998, u.Upper998} {
		b = append(b, ',')
		b = appendReal(b, x)
	}
	b = append(b, ',')
	b = appendString(b, string(u.Band))
	b = append(b, ',')
	b = appendString(b, string(u.Verdict))
	for _, x := range [...]float64{u.PHigh, u.PLow, u.Detectable} {
		b = append(b, ',')
		b = appendReal(b, x)
	}
	b = append(b, ',')
	if !c.Known {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, h := range c.Hospitals {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = appendString(b, h.ID)
			b = append(b, ',')
			b = appendString(b, h.Name)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(h.Cases), 10)
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	p := &c.Published
	for _, x := range [...]sql.Null[float64]{p.ExpectedRate, p.Rate, p.Low, p.High} {
		b = append(b, ',')
		if x.Valid {
			b = appendReal(b, x.V)
		} else {
			b = append(b, "null"...)
		}
	}
	b = append(b, ',')
	b = appendString(b, p.Rating)
	if encoding >= 2 {
		for _, x := range secondFigures(u) {
			b = append(b, ',')
			b = appendReal(b, *x)
		}
	}
	return append(b, ']')
}

// appendIntOrNull appends v, an int or nil (countArgs).
func appendIntOrNull(b []byte, v any) []byte {
	if n, ok := v.(int); ok {
		return strconv.AppendInt(b, int64(n), 10)
	}
	return append(b, "null"...)
}

// appendReal appends x as the shortest decimal that reads back as x, null
// where it is NaN or infinite (as nullReal stores it). Negative zero is
// written 0, as a REAL column stored it.
func appendReal(b []byte, x float64) []byte {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return append(b, "null"...)
	case x == 0:
		return append(b, '0')
	}
	return strconv.AppendFloat(b, x, 'g', -1, 64)
}

// appendString appends s as a JSON string: quotes, backslashes and
// control characters escaped, all else as it is.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// unitDecoder reads encodings 1 and 2 without reflection: a national release has
// a million units and 28 values each, read at every server start.
// It allocates little, as the collector's work grows with each object a
// server keeps: a funnel's ids and names share one string (arena), and
// texts that many units repeat (bands, verdicts, hospitals) one copy each
// (texts).
type unitDecoder struct {
	b   string
	i   int
	err error
	// arena gathers the funnel's unit ids and names, made one string once
	// every unit is read.
	arena []byte
	// texts holds one copy of each repeated text read.
	texts map[string]string
	// shares gathers every unit's hospitals, each unit's a part of it
	// (one allocation a funnel, not one a unit).
	shares []outcome.HospitalShare
	// unescaped holds the last string read that had escapes.
	unescaped []byte
}

// errUnits is any malformed units text.
var errUnits = errors.New("malformed units")

// span is where a text is in the arena.
type span struct{ lo, hi int }

// decodeUnits reads a funnel's units and their contexts, stored in the
// given encoding (1 or 2; encoding 1's second figures are NaN).
func decodeUnits(text string, n, encoding int) ([]outcome.Position, []UnitContext, error) {
	d := unitDecoder{b: text, texts: map[string]string{}, shares: make([]outcome.HospitalShare, 0, n)}
	units := make([]outcome.Position, 0, n)
	contexts := make([]UnitContext, 0, n)
	names := make([]span, 0, 2*n) // per unit, its id and its name
	shares := make([]span, 0, n)  // per unit, its hospitals in d.shares
	d.array(func() {
		var u outcome.Position
		var c UnitContext
		d.expect('[')
		names = append(names, d.arenaText())
		d.expect(',')
		names = append(names, d.arenaText())
		d.expect(',')
		shares = append(shares, d.unit(&u, &c, encoding))
		units = append(units, u)
		contexts = append(contexts, c)
	})
	d.end("the units")
	if d.err != nil {
		return nil, nil, d.err
	}
	arena := string(d.arena)
	for i := range units {
		id, name := names[2*i], names[2*i+1]
		units[i].UnitID, units[i].UnitName = arena[id.lo:id.hi], arena[name.lo:name.hi]
		if contexts[i].Known {
			contexts[i].Hospitals = d.shares[shares[i].lo:shares[i].hi:shares[i].hi]
		}
	}
	return units, contexts, nil
}

// array reads a JSON array, calling element to read each element.
func (d *unitDecoder) array(element func()) {
	d.expect('[')
	if d.peek() == ']' {
		d.i++
		return
	}
	for d.err == nil {
		element()
		if d.peek() == ',' {
			d.i++
			continue
		}
		d.expect(']')
		return
	}
}

// end fails unless nothing but space follows what was read.
func (d *unitDecoder) end(what string) {
	if d.err == nil && d.skipSpace() < len(d.b) {
		d.fail("text after " + what)
	}
}

// unit reads the rest of a unit's array, after its id and name; the
// unit's hospitals, where it has a list of them (c.Known), are where the
// span returned says in d.shares, which may yet move as it grows.
func (d *unitDecoder) unit(u *outcome.Position, c *UnitContext, encoding int) (hospitals span) {
	u.Aggregated = d.real() == 1
	d.expect(',')
	var n storedCounts
	n.cases = d.int()
	d.expect(',')
	n.events = d.int()
	n.set(&u.Cases, &u.Events, &u.PublishedOnly)
	for _, p := range [...]*float64{&u.Expected, &u.X, &u.Y, &u.Ratio, &u.RAMR, &u.Survival, &u.CILow, &u.CIHigh,
		&u.Lower95, &u.Upper95, &u.Lower998, &u.Upper998} {
		d.expect(',')
		*p = d.real()
	}
	d.expect(',')
	setText(&u.Band, d.text())
	d.expect(',')
	setText(&u.Verdict, d.text())
	for _, p := range [...]*float64{&u.PHigh, &u.PLow, &u.Detectable} {
		d.expect(',')
		*p = d.real()
	}
	d.expect(',')
	hospitals.lo = len(d.shares)
	if d.null() {
		c.Known = false
	} else {
		c.Known = true
		d.expect('[')
		for d.err == nil && d.peek() != ']' {
			if len(d.shares) > hospitals.lo {
				d.expect(',')
			}
			var h outcome.HospitalShare
			d.expect('[')
			h.ID = d.text()
			d.expect(',')
			h.Name = d.text()
			d.expect(',')
			h.Cases = d.int().V
			d.expect(']')
			d.shares = append(d.shares, h)
		}
		d.expect(']')
	}
	hospitals.hi = len(d.shares)
	p := &c.Published
	for _, x := range [...]*sql.Null[float64]{&p.ExpectedRate, &p.Rate, &p.Low, &p.High} {
		d.expect(',')
		if v := d.real(); !math.IsNaN(v) {
			*x = sql.Null[float64]{V: v, Valid: true}
		}
	}
	d.expect(',')
	p.Rating = d.text()
	for _, x := range secondFigures(u) {
		if encoding >= 2 {
			d.expect(',')
			*x = d.real()
		} else {
			*x = math.NaN()
		}
	}
	d.expect(']')
	return hospitals
}

// setText sets a text of a named string type (a band, a verdict) without
// naming the package that declares it.
func setText[T ~string](p *T, s string) { *p = T(s) }

func (d *unitDecoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w at byte %d: %s", errUnits, d.i, what)
	}
}

// skipSpace skips JSON white space (encoding 1 writes none, an analyst's
// tool might) and returns the position of the next byte.
func (d *unitDecoder) skipSpace() int {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return d.i
		}
	}
	return d.i
}

// peek is the next byte that is not space, or 0 at the end or after an
// error.
func (d *unitDecoder) peek() byte {
	if d.err != nil || d.skipSpace() >= len(d.b) {
		return 0
	}
	return d.b[d.i]
}

func (d *unitDecoder) expect(c byte) {
	if d.peek() != c {
		d.fail("want " + strconv.QuoteRune(rune(c)))
		return
	}
	d.i++
}

// null reads a null if one is next.
func (d *unitDecoder) null() bool {
	if d.peek() == 'n' && len(d.b)-d.i >= 4 && d.b[d.i:d.i+4] == "null" {
		d.i += 4
		return true
	}
	return false
}

// token is the number next, as text.
func (d *unitDecoder) token() string {
	start := d.skipSpace()
	for d.i < len(d.b) && numberByte(d.b[d.i]) {
		d.i++
	}
	if d.i == start {
		d.fail("want a number")
	}
	return d.b[start:d.i]
}

// numberByte reports whether c may be part of a JSON number.
func numberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// real reads a number, or null as NaN.
func (d *unitDecoder) real() float64 {
	if d.err != nil || d.null() {
		return math.NaN()
	}
	if x, n, ok := parseDecimal(d.b[d.i:]); ok {
		d.i += n
		return x
	}
	t := d.token()
	x, err := strconv.ParseFloat(t, 64)
	if err != nil {
		d.fail("want a number")
		return math.NaN()
	}
	return x
}

// int reads an integer or null.
func (d *unitDecoder) int() sql.Null[int] {
	if d.err != nil || d.null() {
		return sql.Null[int]{}
	}
	t := d.token()
	n, err := strconv.Atoi(t)
	if err != nil {
		d.fail("want an integer")
		return sql.Null[int]{}
	}
	return sql.Null[int]{V: n, Valid: true}
}

// text reads a string, keeping one copy of each, a copy of its own: a
// part of the text read would keep the whole of it.
func (d *unitDecoder) text() string {
	s := d.raw()
	if t, ok := d.texts[s]; ok {
		return t
	}
	t := strings.Clone(s)
	d.texts[t] = t
	return t
}

// arenaText reads a string into the arena.
func (d *unitDecoder) arenaText() span {
	b := d.raw()
	lo := len(d.arena)
	d.arena = append(d.arena, b...)
	return span{lo, len(d.arena)}
}

// raw reads a string and returns it unescaped: a part of the text read
// where it has no escapes, which the caller copies if it keeps it.
func (d *unitDecoder) raw() string {
	d.expect('"')
	if d.err != nil {
		return ""
	}
	start := d.i
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case '"':
			d.i++
			return d.b[start : d.i-1]
		case '\\':
			return string(d.escaped(start))
		}
		d.i++
	}
	d.fail("unterminated string")
	return ""
}

// escaped reads the rest of a string that has escapes, from start, just
// after its opening quote.
func (d *unitDecoder) escaped(start int) []byte {
	out := append(d.unescaped[:0], d.b[start:d.i]...)
	defer func() { d.unescaped = out }()
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return out
		case c != '\\':
			out = append(out, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.b) {
			break
		}
		e := d.b[d.i+1]
		d.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := d.hex4()
			if utf16.IsSurrogate(r) && d.i+1 < len(d.b) && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
				d.i += 2
				r = utf16.DecodeRune(r, d.hex4())
			}
			out = utf8.AppendRune(out, r)
		default:
			d.fail("bad escape")
			return nil
		}
	}
	d.fail("unterminated string")
	return nil
}

func (d *unitDecoder) hex4() rune {
	if d.i+4 > len(d.b) {
		d.fail("short \\u escape")
		return utf8.RuneError
	}
	n, err := strconv.ParseUint(d.b[d.i:d.i+4], 16, 16)
	if err != nil {
		d.fail("bad \\u escape")
		return utf8.RuneError
	}
	d.i += 4
	return rune(n)
}
