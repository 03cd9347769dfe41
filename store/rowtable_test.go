package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/surgeon-outcomes/outcomes/demo"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// compareSQLOrder orders rows as outcome_row's unique index does, which is
// the order of EachGroup's read: Go compares strings bytewise, as SQLite's
// BINARY collation does.
func compareSQLOrder(a, b outcome.Row) int {
	return cmp.Or(strings.Compare(a.Specialty, b.Specialty), strings.Compare(a.Procedure, b.Procedure),
		strings.Compare(a.Period, b.Period), strings.Compare(string(a.UnitType), string(b.UnitType)),
		strings.Compare(a.UnitID, b.UnitID), strings.Compare(a.HospitalID, b.HospitalID))
}

// sqlOrdered returns a copy of rows in compareSQLOrder.
func sqlOrdered(rows []outcome.Row) []outcome.Row {
	out := slices.Clone(rows)
	slices.SortFunc(out, compareSQLOrder)
	return out
}

// groupsOf splits rows, in SQL order, into their groups.
func groupsOf(rows []outcome.Row) [][]outcome.Row {
	var out [][]outcome.Row
	for lo := 0; lo < len(rows); {
		hi := lo + 1
		for hi < len(rows) && rows[hi].Group() == rows[lo].Group() {
			hi++
		}
		out = append(out, rows[lo:hi])
		lo = hi
	}
	return out
}

// tableOf adds rows to a new table, failing on any duplicate.
func tableOf(t testing.TB, rows []outcome.Row) *rowTable {
	t.Helper()
	rt := newRowTable()
	for i := range rows {
		if file, line, added := rt.add(&rows[i]); !added {
			t.Fatalf("add(row %d: %s %s) = duplicate of %d:%d, want added", i, rows[i].UnitID, rows[i].HospitalID, file, line)
		}
	}
	return rt
}

// tableGroups returns what eachGroup gives, a copy of each call's rows.
func tableGroups(t testing.TB, rt *rowTable) [][]outcome.Row {
	t.Helper()
	var out [][]outcome.Row
	if err := rt.eachGroup(func(rows []outcome.Row) error {
		out = append(out, slices.Clone(rows))
		return nil
	}); err != nil {
		t.Fatalf("eachGroup = %v", err)
	}
	return out
}

// searchRowText is one search row as addSearchUnits writes it: unit type,
// unit id and the four lists as JSON.
type searchRowText [6]string

func searchText(t testing.TB, unitType outcome.UnitType, id string, u *searchUnit) searchRowText {
	t.Helper()
	out := searchRowText{string(unitType), id}
	w := newSearchBatcher("") // for its encoder, as Commit's
	for i, list := range []searchList{u.names, u.hospitalNames, u.hospitalIDs, u.specialties} {
		s, err := list.jsonWith(&w.buf, w.enc)
		if err != nil {
			t.Fatal(err)
		}
		out[2+i] = s
	}
	return out
}

// wantSearchRows is what a searchSet fed rows group by group, in SQL
// order, gives, in addSearchUnits' order: hospitals, then surgeons, by id.
func wantSearchRows(t testing.TB, rows []outcome.Row) []searchRowText {
	su := newSearchSet()
	for _, g := range groupsOf(sqlOrdered(rows)) {
		su.addGroup(g)
	}
	var out []searchRowText
	for _, set := range []struct {
		unitType outcome.UnitType
		units    map[string]*searchUnit
	}{{outcome.Hospital, su.hospitals}, {outcome.Surgeon, su.surgeons}} {
		for _, id := range slices.Sorted(maps.Keys(set.units)) {
			out = append(out, searchText(t, set.unitType, id, set.units[id]))
		}
	}
	return out
}

func tableSearchRows(t testing.TB, rt *rowTable) []searchRowText {
	t.Helper()
	var out []searchRowText
	if err := rt.eachSearchUnit(func(unitType outcome.UnitType, unitID string, u *searchUnit) error {
		out = append(out, searchText(t, unitType, unitID, u))
		return nil
	}); err != nil {
		t.Fatalf("eachSearchUnit = %v", err)
	}
	return out
}

func null(v float64) sql.Null[float64] { return sql.Null[float64]{V: v, Valid: true} }

