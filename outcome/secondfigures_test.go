package outcome_test

import (
	"database/sql"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// TestAddSecondFigures strips a placed funnel of its second figures, as
// a funnel stored in units encoding 1 is read, and checks AddSecondFigures
// gives back exactly what placing it gave: the fit, α and rankability,
// and each unit's nine figures, for risk-adjusted and crude funnels, with
// a unit not assessable among them (left NaN) and small units.
func TestAddSecondFigures(t *testing.T) {
	g := outcome.Group{Specialty: "adult-cardiac", Procedure: "all", Period: "2023"}
	for _, crude := range []bool{false, true} {
		var rows []outcome.Row
		for i := range 40 {
			r := outcome.Row{Specialty: g.Specialty, Procedure: g.Procedure, Period: g.Period,
				UnitType: outcome.Hospital, UnitID: fmt.Sprintf("H%02d", i), UnitName: "H",
				Cases: 20 + 37*i, Events: (i * 7) % 13}
			if !crude {
				r.Expected = sql.Null[float64]{V: 0.4 + float64(i)*0.31, Valid: true}
				if i == 5 {
					r.Expected, r.NotAssessable = sql.Null[float64]{}, true
				}
			}
			rows = append(rows, r)
		}
		m := outcome.Method{Options: stats.Options{Target: math.NaN()}}
		want := m.Place(g, outcome.Units(rows)[0])
		if !crude && want.ShrinkFit != stats.FitInterior {
			t.Fatalf("fit %q, want interior for the test to mean something", want.ShrinkFit)
		}
		got := want
		got.Units = slices.Clone(want.Units)
		got.ShrinkFit, got.Alpha, got.Rankability = "", math.NaN(), math.NaN()
		for i := range got.Units {
			u := &got.Units[i]
			for _, p := range []*float64{&u.ShrunkRatio, &u.ShrunkLow, &u.ShrunkHigh, &u.Reliability, &u.QHigh,
				&u.QLow, &u.Power2x, &u.Power1_5x, &u.DetectableRatio80} {
				*p = math.NaN()
			}
		}
		outcome.AddSecondFigures(&got)
		if got.ShrinkFit != want.ShrinkFit || fmt.Sprint(got.Alpha, got.Rankability) != fmt.Sprint(want.Alpha, want.Rankability) {
			t.Errorf("crude %t: fit %s α %v rankability %v, want %s %v %v", crude, got.ShrinkFit, got.Alpha,
				got.Rankability, want.ShrinkFit, want.Alpha, want.Rankability)
		}
		defined := 0
		for i := range got.Units {
			// As text, as NaN is unequal to itself.
			if g, w := fmt.Sprintf("%+v", got.Units[i]), fmt.Sprintf("%+v", want.Units[i]); g != w {
				t.Errorf("crude %t unit %d = %s\nwant %s", crude, i, g, w)
			}
			if !math.IsNaN(got.Units[i].Power2x) {
				defined++
			}
		}
		// The not assessable unit is in the risk-adjusted funnel only.
		if want := map[bool]int{false: 39, true: 40}[crude]; defined != want {
			t.Errorf("crude %t: %d units with power, want %d", crude, defined, want)
		}
	}
}

// BenchmarkAddSecondFigures100k measures what a server loading a release
// stored before 0013 spends computing its second figures: ten funnels of
// 10,000 surgeons each (the 100,000-unit release of issue 17's benchmarks).
func BenchmarkAddSecondFigures100k(b *testing.B) {
	g := outcome.Group{Specialty: "adult-cardiac", Procedure: "all", Period: "2023"}
	m := outcome.Method{Options: stats.Options{Target: math.NaN()}}
	funnels := make([]outcome.Funnel, 10)
	for fi := range funnels {
		rows := make([]outcome.Row, 10000)
		for i := range rows {
			e := 0.2 + float64((i*7919+fi*31)%400)/40
			rows[i] = outcome.Row{Specialty: g.Specialty, Procedure: g.Procedure, Period: g.Period,
				UnitType: outcome.Surgeon, UnitID: fmt.Sprintf("%07d", i), UnitName: "S", Cases: 50 + i%500,
				Events: int(e) + (i*13)%3, Expected: sql.Null[float64]{V: e, Valid: true}}
		}
		funnels[fi] = m.Place(g, outcome.Units(rows)[0])
	}
	b.ReportAllocs()
	for b.Loop() {
		for fi := range funnels {
			outcome.AddSecondFigures(&funnels[fi])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/release")
}
