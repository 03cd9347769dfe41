package catalog_test

import (
	"database/sql"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// TestSelectSorts holds every sort, both ways, to its rule: rows in the
// sort's order by value, NaN last whichever the direction, ties broken by
// name and the unit's key ascending, so no two rows compare equal.
func TestSelectSorts(t *testing.T) {
	r := demo(t)
	for _, name := range catalog.SortNames() {
		for _, text := range []string{name, "-" + name} {
			s, ok := catalog.ParseSort(text)
			if !ok || s.String() != text {
				t.Fatalf("ParseSort(%q) = %v, %v; want %s, true", text, s, ok, text)
			}
			sel := r.Select(catalog.Query{UnitType: outcome.Surgeon, Sort: s})
			if sel.Count != len(sel.Page) || sel.Next != nil || sel.Count == 0 {
				t.Fatalf("Select(sort=%s) = %d rows of %d, next %v; want every surgeon", text, len(sel.Page),
					sel.Count, sel.Next)
			}
			nanSeen := false
			for i, idx := range sel.Page {
				k := s.KeyOf(&r.Rows[idx])
				isNaN := s.Numeric() && math.IsNaN(k.Num)
				if nanSeen && !isNaN {
					t.Errorf("sort=%s: row %d (%s) is a number after a NaN, want NaN last", text, i, k.UnitID)
				}
				nanSeen = nanSeen || isNaN
				if i == 0 {
					continue
				}
				prev := s.KeyOf(&r.Rows[sel.Page[i-1]])
				if c := s.Compare(prev, k); c >= 0 {
					t.Fatalf("sort=%s: rows %d and %d compare %d, want < 0 (a total order)", text, i-1, i, c)
				}
				if !s.Numeric() || isNaN || math.IsNaN(prev.Num) {
					continue
				}
				if s.Desc && prev.Num < k.Num || !s.Desc && prev.Num > k.Num {
					t.Errorf("sort=%s: row %d value %v after %v", text, i, k.Num, prev.Num)
				}
				if prev.Num == k.Num && prev.Name > k.Name {
					t.Errorf("sort=%s: tie at %v broken %q before %q, want by name ascending", text, k.Num,
						prev.Name, k.Name)
				}
			}
		}
	}
	if _, ok := catalog.ParseSort("shoe_size"); ok {
		t.Errorf("ParseSort(shoe_size) = ok, want false")
	}
	if s := (catalog.Sort{}); s.String() != "name" || s.Desc {
		t.Errorf("zero Sort = %s, want name ascending", s)
	}
}

// TestSelectCursor pages through a selection with a small limit and holds
// the pages to the whole selection, then resumes after every row.
func TestSelectCursor(t *testing.T) {
	r := demo(t)
	for _, text := range []string{"name", "-ratio", "band", "-cases", "p_low"} {
		s, _ := catalog.ParseSort(text)
		q := catalog.Query{UnitType: outcome.Surgeon, Specialty: "adult-cardiac", Sort: s}
		all := r.Select(q).Page
		var paged []int32
		q.Limit = 7
		for n := 0; ; n++ {
			sel := r.Select(q)
			if sel.Count != len(all) {
				t.Fatalf("sort=%s page %d: Count = %d, want %d", text, n, sel.Count, len(all))
			}
			paged = append(paged, sel.Page...)
			if sel.Next == nil {
				break
			}
			q.After = sel.Next
		}
		if !slices.Equal(paged, all) {
			t.Errorf("sort=%s: pages of 7 = %v, want %v", text, paged, all)
		}
		for i, idx := range all {
			k := s.KeyOf(&r.Rows[idx])
			got := r.Select(catalog.Query{UnitType: outcome.Surgeon, Specialty: "adult-cardiac", Sort: s, After: &k,
				Limit: 1}).Page
			if i+1 < len(all) && (len(got) != 1 || got[0] != all[i+1]) || i+1 == len(all) && len(got) != 0 {
				t.Fatalf("sort=%s: after row %d got %v, want the next row", text, i, got)
			}
		}
	}
}

// TestSelectFilters holds each filter to the rows it keeps.
func TestSelectFilters(t *testing.T) {
	r := demo(t)
	h := r.Rows[r.Select(catalog.Query{UnitType: outcome.Surgeon}).Page[0]].HospitalID
	tests := []struct {
		name string
		q    catalog.Query
		keep func(*catalog.Row) bool
	}{
		{"specialty", catalog.Query{Specialty: "vascular"}, func(u *catalog.Row) bool { return u.Specialty == "vascular" }},
		{"band", catalog.Query{Bands: []string{"high_alarm", "high_alert"}},
			func(u *catalog.Row) bool { return u.Band == outcome.HighAlarm || u.Band == outcome.HighAlert }},
		{"min_cases", catalog.Query{MinCases: 300}, func(u *catalog.Row) bool { return u.Cases >= 300 }},
		{"hospital", catalog.Query{Hospital: h}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.UnitType = outcome.Surgeon
			sel := r.Select(tt.q)
			if sel.Count == 0 {
				t.Fatalf("Select(%+v) found nothing", tt.q)
			}
			want := 0
			for i := range r.Rows {
				u := &r.Rows[i]
				if u.UnitType != outcome.Surgeon {
					continue
				}
				keep := tt.keep != nil && tt.keep(u) ||
					tt.keep == nil && slices.Contains(r.RowHospitals(int32(i)), h)
				if keep {
					want++
				}
			}
			if sel.Count != want || len(sel.Page) != want {
				t.Errorf("Select(%+v): Count %d, page %d; want %d", tt.q, sel.Count, len(sel.Page), want)
			}
			for _, idx := range sel.Page {
				if !slices.Contains(sel.Periods, r.Rows[idx].Period) {
					t.Errorf("Periods %v lack row period %s", sel.Periods, r.Rows[idx].Period)
				}
			}
		})
	}
}

