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
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

var testTime = time.Date(2025, 7, 26, 12, 30, 0, 0, time.UTC)

func some(x float64) sql.Null[float64] { return sql.Null[float64]{V: x, Valid: true} }

// testRelease returns a release with every field set; its hashes are
// derived from id, so two test releases never share an input.
func testRelease(id string) Release {
	return Release{
		ID: id, Title: "Release " + id, Source: "https://example.org/" + id, Licence: "CC0",
		Profile: "canonical", InputSHA256: fmt.Sprintf("%064x", len(id)) + id, MappingSHA256: "m-" + id,
		IntervalMethod: "byar", Comparison: "interval", TargetSource: "national", IntervalLevel: 98, FlagLevel: 99.5,
		Rows: 1, Skipped: 0, Synthetic: true, IngestedAt: testTime,
		Files: []ReleaseFile{{Ordinal: 1, Name: id + ".csv", SHA256: "f-" + id, Size: 123, Encoding: "utf-8", Rows: 1}},
	}
}

// testRow returns a risk-adjusted surgeon row. Its key is (vascular, aaa,
// period, surgeon, unitID, H1).
func testRow(file, line int, period, unitID string) outcome.Row {
	return outcome.Row{
		File: file, Line: line, Specialty: "vascular", Procedure: "aaa", Period: period, UnitType: "surgeon",
		UnitID: unitID, UnitName: "Surgeon " + unitID, HospitalID: "H1", HospitalName: "Hospital One",
		Outcome: "in-hospital mortality", Cases: 40 + line%7, Events: line % 5, Expected: some(1.25),
		ExpectedRate: some(3.125), PublishedRate: some(2.5), PublishedLow: some(0.5), PublishedHigh: some(7.25),
		PublishedRating: "Rate not different",
	}
}

// numberedRows returns n rows of file with distinct keys, on lines
// first+2, first+3, ... and unit ids U<first>, U<first+1>, ...
func numberedRows(file, first, n int) []outcome.Row {
	rows := make([]outcome.Row, n)
	for i := range rows {
		rows[i] = testRow(file, first+i+2, "2019", fmt.Sprintf("U%04d", first+i))
	}
	return rows
}

// dupOf returns a row on another line with r's key but other counts.
func dupOf(r outcome.Row, file, line int) outcome.Row {
	d := r
	d.File, d.Line = file, line
	d.Cases, d.Events = r.Cases+100, 0
	d.UnitName = "Another name"
	return d
}

// commitRelease writes rows and national rates as release rel.
func commitRelease(t *testing.T, db *DB, rel Release, rows []outcome.Row, nats []outcome.NationalRate) {
	t.Helper()
	ctx := context.Background()
	l, err := db.BeginRelease(ctx, rel.ID)
	if err != nil {
		t.Fatalf("BeginRelease(%s) = %v", rel.ID, err)
	}
	defer l.Rollback()
	for batch := range slices.Chunk(rows, BatchSize) {
		dups, err := l.AddRows(ctx, batch)
		if err != nil || len(dups) > 0 {
			t.Fatalf("AddRows(%d rows) = %v, %v; want no duplicates, nil", len(batch), dups, err)
		}
	}
	for _, n := range nats {
		if err := l.AddNationalRate(ctx, n); err != nil {
			t.Fatalf("AddNationalRate(%+v) = %v", n, err)
		}
	}
	if err := l.Commit(ctx, rel); err != nil {
		t.Fatalf("Commit(%s) = %v", rel.ID, err)
	}
}

func count(t *testing.T, db *DB, table string) int {
	t.Helper()
	total := 0
	// table is one of the test's own constants, never input. Release
	// files hold the releases' data, the catalogue their rows: the
	// catalogue's tables are counted, and the release files' where the
	// catalogue holds no such rows.
	conns := []*sql.DB{db.sql}
	switch table {
	case "release", "release_file", "release_period", "release_skip":
	default:
		for _, f := range releaseFiles(t, db) {
			conn, err := sql.Open("sqlite", "file:"+f+"?mode=ro")
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conns = append(conns, conn)
		}
	}
	for _, c := range conns {
		var n int
		if err := c.QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		total += n
	}
	return total
}

