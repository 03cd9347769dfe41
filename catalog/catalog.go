package catalog

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/store"
)

// Catalog holds every release's results in memory, built once at start:
// releases are immutable, so no request recomputes a funnel or reads the
// database (DESIGN.md § Scale).
type Catalog struct {
	// Releases are newest first.
	Releases []*Release
	byID     map[string]*Release
}

// Release is one release's results, indexed for the pages and the API.
type Release struct {
	Meta store.Release
	// Tag is the base of every ETag for this release: it changes when the
	// input, the mapping or the id does.
	Tag     string
	Funnels []*Funnel
	// Rows holds every unit of every funnel, surgeons and hospitals, in
	// funnel order and, within a funnel, unit id order.
	Rows []Row

	// search finds the release's units (search.go); rowUnit is per row its
	// unit there, and hospitals every hospital the row's figures come from.
	search    *searchIndex
	rowUnit   []int32
	hospitals [][]string
	// orders holds the row indices in the order of each sort.
	orders *sortIndex
	// surgeon and hospital map a unit id to its rows, in row order; atHospital
	// maps a hospital id to the surgeon rows done there.
	surgeon, hospital, atHospital map[string][]int32
	// periods lists, per specialty, the periods it has, newest last.
	periods map[string][]string
	// unitCounts are, per specialty, how many distinct surgeons and
	// hospitals it reports, counted once here for every page that says so.
	unitCounts map[string]UnitCount
	// hospitalIndex is every hospital A–Z (hospitals.go).
	hospitalIndex []HospitalEntry
}

// UnitCount is a specialty's number of distinct surgeons and hospitals.
type UnitCount struct{ Surgeons, Hospitals int }

// Funnel is one comparison group's funnel and the rows placed on it.
type Funnel struct {
	outcome.Funnel
	// First and End delimit its units: Release.Rows[First:End].
	First, End int32
	// ByName lists the same rows A–Z by name (UnitNameKey: surgeons by
	// surname), then id: the order of every table and chart focus order
	// on the site.
	ByName []int32
}

// Len is the number of units on the funnel.
func (f *Funnel) Len() int { return int(f.End - f.First) }