// variedRows are rows with every field set some way: nulls, the
// publisher's figures, published-only and not-assessable rows, unicode
// names, empty hospital ids, numbers too wide for 32 bits.
func variedRows() []outcome.Row {
	base := outcome.Row{File: 1, Line: 2, Specialty: "vascular", Procedure: "aaa", Period: "2021-04/2024-03",
		UnitType: outcome.Surgeon, UnitID: "9000017", UnitName: "Seán Heronspindle", HospitalID: "H1",
		HospitalName: "St Brigid's Infirmary", Outcome: "30-day mortality", Cases: 50, Events: 2, Expected: null(1.25)}
	rows := []outcome.Row{base}
	add := func(f func(r *outcome.Row)) {
		r := base
		r.Line = len(rows) + 2
		f(&r)
		rows = append(rows, r)
	}
	add(func(r *outcome.Row) { r.HospitalID, r.HospitalName = "", "" })
	add(func(r *outcome.Row) { r.HospitalID, r.HospitalName = "H2", "" })
	add(func(r *outcome.Row) {
		r.UnitID, r.UnitName, r.Expected = "9000023", "Zoë Ødegård-Ñúñez 王秀英", sql.Null[float64]{}
	})
	add(func(r *outcome.Row) {
		r.UnitID, r.UnitName, r.NotAssessable, r.Expected = "9000031", "", true, sql.Null[float64]{}
		r.PublishedRate, r.PublishedLow, r.PublishedHigh = null(3.5), null(0.4), null(12.25)
	})
	add(func(r *outcome.Row) {
		r.UnitID, r.PublishedOnly, r.NotAssessable, r.Events, r.Cases, r.Expected = "9000048", true, true, 0, 0,
			sql.Null[float64]{}
		r.PublishedRate, r.PublishedRating = null(2.1), "As expected"
	})
	add(func(r *outcome.Row) { r.UnitID, r.ExpectedRate, r.Expected = "9000055", null(0.031), null(0) })
	add(func(r *outcome.Row) { r.UnitID, r.Expected = "9000064", null(math.SmallestNonzeroFloat64) })
	add(func(r *outcome.Row) {
		r.File, r.Line, r.Cases, r.Events, r.UnitID = 3, math.MaxUint32+7, math.MaxUint32+1, -1, "9000071"
	})
	add(func(r *outcome.Row) { r.File, r.Line, r.UnitID = 2, 0, "9000072" })
	add(func(r *outcome.Row) {
		r.UnitType, r.UnitID, r.UnitName, r.HospitalID, r.HospitalName = outcome.Hospital, "H1", "St Brigid's", "", ""
	})
	add(func(r *outcome.Row) {
		r.Specialty, r.Procedure, r.Period, r.Outcome = "adult-cardiac", "all", "2022", "in-hospital mortality"
	})
	add(func(r *outcome.Row) { r.UnitID, r.UnitName = "", "No id" })
	add(func(r *outcome.Row) { r.UnitID, r.UnitName = strings.Repeat("long-id-", 40), strings.Repeat("ñ", 300) })
	return rows
}

func TestRowTableRoundTrip(t *testing.T) {
	rows := variedRows()
	rt := tableOf(t, rows)
	if rt.len() != len(rows) {
		t.Errorf("len() = %d, want %d", rt.len(), len(rows))
	}
	got := slices.Concat(tableGroups(t, rt)...)
	if want := sqlOrdered(rows); !reflect.DeepEqual(got, want) {
		for i := range min(len(got), len(want)) {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("row %d =\n%+v\nwant\n%+v", i, got[i], want[i])
			}
		}
		t.Fatalf("eachGroup gave %d rows, want %d (above: those that differ)", len(got), len(want))
	}
}

// TestRowTableSameAsDatabase loads the same rows into the database and into
// a table: eachGroup gives the rows EachGroup's read would, field for
// field, and eachSearchUnit the search rows Commit writes.
func TestRowTableSameAsDatabase(t *testing.T) {
	rows := slices.Concat(demoRows(t), searchRows(), boundRows())
	db, _ := openTestDB(t)
	commitRelease(t, db, testRelease("r"), rows, nil)
	stored, err := db.Rows(context.Background(), "r")
	if err != nil {
		t.Fatal(err)
	}
	rt := tableOf(t, rows)
	if got, want := slices.Concat(tableGroups(t, rt)...), sqlOrdered(stored); !reflect.DeepEqual(got, want) {
		t.Errorf("eachGroup's rows differ from the database's in key order")
	}
	var want []searchRowText
	for _, u := range searchUnits(t, db, "r") {
		want = append(want, searchRowText(u))
	}
	if got := tableSearchRows(t, rt); !reflect.DeepEqual(got, want) {
		t.Errorf("eachSearchUnit =\n%v\nwant (search_unit as Commit wrote it)\n%v", got, want)
	}
}

