package catalog_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// units names what a search found, as "type/id".
func units(found []*catalog.SearchUnit) []string {
	out := make([]string, len(found))
	for i, u := range found {
		out[i] = string(u.Type) + "/" + u.ID
	}
	return out
}

// TestFind checks the search page's search on the demo release: what the
// strict search finds it finds unchanged; plain specialty words narrow the
// rest of the query; a misspelt or partial name is offered the names
// nearest it; and every suggestion finds what it says it finds.
func TestFind(t *testing.T) {
	r := demo(t)
	pebbleton := r.Find("pebbleton")
	if got, want := units(pebbleton.Units), units(r.Search("pebbleton")); !slices.Equal(got, want) || len(got) == 0 {
		t.Fatalf("Find(pebbleton) = %d units, want Search's %d", len(got), len(want))
	}
	if !slices.Contains(units(pebbleton.Units), "hospital/ZZ124") || pebbleton.Suggestions != nil || pebbleton.Specialties != nil {
		t.Errorf("Find(pebbleton) = %+v, want Little Pebbleton Hospital (ZZ124), no suggestions", pebbleton)
	}

	// "heart" names no unit, so "pebbleton heart" is pebbleton within
	// adult cardiac surgery: exactly the strict "pebbleton adult-cardiac".
	for _, q := range []string{"pebbleton heart", "Pebbleton HEARTS"} {
		f := r.Find(q)
		if !slices.Equal(f.Specialties, []string{"adult-cardiac"}) || !strings.EqualFold(f.Rest, "pebbleton") {
			t.Errorf("Find(%q): specialties %v, rest %q; want [adult-cardiac], pebbleton", q, f.Specialties, f.Rest)
		}
		want := units(r.Search("pebbleton adult-cardiac"))
		if got := units(f.Units); !slices.Equal(got, want) || !slices.Contains(got, "hospital/ZZ124") {
			t.Errorf("Find(%q) = %v, want %v, with hospital ZZ124", q, got, want)
		}
	}
	if f := r.Find("heart"); len(f.Units) != 0 || !slices.Equal(f.Specialties, []string{"adult-cardiac"}) || f.Suggestions != nil {
		t.Errorf(`Find("heart") = %+v, want only the specialty adult-cardiac`, f)
	}
	// "bypass" is heart or weight-loss surgery: both, in display order.
	if f := r.Find("bypass"); !slices.Equal(f.Specialties, []string{"adult-cardiac", "bariatric"}) {
		t.Errorf(`Find("bypass").Specialties = %v, want [adult-cardiac bariatric]`, f.Specialties)
	}

	tests := []struct {
		q string
		// first is the best suggestion, "" for none; each of every is
		// in every suggestion (folded).
		first, every string
	}{
		{"Acornburow", "Acornburrow", "acorn"},   // one letter missing (Ms Ysolde Acornburrow)
		{"acronburrow", "Acornburrow", "burrow"}, // two letters swapped
		{"acornburow heart", "Acornburrow heart", "heart"},
		{"little pebleton", "little Pebbleton", "little pebbleton"},
		{"glade", "", "glade"}, // a surname fragment: names containing it
		{"wrenfeld hip", "Wrenfield hip", "hip"},
		{"9999999", "", ""}, // numbers are near nothing: another surgeon's is not a suggestion
		{"zzzzzz", "", ""},
	}
	for _, tt := range tests {
		f := r.Find(tt.q)
		if len(f.Units) != 0 {
			t.Errorf("Find(%q) = %d units, want none (the test needs a query that finds nothing)", tt.q, len(f.Units))
			continue
		}
		if tt.first != "" && (len(f.Suggestions) == 0 || f.Suggestions[0].Query != tt.first) {
			t.Errorf("Find(%q).Suggestions = %v, want %q first", tt.q, f.Suggestions, tt.first)
		}
		if tt.every == "" && tt.first == "" && len(f.Suggestions) != 0 {
			t.Errorf("Find(%q).Suggestions = %v, want none", tt.q, f.Suggestions)
		}
		if tt.every != "" && len(f.Suggestions) == 0 {
			t.Errorf("Find(%q) suggests nothing", tt.q)
		}
		if len(f.Suggestions) > 5 {
			t.Errorf("Find(%q) = %d suggestions, want at most 5", tt.q, len(f.Suggestions))
		}
		for _, s := range f.Suggestions {
			if !strings.Contains(catalog.Fold(s.Query), tt.every) {
				t.Errorf("Find(%q) suggests %q, which lacks %q", tt.q, s.Query, tt.every)
			}
			// Following a suggestion finds what it said.
			if got := len(r.Find(s.Query).Units); got != s.Found || got == 0 {
				t.Errorf("Find(%q) suggests %q finding %d; it finds %d", tt.q, s.Query, s.Found, got)
			}
		}
	}
	// A query of many words is read only as far as search reads one.
	long := strings.Repeat("glade ", 33)
	start := time.Now()
	if f := r.Find(long); len(f.Units) != 0 || len(f.Suggestions) > 5 {
		t.Errorf("Find(33 words) = %d units, %d suggestions", len(f.Units), len(f.Suggestions))
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Find(33 words) took %v", d)
	}
	// Every word finds something, not together: each alone is offered.
	f := r.Find("pebbleton vascular")
	if len(f.Units) != 0 || !slices.ContainsFunc(f.Suggestions, func(s catalog.Suggestion) bool { return s.Query == "pebbleton" }) {
		t.Errorf(`Find("pebbleton vascular") = %d units, suggestions %v; want none, and "pebbleton"`, len(f.Units), f.Suggestions)
	}
}

