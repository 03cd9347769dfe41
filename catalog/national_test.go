package catalog_test

import (
	"slices"
	"testing"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// TestNational holds the national summary to the release: one row for
// every funnel, none twice, specialties in outcome.Specialties' order, each
// row's band counts those of its funnel's rows counted here, the latest
// period marked, and each filter keeping exactly the funnels it names.
func TestNational(t *testing.T) {
	r := demo(t)
	rows := r.National(catalog.NationalFilter{})
	if len(rows) != len(r.Funnels) {
		t.Fatalf("National({}) = %d rows, want one a funnel (%d)", len(rows), len(r.Funnels))
	}
	var order []string
	for _, sp := range outcome.Specialties() {
		order = append(order, sp.Slug)
	}
	seen := map[*catalog.Funnel]bool{}
	last := -1
	for _, row := range rows {
		if seen[row.Funnel] {
			t.Errorf("funnel %s %s %s %s listed twice", row.Specialty, row.Procedure, row.Period, row.UnitType)
		}
		seen[row.Funnel] = true
		i := slices.Index(order, row.Specialty)
		if i < last {
			t.Errorf("%s listed after %s, want outcome.Specialties' order", row.Specialty, order[last])
		}
		last = i
		want := map[string]int{}
		for _, u := range r.FunnelRows(row.Funnel) {
			want[string(u.Band)]++
		}
		for _, w := range outcome.Bands() {
			if got := row.BandCounts[string(w.Band)]; got != want[string(w.Band)] {
				t.Errorf("%s %s %s %s: BandCounts[%s] = %d, want %d", row.Specialty, row.Procedure, row.Period,
					row.UnitType, w.Band, got, want[string(w.Band)])
			}
		}
		if row.LatestPeriod != (row.Period == r.LatestPeriod(row.Specialty)) {
			t.Errorf("%s %s: LatestPeriod = %v, want %v (latest %s)", row.Specialty, row.Period, row.LatestPeriod,
				!row.LatestPeriod, r.LatestPeriod(row.Specialty))
		}
	}

	filters := []catalog.NationalFilter{
		{Specialty: "vascular"},
		{Specialty: "vascular", Procedure: "aaa"},
		{Period: r.LatestPeriod("vascular")},
		{UnitType: outcome.Hospital},
		{Specialty: "vascular", Procedure: "aaa", Period: r.LatestPeriod("vascular"), UnitType: outcome.Surgeon},
	}
	for _, f := range filters {
		want := 0
		for _, fu := range r.Funnels {
			if (f.Specialty == "" || fu.Specialty == f.Specialty) && (f.Procedure == "" || fu.Procedure == f.Procedure) &&
				(f.Period == "" || fu.Period == f.Period) && (f.UnitType == "" || fu.UnitType == f.UnitType) {
				want++
			}
		}
		got := r.National(f)
		if len(got) != want || want == 0 {
			t.Errorf("National(%+v) = %d rows, want %d (and more than none)", f, len(got), want)
		}
	}
	if got := r.National(catalog.NationalFilter{Specialty: "vascular", Procedure: "cabg"}); len(got) != 0 {
		t.Errorf("National(vascular, cabg) = %d rows, want none", len(got))
	}
}
