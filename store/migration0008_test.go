package store

import (
	"context"
	"path/filepath"
	"testing"

	sqlite3 "modernc.org/sqlite/lib"
)

// TestMigration0008KeepsReleases upgrades a database whose release was
// committed at migration 0007, and checks that 0008's rebuilds of
// outcome_row and result_unit keep its rows, leave them immutable, and
// take a row of the publisher's figures only (no deaths, perhaps no
// volume) while refusing NULL deaths on any other row.
func TestMigration0008KeepsReleases(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "outcomes.db")
	old := openAtMigration(t, path, 7)
	tx, err := old.sql.BeginTx(ctx, nil) // the release row last, as Commit writes it
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO outcome_row (release_id, file_ordinal, line, specialty, procedure, period, unit_type, unit_id,
			unit_name, hospital_id, hospital_name, outcome, cases, events, expected, published_rate, published_rating,
			not_assessable) VALUES ('r1', 1, 2, 'adult-cardiac', 'all', '2023', 'hospital', 'H1', 'One', '', '',
			'in-hospital mortality', 100, 3, 2.5, 2.9, 'As expected', 0)`,
		`INSERT INTO result_unit (release_id, specialty, procedure, period, unit_type, unit_id, unit_name, aggregated,
			cases, events, expected, band, verdict) VALUES ('r1', 'adult-cardiac', 'all', '2023', 'hospital', 'H1', 'One',
			0, 100, 3, 2.5, 'within', 'not_different')`,
		`INSERT INTO release (id, title, source, licence, profile, input_sha256, mapping_sha256, interval_method,
			comparison, target_source, row_count, skipped_count, synthetic, ingested_at)
			VALUES ('r1', 't', 's', 'l', 'm', 'a', 'b', 'exact', 'funnel', 'counts', 1, 0, 0, '2025-07-26T12:30:00.000000000Z')`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	old.Close()

	db := openAtMigration(t, path, 8)
	defer db.Close()
	rows, err := db.Rows(ctx, "r1")
	if err != nil || len(rows) != 1 || rows[0].Cases != 100 || rows[0].Events != 3 || rows[0].Expected.V != 2.5 ||
		rows[0].PublishedRate.V != 2.9 || rows[0].PublishedOnly || rows[0].Line != 2 {
		t.Fatalf("rows after 0008 = %+v, %v; want H1's 3 of 100, 2.5 expected, from line 2", rows, err)
	}
	var cases, events int
	var band string
	if err := db.sql.QueryRowContext(ctx, `SELECT cases, events, band FROM result_unit WHERE release_id = 'r1'`).
		Scan(&cases, &events, &band); err != nil || cases != 100 || events != 3 || band != "within" {
		t.Errorf("result_unit after 0008 = %d, %d, %s, %v; want 100, 3, within", cases, events, band, err)
	}
	for _, q := range []string{
		`UPDATE outcome_row SET events = NULL`,
		`DELETE FROM outcome_row`,
		`UPDATE result_unit SET events = NULL, band = 'not_assessable'`,
		`DELETE FROM result_unit`,
	} {
		if _, err := db.sql.ExecContext(ctx, q); sqliteCode(err) != sqlite3.SQLITE_CONSTRAINT_TRIGGER {
			t.Errorf("%s after 0008 = %v, want the immutability trigger", q, err)
		}
	}

	load, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer load.Rollback()
	const row = `INSERT INTO outcome_row (release_id, file_ordinal, line, specialty, procedure, period, unit_type,
		unit_id, unit_name, hospital_id, hospital_name, outcome, cases, events, expected, published_rate,
		published_rating, not_assessable) VALUES ('r2', 1, ?, 'adult-cardiac', 'all', '2024', 'hospital', ?, 'Unit',
		'', '', '30-day mortality', ?, ?, ?, ?, ?, ?)`
	const unit = `INSERT INTO result_unit (release_id, specialty, procedure, period, unit_type, unit_id, unit_name,
		aggregated, cases, events, band, verdict) VALUES ('r2', 'adult-cardiac', 'all', '2024', 'hospital', ?, 'Unit',
		0, ?, ?, ?, 'not_assessed')`
	for _, c := range []struct {
		what  string
		query string
		args  []any
		code  int // 0: taken
	}{
		{"published figures with a volume", row, []any{2, "P1", 412, nil, nil, 3.1, "As expected", 1}, 0},
		{"published figures without a volume", row, []any{3, "P2", nil, nil, nil, nil, "Too few", 1}, 0},
		{"no deaths, but assessable", row, []any{4, "P3", 50, nil, nil, 3.1, "", 0}, sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"no deaths, with expected", row, []any{5, "P4", 50, nil, 1.2, 3.1, "", 1}, sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"no deaths, nothing published", row, []any{6, "P5", 50, nil, nil, nil, "", 1}, sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"deaths without a volume", row, []any{7, "P6", nil, 2, nil, 3.1, "", 1}, sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"a unit without deaths, not assessable", unit, []any{"P1", 412, nil, "not_assessable"}, 0},
		{"a unit without deaths, in a band", unit, []any{"P2", nil, nil, "within"}, sqlite3.SQLITE_CONSTRAINT_CHECK},
	} {
		_, err := load.ExecContext(ctx, c.query, c.args...)
		if code := sqliteCode(err); code != c.code {
			t.Errorf("%s: %v, want code %d", c.what, err, c.code)
		}
	}
}
