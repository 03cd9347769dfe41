package catalog

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

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
	// input, the mapping or the id does, or a correction supersedes it.
	Tag     string
	Funnels []*Funnel
	// Rows holds every unit of every funnel, surgeons and hospitals, in
	// funnel order and, within a funnel, unit id order.
	Rows []Row

	// search finds the release's units (search.go), built the first time
	// it is asked (searchIndex): on a national release it is half the
	// work of loading and a third of the memory, and no page shown at
	// start needs it. rowUnit is per row its unit there; otherShares
	// holds the hospitals search indexes for the rows whose hospitals are
	// not just the one the row names (rowShares), and hospitals every
	// hospital the row's figures come from.
	searchOnce  sync.Once
	search      *searchIndex
	rowUnit     []int32
	otherShares map[int32][]outcome.HospitalShare
	hospitals   [][]string
	// orders holds the row indices in the order of each sort, made the
	// first time a selection needs one (sortOrders), as it is not needed
	// to answer at start: a second of a national release's start, spent
	// once the server answers (PrepareSelect). folded holds every row's name
	// folded (Fold) until then, as loading made them.
	ordersOnce sync.Once
	orders     *sortIndex
	folded     []string
	// surgeon finds a surgeon's rows by id, in row order: a map of a
	// national release's million surgeons cost more than its rows' figures.
	surgeon idIndex
	// hospital maps a hospital id to its own rows, in row order; atHospital
	// maps a hospital id to the surgeon rows done there.
	hospital, atHospital map[string][]int32
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
		r, err := loadRelease(ctx, db, m)
		if err != nil {
			return nil, err
		}
		c.Releases = append(c.Releases, r)
		c.byID[m.ID] = r
	}
	return c, nil
}

