package catalog

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// Find is the search page's search: the one search rule (Search) first,
// and, only when that finds nothing, what the query most likely meant, so
// a patient's search never ends at "nothing found". Plain words naming a
// specialty ("pebbleton heart") narrow the rest of the query to that
// specialty (outcome.SpecialtyWords); a word that begins no word of any
// name is offered the names it is nearest to, by spelling ("Acornburow":
// Acornburrow) or as part of a longer name ("burrow": Acornburrow). The
// API's q keeps the strict rule alone, so its answers stay predictable.

// Finding is what a query finds on the search page.
type Finding struct {
	// Units are the units found, best first.
	Units []*SearchUnit
	// Specialties are the specialties plain words of the query named
	// ("heart": adult-cardiac), in display order, set only when the
	// query, read strictly, found nothing. Units are then the matches of
	// the rest of the query (Rest) reported in one of those specialties;
	// with no Rest, there are none.
	Specialties []string
	Rest        string
	// Suggestions are queries worth trying instead, best first, when
	// nothing was found.
	Suggestions []Suggestion
}

// Suggestion is a query worth trying and how many units it finds.
type Suggestion struct {
	Query string
	Found int
}

const (
	// maxSuggestions bounds the queries offered: a patient reads a few.
	maxSuggestions = 5
	// minFragment is the shortest query word looked for inside names:
	// shorter ones are inside too many to help.
	minFragment = 3
	// maxTypoRunes bounds the query words whose spelling is compared.
	maxTypoRunes = 40
)

// Suggestion ranks, best first: a name's word one edit from the query's,
// then one containing it ("burrow": Acornburrow), then two or three edits
// away (typoRank), then the query with a word left out.
const (
	rankFragment = 2
	rankDropWord = 5
)

// typoRank ranks a word d edits from the query's.
func typoRank(d int) int {
	if d <= 1 {
		return d
	}
	return d + 1
}

// Find searches q as the search page does (see above).
func (r *Release) Find(q string) Finding { return r.searchIndex().find(q) }

func (ix *searchIndex) find(q string) Finding {
	f := Finding{Units: ix.search(q)}
	if len(f.Units) > 0 || len(q) > maxSearchBytes {
		return f
	}
	var rest, named []string // the query's words as typed: names, specialty words
	var specs []string
	words := strings.FieldsFunc(q, notWordRune)
	for _, w := range words[:min(len(words), maxSearchWords)] {
		if slugs := ix.specialtiesOf(Fold(w)); len(slugs) > 0 {
			named = append(named, w)
			for _, s := range slugs {
				specs = appendSorted(specs, s)
			}
			continue
		}
		rest = append(rest, w)
	}
	if len(specs) > 0 {
		f.Specialties = sortSpecialties(specs)
		f.Rest = strings.Join(rest, " ")
		if len(rest) == 0 {
			return f
		}
		if f.Units = ix.within(f.Rest, specs); len(f.Units) > 0 {
			return f
		}
	}
	f.Suggestions = ix.suggest(rest, named, specs)
	return f
}

// specialtiesOf is the specialties a folded word names, singular or plural.
func (ix *searchIndex) specialtiesOf(w string) []string {
	if s := ix.specialtyOf[w]; len(s) > 0 {
		return s
	}
	if s, ok := strings.CutSuffix(w, "s"); ok {
		return ix.specialtyOf[s]
	}
	return nil
}

// within is what q finds among the units reported in one of specs.
func (ix *searchIndex) within(q string, specs []string) []*SearchUnit {
	return slices.DeleteFunc(ix.search(q), func(u *SearchUnit) bool {
		return !slices.ContainsFunc(u.Specialties, func(s string) bool { return slices.Contains(specs, s) })
	})
}

// suggest offers queries near one that found nothing: rest are its name
// words, named its specialty words (kept in every suggestion, so following
// one reads them the same way), specs the specialties they name. A word
// that begins no name's word is replaced by the names nearest to it; when
// every word begins one but not together, each is left out in turn.
func (ix *searchIndex) suggest(rest, named, specs []string) []Suggestion {
	found := func(words []string) int {
		if len(words) == 0 {
			return 0
		}
		q := strings.Join(words, " ")
		if len(specs) > 0 {
			return len(ix.within(q, specs))
		}
		return len(ix.match(q))
	}
	type ranked struct {
		Suggestion
		rank int
	}
	var out []ranked
	offer := func(words []string, rank int) {
		n := found(words)
		q := strings.Join(append(slices.Clone(words), named...), " ")
		if n > 0 && !slices.ContainsFunc(out, func(r ranked) bool { return r.Query == q }) {
			out = append(out, ranked{Suggestion{Query: q, Found: n}, rank})
		}
	}
	near := make([][]nearWord, len(rest))
	var bad []int
	for i, w := range rest {
		if !ix.hasPrefix(Fold(w)) {
			bad = append(bad, i)
			near[i] = ix.near(Fold(w))
		}
	}
	// Every bad word replaced by its nearest name (or left out when it
	// has none), then each bad word's other near names in turn.
	base := slices.Clone(rest)
	baseRank := 0
	var dropped []int
	for _, i := range bad {
		if len(near[i]) == 0 {
			dropped = append(dropped, i)
			continue
		}
		base[i] = near[i][0].display
		baseRank = max(baseRank, near[i][0].rank)
	}
	without := func(words []string, drop []int) []string {
		var out []string
		for i, w := range words {
			if !slices.Contains(drop, i) {
				out = append(out, w)
			}
		}
		return out
	}
	if len(bad) > len(dropped) {
		offer(without(base, dropped), baseRank)
		for _, i := range bad {
			for _, n := range near[i] {
				words := slices.Clone(base)
				words[i] = n.display
				offer(without(words, dropped), max(baseRank, n.rank))
			}
		}
	}
	if len(bad) == 0 {
		for i := range rest {
			if len(rest) > 1 {
				offer(without(rest, []int{i}), rankDropWord)
			}
		}
	}
	if len(out) == 0 && len(dropped) > 0 && len(dropped) < len(rest) {
		offer(without(rest, dropped), rankDropWord)
	}
	// The name words alone, without the specialty words, when those
	// narrowed the search to nothing.
	if len(named) > 0 && len(bad) == 0 {
		if n := len(ix.match(strings.Join(rest, " "))); n > 0 {
			out = append(out, ranked{Suggestion{Query: strings.Join(rest, " "), Found: n}, rankDropWord})
		}
	}
	slices.SortStableFunc(out, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(b.Found, a.Found))
	})
	suggestions := make([]Suggestion, 0, min(len(out), maxSuggestions))
	for _, r := range out[:min(len(out), maxSuggestions)] {
		suggestions = append(suggestions, r.Suggestion)
	}
	return suggestions
}