func TestRowTableDuplicates(t *testing.T) {
	rows := variedRows()
	rt := tableOf(t, rows)
	before := tableGroups(t, rt)

	for _, tt := range []struct {
		name string
		of   int // index in rows of the row held
		dup  func(r *outcome.Row)
	}{
		{"same row again", 0, func(r *outcome.Row) {}},
		{"other file, other figures", 0, func(r *outcome.Row) {
			r.File, r.Line, r.Cases, r.UnitName, r.HospitalName = 2, 9, 99, "Another Name", "Another Hospital"
		}},
		{"other outcome", 3, func(r *outcome.Row) { r.Outcome, r.Expected = "90-day mortality", null(2) }},
		{"held row's line wider than 32 bits", 8, func(r *outcome.Row) { r.File, r.Line = 1, 1000 }},
		{"empty hospital id", 1, func(r *outcome.Row) { r.HospitalName = "Named now" }},
		{"hospital row", 10, func(r *outcome.Row) { r.Line = 5 }},
		{"published-only row", 5, func(r *outcome.Row) { r.PublishedOnly, r.PublishedRating = false, "" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := rows[tt.of]
			tt.dup(&r)
			file, line, added := rt.add(&r)
			if added || file != rows[tt.of].File || line != rows[tt.of].Line {
				t.Errorf("add(duplicate of row %d) = %d, %d, %v; want %d, %d, false", tt.of, file, line, added,
					rows[tt.of].File, rows[tt.of].Line)
			}
		})
	}
	if got := tableGroups(t, rt); !reflect.DeepEqual(got, before) {
		t.Errorf("duplicates changed the table's rows")
	}
	if rt.len() != len(rows) {
		t.Errorf("len() = %d after duplicates, want %d", rt.len(), len(rows))
	}

	// Rows that differ from a held one in one key field are no duplicates.
	for i, change := range []func(r *outcome.Row){
		func(r *outcome.Row) { r.Specialty = "urology" },
		func(r *outcome.Row) { r.Procedure = "evar" },
		func(r *outcome.Row) { r.Period = "2022-04/2025-03" },
		func(r *outcome.Row) { r.UnitType = outcome.Hospital },
		func(r *outcome.Row) { r.UnitID += "0" },
		func(r *outcome.Row) { r.HospitalID = "H10" },
	} {
		r := rows[0]
		change(&r)
		if file, line, added := rt.add(&r); !added {
			t.Errorf("add(row 0 with key field %d changed) = duplicate of %d:%d, want added", i, file, line)
		}
	}
}

// TestRowTableDuplicatesInBatches adds files of rows as the Loader would,
// batch by batch, with duplicates within a batch and across files: the
// first row of a key is kept and every later one named against it, as a
// map of the keys says.
func TestRowTableDuplicatesInBatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 2))
	type key struct{ s, p, per, ut, id, h string }
	first := map[key][2]int{}
	rt := newRowTable()
	var kept []outcome.Row
	for file := 1; file <= 3; file++ {
		var batch []outcome.Row
		for line := 2; line < 20_000; line++ {
			r := randomRow(rng, 300)
			r.File, r.Line = file, line
			batch = append(batch, r)
			if line%BatchSize == 0 || line == 19_999 {
				for i := range batch {
					r := &batch[i]
					k := key{r.Specialty, r.Procedure, r.Period, string(r.UnitType), r.UnitID, r.HospitalID}
					file, line, added := rt.add(r)
					held, seen := first[k]
					switch {
					case seen && (added || file != held[0] || line != held[1]):
						t.Fatalf("add(%v at %d:%d) = %d, %d, %v; want duplicate of %d:%d", k, r.File, r.Line, file, line,
							added, held[0], held[1])
					case !seen && !added:
						t.Fatalf("add(%v at %d:%d) = duplicate of %d:%d, want added", k, r.File, r.Line, file, line)
					case !seen:
						first[k] = [2]int{r.File, r.Line}
						kept = append(kept, *r)
					}
				}
				batch = batch[:0]
			}
		}
	}
	if rt.len() != len(first) {
		t.Errorf("len() = %d, want %d distinct keys", rt.len(), len(first))
	}
	if len(kept) == 3*19_998 || len(kept) < 1000 {
		t.Fatalf("%d rows kept of %d: the test should have many duplicates and many rows", len(kept), 3*19_998)
	}
	if got := slices.Concat(tableGroups(t, rt)...); !reflect.DeepEqual(got, sqlOrdered(kept)) {
		t.Errorf("eachGroup's rows are not the first row of each key, in key order")
	}
}

