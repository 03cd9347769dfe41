package catalog

import (
	"cmp"
	"slices"
	"strings"
)

// HospitalEntry is one hospital in a release's A–Z index of hospitals.
type HospitalEntry struct {
	ID, Name string
	// Specialties are the slugs it has results in, its own or its
	// surgeons', in the order outcome.Specialties lists them.
	Specialties []string
	// Surgeons is how many surgeons have results there.
	Surgeons int
	folded   string
}

// Hospitals lists every hospital of the release, those with results of
// their own and those only named as their surgeons' hospital, A–Z by name
// (accents and case ignored), then id. An unnamed hospital is listed by
// its id. The list is the release's own, made once: callers must not
// change it.
func (r *Release) Hospitals() []HospitalEntry { return r.hospitalIndex }

// indexHospitals makes the list Hospitals returns.
func (r *Release) indexHospitals() []HospitalEntry {
	byID := map[string]*HospitalEntry{}
	add := func(id string, rows []int32) {
		h := byID[id]
		if h == nil {
			h = &HospitalEntry{ID: id, Name: cmp.Or(r.HospitalName(id), id)}
			h.folded = Fold(h.Name)
			byID[id] = h
		}
		for _, i := range rows {
			h.Specialties = appendSorted(h.Specialties, r.Rows[i].Specialty)
		}
	}
	for id, rows := range r.hospital {
		add(id, rows)
	}
	// One set of a hospital's surgeons at a time, emptied for the next:
	// a national release has a million surgeon rows at its hospitals.
	surgeons := map[string]struct{}{}
	for id, rows := range r.atHospital {
		add(id, rows)
		clear(surgeons)
		for _, i := range rows {
			surgeons[r.Rows[i].UnitID] = struct{}{}
		}
		byID[id].Surgeons = len(surgeons)
	}
	out := make([]HospitalEntry, 0, len(byID))
	for _, h := range byID {
		h.Specialties = sortSpecialties(h.Specialties)
		out = append(out, *h)
	}
	slices.SortFunc(out, func(a, b HospitalEntry) int {
		return cmp.Or(strings.Compare(a.folded, b.folded), strings.Compare(a.ID, b.ID))
	})
	return out
}
