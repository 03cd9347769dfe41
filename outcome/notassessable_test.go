package outcome_test

import (
	"database/sql"
	"math"
	"testing"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// TestNotAssessableUnits checks that a unit with a row whose expected
// deaths are not known is kept in its set, in id order, but never placed:
// every figure NaN, band not_assessable, verdict not_assessed, not counted
// as assessed; and that the other units are placed exactly as they would
// be without it.
func TestNotAssessableUnits(t *testing.T) {
	g := outcome.Group{Specialty: "adult-cardiac", Procedure: "all", Period: "2023"}
	row := func(id string, cases, events int, e float64) outcome.Row {
		r := outcome.Row{Specialty: g.Specialty, Procedure: g.Procedure, Period: g.Period, UnitType: outcome.Hospital,
			UnitID: id, UnitName: id, Cases: cases, Events: events}
		if e > 0 {
			r.Expected = sql.Null[float64]{V: e, Valid: true}
		} else {
			r.NotAssessable = true
		}
		return r
	}
	with := []outcome.Row{row("A", 400, 9, 8.2), row("B", 300, 0, 0), row("C", 250, 12, 5.1), row("D", 90, 0, 0)}
	without := []outcome.Row{with[0], with[2]}
	m := outcome.Method{Options: stats.Options{Target: 0.0227}}
	got := m.Place(g, outcome.Units(with)[0])
	want := m.Place(g, outcome.Units(without)[0])
	if len(got.Units) != 4 || got.Assessed != want.Assessed || got.Outside95 != want.Outside95 {
		t.Fatalf("funnel with not assessable units: %d units, %d assessed, %d outside; want 4, %d, %d",
			len(got.Units), got.Assessed, got.Outside95, want.Assessed, want.Outside95)
	}
	for i, id := range []string{"A", "B", "C", "D"} {
		u := got.Units[i]
		if u.UnitID != id {
			t.Fatalf("unit %d is %s, want %s (id order kept)", i, u.UnitID, id)
		}
		if id == "A" || id == "C" {
			w := want.Units[map[string]int{"A": 0, "C": 1}[id]]
			if u.Ratio != w.Ratio || u.CILow != w.CILow || u.Band != w.Band || u.Verdict != w.Verdict || u.X != w.X {
				t.Errorf("%s placed as %+v, want as without the others %+v", id, u, w)
			}
			continue
		}
		if u.Band != outcome.NotAssessable || u.Verdict != outcome.NotAssessed || outcome.Assessed(u.Band) ||
			outcome.Placed(u.Band) || u.Cases == 0 {
			t.Errorf("%s: band %s, verdict %s, cases %d; want not assessable with its counts", id, u.Band, u.Verdict, u.Cases)
		}
		for name, x := range map[string]float64{"Expected": u.Expected, "X": u.X, "Y": u.Y, "Ratio": u.Ratio,
			"RAMR": u.RAMR, "Survival": u.Survival, "CILow": u.CILow, "CIHigh": u.CIHigh, "Upper95": u.Upper95,
			"PHigh": u.PHigh, "Detectable": u.Detectable, "ShrunkRatio": u.ShrunkRatio, "ShrunkLow": u.ShrunkLow,
			"ShrunkHigh": u.ShrunkHigh, "Reliability": u.Reliability, "QHigh": u.QHigh, "QLow": u.QLow,
			"Power2x": u.Power2x, "Power1_5x": u.Power1_5x, "DetectableRatio80": u.DetectableRatio80} {
			if !math.IsNaN(x) {
				t.Errorf("%s.%s = %v, want NaN", id, name, x)
			}
		}
	}
	// A surgeon with one row not assessable is not assessable as a whole.
	surgeon := []outcome.Row{row("S", 100, 2, 1.5), row("S", 50, 0, 0)}
	for i := range surgeon {
		surgeon[i].UnitType, surgeon[i].HospitalID = outcome.Surgeon, []string{"H1", "H2"}[i]
	}
	if u := outcome.Units(surgeon)[0].Units[0]; !u.NotAssessable || !math.IsNaN(u.Expected) {
		t.Errorf("surgeon with a row not assessable: %+v, want not assessable", u)
	}
}
