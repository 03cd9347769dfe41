package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// DownloadPath is where the download copy of the database at dbPath lives:
// beside it, written by each ingest, so the server needs no scratch space
// and never copies the database at start.
func DownloadPath(dbPath string) string { return dbPath + ".download.sqlite" }

// WriteDownload replaces the database's download copy (DownloadPath) with
// a consistent snapshot of every committed release. The snapshot is
// written under a temporary name in the same directory, synced, and
// renamed over the old copy, so a reader (or a server holding the old
// copy open) sees either the old file or the new one, whole; a partial
// file left by a crash is removed here, by the next ingest.
func (db *DB) WriteDownload(ctx context.Context) error {
	if db.readOnly {
		return errors.New("store: write download: database is open read-only")
	}
	final := DownloadPath(db.path)
	partial := final + ".partial"
	// A crash in VACUUM INTO leaves the partial file and its rollback
	// journal; SQLite would take a journal left beside a new file of the
	// same name for its own and "roll back" the new snapshot with it.
	for _, p := range []string{partial, partial + "-journal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("store: write download: %w", err)
		}
	}
	if err := db.Snapshot(ctx, partial); err != nil {
		os.Remove(partial)
		return fmt.Errorf("store: write download: %w", err)
	}
	if err := syncFile(partial); err != nil {
		os.Remove(partial)
		return fmt.Errorf("store: write download: %w", err)
	}
	if err := os.Rename(partial, final); err != nil {
		os.Remove(partial)
		return fmt.Errorf("store: write download: %w", err)
	}
	// The rename is durable once the directory is synced; where a
	// directory cannot be synced the file is whole either way.
	_ = syncFile(filepath.Dir(final))
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
