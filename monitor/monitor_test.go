package monitor

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/selfcheck"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// problemsOf reads body and returns its problems as "param: message".
func problemsOf(t *testing.T, body string) []string {
	t.Helper()
	_, err := Read([]byte(body))
	var se *selfcheck.Error
	if !errors.As(err, &se) {
		t.Fatalf("Read(%q) = %v, want a *selfcheck.Error", body, err)
	}
	var out []string
	for _, fe := range se.Errors {
		out = append(out, fe.Param+": "+fe.Message)
	}
	return out
}

func TestReadProblems(t *testing.T) {
	const h = "date,died,risk\n"
	for _, c := range []struct {
		name, body string
		want       []string
	}{
		{"empty", "", []string{"body: the file is empty: give a header line date,died,risk and one row per operation"}},
		{"header only", h, []string{"body: the file has a header but no operations: give one row per operation"}},
		{"missing column", "date,died\n2025-01-01,0\n", []string{"line 1: missing column risk: the header must name date, died, risk (and optionally surgeon_id)"}},
		{"unknown column", "date,died,risk,age\n", []string{`line 1, column 4: unknown column "age": the columns are date, died, risk, and optionally surgeon_id`}},
		{"repeated column", "date,died,risk,died\n", []string{"line 1, column 4: died: column died given twice (also column 2)"}},
		{"bad date", h + "2025-02-30,0,0.1\n", []string{`line 2, column 1: date: "2025-02-30" is not a date written YYYY-MM-DD (for example 2025-03-31)`}},
		{"american date", h + "03/31/2025,0,0.1\n", []string{`line 2, column 1: date: "03/31/2025" is not a date written YYYY-MM-DD (for example 2025-03-31)`}},
		{"out of order", h + "2025-01-05,0,0.1\n2025-01-03,0,0.1\n", []string{"line 3, column 1: date: dates out of order: 2025-01-03 is before 2025-01-05 on line 2; sort the rows by date"}},
		{"died 2", h + "2025-01-01,2,0.1\n", []string{`line 2, column 2: died: must be 0 (survived) or 1 (died), not "2"`}},
		{"died yes", h + "2025-01-01,yes,0.1\n", []string{`line 2, column 2: died: must be 0 (survived) or 1 (died), not "yes"`}},
		{"risk 0", h + "2025-01-01,0,0\n", []string{"line 2, column 3: risk: 0 is not between 0 and 1 (a predicted risk of exactly 0 or 1 cannot be charted)"}},
		{"risk 1", h + "2025-01-01,0,1\n", []string{"line 2, column 3: risk: 1 is not between 0 and 1: give the risk as a probability (1% is 0.01)"}},
		{"risk percent", h + "2025-01-01,0,2.5\n", []string{"line 2, column 3: risk: 2.5 is not between 0 and 1: give the risk as a probability (2.5% is 0.025)"}},
		{"risk negative", h + "2025-01-01,0,-0.1\n", []string{"line 2, column 3: risk: -0.1 is not between 0 and 1 (a predicted risk of exactly 0 or 1 cannot be charted)"}},
		{"risk text", h + "2025-01-01,0,low\n", []string{`line 2, column 3: risk: "low" is not a number`}},
		{"risk NaN", h + "2025-01-01,0,NaN\n", []string{`line 2, column 3: risk: "NaN" is not a number`}},
		{"risk empty", h + "2025-01-01,0,\n", []string{"line 2, column 3: risk: is empty: give the risk model's predicted risk of death, between 0 and 1"}},
		{"missing field", h + "2025-01-01,0\n", []string{"line 2: has 2 fields, the header has 3"}},
		{"extra field", h + "2025-01-01,0,0.1,x\n", []string{"line 2: has 4 fields, the header has 3"}},
		{"bad quote", h + "2025-01-01,0,\"0.1\n", []string{"line 2, column 19: extraneous or missing \" in quoted-field"}},
		{"empty surgeon", "date,died,risk,surgeon_id\n2025-01-01,0,0.1,\n", []string{"line 2, column 4: surgeon_id: is empty: give the surgeon's id, or leave the column out for the hospital alone"}},
		{"control character in surgeon", "date,died,risk,surgeon_id\n2025-01-01,0,0.1,A\x1bB\n", []string{"line 2, column 4: surgeon_id: holds a control character or bytes that are not UTF-8"}},
		{"several, by line", h + "2025-01-01,3,0.1\n2025-01-02,0,7\n2024-12-31,1,0.2\n", []string{
			`line 2, column 2: died: must be 0 (survived) or 1 (died), not "3"`,
			"line 3, column 3: risk: 7 is not between 0 and 1: give the risk as a probability (7% is 0.07)",
			"line 4, column 1: date: dates out of order: 2024-12-31 is before 2025-01-02 on line 3; sort the rows by date"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := problemsOf(t, c.body); !slices.Equal(got, c.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

// TestReadCap lists ingest's 50 problems and counts the rest.
func TestReadCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("date,died,risk\n")
	for range 120 {
		b.WriteString("2025-01-01,9,0.1\n")
	}
	got := problemsOf(t, b.String())
	if len(got) != 51 || got[50] != "body: 70 more problems not shown (120 in all)" {
		t.Errorf("%d problems, last %q", len(got), got[len(got)-1])
	}
}

// TestReadBounds refuses a file over MaxOperations rows.
func TestReadBounds(t *testing.T) {
	var b strings.Builder
	b.WriteString("date,died,risk\n")
	for range MaxOperations + 1 {
		b.WriteString("2025-01-01,0,0.1\n")
	}
	got := problemsOf(t, b.String())
	if want := fmt.Sprintf("body: more than %d operations", MaxOperations); len(got) != 1 || !strings.HasPrefix(got[0], want) {
		t.Errorf("got %q, want %q…", got, want)
	}
	if _, err := Read([]byte(strings.Repeat("2025-01-01,0,0.1\n", MaxOperations) + "")); err == nil {
		t.Error("a file without a header was accepted")
	}
}

// TestReadTolerates a byte-order mark, CRLF line ends, spaces round
// values, upper-case headers and columns in another order.
func TestReadTolerates(t *testing.T) {
	in, err := Read([]byte("\ufeffRisk,Date,died, surgeon_id\r\n0.02,2025-01-01,0,A\r\n 0.5 ,2025-01-01, 1 ,B\r\n0.1,2025-01-09,0,A\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Operation{
		{Line: 2, Date: "2025-01-01", Operation: stats.Operation{Risk: 0.02}, Surgeon: "A"},
		{Line: 3, Date: "2025-01-01", Operation: stats.Operation{Died: true, Risk: 0.5}, Surgeon: "B"},
		{Line: 4, Date: "2025-01-09", Operation: stats.Operation{Risk: 0.1}, Surgeon: "A"},
	}
	if !in.BySurgeon || !slices.Equal(in.Operations, want) {
		t.Errorf("got %+v", in)
	}
}

// TestRun charts the hospital and each surgeon on their own operations.
func TestRun(t *testing.T) {
	var b strings.Builder
	b.WriteString("date,died,risk,surgeon_id\n")
	// Surgeon A: eight deaths at 5% risk in a row signal deterioration on
	// A's own chart; B operates without deaths.
	for i := range 8 {
		fmt.Fprintf(&b, "2025-01-%02d,1,0.05,A\n2025-01-%02d,0,0.05,B\n", i+1, i+1)
	}
	in, err := Read([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	series, err := Run(in, stats.DefaultMonitor())
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 3 || series[0].Surgeon != "" || series[1].Surgeon != "A" || series[2].Surgeon != "B" {
		t.Fatalf("series %v", series)
	}
	if n := len(series[0].Operations); n != 16 || series[0].Deaths != 8 {
		t.Errorf("hospital: %d operations, %d deaths", n, series[0].Deaths)
	}
	// W = ln 2 − ln 1.05 = 0.644 a death: the 7th reaches 4.51 ≥ 4.5.
	want := []Signal{{Chart: Deterioration, Operation: 7, Date: "2025-01-07", Line: 14}}
	if !slices.Equal(series[1].Signals, want) {
		t.Errorf("A's signals %+v, want %+v", series[1].Signals, want)
	}
	if len(series[2].Signals) != 0 || series[2].Points[7].Up != 0 {
		t.Errorf("B: %+v", series[2])
	}
}

func TestReadSettings(t *testing.T) {
	vals := map[string]string{"h_deterioration": "3", "r_improvement": "0.25"}
	m, err := ReadSettings(func(k string) string { return vals[k] })
	if err != nil || m.UpLimit != 3 || m.DownOdds != 0.25 || m.DownLimit != 4 || m.UpOdds != 2 {
		t.Errorf("%+v %v", m, err)
	}
	vals = map[string]string{"h_deterioration": "0", "h_improvement": "x", "r_deterioration": "1", "r_improvement": "1"}
	_, err = ReadSettings(func(k string) string { return vals[k] })
	var se *selfcheck.Error
	if !errors.As(err, &se) {
		t.Fatalf("err %v", err)
	}
	var got []string
	for _, fe := range se.Errors {
		got = append(got, fe.Param+": "+fe.Message)
	}
	want := []string{"h_deterioration: must be a number at least 0.5 and at most 10",
		"h_improvement: must be a number at least 0.5 and at most 10",
		"r_deterioration: must be a number more than 1 and at most 4",
		"r_improvement: must be a number at least 0.25 and less than 1"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q", got)
	}
}

// BenchmarkReadRun reads and charts the largest file accepted,
// MaxOperations rows of 20 surgeons: the whole file's charts and each
// surgeon's.
func BenchmarkReadRun(b *testing.B) {
	var buf strings.Builder
	buf.WriteString("date,died,risk,surgeon_id\n")
	for i := range MaxOperations {
		fmt.Fprintf(&buf, "2025-%02d-%02d,%d,0.%03d,S%02d\n", 1+i/4200, 1+i/150%28, btoi(i%29 == 0), 5+i%90, i%20)
	}
	body := []byte(buf.String())
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		in, err := Read(body)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Run(in, stats.DefaultMonitor()); err != nil {
			b.Fatal(err)
		}
	}
}

func btoi(v bool) int {
	if v {
		return 1
	}
	return 0
}

// FuzzRead holds Read to its contract on any bytes: no panic; either
// operations that each pass every check, in date order, or a refusal
// that names where each problem is.
func FuzzRead(f *testing.F) {
	f.Add([]byte("date,died,risk\n2025-01-01,0,0.1\n"))
	f.Add([]byte("\ufeffdate,died,risk,surgeon_id\r\n2025-01-01,1,0.5,A\r\n2024-01-01,2,7,\r\n"))
	f.Add([]byte("risk,date\n\"0.1,2025"))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := Read(body)
		if err != nil {
			var se *selfcheck.Error
			if !errors.As(err, &se) || len(se.Errors) == 0 {
				t.Fatalf("Read: %v, want a *selfcheck.Error naming each problem", err)
			}
			return
		}
		prev := ""
		for _, op := range in.Operations {
			if !(op.Risk > 0 && op.Risk < 1) || op.Date < prev || !isDate(op.Date) || in.BySurgeon != (op.Surgeon != "") {
				t.Fatalf("accepted %+v after %s", op, prev)
			}
			prev = op.Date
		}
	})
}
