package stats

import (
	"encoding/csv"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"
)

// parsonnetRisk is the `vlad` R package's test risk model: logit p =
// −3.68 + 0.077·Parsonnet score.
func parsonnetRisk(score float64) float64 { return 1 / (1 + math.Exp(-(-3.68 + 0.077*score))) }

// TestCUSUMScoreVLADReference checks Steiner's score against the values in
// the `vlad` R package's tests (given to 4 decimals), with its sign
// convention: at R = 1/2 a survival scores above 0.
func TestCUSUMScoreVLADReference(t *testing.T) {
	for _, c := range []struct {
		r, parsonnet float64
		died         bool
		want         float64
	}{
		{2, 0, false, -0.0243}, {2, 0, true, 0.6688},
		{2, 50, false, -0.4333}, {2, 50, true, 0.2598},
		{0.5, 0, false, 0.0124}, {0.5, 0, true, -0.6808},
		{0.5, 50, false, 0.3164}, {0.5, 50, true, -0.3768},
	} {
		got := CUSUMScore(c.died, parsonnetRisk(c.parsonnet), c.r)
		if math.Abs(got-c.want) > 0.00005 {
			t.Errorf("R=%v Parsonnet %v died=%v: W = %.6f, want %.4f", c.r, c.parsonnet, c.died, got, c.want)
		}
	}
}

// TestMonitorRReference runs the charts over monitor_reference.R's series
// (a deterioration signal and its reset, two improvement signals) and
// compares every value with base R's.
func TestMonitorRReference(t *testing.T) {
	f, err := os.Open("testdata/monitor_reference.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comment = '#'
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"i", "died", "risk", "w_up", "w_down", "s_up", "s_down", "signal_up", "signal_down", "vlad"}
	if !slices.Equal(recs[0], want) {
		t.Fatalf("header %v, want %v", recs[0], want)
	}
	num := func(s string) float64 {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	var ops []Operation
	for _, r := range recs[1:] {
		ops = append(ops, Operation{Died: r[1] == "1", Risk: num(r[2])})
	}
	pts, err := DefaultMonitor().Run(ops)
	if err != nil {
		t.Fatal(err)
	}
	var ups, downs []int
	for i, r := range recs[1:] {
		p := pts[i]
		for _, c := range []struct {
			name      string
			got, want float64
		}{{"w_up", p.UpScore, num(r[3])}, {"w_down", p.DownScore, num(r[4])}, {"s_up", p.Up, num(r[5])},
			{"s_down", p.Down, num(r[6])}, {"vlad", p.VLAD, num(r[9])}} {
			if math.Abs(c.got-c.want) > 1e-12*max(1, math.Abs(c.want)) {
				t.Errorf("operation %s: %s = %.17g, R %.17g", r[0], c.name, c.got, c.want)
			}
		}
		if p.UpSignal != (r[7] == "1") || p.DownSignal != (r[8] == "1") {
			t.Errorf("operation %s: signals up %v down %v, R %s %s", r[0], p.UpSignal, p.DownSignal, r[7], r[8])
		}
		if p.UpSignal {
			ups = append(ups, i+1)
		}
		if p.DownSignal {
			downs = append(downs, i+1)
		}
	}
	// The series was built to hold a signal and a reset of each chart.
	if !slices.Equal(ups, []int{14}) || !slices.Equal(downs, []int{44, 74}) {
		t.Errorf("signals up %v down %v, want [14] and [44 74]", ups, downs)
	}
	if pts[14].Up != max(0, pts[14].UpScore) {
		t.Errorf("after the signal the chart did not start from 0: %v", pts[14].Up)
	}
}

// TestMonitorLimits checks that a limit changes when a chart signals: the
// same deaths signal with h = 1 and not with h = 100.
func TestMonitorLimits(t *testing.T) {
	ops := []Operation{{true, 0.1}, {true, 0.1}, {false, 0.1}}
	m := DefaultMonitor()
	m.UpLimit = 1
	pts, err := m.Run(ops)
	if err != nil {
		t.Fatal(err)
	}
	if !pts[1].UpSignal || pts[2].Up != 0 {
		t.Errorf("h=1: second death should signal and the third point start again at 0: %+v", pts)
	}
	m.UpLimit = 100
	pts, _ = m.Run(ops)
	for _, p := range pts {
		if p.UpSignal {
			t.Errorf("h=100 signalled: %+v", pts)
		}
	}
}

func TestMonitorRefuses(t *testing.T) {
	for _, m := range []Monitor{
		{UpOdds: 1, UpLimit: 4.5, DownOdds: 0.5, DownLimit: 4},
		{UpOdds: 2, UpLimit: 0, DownOdds: 0.5, DownLimit: 4},
		{UpOdds: 2, UpLimit: 4.5, DownOdds: 1.5, DownLimit: 4},
		{UpOdds: 2, UpLimit: 4.5, DownOdds: 0.5, DownLimit: math.NaN()},
	} {
		if _, err := m.Run(nil); err == nil {
			t.Errorf("%+v accepted", m)
		}
	}
	for _, p := range []float64{0, 1, -0.1, math.NaN()} {
		if _, err := DefaultMonitor().Run([]Operation{{false, 0.1}, {false, p}}); err == nil {
			t.Errorf("risk %v accepted", p)
		}
	}
}

// BenchmarkMonitor runs both charts and VLAD over 100,000 operations
// (issue 17 point 6).
func BenchmarkMonitor(b *testing.B) {
	ops := make([]Operation, 100_000)
	for i := range ops {
		ops[i] = Operation{Died: i%37 == 0, Risk: 0.005 + 0.1*float64(i%50)/50}
	}
	m := DefaultMonitor()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Run(ops); err != nil {
			b.Fatal(err)
		}
	}
}
