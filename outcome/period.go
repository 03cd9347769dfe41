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

// PeriodEnd is one end of a period: a year and month, or a whole year
// (Month 0).
type PeriodEnd struct{ Year, Month int }

// ParsePeriod reads a period code's two ends (the same end twice for a
// single month or year), and whether the code had one of the shapes
// above; any other code is a publisher's own, shown as it is.
func ParsePeriod(code string) (from, to PeriodEnd, ok bool) {
	a, b, ranged := strings.Cut(code, "/")
	if !ranged {
		b = a
	}
	from, okA := parsePeriodEnd(a)
	to, okB := parsePeriodEnd(b)
	return from, to, okA && okB
}

// parsePeriodEnd reads "2022-04" or "2022".
func parsePeriodEnd(s string) (PeriodEnd, bool) {
	year, month, hasMonth := strings.Cut(s, "-")
	y, err := strconv.Atoi(year)
	if err != nil || len(year) != 4 || year[0] == '-' || year[0] == '+' {
		return PeriodEnd{}, false
	}
	if !hasMonth {
		return PeriodEnd{Year: y}, true
	}
	m, err := strconv.Atoi(month)
	if err != nil || len(month) != 2 || m < 1 || m > 12 {
		return PeriodEnd{}, false
	}
	return PeriodEnd{Year: y, Month: m}, true
}

// PeriodMonths is the first and last month a period code spans, counted
// as year×12 + month−1, and whether the code had one of the shapes above
// with its ends in order.
func PeriodMonths(code string) (first, last int, ok bool) {
	from, to, ok := ParsePeriod(code)
	first, last = from.Year*12, to.Year*12+11
	if from.Month > 0 {
		first += from.Month - 1
	}
	if to.Month > 0 {
		last = to.Year*12 + to.Month - 1
	}
	if !ok || last < first {
		return 0, 0, false
	}
	return first, last, true
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
