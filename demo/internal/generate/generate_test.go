package generate

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// TestFiles checks that Files is deterministic and that what it produces
// looks like real outcome data. TestGenerated in package demo checks that
// the committed files are what it produces.
func TestFiles(t *testing.T) {
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("deterministic", func(t *testing.T) { checkDeterministic(t, files) })

	rows := map[string][]demoRow{}
	for _, f := range files {
		rows[strings.TrimSuffix(f.Name, ".csv")] = parseDemoCSV(t, f)
	}
	t.Run("specialties", func(t *testing.T) { checkSpecialtiesPresent(t, files) })
	for _, prof := range demoProfiles() {
		t.Run(prof.slug, func(t *testing.T) { checkSpecialty(t, prof, rows[prof.slug]) })
	}
	t.Run("identities", func(t *testing.T) { checkIdentities(t, rows) })
	t.Run("outliers", func(t *testing.T) { checkOutliers(t, rows) })
}

// headline returns the rows of a specialty's first procedure: its total,
// where it splits its operations into procedures, else its main one.
func headline(prof demoProfile, rows []demoRow) []demoRow {
	sp, _ := outcome.LookupSpecialty(prof.slug)
	var out []demoRow
	for _, r := range rows {
		if r.procedure == sp.Procedures[0].Slug {
			out = append(out, r)
		}
	}
	return out
}

// checkDeterministic generates a second time and compares the bytes.
func checkDeterministic(t *testing.T, files []File) {
	again, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(files) {
		t.Fatalf("second run: got %d files, want %d", len(again), len(files))
	}
	for i := range files {
		if again[i].Name != files[i].Name || !bytes.Equal(again[i].Data, files[i].Data) {
			t.Errorf("second run: %s differs from first run", files[i].Name)
		}
	}
}

