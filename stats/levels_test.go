package stats

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// levelsFile holds intervals and funnel lines at 98% and 90%, computed
// with base R 4.2.2 by testdata/reference_levels.R (qgamma, qbeta,
// binom.test, qpois/ppois, qbinom/pbinom); its header gives every formula.
const levelsFile = "testdata/reference_levels.csv"

// levelRow is one row of levelsFile; empty numbers are NaN (−1 for counts).
type levelRow struct {
	line            int
	block, side     string
	n, o            int
	p0, e           float64
	level           float64 // a fraction: 0.98, 0.90
	limit, limitAlt float64
}

func (r levelRow) String() string {
	return fmt.Sprintf("%s:%d (%s n=%d p0=%g E=%g O=%d level=%g %s)", levelsFile, r.line, r.block, r.n, r.p0,
		r.e, r.o, r.level, r.side)
}

// readLevels parses levelsFile into rows by block.
func readLevels(t *testing.T) map[string][]levelRow {
	t.Helper()
	want := []string{"block", "n", "p0", "E", "O", "level", "side", "limit", "limit_alt"}
	rows := map[string][]levelRow{}
	readRefCSV(t, levelsFile, want, func(rec refRecord) {
		r := levelRow{line: rec.line, block: rec.text(0), n: rec.count(1), p0: rec.float(2), e: rec.float(3),
			o: rec.count(4), level: rec.float(5) / 100, side: rec.text(6), limit: rec.float(7), limitAlt: rec.float(8)}
		rows[r.block] = append(rows[r.block], r)
	})
	return rows
}

// TestReferenceLevels checks the intervals and funnel lines at 98% and 90%
// against R: Garwood (qgamma) and Byar (arithmetic) to 1e−13 relative,
// Clopper–Pearson against qbeta and binom.test to 5e−12 relative (gonum's
// InvRegIncBeta is 2.1e−12 from qbeta at O = 1 of 2,000, 98%), the
// funnel lines (Spiegelhalter's interpolation) to 1e−12 relative for
// Poisson and 5e−12 for binomial (gonum's binomial CDF is up to ~8e−12
// from R's at n = 2000; see TestReferenceBinomFunnel). Zeros, the clipped
// lower ends, compare exactly.
func TestReferenceLevels(t *testing.T) {
	rows := readLevels(t)
	pick := func(r levelRow, lo, hi float64) float64 {
		if r.side == "upper" {
			return hi
		}
		return lo
	}
	var (
		garwood = column{name: "Garwood", relTol: 1e-13}
		byar    = column{name: "Byar", relTol: 1e-13}
		cp      = column{name: "Clopper-Pearson", relTol: 5e-12}
		cpTest  = column{name: "binom.test", relTol: 5e-12}
		pois    = column{name: "Poisson line", relTol: 1e-12}
		binom   = column{name: "binomial line", relTol: 5e-12}
	)
	counts := map[string]int{}
	for _, r := range append(rows["count_ci"], rows["prop_ci"]...) {
		counts[r.block]++
		ref := r
		switch r.block {
		case "count_ci":
			lo, hi := GarwoodInterval(r.o, r.level)
			garwood.check(t, ref, "GarwoodInterval", pick(r, lo, hi), r.limit)
			lo, hi = ByarInterval(r.o, r.level)
			byar.check(t, ref, "ByarInterval", pick(r, lo, hi), r.limitAlt)
		case "prop_ci":
			lo, hi := ClopperPearsonInterval(r.o, r.n, r.level)
			cp.check(t, ref, "ClopperPearsonInterval", pick(r, lo, hi), r.limit)
			cpTest.check(t, ref, "ClopperPearsonInterval", pick(r, lo, hi), r.limitAlt)
		}
	}
	for _, r := range append(rows["pois_funnel"], rows["binom_funnel"]...) {
		counts[r.block]++
		ref := r
		pLo, pHi, _, _ := tails(r.level)
		p := pick(r, pLo, pHi)
		if r.block == "pois_funnel" {
			pois.check(t, ref, "PoissonLimit", PoissonLimit(p, r.e), r.limit)
		} else {
			binom.check(t, ref, "BinomialLimit", BinomialLimit(p, r.n, r.p0), r.limit)
		}
	}
	want := map[string]int{"count_ci": 44, "prop_ci": 84, "pois_funnel": 52, "binom_funnel": 32}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("%s: rows by block %v, want %v", levelsFile, counts, want)
	}
	for _, c := range []*column{&garwood, &byar, &cp, &cpTest, &pois, &binom} {
		c.log(t, "levels")
	}
}

