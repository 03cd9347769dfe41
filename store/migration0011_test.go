package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestMigration0011MovesReleasesToFiles upgrades a database holding a
// release in its own tables (migration 0010), with a release file of an
// older schema already beside it, and checks that 0011 gives the release
// a file of the current schema holding what the database held (its rows,
// results and search rows read the same), with its hash beside it, and
// leaves the database the catalogue alone; and that opening it again
// changes nothing.
func TestMigration0011MovesReleasesToFiles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "outcomes.db")
	releaseAt0008(t, path)
	old := openAtMigration(t, path, 10)
	rows, err := old.Rows(ctx, "r1")
	if err != nil || len(rows) != 3 {
		t.Fatalf("rows at 0010 = %d, %v; want 3", len(rows), err)
	}
	results, err := old.Results(ctx, "r1")
	if err != nil || len(results) != 2 {
		t.Fatalf("results at 0010 = %d, %v; want 2 funnels", len(results), err)
	}
	old.Close()
	// A file a program before 0011 wrote: of the older schema, so
	// rewritten.
	file := ReleaseFilePath(path, "r1")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	stale, err := os.ReadFile(path) // a database at 0010, as good as any older file
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, stale, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(SHA256Path(file), []byte("x  r1.sqlite\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open(database at 0010) = %v", err)
	}
	if got, want := countMigrations(t, db), len(embeddedMigrations(t)); got != want {
		t.Errorf("migrations after Open = %d, want %d", got, want)
	}
	if v, err := fileSchemaVersions(ctx, file); err != nil || v != len(embeddedMigrations(t)) {
		t.Errorf("release file's migrations = %d, %v; want %d", v, err, len(embeddedMigrations(t)))
	}
	if sum, _, ok := ReadReleaseFile(file); !ok || sum == "x" {
		t.Errorf("release file's hash = %q, %t; want its own", sum, ok)
	} else if real, err := fileSHA256(file); err != nil || real != sum {
		t.Errorf("release file's hash %s, the file's %s (%v)", sum, real, err)
	}
	for _, table := range []string{"outcome_row", "result_group", "result_curve", "result_funnel", "search_unit"} {
		var n int
		if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil || n != 0 {
			t.Errorf("catalogue's %s after 0011 = %d rows, %v; want none", table, n, err)
		}
	}
	var free int
	if err := db.sql.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil || free != 0 {
		t.Errorf("catalogue's free pages after 0011 = %d, %v; want none (vacuumed)", free, err)
	}
	if rs, err := db.Releases(ctx); err != nil || len(rs) != 1 || rs[0].ID != "r1" || rs[0].Rows != 3 ||
		len(rs[0].Periods) != 1 || len(rs[0].Files) != 1 {
		t.Errorf("catalogue's releases after 0011 = %+v, %v; want r1", rs, err)
	}
	gotRows, err := db.Rows(ctx, "r1")
	if err != nil || !reflect.DeepEqual(gotRows, rows) {
		t.Errorf("rows after 0011 = %+v, %v;\nwant %+v", gotRows, err, rows)
	}
	gotResults, err := db.Results(ctx, "r1")
	// %v, as NaN is unequal to itself.
	if err != nil || fmt.Sprintf("%v", gotResults) != fmt.Sprintf("%v", results) {
		t.Errorf("results after 0011 = %+v, %v;\nwant %+v", gotResults, err, results)
	}
	checkSearchIndex(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if len(again.Migrated()) != 0 {
		t.Errorf("second Open applied %v, want nothing", again.Migrated())
	}
	if after, err := os.Stat(file); err != nil || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("second Open touched the release file (%v)", err)
	}
}