// parseDemoCSV reads a generated file back and checks every row against the
// canonical format.
func parseDemoCSV(t *testing.T, f File) []demoRow {
	t.Helper()
	if bytes.HasPrefix(f.Data, []byte("\xef\xbb\xbf")) || bytes.Contains(f.Data, []byte("\r")) {
		t.Errorf("%s: got a BOM or CR, want plain UTF-8 with LF line ends", f.Name)
	}
	recs, err := csv.NewReader(bytes.NewReader(f.Data)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	if len(recs) < 2 || !slices.Equal(recs[0], demoHeader()) {
		t.Fatalf("%s: got %d records starting %q, want header %q and rows", f.Name, len(recs),
			slices.Concat(recs[:min(1, len(recs))]...), demoHeader())
	}
	rows := make([]demoRow, 0, len(recs)-1)
	for i, rec := range recs[1:] {
		row, err := parseDemoRecord(rec)
		if err != nil {
			t.Errorf("%s row %d: %v", f.Name, i+2, err)
			continue
		}
		rows = append(rows, row)
	}
	return rows
}

// parseDemoRecord converts and validates one record.
func parseDemoRecord(rec []string) (demoRow, error) {
	cases, err1 := strconv.Atoi(rec[9])
	events, err2 := strconv.Atoi(rec[10])
	expected, err3 := strconv.ParseFloat(rec[11], 64)
	row := demoRow{specialty: rec[0], procedure: rec[1], period: rec[2], unitType: rec[3],
		unitID: rec[4], unitName: rec[5], hospitalID: rec[6], hospitalName: rec[7],
		outcome: rec[8], cases: cases, events: events, expected: expected}
	switch {
	case err1 != nil || err2 != nil || err3 != nil:
		return row, fmt.Errorf("got cases %q events %q expected %q, want numbers", rec[9], rec[10], rec[11])
	case row.unitType != "surgeon":
		return row, fmt.Errorf("unit_type: got %q, want surgeon", row.unitType)
	case cases < 1:
		return row, fmt.Errorf("cases: got %d, want at least 1", cases)
	case events < 0 || events > cases:
		return row, fmt.Errorf("events: got %d, want 0..%d", events, cases)
	case expected <= 0 || strconv.FormatFloat(expected, 'f', 3, 64) != rec[11]:
		return row, fmt.Errorf("expected: got %q, want a positive number with 3 decimals", rec[11])
	}
	return row, nil
}

// checkSpecialtiesPresent checks one file per specialty, in display order.
func checkSpecialtiesPresent(t *testing.T, files []File) {
	var got, want []string
	for _, f := range files {
		got = append(got, f.Name)
	}
	for _, sp := range outcome.Specialties() {
		want = append(want, sp.Slug+".csv")
	}
	if !slices.Equal(got, want) {
		t.Errorf("files: got %q, want %q", got, want)
	}
}

// checkSpecialty checks one specialty's rows: labels, keys, order, periods,
// number of surgeons, and per period the realism targets.
func checkSpecialty(t *testing.T, prof demoProfile, rows []demoRow) {
	sp, ok := outcome.LookupSpecialty(prof.slug)
	if !ok {
		t.Fatalf("specialty %q: not in outcome.Specialties", prof.slug)
	}
	checkLabels(t, sp, rows)
	if !slices.IsSortedFunc(rows, func(a, b demoRow) int { return compareRows(sp, a, b) }) {
		t.Errorf("rows: got unsorted, want sorted by procedure, period, unit_id, hospital_id")
	}
	t.Run("procedures", func(t *testing.T) { checkProcedures(t, sp, prof, rows) })
	all := rows
	rows = headline(prof, rows)
	var periods []string
	surgeons := map[string]bool{}
	for _, r := range all {
		surgeons[r.unitID] = true
		if !slices.Contains(periods, r.period) {
			periods = append(periods, r.period)
		}
	}
	want := []string{demoPeriods()[0].label, demoPeriods()[1].label}
	if !slices.Equal(periods, want) {
		t.Errorf("periods: got %q, want %q", periods, want)
	}
	if n := len(surgeons); n < 60 || n > 200 {
		t.Errorf("surgeons: got %d, want 60..200", n)
	}
	for _, p := range want {
		t.Run(p, func(t *testing.T) { checkPeriod(t, prof, rowsIn(rows, p)) })
	}
}

// checkLabels checks the specialty, procedure and outcome columns and that
// the key (procedure, period, unit_id, hospital_id) is unique within the
// file.
func checkLabels(t *testing.T, sp outcome.Specialty, rows []demoRow) {
	type key struct{ procedure, period, unit, hospital string }
	seen := map[key]bool{}
	for _, r := range rows {
		listed := slices.ContainsFunc(sp.Procedures, func(p outcome.Procedure) bool { return p.Slug == r.procedure })
		if r.specialty != sp.Slug || !listed || r.outcome != sp.Outcome {
			t.Errorf("labels: got %q/%q/%q, want %q/one of %v/%q", r.specialty, r.procedure, r.outcome,
				sp.Slug, sp.Procedures, sp.Outcome)
			return
		}
		k := key{r.procedure, r.period, r.unitID, r.hospitalID}
		if seen[k] {
			t.Errorf("key %v: got twice, want once", k)
		}
		seen[k] = true
	}
}

// checkProcedures checks that every procedure the specialty lists has rows
// in both periods (the site offers only procedures with data, and the demo
// has data for all it lists); that each procedure's deaths are near its
// expected rate and its risk model calibrated; and that a total row counts
// at least its parts: the cases and deaths of the kinds reported apart, by
// the same surgeon at the same hospital in the period (exactly them when
// every kind is reported apart).
func checkProcedures(t *testing.T, sp outcome.Specialty, prof demoProfile, rows []demoRow) {
	type key struct{ period, unit, hospital string }
	total := sp.Procedures[0].Slug
	parts := map[key]demoRow{}
	var mean float64 // the kinds' mean relative risk
	for _, k := range prof.kinds {
		mean += k.share * k.risk
	}
	for _, p := range sp.Procedures {
		rate := prof.rate
		for _, k := range prof.kinds {
			if k.procedure == p.Slug {
				rate *= k.risk / mean
			}
		}
		isPart := slices.ContainsFunc(prof.kinds, func(k demoKind) bool { return k.procedure == p.Slug })
		for _, x := range prof.extra {
			if x.procedure == p.Slug {
				rate = x.rate
			}
		}
		for _, per := range demoPeriods() {
			var cases, events int
			var expected float64
			for _, r := range rows {
				if r.procedure != p.Slug || r.period != per.label {
					continue
				}
				cases += r.cases
				events += r.events
				expected += r.expected
				if isPart {
					k := key{r.period, r.unitID, r.hospitalID}
					sum := parts[k]
					sum.cases += r.cases
					sum.events += r.events
					sum.expected += r.expected
					parts[k] = sum
				}
			}
			if cases == 0 {
				t.Errorf("%s %s: no rows, want data for every procedure the specialty lists", p.Slug, per.label)
				continue
			}
			tol := 3/math.Sqrt(rate*float64(cases)) + 0.15
			if got := float64(events) / float64(cases); math.Abs(got-rate) > tol*rate {
				t.Errorf("%s %s crude rate: got %.4f, want %.4f ± %.0f%%", p.Slug, per.label, got, rate, 100*tol)
			}
			if got := float64(events) / expected; math.Abs(got-1) > 3/math.Sqrt(expected) {
				t.Errorf("%s %s Σevents/Σexpected: got %.3f, want 1 ± %.3f", p.Slug, per.label, got, 3/math.Sqrt(expected))
			}
		}
	}
	if len(prof.kinds) == 0 {
		return
	}
	whole := !slices.ContainsFunc(prof.kinds, func(k demoKind) bool { return k.procedure == "" })
	for _, r := range rows {
		if r.procedure != total {
			continue
		}
		p := parts[key{r.period, r.unitID, r.hospitalID}]
		// Expected deaths come from each procedure's own risk model: they
		// add up only roughly.
		if r.cases < p.cases || r.events < p.events || whole && (r.cases != p.cases || r.events != p.events) {
			t.Errorf("%s %s %s at %s: %d cases, %d deaths, %.3f expected; its parts %d, %d, %.3f",
				r.procedure, r.period, r.unitID, r.hospitalID, r.cases, r.events, r.expected, p.cases, p.events, p.expected)
		}
	}
}

// rowsIn returns the rows of one period.
func rowsIn(rows []demoRow, period string) []demoRow {
	var out []demoRow
	for _, r := range rows {
		if r.period == period {
			out = append(out, r)
		}
	}
	return out
}

// checkPeriod checks one period of one specialty against the profile.
//
// Rates are allowed three Poisson standard errors of the target death count
// plus 10% for the spread of case mix and the planted outliers; the median
// volume is allowed 20%, about two and a half standard errors of a median of
// 60 lognormal volumes. Observed over expected deaths is allowed three
// Poisson standard errors from 1: the risks are calibrated over all four
// years, not on each period.
func checkPeriod(t *testing.T, prof demoProfile, rows []demoRow) {
	var cases, events int
	var expected float64
	perSurgeon := map[string]int{}
	hospitals := map[string]int{}
	for _, r := range rows {
		cases += r.cases
		events += r.events
		expected += r.expected
		perSurgeon[r.unitID] += r.cases
		hospitals[r.unitID]++
	}
	wantEvents := prof.rate * float64(cases)
	rateTol := 3/math.Sqrt(wantEvents) + 0.10
	checks := []struct {
		name      string
		got, want float64
		tol       float64 // relative
	}{
		{"crude rate", float64(events) / float64(cases), prof.rate, rateTol},
		{"Σexpected/Σcases", expected / float64(cases), prof.rate, rateTol},
		{"Σevents/Σexpected", float64(events) / expected, 1, 3 / math.Sqrt(expected)},
		{"median cases per surgeon", median(perSurgeon), prof.volume, 0.20},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > c.tol*c.want {
			t.Errorf("%s: got %.4g, want %.4g ± %.0f%%", c.name, c.got, c.want, 100*c.tol)
		}
	}
	twoHospitals := 0
	for _, n := range hospitals {
		if n > 1 {
			twoHospitals++
		}
	}
	if twoHospitals == 0 {
		t.Errorf("surgeons with two hospital rows: got 0, want at least 1")
	}
}

// median returns the median of the map's values.
func median(m map[string]int) float64 {
	var v []int
	for _, n := range m {
		v = append(v, n)
	}
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	mid := len(v) / 2
	if len(v)%2 == 1 {
		return float64(v[mid])
	}
	return float64(v[mid-1]+v[mid]) / 2
}

// checkIdentities checks that surgeon and hospital ids look invented, that
// each id has exactly one name and each name one id across all files and
// periods, that no surgeon appears in two specialties, and that some surgeons
// appear in one period only.
func checkIdentities(t *testing.T, rows map[string][]demoRow) {
	nameOf, idOf, slugOf := map[string]string{}, map[string]string{}, map[string]string{}
	hospitalOf, hospitalID := map[string]string{}, map[string]string{}
	periods := map[string]map[string]bool{}
	for _, sp := range outcome.Specialties() {
		for _, r := range rows[sp.Slug] {
			checkOneToOne(t, "surgeon", r.unitID, r.unitName, nameOf, idOf)
			checkOneToOne(t, "hospital", r.hospitalID, r.hospitalName, hospitalOf, hospitalID)
			if s, ok := slugOf[r.unitID]; ok && s != sp.Slug {
				t.Errorf("surgeon %s specialties: got %s and %s, want one", r.unitID, s, sp.Slug)
			}
			slugOf[r.unitID] = sp.Slug
			if periods[r.unitID] == nil {
				periods[r.unitID] = map[string]bool{}
			}
			periods[r.unitID][r.period] = true
			if len(r.unitID) != 7 || r.unitID[0] != '9' || strings.Trim(r.unitID, "0123456789") != "" {
				t.Errorf("unit_id: got %q, want 7 digits starting with 9", r.unitID)
			}
			if !strings.HasPrefix(r.hospitalID, "ZZ") {
				t.Errorf("hospital_id: got %q, want a ZZ code", r.hospitalID)
			}
		}
	}
	onePeriod := 0
	for _, ps := range periods {
		if len(ps) == 1 {
			onePeriod++
		}
	}
	if onePeriod == 0 {
		t.Errorf("surgeons in one period only: got 0, want some joiners and leavers")
	}
}

// checkOneToOne records that id is called name and reports an id with two
// names or a name with two ids.
func checkOneToOne(t *testing.T, what, id, name string, nameOf, idOf map[string]string) {
	if n, ok := nameOf[id]; ok && n != name {
		t.Errorf("%s %s name: got %q and %q, want one", what, id, n, name)
	}
	if i, ok := idOf[name]; ok && i != id {
		t.Errorf("%s %q id: got %s and %s, want one", what, name, i, id)
	}
	nameOf[id], idOf[name] = name, id
}

// checkOutliers checks that every planted outlier appears in both periods of
// its specialty and, where its expected deaths are enough to tell, that its
// observed ratio points the planted way: at least 1.5 for the high ones with
// 3 or more expected deaths, at most 0.8 for the low ones with 5 or more.
func checkOutliers(t *testing.T, rows map[string][]demoRow) {
	profiles := map[string]demoProfile{}
	for _, p := range demoProfiles() {
		profiles[p.slug] = p
	}
	for _, o := range demoOutliers() {
		for _, p := range demoPeriods() {
			var cases, events int
			var expected float64
			for _, r := range headline(profiles[o.slug], rows[o.slug]) {
				if r.unitID == o.id && r.period == p.label {
					cases += r.cases
					events += r.events
					expected += r.expected
				}
			}
			oe := float64(events) / expected
			switch {
			case cases == 0:
				t.Errorf("%s %s %s: got no rows, want a planted outlier", o.slug, o.id, p.label)
			case o.ratio > 1 && expected >= 3 && oe < 1.5:
				t.Errorf("%s %s %s O/E: got %.2f, want ≥ 1.5 (planted %.1f)", o.slug, o.id, p.label, oe, o.ratio)
			case o.ratio < 1 && expected >= 5 && oe > 0.8:
				t.Errorf("%s %s %s O/E: got %.2f, want ≤ 0.8 (planted %.1f)", o.slug, o.id, p.label, oe, o.ratio)
			}
		}
	}
}
