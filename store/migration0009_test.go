package store

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	sqlite3 "modernc.org/sqlite/lib"
)

// releaseAt0008 makes path a database at migration 0008 holding release
// r1, committed as 0008's Commit wrote it: a surgeon at two hospitals and
// a hospital with the publisher's own figures. It returns result_unit's
// columns at 0008.
func releaseAt0008(t *testing.T, path string) (tableColumns []string) {
	t.Helper()
	ctx := context.Background()
	old := openAtMigration(t, path, 8)
	tableColumns = columns(t, old, "result_unit")
	tx, err := old.sql.BeginTx(ctx, nil) // the release row last, as Commit writes it
	if err != nil {
		t.Fatal(err)
	}
	const row = `INSERT INTO outcome_row (release_id, file_ordinal, line, specialty, procedure, period, unit_type,
		unit_id, unit_name, hospital_id, hospital_name, outcome, cases, events, expected, published_rate,
		published_rating, not_assessable) VALUES ('r1', 1, ?, 'vascular', 'aaa', '2024', ?, ?, ?, ?, ?,
		'30-day mortality', ?, ?, ?, ?, ?, 0)`
	const unit = `INSERT INTO result_unit (release_id, specialty, procedure, period, unit_type, unit_id, unit_name,
		aggregated, cases, events, expected, x, band, verdict) VALUES ('r1', 'vascular', 'aaa', '2024', ?, ?, ?, 0, ?, ?,
		?, ?, 'within', 'not_different')`
	const group = `INSERT INTO result_group (release_id, specialty, procedure, period, unit_type, scale, target,
		target_source, phi_units, units, assessed, expected_outside95, outside95, expected_outside998, outside998)
		VALUES ('r1', 'vascular', 'aaa', '2024', ?, 'ratio', 0.02, 'counts', 0, ?, 0, 0, 0, 0, 0)`
	const curve = `INSERT INTO result_curve (release_id, specialty, procedure, period, unit_type, points)
		VALUES ('r1', 'vascular', 'aaa', '2024', ?, '[[1,0,2,0,3]]')`
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{row, []any{2, "surgeon", "S1", "Dr One", "H1", "Hospital One", 60, 1, 1.5, nil, ""}},
		{row, []any{3, "surgeon", "S1", "Dr One", "H2", "Hospital Two", 40, 1, 0.5, nil, ""}},
		{row, []any{4, "hospital", "H1", "Hospital One", "", "", 300, 6, 5.5, 2.9, "As expected"}},
		{unit, []any{"surgeon", "S1", "Dr One", 100, 2, 2.0, 100.0}},
		{unit, []any{"hospital", "H1", "Hospital One", 300, 6, 5.5, 275.0}},
		{group, []any{"surgeon", 1}},
		{group, []any{"hospital", 1}},
		{curve, []any{"surgeon"}},
		{curve, []any{"hospital"}},
		{`INSERT INTO release_file (release_id, ordinal, name, sha256, size, encoding, row_count, skipped_count)
			VALUES ('r1', 1, 'r1.csv', 'ab', 10, 'utf-8', 3, 0)`, nil},
		{`INSERT INTO release_period (release_id, period) VALUES ('r1', '2024')`, nil},
		{`INSERT INTO release (id, title, source, licence, profile, input_sha256, mapping_sha256, interval_method,
			comparison, target_source, row_count, skipped_count, synthetic, ingested_at)
			VALUES ('r1', 't', 's', 'l', 'm', 'a', 'b', 'exact', 'funnel', 'counts', 3, 0, 0, '2025-07-26T12:30:00.000000000Z')`, nil},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	old.Close()

	return tableColumns
}

