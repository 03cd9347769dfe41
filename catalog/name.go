package catalog

import (
	"strings"
	"unicode/utf8"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// NameKey is the A–Z key of a person's name: surname first, then the
// forenames, folded as [Fold] folds them, with any leading title ("Mr",
// "Ms", "Dr", "Professor" …) dropped. Lists of surgeons sorted by it read
// as a directory does, "Brackentarn, Ignatius" before "Cloverfeather,
// Orla", instead of by title and first name. Names are stored whole, as
// the publisher gives them, so the surname is taken to be the last word;
// a name of one word is its own key. Hospitals' names are not people's:
// sort them by [Fold].
func NameKey(name string) string { return nameKeyOfFolded(Fold(name)) }

// nameKeyOfFolded is NameKey of a name already folded (Fold), so that a
// release's million names are folded once for both of their A–Z keys.
// Folded ASCII text has its words apart by one space, none at either end
// (foldASCII), so its words are cut out of it where they are, without a
// list of them: one allocation a name where the list took four.
func nameKeyOfFolded(folded string) string {
	if !singleSpacedASCII(folded) {
		return nameKeyOfWords(strings.Fields(folded))
	}
	rest := folded
	for {
		sp := strings.IndexByte(rest, ' ')
		if sp < 0 || !isTitle(rest[:sp]) {
			break
		}
		rest = rest[sp+1:]
	}
	last := strings.LastIndexByte(rest, ' ')
	if last < 0 {
		return rest
	}
	return rest[last+1:] + ", " + rest[:last]
}

// singleSpacedASCII reports whether s is ASCII whose words are apart by
// one space, with none at either end: strings.Fields would cut it at each
// space.
func singleSpacedASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf || asciiSpace(c) && c != ' ':
			return false
		case c == ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' '):
			return false
		}
	}
	return true
}

// nameKeyOfWords is NameKey of a folded name's words.
func nameKeyOfWords(words []string) string {
	for len(words) > 1 && isTitle(words[0]) {
		words = words[1:]
	}
	if len(words) < 2 {
		return strings.Join(words, " ")
	}
	last := len(words) - 1
	return words[last] + ", " + strings.Join(words[:last], " ")
}

// UnitNameKey is the A–Z key of a unit's name: [NameKey] for a surgeon,
// the folded name for a hospital, whose name is not a person's. Every A–Z
// list of units on the site sorts by it.
func UnitNameKey(t outcome.UnitType, name string) string { return unitNameKeyOfFolded(t, Fold(name)) }

// unitNameKeyOfFolded is UnitNameKey of a name already folded.
func unitNameKeyOfFolded(t outcome.UnitType, folded string) string {
	if t == outcome.Surgeon {
		return nameKeyOfFolded(folded)
	}
	return folded
}

// CompareNames orders two people's names A–Z by [NameKey], and the whole
// folded names after that, so that two people whose keys are equal still
// come in one order.
func CompareNames(a, b string) int {
	if c := strings.Compare(NameKey(a), NameKey(b)); c != 0 {
		return c
	}
	return strings.Compare(Fold(a), Fold(b))
}

// isTitle reports whether a folded word is a title that may begin a name,
// with or without a full stop.
func isTitle(w string) bool {
	switch strings.TrimSuffix(w, ".") {
	case "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord", "lady":
		return true
	}
	return false
}
