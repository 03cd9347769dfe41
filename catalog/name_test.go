package catalog

import (
	"slices"
	"strings"
	"testing"
)

func TestNameKey(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"Mr Ignatius Brackentarn", "brackentarn, ignatius"},
		{"Ms Orla Cloverfeather", "cloverfeather, orla"},
		{"Professor Dame Anne Smith-Jones", "smith-jones, anne"},
		{"Dr. Seán  O'Néill", "o'neill, sean"},
		{"Prof Mary Ann Heron", "heron, mary ann"},
		{"Madonna", "madonna"},
		{"Dr", "dr"}, // a title alone is all the name there is
		{"", ""},
	} {
		if got := NameKey(tt.name); got != tt.want {
			t.Errorf("NameKey(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestCompareNamesSurnameFirst sorts names whose titles and first names
// would give another order: A–Z is by surname, then forename.
func TestCompareNamesSurnameFirst(t *testing.T) {
	names := []string{"Ms Zinnia Brackenwisp", "Mr Ambrose Marshpuddle", "Dr Anna Smith",
		"Professor Zoe Adams", "Mr Leopold Heronreed", "Ms Anna Smith", "Mr Bob Smith"}
	slices.SortFunc(names, CompareNames)
	want := []string{"Professor Zoe Adams", "Ms Zinnia Brackenwisp", "Mr Leopold Heronreed",
		"Mr Ambrose Marshpuddle", "Dr Anna Smith", "Ms Anna Smith", "Mr Bob Smith"}
	if !slices.Equal(names, want) {
		t.Errorf("sorted\n%q\nwant\n%q", names, want)
	}
}

// TestNameKeyShortcut holds NameKey's shortcut for folded ASCII names to
// the rule by words it stands in for, on titles alone, in runs, at
// either end and inside, one word and none, and text it must leave to the
// rule (non-ASCII, tabs, doubled spaces).
func TestNameKeyShortcut(t *testing.T) {
	names := []string{"", "a", "dr", "dr mr", "dr mr ann", "mr ann lee", "ann lee", "prof. ann mary lee",
		"lady", "sir x", "x sir", "dr test person 12", "mrs  ann", " ann", "ann ", "ann\tlee", "seán lee", "professor"}
	for _, name := range names {
		want := nameKeyOfWords(strings.Fields(name))
		if got := nameKeyOfFolded(name); got != want {
			t.Errorf("nameKeyOfFolded(%q) = %q, want %q", name, got, want)
		}
	}
}