// TestSearch finds units by a word's prefix, case and accents ignored,
// and through the API's q; a query with no words finds nothing.
func TestSearch(t *testing.T) {
	r := demo(t)
	u := r.Rows[r.Surgeon("9000001")[0]]
	last := strings.Fields(u.UnitName)[2] // "Mr Leopold Heronreed"
	q := strings.ToUpper(last[:5])
	found := r.Search(q)
	if !slices.ContainsFunc(found, func(s *catalog.SearchUnit) bool { return s.ID == "9000001" && s.Type == outcome.Surgeon }) {
		t.Errorf("Search(%q) = %d units without surgeon 9000001 (%s)", q, len(found), u.UnitName)
	}
	for _, s := range found {
		if !strings.Contains(catalog.Fold(s.Name+" "+strings.Join(s.Hospitals, " ")+" "+strings.Join(s.Specialties, " ")+" "+s.ID),
			strings.ToLower(last[:5])) {
			t.Errorf("Search(%q) found %s %s %v, which has no such word", q, s.ID, s.Name, s.Hospitals)
		}
	}
	sel := r.Select(catalog.Query{UnitType: outcome.Surgeon, Q: q})
	if sel.Count == 0 || !slices.ContainsFunc(sel.Page, func(i int32) bool { return r.Rows[i].UnitID == "9000001" }) {
		t.Errorf("Select(Q=%q) = %d rows, want surgeon 9000001's", q, sel.Count)
	}
	if got := r.Search(" ,. "); len(got) != 0 {
		t.Errorf("Search(punctuation) = %d units, want none", len(got))
	}
	if got := r.Search(strings.Repeat("a", 201)); len(got) != 0 {
		t.Errorf("Search(201 bytes) = %d units, want none", len(got))
	}
	if got := catalog.Fold("  Seán  O'Néill "); got != "sean o'neill" {
		t.Errorf("Fold = %q, want %q", got, "sean o'neill")
	}
}

// TestPlace places a hospital's own figures on the published funnel and
// holds the errors for figures the release cannot place.
func TestPlace(t *testing.T) {
	r := demo(t)
	period := r.LatestPeriod("adult-cardiac")
	f := r.ChooseFunnel("adult-cardiac", "", "", outcome.Hospital)
	if f == nil || f.Period != period || f.UnitType != outcome.Hospital {
		t.Fatalf("ChooseFunnel(adult-cardiac, hospital) = %+v, want the latest hospital funnel", f)
	}
	u := outcome.Row{Specialty: "adult-cardiac", UnitType: outcome.Hospital, UnitID: "RXX", UnitName: "Ours",
		Cases: 400, Events: 40, Expected: sql.Null[float64]{V: 8, Valid: true}}
	row, got, errs := r.Place(u)
	if len(errs) != 0 || got != f {
		t.Fatalf("Place = funnel %p, errors %v; want %p and none", got, errs, f)
	}
	if row.Period != period || row.Cases != 400 || row.Events != 40 || math.Abs(row.Ratio-5) > 1e-12 ||
		row.Band != outcome.HighAlarm || row.HospitalID != "RXX" || row.Target != f.Target || !row.RiskAdjusted {
		t.Errorf("Place = %+v, want ratio 5 high_alarm at the funnel's target in %s", row, period)
	}
	if !math.IsNaN(row.PublishedRate) {
		t.Errorf("Place: PublishedRate = %v, want NaN", row.PublishedRate)
	}

	bad := []struct {
		name  string
		edit  func(*outcome.Row)
		field string
	}{
		{"no expected", func(u *outcome.Row) { u.Expected = sql.Null[float64]{} }, "expected"},
		{"no such procedure", func(u *outcome.Row) { u.Procedure = "heart-transplant" }, "procedure"},
		{"no such period", func(u *outcome.Row) { u.Period = "1999-04/2000-03" }, "period"},
		{"no results", func(u *outcome.Row) { u.Specialty = "no-such-specialty" }, "specialty"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			v := u
			tt.edit(&v)
			_, _, errs := r.Place(v)
			if len(errs) != 1 || errs[0].Field != tt.field || errs[0].Message == "" {
				t.Errorf("Place = errors %v, want one on %s", errs, tt.field)
			}
		})
	}
}

// TestSelectFirstUseTogether: a release sorts its rows the first time a
// selection asks (or a server prepares it, PrepareSelect); selections
// arriving together on a release just loaded, in every sort, all get the
// order one alone gets. Run with -race.
func TestSelectFirstUseTogether(t *testing.T) {
	want := map[string][]int32{}
	alone := demo(t)
	for _, name := range catalog.SortNames() {
		s, _ := catalog.ParseSort("-" + name)
		want[name] = alone.Select(catalog.Query{UnitType: outcome.Surgeon, Sort: s}).Page
	}
	r := demo(t)
	got := make([][]int32, len(catalog.SortNames()))
	var wg sync.WaitGroup
	wg.Go(r.PrepareSelect)
	for i, name := range catalog.SortNames() {
		wg.Go(func() {
			s, _ := catalog.ParseSort("-" + name)
			got[i] = r.Select(catalog.Query{UnitType: outcome.Surgeon, Sort: s}).Page
		})
	}
	wg.Wait()
	for i, name := range catalog.SortNames() {
		if !slices.Equal(got[i], want[name]) || len(got[i]) == 0 {
			t.Errorf("sort=-%s selected together: %d rows, not the %d selected alone, in order", name, len(got[i]),
				len(want[name]))
		}
	}
}