// randomRow returns a row in one of a few groups, of a surgeon or hospital
// among ids, with names spelled more than one way, ids and names that sort
// differently as bytes and as text, and sometimes the publisher's figures.
func randomRow(rng *rand.Rand, ids int) outcome.Row {
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	id := rng.IntN(ids)
	r := outcome.Row{
		Specialty: pick("vascular", "urology", "Urology", "adult-cardiac"), Procedure: pick("all", "aaa", "ÄAA"),
		Period: pick("2021", "2021-04/2024-03", "2022"), UnitType: outcome.Surgeon,
		UnitID:   pick("", "", "9", "Z", "é", "a b") + strconv.Itoa(id),
		UnitName: pick("Dr ", "Mr ", "Ms ", "Dr. ") + pick("Ada", "Ådá", "Bram") + " " + strconv.Itoa(id%50),
		Outcome:  pick("30-day mortality", "in-hospital mortality"), Cases: rng.IntN(500), Events: rng.IntN(5),
		Expected: null(float64(rng.IntN(4000)) / 1000),
	}
	r.HospitalID = pick("", "H1", "H2", "h1", "H10", "ZZ9", "Ä1") + pick("", "", "0")
	if r.HospitalID != "" {
		r.HospitalName = pick("", "Kestrel Vale Hospital", "Kestrel Vale", "St Brigid's") + " " + r.HospitalID[:1]
	}
	switch rng.IntN(20) {
	case 0:
		r.UnitType, r.UnitID, r.UnitName = outcome.Hospital, r.HospitalID+pick("", "9"), pick("Kestrel Vale Hospital",
			"Larkmoor General", "")
		r.HospitalID, r.HospitalName = pick("", r.UnitID), ""
	case 1:
		r.NotAssessable, r.Expected = true, sql.Null[float64]{}
		r.PublishedRate, r.PublishedRating = null(float64(rng.IntN(100))/10), pick("", "Worse than expected")
	case 2:
		r.ExpectedRate = null(float64(rng.IntN(100)) / 1000)
	}
	return r
}

func TestRowTableGroupOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var rows []outcome.Row
	rt := newRowTable()
	for line := 2; len(rows) < 5000; line++ {
		r := randomRow(rng, 2000)
		r.File, r.Line = 1, line
		if _, _, added := rt.add(&r); added {
			rows = append(rows, r)
		}
	}
	groups := tableGroups(t, rt)
	want := groupsOf(sqlOrdered(rows))
	if len(groups) != len(want) {
		t.Fatalf("eachGroup called fn %d times, want once for each of %d groups", len(groups), len(want))
	}
	for i := range groups {
		if !reflect.DeepEqual(groups[i], want[i]) {
			t.Fatalf("group %d: eachGroup gave %d rows of %v, want %d rows of %v in key order", i, len(groups[i]),
				groups[i][0].Group(), len(want[i]), want[i][0].Group())
		}
	}
	if len(groups) < 20 {
		t.Errorf("only %d groups: the test means many", len(groups))
	}
}

// demoRows reads the demo release's canonical files, file by file as
// ingest numbers them.
func demoRows(t testing.TB) []outcome.Row {
	t.Helper()
	names, err := fs.Glob(demo.FS, "*.csv")
	if err != nil || len(names) == 0 {
		t.Fatalf("demo files: %v, %v", names, err)
	}
	var rows []outcome.Row
	for fi, name := range names {
		f, err := demo.FS.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := "specialty,procedure,period,unit_type,unit_id,unit_name,hospital_id,hospital_name,outcome,cases,events,expected"
		if strings.Join(recs[0], ",") != want {
			t.Fatalf("%s: header %v, want %s", name, recs[0], want)
		}
		for i, rec := range recs[1:] {
			cases, err1 := strconv.Atoi(rec[9])
			events, err2 := strconv.Atoi(rec[10])
			expected, err3 := strconv.ParseFloat(rec[11], 64)
			if err1 != nil || err2 != nil || err3 != nil {
				t.Fatalf("%s line %d: %v %v %v", name, i+2, err1, err2, err3)
			}
			rows = append(rows, outcome.Row{File: fi + 1, Line: i + 2, Specialty: rec[0], Procedure: rec[1],
				Period: rec[2], UnitType: outcome.UnitType(rec[3]), UnitID: rec[4], UnitName: rec[5], HospitalID: rec[6],
				HospitalName: rec[7], Outcome: rec[8], Cases: cases, Events: events, Expected: null(expected)})
		}
	}
	return rows
}

