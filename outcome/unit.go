package outcome

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/surgeon-outcomes/outcomes/stats"
)

// UnitType is what a unit on a funnel is: one surgeon or one hospital.
// Surgeons and hospitals are never on the same funnel.
type UnitType string

// The unit types.
const (
	Surgeon  UnitType = "surgeon"
	Hospital UnitType = "hospital"
)

// UnitTypes lists the unit types, surgeons first, the order pages offer
// them in.
func UnitTypes() []UnitType { return []UnitType{Surgeon, Hospital} }

// ParseUnitType returns the unit type named s.
func ParseUnitType(s string) (UnitType, error) {
	switch t := UnitType(s); t {
	case Surgeon, Hospital:
		return t, nil
	}
	return "", fmt.Errorf("unknown unit_type %q (want %s or %s)", s, Surgeon, Hospital)
}

// Valid reports whether t is one of the unit types.
func (t UnitType) Valid() bool { return t == Surgeon || t == Hospital }

// Plural is the unit type's plural noun, as URLs and headings use it.
func (t UnitType) Plural() string { return string(t) + "s" }

// Title is the plural noun with a capital, for headings and options.
func (t UnitType) Title() string {
	p := t.Plural()
	if p == "" {
		return ""
	}
	return strings.ToUpper(p[:1]) + p[1:]
}

// HospitalShare is a hospital a unit's figures come from, with the cases
// done there.
type HospitalShare struct {
	ID, Name string
	Cases    int
}

// Unit is one unit of a funnel: its rows in a group, summed.
type Unit struct {
	Type UnitType
	ID   string
	// Name is the name its first row gives.
	Name string
	// Aggregated marks a hospital summed from its surgeons' rows, in a
	// group where the publisher gives no hospital rows.
	Aggregated bool
	Cases      int
	Events     int
	// Expected is the sum of the rows' expected events; NaN when the group
	// is crude (no expected counts) or the unit is NotAssessable.
	Expected float64
	// NotAssessable marks a unit with a row whose expected deaths are not
	// known (Row.NotAssessable): it is shown with its counts but never
	// placed on the funnel nor judged, and [UnitSet.Stats] leaves it out.
	NotAssessable bool
	// PublishedOnly marks a unit of the publisher's figures only
	// (Row.PublishedOnly): it is NotAssessable, its Events mean nothing,
	// and its Cases are the publisher's volume where it gave one (else 0).
	// Its figures are its one row's: they are never summed.
	PublishedOnly bool
	// Rows are the indices, in the slice given to [Units], of the rows
	// summed, in key order (hospital id).
	Rows []int
	// Hospitals are the hospitals the figures come from, by id: a
	// surgeon's every hospital, or a hospital itself.
	Hospitals []HospitalShare
}

// Stats is the unit's counts as [stats.Funnel] takes them.
func (u *Unit) Stats() stats.Unit {
	return stats.Unit{Cases: u.Cases, Observed: u.Events, Expected: u.Expected}
}

// MainHospital is the hospital where the unit did most of its cases (the
// lower id on a tie), and false when its rows name none.
func (u *Unit) MainHospital() (HospitalShare, bool) {
	var best HospitalShare
	found := false
	for _, h := range u.Hospitals {
		if !found || h.Cases > best.Cases {
			best, found = h, true
		}
	}
	return best, found
}

// HospitalIDs lists the ids of the unit's hospitals, sorted.
func (u *Unit) HospitalIDs() []string {
	ids := make([]string, len(u.Hospitals))
	for i, h := range u.Hospitals {
		ids[i] = h.ID
	}
	return ids
}

// UnitSet is one funnel's worth of units: a group's surgeons, or its
// hospitals, sorted by id.
type UnitSet struct {
	Type UnitType
	// Aggregated marks hospitals summed from surgeons' rows.
	Aggregated bool
	Units      []Unit
}

// Stats is the set's counts as [stats.Funnel] takes them: the units that
// can be assessed, in order, without the NotAssessable ones, which have no
// expected deaths to place them by ([Describe] puts them back).
func (s *UnitSet) Stats() []stats.Unit {
	us := make([]stats.Unit, 0, len(s.Units))
	for i := range s.Units {
		if !s.Units[i].NotAssessable {
			us = append(us, s.Units[i].Stats())
		}
	}
	return us
}

