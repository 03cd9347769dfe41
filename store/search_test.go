package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// searchRow returns a surgeon row in group (specialty, "all", "2024").
func searchRow(line int, specialty, unitID, name, hospitalID, hospitalName string) outcome.Row {
	return outcome.Row{
		File: 1, Line: line, Specialty: specialty, Procedure: "all", Period: "2024", UnitType: "surgeon",
		UnitID: unitID, UnitName: name, HospitalID: hospitalID, HospitalName: hospitalName,
		Outcome: "30-day mortality", Cases: 50, Events: 1,
	}
}

// searchRows is release r1 of the search tests. The adult-cardiac group has
// no hospital rows, so its hospitals (H1, ZZ9) are summed from the
// surgeons' rows; the vascular group has a row of its own for H2, so H3,
// named only by a surgeon's row there, is no unit.
func searchRows() []outcome.Row {
	h2 := searchRow(9, "vascular", "H2", "Kestrel Vale Hospital", "", "")
	h2.UnitType = "hospital"
	return []outcome.Row{
		searchRow(2, "adult-cardiac", "9000017", "Seán Heronspindle", "H1", "St Brigid's Infirmary"),
		searchRow(3, "vascular", "9000017", "Seán Heronspindle", "H2", "Kestrel Vale Hospital"),
		searchRow(4, "adult-cardiac", "9000023", "Ada Marlowe", "H1", "St Brigid's Infirmary"),
		searchRow(5, "vascular", "9000031", "Oren Quillfeather", "H2", "Kestrel Vale Hospital"),
		searchRow(6, "vascular", "9000048", "Wren Larkin", "H3", "Larkmoor General"),
		searchRow(7, "adult-cardiac", "9000055", "Jo Tarn", "H1", "St Brigid's Infirmary"),
		searchRow(8, "vascular", "9000055", "Joanna Tarn", "H2", "Kestrel Vale Hospital"),
		searchRow(10, "adult-cardiac", "9000064", "Pim Vasco", "ZZ9", ""),
		h2,
	}
}

// boundRows puts one surgeon at 25 hospitals, more than a search row
// lists (maxSearchList), whose names hold characters JSON encoders like to
// escape. The group has no hospital rows, so each hospital is a unit.
func boundRows() []outcome.Row {
	var rows []outcome.Row
	for i := range 25 {
		rows = append(rows, searchRow(100+i, "urology", "9000071", "Ulla Manyplace", fmt.Sprintf("U%02d", i),
			fmt.Sprintf("Place & <Co> %02d", i)))
	}
	return rows
}

// r1Units is how many units release r1 has: six surgeons and three
// hospitals (H1, H2, ZZ9).
const r1Units = 9

// openSearchDB returns a database holding r1 (searchRows) and r2, whose
// units are a surgeon who also matches "heron" and his hospital, H1.
func openSearchDB(t *testing.T) *DB {
	t.Helper()
	db, _ := openTestDB(t)
	commitRelease(t, db, testRelease("r1"), searchRows(), nil)
	commitRelease(t, db, testRelease("r2"), []outcome.Row{
		searchRow(2, "adult-cardiac", "9000099", "Heronwood Pike", "H1", "St Brigid's Infirmary")}, nil)
	checkSearchIndex(t, db)
	return db
}

// checkSearchIndex runs FTS5's integrity check, which with rank 1 also
// compares the index with its content table, search_unit.
func checkSearchIndex(t testing.TB, db *DB) {
	t.Helper()
	conns := []*sql.DB{db.sql}
	for _, f := range releaseFiles(t, db) {
		id := strings.TrimSuffix(filepath.Base(f), ".sqlite")
		conns = append(conns, releaseSQL(t, db, id))
	}
	for _, c := range conns {
		if _, err := c.ExecContext(context.Background(),
			`INSERT INTO search_unit_fts (search_unit_fts, rank) VALUES ('integrity-check', 1)`); err != nil {
			t.Errorf("search index integrity-check = %v, want nil", err)
		}
	}
}

// hitKeys returns each hit as "unit_type/unit_id", in order.
func hitKeys(hits []SearchHit) []string {
	keys := make([]string, len(hits))
	for i, h := range hits {
		keys[i] = string(h.UnitType) + "/" + h.UnitID
	}
	return keys
}