func TestBeginReleaseExists(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	commitRelease(t, db, testRelease("r1"), []outcome.Row{testRow(1, 2, "2019", "A")}, nil)
	l, err := db.BeginRelease(ctx, "r1")
	if err == nil {
		l.Rollback()
	}
	if !errors.Is(err, ErrReleaseExists) {
		t.Errorf("BeginRelease(r1) after committing r1 = %v, want ErrReleaseExists", err)
	}
	// The failed begin must not hold the writer: another release can load.
	commitRelease(t, db, testRelease("r2"), []outcome.Row{testRow(1, 2, "2019", "A")}, nil)
}

func TestAddRows(t *testing.T) {
	full := numberedRows(1, 0, BatchSize)
	short := numberedRows(1, 0, 10)

	dupInShort := slices.Clone(short)
	dupInShort[7] = dupOf(short[2], 1, 9)

	dupInFull := slices.Clone(full)
	dupInFull[40] = dupOf(full[0], 1, 42)
	dupInFull[63] = dupOf(full[10], 1, 65)

	laterShort := numberedRows(2, 100, 3)
	laterShort[1] = dupOf(full[5], 2, 103)

	laterFull := numberedRows(2, 100, BatchSize)
	laterFull[0] = dupOf(full[63], 2, 102)

	tests := []struct {
		name     string
		batches  [][]outcome.Row
		wantDups [][]Duplicate
		// wantSkip lists, per batch, the indexes that must not be stored.
		wantSkip [][]int
	}{
		{name: "full batch", batches: [][]outcome.Row{full}, wantDups: [][]Duplicate{nil}},
		{name: "short batch", batches: [][]outcome.Row{short}, wantDups: [][]Duplicate{nil}},
		{name: "full then short", batches: [][]outcome.Row{full, numberedRows(1, BatchSize, 5)}, wantDups: [][]Duplicate{nil, nil}},
		{
			name:     "duplicate inside a short batch",
			batches:  [][]outcome.Row{dupInShort},
			wantDups: [][]Duplicate{{{Index: 7, File: 1, Line: short[2].Line}}},
			wantSkip: [][]int{{7}},
		},
		{
			// The batch statement fails as a whole; the rest of it must
			// still be stored.
			name:     "duplicates inside a full batch",
			batches:  [][]outcome.Row{dupInFull},
			wantDups: [][]Duplicate{{{Index: 40, File: 1, Line: full[0].Line}, {Index: 63, File: 1, Line: full[10].Line}}},
			wantSkip: [][]int{{40, 63}},
		},
		{
			name:     "duplicate of an earlier batch in a short batch",
			batches:  [][]outcome.Row{full, laterShort},
			wantDups: [][]Duplicate{nil, {{Index: 1, File: 1, Line: full[5].Line}}},
			wantSkip: [][]int{nil, {1}},
		},
		{
			name:     "duplicate of an earlier batch in a full batch",
			batches:  [][]outcome.Row{full, laterFull},
			wantDups: [][]Duplicate{nil, {{Index: 0, File: 1, Line: full[63].Line}}},
			wantSkip: [][]int{nil, {0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, _ := openTestDB(t)
			l, err := db.BeginRelease(ctx, "r")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Rollback()
			var want []outcome.Row
			for i, batch := range tt.batches {
				dups, err := l.AddRows(ctx, batch)
				if err != nil {
					t.Fatalf("AddRows(batch %d) = %v, want nil error", i, err)
				}
				if !reflect.DeepEqual(dups, tt.wantDups[i]) {
					t.Errorf("AddRows(batch %d of %d rows) = %+v, want %+v", i, len(batch), dups, tt.wantDups[i])
				}
				for j, r := range batch {
					if i >= len(tt.wantSkip) || !slices.Contains(tt.wantSkip[i], j) {
						want = append(want, r)
					}
				}
			}
			if err := l.Commit(ctx, testRelease("r")); err != nil {
				t.Fatal(err)
			}
			got, err := db.Rows(ctx, "r")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("Rows(r) after AddRows = %d rows, want %d", len(got), len(want))
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("Rows(r)[%d] = %+v, want %+v", i, got[i], want[i])
				}
			}
		})
	}
}

