package outcome

import "testing"

func TestPeriodsOverlap(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"2021-04/2024-03", "2022-04/2025-03", true}, // NHS rolling three years
		{"2021-04/2024-03", "2024-04/2027-03", false},
		{"2021-04/2024-03", "2024-03/2027-02", true}, // one shared month
		{"2021/2023", "2023", true},
		{"2021/2023", "2024", false},
		{"2022", "2022-06", true},
		{"2022-06", "2022-07", false},
		{"2021-04/2024-03", "2021-04/2024-03", false}, // one period, counted once
		{"2021-04/2024-03", "FY2022", false},          // a shape not read: not known to overlap
		{"2024-13", "2024", false},
		{"2025/2021", "2022", false}, // backwards
	} {
		if got := PeriodsOverlap(tc.a, tc.b); got != tc.want {
			t.Errorf("PeriodsOverlap(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := PeriodsOverlap(tc.b, tc.a); got != tc.want {
			t.Errorf("PeriodsOverlap(%q, %q) = %v, want %v", tc.b, tc.a, got, tc.want)
		}
	}
	if first, last, ok := PeriodMonths("2022-04/2025-03"); !ok || last-first != 35 {
		t.Errorf("PeriodMonths(2022-04/2025-03) = %d, %d, %v; want 36 months", first, last, ok)
	}
}
