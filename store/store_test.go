package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// openTestDB opens (creating and migrating) a writer on a new database file
// in t.TempDir() and returns it with its path. It is closed at cleanup.
func openTestDB(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "outcomes.db")
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatalf("Open(%s) = %v, want nil error", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

// releaseSQL is a writable handle on release id's own file, for tests
// that look into it or try to change it behind the store's back (the file
// is read-only on disk; a test running as root writes it anyway, so the
// mode is lifted here for any user).
func releaseSQL(t testing.TB, db *DB, id string) *sql.DB {
	t.Helper()
	path := ReleaseFilePath(db.path, id)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	conn, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	conn.SetMaxOpenConns(1)
	t.Cleanup(func() { conn.Close() })
	return conn
}

// releaseFiles lists the release files beside db.
func releaseFiles(t testing.TB, db *DB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(db.path+".releases", "*.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// sqliteCode returns the extended SQLite result code of err, or 0 when err
// does not come from SQLite.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

func countMigrations(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.sql.QueryRowContext(context.Background(), `SELECT count(*) FROM schema_migration`).Scan(&n); err != nil {
		t.Fatalf("count schema_migration: %v", err)
	}
	return n
}

func embeddedMigrations(t *testing.T) []migration {
	t.Helper()
	ms, err := migrations()
	if err != nil {
		t.Fatalf("migrations() = %v", err)
	}
	if len(ms) == 0 {
		t.Fatal("migrations() found no embedded migrations")
	}
	return ms
}

func TestOpenCreatesAndMigrates(t *testing.T) {
	ctx := context.Background()
	db, path := openTestDB(t)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("Open(%s) did not create the file: %v", path, err)
	}
	ms := embeddedMigrations(t)
	if got := countMigrations(t, db); got != len(ms) {
		t.Errorf("schema_migration rows after Open = %d, want %d", got, len(ms))
	}
	for _, table := range []string{"release", "release_file", "release_period", "outcome_row", "national_rate",
		"result_group", "result_funnel", "result_curve", "release_skip", "release_input"} {
		var n int
		err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&n)
		if err != nil || n != 1 {
			t.Errorf("table %s after Open: count %d, err %v; want 1, nil", table, n, err)
		}
	}
	var view int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'view' AND name = 'result_unit'`).Scan(&view); err != nil || view != 1 {
		t.Errorf("view result_unit after Open: count %d, err %v; want 1, nil", view, err)
	}
	var triggers int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'`).Scan(&triggers); err != nil {
		t.Fatal(err)
	}
	// UPDATE and DELETE on each of the eleven tables, INSERT on the ten others than release, and
	// search_unit_index, which feeds the full-text index.
	if triggers != 33 {
		t.Errorf("triggers = %d, want 33", triggers)
	}
}

func TestOpenTwiceIsIdempotent(t *testing.T) {
	ctx := context.Background()
	db, path := openTestDB(t)
	var before []string
	rows, err := db.sql.QueryContext(ctx, `SELECT version || ' ' || name || ' ' || applied_at FROM schema_migration ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		before = append(before, s)
	}
	if err := closeRows(rows); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	for i := range 2 {
		db2, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatalf("Open(%s) again (%d) = %v, want nil error", path, i+1, err)
		}
		after, err := db2.strings(ctx, `SELECT version || ' ' || name || ' ' || applied_at FROM schema_migration ORDER BY version`)
		db2.Close()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(after, "\n") != strings.Join(before, "\n") {
			t.Errorf("schema_migration after reopening = %q, want %q (unchanged)", after, before)
		}
	}
	if len(before) != len(embeddedMigrations(t)) {
		t.Errorf("schema_migration rows = %d, want %d", len(before), len(embeddedMigrations(t)))
	}
}

func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	w, path := openTestDB(t)
	commitRelease(t, w, testRelease("r1"), []outcome.Row{testRow(1, 2, "2019", "A")}, nil)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("Open(%s, ReadOnly) = %v, want nil error", path, err)
	}
	defer db.Close()
	rs, err := db.Releases(ctx)
	if err != nil || len(rs) != 1 || rs[0].ID != "r1" {
		t.Errorf("read-only Releases() = %d releases, %v; want [r1], nil", len(rs), err)
	}
	if l, err := db.BeginRelease(ctx, "r2"); err == nil {
		l.Rollback()
		t.Errorf("read-only BeginRelease(r2) = nil error, want an error")
	}
	// query_only(1) stops raw writes too, not just BeginRelease.
	_, err = db.sql.ExecContext(ctx, `CREATE TABLE x (y INTEGER)`)
	if code := sqliteCode(err); code != sqlite3.SQLITE_READONLY {
		t.Errorf("read-only CREATE TABLE = %v (code %d), want SQLITE_READONLY (%d)", err, code, sqlite3.SQLITE_READONLY)
	}
}

func TestOpenReadOnlyUnmigrated(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		path   string
		exists bool
	}{
		{"empty file", empty, true},
		{"new file", filepath.Join(dir, "new.db"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(ctx, tt.path, Options{ReadOnly: true})
			if err == nil {
				db.Close()
				t.Fatalf("Open(%s, ReadOnly) = nil error, want an error", tt.name)
			}
			// The message must say what is wrong and what to do.
			if msg := err.Error(); !strings.Contains(msg, tt.path) || !strings.Contains(msg, "outcomes ingest") {
				t.Errorf("Open(%s, ReadOnly) = %q, want it to name the file and say to run outcomes ingest", tt.name, msg)
			}
			// A reader must not leave a database behind where there was none.
			if _, err := os.Stat(tt.path); (err == nil) != tt.exists {
				t.Errorf("after Open(%s, ReadOnly): stat = %v, want the file to exist: %v", tt.name, err, tt.exists)
			}
		})
	}
}

func TestPragmas(t *testing.T) {
	ctx := context.Background()
	db, path := openTestDB(t)
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
		{"synchronous", "1"}, // NORMAL
		{"query_only", "0"},
	}
	for _, tt := range tests {
		t.Run("writer/"+tt.pragma, func(t *testing.T) {
			var got string
			if err := db.sql.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
			}
		})
	}

	ro, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	roTests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
		{"query_only", "1"},
	}
	for _, tt := range roTests {
		t.Run("reader/"+tt.pragma, func(t *testing.T) {
			var got string
			if err := ro.sql.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("read-only PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
			}
		})
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// The reference is deferred (a Loader writes rows before the release),
	// so it is checked at commit.
	if _, err := tx.ExecContext(ctx, `INSERT INTO national_rate (release_id, specialty, procedure, period, cases,
		events, file_ordinal, line) VALUES ('no-such-release', 'vascular', 'aaa', '2019', 10, 1, 1, 2)`); err != nil {
		t.Fatalf("insert national_rate = %v, want nil error before commit", err)
	}
	err = tx.Commit()
	if code := sqliteCode(err); code != sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		t.Errorf("commit of a row of a missing release = %v (code %d), want SQLITE_CONSTRAINT_FOREIGNKEY", err, code)
	}
}
