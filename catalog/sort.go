package catalog

import (
	"cmp"
	"slices"
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

// sortOrders lists, for every sort (each field, both directions), the
// rows' indices in that order. A server does this at start for every
// release, so it is built for a national release of a million distinct
// units: each row's key is made once and its name folded once, not once
// per sort, and each descending order is read off its ascending one
// (sortedDesc) rather than sorted again.
func sortOrders(rows []Row) map[string][]int32 {
	orders := make(map[string][]int32, 2*len(sortFields))
	keys := make([]Key, len(rows))
	for i := range rows {
		keys[i] = Sort{}.KeyOf(&rows[i]) // the tie-breakers, the same in every sort
	}
	for f, field := range sortFields {
		asc := Sort{field: f}
		for i := range keys {
			switch {
			case field.num != nil:
				keys[i].Num, keys[i].Str = field.num(&rows[i]), ""
			case field.name == "name":
				keys[i].Num, keys[i].Str = 0, keys[i].Name // folded already
			default:
				keys[i].Num, keys[i].Str = 0, field.str(&rows[i])
			}
		}
		order := make([]int32, len(rows))
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortFunc(order, func(a, b int32) int { return asc.Compare(keys[a], keys[b]) })
		orders[asc.String()] = order
		orders[Sort{field: f, Desc: true}.String()] = sortedDesc(order,
			func(a, b int32) bool { return asc.samePrimary(keys[a], keys[b]) },
			func(a int32) bool { return asc.Numeric() && keys[a].Num != keys[a].Num })
	}
	return orders
}

// sortedDesc is a field's descending order, read off its ascending order
// asc. Compare sorts the field's values the other way but keeps the
// tie-breakers ascending and undefined values (NaN) last, so descending is
// asc's runs of equal values in reverse, each run as it was, with the
// undefined run still last. same reports whether two rows' values are
// equal, undefined whether a row's is undefined.
func sortedDesc(asc []int32, same func(a, b int32) bool, undefined func(a int32) bool) []int32 {
	end := len(asc)
	for end > 0 && undefined(asc[end-1]) {
		end--
	}
	out := make([]int32, 0, len(asc))
	for j := end; j > 0; {
		i := j - 1
		for i > 0 && same(asc[i-1], asc[j-1]) {
			i--
		}
		out = append(out, asc[i:j]...)
		j = i
	}
	return append(out, asc[end:]...)
}

// samePrimary reports whether two keys have the same value in s's field,
// NaN being the same as NaN: Compare then orders them by the tie-breakers
// alone.
func (s Sort) samePrimary(a, b Key) bool {
	if s.Numeric() {
		return a.Num == b.Num || a.Num != a.Num && b.Num != b.Num
	}
	return a.Str == b.Str
}
