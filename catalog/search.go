package catalog

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// The one search behind the search page and the API's q: a unit is found
// by the words of its names, its id, its hospitals' names and ids, and its
// specialties. Each word of a query must begin a word of the unit's
// (prefix match: "badger" finds "Badgerreed"), case and accents ignored
// ("sean" finds "Seán"), in any order. Punctuation separates words, as
// SQLite FTS5's unicode61 tokenizer does, so "O'Néill" is "o" and "neill".

const (
	// maxSearchBytes is the longest query searched; a longer one finds
	// nothing.
	maxSearchBytes = 200
	// maxSearchWords bounds the words of one query: each is a prefix scan
	// of the index, and more words than a name and a hospital narrow
	// nothing in practice.
	maxSearchWords = 10
)

// Field weights rank a match: a unit found by its name or id before one
// found by its hospital, and that before one found by its specialty.
const (
	weightSpecialty = 1
	weightHospital  = 4
	weightName      = 10
)

// SearchUnit is one unit of a release as search shows it.
type SearchUnit struct {
	Type     outcome.UnitType
	ID, Name string
	// Hospitals are a surgeon's hospitals' names (or ids when unnamed),
	// sorted; Specialties the slugs the unit is reported in, in the order
	// outcome.Specialties lists them.
	Hospitals, Specialties []string
	folded                 string // the name folded, for A–Z order
}

// posting is one unit a word is found in, with the weight of the field.
type posting struct {
	unit   int32
	weight int32
}

// searchIndex finds a release's units by the words of a query: every word
// of every unit, sorted, so a query word's prefix matches are one range.
type searchIndex struct {
	units    []SearchUnit
	words    []string
	postings [][]posting
	// display is each word as a name spells it ("acornburrow":
	// "Acornburrow"), for suggestions; specialtyOf maps a plain word to
	// the specialties it names (find.go).
	display     map[string]string
	specialtyOf map[string][]string
}

// searchWords splits text into folded words: runs of letters and digits.
func searchWords(text string) []string {
	return strings.FieldsFunc(Fold(text), notWordRune)
}

// notWordRune reports whether r separates words: anything but a letter or
// a digit.
func notWordRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// searchBuilder gathers a release's units and their words.
type searchBuilder struct {
	units   []SearchUnit
	byKey   map[string]int32
	words   map[string]map[int32]int32 // word → unit → best weight
	display map[string]string
}

func newSearchBuilder() *searchBuilder {
	return &searchBuilder{byKey: map[string]int32{}, words: map[string]map[int32]int32{}, display: map[string]string{}}
}

// add records one of a unit's rows: its name, id, hospitals and specialty.
// It returns the unit's index.
func (b *searchBuilder) add(t outcome.UnitType, id, name, specialty string, hospitals []outcome.HospitalShare) int32 {
	key := string(t) + "\x00" + id
	i, ok := b.byKey[key]
	if !ok {
		i = int32(len(b.units))
		b.byKey[key] = i
		b.units = append(b.units, SearchUnit{Type: t, ID: id, Name: name, folded: Fold(name)})
	}
	u := &b.units[i]
	u.Specialties = appendSorted(u.Specialties, specialty)
	b.index(i, name, weightName)
	b.index(i, id, weightName)
	b.index(i, specialty, weightSpecialty)
	for _, h := range hospitals {
		if t == outcome.Surgeon {
			u.Hospitals = appendSorted(u.Hospitals, cmp.Or(h.Name, h.ID))
		}
		b.index(i, h.Name, weightHospital)
		b.index(i, h.ID, weightHospital)
	}
	return i
}

func (b *searchBuilder) index(unit int32, text string, weight int32) {
	for _, w := range strings.FieldsFunc(text, notWordRune) {
		if f := Fold(w); b.display[f] == "" {
			b.display[f] = w
		}
	}
	for _, w := range searchWords(text) {
		m := b.words[w]
		if m == nil {
			m = map[int32]int32{}
			b.words[w] = m
		}
		m[unit] = max(m[unit], weight)
	}
}

func (b *searchBuilder) build() *searchIndex {
	ix := &searchIndex{units: b.units, words: make([]string, 0, len(b.words)), display: b.display,
		specialtyOf: specialtyWords()}
	for w := range b.words {
		ix.words = append(ix.words, w)
	}
	slices.Sort(ix.words)
	for i := range ix.units {
		ix.units[i].Specialties = sortSpecialties(ix.units[i].Specialties)
	}
	ix.postings = make([][]posting, len(ix.words))
	for i, w := range ix.words {
		for u, weight := range b.words[w] {
			ix.postings[i] = append(ix.postings[i], posting{unit: u, weight: weight})
		}
		slices.SortFunc(ix.postings[i], func(a, b posting) int { return cmp.Compare(a.unit, b.unit) })
	}
	return ix
}

// match returns, for every unit q finds, its score: the sum over the
// query's words of the best field each begins a word of. A query with no
// words, or longer than maxSearchBytes, finds nothing.
func (ix *searchIndex) match(q string) map[int32]int32 {
	if len(q) > maxSearchBytes {
		return nil
	}
	words := searchWords(q)
	slices.Sort(words)
	words = slices.Compact(words)
	if len(words) == 0 {
		return nil
	}
	words = words[:min(len(words), maxSearchWords)]
	var found map[int32]int32
	for _, w := range words {
		best := map[int32]int32{}
		for i := sortSearch(ix.words, w); i < len(ix.words) && strings.HasPrefix(ix.words[i], w); i++ {
			for _, p := range ix.postings[i] {
				if found == nil || found[p.unit] > 0 {
					best[p.unit] = max(best[p.unit], p.weight)
				}
			}
		}
		for u, weight := range best {
			best[u] = weight + found[u]
		}
		found = best
		if len(found) == 0 {
			return nil
		}
	}
	return found
}

// Search returns the units q finds, best first (the more and the better
// fields its words begin a word of), then A–Z. A query with no words, or
// longer than 200 bytes, finds nothing.
func (r *Release) Search(q string) []*SearchUnit { return r.search.search(q) }

// search returns the units q finds, best first (score), then A–Z.
func (ix *searchIndex) search(q string) []*SearchUnit {
	found := ix.match(q)
	units := make([]int32, 0, len(found))
	for u := range found {
		units = append(units, u)
	}
	slices.SortFunc(units, func(a, b int32) int {
		ua, ub := &ix.units[a], &ix.units[b]
		return cmp.Or(cmp.Compare(found[b], found[a]), strings.Compare(ua.folded, ub.folded),
			strings.Compare(ua.ID, ub.ID), strings.Compare(string(ua.Type), string(ub.Type)))
	})
	out := make([]*SearchUnit, len(units))
	for i, u := range units {
		out[i] = &ix.units[u]
	}
	return out
}

func sortSearch(words []string, w string) int {
	i, _ := slices.BinarySearch(words, w)
	return i
}

// appendSorted inserts v into the sorted list s unless it is there.
func appendSorted(s []string, v string) []string {
	i, found := slices.BinarySearch(s, v)
	if found || v == "" {
		return s
	}
	return slices.Insert(s, i, v)
}