// TestMigration0009KeepsReleases upgrades a database whose release was
// committed at migration 0008, with a surgeon at two hospitals and a
// hospital with the publisher's own figures, and checks 0009 moves its
// results into result_funnel with each unit's hospitals and the
// publisher's figures from outcome_row, that result_unit is a view with
// the columns of the table it replaces, first and in order, and that
// result_funnel is immutable like the tables beside it.
func TestMigration0009KeepsReleases(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "outcomes.db")
	tableColumns := releaseAt0008(t, path)

	db := openAtMigration(t, path, 9)
	defer db.Close()
	if got := columns(t, db, "result_unit"); len(got) < len(tableColumns) || !slices.Equal(got[:len(tableColumns)], tableColumns) {
		t.Errorf("result_unit view columns %q, want the table's %q first", got, tableColumns)
	}
	var funnels []*StoredFunnel
	if err := db.EachFunnel(ctx, "r1", func(f *StoredFunnel) error { funnels = append(funnels, f); return nil }); err != nil {
		t.Fatalf("EachFunnel after 0009 = %v", err)
	}
	if len(funnels) != 2 || funnels[0].UnitType != "hospital" || funnels[1].UnitType != "surgeon" {
		t.Fatalf("funnels after 0009 = %+v, want the hospitals' and the surgeons'", funnels)
	}
	h, s := funnels[0], funnels[1]
	if len(h.Units) != 1 || h.Units[0].UnitID != "H1" || h.Units[0].Cases != 300 || h.Units[0].X != 275 ||
		h.Outcome != "30-day mortality" || !h.Contexts[0].Known || h.Contexts[0].Published.Rate.V != 2.9 ||
		h.Contexts[0].Published.Rating != "As expected" || len(h.Curve) != 1 {
		t.Errorf("hospital funnel after 0009 = %+v, want H1's 6 of 300 with its published 2.9, As expected", h)
	}
	if len(s.Units) != 1 || s.Units[0].UnitID != "S1" || s.Units[0].Events != 2 || !s.Contexts[0].Known ||
		len(s.Contexts[0].Hospitals) != 2 || s.Contexts[0].Hospitals[0].ID != "H1" || s.Contexts[0].Hospitals[0].Cases != 60 ||
		s.Contexts[0].Hospitals[1].Name != "Hospital Two" || s.Contexts[0].Published.Rating != "" {
		t.Errorf("surgeon funnel after 0009 = %+v, want S1 summed from H1 (60) and H2 (40), no publisher figures", s)
	}
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM result_unit WHERE release_id = 'r1'`).Scan(&n); err != nil || n != 2 {
		t.Errorf("result_unit rows after 0009 = %d, %v; want 2", n, err)
	}
	for _, q := range []string{
		`UPDATE result_funnel SET units = '[]'`,
		`DELETE FROM result_funnel`,
		`INSERT INTO result_funnel (release_id, specialty, procedure, period, unit_type, outcome, encoding, units)
			VALUES ('r1', 'vascular', 'aaa', '2023', 'surgeon', '', 1, '[]')`,
	} {
		if _, err := db.sql.ExecContext(ctx, q); sqliteCode(err) != sqlite3.SQLITE_CONSTRAINT_TRIGGER {
			t.Errorf("%s after 0009 = %v, want the immutability trigger", q, err)
		}
	}
	for _, q := range []string{
		`INSERT INTO result_funnel (release_id, specialty, procedure, period, unit_type, outcome, encoding, units)
			VALUES ('r2', 'vascular', 'aaa', '2023', 'surgeon', '', 2, '[]')`,
		`INSERT INTO result_funnel (release_id, specialty, procedure, period, unit_type, outcome, encoding, units)
			VALUES ('r2', 'vascular', 'aaa', '2023', 'surgeon', '', 1, '[["S1",')`,
	} {
		if _, err := db.sql.ExecContext(ctx, q); sqliteCode(err) != sqlite3.SQLITE_CONSTRAINT_CHECK {
			t.Errorf("%s = %v, want the CHECK", q, err)
		}
	}
}

// columns are the names of a table's or a view's columns, in order.
func columns(t *testing.T, db *DB, table string) []string {
	t.Helper()
	rows, err := db.sql.Query(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		out = append(out, name)
	}
	return out
}
