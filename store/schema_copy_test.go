package store

import (
	"context"
	"database/sql"
	"slices"
	"testing"
)

// TestReleaseFileSchema: a release file built by a Loader has exactly the
// schema the migrations give a database (copySchema), its objects and
// their SQL, and the same record of migrations.
func TestReleaseFileSchema(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	commitRelease(t, db, testRelease("r1"), numberedRows(1, 0, 3), nil)
	schema := func(conn *sql.DB) []string {
		t.Helper()
		rows, err := conn.QueryContext(ctx, `SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema
			UNION ALL SELECT 'migration ' || version || ' ' || name FROM schema_migration`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		slices.Sort(out)
		return out
	}
	want, got := schema(db.sql), schema(releaseSQL(t, db, "r1"))
	if !slices.Equal(got, want) {
		for _, s := range got {
			if !slices.Contains(want, s) {
				t.Errorf("release file has %q, the migrated database does not", s)
			}
		}
		for _, s := range want {
			if !slices.Contains(got, s) {
				t.Errorf("the migrated database has %q, the release file does not", s)
			}
		}
	}
}