func TestSearch(t *testing.T) {
	ctx := context.Background()
	db := openSearchDB(t)
	tests := []struct {
		name string
		q    string
		// first, where set, must be the best hit; want is every hit, in
		// any order.
		first string
		want  []string
	}{
		{name: "accent-insensitive", q: "sean", want: []string{"surgeon/9000017"}},
		{name: "accented query", q: "Seán", want: []string{"surgeon/9000017"}},
		{name: "upper case", q: "SEAN HERONSPINDLE", want: []string{"surgeon/9000017"}},
		{name: "decomposed accent", q: "Sea\u0301n", want: []string{"surgeon/9000017"}},
		{name: "prefix", q: "heron", want: []string{"surgeon/9000017"}},
		{name: "two-letter prefix", q: "he", want: []string{"surgeon/9000017"}},
		{name: "every word must match", q: "sean hero", want: []string{"surgeon/9000017"}},
		{name: "words of two units", q: "ada heron"},
		{name: "surgeon id", q: "9000017", want: []string{"surgeon/9000017"}},
		{name: "id prefix", q: "90000",
			want: []string{"surgeon/9000017", "surgeon/9000023", "surgeon/9000031", "surgeon/9000048", "surgeon/9000055",
				"surgeon/9000064"}},
		{name: "hospital name", q: "kestrel", first: "hospital/H2",
			want: []string{"hospital/H2", "surgeon/9000017", "surgeon/9000031", "surgeon/9000055"}},
		{name: "hospital name, two words", q: "Kestrel Vale hosp", first: "hospital/H2",
			want: []string{"hospital/H2", "surgeon/9000017", "surgeon/9000031", "surgeon/9000055"}},
		{name: "hospital summed from surgeons", q: "brigid", first: "hospital/H1",
			want: []string{"hospital/H1", "surgeon/9000017", "surgeon/9000023", "surgeon/9000055"}},
		{name: "hospital id", q: "h1", first: "hospital/H1",
			want: []string{"hospital/H1", "surgeon/9000017", "surgeon/9000023", "surgeon/9000055"}},
		{name: "hospital given by id only", q: "zz9", first: "hospital/ZZ9",
			want: []string{"hospital/ZZ9", "surgeon/9000064"}},
		// H3 is named only in a group with hospital rows of its own, so it
		// has no funnel and no page: its surgeon is found, it is not.
		{name: "hospital that is no unit", q: "larkmoor", want: []string{"surgeon/9000048"}},
		{name: "second spelling of a name", q: "joanna", want: []string{"surgeon/9000055"}},
		{name: "surgeon at a hospital", q: "ada brigid", want: []string{"surgeon/9000023"}},
		{name: "specialty", q: "cardiac vasco", want: []string{"surgeon/9000064"}},
		{name: "no such name", q: "zebedee"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := db.Search(ctx, "r1", tt.q, 0)
			if err != nil {
				t.Fatalf("Search(r1, %q) = %v, want nil error", tt.q, err)
			}
			got := hitKeys(hits)
			if tt.first != "" && (len(got) == 0 || got[0] != tt.first) {
				t.Errorf("Search(r1, %q) = %v, want %s first", tt.q, got, tt.first)
			}
			if !reflect.DeepEqual(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(tt.want))) {
				t.Errorf("Search(r1, %q) = %v, want %v (any order)", tt.q, got, tt.want)
			}
			for i := 1; i < len(hits); i++ {
				if hits[i].Rank < hits[i-1].Rank {
					t.Errorf("Search(r1, %q) ranks = %v then %v, want rank order (lowest first)", tt.q,
						hits[i-1].Rank, hits[i].Rank)
				}
			}
		})
	}
}

