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

// releaseData is where release id's rows, results and search index are
// read from: its own file (ReleaseFilePath) when it has one, opened once,
// read-only and immutable, and kept open until Close; otherwise this
// database, where it holds them itself (a release file opened as a
// database, as `outcomes releases --db DB.releases/ID.sqlite` does). A
// release whose data is in neither is an error that names the missing
// file, never an empty answer; a release the catalogue does not name is
// ErrNotFound, whatever file is there.
func (db *DB) releaseData(ctx context.Context, id string) (*sql.DB, error) {
	db.filesMu.Lock()
	defer db.filesMu.Unlock()
	if f, ok := db.files[id]; ok {
		return f, nil
	}
	// Only a release the catalogue names is read: a file no catalogue
	// names is what a crash between its rename and the catalogue's commit
	// leaves, and the next load of the release replaces it.
	var known bool
	if err := db.sql.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM release WHERE id = ?)`, id).Scan(&known); err != nil {
		return nil, fmt.Errorf("store: release %s: %w", id, err)
	}
	if !known {
		return nil, ErrNotFound
	}
	path := ReleaseFilePath(db.path, id)
	if _, err := os.Stat(path); err == nil {
		f, err := openReleaseFile(ctx, path)
		if err != nil {
			return nil, err
		}
		if db.files == nil {
			db.files = map[string]*sql.DB{}
		}
		db.files[id] = f
		return f, nil
	}
	var held bool
	err := db.sql.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM result_group WHERE release_id = ?1)
		OR EXISTS (SELECT 1 FROM outcome_row WHERE release_id = ?1)
		OR EXISTS (SELECT 1 FROM national_rate WHERE release_id = ?1)`, id).Scan(&held)
	if err != nil {
		return nil, fmt.Errorf("store: release %s: %w", id, err)
	}
	if held {
		return db.sql, nil
	}
	return nil, fmt.Errorf("store: release %s: its file %s is missing (restore it, or run outcomes migrate on a database from before release files)", id, path)
}

// openReleaseFile opens a release's file for reading. The file never
// changes once renamed into place, so SQLite is told so (immutable): no
// locks, no journal to look for. Nor is it migrated, as its hash is
// published with it: one of an older schema, from the migration that
// made release files on, is read as it is, and the readers take what it
// lacks as not stored (its kept input, 0012; its second figures, 0013).
func openReleaseFile(ctx context.Context, path string) (*sql.DB, error) {
	conn, err := openReadOnly(path, true)
	if err != nil {
		return nil, fmt.Errorf("store: open release file %s: %w", path, err)
	}
	f := &DB{sql: conn, path: path, readOnly: true}
	if err := f.checkSchemaFrom(ctx, releaseFilesVersion); err != nil {
		conn.Close()
		return nil, fmt.Errorf("store: open release file %s: %w", path, err)
	}
	return conn, nil
}

// closeReleaseFiles closes the release files db opened.
func (db *DB) closeReleaseFiles() error {
	db.filesMu.Lock()
	defer db.filesMu.Unlock()
	var first error
	for id, f := range db.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
		delete(db.files, id)
	}
	return first
}

// moveReleasesToFiles is 0011_release_files.sql's Go step: every release
// gets its own file, copied from this database's rows where it has none
// or where the one it has is of an older schema, and its data then leaves
// this database, which keeps the catalogue. It runs in the migration's
// transaction; the copies read the database as last committed (another
// connection), which is the same data, as nothing before the step
// changes it.
func moveReleasesToFiles(ctx context.Context, db *DB, tx *sql.Tx) error {
	ids, err := queryStrings(ctx, tx, `SELECT id FROM release ORDER BY rowid`)
	if err != nil {
		return fmt.Errorf("release files: %w", err)
	}
	current, err := migrations()
	if err != nil {
		return err
	}
	for _, id := range ids {
		final := ReleaseFilePath(db.path, id)
		if v, err := fileSchemaVersions(ctx, final); err == nil && v == len(current) {
			if _, _, ok := ReadReleaseFile(final); ok {
				continue
			}
		}
		if err := db.copyReleaseFile(ctx, id); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		return nil
	}
	tables, err := releaseTables(ctx, tx)
	if err != nil {
		return fmt.Errorf("release files: %w", err)
	}
	// The delete triggers guard a release's rows; they step aside while
	// the rows leave for the release's file, and come back.
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_unit_fts (search_unit_fts) VALUES ('delete-all')`); err != nil {
		return fmt.Errorf("release files: empty search index: %w", err)
	}
	for _, t := range tables {
		if catalogueTable(t) {
			continue
		}
		trigger := t + "_immutable_delete"
		var text string
		if err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?`, trigger).Scan(&text); err != nil {
			return fmt.Errorf("release files: trigger %s: %w", trigger, err)
		}
		for _, stmt := range []string{`DROP TRIGGER "` + trigger + `"`, `DELETE FROM "` + t + `"`, text} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("release files: empty %s: %w", t, err)
			}
		}
	}
	return nil
}

