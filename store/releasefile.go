package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"
)

// ReleaseFilePath is where release id's own file lives beside the database
// at dbPath: a SQLite file of the same schema holding that release alone,
// its published rows and its results, for a journalist to download and
// cite on its own (WriteReleaseFile). ReadReleaseFile reads its hash.
func ReleaseFilePath(dbPath, id string) string {
	return filepath.Join(dbPath+".releases", id+".sqlite")
}

// WriteReleaseFile writes release id alone to its own file
// (ReleaseFilePath) unless the file is there already: a release never
// changes, so neither does its file. The file is built under a temporary
// name with the full schema (every migration), the release's rows copied
// table by table and its release row last (the immutability triggers then
// hold in the copy too), switched to a rollback journal so that it is one
// self-contained file, synced and renamed into place; its sha256 is written
// beside it (sha256sum's format), once, so that no server hashes it. The
// release a correction corrects is not in the file: its reference
// (release.corrects) names a release found elsewhere, so the copy is made
// with foreign keys off.
func (db *DB) WriteReleaseFile(ctx context.Context, id string) (written bool, err error) {
	if db.readOnly {
		return false, errors.New("store: write release file: database is open read-only")
	}
	final := ReleaseFilePath(db.path, id)
	if _, err := os.Stat(final); err == nil {
		if _, err := os.Stat(SHA256Path(final)); err == nil {
			return false, nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return false, fmt.Errorf("store: write release file %s: %w", id, err)
	}
	partial := final + ".partial"
	for _, p := range []string{partial, partial + "-journal", partial + "-wal", partial + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return false, fmt.Errorf("store: write release file %s: %w", id, err)
		}
	}
	if err := db.copyRelease(ctx, id, partial); err != nil {
		os.Remove(partial)
		return false, fmt.Errorf("store: write release file %s: %w", id, err)
	}
	sum, err := fileSHA256(partial)
	if err == nil {
		err = syncFile(partial)
	}
	if err == nil {
		err = os.Rename(partial, final)
	}
	if err == nil {
		err = writeFileAtomically(SHA256Path(final), []byte(sum+"  "+filepath.Base(final)+"\n"))
	}
	if err != nil {
		os.Remove(partial)
		return false, fmt.Errorf("store: write release file %s: %w", id, err)
	}
	_ = syncFile(filepath.Dir(final))
	return true, nil
}

// copyRelease makes path a database of the full schema holding release id
// alone, copied from db.
func (db *DB) copyRelease(ctx context.Context, id, path string) error {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(0)")
	connector, err := sqlite.NewConnector("file:" + path + "?" + q.Encode())
	if err != nil {
		return err
	}
	out := &DB{sql: sql.OpenDB(connector), path: path}
	defer out.sql.Close()
	out.sql.SetMaxOpenConns(1) // one connection: the attachment is per connection
	if err := out.migrate(ctx); err != nil {
		return err
	}
	if _, err := out.sql.ExecContext(ctx, `ATTACH DATABASE ? AS src`, "file:"+db.path+"?mode=ro"); err != nil {
		return err
	}
	tables, err := releaseTables(ctx, out.sql)
	if err != nil {
		return err
	}
	tx, err := out.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range tables {
		if _, err := tx.ExecContext(ctx, `INSERT INTO main."`+t+`" SELECT * FROM src."`+t+`" WHERE release_id = ?`, id); err != nil {
			return fmt.Errorf("copy %s: %w", t, err)
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO main.release SELECT * FROM src.release WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("copy release: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("no release %s", id)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if _, err := out.sql.ExecContext(ctx, `DETACH DATABASE src`); err != nil {
		return err
	}
	_, err = out.sql.ExecContext(ctx, `PRAGMA journal_mode = DELETE`)
	return err
}

// releaseTables lists the tables of the schema that hold a release's rows
// (a release_id column), but the release table itself and full-text
// indexes, which triggers fill from the rows.
func releaseTables(ctx context.Context, conn *sql.DB) ([]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT m.name FROM main.sqlite_schema AS m
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%' AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%'
			AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'release_id')
		ORDER BY m.rowid`)
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, err
		}
		if !strings.Contains(name, "_fts_") {
			out = append(out, name)
		}
	}
	return out, closeRows(rows)
}

// ReadReleaseFile reads what WriteReleaseFile wrote at path (a
// ReleaseFilePath): the file's size and the hash beside it; ok is false
// when either is missing.
func ReadReleaseFile(path string) (sum string, size int64, ok bool) {
	final := path
	st, err := os.Stat(final)
	if err != nil {
		return "", 0, false
	}
	b, err := os.ReadFile(SHA256Path(final))
	if err != nil {
		return "", 0, false
	}
	sum, _, _ = strings.Cut(string(b), " ")
	if len(sum) != 64 {
		return "", 0, false
	}
	return sum, st.Size(), true
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeFileAtomically writes data to path under a temporary name, synced,
// then renamed into place.
func writeFileAtomically(path string, data []byte) error {
	tmp := path + ".partial"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