func TestSearchHitFields(t *testing.T) {
	ctx := context.Background()
	db := openSearchDB(t)
	tests := []struct {
		q    string
		want SearchHit
	}{
		{"heronspindle", SearchHit{UnitType: "surgeon", UnitID: "9000017", UnitName: "Seán Heronspindle",
			Hospitals: []string{"Kestrel Vale Hospital", "St Brigid's Infirmary"}, Specialties: []string{"adult-cardiac", "vascular"}}},
		// Two spellings: both are searched, the first in sort order shown.
		{"joanna", SearchHit{UnitType: "surgeon", UnitID: "9000055", UnitName: "Jo Tarn",
			Hospitals: []string{"Kestrel Vale Hospital", "St Brigid's Infirmary"}, Specialties: []string{"adult-cardiac", "vascular"}}},
		{"kestrel vale hospital h2", SearchHit{UnitType: "hospital", UnitID: "H2", UnitName: "Kestrel Vale Hospital",
			Hospitals: []string{"Kestrel Vale Hospital"}, Specialties: []string{"vascular"}}},
		{"brigid h1", SearchHit{UnitType: "hospital", UnitID: "H1", UnitName: "St Brigid's Infirmary",
			Hospitals: []string{"St Brigid's Infirmary"}, Specialties: []string{"adult-cardiac"}}},
		{"zz9 cardiac", SearchHit{UnitType: "hospital", UnitID: "ZZ9", UnitName: "ZZ9",
			Hospitals: []string{"ZZ9"}, Specialties: []string{"adult-cardiac"}}},
		{"vasco", SearchHit{UnitType: "surgeon", UnitID: "9000064", UnitName: "Pim Vasco",
			Hospitals: []string{"ZZ9"}, Specialties: []string{"adult-cardiac"}}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			hits, err := db.Search(ctx, "r1", tt.q, 1)
			if err != nil || len(hits) != 1 {
				t.Fatalf("Search(r1, %q, 1) = %v, %v; want one hit", tt.q, hitKeys(hits), err)
			}
			got := hits[0]
			if !(got.Rank < 0) {
				t.Errorf("Search(r1, %q) Rank = %v, want < 0 (bm25)", tt.q, got.Rank)
			}
			got.Rank = 0
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Search(r1, %q) = %+v, want %+v", tt.q, got, tt.want)
			}
		})
	}
}

// TestSearchHostileInput feeds the kinds of input a public search box gets.
// None may fail, none may reach FTS5 as syntax, and none may match more
// than its words do; in particular none matches every unit.
func TestSearchHostileInput(t *testing.T) {
	ctx := context.Background()
	db := openSearchDB(t)
	heron := []string{"surgeon/9000017"}
	tests := []struct {
		name string
		q    string
		want []string
	}{
		{"empty", "", nil},
		{"spaces", " \t\n ", nil},
		{"quote", `"`, nil},
		{"two quotes", `""`, nil},
		{"star", "*", nil},
		{"NEAR(", "NEAR(", nil},
		{"OR", "OR", nil},
		{"AND NOT", "AND NOT", nil},
		{"minus", "-", nil},
		{"open parenthesis", "(", nil},
		{"close parenthesis", ")", nil},
		{"caret", "^", nil},
		{"colon", ":", nil},
		{"braces", "{unit_id}", nil},
		{"plus", "+", nil},
		{"emoji", "🔪🩺", nil},
		{"control characters", "\x00\x01\x07\x1b[2J\x7f", nil},
		{"invalid UTF-8", "\xff\xfe\xc0", nil},
		{"combining mark alone", "\u0301", nil},
		{"300 bytes", strings.Repeat("heron ", 50), nil},
		{"201 bytes", strings.Repeat("h", 201), nil},
		{"SQL", "'; DROP TABLE search_unit; --", nil},
		{"SQL tautology", `" OR 1=1 --`, nil},
		{"column filter", "unit_id:9000017", nil},
		{"column filter braces", "{unit_names}: heron", nil},
		{"OR between words", "heron OR ada", nil},
		{"NOT", "heron NOT ada", nil},
		{"NEAR group", "NEAR(heron ada, 10)", nil},
		{"lower-case or is a word", "heron or", nil},
		{"quote then word", `heron"*`, heron},
		{"quoted word", `"Seán"`, heron},
		{"negation is a word", "-heron", heron},
		{"initial token", "^heron", heron},
		{"control characters round a word", "\x00Heron\x07", heron},
		{"invalid UTF-8 round a word", "\xffheron\xfe", heron},
		{"operators round a word", "AND heron OR", heron},
		{"200 bytes", "heron" + strings.Repeat(" ", 195), heron},
		{"parenthesised", "(heron)", heron},
		{"star inside", "her*on", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := db.Search(ctx, "r1", tt.q, 0)
			if err != nil {
				t.Fatalf("Search(r1, %q) = %v, want nil error", tt.q, err)
			}
			if got := hitKeys(hits); !slices.Equal(got, tt.want) {
				t.Errorf("Search(r1, %q) = %v, want %v", tt.q, got, tt.want)
			}
			if len(hits) >= r1Units {
				t.Errorf("Search(r1, %q) = %d hits, every unit of the release", tt.q, len(hits))
			}
		})
	}
	if n := count(t, db, "search_unit"); n != r1Units+2 {
		t.Errorf("search_unit rows after hostile queries = %d, want %d", n, r1Units+2)
	}
	checkSearchIndex(t, db)
}