// Units turns one group's rows into its funnels (DESIGN.md § Canonical
// CSV): a surgeon's rows at several hospitals are summed into one unit; a
// hospital's unit is its own rows, or, when the group has no hospital rows
// at all, the sum of the rows of the surgeons who operated there (unless
// they are the publisher's figures only, which cannot be summed). It
// returns the surgeons' set first, then the hospitals'; a set with no units
// is left out.
//
// Rows are summed in key order (unit type, unit id, hospital id), not in
// the order given, so a unit's figures do not depend on the order of the
// file: floating-point sums of expected deaths would (the decimal sum that
// gives Expected does not, but its fallback is the floating-point one). Every row must
// belong to the same group; rows of any other unit type are ignored.
func Units(rows []Row) []UnitSet {
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ra, rb := &rows[a], &rows[b]
		return cmp.Or(strings.Compare(string(ra.UnitType), string(rb.UnitType)), strings.Compare(ra.UnitID, rb.UnitID),
			strings.Compare(ra.HospitalID, rb.HospitalID))
	})
	surgeons, hospitals, fromSurgeons := unitSums{}, unitSums{}, unitSums{}
	publishedOnly := false
	for _, i := range order {
		r := &rows[i]
		publishedOnly = publishedOnly || r.PublishedOnly
		switch r.UnitType {
		case Surgeon:
			surgeons.add(r.UnitID, r.UnitName, i, r)
			if r.HospitalID != "" {
				fromSurgeons.add(r.HospitalID, r.HospitalName, i, r)
			}
		case Hospital:
			hospitals.add(r.UnitID, r.UnitName, i, r)
		}
	}
	var sets []UnitSet
	if len(surgeons) > 0 {
		sets = append(sets, surgeons.set(Surgeon, false, rows))
	}
	switch {
	case len(hospitals) > 0:
		sets = append(sets, hospitals.set(Hospital, false, rows))
	case len(fromSurgeons) > 0 && !publishedOnly:
		sets = append(sets, fromSurgeons.set(Hospital, true, rows))
	}
	return sets
}

// unitSums gathers units by id.
type unitSums map[string]*unitSum

// unitSum is a unit being summed; its expected deaths are added as the
// decimals the rows give (decimalSum), so that a surgeon's 2.138 and 0.962
// make 3.1, as the publisher's figures do, not 3.0999999999999996.
type unitSum struct {
	Unit
	expected      decimalSum
	crude         bool // a row has no expected count
	notAssessable bool // a row's expected count is not known (Row.NotAssessable)
}

func (m unitSums) add(id, name string, i int, r *Row) {
	u, ok := m[id]
	if !ok {
		u = &unitSum{Unit: Unit{ID: id, Name: name}}
		m[id] = u
	}
	u.Cases += r.Cases
	u.Events += r.Events
	u.PublishedOnly = u.PublishedOnly || r.PublishedOnly
	switch {
	case r.NotAssessable:
		u.notAssessable = true
	case r.Expected.Valid:
		u.expected.add(r.Expected.V)
	default:
		u.crude = true
	}
	u.Rows = append(u.Rows, i)
}

// set sorts the units by id and names their hospitals.
func (m unitSums) set(t UnitType, aggregated bool, rows []Row) UnitSet {
	s := UnitSet{Type: t, Aggregated: aggregated, Units: make([]Unit, 0, len(m))}
	for _, us := range m {
		u := &us.Unit
		u.Type, u.Aggregated = t, aggregated
		u.Expected = us.expected.value()
		if us.crude || us.notAssessable {
			u.Expected = math.NaN()
		}
		u.NotAssessable = us.notAssessable
		if t == Surgeon {
			u.Hospitals = hospitalShares(rows, u.Rows)
		} else {
			u.Hospitals = []HospitalShare{{ID: u.ID, Name: u.Name, Cases: u.Cases}}
		}
		s.Units = append(s.Units, *u)
	}
	slices.SortFunc(s.Units, func(a, b Unit) int { return strings.Compare(a.ID, b.ID) })
	return s
}

// hospitalShares lists the hospitals a surgeon's rows name, by id, with
// the cases at each; the name is the first row's for that hospital.
func hospitalShares(rows []Row, idx []int) []HospitalShare {
	var hs []HospitalShare
	var at map[string]int // by id, once there are enough to search
	for _, i := range idx {
		r := &rows[i]
		if r.HospitalID == "" {
			continue
		}
		j, ok := -1, false
		if at != nil {
			j, ok = at[r.HospitalID]
		} else if j = slices.IndexFunc(hs, func(h HospitalShare) bool { return h.ID == r.HospitalID }); j >= 0 {
			ok = true
		}
		if !ok {
			j = len(hs)
			hs = append(hs, HospitalShare{ID: r.HospitalID, Name: r.HospitalName})
			if at != nil {
				at[r.HospitalID] = j
			} else if len(hs) == 16 { // a surgeon at many hospitals: index them
				at = make(map[string]int, 32)
				for k, h := range hs {
					at[h.ID] = k
				}
			}
		}
		hs[j].Cases += r.Cases
	}
	slices.SortFunc(hs, func(a, b HospitalShare) int { return strings.Compare(a.ID, b.ID) })
	return hs
}