func TestAddRowsCheckViolation(t *testing.T) {
	bad := testRow(1, 5, "2019", "BAD")
	bad.Events = bad.Cases + 1
	full := numberedRows(1, 0, BatchSize)
	full[20] = bad
	tests := []struct {
		name string
		rows []outcome.Row
	}{
		{"one row", []outcome.Row{bad}},
		{"full batch", full},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, _ := openTestDB(t)
			l, err := db.BeginRelease(ctx, "r")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Rollback()
			dups, err := l.AddRows(ctx, tt.rows)
			if code := sqliteCode(err); code != sqlite3.SQLITE_CONSTRAINT_CHECK || dups != nil {
				t.Errorf("AddRows(events > cases) = %v, %v (code %d); want nil, SQLITE_CONSTRAINT_CHECK", dups, err, code)
			}
		})
	}
}

func TestRollback(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	l, err := db.BeginRelease(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if dups, err := l.AddRows(ctx, numberedRows(1, 0, BatchSize+3)[:BatchSize]); err != nil || dups != nil {
		t.Fatalf("AddRows = %v, %v", dups, err)
	}
	if err := l.AddNationalRate(ctx, outcome.NationalRate{File: 1, Line: 2, Specialty: "vascular", Procedure: "aaa",
		Period: "2019", Cases: 100, Events: 3}); err != nil {
		t.Fatal(err)
	}
	if err := l.Rollback(); err != nil {
		t.Fatalf("Rollback() = %v, want nil", err)
	}
	for _, table := range []string{"release", "release_file", "outcome_row", "national_rate"} {
		if n := count(t, db, table); n != 0 {
			t.Errorf("%s rows after Rollback = %d, want 0", table, n)
		}
	}
	if rs, err := db.Releases(ctx); err != nil || len(rs) != 0 {
		t.Errorf("Releases() after Rollback = %d releases, %v; want none", len(rs), err)
	}
	if _, err := db.Release(ctx, "r1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Release(r1) after Rollback = %v, want ErrNotFound", err)
	}
	// The id is free again, and Rollback after Commit is harmless.
	l, err = db.BeginRelease(ctx, "r1")
	if err != nil {
		t.Fatalf("BeginRelease(r1) after Rollback = %v, want nil", err)
	}
	if _, err := l.AddRows(ctx, []outcome.Row{testRow(1, 2, "2019", "A")}); err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(ctx, testRelease("r1")); err != nil {
		t.Fatal(err)
	}
	if err := l.Rollback(); err != nil {
		t.Errorf("Rollback() after Commit = %v, want nil", err)
	}
	if n := count(t, db, "outcome_row"); n != 1 {
		t.Errorf("outcome_row rows after Commit then Rollback = %d, want 1", n)
	}
}