func TestMatchExpr(t *testing.T) {
	tests := []struct {
		name, q, want string
	}{
		{"one word", "heron", `"heron"*`},
		{"words", "Seán O'Brien", `"Seán"* AND "O"* AND "Brien"*`},
		{"punctuation separates", "st.brigid's,h1", `"st"* AND "brigid"* AND "s"* AND "h1"*`},
		{"operators dropped", "AND heron OR ada NOT NEAR x", `"heron"* AND "ada"* AND "x"*`},
		{"lower-case operators are words", "or and", `"or"* AND "and"*`},
		{"repeated words once", "heron Heron HERON", `"heron"*`},
		{"decomposed accent kept", "Sea\u0301n", "\"Sea\u0301n\"*"},
		{"digits", "9000017", `"9000017"*`},
		{"quotes cannot escape", `a"b`, `"a"* AND "b"*`},
		{"ten terms at most", "a b c d e f g h i j k l", `"a"* AND "b"* AND "c"* AND "d"* AND "e"* AND "f"* AND "g"* AND "h"* AND "i"* AND "j"*`},
		{"no words", `"*^:(){}-+`, ""},
		{"too long", strings.Repeat("a", MaxSearchBytes+1), ""},
		{"longest", strings.Repeat("a", MaxSearchBytes), `"` + strings.Repeat("a", MaxSearchBytes) + `"*`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchExpr(tt.q); got != tt.want {
				t.Errorf("matchExpr(%q) = %q, want %q", tt.q, got, tt.want)
			}
		})
	}
}

