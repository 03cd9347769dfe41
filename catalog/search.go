package catalog

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

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
	units []SearchUnit
	words []string
	// postings holds every word's units, word by word: word i's are
	// postings[starts[i]:starts[i+1]], by unit. One list for the release,
	// not one per word: a national release has two million words.
	postings []posting
	starts   []int32
	// display is each word as a name spells it ("acornburrow":
	// "Acornburrow"), for suggestions, by word, where that is not the word
	// itself (ids and numbers are); specialtyOf maps a plain word to the
	// specialties it names (find.go).
	display     map[int32]string
	specialtyOf map[string][]string
}

// posting returns the units word i is found in, by unit.
func (ix *searchIndex) posting(i int) []posting { return ix.postings[ix.starts[i]:ix.starts[i+1]] }

// searchWords splits text into folded words: runs of letters and digits.
func searchWords(text string) []string {
	return strings.FieldsFunc(Fold(text), notWordRune)
}

// notWordRune reports whether r separates words: anything but a letter or
// a digit.
func notWordRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// searchBuilder gathers a release's units and their words.
type searchBuilder struct {
	units []SearchUnit
	byKey map[unitKey]int32
	// ids numbers every folded word seen, in a unit's words or as a word
	// of its text folded alone (for display); display is, by number, the
	// first spelling that folded to it.
	ids     map[string]int32
	display []string
	// found lists, for every word of a unit, the word's number, the unit
	// and the field's weight; build sorts it into postings.
	found []wordPosting
	buf   []byte // a word being folded
	// alone holds one list of each text that is a unit's only specialty
	// or hospital, as nearly all are, shared by every unit it is alone
	// in: a list of one has no room to grow, so a unit's second entry
	// makes it a list of its own (appendSorted).
	alone map[string][]string
}

// unitKey is a unit of the release: its type and id.
type unitKey struct {
	t  outcome.UnitType
	id string
}

// wordPosting is a word found in a unit's field.
type wordPosting struct {
	word int32
	posting
}

// newSearchBuilder makes a builder for rows rows: its maps are made the
// size a release of distinct units needs, as growing them a step at a
// time rehashed a national release's million keys again at each step.
func newSearchBuilder(rows int) *searchBuilder {
	return &searchBuilder{byKey: make(map[unitKey]int32, rows), ids: make(map[string]int32, rows),
		alone: map[string][]string{}}
}

// add records one of a unit's rows: its name, id, hospitals and specialty.
// It returns the unit's index.
func (b *searchBuilder) add(t outcome.UnitType, id, name, specialty string, hospitals []outcome.HospitalShare) int32 {
	key := unitKey{t, id}
	i, ok := b.byKey[key]
	if !ok {
		i = int32(len(b.units))
		b.byKey[key] = i
		b.units = append(b.units, SearchUnit{Type: t, ID: id, Name: name, folded: Fold(name)})
	}
	u := &b.units[i]
	u.Specialties = b.appendSorted(u.Specialties, specialty)
	b.index(i, name, weightName)
	b.index(i, id, weightName)
	b.index(i, specialty, weightSpecialty)
	for _, h := range hospitals {
		if t == outcome.Surgeon {
			u.Hospitals = b.appendSorted(u.Hospitals, cmp.Or(h.Name, h.ID))
		}
		b.index(i, h.Name, weightHospital)
		b.index(i, h.ID, weightHospital)
	}
	return i
}

// appendSorted is appendSorted, but a list of one is the one shared list
// of that text (alone).
func (b *searchBuilder) appendSorted(s []string, v string) []string {
	if len(s) > 0 || v == "" {
		return appendSorted(s, v)
	}
	l, ok := b.alone[v]
	if !ok {
		l = []string{v}
		b.alone[v] = l
	}
	return l
}

// word numbers a folded word, and records spelling as its display form if
// it is the first seen.
func (b *searchBuilder) word(folded, spelling string) int32 {
	n, ok := b.ids[folded]
	if !ok {
		n = int32(len(b.display))
		b.ids[folded] = n
		b.display = append(b.display, spelling)
	} else if b.display[n] == "" {
		b.display[n] = spelling
	}
	return n
}

func (b *searchBuilder) index(unit int32, text string, weight int32) {
	if !b.indexASCII(unit, text, weight) {
		b.indexUnicode(unit, text, weight)
	}
}

