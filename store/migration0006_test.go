package store

import (
	"context"
	"path/filepath"
	"testing"

	sqlite3 "modernc.org/sqlite/lib"
)

// TestMigration0006KeepsReleases upgrades a database whose release was
// committed at migration 0005, and checks that 0006's table rebuilds keep
// its national counts and results, leave them immutable, and take a
// printed rate without counts and a unit not assessable.
func TestMigration0006KeepsReleases(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "outcomes.db")
	old := openAtMigration(t, path, 5)
	tx, err := old.sql.BeginTx(ctx, nil) // the release row last, as Commit writes it
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO national_rate (release_id, specialty, procedure, period, cases, events, file_ordinal, line)
			VALUES ('r1', 'adult-cardiac', 'all', '2023', 14995, 341, 1, 2)`,
		`INSERT INTO result_unit (release_id, specialty, procedure, period, unit_type, unit_id, unit_name, aggregated,
			cases, events, expected, band, verdict) VALUES ('r1', 'adult-cardiac', 'all', '2023', 'hospital', 'H1', 'One',
			0, 100, 3, 2.5, 'within', 'not_different')`,
		`INSERT INTO release (id, title, source, licence, profile, input_sha256, mapping_sha256, interval_method,
			comparison, target_source, row_count, skipped_count, synthetic, ingested_at)
			VALUES ('r1', 't', 's', 'l', 'm', 'a', 'b', 'exact', 'funnel', 'national', 1, 1, 0, '2025-07-26T12:30:00.000000000Z')`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	old.Close()

	db := openAtMigration(t, path, 6)
	defer db.Close()
	rates, err := db.NationalRates(ctx, "r1")
	if err != nil || len(rates) != 1 || rates[0].Cases != 14995 || rates[0].Events != 341 || rates[0].Rate.Valid || rates[0].Line != 2 {
		t.Errorf("national rates after 0006 = %+v, %v; want 341 of 14,995 from line 2, no rate", rates, err)
	}
	var band, verdict string
	var expected float64
	if err := db.sql.QueryRowContext(ctx, `SELECT band, verdict, expected FROM result_unit WHERE release_id = 'r1'`).
		Scan(&band, &verdict, &expected); err != nil || band != "within" || verdict != "not_different" || expected != 2.5 {
		t.Errorf("result_unit after 0006 = %s, %s, %v, %v; want within, not_different, 2.5", band, verdict, expected, err)
	}
	for _, q := range []string{
		`UPDATE national_rate SET events = 0`,
		`DELETE FROM national_rate`,
		`INSERT INTO national_rate (release_id, specialty, procedure, period, rate, file_ordinal, line)
			VALUES ('r1', 'adult-cardiac', 'all', '2024', 0.0227, 1, 3)`,
		`UPDATE result_unit SET band = 'too_few'`,
		`DELETE FROM result_unit`,
		`INSERT INTO result_unit (release_id, specialty, procedure, period, unit_type, unit_id, unit_name, aggregated,
			cases, events, band, verdict) VALUES ('r1', 'adult-cardiac', 'all', '2023', 'hospital', 'H2', 'Two', 0, 50,
			0, 'not_assessable', 'not_assessed')`,
	} {
		if _, err := db.sql.ExecContext(ctx, q); sqliteCode(err) != sqlite3.SQLITE_CONSTRAINT_TRIGGER {
			t.Errorf("%s after 0006 = %v, want the immutability trigger", q, err)
		}
	}
	// A release being loaded may give a printed rate without counts, and
	// a unit not assessable.
	load, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer load.Rollback()
	for _, q := range []string{
		`INSERT INTO national_rate (release_id, specialty, procedure, period, rate, file_ordinal, line)
			VALUES ('r2', 'adult-cardiac', 'all', '2024', 0.0227, 1, 3)`,
		`INSERT INTO result_unit (release_id, specialty, procedure, period, unit_type, unit_id, unit_name, aggregated,
			cases, events, band, verdict) VALUES ('r2', 'adult-cardiac', 'all', '2024', 'hospital', 'H2', 'Two', 0, 50,
			0, 'not_assessable', 'not_assessed')`,
	} {
		if _, err := load.ExecContext(ctx, q); err != nil {
			t.Errorf("%s = %v", q, err)
		}
	}
	// Neither counts nor a rate is not a national figure.
	_, err = load.ExecContext(ctx, `INSERT INTO national_rate (release_id, specialty, procedure, period, file_ordinal, line)
		VALUES ('r2', 'adult-cardiac', 'all', '2025', 1, 4)`)
	if sqliteCode(err) != sqlite3.SQLITE_CONSTRAINT_CHECK {
		t.Errorf("national_rate with neither counts nor rate = %v, want a CHECK failure", err)
	}
}