func TestRowTableSearchUnits(t *testing.T) {
	// ownAndAggregated: H1 has rows of its own in one group and is summed
	// from its surgeons' rows in another; 9000017's name is spelled two
	// ways; a published-only group has surgeons at hospitals but no
	// hospital units.
	ownAndAggregated := func() []outcome.Row {
		rows := searchRows()
		h1 := searchRow(20, "vascular", "H1", "St Brigid’s Infirmary", "", "")
		h1.UnitType = outcome.Hospital
		renamed := searchRow(21, "urology", "9000017", "Sean Heronspindle", "H1", "")
		published := searchRow(22, "bariatric", "9000017", "Seán Heronspindle", "H4", "Fernhallow")
		published.PublishedOnly, published.NotAssessable, published.Events = true, true, 0
		published.PublishedRate = null(1.5)
		return append(rows, h1, renamed, published)
	}
	manyHospitals := func() []outcome.Row {
		rows := boundRows()
		for i := range 30 {
			h := searchRow(200+i, "urology", fmt.Sprintf("H%02d", 29-i), fmt.Sprintf("Place %d", i), "", "")
			h.UnitType, h.Procedure = outcome.Hospital, "other"
			rows = append(rows, h)
		}
		return rows
	}
	random := func() []outcome.Row {
		rng := rand.New(rand.NewPCG(1, 14))
		rt := newRowTable()
		var rows []outcome.Row
		for line := 2; len(rows) < 6000; line++ {
			r := randomRow(rng, 400)
			r.File, r.Line = 1, line
			if rng.IntN(50) == 0 {
				r.PublishedOnly, r.NotAssessable, r.Events, r.Expected = true, true, 0, sql.Null[float64]{}
			}
			if _, _, added := rt.add(&r); added {
				rows = append(rows, r)
			}
		}
		return rows
	}
	for _, tt := range []struct {
		name string
		rows []outcome.Row
	}{
		{"demo release", demoRows(t)},
		{"aggregated hospitals", searchRows()},
		{"hospital with rows of its own and aggregated", ownAndAggregated()},
		{"more than maxSearchList hospitals", manyHospitals()},
		{"random", random()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want := wantSearchRows(t, tt.rows)
			// The rows in reverse order too: what the table yields does not
			// depend on the order rows come in.
			reversed := slices.Clone(tt.rows)
			slices.Reverse(reversed)
			for _, rows := range [][]outcome.Row{tt.rows, reversed} {
				got := tableSearchRows(t, tableOf(t, rows))
				if !reflect.DeepEqual(got, want) {
					for i := range min(len(got), len(want)) {
						if got[i] != want[i] {
							t.Errorf("search row %d = %v, want %v", i, got[i], want[i])
							break
						}
					}
					t.Fatalf("eachSearchUnit gave %d rows, want %d", len(got), len(want))
				}
			}
			hospitals := 0
			for _, r := range want {
				if r[0] == string(outcome.Hospital) {
					hospitals++
				}
			}
			if hospitals == 0 || hospitals == len(want) {
				t.Errorf("%d of %d search rows are hospitals: the case should have both", hospitals, len(want))
			}
		})
	}
}