func TestSearchScopedToRelease(t *testing.T) {
	ctx := context.Background()
	db := openSearchDB(t)
	tests := []struct {
		release string
		want    []string
	}{
		{"r1", []string{"surgeon/9000017"}},
		{"r2", []string{"surgeon/9000099"}},
		{"no-such-release", nil},
	}
	for _, tt := range tests {
		t.Run(tt.release, func(t *testing.T) {
			hits, err := db.Search(ctx, tt.release, "heron", 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := hitKeys(hits); !slices.Equal(got, tt.want) {
				t.Errorf("Search(%s, heron) = %v, want %v", tt.release, got, tt.want)
			}
		})
	}
}

// manyUnitRows returns rows for surgeons surgeons spread over hospitals
// hospitals, each surgeon at one or two of them, in specialties taken in
// turn: a release of surgeons+hospitals units with names that share
// prefixes, as real names do.
func manyUnitRows(surgeons, hospitals int) []outcome.Row {
	first := []string{"Ada", "Bram", "Cait", "Dov", "Efa", "Finn", "Gwen", "Hal", "Ines", "Jory",
		"Kit", "Lorn", "Mab", "Nye", "Orla", "Pell", "Quin", "Rhys", "Sian", "Tam"}
	part := []string{"Heron", "Spindle", "Marl", "Quill", "Feather", "Lark", "Moor", "Kest", "Vale", "Tarn",
		"Bright", "Wick", "Ash", "Fen", "Holt", "Rook"}
	specialties := outcome.Specialties()
	var rows []outcome.Row
	line := 2
	for i := range surgeons {
		name := fmt.Sprintf("%s %s%s", first[i%len(first)], part[(i/len(first))%len(part)],
			strings.ToLower(part[(i*7+3)%len(part)]))
		for j := range 1 + i%2 {
			h := (i*31 + j*17) % hospitals
			rows = append(rows, searchRow(line, specialties[(i+j)%len(specialties)].Slug, fmt.Sprintf("%07d", 9000000+i),
				name, fmt.Sprintf("H%03d", h), fmt.Sprintf("%s %s Hospital", part[h%len(part)], part[(h/len(part))%len(part)])))
			line++
		}
	}
	return rows
}

func TestSearchLimit(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	commitRelease(t, db, testRelease("big"), manyUnitRows(150, 20), nil)
	tests := []struct {
		limit, want int
	}{
		{1, 1},
		{7, 7},
		{MaxSearchLimit, MaxSearchLimit},
		{MaxSearchLimit + 1, MaxSearchLimit},
		{0, MaxSearchLimit},
		{-1, MaxSearchLimit},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.limit), func(t *testing.T) {
			// Every surgeon's id starts 9000.
			hits, err := db.Search(ctx, "big", "9000", tt.limit)
			if err != nil || len(hits) != tt.want {
				t.Errorf("Search(big, 9000, %d) = %d hits, %v; want %d", tt.limit, len(hits), err, tt.want)
			}
		})
	}
	// A limit cuts the same ordering short: equal ranks fall back to name.
	all, err := db.Search(ctx, "big", "9000", 0)
	if err != nil {
		t.Fatal(err)
	}
	some, err := db.Search(ctx, "big", "9000", 7)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(some, all[:7]) {
		t.Errorf("Search(big, 9000, 7) = %v, want the first 7 of the unlimited search %v", hitKeys(some), hitKeys(all[:7]))
	}
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if a.Rank == b.Rank && a.UnitName > b.UnitName {
			t.Errorf("Search(big, 9000) hits %d and %d: %q before %q at equal rank, want name order", i-1, i, a.UnitName, b.UnitName)
		}
	}
}

func TestSearchListBound(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	commitRelease(t, db, testRelease("r"), boundRows(), nil)
	hits, err := db.Search(ctx, "r", "manyplace", 0)
	if err != nil || len(hits) != 1 {
		t.Fatalf("Search(r, manyplace) = %v, %v; want one hit", hitKeys(hits), err)
	}
	var want []string
	for i := range maxSearchList {
		want = append(want, fmt.Sprintf("Place & <Co> %02d", i))
	}
	if got := hits[0].Hospitals; !slices.Equal(got, want) {
		t.Errorf("Search(r, manyplace) Hospitals = %q, want the first %d in order: %q", got, maxSearchList, want)
	}
	// A hospital past the bound still has its own unit, but its name no
	// longer finds the surgeon.
	hits, err = db.Search(ctx, "r", "place co 24", 0)
	if err != nil || !slices.Equal(hitKeys(hits), []string{"hospital/U24"}) {
		t.Errorf("Search(r, place co 24) = %v, %v; want [hospital/U24]", hitKeys(hits), err)
	}
	// Stored as written, not as \u0026 and \u003c (which would index "u0026").
	var names string
	if err := releaseSQL(t, db, "r").QueryRowContext(ctx, `SELECT hospital_names FROM search_unit WHERE unit_id = 'U00'`).Scan(&names); err != nil {
		t.Fatal(err)
	}
	if want := `["Place & <Co> 00"]`; names != want {
		t.Errorf("hospital_names of U00 = %s, want %s", names, want)
	}
	checkSearchIndex(t, db)
}