// levelRef finds the R value of one block's row.
func levelRef(t *testing.T, rows map[string][]levelRow, block, side string, level float64, match func(levelRow) bool) float64 {
	t.Helper()
	for _, r := range rows[block] {
		if r.side == side && r.level == level && match(r) {
			return r.limit
		}
	}
	t.Fatalf("%s: no %s %s row at %g", levelsFile, block, side, level)
	return math.NaN()
}

// TestFunnelLevels checks that a funnel's units carry their own interval
// at Options.IntervalLevel and their verdict at Options.FlagLevel, both
// taken from R's figures, while bands, lines and p-values stay those of
// the 95%/99.8% funnel; that two levels in one funnel (one interval cache
// each) never mix; and that the zero levels are 95%.
func TestFunnelLevels(t *testing.T) {
	rows := readLevels(t)
	// Counts in the reference grid, at sizes that put some units between
	// the rules at 95% and 98%: O = 0 at E = 4.2 (95% upper 3.69/4.2 below
	// 1, 98% upper 4.61/4.2 not) and O = 10 at E = 20 (upper 18.39/20 and
	// 21.25/20) are lower at 95% and not different at 98%.
	units := []Unit{
		{Cases: 500, Observed: 20, Expected: 10.7},
		{Cases: 500, Observed: 20, Expected: 14},
		{Cases: 300, Observed: 2, Expected: 9.5},
		{Cases: 300, Observed: 0, Expected: 4.2},
		{Cases: 800, Observed: 50, Expected: 35},
		{Cases: 800, Observed: 50, Expected: 30},
		{Cases: 40, Observed: 1, Expected: 0.3},
		{Cases: 40, Observed: 3, Expected: 0.3},
		{Cases: 400, Observed: 10, Expected: 20},
	}
	garwood := func(o int, side string, level float64) float64 {
		return levelRef(t, rows, "count_ci", side, level, func(r levelRow) bool { return r.o == o })
	}
	base := Funnel(units, Options{Target: 0.03, Comparison: CompareInterval})
	explicit := Funnel(units, Options{Target: 0.03, Comparison: CompareInterval, IntervalLevel: 0.95, FlagLevel: 0.95})
	if fmt.Sprint(base) != fmt.Sprint(explicit) {
		t.Errorf("zero levels differ from 95%%:\n%v\n%v", base, explicit)
	}
	cases := []struct {
		name           string
		interval, flag float64 // 0 in the options: the defaults
		comparison     Comparison
	}{
		{"98% interval and rule", 0.98, 0, CompareInterval},
		{"95% interval, 98% rule", 0, 0.98, CompareInterval},
		{"98% interval, 90% rule", 0.98, 0.90, CompareInterval},
		{"95% interval, 98% funnel rule", 0, 0.98, CompareFunnel},
	}
	var changed int
	for _, tc := range cases {
		res := Funnel(units, Options{Target: 0.03, Comparison: tc.comparison, IntervalLevel: tc.interval, FlagLevel: tc.flag})
		ciLevel, flagLevel := cmpOr(tc.interval, 0.95), cmpOr(tc.flag, cmpOr(tc.interval, 0.95))
		for i, u := range units {
			got, was := res.Units[i], base.Units[i]
			lo, hi := GarwoodInterval(u.Observed, ciLevel)
			if ciLevel != 0.95 {
				lo, hi = garwood(u.Observed, "lower", ciLevel), garwood(u.Observed, "upper", ciLevel)
			}
			if !scalar.EqualWithinAbsOrRel(got.CILow, lo/u.Expected, 0, 1e-13) ||
				!scalar.EqualWithinAbsOrRel(got.CIHigh, hi/u.Expected, 0, 1e-13) {
				t.Errorf("%s: unit %d interval [%g, %g], want R's [%g, %g] at %g", tc.name, i, got.CILow, got.CIHigh,
					lo/u.Expected, hi/u.Expected, ciLevel)
			}
			var want Verdict
			if tc.comparison == CompareInterval {
				flo, fhi := garwood(u.Observed, "lower", flagLevel)/u.Expected, garwood(u.Observed, "upper", flagLevel)/u.Expected
				want = intervalVerdict(flo, fhi, 1)
			} else {
				want = funnelVerdictR(t, rows, u, flagLevel)
			}
			if got.Verdict != want {
				t.Errorf("%s: unit %d (O %d, E %g) verdict %s, want %s", tc.name, i, u.Observed, u.Expected, got.Verdict, want)
			}
			if got.Verdict != was.Verdict {
				changed++
			}
			if got.Band != was.Band || got.Upper95 != was.Upper95 || got.Lower998 != was.Lower998 || got.PHigh != was.PHigh {
				t.Errorf("%s: unit %d band or lines changed: %+v, was %+v", tc.name, i, got, was)
			}
		}
	}
	if changed == 0 {
		t.Error("no verdict differs from the 95% one: the units do not test the levels")
	}
	t.Logf("%d verdicts differ from the 95%% ones across %d cases", changed, len(cases))
}

