package demo_test

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/demo"
	"github.com/surgeon-outcomes/outcomes/demo/internal/generate"
)

// TestGenerated checks that FS, and so the committed files, holds exactly
// what the generator makes: the same names and the same bytes, and no other
// CSV file. Package generate's tests check that its output is realistic.
func TestGenerated(t *testing.T) {
	const hint = "run go generate ./demo and commit the result"
	files, err := generate.Files()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, f := range files {
		want[f.Name] = true
		got, err := fs.ReadFile(demo.FS, f.Name)
		if err != nil {
			t.Errorf("demo/%s: %v; %s", f.Name, err, hint)
			continue
		}
		if line, differ := firstDifference(got, f.Data); differ {
			t.Errorf("demo/%s line %d: got %q, want %q; %s", f.Name, line,
				lineAt(got, line), lineAt(f.Data, line), hint)
		}
	}
	entries, err := fs.ReadDir(demo.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !want[e.Name()] {
			t.Errorf("demo/%s: got a file the generator does not make, want none; remove it", e.Name())
		}
	}
}

// firstDifference returns the 1-based number of the first line where a and b
// differ and whether they differ at all.
func firstDifference(a, b []byte) (int, bool) {
	if bytes.Equal(a, b) {
		return 0, false
	}
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return bytes.Count(a[:n], []byte("\n")) + 1, true
}

// lineAt returns the 1-based line n of data, or "" past the end.
func lineAt(data []byte, n int) string {
	lines := strings.Split(string(data), "\n")
	if n > len(lines) {
		return ""
	}
	return lines[n-1]
}