// TestRowTableGroupUnits checks that eachGroupUnits gives eachGroup's rows
// with outcome.Units' sets, and that eachSearchUnit gives the same search
// rows from what a complete pass noted as from a pass of its own: not
// after a pass stopped part way, nor after a row added since.
func TestRowTableGroupUnits(t *testing.T) {
	rows := slices.Concat(searchRows(), boundRows())
	rt := tableOf(t, rows)
	groups := tableGroups(t, rt)
	n := 0
	if err := rt.eachGroupUnits(func(rows []outcome.Row, sets []outcome.UnitSet) error {
		if !reflect.DeepEqual(rows, groups[n]) {
			t.Errorf("group %d: eachGroupUnits' rows differ from eachGroup's", n)
		}
		// Printed, as a crude unit's Expected is NaN, which DeepEqual
		// finds unequal to itself.
		if got, want := fmt.Sprintf("%+v", sets), fmt.Sprintf("%+v", outcome.Units(groups[n])); got != want {
			t.Errorf("group %d: sets =\n%s\nwant outcome.Units'\n%s", n, got, want)
		}
		n++
		return nil
	}); err != nil || n != len(groups) {
		t.Fatalf("eachGroupUnits = %v after %d groups, want nil after %d", err, n, len(groups))
	}
	if rt.parts == nil {
		t.Fatal("a complete eachGroupUnits kept no parts for eachSearchUnit")
	}
	want := wantSearchRows(t, rows)
	if got := tableSearchRows(t, rt); !reflect.DeepEqual(got, want) {
		t.Errorf("eachSearchUnit after eachGroupUnits =\n%v\nwant %v", got, want)
	}
	if rt.parts != nil {
		t.Error("eachSearchUnit kept the parts it used")
	}
	if got := tableSearchRows(t, rt); !reflect.DeepEqual(got, want) {
		t.Errorf("eachSearchUnit a second time =\n%v\nwant %v", got, want)
	}

	stop := errors.New("stop")
	if err := rt.eachGroupUnits(func([]outcome.Row, []outcome.UnitSet) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("eachGroupUnits = %v, want fn's error", err)
	}
	if rt.parts != nil {
		t.Error("an eachGroupUnits stopped part way kept parts")
	}

	if err := rt.eachGroupUnits(func([]outcome.Row, []outcome.UnitSet) error { return nil }); err != nil {
		t.Fatal(err)
	}
	more := searchRow(300, "vascular", "9000099", "Heronwood Pike", "H2", "Kestrel Vale Hospital")
	if _, _, added := rt.add(&more); !added {
		t.Fatal("row not added")
	}
	if got, want := tableSearchRows(t, rt), wantSearchRows(t, append(rows, more)); !reflect.DeepEqual(got, want) {
		t.Errorf("eachSearchUnit after a row added since eachGroupUnits =\n%v\nwant %v", got, want)
	}
}

// TestRowTableSameKey checks the comparison that settles a hash match: a
// held row has a row's key when every key field is equal, whatever else
// differs.
func TestRowTableSameKey(t *testing.T) {
	rows := variedRows()
	// Rows that share all but one key field with others.
	for _, change := range []func(r *outcome.Row){
		func(r *outcome.Row) { r.Specialty = "urology" },
		func(r *outcome.Row) { r.Procedure = "evar" },
		func(r *outcome.Row) { r.Period = "2022-04/2025-03" },
		func(r *outcome.Row) { r.UnitType = outcome.Hospital },
		func(r *outcome.Row) { r.UnitID = "9000017 " },
		func(r *outcome.Row) { r.HospitalID = "H1 " },
	} {
		r := rows[0]
		r.Line = 1000 + len(rows)
		change(&r)
		rows = append(rows, r)
	}
	rt := tableOf(t, rows)
	held := map[[2]int]uint32{} // by file and line
	for i := range uint32(rt.len()) {
		file, line := rt.fileLine(i)
		held[[2]int{file, line}] = i
	}
	if len(held) != len(rows) {
		t.Fatalf("%d rows at %d places: each row needs a place of its own", len(rows), len(held))
	}
	for _, a := range rows {
		for _, b := range rows {
			k := rt.kinds[rt.kindOf(&b)]
			hid := rt.hospitals[rt.hospitalOf(b.HospitalID, b.HospitalName)].id
			want := compareSQLOrder(a, b) == 0
			if got := rt.sameKey(held[[2]int{a.File, a.Line}], &k, hid, b.UnitID); got != want {
				t.Errorf("sameKey(row at line %d, key of row at line %d) = %v, want %v", a.Line, b.Line, got, want)
			}
		}
	}
}

