package catalog

import (
	"cmp"
	"strings"

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
	{name: "cases", num: func(r *Row) float64 { return float64(r.Cases) }},
	{name: "events", num: func(r *Row) float64 { return float64(r.Events) }},
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
