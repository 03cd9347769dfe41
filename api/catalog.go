package api

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

// catalog holds every release's results in memory, built once at start:
// releases are immutable, so no request recomputes a funnel or reads the
// database (DESIGN.md § Scale).
type catalog struct {
	releases []*release // newest first
	byID     map[string]*release
}

// release is one release's results, indexed for the API.
type release struct {
	meta store.Release
	// tag is the base of every ETag for this release: it changes when the
	// input, the mapping or the id does.
	tag     string
	funnels []*funnel
	// rows holds every unit of every funnel, surgeons and hospitals, in
	// funnel order and, within a funnel, unit id order.
	rows []unitRow
	// search finds the release's units (search.go); rowUnit is per row its
	// unit there, and hospitals every hospital the row's figures come from.
	search    *searchIndex
	rowUnit   []int32
	hospitals [][]string
	// orders holds, for each sort, the row indices in that order.
	orders map[string][]int32
	// surgeon and hospital map a unit id to its rows, in row order; atHospital
	// maps a hospital id to the surgeon rows done there.
	surgeon, hospital, atHospital map[string][]int32
	// periods lists, per specialty, the periods it has, newest last.
	periods map[string][]string
	// unitCounts are, per specialty, how many distinct surgeons and
	// hospitals it reports, counted once here for every page that says so.
	unitCounts map[string]unitCount
}

// unitCount is a specialty's number of distinct surgeons and hospitals.
type unitCount struct{ surgeons, hospitals int }

// funnel is one comparison group's funnel and the rows placed on it.
type funnel struct {
	outcome.Funnel
	first, end int32 // rows[first:end] are its units
	// byName lists the same rows A–Z by folded name, then id: the order
	// of every table and chart focus order on the site.
	byName []int32
}

func (r *release) latestPeriod(specialty string) string {
	ps := r.periods[specialty]
	if len(ps) == 0 {
		return ""
	}
	return ps[len(ps)-1]
}

// loadCatalog reads every release's results from db.
func loadCatalog(ctx context.Context, db *store.DB) (*catalog, error) {
	metas, err := db.Releases(ctx)
	if err != nil {
		return nil, err
	}
	c := &catalog{byID: map[string]*release{}}
	for _, m := range metas {
		r, err := loadRelease(ctx, db, m)
		if err != nil {
			return nil, err
		}
		c.releases = append(c.releases, r)
		c.byID[m.ID] = r
	}
	return c, nil
}

