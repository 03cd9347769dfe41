package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"modernc.org/sqlite"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// TestWriterBusy holds a writer with a release half-loaded (its immediate
// transaction open) and checks that a second writer fails at once naming
// the first, while a reader opens and answers at once.
func TestWriterBusy(t *testing.T) {
	ctx := context.Background()
	w, path := openTestDB(t)
	commitRelease(t, w, testRelease("r1"), []outcome.Row{testRow(1, 2, "2019", "A")}, nil)
	l, err := w.BeginRelease(ctx, "r2")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Rollback()
	if _, err := l.AddRows(ctx, []outcome.Row{testRow(1, 2, "2019", "B")}); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	w2, err := Open(ctx, path, Options{})
	took := time.Since(start)
	if err == nil {
		w2.Close()
		t.Fatal("second writer's Open = nil error, want another ingest is running")
	}
	var busy *WriterBusyError
	if !errors.As(err, &busy) || !errors.Is(err, ErrWriterBusy) {
		t.Fatalf("second writer's Open = %v, want a *WriterBusyError", err)
	}
	if busy.PID != os.Getpid() || time.Since(busy.Since) > time.Minute || busy.Since.After(time.Now()) {
		t.Errorf("busy = pid %d since %v, want pid %d since a moment ago", busy.PID, busy.Since, os.Getpid())
	}
	msg := err.Error()
	if !strings.Contains(msg, "another ingest is running on "+path+" (pid ") || strings.Contains(msg, "migration") {
		t.Errorf("second writer's Open = %q, want another ingest is running on %s (pid …), not a migration failure", msg, path)
	}
	if took > time.Second {
		t.Errorf("second writer's Open took %v, want it refused at once", took)
	}

	start = time.Now()
	r, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("reader's Open during a write = %v, want nil", err)
	}
	defer r.Close()
	rs, err := r.Releases(ctx)
	if took := time.Since(start); took > time.Second {
		t.Errorf("reader's Open and Releases during a write took %v, want under a second", took)
	}
	if err != nil || len(rs) != 1 || rs[0].ID != "r1" {
		t.Errorf("reader's Releases during a write = %d releases, %v; want the committed r1 only", len(rs), err)
	}

	// Once the first writer is gone, the next one opens.
	l.Rollback()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w3, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("writer's Open after the first closed = %v, want nil", err)
	}
	w3.Close()
}

// TestWriterLockAfterCrash: a lock file left by a writer that died (its
// text still naming it, but no lock held) does not stop the next writer.
func TestWriterLockAfterCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outcomes.db")
	if err := os.WriteFile(lockPath(path), []byte("pid 999999 since 2026-01-01T00:00:00Z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatalf("Open with a dead writer's lock file = %v, want nil", err)
	}
	db.Close()
}

// TestReadOnlyNeedsMigrate opens a database left at an older schema: a
// reader refuses it, saying what to run, and changes nothing; a writer
// (outcomes migrate) brings it up to date and says what it applied.
func TestReadOnlyNeedsMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "outcomes.db")
	openAtMigration(t, path, 1).Close()
	ms := embeddedMigrations(t)

	_, err := Open(ctx, path, Options{ReadOnly: true})
	if err == nil || !strings.Contains(err.Error(), "run outcomes migrate --db "+path) {
		t.Fatalf("reader's Open of an old schema = %v, want it to say run outcomes migrate --db %s", err, path)
	}
	w, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range ms[1:] {
		want = append(want, m.name)
	}
	if got := w.Migrated(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Migrated() = %q, want %q", got, want)
	}
	w.Close()
	r, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("reader's Open after migrating = %v, want nil", err)
	}
	r.Close()
}