func TestCommitAndRead(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)

	crude := testRow(2, 3, "2017-2019", "B")
	crude.HospitalID, crude.HospitalName = "", ""
	crude.Expected, crude.ExpectedRate = sql.Null[float64]{}, sql.Null[float64]{}
	crude.PublishedRate, crude.PublishedLow, crude.PublishedHigh = sql.Null[float64]{}, sql.Null[float64]{}, sql.Null[float64]{}
	crude.PublishedRating = ""
	zero := testRow(1, 9, "2018", "C")
	zero.Events = 0
	zero.PublishedRate, zero.PublishedLow = some(0), some(0) // zero is a value, not missing
	// Loaded out of (file, line) order, with a repeated period.
	rows := []outcome.Row{crude, testRow(1, 4, "2019", "A"), zero, testRow(1, 2, "2019", "D")}
	nats := []outcome.NationalRate{
		{File: 1, Line: 10, Specialty: "vascular", Procedure: "open", Period: "2019", Cases: 500, Events: 20},
		{File: 1, Line: 11, Specialty: "adult-cardiac", Procedure: "cabg", Period: "2011", Cases: 8627, Events: 107},
		{File: 2, Line: 12, Specialty: "vascular", Procedure: "aaa", Period: "2019", Cases: 900, Events: 9},
	}
	a := testRelease("a")
	a.Rows, a.Skipped = 4, 3
	// Given out of order: the release lists files by ordinal.
	a.Files = []ReleaseFile{
		{Ordinal: 2, Name: "second.csv", SHA256: "s2", Size: 2000, Encoding: "windows-1252", Rows: 1, Skipped: 1},
		{Ordinal: 1, Name: "first.csv", SHA256: "s1", Size: 1000, Encoding: "utf-8-bom", Rows: 3, Skipped: 2},
	}
	// Ordered by file and reason, as they read back.
	a.Skips = []Skip{{File: 1, Reason: "national", Rows: 1}, {File: 1, Reason: "no cases", Rows: 1},
		{File: 2, Reason: "national", Rows: 1}}
	commitRelease(t, db, a, rows, nats)
	b := testRelease("b")
	b.Synthetic = false
	b.IngestedAt = testTime.Add(time.Hour)
	b.IntervalLevel, b.FlagLevel = 0, 0 // the defaults
	commitRelease(t, db, b, []outcome.Row{testRow(1, 2, "2020", "A")}, nil)

	wantA := a
	wantA.Files = []ReleaseFile{a.Files[1], a.Files[0]}
	wantA.Periods = []string{"2017-2019", "2018", "2019"}
	wantB := b
	wantB.Periods = []string{"2020"}
	wantB.IntervalLevel, wantB.FlagLevel = 95, 95

	t.Run("Release", func(t *testing.T) {
		got, err := db.Release(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		checkRelease(t, "Release(a)", got, wantA)
	})
	t.Run("ReleaseByInput", func(t *testing.T) {
		got, err := db.ReleaseByInput(ctx, a.InputSHA256, a.MappingSHA256)
		if err != nil {
			t.Fatal(err)
		}
		checkRelease(t, "ReleaseByInput(a's hashes)", got, wantA)
		// The same bytes through another mapping are another release.
		if _, err := db.ReleaseByInput(ctx, a.InputSHA256, b.MappingSHA256); !errors.Is(err, ErrNotFound) {
			t.Errorf("ReleaseByInput(a's input, b's mapping) = %v, want ErrNotFound", err)
		}
	})
	t.Run("Releases", func(t *testing.T) {
		got, err := db.Releases(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("Releases() = %d releases, want 2", len(got))
		}
		checkRelease(t, "Releases()[0]", got[0], wantB) // newest first
		checkRelease(t, "Releases()[1]", got[1], wantA)
	})
	t.Run("Rows", func(t *testing.T) {
		got, err := db.Rows(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		want := []outcome.Row{rows[3], rows[1], rows[2], rows[0]} // by file, then line
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Rows(a) = %+v, want %+v", got, want)
		}
		if got, err := db.Rows(ctx, "missing"); err != nil || len(got) != 0 {
			t.Errorf("Rows(missing) = %v, %v; want none, nil", got, err)
		}
	})
	t.Run("NationalRates", func(t *testing.T) {
		got, err := db.NationalRates(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		want := []outcome.NationalRate{nats[1], nats[2], nats[0]} // by specialty, procedure, period
		if !reflect.DeepEqual(got, want) {
			t.Errorf("NationalRates(a) = %+v, want %+v", got, want)
		}
		if got, err := db.NationalRates(ctx, "b"); err != nil || len(got) != 0 {
			t.Errorf("NationalRates(b) = %v, %v; want none, nil", got, err)
		}
	})
}

// checkRelease compares releases, IngestedAt as an instant.
func checkRelease(t *testing.T, what string, got, want Release) {
	t.Helper()
	if !got.IngestedAt.Equal(want.IngestedAt) {
		t.Errorf("%s.IngestedAt = %v, want %v", what, got.IngestedAt, want.IngestedAt)
	}
	got.IngestedAt, want.IngestedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
}

func TestReleaseNotFound(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	commitRelease(t, db, testRelease("r1"), []outcome.Row{testRow(1, 2, "2019", "A")}, nil)
	tests := []struct {
		name string
		get  func() error
	}{
		{"Release", func() error { _, err := db.Release(ctx, "r2"); return err }},
		{"ReleaseByInput", func() error { _, err := db.ReleaseByInput(ctx, "0000", "1111"); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.get(); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s(missing) = %v, want ErrNotFound", tt.name, err)
			}
		})
	}
}

