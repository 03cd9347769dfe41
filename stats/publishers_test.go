package stats_test

import (
	"encoding/csv"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/stats"
)

// sharedData returns a file under ../shared/data, or skips the test.
func sharedData(t *testing.T, pattern string) string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join("..", "..", "shared", "data", pattern))
	if len(matches) == 0 {
		t.Skipf("%s not found: ../shared/data is not beside the checkout, so the publishers' files cannot be read", pattern)
	}
	return matches[0]
}

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	for i := range header {
		header[i] = strings.TrimPrefix(strings.TrimSpace(header[i]), "\ufeff")
	}
	var out []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(rec) != len(header) {
			continue // HCAI's trailing blank record
		}
		m := map[string]string{}
		for i, h := range header {
			m[h] = strings.TrimSpace(rec[i])
		}
		out = append(out, m)
	}
	return out
}

func number(t *testing.T, s string) float64 {
	t.Helper()
	x, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if err != nil {
		t.Fatalf("number %q: %v", s, err)
	}
	return x
}

// roundHalfUp rounds to 2 decimals as the publishers do (decimal half-up),
// with a nudge for binary representation error.
func roundHalfUp(x float64) float64 {
	return math.Floor(x*100+0.5+1e-9) / 100
}

// within reports whether published lies between the two values computed
// with the expected rate at each end of its rounding interval, both
// rounded half-up to 2 dp.
func within(published, a, b float64) bool {
	lo, hi := roundHalfUp(math.Min(a, b)), roundHalfUp(math.Max(a, b))
	return published >= lo-1e-9 && published <= hi+1e-9
}

// publisherCase is one published hospital figure and what our engine makes
// of it.
type publisherCase struct {
	line            int
	cases, deaths   int
	expectedRate    float64 // percent, rounded to 2 dp by the publisher
	statewide       float64 // S as a proportion, from the statewide counts
	rate, low, high float64 // published RAMR and 95% interval, percent
	verdict         stats.Verdict
}

// checkPublisher reproduces each published figure with the engine: RAMR,
// interval and verdict, computed with the expected rate at both ends of its
// rounding interval. Where capped is true the publisher may print an upper
// limit of 100 for one that reaches 100 or more.
func checkPublisher(t *testing.T, name string, cases []publisherCase, method stats.IntervalMethod, capped bool) {
	t.Helper()
	mismatches := 0
	for _, c := range cases {
		var rate, low, high [2]float64
		var verdicts [2]stats.Verdict
		for k, d := range []float64{-0.005, 0.005} {
			emr := c.expectedRate + d
			if emr <= 0 {
				emr = 1e-9
			}
			e := float64(c.cases) * emr / 100
			res := stats.Funnel([]stats.Unit{{Cases: c.cases, Observed: c.deaths, Expected: e}},
				stats.Options{Target: c.statewide, Interval: method, Comparison: stats.CompareInterval})
			u := res.Units[0]
			rate[k] = 100 * u.RAMR
			low[k] = 100 * u.CILow * c.statewide
			high[k] = 100 * u.CIHigh * c.statewide
			verdicts[k] = u.Verdict
		}
		ok := within(c.rate, rate[0], rate[1]) && within(c.low, low[0], low[1]) &&
			(within(c.high, high[0], high[1]) || capped && c.high == 100 && math.Max(high[0], high[1]) >= 100) &&
			(verdicts[0] == c.verdict || verdicts[1] == c.verdict)
		if !ok {
			mismatches++
			if mismatches <= 10 {
				t.Errorf("%s line %d: %d deaths in %d cases, EMR %.2f, S %.4f%%: published %.2f (%.2f, %.2f) %s; "+
					"ours %.4f–%.4f (%.4f–%.4f, %.4f–%.4f) %s/%s",
					name, c.line, c.deaths, c.cases, c.expectedRate, 100*c.statewide, c.rate, c.low, c.high, c.verdict,
					rate[0], rate[1], low[0], low[1], high[0], high[1], verdicts[0], verdicts[1])
			}
		}
	}
	if mismatches > 0 {
		t.Errorf("%s: %d of %d published figures not reproduced", name, mismatches, len(cases))
	}
}

