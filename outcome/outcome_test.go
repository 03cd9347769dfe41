package outcome_test

import (
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

func row(t outcome.UnitType, id, name, hospitalID, hospitalName string, cases, events int, expected float64) outcome.Row {
	r := outcome.Row{Specialty: "vascular", Procedure: "aaa", Period: "2024", UnitType: t, UnitID: id, UnitName: name,
		HospitalID: hospitalID, HospitalName: hospitalName, Cases: cases, Events: events}
	if !math.IsNaN(expected) {
		r.Expected = sql.Null[float64]{V: expected, Valid: true}
	}
	return r
}

func TestUnitsSumsSurgeonsAcrossHospitals(t *testing.T) {
	rows := []outcome.Row{
		row(outcome.Surgeon, "S2", "Ms Two", "H1", "First", 30, 1, 0.9),
		row(outcome.Surgeon, "S1", "Mr One", "H2", "Second", 40, 2, 1.5),
		row(outcome.Surgeon, "S1", "Mr One", "H1", "First", 40, 1, 0.5),
		row(outcome.Hospital, "H1", "First", "", "", 200, 5, 4),
	}
	sets := outcome.Units(rows)
	if len(sets) != 2 || sets[0].Type != outcome.Surgeon || sets[1].Type != outcome.Hospital {
		t.Fatalf("Units = %d sets %+v, want surgeons then hospitals", len(sets), sets)
	}
	s := sets[0].Units
	if len(s) != 2 || s[0].ID != "S1" || s[1].ID != "S2" {
		t.Fatalf("surgeons = %+v, want S1, S2 by id", s)
	}
	one := s[0]
	if one.Cases != 80 || one.Events != 3 || one.Expected != 2 || len(one.Rows) != 2 || one.Rows[0] != 2 {
		t.Errorf("S1 = %+v, want 80 cases, 3 events, 2 expected from rows [2 1] (H1 first)", one)
	}
	// 40 cases at each: the tie goes to the lower id.
	if h, ok := one.MainHospital(); !ok || h.ID != "H1" || h.Name != "First" {
		t.Errorf("S1.MainHospital() = %+v, %v, want H1 First", h, ok)
	}
	if got := strings.Join(one.HospitalIDs(), ","); got != "H1,H2" {
		t.Errorf("S1.HospitalIDs() = %s, want H1,H2", got)
	}
	// The group has hospital rows, so hospitals are those rows, not sums.
	h := sets[1]
	if h.Aggregated || len(h.Units) != 1 || h.Units[0].Cases != 200 {
		t.Errorf("hospitals = %+v, want H1's own row of 200 cases", h)
	}
}

func TestUnitsAggregatesHospitalsWithoutRows(t *testing.T) {
	nan := math.NaN()
	rows := []outcome.Row{
		row(outcome.Surgeon, "S1", "Mr One", "H1", "First", 40, 2, nan),
		row(outcome.Surgeon, "S2", "Ms Two", "H1", "First", 60, 1, nan),
		row(outcome.Surgeon, "S3", "Dr Three", "", "", 10, 0, nan),
	}
	sets := outcome.Units(rows)
	if len(sets) != 2 {
		t.Fatalf("Units = %+v, want surgeons and aggregated hospitals", sets)
	}
	h := sets[1]
	if !h.Aggregated || len(h.Units) != 1 {
		t.Fatalf("hospitals = %+v, want one aggregated hospital (S3 names none)", h)
	}
	u := h.Units[0]
	if u.ID != "H1" || u.Name != "First" || u.Cases != 100 || u.Events != 3 || !math.IsNaN(u.Expected) || !u.Aggregated {
		t.Errorf("H1 = %+v, want the sum of S1 and S2, crude", u)
	}
	if _, ok := sets[0].Units[2].MainHospital(); ok {
		t.Errorf("S3.MainHospital() found one, want none: its row names no hospital")
	}
}

func TestParseUnitType(t *testing.T) {
	for _, ut := range outcome.UnitTypes() {
		if got, err := outcome.ParseUnitType(string(ut)); err != nil || got != ut {
			t.Errorf("ParseUnitType(%q) = %q, %v", ut, got, err)
		}
	}
	if _, err := outcome.ParseUnitType("Surgeon"); err == nil {
		t.Errorf("ParseUnitType(Surgeon) succeeded, want an error: codes are lower case")
	}
	if got := outcome.Hospital.Plural(); got != "hospitals" {
		t.Errorf("Hospital.Plural() = %q", got)
	}
}

// TestWords holds the bands' words to the rules of issue 9: every band the
// statistics produce has every wording, in order of concern, and each
// names survival, so "lower" can never be read as fewer deaths.
func TestWords(t *testing.T) {
	codes := []stats.Band{stats.BandHighAlarm, stats.BandHighAlert, stats.BandWithin, stats.BandLowAlert,
		stats.BandLowAlarm, stats.BandTooFew, outcome.NotAssessable}
	bands := outcome.Bands()
	if len(bands) != len(codes) {
		t.Fatalf("Bands() has %d bands, want %d", len(bands), len(codes))
	}
	for i, code := range codes {
		w, ok := outcome.Words(code)
		if !ok || w != bands[i] || w.Order != i {
			t.Errorf("Words(%s) = %+v, %v; want Bands()[%d] with order %d", code, w, ok, i, i)
		}
		for name, text := range map[string]string{"Label": w.Label, "Sentence": w.Sentence, "Meaning": w.Meaning,
			"Legend": w.Legend, "LegendShort": w.LegendShort, "Summary": w.Summary} {
			if text == "" {
				t.Errorf("%s.%s is empty", code, name)
			}
			if strings.Contains(text, "death") && name != "Sentence" && name != "Meaning" {
				t.Errorf("%s.%s = %q speaks of deaths; band words speak of survival", code, name, text)
			}
		}
		if code != outcome.TooFew && code != outcome.Within && code != outcome.NotAssessable {
			for name, text := range map[string]string{"Label": w.Label, "Sentence": w.Sentence, "Meaning": w.Meaning,
				"Legend": w.Legend, "LegendShort": w.LegendShort, "Summary": w.Summary} {
				if !strings.Contains(strings.ToLower(text), "survival") {
					t.Errorf("%s.%s = %q does not say it is survival that differed", code, name, text)
				}
			}
		}
		// Outside95 is every judged band beyond a 95% line, on either
		// side, and nothing else: what the funnel's Outside95 counts.
		if want := code != outcome.Within && code != outcome.TooFew && code != outcome.NotAssessable; outcome.Outside95(code) != want {
			t.Errorf("Outside95(%s) = %v, want %v", code, !want, want)
		}
		lower := strings.Contains(w.Label, "lower")
		if (w.Direction == outcome.SurvivalLower) != lower {
			t.Errorf("%s: direction %v but label %q", code, w.Direction, w.Label)
		}
		wantChance := map[bool]string{true: "1 time in 1,000", false: "1 time in 40"}[w.Strong]
		if w.Direction != outcome.NoDifference && !strings.Contains(w.Meaning, wantChance) {
			t.Errorf("%s.Meaning = %q, want the one-sided chance %q", code, w.Meaning, wantChance)
		}
	}
	// too_few is said only of a unit the exact test did not flag, which
	// may have had several deaths (STATS.md §8.3): its words must not
	// belittle them.
	if w, _ := outcome.Words(outcome.TooFew); strings.Contains(w.Meaning+w.Sentence, "single death") ||
		strings.Contains(w.Meaning+w.Sentence, "or none") || !strings.Contains(w.Meaning, "checked") {
		t.Errorf("too_few words %q / %q: want no \"a single death, or none\" and the check said", w.Sentence, w.Meaning)
	}
	for _, v := range []outcome.Verdict{"higher", "lower"} {
		if l := outcome.VerdictLabel(v); !strings.Contains(l, "deaths") || !strings.Contains(l, "survival") {
			t.Errorf("VerdictLabel(%s) = %q: want it to name deaths and survival", v, l)
		}
	}
	if _, ok := outcome.Words("flagged"); ok {
		t.Errorf(`Words("flagged") found a band`)
	}
	if _, ok := outcome.ParseBand("high_alarm "); ok {
		t.Errorf(`ParseBand("high_alarm ") succeeded`)
	}
}

func TestPlace(t *testing.T) {
	g := outcome.Group{Specialty: "adult-cardiac", Procedure: "cabg", Period: "2024"}
	set := outcome.UnitSet{Type: outcome.Hospital, Units: []outcome.Unit{
		{Type: outcome.Hospital, ID: "A", Name: "Alpha", Cases: 1000, Events: 40, Expected: 20},
		{Type: outcome.Hospital, ID: "B", Name: "Beta", Cases: 900, Events: 18, Expected: 18},
		{Type: outcome.Hospital, ID: "C", Name: "Gamma", Cases: 10, Events: 0, Expected: 0.2},
	}}
	national := []outcome.NationalRate{{Specialty: "adult-cardiac", Procedure: "cabg", Period: "2024",
		Cases: 10000, Events: 200}}
	m, err := outcome.NewMethod("exact", "funnel", outcome.TargetNational, national)
	if err != nil {
		t.Fatal(err)
	}
	f := m.Place(g, set)
	if f.Target != 0.02 || f.TargetSource != outcome.TargetNational || f.UnitType != outcome.Hospital || f.Group != g {
		t.Errorf("Place: target %v from %s for %s %+v, want 0.02 national hospitals %+v", f.Target, f.TargetSource,
			f.UnitType, f.Group, g)
	}
	res := stats.Funnel(set.Stats(), stats.Options{Target: 0.02})
	if f.Assessed != res.Assessed || f.Assessed != 2 {
		t.Errorf("Assessed = %d, want %d (C is too few)", f.Assessed, res.Assessed)
	}
	for i, p := range f.Units {
		u, in := res.Units[i], set.Units[i]
		if p.UnitID != in.ID || p.UnitName != in.Name || p.Cases != in.Cases || p.Events != in.Events ||
			p.Y != u.Y || p.Survival != u.Survival || p.Band != u.Band || p.Detectable != u.DetectableRatio {
			t.Errorf("unit %d = %+v, want %s placed as %+v", i, p, in.ID, u)
		}
	}
	if f.Units[0].Band != outcome.HighAlarm || f.Units[2].Band != outcome.TooFew {
		t.Errorf("bands = %s, %s, want high_alarm (40 deaths, 20 expected) and too_few", f.Units[0].Band, f.Units[2].Band)
	}
	// Without a national row for the group, its own counts set the target.
	m.National = nil
	if f := m.Place(g, set); f.Target != 58.0/1910 {
		t.Errorf("own target = %v, want 58/1910", f.Target)
	}
}

// TestUnitsManyHospitals sums a surgeon who operated at more hospitals
// than the unit rule searches one by one.
func TestUnitsManyHospitals(t *testing.T) {
	var rows []outcome.Row
	for i := range 40 {
		id := string(rune('A'+i%20)) + "X" // 20 hospitals, each twice
		rows = append(rows, row(outcome.Surgeon, "S1", "Mr One", id, "Hospital "+id, 10+i, 1, 0.5))
	}
	u := outcome.Units(rows)[0].Units[0]
	if len(u.Hospitals) != 20 || u.Cases != 40*10+780 || u.Events != 40 {
		t.Fatalf("S1 = %d hospitals, %d cases, %d events; want 20, 1180, 40", len(u.Hospitals), u.Cases, u.Events)
	}
	for i, h := range u.Hospitals {
		// Hospital i is rows i and i+20: 10+i and 30+i cases.
		if want := 40 + 2*i; h.Cases != want || h.ID != string(rune('A'+i))+"X" {
			t.Errorf("hospital %d = %+v, want %cX with %d cases", i, h, 'A'+i, want)
		}
	}
	if m, _ := u.MainHospital(); m.ID != "TX" {
		t.Errorf("MainHospital = %s, want TX (the most cases)", m.ID)
	}
}

// TestPool computes groups on several goroutines and gets each back as
// placing it alone does.
func TestPool(t *testing.T) {
	m, err := outcome.NewMethod("exact", "funnel", outcome.TargetCounts, nil)
	if err != nil {
		t.Fatal(err)
	}
	pool := outcome.NewPool(&m, 3)
	var groups [][]outcome.Row
	var pending []*outcome.Pending
	for gi := range 20 {
		var rows []outcome.Row
		for i := range 50 {
			r := row(outcome.Surgeon, strconv.Itoa(9000000+i), "Surgeon", "H"+strconv.Itoa(i%3), "Hospital",
				20+i*gi%37, (i*gi)%5, float64(1+i%7)/2)
			r.Period = strconv.Itoa(2000 + gi)
			rows = append(rows, r)
		}
		groups = append(groups, rows)
		pending = append(pending, pool.Go(rows[0].Group(), rows))
	}
	pool.Close()
	for gi, pd := range pending {
		got := pd.Wait()
		sets := outcome.Units(groups[gi])
		if len(got) != len(sets) || len(got) != 2 {
			t.Fatalf("group %d: %d funnels, want surgeons and hospitals", gi, len(got))
		}
		for i, c := range got {
			want := m.Place(groups[gi][0].Group(), sets[i])
			f := outcome.Describe(c.Group, c.Set, c.Result, m.TargetSource)
			if f.Group != want.Group || f.UnitType != want.UnitType || f.Target != want.Target ||
				len(f.Units) != len(want.Units) {
				t.Fatalf("group %d funnel %d = %s %s, %d units, want %s %s, %d", gi, i, f.Period, f.UnitType,
					len(f.Units), want.Period, want.UnitType, len(want.Units))
			}
			for j := range f.Units {
				// As text, as NaN is unequal to itself (a group with no
				// deaths has no shrunk figures).
				if fmt.Sprintf("%+v", f.Units[j]) != fmt.Sprintf("%+v", want.Units[j]) {
					t.Errorf("group %d funnel %d unit %d = %+v, want %+v", gi, i, j, f.Units[j], want.Units[j])
				}
			}
		}
	}
}