// loadRelease reads and indexes one release a funnel at a time: each
// funnel is one stored row holding its units' results and what is shown
// beside them (store.EachFunnel), so a start reads neither the published
// rows nor a row per unit.
func loadRelease(ctx context.Context, db *store.DB, m store.Release) (*Release, error) {
	n, err := db.ResultUnitCount(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	if n > 1<<31-1 {
		return nil, fmt.Errorf("catalog: release %s has too many units", m.ID)
	}
	b := newReleaseBuilder(m, n)
	// A release stored before them (migration 0013) gets the second
	// figures every other release carries, by the same statistics from its
	// stored figures, rather than nulls a reader cannot tell from
	// "undefined"; on the decoding goroutines, each funnel alone, so on
	// every core: on the all-distinct million (2,000 funnels) this is most
	// of such a release's start (README § Speed and memory).
	secondFigures := func(f *store.StoredFunnel) {
		if !f.SecondFiguresStored {
			outcome.AddSecondFigures(&f.Funnel)
		}
	}
	err = db.EachFunnelPrepared(ctx, m.ID, secondFigures, func(f *store.StoredFunnel) error {
		if len(b.r.Rows)+len(f.Units) > n {
			return fmt.Errorf("catalog: release %s has more units than it counts", m.ID)
		}
		b.add(f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b.finish(), nil
}

// Latest returns the release that answers URLs naming none, or nil when
// none is loaded: the newest, but a correction takes the place of the
// release it corrects, so correcting last year's figures after this
// year's are out does not make last year's the latest, and a superseded
// release is never the latest.
func (c *Catalog) Latest() *Release {
	var latest *Release
	var latestAt time.Time
	for _, r := range c.Releases {
		if r.Meta.SupersededBy != "" {
			continue
		}
		if at := c.firstIngested(r); latest == nil || at.After(latestAt) {
			latest, latestAt = r, at
		}
	}
	return latest
}

// firstIngested is when the first release of r's line of corrections was
// ingested: r's own time unless it corrects another.
func (c *Catalog) firstIngested(r *Release) time.Time {
	for seen := 0; r.Meta.Corrects != "" && seen < len(c.Releases); seen++ {
		older, ok := c.byID[r.Meta.Corrects]
		if !ok {
			break
		}
		r = older
	}
	return r.Meta.IngestedAt
}

// Release returns the release with the given id, or nil.
func (c *Catalog) Release(id string) *Release { return c.byID[id] }

// NewRelease indexes one release already in memory: its funnels
// (results, in the store's order, with their units) and the published
// rows they were computed from, in any order. Load does the same a group
// at a time from the database.
func NewRelease(m store.Release, results []outcome.Funnel, published []outcome.Row) (*Release, error) {
	published = slices.Clone(published)
	slices.SortStableFunc(published, func(a, b outcome.Row) int { return compareGroups(a.Group(), b.Group()) })
	n := 0
	for _, g := range results {
		n += len(g.Units)
	}
	if n > 1<<31-1 {
		return nil, fmt.Errorf("catalog: release %s has too many units", m.ID)
	}
	b := newReleaseBuilder(m, n)
	var rows []outcome.Row
	for i := range results {
		g := &results[i]
		if i == 0 || g.Group != results[i-1].Group {
			lo, _ := slices.BinarySearchFunc(published, g.Group, func(r outcome.Row, g outcome.Group) int { return compareGroups(r.Group(), g) })
			hi := lo
			for hi < len(published) && published[hi].Group() == g.Group {
				hi++
			}
			rows = published[lo:hi]
		}
		f := &store.StoredFunnel{Funnel: *g}
		f.Outcome, f.Contexts = store.FunnelContexts(g, rows)
		b.add(f)
	}
	return b.finish(), nil
}

// releaseBuilder indexes a release's funnels as they are read.
type releaseBuilder struct {
	r *Release
	// oneHospital holds, per hospital id, the one-element list of the
	// rows whose figures come from that hospital alone (nearly all), so
	// those rows share it.
	oneHospital map[string][]string
	// surgeonRows are the surgeon rows, indexed by id in finish.
	surgeonRows []int32
	// texts holds one copy of each text that many rows repeat (hospitals,
	// bands, verdicts), each read from the database as a string of its own.
	texts map[string]string
	// folded holds every row's name folded (Fold), made once for both
	// A–Z orders, its funnel's (Funnel.ByName) and the release's
	// (sortIndex), and dropped once those are made.
	folded []string
}

// intern returns the one copy of s the release keeps.
func (b *releaseBuilder) intern(s string) string {
	if t, ok := b.texts[s]; ok {
		return t
	}
	b.texts[s] = s
	return s
}

func newReleaseBuilder(m store.Release, units int) *releaseBuilder {
	// The release's figures never change, but its being superseded does
	// change what its pages and answers say.
	sum := sha256.Sum256([]byte(m.ID + "\x00" + m.InputSHA256 + "\x00" + m.MappingSHA256 + "\x00" + m.SupersededBy))
	r := &Release{Meta: m, Tag: hex.EncodeToString(sum[:16]), Rows: make([]Row, 0, units),
		hospitals: make([][]string, 0, units), otherShares: map[int32][]outcome.HospitalShare{}, hospital: map[string][]int32{}, atHospital: map[string][]int32{},
		periods: map[string][]string{}}
	return &releaseBuilder{r: r, oneHospital: map[string][]string{}, texts: map[string]string{},
		folded: make([]string, 0, units)}
}

// add indexes one funnel g: its units, in the store's order, and beside
// each its context, so that each result row can name its hospitals and,
// where the unit is one published row, carry the publisher's own figures.
func (b *releaseBuilder) add(g *store.StoredFunnel) {
	r := b.r
	f := &Funnel{Funnel: g.Funnel, First: int32(len(r.Rows))}
	f.Units = nil // the rows hold them
	if !slices.Contains(r.periods[g.Specialty], g.Period) {
		r.periods[g.Specialty] = append(r.periods[g.Specialty], g.Period)
	}
	for ui := range g.Units {
		u := &g.Units[ui]
		c := &g.Contexts[ui]
		ref := hospitalRef{ID: u.UnitID, Name: u.UnitName, Count: 1}
		// A unit none of its group's rows make is its own only hospital.
		var hospitals []string
		var shares []outcome.HospitalShare
		switch {
		case !c.Known:
			hospitals = b.only(u.UnitID)
			shares = []outcome.HospitalShare{{ID: u.UnitID, Name: u.UnitName}}
		case g.UnitType == outcome.Surgeon:
			unit := outcome.Unit{Hospitals: c.Hospitals}
			main, _ := unit.MainHospital()
			ref = hospitalRef{ID: main.ID, Name: main.Name, Count: len(unit.Hospitals)}
			if len(unit.Hospitals) == 1 {
				hospitals = b.only(unit.Hospitals[0].ID)
			} else {
				hospitals = unit.HospitalIDs()
			}
			shares = c.Hospitals
		default:
			hospitals = b.only(u.UnitID)
			shares = c.Hospitals
		}
		pub := &outcome.Row{ExpectedRate: c.Published.ExpectedRate, PublishedRate: c.Published.Rate,
			PublishedLow: c.Published.Low, PublishedHigh: c.Published.High, PublishedRating: c.Published.Rating}
		idx := int32(len(r.Rows))
		r.Rows = append(r.Rows, Row{})
		row := &r.Rows[idx]
		setRow(row, &g.Funnel, u, g.Outcome, ref, pub)
		row.HospitalID, row.HospitalName = b.intern(row.HospitalID), b.intern(row.HospitalName)
		row.Band, row.Verdict = outcome.Band(b.intern(string(row.Band))), b.intern(row.Verdict)
		row.PublishedRating = b.intern(row.PublishedRating)
		r.hospitals = append(r.hospitals, hospitals)
		if !sharesAreRows(shares, row) {
			r.otherShares[idx] = shares
		}
		if g.UnitType == outcome.Surgeon {
			b.surgeonRows = append(b.surgeonRows, idx)
			for _, h := range hospitals {
				r.atHospital[h] = append(r.atHospital[h], idx)
			}
		} else {
			r.hospital[u.UnitID] = append(r.hospital[u.UnitID], idx)
		}
	}
	f.End = int32(len(r.Rows))
	f.ByName = make([]int32, 0, f.End-f.First)
	keys := make([]string, f.End-f.First)
	for i := f.First; i < f.End; i++ {
		f.ByName = append(f.ByName, i)
		folded := Fold(r.Rows[i].UnitName)
		b.folded = append(b.folded, folded)
		keys[i-f.First] = unitNameKeyOfFolded(r.Rows[i].UnitType, folded)
	}
	slices.SortFunc(f.ByName, func(a, b int32) int {
		return cmp.Or(strings.Compare(keys[a-f.First], keys[b-f.First]), strings.Compare(r.Rows[a].UnitID, r.Rows[b].UnitID))
	})
	r.Funnels = append(r.Funnels, f)
}

// rowShares are the hospitals row i names, for search: none for a surgeon
// whose rows name none, else the one it names. otherShares holds those of
// every row where this is not the whole list.
func (r *Release) rowShares(i int32) []outcome.HospitalShare {
	if shares, ok := r.otherShares[i]; ok {
		return shares
	}
	row := &r.Rows[i]
	if row.HospitalCount == 0 {
		return nil
	}
	return []outcome.HospitalShare{{ID: row.HospitalID, Name: row.HospitalName}}
}

// sharesAreRows reports whether shares name the hospitals rowShares has
// for row by default, by id and name, the parts search reads, without
// making that list.
func sharesAreRows(shares []outcome.HospitalShare, row *Row) bool {
	if row.HospitalCount == 0 {
		return len(shares) == 0
	}
	return len(shares) == 1 && shares[0].ID == row.HospitalID && shares[0].Name == row.HospitalName
}

// searchIndex is the release's search index, built on first use from
// every row in row order, as loading once built it.
func (r *Release) searchIndex() *searchIndex {
	r.searchOnce.Do(func() {
		b := newSearchBuilder(len(r.Rows))
		r.rowUnit = make([]int32, len(r.Rows))
		for i := range r.Rows {
			row := &r.Rows[i]
			r.rowUnit[i] = b.add(row.UnitType, row.UnitID, row.UnitName, row.Specialty, r.rowShares(int32(i)))
		}
		r.search = b.build()
	})
	return r.search
}

// PrepareSearch builds the release's search index now, if no search has
// yet: a server calls it once it is answering, so that the first search
// does not wait for it.
func (r *Release) PrepareSearch() { r.searchIndex() }

// sortOrders is the release's sort orders, the default one sorted the
// first time any is asked for.
func (r *Release) sortOrders() *sortIndex {
	r.ordersOnce.Do(func() {
		folded := r.folded
		if folded == nil {
			folded = make([]string, len(r.Rows))
			for i := range r.Rows {
				folded[i] = Fold(r.Rows[i].UnitName)
			}
		}
		r.orders, r.folded = newSortIndexFolded(r.Rows, folded), nil
	})
	return r.orders
}

// PrepareSelect sorts the release's rows in the default order now, if
// no selection has yet: a server calls it once it is answering, so that
// the first list does not wait for it.
func (r *Release) PrepareSelect() { r.sortOrders() }

// only is the list of one hospital id, shared by every row that names it
// alone.
func (b *releaseBuilder) only(id string) []string {
	h, ok := b.oneHospital[id]
	if !ok {
		h = []string{id}
		b.oneHospital[id] = h
	}
	return h
}

// finish builds the release's indexes over every row added that a
// server needs before it answers, on every core: the surgeons by id and
// what is counted from them beside the hospitals. The sort orders wait
// for their first use (sortOrders).
func (b *releaseBuilder) finish() *Release {
	r := b.r
	var built sync.WaitGroup
	built.Go(func() {
		r.surgeon = newIDIndex(r.Rows, b.surgeonRows)
		r.unitCounts = r.countUnits()
	})
	r.hospitalIndex = r.indexHospitals()
	for _, ps := range r.periods {
		slices.Sort(ps)
	}
	built.Wait()
	r.folded, b.folded = b.folded, nil
	return r
}

// countUnits counts, per specialty, its distinct surgeons and hospitals.
func (r *Release) countUnits() map[string]UnitCount {
	counts := map[string]UnitCount{}
	// A surgeon's rows are together in the index, in row order, and rows
	// are in funnel order, by specialty: each change of specialty within
	// a surgeon's rows is one more specialty they report in.
	// Each row is read once, in the index's order: a national release's
	// rows are hundreds of megabytes, read here at random.
	surgeons := map[string]int{}
	var prev *Row
	for _, row := range r.surgeon.rows {
		u := &r.Rows[row]
		if prev == nil || prev.UnitID != u.UnitID || prev.Specialty != u.Specialty {
			surgeons[u.Specialty]++
		}
		prev = u
	}
	for sp, n := range surgeons {
		counts[sp] = UnitCount{Surgeons: n}
	}
	for _, idx := range r.hospital {
		var seen []string
		for _, i := range idx {
			if sp := r.Rows[i].Specialty; !slices.Contains(seen, sp) {
				seen = append(seen, sp)
				n := counts[sp]
				n.Hospitals++
				counts[sp] = n
			}
		}
	}
	return counts
}

// compareGroups orders groups by specialty, procedure and period.
func compareGroups(a, b outcome.Group) int {
	return cmp.Or(strings.Compare(a.Specialty, b.Specialty), strings.Compare(a.Procedure, b.Procedure),
		strings.Compare(a.Period, b.Period))
}

// Fold prepares text for matching and A–Z order: lower case, accents
// removed, runs of space collapsed, so "Seán O'Néill" is found by
// "sean o'neill".
func Fold(s string) string {
	if f, ok := foldASCII(s); ok {
		return f
	}
	return foldUnicode(s)
}

// foldUnicode is Fold for any text.
func foldUnicode(s string) string {
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

// foldASCII is Fold for text that is all ASCII, as every id and most
// names are, without the Unicode tables (ASCII has no accents to remove):
// a server folds every name of a national release at start. Text already
// folded is returned as it is. ok is false for any other text.
func foldASCII(s string) (folded string, ok bool) {
	same := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			return "", false
		case 'A' <= c && c <= 'Z':
			same = false
		case asciiSpace(c):
			if c != ' ' || i == 0 || i == len(s)-1 || asciiSpace(s[i-1]) {
				same = false
			}
		}
	}
	if same {
		return s, true
	}
	b := make([]byte, 0, len(s))
	space := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if asciiSpace(c) {
			if !space {
				b = append(b, ' ')
			}
			space = true
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
		space = false
	}
	return strings.TrimSpace(string(b)), true
}

// asciiSpace reports whether an ASCII byte is white space as unicode.IsSpace
// has it.
func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
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
func (r *Release) Surgeon(id string) []int32 { return r.surgeon.find(r.Rows, id) }

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
	idx := r.Surgeon(id)
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