// indexUnicode records the words of any text: each word of the text
// folded alone for its display form, and each word of the folded text.
func (b *searchBuilder) indexUnicode(unit int32, text string, weight int32) {
	for _, w := range strings.FieldsFunc(text, notWordRune) {
		b.word(Fold(w), w)
	}
	for _, w := range searchWords(text) {
		b.found = append(b.found, wordPosting{word: b.word(w, ""), posting: posting{unit: unit, weight: weight}})
	}
}

// indexASCII is index for text that is all ASCII, as ids and most names
// are, in one pass that allocates only for a word not seen before: there a
// word of the text and the same word of the folded text are one, its
// letters in lower case. It reports false, doing nothing, for other text.
func (b *searchBuilder) indexASCII(unit int32, text string, weight int32) bool {
	for i := 0; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf {
			return false
		}
	}
	for i := 0; i < len(text); {
		if !asciiWordByte(text[i]) {
			i++
			continue
		}
		start, lower := i, true
		for ; i < len(text) && asciiWordByte(text[i]); i++ {
			if 'A' <= text[i] && text[i] <= 'Z' {
				lower = false
			}
		}
		w := text[start:i]
		b.buf = b.buf[:0]
		for j := 0; j < len(w); j++ {
			c := w[j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.buf = append(b.buf, c)
		}
		n, ok := b.ids[string(b.buf)]
		if !ok {
			folded := w
			if !lower {
				folded = string(b.buf)
			}
			n = b.word(folded, w)
		} else if b.display[n] == "" {
			b.display[n] = w
		}
		b.found = append(b.found, wordPosting{word: n, posting: posting{unit: unit, weight: weight}})
	}
	return true
}

// asciiWordByte reports whether an ASCII byte is part of a word: a letter
// or a digit.
func asciiWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func (b *searchBuilder) build() *searchIndex {
	ix := &searchIndex{units: slices.Clip(b.units), specialtyOf: specialtyWords(), display: map[int32]string{}}
	// Most units share their lists with many others (a specialty or two,
	// one hospital): they share one copy of each, which no caller changes.
	lists := map[string][]string{}
	shared := func(l []string) []string {
		key := strings.Join(l, "\x00")
		if s, ok := lists[key]; ok {
			return s
		}
		lists[key] = l
		return l
	}
	for i := range ix.units {
		u := &ix.units[i]
		u.Specialties = shared(sortSpecialties(u.Specialties))
		if len(u.Hospitals) == 1 {
			u.Hospitals = shared(u.Hospitals)
		}
	}
	// Number the words with units in sorted order, then sort the postings
	// by word and unit, keeping each unit's best weight for a word.
	// Words only ever seen folded alone, for display, find no unit.
	used := make([]bool, len(b.display))
	for _, p := range b.found {
		used[p.word] = true
	}
	words := make([]string, 0, len(b.ids))
	for w, n := range b.ids {
		if used[n] {
			words = append(words, w)
		}
	}
	slices.Sort(words)
	rank := make([]int32, len(b.display))
	ix.words = words
	for i, w := range words {
		n := b.ids[w]
		rank[n] = int32(i)
		if d := b.display[n]; d != w && d != "" {
			ix.display[int32(i)] = d
		}
	}
	b.ids, b.byKey = nil, nil // no longer needed: let them go while the rest is built
	// The postings by word: a counting sort on the word's place, then
	// each word's by unit, keeping each unit's best weight for the word.
	counts := make([]int32, len(words)+1)
	for i := range b.found {
		w := rank[b.found[i].word]
		b.found[i].word = w
		counts[w+1]++
	}
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	byWord := make([]posting, len(b.found))
	next := slices.Clone(counts[:len(words)])
	for _, p := range b.found {
		byWord[next[p.word]] = p.posting
		next[p.word]++
	}
	b.found = nil
	ix.starts = make([]int32, len(words)+1)
	n := int32(0)
	for w := range words {
		ps := byWord[counts[w]:counts[w+1]]
		slices.SortFunc(ps, func(a, b posting) int { return cmp.Or(cmp.Compare(a.unit, b.unit), cmp.Compare(b.weight, a.weight)) })
		prev := int32(-1)
		for _, p := range ps {
			if p.unit == prev {
				continue // a lower weight of the same word and unit
			}
			prev = p.unit
			byWord[n] = p // n never passes the posting being read
			n++
		}
		ix.starts[w+1] = n
	}
	ix.postings = byWord[:n:n]
	if int(n) < len(byWord)*3/4 {
		ix.postings = slices.Clone(ix.postings)
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
			for _, p := range ix.posting(i) {
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
func (r *Release) Search(q string) []*SearchUnit { return r.searchIndex().search(q) }

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
