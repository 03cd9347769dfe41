package catalog

import (
	"slices"
	"testing"
)

// TestFoldASCII holds Fold's ASCII shortcut to the Unicode rule it stands
// in for, on every kind of ASCII text: capitals, each white space byte,
// runs of it at either end and inside, punctuation and control bytes.
func TestFoldASCII(t *testing.T) {
	texts := []string{"", " ", "a", "A", "9000123", "zz101", "ZZ101", "Dr Test Person 12", "dr test person 12",
		"  Mr  Ian\tO'Neill ", "a b", "a  b", " a", "a ", "a\tb", "a\nb", "a\vb", "a\fb", "a\rb", "\t\n",
		"x\x00y", "Hospital-of St. Elsewhere (NHS)", "a \tb", "UPPER lower", "~!@#$%^&*()_+{}|:<>?"}
	for c := byte(0); c < 0x80; c++ {
		texts = append(texts, string([]byte{'a', c, 'b'}), string([]byte{c}), string([]byte{c, c, 'Q'}))
	}
	for _, s := range texts {
		got, ok := foldASCII(s)
		if want := foldUnicode(s); !ok || got != want {
			t.Errorf("foldASCII(%q) = %q, %v; want %q, true", s, got, ok, want)
		}
	}
	if _, ok := foldASCII("Seán"); ok {
		t.Errorf("foldASCII(Seán) ok; want false, for the Unicode rule")
	}
	if got := Fold("Seán O'Néill"); got != "sean o'neill" {
		t.Errorf("Fold = %q", got)
	}
}

// TestIndexASCII holds search's ASCII shortcut to the rule for any text:
// the same words, numbered alike, with the same display forms and the
// same postings.
func TestIndexASCII(t *testing.T) {
	texts := []string{"Dr Test Person 12", "ZZ101", "9000123", "Mr  Ian O'Neill", "ian", "IAN", "St. Mary's (NHS)",
		"a-b_c", "  lead and trail  ", "Ward 7B", "x\x00y", "UPPER lower MiXeD", "adult-cardiac"}
	fast, slow := newSearchBuilder(len(texts)), newSearchBuilder(len(texts))
	for i, text := range texts {
		if !fast.indexASCII(int32(i), text, int32(i%3)) {
			t.Fatalf("indexASCII(%q) = false; want true for ASCII", text)
		}
		slow.indexUnicode(int32(i), text, int32(i%3))
	}
	if len(fast.ids) != len(slow.ids) || !slices.Equal(fast.display, slow.display) || !slices.Equal(fast.found, slow.found) {
		t.Fatalf("ASCII index differs:\nids %v\n    %v\ndisplay %q\n        %q\nfound %v\n      %v", fast.ids, slow.ids,
			fast.display, slow.display, fast.found, slow.found)
	}
	for w, n := range slow.ids {
		if m, ok := fast.ids[w]; !ok || m != n {
			t.Errorf("word %q numbered %d, %v by the shortcut; want %d", w, m, ok, n)
		}
	}
	if fast.indexASCII(0, "Seán", 1) {
		t.Errorf("indexASCII(Seán) = true; want false, for the Unicode rule")
	}
}