// TestHospitals checks the hospital index against the rows: every hospital
// a surgeon's figures come from, once, A–Z, with the specialties and the
// surgeons it has.
func TestHospitals(t *testing.T) {
	r := demo(t)
	want := map[string]map[string]bool{}     // id → specialties
	surgeons := map[string]map[string]bool{} // id → surgeon ids
	for i := range r.Rows {
		u := &r.Rows[i]
		for _, h := range r.RowHospitals(int32(i)) {
			if want[h] == nil {
				want[h], surgeons[h] = map[string]bool{}, map[string]bool{}
			}
			want[h][u.Specialty] = true
			if u.UnitType == outcome.Surgeon {
				surgeons[h][u.UnitID] = true
			}
		}
	}
	got := r.Hospitals()
	if len(got) != len(want) || len(got) != 30 {
		t.Fatalf("Hospitals() = %d, want %d (the demo's 30)", len(got), len(want))
	}
	order := map[string]int{}
	for i, sp := range outcome.Specialties() {
		order[sp.Slug] = i
	}
	for i, h := range got {
		if i > 0 && catalog.Fold(got[i-1].Name) > catalog.Fold(h.Name) {
			t.Errorf("Hospitals() not A–Z: %q before %q", got[i-1].Name, h.Name)
		}
		if h.Name != r.HospitalName(h.ID) || h.Surgeons != len(surgeons[h.ID]) || h.Surgeons == 0 {
			t.Errorf("%s: name %q, %d surgeons; want %q, %d", h.ID, h.Name, h.Surgeons, r.HospitalName(h.ID), len(surgeons[h.ID]))
		}
		if len(h.Specialties) != len(want[h.ID]) {
			t.Errorf("%s: specialties %v, want %v", h.ID, h.Specialties, want[h.ID])
		}
		for j, sp := range h.Specialties {
			if !want[h.ID][sp] || (j > 0 && order[h.Specialties[j-1]] > order[sp]) {
				t.Errorf("%s: specialties %v: %s not its own, or out of display order", h.ID, h.Specialties, sp)
			}
		}
	}
}

// BenchmarkSearch times the one search and the search page's, on the demo
// release, for a hospital's name, a surname's beginning, a hospital and a
// specialty word, a misspelt name and a word found nowhere.
func BenchmarkSearch(b *testing.B) {
	r := demo(b)
	surgeons := map[string]bool{}
	for _, u := range r.Rows {
		if u.UnitType == outcome.Surgeon {
			surgeons[u.UnitID] = true
		}
	}
	b.Logf("demo release: %d rows, %d surgeons, %d hospitals", len(r.Rows), len(surgeons), len(r.Hospitals()))
	for _, q := range []string{"pebbleton", "heron", "pebbleton heart", "Acornburow", "zzzzzz"} {
		b.Run("Search/"+q, func(b *testing.B) {
			for b.Loop() {
				r.Search(q)
			}
		})
		b.Run("Find/"+q, func(b *testing.B) {
			for b.Loop() {
				r.Find(q)
			}
		})
	}
	b.Run("Hospitals", func(b *testing.B) {
		for b.Loop() {
			r.Hospitals()
		}
	})
}