// catalogueTable reports whether the catalogue keeps a release's rows in
// table, besides the release table itself: its files, their skipped rows
// and its periods. A release's file holds them too.
func catalogueTable(table string) bool {
	switch table {
	case "release_file", "release_skip", "release_period":
		return true
	}
	return false
}

// fileSchemaVersions is how many migrations the database file at path has.
func fileSchemaVersions(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, err
	}
	conn, err := openReadOnly(path, false)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var n int
	err = conn.QueryRowContext(ctx, `SELECT count(*) FROM schema_migration`).Scan(&n)
	return n, err
}

// openReadOnly opens the database file at path for queries only;
// immutable tells SQLite the file never changes (no locks, no journal to
// look for), which holds for a release file in place, not for one a
// migration is about to replace.
func openReadOnly(path string, immutable bool) (*sql.DB, error) {
	q := url.Values{}
	q.Set("mode", "ro")
	if immutable {
		q.Set("immutable", "1")
	}
	q.Add("_pragma", "query_only(1)")
	connector, err := sqlite.NewConnector("file:" + path + "?" + q.Encode())
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(connector), nil
}

// copyReleaseFile writes release id, held in this database, to its own
// file (ReleaseFilePath), replacing any file there: the path a database
// from before release files takes to them (migration 0011). The file is
// built under a temporary name with the full schema, the release's rows
// copied table by table and its release row last (the immutability
// triggers then hold in the copy too), and put in place by
// placeReleaseFile. The release a correction corrects is not in the file:
// its reference (release.corrects) names a release found elsewhere, so
// the copy is made with foreign keys off.
func (db *DB) copyReleaseFile(ctx context.Context, id string) error {
	final := ReleaseFilePath(db.path, id)
	partial, err := prepareReleaseFile(final)
	if err != nil {
		return fmt.Errorf("store: write release file %s: %w", id, err)
	}
	if err := db.copyRelease(ctx, id, partial); err != nil {
		os.Remove(partial)
		return fmt.Errorf("store: write release file %s: %w", id, err)
	}
	if err := placeReleaseFile(partial, final); err != nil {
		return fmt.Errorf("store: write release file %s: %w", id, err)
	}
	return nil
}

// prepareReleaseFile makes the directory of the release file final and
// clears a temporary file a crash left there, returning the temporary
// name to build the file under.
func prepareReleaseFile(final string) (partial string, err error) {
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return "", err
	}
	partial = final + ".partial"
	// A crash leaves the partial file and perhaps its journal; SQLite would
	// take a journal left beside a new file of the same name for its own.
	for _, p := range []string{partial, partial + "-journal", partial + "-wal", partial + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	return partial, nil
}

// placeReleaseFile puts a finished release file in place: synced, hashed
// (the hash written beside it, sha256sum's format, once, so that no
// server hashes it), renamed over final, and the directory synced so the
// rename is durable. The partial file is removed if any step fails.
func placeReleaseFile(partial, final string) error {
	err := syncFile(partial)
	var sum string
	if err == nil {
		sum, err = fileSHA256(partial)
	}
	if err == nil {
		err = os.Chmod(partial, 0o444)
	}
	if err == nil {
		err = os.Rename(partial, final)
	}
	if err == nil {
		err = writeFileAtomically(SHA256Path(final), []byte(sum+"  "+filepath.Base(final)+"\n"))
	}
	if err != nil {
		os.Remove(partial)
		return err
	}
	// Where a directory cannot be synced the file is whole either way.
	_ = syncFile(filepath.Dir(final))
	return nil
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
		// A table the source lacks (it is copied at migration 0011, before
		// later tables exist there) has nothing of the release to copy.
		var inSource bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM src.sqlite_schema WHERE type = 'table' AND name = ?)`, t).Scan(&inSource); err != nil {
			return fmt.Errorf("copy %s: %w", t, err)
		}
		if !inSource {
			continue
		}
		// Nor does it have the columns later migrations add, which take
		// their defaults.
		cols, err := queryStrings(ctx, tx, `SELECT '"' || name || '"' FROM pragma_table_info(?, 'src') ORDER BY cid`, t)
		if err != nil {
			return fmt.Errorf("copy %s: %w", t, err)
		}
		list := strings.Join(cols, ", ")
		if _, err := tx.ExecContext(ctx, `INSERT INTO main."`+t+`" (`+list+`) SELECT `+list+` FROM src."`+t+`" WHERE release_id = ?`, id); err != nil {
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
func releaseTables(ctx context.Context, conn querier) ([]string, error) {
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