// hasPrefix reports whether w begins a word of any unit.
func (ix *searchIndex) hasPrefix(w string) bool {
	i := sortSearch(ix.words, w)
	return i < len(ix.words) && strings.HasPrefix(ix.words[i], w)
}

// nearWord is a word of the index near a query word, as a name spells it,
// ranked by its edit distance or as a fragment.
type nearWord struct {
	display string
	rank    int
	units   int
}

// near lists the index's words nearest a folded query word that begins
// none, best first, at most maxSuggestions: those within a few edits of
// the query word's spelling (more for a longer word), compared with their
// beginnings as search compares, then those containing it. Numbers are
// not near anything: a registration number one digit out is another
// surgeon's.
func (ix *searchIndex) near(w string) []nearWord {
	q := []rune(w)
	if len(q) < minFragment || len(q) > maxTypoRunes || !strings.ContainsFunc(w, unicode.IsLetter) {
		return nil
	}
	k := typoEdits(len(q))
	var out []nearWord
	var buf distanceBuffers
	for i, x := range ix.words {
		if !strings.ContainsFunc(x, unicode.IsLetter) {
			continue
		}
		rank := 0
		if d := buf.prefixDistance(q, x, k); d <= k {
			rank = typoRank(d)
		} else if strings.Contains(x, w) {
			rank = rankFragment
		} else {
			continue
		}
		out = append(out, nearWord{display: cmp.Or(ix.display[int32(i)], x), rank: rank, units: len(ix.posting(i))})
	}
	slices.SortFunc(out, func(a, b nearWord) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(b.units, a.units), strings.Compare(a.display, b.display))
	})
	return out[:min(len(out), maxSuggestions)]
}

// typoEdits is how many edits a query word of n letters may be from a
// name's word: none below four letters (too many names are one edit from
// "ann"), one up to six ("burrow" is two from "harrow"), two up to ten,
// then three.
func typoEdits(n int) int {
	switch {
	case n < 4:
		return 0
	case n <= 6:
		return 1
	case n <= 10:
		return 2
	}
	return 3
}

// distanceBuffers are prefixDistance's working rows, reused from one
// word to the next: near compares a query word with every word of the
// index.
type distanceBuffers struct {
	b                    []rune
	prev2, prev, current []int
}

// prefixDistance is the fewest edits (insertions, deletions, substitutions
// and swaps of neighbours) that turn q into a beginning of x, or k+1 when
// it is more than k: search matches beginnings of words, so "acornburow"
// is one edit from "acornburrow". It is the optimal string alignment
// distance, minimised over x's prefixes.
func (buf *distanceBuffers) prefixDistance(q []rune, x string, k int) int {
	if k == 0 {
		return k + 1
	}
	b := buf.b[:0]
	for _, r := range x {
		if len(b) == len(q)+k {
			break
		}
		b = append(b, r)
	}
	buf.b = b
	if len(b) < len(q)-k {
		return k + 1
	}
	// Three rows of the alignment table: i-2, i-1 and i.
	grow := func(row []int) []int {
		if cap(row) < len(b)+1 {
			return make([]int, len(b)+1)
		}
		return row[:len(b)+1]
	}
	prev2, prev, cur := grow(buf.prev2), grow(buf.prev), grow(buf.current)
	defer func() { buf.prev2, buf.prev, buf.current = prev2, prev, cur }()
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(q); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if q[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && q[i-1] == b[j-2] && q[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
			rowMin = min(rowMin, d)
		}
		if rowMin > k {
			return k + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(slices.Min(prev), k+1)
}

// specialtyWords inverts outcome.SpecialtyWords: each plain word, folded,
// to the specialties it names.
func specialtyWords() map[string][]string {
	out := map[string][]string{}
	for slug, words := range outcome.SpecialtyWords() {
		for _, w := range words {
			out[Fold(w)] = appendSorted(out[Fold(w)], slug)
		}
	}
	return out
}

// sortSpecialties orders specialty slugs as outcome.Specialties lists
// them, any others after, A–Z.
func sortSpecialties(slugs []string) []string {
	if len(slugs) < 2 {
		return slugs // as nearly every unit's: a search index sorts a million
	}
	order := map[string]int{}
	for i, s := range outcome.Specialties() {
		order[s.Slug] = i + 1
	}
	slices.SortFunc(slugs, func(a, b string) int {
		oa, ob := cmp.Or(order[a], len(order)+1), cmp.Or(order[b], len(order)+1)
		return cmp.Or(cmp.Compare(oa, ob), strings.Compare(a, b))
	})
	return slugs
}
