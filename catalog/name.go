package catalog

import (
	"strings"

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
func NameKey(name string) string {
	words := strings.Fields(Fold(name))
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
func UnitNameKey(t outcome.UnitType, name string) string {
	if t == outcome.Surgeon {
		return NameKey(name)
	}
	return Fold(name)
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