// Load reads every release's results from db.
func Load(ctx context.Context, db *store.DB) (*Catalog, error) {
	metas, err := db.Releases(ctx)
	if err != nil {
		return nil, err
	}
	c := &Catalog{byID: map[string]*Release{}}
	for _, m := range metas {
		results, err := db.Results(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		published, err := db.Rows(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		r, err := NewRelease(m, results, published)
		if err != nil {
			return nil, err
		}
		c.Releases = append(c.Releases, r)
		c.byID[m.ID] = r
	}
	return c, nil
}

// Latest returns the newest release, or nil when none is loaded.
func (c *Catalog) Latest() *Release {
	if len(c.Releases) == 0 {
		return nil
	}
	return c.Releases[0]
}

// Release returns the release with the given id, or nil.
func (c *Catalog) Release(id string) *Release { return c.byID[id] }

// NewRelease indexes one release: its stored funnels (results, in the
// store's order) and the published rows they were computed from, which
// name each unit's hospitals and carry the publisher's own figures.
func NewRelease(m store.Release, results []outcome.Funnel, published []outcome.Row) (*Release, error) {
	sum := sha256.Sum256([]byte(m.ID + "\x00" + m.InputSHA256 + "\x00" + m.MappingSHA256))
	r := &Release{Meta: m, Tag: hex.EncodeToString(sum[:16]),
		surgeon: map[string][]int32{}, hospital: map[string][]int32{}, atHospital: map[string][]int32{},
		periods: map[string][]string{}}

	// The units of each group, by the domain's rule, so that each result
	// row can name its hospitals and, where the unit is one published row,
	// carry the publisher's own figures.
	published = slices.Clone(published)
	slices.SortStableFunc(published, func(a, b outcome.Row) int { return compareGroups(a.Group(), b.Group()) })
	type groupRows struct {
		rows []outcome.Row
		sets []outcome.UnitSet
	}
	byGroup := map[outcome.Group]*groupRows{}
	for start := 0; start < len(published); {
		g := published[start].Group()
		end := start + 1
		for end < len(published) && published[end].Group() == g {
			end++
		}
		rows := published[start:end]
		byGroup[g] = &groupRows{rows: rows, sets: outcome.Units(rows)}
		start = end
	}

	search := newSearchBuilder()
	for gi := range results {
		g := &results[gi]
		f := &Funnel{Funnel: *g, First: int32(len(r.Rows))}
		f.Units = nil // the rows hold them
		if !slices.Contains(r.periods[g.Specialty], g.Period) {
			r.periods[g.Specialty] = append(r.periods[g.Specialty], g.Period)
		}
		var gr groupRows
		if p := byGroup[g.Group]; p != nil {
			gr = *p
		}
		outcomeName := ""
		if len(gr.rows) > 0 {
			outcomeName = gr.rows[0].Outcome
		}
		var set outcome.UnitSet
		for _, s := range gr.sets {
			if s.Type == g.UnitType {
				set = s
			}
		}
		for ui := range g.Units {
			u := &g.Units[ui]
			unit := findUnit(set.Units, ui, u.UnitID)
			ref := hospitalRef{ID: u.UnitID, Name: u.UnitName, Count: 1}
			hospitals := []string{u.UnitID}
			shares := []outcome.HospitalShare{{ID: u.UnitID, Name: u.UnitName}}
			var pub *outcome.Row
			if unit != nil {
				if g.UnitType == outcome.Surgeon {
					main, _ := unit.MainHospital()
					ref = hospitalRef{ID: main.ID, Name: main.Name, Count: len(unit.Hospitals)}
					hospitals = unit.HospitalIDs()
				}
				shares = unit.Hospitals
				// A sum of several rows carries no publisher figure of its own.
				if len(unit.Rows) == 1 && !unit.Aggregated {
					pub = &gr.rows[unit.Rows[0]]
				}
			}
			idx := int32(len(r.Rows))
			r.Rows = append(r.Rows, newRow(g, u, outcomeName, ref, pub))
			r.hospitals = append(r.hospitals, hospitals)
			r.rowUnit = append(r.rowUnit, search.add(g.UnitType, u.UnitID, u.UnitName, g.Specialty, shares))
			if g.UnitType == outcome.Surgeon {
				r.surgeon[u.UnitID] = append(r.surgeon[u.UnitID], idx)
				for _, h := range hospitals {
					r.atHospital[h] = append(r.atHospital[h], idx)
				}
			} else {
				r.hospital[u.UnitID] = append(r.hospital[u.UnitID], idx)
			}
		}
		f.End = int32(len(r.Rows))
		f.ByName = make([]int32, 0, f.End-f.First)
		for i := f.First; i < f.End; i++ {
			f.ByName = append(f.ByName, i)
		}
		folded := make(map[int32]string, len(f.ByName))
		for _, i := range f.ByName {
			folded[i] = UnitNameKey(r.Rows[i].UnitType, r.Rows[i].UnitName)
		}
		slices.SortFunc(f.ByName, func(a, b int32) int {
			return cmp.Or(strings.Compare(folded[a], folded[b]), strings.Compare(r.Rows[a].UnitID, r.Rows[b].UnitID))
		})
		r.Funnels = append(r.Funnels, f)
	}
	r.search = search.build()
	r.hospitalIndex = r.indexHospitals()
	for _, ps := range r.periods {
		slices.Sort(ps)
	}
	r.unitCounts = map[string]UnitCount{}
	seen := map[[3]string]bool{}
	for i := range r.Rows {
		u := &r.Rows[i]
		k := [3]string{u.Specialty, string(u.UnitType), u.UnitID}
		if seen[k] {
			continue
		}
		seen[k] = true
		n := r.unitCounts[u.Specialty]
		if u.UnitType == outcome.Surgeon {
			n.Surgeons++
		} else {
			n.Hospitals++
		}
		r.unitCounts[u.Specialty] = n
	}
	r.orders = newSortIndex(r.Rows)
	if len(r.Rows) > 1<<31-1 {
		return nil, fmt.Errorf("catalog: release %s has too many units", m.ID)
	}
	return r, nil
}

// compareGroups orders groups by specialty, procedure and period.
func compareGroups(a, b outcome.Group) int {
	return cmp.Or(strings.Compare(a.Specialty, b.Specialty), strings.Compare(a.Procedure, b.Procedure),
		strings.Compare(a.Period, b.Period))
}

// findUnit finds the unit with the given id among units sorted by id; the
// stored results are in the same order, so it is usually at index i.
func findUnit(units []outcome.Unit, i int, id string) *outcome.Unit {
	if i < len(units) && units[i].ID == id {
		return &units[i]
	}
	j, ok := slices.BinarySearchFunc(units, id, func(u outcome.Unit, id string) int { return strings.Compare(u.ID, id) })
	if !ok {
		return nil
	}
	return &units[j]
}

// Fold prepares text for matching and A–Z order: lower case, accents
// removed, runs of space collapsed, so "Seán O'Néill" is found by
// "sean o'neill".
func Fold(s string) string {
	var b strings.Builder
	space := true
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r):
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		b.WriteRune(unicode.ToLower(r))
		space = false
	}
	return strings.TrimSpace(b.String())
}

