package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// codecUnits are units and contexts that try the encoding's corners: NaN,
// infinities and negative zero, the smallest and largest doubles, text
// that JSON must escape or that is not ASCII, a unit of the publisher's
// figures only with and without a volume, one no row makes, and one with
// the publisher's own figures.
func codecUnits() ([]outcome.Position, []UnitContext) {
	nan := math.NaN()
	units := []outcome.Position{
		{UnitID: "A1", UnitName: `Dr "Quote" Back\slash`, Cases: 120, Events: 3, Expected: 2.5, X: 102.3, Y: 1.2,
			Ratio: 1.2, RAMR: 0.0243, Survival: 0.9757, CILow: 0.1, CIHigh: 3.4, Lower95: 0, Upper95: 2.2,
			Lower998: nan, Upper998: math.Inf(1), Band: "within", Verdict: "not_different", PHigh: 0.3, PLow: 0.8,
			Detectable: 2.2, ShrunkRatio: 1.08, ShrunkLow: 0.61, ShrunkHigh: 1.74, Reliability: 0.37, QHigh: 0.9,
			QLow: 1, Power2x: 0.2632, Power1_5x: 0.0972, DetectableRatio80: 3.3},
		{UnitID: "B/2?#", UnitName: "Seán Ó Néill \u00e9\u4e2d\U0001F600\ttab\nnewline\x01", Cases: 7, Events: 0,
			Expected: math.SmallestNonzeroFloat64, X: math.MaxFloat64, Y: math.Copysign(0, -1), Ratio: 1e-300,
			RAMR: 0.1 + 0.2, Survival: 1.0 / 3, CILow: nan, CIHigh: nan, Lower95: nan, Upper95: nan, Lower998: nan,
			Upper998: nan, Band: "too_few", Verdict: "not_different", PHigh: nan, PLow: nan, Detectable: nan,
			ShrunkRatio: math.Inf(1), ShrunkLow: math.Copysign(0, -1), ShrunkHigh: math.MaxFloat64,
			Reliability: math.SmallestNonzeroFloat64, QHigh: nan, QLow: 1.0 / 3, Power2x: math.Inf(-1), Power1_5x: 0,
			DetectableRatio80: nan},
		{UnitID: "C3", UnitName: "Published, volume", PublishedOnly: true, Cases: 412, Expected: nan, X: nan, Y: nan,
			Ratio: nan, RAMR: nan, Survival: nan, CILow: nan, CIHigh: nan, Lower95: nan, Upper95: nan, Lower998: nan,
			Upper998: nan, Band: "not_assessable", Verdict: "not_assessed", PHigh: nan, PLow: nan, Detectable: nan},
		{UnitID: "D4", UnitName: "Published, no volume", PublishedOnly: true, Expected: nan, X: nan, Y: nan,
			Ratio: nan, RAMR: nan, Survival: nan, CILow: nan, CIHigh: nan, Lower95: nan, Upper95: nan, Lower998: nan,
			Upper998: nan, Band: "not_assessable", Verdict: "not_assessed", PHigh: nan, PLow: nan, Detectable: nan},
		{UnitID: "H5", UnitName: "Summed Hospital", Aggregated: true, Cases: 900, Events: 20, Expected: 18.25,
			X: 740, Y: 1.0958904109589041, Ratio: 1.0958904109589041, RAMR: 0.0266, Survival: 0.9734, CILow: 0.66,
			CIHigh: 1.69, Lower95: 0.6, Upper95: 1.5, Lower998: 0.4, Upper998: 1.8, Band: "high_alert",
			Verdict: "higher", PHigh: 0.02, PLow: 0.99, Detectable: 1.5, ShrunkRatio: 1.0712, ShrunkLow: 0.7,
			ShrunkHigh: 1.52, Reliability: 0.8011, QHigh: 0.1, QLow: 0.99, Power2x: 0.93, Power1_5x: 0.51,
			DetectableRatio80: 1.77},
	}
	for i := range units[2:4] { // not assessable: no second figures
		for _, x := range secondFigures(&units[2+i]) {
			*x = nan
		}
	}
	contexts := []UnitContext{
		{Known: true, Hospitals: []outcome.HospitalShare{{ID: "H1", Name: "One \"Royal\"", Cases: 100}, {ID: "H2", Name: "Two", Cases: 20}},
			Published: PublishedFigures{ExpectedRate: sql.Null[float64]{V: 2.04, Valid: true},
				Rate: sql.Null[float64]{V: 2.9, Valid: true}, Low: sql.Null[float64]{V: 1.1, Valid: true},
				High: sql.Null[float64]{V: 5.7, Valid: true}, Rating: "As expected"}},
		{Known: true, Hospitals: []outcome.HospitalShare{{ID: "", Name: "", Cases: 7}}},
		{Known: true, Hospitals: []outcome.HospitalShare{{ID: "H9", Name: "Nine", Cases: 412}},
			Published: PublishedFigures{Rate: sql.Null[float64]{V: 3.1, Valid: true}, Rating: "Worse than expected"}},
		{Known: false},
		{Known: true, Hospitals: []outcome.HospitalShare{}},
	}
	return units, contexts
}