// TestNewYorkDOH reproduces all 2,757 hospital rows of New York's 2025
// export: RAMR = O/E × S with S from the statewide row's counts, Byar's 95%
// interval, and the comparison text (../shared/data/README.md). Tolerance:
// the rounding of the published expected rate (EMR ± 0.005) and of the
// published figures (2 dp, half-up).
func TestNewYorkDOH(t *testing.T) {
	rows := readCSV(t, sharedData(t, "nys-cardiac-hospital/*_20250726.csv"))
	type key struct{ procedure, period string }
	statewide := map[key]float64{}
	for _, r := range rows {
		if r["Facility ID"] == "0" || r["Facility ID"] == "0000" {
			statewide[key{r["Procedure"], r["Year of Hospital Discharge"]}] =
				number(t, r["Number of Deaths"]) / number(t, r["Number of Cases"])
		}
	}
	verdicts := map[string]stats.Verdict{
		"Rate not different than Statewide Rate":        stats.VerdictNotDifferent,
		"Rate significantly higher than Statewide Rate": stats.VerdictHigher,
		"Rate significantly lower than Statewide Rate":  stats.VerdictLower,
	}
	var cases []publisherCase
	for i, r := range rows {
		if r["Facility ID"] == "0" || r["Facility ID"] == "0000" {
			continue
		}
		s, ok := statewide[key{r["Procedure"], r["Year of Hospital Discharge"]}]
		if !ok {
			t.Fatalf("line %d: no statewide row for %s %s", i+2, r["Procedure"], r["Year of Hospital Discharge"])
		}
		v, ok := verdicts[r["Comparison Results"]]
		if !ok {
			t.Fatalf("line %d: comparison %q", i+2, r["Comparison Results"])
		}
		cases = append(cases, publisherCase{line: i + 2, cases: int(number(t, r["Number of Cases"])),
			deaths: int(number(t, r["Number of Deaths"])), expectedRate: number(t, r["Expected Mortality Rate"]),
			statewide: s, rate: number(t, r["Risk-Adjusted Mortality Rate"]),
			low: number(t, r["Lower Limit of Confidence Interval"]), high: number(t, r["Upper Limit of Confidence Interval"]),
			verdict: v})
	}
	if len(cases) != 2757 {
		t.Fatalf("hospital rows = %d, want 2757", len(cases))
	}
	checkPublisher(t, "NY DOH", cases, stats.IntervalByar, true)
}

// TestCaliforniaHCAI reproduces all 1,452 usable rows of California's CABG
// 2018–22 ratings: RAAER = O/E × S with S from the statewide counts, exact
// Poisson (Garwood) 95% interval with the upper end capped at 100, and the
// rating ("Worse" iff lower > S, "Better" iff upper < S). Tolerance as for
// New York.
func TestCaliforniaHCAI(t *testing.T) {
	rows := readCSV(t, sharedData(t, "ca-hcai-cabg-2018-2022/*.csv"))
	ratings := map[string]stats.Verdict{"Average": stats.VerdictNotDifferent, "Worse": stats.VerdictHigher,
		"Better": stats.VerdictLower}
	var cases []publisherCase
	for i, r := range rows {
		if r["Hospital Adverse Events"] == "." || r["Year"] == "" {
			continue
		}
		v, ok := ratings[r["Performance Rating"]]
		if !ok {
			t.Fatalf("line %d: rating %q", i+2, r["Performance Rating"])
		}
		s := number(t, r["Statewide Adverse Events"]) / number(t, r["Total Statewide CABG Cases for Performance Measure Reporting"])
		cases = append(cases, publisherCase{line: i + 2,
			cases:  int(number(t, r["Total Hospital CABG Cases for Performance Measure Reporting"])),
			deaths: int(number(t, r["Hospital Adverse Events"])), expectedRate: number(t, r["Hospital Expected Adverse Events Rate (%)"]),
			statewide: s, rate: number(t, r["Hospital Risk-Adjusted Adverse Events Rate (%,RAAER)"]),
			low: number(t, r["Hospital Lower 95% CI for RAAER"]), high: number(t, r["Hospital Upper 95% CI for RAAER"]),
			verdict: v})
	}
	if len(cases) != 1452 {
		t.Fatalf("usable rows = %d, want 1452", len(cases))
	}
	checkPublisher(t, "CA HCAI", cases, stats.IntervalExact, true)
}