// openAtMigration opens a writer on the database at path (new, or one it
// opened before at an earlier version) with the embedded migrations up to
// version applied and no later ones, as an older version of the program
// left it; it takes no writer lock. A migration's test opens the database
// at the version before it, writes a release, and opens it again at its
// own version, so that later migrations do not change what it checks.
func openAtMigration(t *testing.T, path string, version int) *DB {
	t.Helper()
	ctx := context.Background()
	connector, err := sqlite.NewConnector(dsn(path, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	db := &DB{sql: sql.OpenDB(connector), path: path}
	db.sql.SetMaxOpenConns(1)
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER PRIMARY KEY,
		name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	for _, m := range embeddedMigrations(t) {
		if m.version > version {
			break
		}
		if _, err := db.applyMigration(ctx, m); err != nil {
			t.Fatalf("apply %s: %v", m.name, err)
		}
	}
	var applied int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM schema_migration`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != version {
		t.Fatalf("applied %d migrations up to %d, want %d", applied, version, version)
	}
	return db
}

// TestWriteDownload writes the download copy twice, over a partial file
// a crash left, and checks each copy holds exactly the committed releases
// and nothing but the copy is left beside the database.
func TestWriteDownload(t *testing.T) {
	ctx := context.Background()
	w, path := openTestDB(t)
	commitRelease(t, w, testRelease("r1"), []outcome.Row{testRow(1, 2, "2019", "A")}, nil)
	partial := DownloadPath(path) + ".partial"
	for _, p := range []string{partial, partial + "-journal"} {
		if err := os.WriteFile(p, []byte("half a file from a crash"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	releasesIn := func(p string) []string {
		t.Helper()
		db, err := Open(ctx, p, Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("open download copy: %v", err)
		}
		defer db.Close()
		rs, err := db.Releases(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		return ids
	}
	copyOf := filepath.Join(t.TempDir(), "copy.sqlite")
	for i, want := range []string{"r1", "r2,r1"} {
		if i == 1 {
			commitRelease(t, w, testRelease("r2"), []outcome.Row{testRow(1, 2, "2019", "B")}, nil)
		}
		if err := w.WriteDownload(ctx); err != nil {
			t.Fatalf("WriteDownload (%d) = %v", i+1, err)
		}
		for _, p := range []string{partial, partial + "-journal"} {
			if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("after WriteDownload (%d): %s is there (%v), want it gone", i+1, p, err)
			}
		}
		// Read a copy, so the reader's WAL files are not left beside the database.
		b, err := os.ReadFile(DownloadPath(path))
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(copyOf)
		if err := os.WriteFile(copyOf, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(releasesIn(copyOf), ","); got != want {
			t.Errorf("download copy (%d) holds releases %q, want %q", i+1, got, want)
		}
		// Its sha256 beside it, as sha256sum writes it, and known for the
		// file held open (KnownSHA256).
		sum := sha256.Sum256(b)
		if side, err := os.ReadFile(SHA256Path(DownloadPath(path))); err != nil ||
			string(side) != hex.EncodeToString(sum[:])+"  "+filepath.Base(DownloadPath(path))+"\n" {
			t.Errorf("download copy (%d): sha256 file %q, %v", i+1, side, err)
		}
		f, err := os.Open(DownloadPath(path))
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := KnownSHA256(DownloadPath(path), f); !ok || got != hex.EncodeToString(sum[:]) {
			t.Errorf("download copy (%d): KnownSHA256 = %q, %t", i+1, got, ok)
		}
		f.Close()
	}
	// A copy renamed over the one held is not given the new one's hash.
	held, err := os.Open(DownloadPath(path))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteDownload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := KnownSHA256(DownloadPath(path), held); ok {
		t.Error("KnownSHA256 of a copy replaced since it was opened: ok, want not known")
	}
	held.Close()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch name := filepath.Join(filepath.Dir(path), e.Name()); name {
		case path, path + "-wal", path + "-shm", lockPath(path), DownloadPath(path), SHA256Path(DownloadPath(path)),
			path + ".releases":
		default:
			t.Errorf("left beside the database: %s", e.Name())
		}
	}

	r, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.WriteDownload(ctx); err == nil {
		t.Error("WriteDownload on a read-only handle = nil, want an error")
	}
}
