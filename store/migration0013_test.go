package store

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// releaseFileAt0012 makes path a release file as a program at migration
// 0012 wrote it: release r1 with one funnel of two surgeons in units
// encoding 1 and a group without a fit.
func releaseFileAt0012(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	old := openAtMigration(t, path, 12)
	defer old.Close()
	units, contexts := codecUnits()
	units, contexts = []outcome.Position{units[0], units[4]}, []UnitContext{contexts[0], contexts[4]}
	tx, err := old.sql.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO result_group (release_id, specialty, procedure, period, unit_type, scale, target,
			target_source, phi_units, units, assessed, expected_outside95, outside95, expected_outside998, outside998)
			VALUES ('r1', 'vascular', 'aaa', '2024', 'surgeon', 'ratio', 0.02, 'counts', 0, 2, 2, 0.1, 1, 0, 0)`, nil},
		{`INSERT INTO result_curve (release_id, specialty, procedure, period, unit_type, points)
			VALUES ('r1', 'vascular', 'aaa', '2024', 'surgeon', '[[1,0,2,0,3]]')`, nil},
		{`INSERT INTO result_funnel (release_id, specialty, procedure, period, unit_type, outcome, encoding, units)
			VALUES ('r1', 'vascular', 'aaa', '2024', 'surgeon', '30-day mortality', 1, ?)`,
			[]any{string(appendUnits(nil, units, contexts, unitsEncoding1))}},
		{`INSERT INTO release_file (release_id, ordinal, name, sha256, size, encoding, row_count, skipped_count)
			VALUES ('r1', 1, 'r1.csv', 'ab', 10, 'utf-8', 2, 0)`, nil},
		{`INSERT INTO release_period (release_id, period) VALUES ('r1', '2024')`, nil},
		{`INSERT INTO release (id, title, source, licence, profile, input_sha256, mapping_sha256, interval_method,
			comparison, target_source, row_count, skipped_count, synthetic, ingested_at)
			VALUES ('r1', 't', 's', 'l', 'm', 'a', 'b', 'exact', 'funnel', 'counts', 2, 0, 0, '2026-07-26T12:30:00.000000000Z')`, nil},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestMigration0013ReadsOlderReleases upgrades a catalogue at 0012 whose
// release's file was written at 0012 (units encoding 1, no fit), and
// checks that the file is read as it is, never rewritten (its hash is
// published): its funnel's figures as stored, its second figures NaN and
// its fit ”. It then migrates a copy of that file as a database, as
// `outcomes migrate --db` on a release file would: 0013 rebuilds
// result_funnel keeping its rows and triggers, the view gives the new
// columns NULL for encoding 1, and the fit columns refuse what the code
// never writes.
func TestMigration0013ReadsOlderReleases(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "outcomes.db")
	file := ReleaseFilePath(path, "r1")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	releaseFileAt0012(t, file)
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(SHA256Path(file), []byte("ab  r1.sqlite\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	catalogue := openAtMigration(t, path, 12)
	if _, err := catalogue.sql.ExecContext(ctx, `ATTACH DATABASE ? AS f`, file); err != nil {
		t.Fatal(err)
	}
	tx, err := catalogue.sql.BeginTx(ctx, nil) // the release row last, as Commit writes it
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"release_file", "release_period", "release"} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO main.`+table+` SELECT * FROM f.`+table); err != nil {
			t.Fatalf("catalogue's %s: %v", table, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := catalogue.sql.ExecContext(ctx, `DETACH DATABASE f`); err != nil {
		t.Fatal(err)
	}
	catalogue.Close()

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open(catalogue at 0012) = %v", err)
	}
	defer db.Close()
	if m := db.Migrated(); len(m) != 1 || m[0] != "0013_second_figures.sql" {
		t.Errorf("Open applied %v, want 0013 alone", m)
	}
	results, err := db.Results(ctx, "r1")
	if err != nil || len(results) != 1 || len(results[0].Units) != 2 {
		t.Fatalf("results of a release file at 0012 = %+v, %v; want one funnel of two", results, err)
	}
	g := results[0]
	if g.ShrinkFit != "" || !math.IsNaN(g.Alpha) || !math.IsNaN(g.Rankability) || g.Outside95 != 1 {
		t.Errorf("group from 0012 = fit %q, α %v, rankability %v, outside %d; want '', NaN, NaN, 1", g.ShrinkFit,
			g.Alpha, g.Rankability, g.Outside95)
	}
	want, _ := codecUnits()
	for i, u := range g.Units {
		w := want[[]int{0, 4}[i]]
		if u.UnitID != w.UnitID || u.Ratio != w.Ratio || u.PHigh != w.PHigh || u.Band != w.Band {
			t.Errorf("unit %d from 0012 = %+v, want %+v", i, u, w)
		}
		for j, p := range secondFigures(&u) {
			if !math.IsNaN(*p) {
				t.Errorf("unit %s second figure %d from encoding 1 = %v, want NaN", u.UnitID, j, *p)
			}
		}
	}
	if after, err := os.ReadFile(file); err != nil || string(after) != string(before) {
		t.Errorf("the release file was changed by the catalogue's migration (%v)", err)
	}

	// The file itself migrated, as a database.
	copyPath := filepath.Join(dir, "copy.sqlite")
	if err := os.WriteFile(copyPath, before, 0o644); err != nil {
		t.Fatal(err)
	}
	cp, err := Open(ctx, copyPath, Options{})
	if err != nil {
		t.Fatalf("Open(release file at 0012 as a database) = %v", err)
	}
	defer cp.Close()
	var n, nulls int
	if err := cp.sql.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE shrunk_ratio IS NULL AND
		q_value IS NULL AND detectable_ratio_80 IS NULL AND power_2x IS NULL) FROM result_unit WHERE ratio IS NOT NULL`).Scan(&n, &nulls); err != nil ||
		n != 2 || nulls != 2 {
		t.Errorf("result_unit after 0013 = %d units, %d without second figures, %v; want 2, 2", n, nulls, err)
	}
	var encoding int
	if err := cp.sql.QueryRowContext(ctx, `SELECT encoding FROM result_funnel`).Scan(&encoding); err != nil || encoding != 1 {
		t.Errorf("result_funnel's encoding after 0013 = %d, %v; want 1 kept", encoding, err)
	}
	for _, q := range []string{
		`DELETE FROM result_funnel`,
		`UPDATE result_funnel SET encoding = 2`,
		`INSERT INTO result_funnel (release_id, specialty, procedure, period, unit_type, outcome, encoding, units)
			VALUES ('r1', 'vascular', 'aaa', '2023', 'surgeon', '', 2, '[]')`,
	} {
		if _, err := cp.sql.ExecContext(ctx, q); sqliteCode(err) != sqlite3.SQLITE_CONSTRAINT_TRIGGER {
			t.Errorf("%s after 0013 = %v, want the immutability trigger", q, err)
		}
	}
	const group = `INSERT INTO result_group (release_id, specialty, procedure, period, unit_type, scale, target,
		target_source, phi_units, units, assessed, expected_outside95, outside95, expected_outside998, outside998,
		shrink_fit, alpha, rankability) VALUES ('r2', 'vascular', 'aaa', '2024', 'surgeon', 'ratio', 0.02, 'counts',
		0, 0, 0, 0, 0, 0, 0, ?, ?, ?)`
	for _, args := range [][]any{{"no_fit", nil, nil}, {"no_variation", 3.0, 0.5}, {"interior", 0.0, 0.5},
		{"interior", 3.0, 1.5}} {
		if _, err := cp.sql.ExecContext(ctx, group, args...); sqliteCode(err) != sqlite3.SQLITE_CONSTRAINT_CHECK {
			t.Errorf("result_group fit %v = %v, want the CHECK", args, err)
		}
	}
	for _, q := range []string{
		`INSERT INTO result_funnel (release_id, specialty, procedure, period, unit_type, outcome, encoding, units)
			VALUES ('r2', 'vascular', 'aaa', '2023', 'surgeon', '', 3, '[]')`,
	} {
		if _, err := cp.sql.ExecContext(ctx, q); sqliteCode(err) != sqlite3.SQLITE_CONSTRAINT_CHECK {
			t.Errorf("%s = %v, want the CHECK", q, err)
		}
	}
	for _, args := range [][]any{{"interior", 3.0, 0.5}, {"no_variation", nil, 0.0}} {
		if _, err := cp.sql.ExecContext(ctx, `SAVEPOINT s`); err != nil {
			t.Fatal(err)
		}
		if _, err := cp.sql.ExecContext(ctx, group, args...); err != nil {
			t.Errorf("result_group fit %v = %v, want it stored", args, err)
		}
		if _, err := cp.sql.ExecContext(ctx, `ROLLBACK TO s`); err != nil {
			t.Fatal(err)
		}
		if _, err := cp.sql.ExecContext(ctx, `RELEASE s`); err != nil {
			t.Fatal(err)
		}
	}
}
