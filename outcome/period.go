package outcome

import (
	"strconv"
	"strings"
)

// Periods are the publisher's own codes, kept as given. The shapes this
// file reads are the ones publishers use: "2022-04/2025-03" (a run of
// months), "2024-01" (a month), "2021/2023" (a run of years) and "2024"
// (a year). A publisher that reports a rolling three years each year
// makes overlapping periods: the same operations are counted in each.

// PeriodMonths is the first and last month a period code spans, counted
// as year×12 + month−1, and whether the code had one of the shapes above.
func PeriodMonths(code string) (first, last int, ok bool) {
	from, to, ranged := strings.Cut(code, "/")
	if !ranged {
		to = from
	}
	a, _, okA := monthSpan(from)
	_, b, okB := monthSpan(to)
	if !okA || !okB || b < a {
		return 0, 0, false
	}
	return a, b, true
}

// monthSpan reads "2022-04" as that month and "2022" as its twelve.
func monthSpan(s string) (first, last int, ok bool) {
	year, month, hasMonth := strings.Cut(s, "-")
	y, err := strconv.Atoi(year)
	if err != nil || len(year) != 4 || year[0] == '-' || year[0] == '+' {
		return 0, 0, false
	}
	if !hasMonth {
		return y * 12, y*12 + 11, true
	}
	m, err := strconv.Atoi(month)
	if err != nil || len(month) != 2 || m < 1 || m > 12 {
		return 0, 0, false
	}
	return y*12 + m - 1, y*12 + m - 1, true
}

// PeriodsOverlap reports whether two different period codes share a
// month, so that rows of both may count the same operations. Codes of
// another shape are never said to overlap: nothing is known of them.
func PeriodsOverlap(a, b string) bool {
	if a == b {
		return false
	}
	a0, a1, okA := PeriodMonths(a)
	b0, b1, okB := PeriodMonths(b)
	return okA && okB && a0 <= b1 && b0 <= a1
}
