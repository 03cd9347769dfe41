package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// TestCommitRefusesSkipsThatDisagree checks that a release's skipped rows
// by reason must account for each file's skipped count exactly: reasons
// that do not add up would be shown beside a count they contradict.
func TestCommitRefusesSkipsThatDisagree(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		skipped int // file 1's Skipped
		skips   []Skip
		want    string
	}{
		{"reasons missing", 2, nil, "skipped 2 rows, but its reasons count 0"},
		{"reasons short", 3, []Skip{{1, "national", 2}}, "skipped 3 rows, but its reasons count 2"},
		{"reasons over", 1, []Skip{{1, "national", 1}, {1, "no cases", 1}}, "skipped 1 rows, but its reasons count 2"},
		{"no such file", 1, []Skip{{1, "national", 1}, {2, "national", 4}}, "skipped rows for file 2"},
		{"empty reason", 1, []Skip{{1, "", 1}}, `reason ""`},
		{"zero rows", 0, []Skip{{1, "national", 0}}, "skipped 0 rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := openTestDB(t)
			rel := testRelease("r1")
			rel.Skipped, rel.Files[0].Skipped, rel.Skips = tt.skipped, tt.skipped, tt.skips
			l, err := db.BeginRelease(ctx, rel.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Rollback()
			if _, err := l.AddRows(ctx, []outcome.Row{testRow(1, 2, "2019", "A")}); err != nil {
				t.Fatal(err)
			}
			err = l.Commit(ctx, rel)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Commit with skipped %d, skips %+v = %v, want an error containing %q", tt.skipped, tt.skips, err, tt.want)
			}
			l.Rollback()
			if _, err := db.Release(ctx, "r1"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Release(r1) after a refused commit = %v, want ErrNotFound", err)
			}
		})
	}
}

// TestMigrateKeepsOldReleases opens a database made by a program that knew
// only migrations 0001-0004 (release_skip did not exist), with a release
// that skipped rows. Opening it as a writer adds release_skip; the old
// release keeps its count with no reasons (they were never stored), and a
// release loaded afterwards stores and reads back its reasons.
func TestMigrateKeepsOldReleases(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	ms := embeddedMigrations(t)
	if ms[4].name != "0005_release_skip.sql" {
		t.Fatalf("migration 5 = %s, want 0005_release_skip.sql", ms[4].name)
	}
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{`CREATE TABLE schema_migration (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
		applied_at TEXT NOT NULL) STRICT`}
	for _, m := range ms[:4] {
		stmts = append(stmts, m.sql, `INSERT INTO schema_migration VALUES (`+strconv.Itoa(m.version)+`, '`+m.name+`', '2026-11-01T00:00:00Z')`)
	}
	// The old release, as the old Commit wrote it: 7 rows skipped, no reasons.
	stmts = append(stmts, `INSERT INTO release_file (release_id, ordinal, name, sha256, size, encoding, row_count,
		skipped_count) VALUES ('old', 1, 'old.csv', 'f', 10, 'utf-8', 1, 7)`,
		`INSERT INTO release (id, title, source, licence, profile, input_sha256, mapping_sha256, interval_method,
		comparison, target_source, row_count, skipped_count, synthetic, ingested_at) VALUES ('old', 'Old', '', '',
		'canonical', 'in-old', 'm-old', 'exact', 'funnel', 'counts', 1, 7, 0, '2026-11-01T00:00:00.000000000Z')`)
	for _, s := range stmts {
		if _, err := raw.ExecContext(ctx, s); err != nil {
			raw.Close()
			t.Fatalf("making the old database: %v\n%s", err, s)
		}
	}
	raw.Close()

	// A reader refuses the old schema; a writer migrates it.
	if r, err := Open(ctx, path, Options{ReadOnly: true}); err == nil {
		r.Close()
		t.Fatal("read-only Open of the old database = nil error, want 'needs migrating'")
	}
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open(old database) = %v", err)
	}
	defer db.Close()
	if got := db.Migrated(); len(got) != len(ms)-4 || got[0] != "0005_release_skip.sql" {
		t.Errorf("Migrated() = %q, want 0005_release_skip.sql and any later", got)
	}
	old, err := db.Release(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if old.Skipped != 7 || old.Skips != nil || len(old.SkippedBy()) != 0 {
		t.Errorf("old release: skipped %d, skips %+v; want 7 and none (never stored)", old.Skipped, old.Skips)
	}
	// Computed at 95%, before a release could say otherwise (0007).
	if old.IntervalLevel != 95 || old.FlagLevel != 95 {
		t.Errorf("old release: levels %g and %g, want 95 and 95", old.IntervalLevel, old.FlagLevel)
	}

	rel := testRelease("new")
	rel.IngestedAt = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	rel.Files = append(rel.Files, ReleaseFile{Ordinal: 2, Name: "two.csv", SHA256: "f2", Size: 5, Encoding: "utf-8"})
	rel.Skipped, rel.Files[0].Skipped, rel.Files[1].Skipped = 6, 5, 1
	rel.Skips = []Skip{{1, "national", 3}, {1, "no cases", 2}, {2, "national", 1}}
	commitRelease(t, db, rel, []outcome.Row{testRow(1, 2, "2019", "A")}, nil)
	rs, err := db.Releases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].ID != "new" || rs[1].ID != "old" {
		t.Fatalf("Releases() = %d releases, want new then old", len(rs))
	}
	want := rel
	want.Periods = []string{"2019"}
	checkRelease(t, "Releases()[0]", rs[0], want)
	if got := rs[0].SkippedBy(); len(got) != 2 || got["national"] != 4 || got["no cases"] != 2 {
		t.Errorf("SkippedBy() = %v, want 4 national and 2 no cases (summed over both files)", got)
	}
}