// TestUnitsEncodingRoundTrip encodes units in each encoding and reads
// them back: every figure and text as it was, NaN and infinities as NaN
// (NULL), negative zero as zero (as a REAL column stored them),
// publisher-only units' missing counts as missing; encoding 1's second
// figures (which it does not hold) NaN.
func TestUnitsEncodingRoundTrip(t *testing.T) {
	for _, encoding := range []int{unitsEncoding1, unitsEncoding} {
		t.Run(fmt.Sprint("encoding ", encoding), func(t *testing.T) { roundTrip(t, encoding) })
	}
}

func roundTrip(t *testing.T, encoding int) {
	units, contexts := codecUnits()
	text := appendUnits(nil, units, contexts, encoding)
	gotUnits, gotContexts, err := decodeUnits(string(text), len(units), encoding)
	if err != nil {
		t.Fatalf("decodeUnits(%s) = %v", text, err)
	}
	if len(gotUnits) != len(units) || len(gotContexts) != len(contexts) {
		t.Fatalf("decoded %d units, %d contexts; want %d", len(gotUnits), len(gotContexts), len(units))
	}
	same := func(a, b float64) bool {
		if math.IsNaN(b) || math.IsInf(b, 0) {
			return math.IsNaN(a)
		}
		return a == b && !math.Signbit(a)
	}
	for i := range units {
		w, g := units[i], gotUnits[i]
		if g.UnitID != w.UnitID || g.UnitName != w.UnitName || g.Aggregated != w.Aggregated ||
			g.PublishedOnly != w.PublishedOnly || g.Cases != w.Cases || g.Events != w.Events || g.Band != w.Band ||
			g.Verdict != w.Verdict {
			t.Errorf("unit %d = %+v, want %+v", i, g, w)
		}
		wf := []float64{w.Expected, w.X, w.Y, w.Ratio, w.RAMR, w.Survival, w.CILow, w.CIHigh, w.Lower95, w.Upper95,
			w.Lower998, w.Upper998, w.PHigh, w.PLow, w.Detectable}
		gf := []float64{g.Expected, g.X, g.Y, g.Ratio, g.RAMR, g.Survival, g.CILow, g.CIHigh, g.Lower95, g.Upper95,
			g.Lower998, g.Upper998, g.PHigh, g.PLow, g.Detectable}
		for j := range wf {
			if !same(gf[j], wf[j]) {
				t.Errorf("unit %d figure %d = %v, want %v", i, j, gf[j], wf[j])
			}
		}
		for j, p := range secondFigures(&gotUnits[i]) {
			want := *secondFigures(&units[i])[j]
			if encoding == unitsEncoding1 {
				want = math.NaN()
			}
			if !same(*p, want) {
				t.Errorf("unit %d second figure %d = %v, want %v", i, j, *p, want)
			}
		}
		wc, gc := contexts[i], gotContexts[i]
		// A known unit's list is never nil, even empty: a catalog tells
		// "no hospitals" from "not known" by it.
		if gc.Known != wc.Known || !slices.Equal(gc.Hospitals, wc.Hospitals) || gc.Published != wc.Published ||
			gc.Known && gc.Hospitals == nil {
			t.Errorf("context %d = %+v, want %+v", i, gc, wc)
		}
	}
	if encoding == unitsEncoding {
		// The second figures are written, not dropped: a unit's last value.
		if !strings.Contains(string(text), `"As expected",1.08,0.61,1.74,0.37,0.9,1,0.2632,0.0972,3.3]`) {
			t.Errorf("encoding 2 of unit A1 lacks its nine second figures in order: %.400s", text)
		}
	}
}

