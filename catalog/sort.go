package catalog

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// sortField is a column rows may be sorted on.
type sortField struct {
	name string
	// str or num gives a row's value; a NaN num sorts last whichever the
	// direction, so undefined figures never lead a list.
	str func(*Row) string
	num func(*Row) float64
}

// sortFields lists every sort offered; the first is the default.
var sortFields = []sortField{
	{name: "name", str: func(r *Row) string { return Fold(r.UnitName) }},
	{name: "unit_id", str: func(r *Row) string { return r.UnitID }},
	{name: "hospital", str: func(r *Row) string { return Fold(r.HospitalName) }},
	{name: "specialty", str: func(r *Row) string { return r.Specialty }},
	{name: "period", str: func(r *Row) string { return r.Period }},
	{name: "cases", num: (*Row).CasesFigure},
	{name: "events", num: (*Row).EventsFigure},
	{name: "expected", num: func(r *Row) float64 { return r.Expected }},
	{name: "ratio", num: func(r *Row) float64 { return r.Ratio }},
	{name: "ramr", num: func(r *Row) float64 { return r.RAMR }},
	{name: "survival", num: func(r *Row) float64 { return r.Survival }},
	{name: "p_high", num: func(r *Row) float64 { return r.PHigh }},
	{name: "p_low", num: func(r *Row) float64 { return r.PLow }},
	{name: "band", num: func(r *Row) float64 { return bandOrder(r.Band) }},
}

// bandOrder ranks a band by concern (outcome.BandWords.Order).
func bandOrder(b outcome.Band) float64 {
	w, _ := outcome.Words(b)
	return float64(w.Order)
}

// Sort is a sort field and direction, written "field" or "-field". The
// zero Sort is the default: by name, ascending.
type Sort struct {
	field int // index in sortFields
	Desc  bool
}

// ParseSort reads "field" or "-field". It reports false, with the default
// sort, for a field it does not know.
func ParseSort(s string) (Sort, bool) {
	var spec Sort
	if name, ok := strings.CutPrefix(s, "-"); ok {
		spec.Desc, s = true, name
	}
	for i, f := range sortFields {
		if f.name == s {
			spec.field = i
			return spec, true
		}
	}
	return Sort{}, false
}

// SortNames lists the fields rows may be sorted on, the default first.
func SortNames() []string {
	var names []string
	for _, f := range sortFields {
		names = append(names, f.name)
	}
	return names
}

func (s Sort) String() string {
	if s.Desc {
		return "-" + sortFields[s.field].name
	}
	return sortFields[s.field].name
}

// Numeric reports whether the sort's field is a number (Key.Num) rather
// than text (Key.Str).
func (s Sort) Numeric() bool { return sortFields[s.field].num != nil }

// Key is a row's position in a sort: the sorted value, then the name and
// the unit's unique key, so the order is total and a selection can resume
// after any row (a keyset cursor).
type Key struct {
	Num                                         float64
	Str, Name                                   string
	UnitType, UnitID, Specialty, Procedure, Per string
}

// KeyOf is r's key in sort s.
func (s Sort) KeyOf(r *Row) Key {
	k := Key{Name: Fold(r.UnitName), UnitType: string(r.UnitType), UnitID: r.UnitID, Specialty: r.Specialty,
		Procedure: r.Procedure, Per: r.Period}
	if f := sortFields[s.field]; f.num != nil {
		k.Num = f.num(r)
	} else {
		k.Str = f.str(r)
	}
	return k
}

// Compare orders two keys: the sort value in the sort's direction (NaN
// last either way), then the tie-breakers ascending.
func (s Sort) Compare(a, b Key) int {
	var c int
	if s.Numeric() {
		an, bn := a.Num != a.Num, b.Num != b.Num // NaN
		switch {
		case an && bn:
		case an:
			return 1
		case bn:
			return -1
		default:
			c = cmp.Compare(a.Num, b.Num)
		}
	} else {
		c = strings.Compare(a.Str, b.Str)
	}
	if s.Desc {
		c = -c
	}
	if c != 0 {
		return c
	}
	return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.UnitType, b.UnitType),
		strings.Compare(a.UnitID, b.UnitID), strings.Compare(a.Specialty, b.Specialty),
		strings.Compare(a.Procedure, b.Procedure), strings.Compare(a.Per, b.Per))
}

// sortIndex holds a release's rows in the order of each sort. A national
// release has a million distinct units, so none is sorted before a
// server answers: the default order is sorted the first time a query
// asks for any, or once the server answers (Release.PrepareSelect), and
// every other sort the first time a query asks for it, its two
// directions together. Every sort breaks ties by the default order (name,
// then the unit's whole key: Compare), so that order is sorted once, on
// the strings, and each row's place in it, its rank, stands in for its key
// in every other sort: numbers are then sorted stably by value alone from
// the default order (radixSort), text by value and rank. Each descending
// order is read off its ascending one (sortedDesc).
type sortIndex struct {
	rows   []Row
	rank   []int32 // rank[i] is row i's place in the default order
	fields []sortedField
}

// sortedField is one field's two orders, built once.
type sortedField struct {
	once      sync.Once
	asc, desc []int32
}

// newSortIndex sorts rows in the default order and makes ready the rest.
func newSortIndex(rows []Row) *sortIndex {
	folded := make([]string, len(rows))
	for i := range rows {
		folded[i] = Fold(rows[i].UnitName)
	}
	return newSortIndexFolded(rows, folded)
}

