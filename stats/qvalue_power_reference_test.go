package stats

import (
	"fmt"
	"math"
	"testing"
)

// qpReferenceFile holds Benjamini–Hochberg q-values, flagging counts,
// powers and 80%-detectable ratios computed once with base R 4.2.2
// (p.adjust, qpois, ppois, qbinom, pbinom, qgamma, qbeta) by
// testdata/qvalue_power_reference.R, whose header states every formula.
// The flagging counts there are derived in R from the formulas of
// STATS.md §4.1, §3.2 and §8.3, not from the Go code.
const qpReferenceFile = "testdata/qvalue_power_reference.csv"

// qpRow is one row of qpReferenceFile; empty numeric fields are NaN, or
// −1 for the integer ones.
type qpRow struct {
	line                 int
	block, name          string
	i, n, c              int
	p0, e, p, ratio, val float64
}

func (r qpRow) String() string {
	return fmt.Sprintf("%s:%d (%s %s i=%d n=%d p0=%g E=%g ratio=%g)",
		qpReferenceFile, r.line, r.block, r.name, r.i, r.n, r.p0, r.e, r.ratio)
}

// readQPReference parses qpReferenceFile and returns its rows by block,
// in file order.
func readQPReference(t *testing.T) map[string][]qpRow {
	t.Helper()
	want := []string{"block", "name", "i", "n", "p0", "E", "p", "c", "ratio", "value"}
	rows := map[string][]qpRow{}
	readRefCSV(t, qpReferenceFile, want, func(rec refRecord) {
		r := qpRow{line: rec.line, block: rec.text(0), name: rec.text(1), i: rec.count(2), n: rec.count(3),
			p0: rec.float(4), e: rec.float(5), p: rec.float(6), c: rec.count(7), ratio: rec.float(8), val: rec.float(9)}
		rows[r.block] = append(rows[r.block], r)
	})
	return rows
}

// qpBlock returns a block's rows, failing when it has fewer than min.
func qpBlock(t *testing.T, rows map[string][]qpRow, block string, min int) []qpRow {
	t.Helper()
	if got := rows[block]; len(got) >= min {
		return got
	}
	t.Fatalf("%s: block %s has %d rows, want at least %d", qpReferenceFile, block, len(rows[block]), min)
	return nil
}

// TestQValuesReference compares [QValues] with R's p.adjust(p, "BH") on
// vectors with ties, NA and NaN, a single p-value, all ones, zeros out of
// order, p-values near the smallest float64, and the 300 exact one-sided
// p-values P(X ≥ O) of a simulated overdispersed funnel (63 of them tied
// at 1, the units with no deaths; 10 with q ≤ 0.05). Tolerance: 1e-10
// relative; NaN where R gives NA.
func TestQValuesReference(t *testing.T) {
	byName := map[string][]qpRow{}
	var names []string
	for _, r := range qpBlock(t, readQPReference(t), "bh", 300) {
		if byName[r.name] == nil {
			names = append(names, r.name)
		}
		byName[r.name] = append(byName[r.name], r)
	}
	if len(names) < 7 {
		t.Fatalf("bh block has %d vectors (%v), want 7", len(names), names)
	}
	col := column{name: "q", relTol: 1e-10}
	for _, name := range names {
		rows := byName[name]
		p := make([]float64, len(rows))
		for k, r := range rows {
			if r.i != k+1 {
				t.Fatalf("%v: position %d, want %d", r, r.i, k+1)
			}
			p[k] = r.p
		}
		q := QValues(p)
		for k, r := range rows {
			if math.IsNaN(r.val) != math.IsNaN(q[k]) {
				t.Errorf("%v: q = %v, want %v", r, q[k], r.val)
				continue
			}
			if !math.IsNaN(r.val) {
				col.check(t, r, "QValues", q[k], r.val)
			}
		}
	}
	col.log(t, "bh")
}

// TestPowerReference compares the flagging counts (exactly), the powers
// at true ratios 1.5 and 2 (1e-9 relative) and the 80%-detectable ratios
// (1e-9 relative) with R's, on the Poisson grid E = 0.03 … 1000 and the
// binomial grid n = 1 … 5000, p0 = 0.02 … 0.5, both sides of one
// expected death included.
func TestPowerReference(t *testing.T) {
	rows := readQPReference(t)
	for _, r := range qpBlock(t, rows, "pois_flag", 16) {
		if got := PoissonFlagCount(r.e); got != r.c {
			t.Errorf("%v: PoissonFlagCount = %d, want %d", r, got, r.c)
		}
	}
	for _, r := range qpBlock(t, rows, "binom_flag", 12) {
		if got := BinomialFlagCount(r.n, r.p0); got != r.c {
			t.Errorf("%v: BinomialFlagCount = %d, want %d", r, got, r.c)
		}
	}
	power := column{name: "power", relTol: 1e-9}
	for _, r := range qpBlock(t, rows, "pois_power", 32) {
		power.check(t, r, "PoissonPower", PoissonPower(r.e, r.ratio), r.val)
	}
	for _, r := range qpBlock(t, rows, "binom_power", 24) {
		power.check(t, r, "BinomialPower", BinomialPower(r.n, r.p0, r.ratio), r.val)
	}
	power.log(t, "power")
	detect := column{name: "detectable80", relTol: 1e-9}
	for _, r := range qpBlock(t, rows, "pois_detect80", 16) {
		detect.check(t, r, "PoissonDetectableRatio", PoissonDetectableRatio(r.e, 0.8), r.val)
	}
	for _, r := range qpBlock(t, rows, "binom_detect80", 12) {
		got := BinomialDetectableRatio(r.n, r.p0, 0.8)
		if math.IsInf(r.val, 1) {
			if !math.IsInf(got, 1) {
				t.Errorf("%v: BinomialDetectableRatio = %v, want +Inf", r, got)
			}
			continue
		}
		detect.check(t, r, "BinomialDetectableRatio", got, r.val)
	}
	detect.log(t, "detectable80")
}
