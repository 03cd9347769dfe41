package catalog

import (
	"slices"
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
