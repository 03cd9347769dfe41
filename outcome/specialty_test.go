package outcome_test

import (
	"testing"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// TestProceduresSayWhatTheyInclude holds every procedure group of the table
// to a plain sentence of what it counts: a page says what "all" means.
func TestProceduresSayWhatTheyInclude(t *testing.T) {
	for _, sp := range outcome.Specialties() {
		for _, p := range sp.Procedures {
			if len(p.Includes) < 30 || p.Includes[len(p.Includes)-1] != '.' {
				t.Errorf("%s %s: Includes = %q, want a sentence", sp.Slug, p.Slug, p.Includes)
			}
			got, ok := outcome.LookupProcedure(sp.Slug, p.Slug)
			if !ok || got != p {
				t.Errorf("LookupProcedure(%s, %s) = %+v, %v; want %+v", sp.Slug, p.Slug, got, ok, p)
			}
		}
	}
	if _, ok := outcome.LookupProcedure("adult-cardiac", "tavi"); ok {
		t.Error("LookupProcedure(adult-cardiac, tavi) found one, want none: it is interventional cardiology's")
	}
}

func TestHeadlineProcedure(t *testing.T) {
	tests := []struct {
		specialty string
		have      []string
		want      string
	}{
		{"adult-cardiac", []string{"all", "cabg", "valve"}, "all"},
		{"adult-cardiac", []string{"cabg", "valve"}, "cabg"}, // the first listed the release has
		{"vascular", []string{"aaa", "evar", "open"}, "aaa"},
		{"vascular", []string{"evar", "open"}, "open"}, // listed order, not alphabetical
		{"interventional-cardiology", []string{"pci", "tavi"}, "pci"},
		{"orthopaedic", []string{"hip-knee"}, "hip-knee"},
		{"orthopaedic", []string{"publisher-own"}, "publisher-own"}, // the only one
		{"orthopaedic", []string{"hips", "knees"}, ""},              // none listed: ask
		{"orthopaedic", []string{"hips", "all"}, "all"},
		{"no-such", []string{"x", "y"}, ""},
		{"vascular", nil, ""},
	}
	for _, tt := range tests {
		if got := outcome.HeadlineProcedure(tt.specialty, tt.have); got != tt.want {
			t.Errorf("HeadlineProcedure(%s, %v) = %q, want %q", tt.specialty, tt.have, got, tt.want)
		}
	}
}
