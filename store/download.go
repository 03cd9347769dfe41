package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DownloadPath is where the copy of the catalogue at dbPath lives: beside
// it, written by each ingest, a consistent snapshot that replicas take
// (deploy/replicas) with the release files. Readers download a release's
// own file instead (ReleaseFilePath).
func DownloadPath(dbPath string) string { return dbPath + ".download.sqlite" }

// WriteDownload replaces the catalogue's copy (DownloadPath) with a
// consistent snapshot of every committed release's entry. The snapshot is
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
	// Hashed here, once, not by every server at its start (a national
	// database is a gigabyte): the hash goes beside the copy, after it.
	sum, err := fileSHA256(partial)
	if err != nil {
		os.Remove(partial)
		return fmt.Errorf("store: write download: %w", err)
	}
	if err := os.Rename(partial, final); err != nil {
		os.Remove(partial)
		return fmt.Errorf("store: write download: %w", err)
	}
	if err := writeFileAtomically(SHA256Path(final), []byte(sum+"  "+filepath.Base(final)+"\n")); err != nil {
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

// SHA256Path is where the sha256 of a file ingest writes (the download
// copy, a release's file) is kept beside it, as sha256sum writes it.
func SHA256Path(path string) string { return path + ".sha256" }

// KnownSHA256 returns the sha256 written beside the file f was opened
// from (SHA256Path), if it is that file's: the hash file must be no older
// than the file, and the path must still name the file f holds, so that a
// copy renamed into place between the two reads is never given the other
// one's hash. ok is false when it cannot be told; the caller hashes f.
func KnownSHA256(path string, f *os.File) (sum string, ok bool) {
	held, err := f.Stat()
	if err != nil {
		return "", false
	}
	side, err := os.Stat(SHA256Path(path))
	if err != nil || side.ModTime().Before(held.ModTime()) {
		return "", false
	}
	b, err := os.ReadFile(SHA256Path(path))
	if err != nil {
		return "", false
	}
	now, err := os.Stat(path)
	if err != nil || !os.SameFile(now, held) {
		return "", false
	}
	sum, _, _ = strings.Cut(string(b), " ")
	if len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
		return "", false
	}
	return sum, true
}