func loadRelease(ctx context.Context, db *store.DB, m store.Release) (*release, error) {
	results, err := db.Results(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	published, err := db.Rows(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(m.ID + "\x00" + m.InputSHA256 + "\x00" + m.MappingSHA256))
	r := &release{meta: m, tag: hex.EncodeToString(sum[:16]),
		surgeon: map[string][]int32{}, hospital: map[string][]int32{}, atHospital: map[string][]int32{},
		periods: map[string][]string{}}

	// The units of each group, by the domain's rule, so that each result
	// row can name its hospitals and, where the unit is one published row,
	// carry the publisher's own figures.
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
		f := &funnel{Funnel: *g, first: int32(len(r.rows))}
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
			idx := int32(len(r.rows))
			r.rows = append(r.rows, newUnitRow(g, u, outcomeName, ref, pub))
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
		f.end = int32(len(r.rows))
		f.byName = make([]int32, 0, f.end-f.first)
		for i := f.first; i < f.end; i++ {
			f.byName = append(f.byName, i)
		}
		folded := make(map[int32]string, len(f.byName))
		for _, i := range f.byName {
			folded[i] = fold(r.rows[i].UnitName)
		}
		slices.SortFunc(f.byName, func(a, b int32) int {
			return cmp.Or(strings.Compare(folded[a], folded[b]), strings.Compare(r.rows[a].UnitID, r.rows[b].UnitID))
		})
		r.funnels = append(r.funnels, f)
	}
	r.search = search.build()
	for _, ps := range r.periods {
		slices.Sort(ps)
	}
	r.unitCounts = map[string]unitCount{}
	seen := map[[3]string]bool{}
	for i := range r.rows {
		u := &r.rows[i]
		k := [3]string{u.Specialty, string(u.UnitType), u.UnitID}
		if seen[k] {
			continue
		}
		seen[k] = true
		n := r.unitCounts[u.Specialty]
		if u.UnitType == outcome.Surgeon {
			n.surgeons++
		} else {
			n.hospitals++
		}
		r.unitCounts[u.Specialty] = n
	}
	r.orders = make(map[string][]int32, 2*len(sortFields))
	for _, sf := range sortFields {
		for _, desc := range []bool{false, true} {
			s := sortSpec{field: sf, desc: desc}
			order := make([]int32, len(r.rows))
			keys := make([]sortKey, len(r.rows))
			for i := range order {
				order[i] = int32(i)
				keys[i] = s.keyOf(&r.rows[i])
			}
			slices.SortFunc(order, func(a, b int32) int { return s.compare(keys[a], keys[b]) })
			r.orders[s.String()] = order
		}
	}
	if len(r.rows) > 1<<31-1 {
		return nil, fmt.Errorf("api: release %s has too many units", m.ID)
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

// fold prepares text for matching: lower case, accents removed, runs of
// space collapsed, so "Seán O'Néill" is found by "sean o'neill".
func fold(s string) string {
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

// latest returns the newest release, or nil when none is loaded.
func (c *catalog) latest() *release {
	if len(c.releases) == 0 {
		return nil
	}
	return c.releases[0]
}

// sortField is a column rows may be sorted on.
type sortField struct {
	name string
	// str or num gives a row's value; a NaN num sorts last whichever the
	// direction, so undefined figures never lead a list.
	str func(*unitRow) string
	num func(*unitRow) float64
}

// sortFields lists every sort the API offers.
var sortFields = []sortField{
	{name: "name", str: func(r *unitRow) string { return fold(r.UnitName) }},
	{name: "unit_id", str: func(r *unitRow) string { return r.UnitID }},
	{name: "hospital", str: func(r *unitRow) string { return fold(r.HospitalName) }},
	{name: "specialty", str: func(r *unitRow) string { return r.Specialty }},
	{name: "period", str: func(r *unitRow) string { return r.Period }},
	{name: "cases", num: func(r *unitRow) float64 { return float64(r.Cases) }},
	{name: "events", num: func(r *unitRow) float64 { return float64(r.Events) }},
	{name: "expected", num: func(r *unitRow) float64 { return float64(r.Expected) }},
	{name: "ratio", num: func(r *unitRow) float64 { return float64(r.Ratio) }},
	{name: "ramr", num: func(r *unitRow) float64 { return float64(r.RAMR) }},
	{name: "survival", num: func(r *unitRow) float64 { return float64(r.Survival) }},
	{name: "p_high", num: func(r *unitRow) float64 { return float64(r.PHigh) }},
	{name: "p_low", num: func(r *unitRow) float64 { return float64(r.PLow) }},
	{name: "band", num: func(r *unitRow) float64 { return bandOrder(r.Band) }},
}

// bandOrder ranks a band by concern (outcome.BandWords.Order).
func bandOrder(b outcome.Band) float64 {
	w, _ := outcome.Words(b)
	return float64(w.Order)
}

// sortSpec is a sort field and direction, written "field" or "-field".
type sortSpec struct {
	field sortField
	desc  bool
}

func (s sortSpec) String() string {
	if s.desc {
		return "-" + s.field.name
	}
	return s.field.name
}

// sortKey is a row's position in a sort: the sorted value, then the name
// and the unit's unique key, so the order is total and a cursor can resume
// after any row.
type sortKey struct {
	Num                                         float64
	Str, Name                                   string
	UnitType, UnitID, Specialty, Procedure, Per string
}

func (s sortSpec) keyOf(r *unitRow) sortKey {
	k := sortKey{Name: fold(r.UnitName), UnitType: string(r.UnitType), UnitID: r.UnitID, Specialty: r.Specialty,
		Procedure: r.Procedure, Per: r.Period}
	if s.field.num != nil {
		k.Num = s.field.num(r)
	} else {
		k.Str = s.field.str(r)
	}
	return k
}

// compare orders two keys: the sort value in the spec's direction (NaN
// last), then the tie-breakers ascending.
func (s sortSpec) compare(a, b sortKey) int {
	var c int
	if s.field.num != nil {
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
	if s.desc {
		c = -c
	}
	if c != 0 {
		return c
	}
	return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.UnitType, b.UnitType),
		strings.Compare(a.UnitID, b.UnitID), strings.Compare(a.Specialty, b.Specialty),
		strings.Compare(a.Procedure, b.Procedure), strings.Compare(a.Per, b.Per))
}