func TestCommitErrors(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	commitRelease(t, db, testRelease("r1"), []outcome.Row{testRow(1, 2, "2019", "A")}, nil)

	same := testRelease("r1")
	same.ID = "r2"
	other := testRelease("r3")
	tests := []struct {
		name   string
		begin  string
		commit Release
	}{
		{"id differs from BeginRelease", "r3", testRelease("r4")},
		// (input_sha256, mapping_sha256) is unique: the same input through the
		// same mapping is one release, whatever its id.
		{"same input and mapping as r1", "r2", same},
		{"file given twice", "r3", func() Release {
			r := other
			r.Files = append(r.Files, r.Files[0])
			return r
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := db.BeginRelease(ctx, tt.begin)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Rollback()
			if _, err := l.AddRows(ctx, []outcome.Row{testRow(1, 2, "2019", "Z")}); err != nil {
				t.Fatal(err)
			}
			if err := l.Commit(ctx, tt.commit); err == nil {
				t.Fatalf("Commit(%s) on a loader for %s = nil error, want an error", tt.commit.ID, tt.begin)
			}
			l.Rollback()
			if n := count(t, db, "release"); n != 1 {
				t.Errorf("releases after failed Commit = %d, want 1", n)
			}
			if n := count(t, db, "outcome_row"); n != 1 {
				t.Errorf("rows after failed Commit = %d, want 1", n)
			}
		})
	}
}

func TestReleasesNewestFirst(t *testing.T) {
	tests := []struct {
		name         string
		older, newer time.Time
	}{
		{"an hour apart", testTime, testTime.Add(time.Hour)},
		{"a second apart", testTime, testTime.Add(time.Second)},
		// Sub-second times: ingests run back to back (tests, scripts).
		{"whole second and half past", testTime, testTime.Add(500 * time.Millisecond)},
		{"120ms and 123ms", testTime.Add(120 * time.Millisecond), testTime.Add(123 * time.Millisecond)},
		{"1ns apart", testTime.Add(999_999_998), testTime.Add(999_999_999)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, _ := openTestDB(t)
			// The newer release is written first, so the order cannot come
			// from insertion order.
			newer := testRelease("newer")
			newer.IngestedAt = tt.newer
			commitRelease(t, db, newer, []outcome.Row{testRow(1, 2, "2019", "A")}, nil)
			older := testRelease("older")
			older.IngestedAt = tt.older
			commitRelease(t, db, older, []outcome.Row{testRow(1, 2, "2019", "A")}, nil)

			rs, err := db.Releases(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range rs {
				ids = append(ids, r.ID)
			}
			if !slices.Equal(ids, []string{"newer", "older"}) {
				t.Errorf("Releases() = %v (ingested %s, %s), want [newer older]", ids, tt.newer.Format(time.RFC3339Nano),
					tt.older.Format(time.RFC3339Nano))
			}
			for _, r := range rs {
				want := map[string]time.Time{"newer": tt.newer, "older": tt.older}[r.ID]
				if !r.IngestedAt.Equal(want) {
					t.Errorf("Releases() %s IngestedAt = %v, want %v", r.ID, r.IngestedAt, want)
				}
			}
		})
	}
}