// TestUnitsEncodingMalformed checks the decoder refuses what neither
// encoding is, rather than reading a wrong figure: among them each
// encoding read as the other.
func TestUnitsEncodingMalformed(t *testing.T) {
	units, contexts := codecUnits()
	good := string(appendUnits(nil, units, contexts, unitsEncoding1))
	good2 := string(appendUnits(nil, units, contexts, unitsEncoding))
	for _, c := range []struct {
		text     string
		encoding int
	}{
		{"", unitsEncoding1},
		{good[:len(good)-1], unitsEncoding1},
		{good + "x", unitsEncoding1},
		{strings.Replace(good, `"within"`, `within`, 1), unitsEncoding1},
		{strings.Replace(good, `,120,`, `,"120",`, 1), unitsEncoding1},
		{strings.Replace(good, `,"As expected"]`, `]`, 1), unitsEncoding1},
		{`[["A1"]]`, unitsEncoding1},
		{good, unitsEncoding},
		{good2, unitsEncoding1},
		{strings.Replace(good2, `,3.3]`, `]`, 1), unitsEncoding},
		{strings.Replace(good2, `,3.3]`, `,"3.3"]`, 1), unitsEncoding},
	} {
		if _, _, err := decodeUnits(c.text, 1, c.encoding); err == nil {
			t.Errorf("decodeUnits(%.60q…) in encoding %d = nil error, want one", c.text, c.encoding)
		}
	}
	f := &StoredFunnel{}
	if r := decodeFunnel(f, len(units), unitsEncoding+1, "[]", good2); r.err == nil {
		t.Errorf("decodeFunnel in encoding %d = nil error, want one", unitsEncoding+1)
	}
	if r := decodeFunnel(f, len(units)+1, unitsEncoding, "[]", good2); r.err == nil {
		t.Errorf("decodeFunnel of %d units counted %d = nil error, want one", len(units), len(units)+1)
	}
	for _, encoding := range []int{unitsEncoding1, unitsEncoding} {
		text := string(appendUnits(nil, units, contexts, encoding))
		if r := decodeFunnel(&StoredFunnel{}, len(units), encoding, "[]", text); r.err != nil {
			t.Errorf("decodeFunnel in encoding %d = %v", encoding, r.err)
		}
	}
}

