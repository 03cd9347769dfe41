package csvcell_test

import (
	"testing"

	"github.com/surgeon-outcomes/outcomes/csvcell"
)

func TestSafe(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`=HYPERLINK("http://x.example","click")`, `'=HYPERLINK("http://x.example","click")`},
		{"+44 1234", "'+44 1234"},
		{"-1+1", "'-1+1"},
		{"@SUM(A1:A2)", "'@SUM(A1:A2)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"", ""},
		{"Mr Ashdown Quill", "Mr Ashdown Quill"},
		{"9000017", "9000017"},
		{"a=b", "a=b"},
		{"'=1", "'=1"}, // already text to a spreadsheet
		{" =1", " =1"}, // not on OWASP's list
	} {
		if got := csvcell.Safe(tc.in); got != tc.want {
			t.Errorf("Safe(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := csvcell.Risky(tc.in); got != (tc.in != tc.want) {
			t.Errorf("Risky(%q) = %v", tc.in, got)
		}
	}
}