// newSortIndexFolded is newSortIndex given each row's name folded (Fold),
// as a release's builder has them. Ties of names, few, are broken by the
// rest of the rows' keys (Sort.Compare) read from the rows themselves.
func newSortIndexFolded(rows []Row, folded []string) *sortIndex {
	x := &sortIndex{rows: rows, rank: make([]int32, len(rows)), fields: make([]sortedField, len(sortFields))}
	byName := Sort{}
	type named struct {
		name string
		row  int32
	}
	recs := make([]named, len(rows))
	for i := range rows {
		recs[i] = named{folded[i], int32(i)}
	}
	recs = sortOnCores(recs, func(a, b named) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		ra, rb := &rows[a.row], &rows[b.row]
		return cmp.Or(strings.Compare(string(ra.UnitType), string(rb.UnitType)), strings.Compare(ra.UnitID, rb.UnitID),
			strings.Compare(ra.Specialty, rb.Specialty), strings.Compare(ra.Procedure, rb.Procedure),
			strings.Compare(ra.Period, rb.Period))
	})
	order := make([]int32, len(rows))
	for pos, rec := range recs {
		order[pos], x.rank[rec.row] = rec.row, int32(pos)
	}
	f := &x.fields[byName.field]
	f.once.Do(func() {
		f.asc = order
		f.desc = sortedDesc(order, func(i, j int) bool { return recs[i].name == recs[j].name }, func(int) bool { return false })
	})
	return x
}

// order is the rows' indices in sort s.
func (x *sortIndex) order(s Sort) []int32 {
	f := &x.fields[s.field]
	f.once.Do(func() { f.asc, f.desc = x.sortField(sortFields[s.field]) })
	if s.Desc {
		return f.desc
	}
	return f.asc
}

// sortField sorts the rows on one field other than the name, both ways.
func (x *sortIndex) sortField(field sortField) (asc, desc []int32) {
	asc = make([]int32, len(x.rows))
	if field.num != nil {
		byName := x.order(Sort{})
		recs := make([]valued, len(x.rows))
		for pos, row := range byName {
			recs[pos] = valued{sortableFloat(field.num(&x.rows[row])), row}
		}
		recs = radixSort(recs)
		for pos, rec := range recs {
			asc[pos] = rec.row
		}
		return asc, sortedDesc(asc, func(i, j int) bool { return recs[i].value == recs[j].value },
			func(i int) bool { return recs[i].value == sortableNaN })
	}
	type worded struct {
		value     string
		rank, row int32
	}
	recs := make([]worded, len(x.rows))
	for i := range x.rows {
		v := field.str(&x.rows[i])
		recs[i] = worded{v, x.rank[i], int32(i)}
	}
	slices.SortFunc(recs, func(a, b worded) int {
		if c := strings.Compare(a.value, b.value); c != 0 {
			return c
		}
		return cmp.Compare(a.rank, b.rank)
	})
	for pos, rec := range recs {
		asc[pos] = rec.row
	}
	return asc, sortedDesc(asc, func(i, j int) bool { return recs[i].value == recs[j].value }, func(int) bool { return false })
}

// valued is a row and its value in a numeric sort (sortableFloat).
type valued struct {
	value uint64
	row   int32
}

// radixSort sorts recs by value, stably: a least-significant-digit radix
// sort, a byte at a time, passing over a byte every value shares (small
// whole numbers share most). It returns the sorted records, in recs or in
// a second slice of the same length.
func radixSort(recs []valued) []valued {
	if len(recs) < 2 {
		return recs
	}
	tmp := make([]valued, len(recs))
	for shift := 0; shift < 64; shift += 8 {
		var count [256]int
		for _, r := range recs {
			count[byte(r.value>>shift)]++
		}
		if count[byte(recs[0].value>>shift)] == len(recs) {
			continue
		}
		next := 0
		for i, n := range count {
			count[i], next = next, next+n
		}
		for _, r := range recs {
			b := byte(r.value >> shift)
			tmp[count[b]] = r
			count[b]++
		}
		recs, tmp = tmp, recs
	}
	return recs
}

// sortableNaN is what sortableFloat makes of NaN: the largest value, so
// undefined figures come last, as Compare puts them.
const sortableNaN = math.MaxUint64

// sortableFloat maps x to an integer that orders as Compare orders
// numbers: −0 as 0, NaN last.
func sortableFloat(x float64) uint64 {
	if x != x {
		return sortableNaN
	}
	if x == 0 {
		x = 0 // −0
	}
	b := math.Float64bits(x)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

// sortedDesc is a field's descending order, read off its ascending order
// asc. Compare sorts the field's values the other way but keeps the
// tie-breakers ascending and undefined values (NaN) last, so descending is
// asc's runs of equal values in reverse, each run as it was, with the
// undefined run still last. same reports whether the rows at two positions
// of asc have equal values, undefined whether the row at a position has
// none.
func sortedDesc(asc []int32, same func(i, j int) bool, undefined func(i int) bool) []int32 {
	end := len(asc)
	for end > 0 && undefined(end-1) {
		end--
	}
	out := make([]int32, 0, len(asc))
	for j := end; j > 0; {
		i := j - 1
		for i > 0 && same(i-1, j-1) {
			i--
		}
		out = append(out, asc[i:j]...)
		j = i
	}
	return append(out, asc[end:]...)
}