// TestResultUnitView has SQLite read the encoding: the result_unit view
// gives one row per unit with each text and figure as the encoder was
// given it, its counts NULL where a publisher gave none, and the funnel's
// json_valid CHECK passes.
func TestResultUnitView(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "outcomes.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	units, contexts := codecUnits()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO result_funnel (release_id, specialty, procedure, period, unit_type,
		outcome, encoding, units) VALUES ('r', 'vascular', 'aaa', '2024', 'surgeon', '30-day mortality', ?, ?)`,
		unitsEncoding, string(appendUnits(nil, units, contexts, unitsEncoding))); err != nil {
		t.Fatalf("insert result_funnel: %v", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT unit_id, unit_name, aggregated, cases, events, x, y, band, verdict,
		outcome, hospitals, published_rate, published_rating FROM result_unit WHERE release_id = 'r'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for ; rows.Next(); i++ {
		var id, name, band, verdict, outcomeName, rating string
		var aggregated int
		var cases, events sql.Null[int]
		var x, y, rate sql.Null[float64]
		var hospitals sql.Null[string]
		if err := rows.Scan(&id, &name, &aggregated, &cases, &events, &x, &y, &band, &verdict, &outcomeName,
			&hospitals, &rate, &rating); err != nil {
			t.Fatal(err)
		}
		u, c := units[i], contexts[i]
		wantCases, wantEvents := countArgs(u.Cases, u.Events, u.PublishedOnly)
		if id != u.UnitID || name != u.UnitName || (aggregated == 1) != u.Aggregated || band != string(u.Band) ||
			verdict != string(u.Verdict) || outcomeName != "30-day mortality" || rating != c.Published.Rating ||
			rate != c.Published.Rate || (wantCases == nil) == cases.Valid || (wantEvents == nil) == events.Valid ||
			(cases.Valid && cases.V != u.Cases) || (events.Valid && events.V != u.Events) || hospitals.Valid != c.Known {
			t.Errorf("result_unit row %d = %q %q %d %v %v %s %s %q %v %q %v, want unit %+v, context %+v", i, id, name,
				aggregated, cases, events, band, verdict, outcomeName, rate, rating, hospitals, u, c)
		}
		if got, want := fromNull(x), u.X; got != want && !(math.IsNaN(got) && (math.IsNaN(want) || math.IsInf(want, 0))) {
			t.Errorf("result_unit row %d x = %v, want %v", i, got, want)
		}
		if got, want := fromNull(y), u.Y; got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("result_unit row %d y = %v, want %v", i, got, want)
		}
	}
	if err := rows.Err(); err != nil || i != len(units) {
		t.Errorf("result_unit rows = %d, %v; want %d", i, err, len(units))
	}
}

// TestResultUnitViewSecondFigures checks the view's columns of the
// second figures (0013): each as the encoder was given it for a funnel
// of encoding 2, NULL where undefined or infinite, and NULL for every unit
// of a funnel of encoding 1, which does not hold them.
func TestResultUnitViewSecondFigures(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "outcomes.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	units, contexts := codecUnits()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for unitType, encoding := range map[string]int{"surgeon": unitsEncoding, "hospital": unitsEncoding1} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO result_funnel (release_id, specialty, procedure, period, unit_type,
			outcome, encoding, units) VALUES ('r', 'vascular', 'aaa', '2024', ?, '30-day mortality', ?, ?)`,
			unitType, encoding, string(appendUnits(nil, units, contexts, encoding))); err != nil {
			t.Fatalf("insert result_funnel in encoding %d: %v", encoding, err)
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT unit_type, unit_id, shrunk_ratio, shrunk_low, shrunk_high, reliability,
		q_value, q_low, power_2x, power_1_5x, detectable_ratio_80 FROM result_unit WHERE release_id = 'r'
		ORDER BY unit_type, unit_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for ; rows.Next(); n++ {
		var unitType, id string
		var f [9]sql.Null[float64]
		if err := rows.Scan(&unitType, &id, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8]); err != nil {
			t.Fatal(err)
		}
		u := &units[n%len(units)]
		if u.UnitID != id {
			t.Fatalf("row %d is %s, want %s", n, id, u.UnitID)
		}
		for j, p := range secondFigures(u) {
			var want sql.Null[float64]
			if !math.IsNaN(*p) && !math.IsInf(*p, 0) {
				want = sql.Null[float64]{V: *p + 0, Valid: true} // negative zero is stored as zero
			}
			if unitType == "hospital" {
				want = sql.Null[float64]{}
			}
			if f[j] != want {
				t.Errorf("%s %s second figure %d = %v, want %v", unitType, id, j, f[j], want)
			}
		}
	}
	if err := rows.Err(); err != nil || n != 2*len(units) {
		t.Errorf("result_unit rows = %d, %v; want %d", n, err, 2*len(units))
	}
}

// BenchmarkDecodeUnits measures reading one funnel of 1,000 surgeons, each
// with a name and hospital of its own, in encoding 2: a server start
// decodes two thousand such funnels for a national release.
func BenchmarkDecodeUnits(b *testing.B) {
	units, contexts := codecUnits()
	var us []outcome.Position
	var cs []UnitContext
	for i := range 1000 {
		u, c := units[4*(i%2)], contexts[0] // ordinary figures
		u.UnitID, u.UnitName = fmt.Sprintf("%07d", 9000000+i), fmt.Sprintf("Dr Invented Surgeon %d", i)
		u.Band, u.Verdict = "within", "not_different"
		u.Lower998, u.Upper998, u.CILow, u.CIHigh = 0.2/float64(i+1), 2+1/float64(i+3), 0.01*float64(i%7), 3.3/float64(i%5+1)
		c.Hospitals = []outcome.HospitalShare{{ID: fmt.Sprintf("ZZ%03d", i%30), Name: fmt.Sprintf("Invented General Hospital %d", i%30), Cases: 100 + i}}
		us, cs = append(us, u), append(cs, c)
	}
	text := appendUnits(nil, us, cs, unitsEncoding)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := decodeUnits(string(text), len(us), unitsEncoding); err != nil {
			b.Fatal(err)
		}
	}
}