// Periods lists the periods the release has for a specialty, oldest first.
func (r *Release) Periods(specialty string) []string { return r.periods[specialty] }

// LatestPeriod is a specialty's newest period, or "".
func (r *Release) LatestPeriod(specialty string) string {
	ps := r.periods[specialty]
	if len(ps) == 0 {
		return ""
	}
	return ps[len(ps)-1]
}

// UnitCount is how many distinct surgeons and hospitals a specialty reports.
func (r *Release) UnitCount(specialty string) UnitCount { return r.unitCounts[specialty] }

// Surgeon returns the rows of the surgeon with the given id, in row order.
func (r *Release) Surgeon(id string) []int32 { return r.surgeon[id] }

// Hospital returns the hospital's own rows, in row order.
func (r *Release) Hospital(id string) []int32 { return r.hospital[id] }

// AtHospital returns the surgeon rows done at a hospital, in row order.
func (r *Release) AtHospital(id string) []int32 { return r.atHospital[id] }

// RowHospitals lists every hospital row i's figures come from.
func (r *Release) RowHospitals(i int32) []string { return r.hospitals[i] }

// HospitalName is a hospital's name as its own rows, or its surgeons',
// give it.
func (r *Release) HospitalName(id string) string {
	if idx := r.hospital[id]; len(idx) > 0 {
		return r.Rows[idx[0]].UnitName
	}
	for _, i := range r.atHospital[id] {
		if r.Rows[i].HospitalID == id {
			return r.Rows[i].HospitalName
		}
	}
	return ""
}

// RowOf finds a unit's row in a comparison group, or nil.
func (r *Release) RowOf(unitType outcome.UnitType, id, specialty, procedure, period string) *Row {
	idx := r.surgeon[id]
	if unitType != outcome.Surgeon {
		idx = r.hospital[id]
	}
	for _, i := range idx {
		u := &r.Rows[i]
		if u.Specialty == specialty && u.Procedure == procedure && u.Period == period {
			return u
		}
	}
	return nil
}

// FunnelRows are the rows placed on f, in unit id order.
func (r *Release) FunnelRows(f *Funnel) []Row { return r.Rows[f.First:f.End] }

// ChooseFunnel finds the funnel a page shows: the period defaults to the
// specialty's latest, the procedure to its headline one
// (outcome.HeadlineProcedure) or else the first, the unit type to
// surgeons. It returns nil when the specialty has none in the period.
func (r *Release) ChooseFunnel(specialty, procedure, period string, unitType outcome.UnitType) *Funnel {
	if period == "" {
		period = r.LatestPeriod(specialty)
	}
	if unitType != outcome.Hospital {
		unitType = outcome.Surgeon
	}
	if procedure == "" {
		procedure = outcome.HeadlineProcedure(specialty, r.procedures(specialty, period, ""))
	}
	var best *Funnel
	for _, f := range r.Funnels {
		if f.Specialty == specialty && f.Period == period &&
			(best == nil || funnelScore(f, unitType, procedure) > funnelScore(best, unitType, procedure)) {
			best = f
		}
	}
	return best
}

// funnelScore ranks how well a funnel matches a request: the unit type
// first, then the procedure.
func funnelScore(f *Funnel, unitType outcome.UnitType, procedure string) int {
	score := 0
	if f.UnitType == unitType {
		score += 2
	}
	if f.Procedure == procedure {
		score++
	}
	return score
}