func TestImmutableAfterCommit(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	r1 := testRelease("r1")
	r1.Skipped, r1.Files[0].Skipped = 1, 1
	r1.Skips = []Skip{{File: 1, Reason: "national", Rows: 1}}
	commitRelease(t, db, r1, numberedRows(1, 0, 3), []outcome.NationalRate{
		{File: 1, Line: 9, Specialty: "vascular", Procedure: "aaa", Period: "2019", Cases: 100, Events: 2}})
	before, err := db.Release(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	beforeRows, err := db.Rows(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		sql  string
	}{
		{"update release", `UPDATE release SET title = 'changed'`},
		{"delete release", `DELETE FROM release`},
		{"update release_file", `UPDATE release_file SET name = 'changed.csv'`},
		{"delete release_file", `DELETE FROM release_file`},
		{"update outcome_row", `UPDATE outcome_row SET events = 0`},
		{"delete outcome_row", `DELETE FROM outcome_row WHERE unit_id = 'U0001'`},
		{"update national_rate", `UPDATE national_rate SET events = 0`},
		{"delete national_rate", `DELETE FROM national_rate`},
		{"insert outcome_row", `INSERT INTO outcome_row SELECT release_id, file_ordinal, line + 1000, specialty,
			procedure, period, unit_type, unit_id || 'x', unit_name, hospital_id, hospital_name, outcome, cases, events,
			expected, expected_rate, published_rate, published_low, published_high, published_rating, not_assessable
			FROM outcome_row LIMIT 1`},
		{"insert national_rate", `INSERT INTO national_rate (release_id, specialty, procedure, period, cases, events,
			file_ordinal, line) VALUES ('r1', 'vascular', 'open', '2019', 10, 1, 1, 99)`},
		{"update release_period", `UPDATE release_period SET period = 'changed'`},
		{"delete release_period", `DELETE FROM release_period`},
		{"insert release_period", `INSERT INTO release_period (release_id, period) VALUES ('r1', '1999')`},
		{"insert release_file", `INSERT INTO release_file (release_id, ordinal, name, sha256, size, encoding,
			row_count, skipped_count) VALUES ('r1', 99, 'more.csv', 'ab', 1, 'utf-8', 0, 0)`},
		{"update release_skip", `UPDATE release_skip SET row_count = 99`},
		{"delete release_skip", `DELETE FROM release_skip`},
		{"insert release_skip", `INSERT INTO release_skip (release_id, file_ordinal, reason, row_count)
			VALUES ('r1', 1, 'no cases', 5)`},
	}
	// Each change is refused in the release's file, and a change to the
	// catalogue's own rows in the catalogue too.
	file := releaseSQL(t, db, "r1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			targets := map[string]*sql.DB{"release file": file}
			if !strings.Contains(tt.sql, "outcome_row") && !strings.Contains(tt.sql, "national_rate") {
				targets["catalogue"] = db.sql
			}
			for name, conn := range targets {
				_, err := conn.ExecContext(ctx, tt.sql)
				if code := sqliteCode(err); code != sqlite3.SQLITE_CONSTRAINT_TRIGGER {
					t.Errorf("%s: %s after commit = %v (code %d), want SQLITE_CONSTRAINT_TRIGGER (%d)", name, tt.sql, err, code,
						sqlite3.SQLITE_CONSTRAINT_TRIGGER)
				}
			}
		})
	}
	after, err := db.Release(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	checkRelease(t, "Release(r1) after refused changes", after, before)
	afterRows, err := db.Rows(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(afterRows, beforeRows) {
		t.Errorf("Rows(r1) after refused changes = %+v, want %+v", afterRows, beforeRows)
	}
	if n := count(t, db, "national_rate"); n != 1 {
		t.Errorf("national_rate rows after refused changes = %d, want 1", n)
	}
}

func TestCheckConstraints(t *testing.T) {
	const insertRow = `INSERT INTO outcome_row (release_id, file_ordinal, line, specialty, procedure, period,
		unit_type, unit_id, unit_name, hospital_id, hospital_name, outcome, cases, events, expected,
		expected_rate, published_rate, published_low, published_high, published_rating)
		VALUES ('r', 1, 2, 'vascular', 'aaa', '2019', ?, 'A', 'A', '', '', 'death', ?, ?, ?, NULL, NULL, NULL, NULL, '')`
	const insertNational = `INSERT INTO national_rate (release_id, specialty, procedure, period, cases, events,
		file_ordinal, line) VALUES ('r', 'vascular', 'aaa', '2019', ?, ?, 1, 2)`
	tests := []struct {
		name     string
		sql      string
		args     []any
		wantCode int
	}{
		{"row events > cases", insertRow, []any{"surgeon", 10, 11, 1.0}, sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"row negative events", insertRow, []any{"surgeon", 10, -1, 1.0}, sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"row zero cases", insertRow, []any{"surgeon", 0, 0, 1.0}, sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"row zero expected", insertRow, []any{"surgeon", 10, 1, 0.0}, sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"row unknown unit type", insertRow, []any{"clinic", 10, 1, 1.0}, sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"row text cases (STRICT)", insertRow, []any{"surgeon", "ten", 1, 1.0}, sqlite3.SQLITE_CONSTRAINT_DATATYPE},
		{"national events > cases", insertNational, []any{100, 101}, sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"national zero cases", insertNational, []any{0, 0}, sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"release synthetic 2", `INSERT INTO release (id, title, source, licence, profile, input_sha256,
			mapping_sha256, interval_method, comparison, target_source, row_count, skipped_count, synthetic, ingested_at)
			VALUES ('r', '', '', '', '', 'i', 'm', 'exact', 'funnel', 'counts', 0, 0, ?, '')`, []any{2},
			sqlite3.SQLITE_CONSTRAINT_CHECK},
	}
	ctx := context.Background()
	db, _ := openTestDB(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx, err := db.sql.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			_, err = tx.ExecContext(ctx, tt.sql, tt.args...)
			if code := sqliteCode(err); code != tt.wantCode {
				t.Errorf("insert %v = %v (code %d), want code %d", tt.args, err, code, tt.wantCode)
			}
		})
	}
	// The valid twin of the rows above is accepted, so the failures are the
	// constraints' doing.
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, insertRow, "surgeon", 10, 10, 1.0); err != nil {
		t.Errorf("insert a valid row (events = cases) = %v, want nil", err)
	}
	if _, err := tx.ExecContext(ctx, insertNational, 100, 0); err != nil {
		t.Errorf("insert a valid national rate = %v, want nil", err)
	}
}