// TestSearchRolledBack checks that a load that fails, even after Commit has
// written its search rows, leaves none behind.
func TestSearchRolledBack(t *testing.T) {
	ctx := context.Background()
	db := openSearchDB(t)
	before := count(t, db, "search_unit")

	// Same input as r1: Commit writes the search rows, then the release
	// row fails its UNIQUE (input_sha256, mapping_sha256).
	clash := testRelease("r3")
	clash.InputSHA256, clash.MappingSHA256 = testRelease("r1").InputSHA256, testRelease("r1").MappingSHA256
	l, err := db.BeginRelease(ctx, "r3")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.AddRows(ctx, []outcome.Row{searchRow(2, "vascular", "9000777", "Heronsby Clash", "H1", "Rolled Back Hospital")}); err != nil {
		t.Fatal(err)
	}
	err = l.Commit(ctx, clash)
	if code := sqliteCode(err); code != sqlite3.SQLITE_CONSTRAINT_UNIQUE {
		t.Fatalf("Commit(r3 with r1's input) = %v (code %d), want SQLITE_CONSTRAINT_UNIQUE", err, code)
	}
	if err := l.Rollback(); err != nil {
		t.Fatal(err)
	}

	// And a load abandoned before Commit.
	l, err = db.BeginRelease(ctx, "r4")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.AddRows(ctx, []outcome.Row{searchRow(2, "vascular", "9000888", "Heronsby Abandoned", "H1", "Rolled Back Hospital")}); err != nil {
		t.Fatal(err)
	}
	if err := l.Rollback(); err != nil {
		t.Fatal(err)
	}

	if n := count(t, db, "search_unit"); n != before {
		t.Errorf("search_unit rows after failed loads = %d, want %d (as before)", n, before)
	}
	for _, release := range []string{"r3", "r4"} {
		if hits, err := db.Search(ctx, release, "heronsby", 0); err != nil || len(hits) != 0 {
			t.Errorf("Search(%s, heronsby) after rollback = %v, %v; want none", release, hitKeys(hits), err)
		}
	}
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM search_unit_fts WHERE search_unit_fts MATCH ?`,
		`"rolled"*`).Scan(&n); err != nil || n != 0 {
		t.Errorf("index entries for rolled-back rows = %d, %v; want 0", n, err)
	}
	checkSearchIndex(t, db)
}

func TestSearchUnitImmutable(t *testing.T) {
	ctx := context.Background()
	db := openSearchDB(t)
	before, err := db.Search(ctx, "r1", "heron", 0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		sql  string
	}{
		{"update", `UPDATE search_unit SET unit_names = '["Changed"]'`},
		{"delete", `DELETE FROM search_unit`},
		{"insert", `INSERT INTO search_unit (release_id, unit_type, unit_id, unit_names, hospital_names,
			hospital_ids, specialties) VALUES ('r1', 'surgeon', 'X', '["Heron X"]', '[]', '[]', '[]')`},
	}
	file := releaseSQL(t, db, "r1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := file.ExecContext(ctx, tt.sql)
			if code := sqliteCode(err); code != sqlite3.SQLITE_CONSTRAINT_TRIGGER {
				t.Errorf("%s after commit = %v (code %d), want SQLITE_CONSTRAINT_TRIGGER (%d)", tt.sql, err, code,
					sqlite3.SQLITE_CONSTRAINT_TRIGGER)
			}
		})
	}
	after, err := db.Search(ctx, "r1", "heron", 0)
	if err != nil || !reflect.DeepEqual(after, before) {
		t.Errorf("Search(r1, heron) after refused changes = %+v, %v; want %+v", after, err, before)
	}
	checkSearchIndex(t, db)

	// No trigger can guard the FTS5 table itself, but it holds nothing
	// that search_unit does not: an emptied index is rebuilt from it.
	if _, err := file.ExecContext(ctx, `INSERT INTO search_unit_fts (search_unit_fts) VALUES ('delete-all')`); err != nil {
		t.Fatal(err)
	}
	// The store reads a release file as immutable; a fresh reader sees
	// what was done to it behind the store's back.
	fresh, err := Open(ctx, db.path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if hits, err := fresh.Search(ctx, "r1", "heron", 0); err != nil || len(hits) != 0 {
		t.Fatalf("Search(r1, heron) after emptying the index = %v, %v; want none", hitKeys(hits), err)
	}
	if _, err := file.ExecContext(ctx, `INSERT INTO search_unit_fts (search_unit_fts) VALUES ('rebuild')`); err != nil {
		t.Fatal(err)
	}
	again, err := Open(ctx, db.path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	rebuilt, err := again.Search(ctx, "r1", "heron", 0)
	if err != nil || !reflect.DeepEqual(rebuilt, before) {
		t.Errorf("Search(r1, heron) after rebuild = %+v, %v; want %+v", rebuilt, err, before)
	}
	checkSearchIndex(t, db)
}

// searchUnits returns a release's search rows, without their ids.
func searchUnits(t *testing.T, db *DB, releaseID string) [][6]string {
	t.Helper()
	conn, err := db.releaseData(context.Background(), releaseID)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := conn.QueryContext(context.Background(), `SELECT unit_type, unit_id, unit_names, hospital_names,
		hospital_ids, specialties FROM search_unit WHERE release_id = ? ORDER BY unit_type, unit_id`, releaseID)
	if err != nil {
		t.Fatal(err)
	}
	var out [][6]string
	for rows.Next() {
		var u [6]string
		if err := rows.Scan(&u[0], &u[1], &u[2], &u[3], &u[4], &u[5]); err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	if err := closeRows(rows); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSearchMigrationBackfill upgrades a database whose release was
// committed before migration 0003 existed, and checks that the migration
// gives it the search rows a commit would have.
func TestSearchMigrationBackfill(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "outcomes.db")

	// A database at migration 0002, as the previous version of Open left it.
	old := openAtMigration(t, path, 2)
	defer old.Close()

	// Load r1 as the previous Commit did: rows, files, periods, release.
	rows := append(searchRows(), boundRows()...)
	// (By hand, as BeginRelease now prepares statements for later columns.)
	tx, err := old.sql.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// The rows as 0002's outcome_row holds them: without not_assessable,
	// which 0006 adds.
	for _, r := range rows {
		if _, err := tx.ExecContext(ctx, `INSERT INTO outcome_row (release_id, file_ordinal, line, specialty,
			procedure, period, unit_type, unit_id, unit_name, hospital_id, hospital_name, outcome, cases, events,
			expected, expected_rate, published_rate, published_low, published_high, published_rating)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			"r1", r.File, r.Line, r.Specialty, r.Procedure, r.Period, r.UnitType, r.UnitID, r.UnitName, r.HospitalID,
			r.HospitalName, r.Outcome, r.Cases, r.Events, nullable(r.Expected), nullable(r.ExpectedRate),
			nullable(r.PublishedRate), nullable(r.PublishedLow), nullable(r.PublishedHigh), r.PublishedRating); err != nil {
			t.Fatalf("insert row as at 0002: %v", err)
		}
	}
	rel := testRelease("r1")
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO release_file (release_id, ordinal, name, sha256, size, encoding, row_count, skipped_count)
			VALUES (?, 1, 'r1.csv', 'f', 1, 'utf-8', 9, 0)`, []any{rel.ID}},
		{`INSERT INTO release_period (release_id, period) VALUES (?, '2024')`, []any{rel.ID}},
		{`INSERT INTO release (id, title, source, licence, profile, input_sha256, mapping_sha256, interval_method,
			comparison, target_source, row_count, skipped_count, synthetic, ingested_at)
			VALUES (?, 't', 's', 'l', 'canonical', ?, ?, 'exact', 'funnel', 'counts', 9, 0, 0, '2025-07-26T12:30:00.000000000Z')`,
			[]any{rel.ID, rel.InputSHA256, rel.MappingSHA256}},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	// Opening it with this version applies 0003.
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open(database at 0002) = %v, want nil error", err)
	}
	defer db.Close()
	if got, want := countMigrations(t, db), len(embeddedMigrations(t)); got != want {
		t.Errorf("schema_migration rows after upgrade = %d, want %d", got, want)
	}
	checkSearchIndex(t, db)
	hits, err := db.Search(ctx, "r1", "sean", 0)
	if err != nil || !slices.Equal(hitKeys(hits), []string{"surgeon/9000017"}) {
		t.Errorf("Search(r1, sean) after backfill = %v, %v; want [surgeon/9000017]", hitKeys(hits), err)
	}

	// The same rows committed now must give the same search rows.
	commitRelease(t, db, testRelease("fresh"), rows, nil)
	backfilled, fresh := searchUnits(t, db, "r1"), searchUnits(t, db, "fresh")
	if want := r1Units + 1 + 25; len(backfilled) != want {
		t.Errorf("backfilled search rows = %d, want %d", len(backfilled), want)
	}
	if !reflect.DeepEqual(backfilled, fresh) {
		t.Errorf("backfilled search rows = %q,\nwant those of a commit: %q", backfilled, fresh)
	}
	checkSearchIndex(t, db)
}

// TestSearchSnapshot checks that a VACUUM INTO copy, as served for
// download, carries a working index: the index refers to rows by id,
// which VACUUM keeps because it is an INTEGER PRIMARY KEY.
func TestSearchSnapshot(t *testing.T) {
	ctx := context.Background()
	db := openSearchDB(t)
	dst := filepath.Join(t.TempDir(), "copy.db")
	if _, err := db.sql.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		t.Fatal(err)
	}
	// The copy is the catalogue; the releases' files go beside it.
	if err := os.CopyFS(dst+".releases", os.DirFS(db.path+".releases")); err != nil {
		t.Fatal(err)
	}
	cp, err := Open(ctx, dst, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	for _, tt := range []struct{ release, q, want string }{
		{"r1", "sean", "surgeon/9000017"},
		{"r2", "heron", "surgeon/9000099"},
		{"r1", "zz9 vasco", "surgeon/9000064"},
	} {
		hits, err := cp.Search(ctx, tt.release, tt.q, 0)
		if err != nil || !slices.Equal(hitKeys(hits), []string{tt.want}) {
			t.Errorf("copy: Search(%s, %q) = %v, %v; want [%s]", tt.release, tt.q, hitKeys(hits), err, tt.want)
		}
	}
}

// BenchmarkSearch searches a release of 2,500 units (2,300 surgeons at 200
// hospitals).
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "outcomes.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	l, err := db.BeginRelease(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	for batch := range slices.Chunk(manyUnitRows(2300, 200), BatchSize) {
		if _, err := l.AddRows(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := l.Commit(ctx, testRelease("bench")); err != nil {
		b.Fatal(err)
	}
	var units int
	if err := releaseSQL(b, db, "bench").QueryRowContext(ctx, `SELECT count(*) FROM search_unit`).Scan(&units); err != nil || units != 2500 {
		b.Fatalf("search_unit rows = %d, %v; want 2500", units, err)
	}
	ro, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer ro.Close()
	for _, bb := range []struct{ name, q string }{
		{"name", "heronspindle"},
		{"prefix", "her"},
		{"first and last name", "ada heron"},
		{"id", "9001234"},
		{"hospital", "lark moor hospital"},
		{"one letter", "a"},
		{"hostile", strings.Repeat("a b ", 50)},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ro.Search(ctx, "bench", bb.q, 20); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSearchUnitsFromEachGroup checks that Commit writes the same search
// rows whether it gathers them itself or reuses those a complete EachGroup
// read gathered, and that an EachGroup stopped part way is not reused.
func TestSearchUnitsFromEachGroup(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	rows := append(searchRows(), boundRows()...)
	commitRelease(t, db, testRelease("scan"), rows, nil)
	want := searchUnits(t, db, "scan")
	if len(want) == 0 {
		t.Fatal("no search rows for the scanned release")
	}
	stop := errors.New("stop")
	for _, tt := range []struct {
		release string
		stopAt  int // groups read before fn fails; 0 reads them all
	}{{"each-group", 0}, {"each-group-stopped", 1}} {
		t.Run(tt.release, func(t *testing.T) {
			l, err := db.BeginRelease(ctx, tt.release)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Rollback()
			if _, err := l.AddRows(ctx, rows); err != nil {
				t.Fatal(err)
			}
			groups := 0
			err = l.EachGroup(ctx, func(outcome.Group, []outcome.UnitSet) error {
				groups++
				if groups == tt.stopAt {
					return stop
				}
				return nil
			})
			if tt.stopAt == 0 && err != nil || tt.stopAt > 0 && !errors.Is(err, stop) {
				t.Fatalf("EachGroup = %v", err)
			}
			if err := l.Commit(ctx, testRelease(tt.release)); err != nil {
				t.Fatalf("Commit = %v", err)
			}
			if got := searchUnits(t, db, tt.release); !reflect.DeepEqual(got, want) {
				t.Errorf("search rows = %v\nwant (as a scan gathers them) %v", got, want)
			}
		})
	}
	checkSearchIndex(t, db)
}