// funnelVerdictR is the funnel rule at level by R's lines: the Poisson
// funnel's lines for E ≥ 1, the exact one-sided test below (P(X ≥ O) <
// (1 − level)/2, from gonum's Poisson tail, which TestReferencePValues
// checks against R).
func funnelVerdictR(t *testing.T, rows map[string][]levelRow, u Unit, level float64) Verdict {
	t.Helper()
	if Small(u.Expected) {
		if high, _ := PoissonPValues(u.Observed, u.Expected); high < (1-level)/2 {
			return VerdictHigher
		}
		return VerdictNotDifferent
	}
	atE := func(r levelRow) bool { return r.e == u.Expected }
	lo := levelRef(t, rows, "pois_funnel", "lower", level, atE)
	hi := levelRef(t, rows, "pois_funnel", "upper", level, atE)
	return lineVerdict(float64(u.Observed)/u.Expected, lo, hi)
}

func cmpOr(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// TestFunnelLevelsProportion checks crude units: Clopper–Pearson at the
// interval level and the verdict at the flag level, against R's qbeta
// and binomial funnel lines.
func TestFunnelLevelsProportion(t *testing.T) {
	rows := readLevels(t)
	units := []Unit{
		{Cases: 57, Observed: 2, Expected: math.NaN()},
		{Cases: 300, Observed: 9, Expected: math.NaN()},
		{Cases: 2000, Observed: 60, Expected: math.NaN()},
		{Cases: 10, Observed: 5, Expected: math.NaN()},
	}
	const p0 = 0.1
	res := Funnel(units, Options{Target: p0, Comparison: CompareInterval, IntervalLevel: 0.98, FlagLevel: 0.90})
	lines := Funnel(units, Options{Target: p0, Comparison: CompareFunnel, FlagLevel: 0.98})
	for i, u := range units {
		at := func(r levelRow) bool { return r.n == u.Cases && r.o == u.Observed }
		lo := levelRef(t, rows, "prop_ci", "lower", 0.98, at)
		hi := levelRef(t, rows, "prop_ci", "upper", 0.98, at)
		got := res.Units[i]
		if !scalar.EqualWithinAbsOrRel(got.CILow, lo, 0, 5e-12) || !scalar.EqualWithinAbsOrRel(got.CIHigh, hi, 0, 5e-12) {
			t.Errorf("unit %d: 98%% interval [%g, %g], want R's [%g, %g]", i, got.CILow, got.CIHigh, lo, hi)
		}
		flo := levelRef(t, rows, "prop_ci", "lower", 0.90, at)
		fhi := levelRef(t, rows, "prop_ci", "upper", 0.90, at)
		if want := intervalVerdict(flo, fhi, p0); got.Verdict != want {
			t.Errorf("unit %d: verdict %s, want %s by R's 90%% interval [%g, %g]", i, got.Verdict, want, flo, fhi)
		}
		atN := func(r levelRow) bool { return r.n == u.Cases && r.p0 == p0 }
		llo := levelRef(t, rows, "binom_funnel", "lower", 0.98, atN)
		lhi := levelRef(t, rows, "binom_funnel", "upper", 0.98, atN)
		if want := lineVerdict(got.Y, llo, lhi); lines.Units[i].Verdict != want {
			t.Errorf("unit %d: funnel verdict at 98%% %s, want %s (y %g, R's lines %g, %g)", i, lines.Units[i].Verdict,
				want, got.Y, llo, lhi)
		}
	}
}