// TestCrashLeftovers: what a crash can leave beside the catalogue — a
// release file half built under its temporary name, or a whole file
// renamed into place that no catalogue names (the crash came between the
// rename and the catalogue's commit) — is never read, and loading the
// release again replaces it. A Rollback leaves no file behind.
func TestCrashLeftovers(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	final := ReleaseFilePath(db.path, "r1")
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{final + ".partial", final + ".partial-journal", final} {
		if err := os.WriteFile(p, []byte("left by a crash"), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	if rs, err := db.Releases(ctx); err != nil || len(rs) != 0 {
		t.Fatalf("Releases() with a crash's files beside it = %+v, %v; want none", rs, err)
	}
	if rows, err := db.Rows(ctx, "r1"); err != nil || len(rows) != 0 {
		t.Errorf("Rows(r1), a release no catalogue names = %d rows, %v; want none, nil", len(rows), err)
	}

	l, err := db.BeginRelease(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(final + ".partial-journal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a crash's journal beside the temporary file is still there (%v)", err)
	}
	if err := l.Rollback(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(final + ".partial"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Rollback the temporary file is still there (%v)", err)
	}

	commitRelease(t, db, testRelease("r1"), numberedRows(1, 0, 3), nil)
	if rows, err := db.Rows(ctx, "r1"); err != nil || len(rows) != 3 {
		t.Errorf("Rows(r1) after loading it over a crash's file = %d, %v; want 3", len(rows), err)
	}
	sum, _, ok := ReadReleaseFile(final)
	if real, err := fileSHA256(final); !ok || err != nil || real != sum {
		t.Errorf("r1's file hash %q (%t), the file's %q (%v)", sum, ok, real, err)
	}
	if st, err := os.Stat(final); err != nil || st.Mode().Perm()&0o222 != 0 {
		t.Errorf("r1's file mode = %v, %v; want read-only", st.Mode(), err)
	}
}