// benchRow sets r to row i of ingest's benchmark file (writeCanonical in
// ingest/bench_test.go): ten specialties, 100 periods, hospital i%1000,
// and a surgeon per row when distinct, else 1,000 surgeons.
func benchRow(r *outcome.Row, i int, distinct bool) {
	specialties := [...]string{"adult-cardiac", "vascular", "orthopaedic", "colorectal", "upper-gi", "bariatric",
		"head-and-neck", "endocrine", "urology", "interventional-cardiology"}
	cases := 5 + i%396
	surgeon := i / 1000
	if distinct {
		surgeon = i
	}
	*r = outcome.Row{File: 1, Line: i + 2, Specialty: specialties[i%10], Procedure: "all",
		Period: strconv.Itoa(2000 + (i/10)%100), UnitType: outcome.Surgeon, UnitID: strconv.Itoa(9000000 + surgeon),
		UnitName: "Dr Test Person " + strconv.Itoa(surgeon), HospitalID: "ZZ" + strconv.Itoa(i%1000),
		HospitalName: "Hospital " + strconv.Itoa(i%1000), Outcome: "in-hospital mortality", Cases: cases,
		Events: (i / 7) % (cases/10 + 1), Expected: null(float64(cases)*0.001*float64(1+i%50) + 0.001)}
}

// BenchmarkRowTable adds 100,000 and 1,000,000 rows of ingest's benchmark
// shapes and
// reports the bytes held a row (live heap after a collection, less
// before), the time a row of add, and the seconds of a pass of eachGroup,
// of eachGroupUnits (which makes each group's units, as ingest needs for
// its results) with the bytes a row of what it keeps for the search rows,
// of eachSearchUnit after it, and of eachSearchUnit alone.
func BenchmarkRowTable(b *testing.B) {
	heapNow := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	timed := func(f func() error) time.Duration {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	for _, tt := range []struct {
		n        int
		distinct bool
	}{{100_000, true}, {100_000, false}, {1_000_000, true}, {1_000_000, false}} {
		n, distinct := tt.n, tt.distinct
		b.Run(fmt.Sprintf("rows=%d/distinct=%v", n, distinct), func(b *testing.B) {
			var held, parts uint64
			var add, groups, groupUnits, search, searchAlone time.Duration
			for b.Loop() {
				before := heapNow()
				rt := newRowTable()
				batch := make([]outcome.Row, BatchSize)
				add = 0
				for lo := 0; lo < n; lo += BatchSize {
					for i := range batch {
						benchRow(&batch[i], lo+i, distinct)
					}
					start := time.Now()
					for i := range batch[:min(BatchSize, n-lo)] {
						if _, _, added := rt.add(&batch[i]); !added {
							b.Fatalf("row %d is a duplicate", lo+i)
						}
					}
					add += time.Since(start)
				}
				batch = nil
				held = heapNow() - before

				rows := 0
				groups = timed(func() error {
					return rt.eachGroup(func(g []outcome.Row) error {
						rows += len(g)
						return nil
					})
				})
				if rows != n {
					b.Fatalf("eachGroup gave %d rows, want %d", rows, n)
				}
				groupUnits = timed(func() error {
					return rt.eachGroupUnits(func([]outcome.Row, []outcome.UnitSet) error { return nil })
				})
				parts = heapNow() - before - held
				// A hospital for each of 1,000 ids and a surgeon for each row,
				// or for each 1,000 rows.
				wantUnits := 1000 + n/1000
				if distinct {
					wantUnits = 1000 + n
				}
				units := 0
				each := func(outcome.UnitType, string, *searchUnit) error {
					units++
					return nil
				}
				search = timed(func() error { return rt.eachSearchUnit(each) })
				if units != wantUnits {
					b.Fatalf("eachSearchUnit gave %d search rows, want %d", units, wantUnits)
				}
				units = 0
				searchAlone = timed(func() error { return rt.eachSearchUnit(each) })
				if units != wantUnits {
					b.Fatalf("eachSearchUnit alone gave %d search rows, want %d", units, wantUnits)
				}
				runtime.KeepAlive(rt)
			}
			b.ReportMetric(float64(held)/float64(n), "B/row")
			b.ReportMetric(float64(add.Nanoseconds())/float64(n), "add-ns/row")
			b.ReportMetric(groups.Seconds(), "eachGroup-s")
			b.ReportMetric(groupUnits.Seconds(), "eachGroupUnits-s")
			b.ReportMetric(float64(parts)/float64(n), "parts-B/row")
			b.ReportMetric(search.Seconds(), "eachSearchUnit-s")
			b.ReportMetric(searchAlone.Seconds(), "eachSearchUnitAlone-s")
		})
	}
}

// addGroup feeds a searchSet one group's rows, making their units: the
// reference eachSearchUnit is held to.
func (su *searchSet) addGroup(rows []outcome.Row) { su.addUnits(rows, outcome.Units(rows)) }
