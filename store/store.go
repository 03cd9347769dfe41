package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
)

// ErrNotFound is returned when a requested release or row does not exist.
var ErrNotFound = errors.New("store: not found")

//go:embed migrations/*.sql
var migrationFS embed.FS

// Options configures [Open].
type Options struct {
	// ReadOnly opens the database for queries only: the connection pool may
	// grow, every connection is opened read-only (mode=ro, query_only), no
	// lock beyond a reader's is taken and no migration is run: the schema
	// must already be current. The server and `outcomes releases` use it,
	// so they never wait for an ingest running in another process.
	ReadOnly bool
}

// DB is a handle on one SQLite database file.
type DB struct {
	sql      *sql.DB
	path     string
	readOnly bool
	lock     *writerLock // held from Open to Close by a writer
	migrated []string    // migrations this Open applied

	// files holds the release files read so far, by release id
	// (releaseData), open until Close.
	filesMu sync.Mutex
	files   map[string]*sql.DB
}

// Open opens (creating if needed) the database at path, applies any pending
// migrations and checks the connection. A writer first takes the
// database's writer lock, so a second writer fails at once with a
// *WriterBusyError naming the first instead of waiting on SQLite's lock.
// A reader (opts.ReadOnly) takes no lock, runs no migration and fails if
// the schema is not current.
//
// The DSN follows gotosocial's ordering: busy_timeout comes first, so that
// setting journal_mode can itself wait for a lock; then WAL (readers never
// block the writer), foreign keys, and synchronous NORMAL, which is durable
// in WAL mode against a process crash. The writer uses _txlock=immediate, so
// a write transaction takes its lock when it begins rather than failing with
// SQLITE_BUSY half-way through an ingest.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if opts.ReadOnly {
		// SQLite would create a missing file; a reader must not.
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("store: open %s: %w (load a release first with outcomes ingest or outcomes demo)", path, err)
		}
	}
	db := &DB{path: path, readOnly: opts.ReadOnly}
	if !opts.ReadOnly {
		lock, err := lockWriter(path)
		var busy *WriterBusyError
		if errors.As(err, &busy) {
			return nil, err // it names the database already
		}
		if err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		db.lock = lock
	}
	connector, err := sqlite.NewConnector(dsn(path, opts))
	if err != nil {
		db.lock.release()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.sql = sql.OpenDB(connector)
	if !opts.ReadOnly {
		// One writer: SQLite serialises writers anyway, and one connection
		// keeps the immediate transaction and its prepared statements together.
		db.sql.SetMaxOpenConns(1)
	}
	if err := db.sql.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if opts.ReadOnly {
		err = db.checkSchema(ctx)
	} else {
		err = db.migrate(ctx)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return db, nil
}

func dsn(path string, opts Options) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	if opts.ReadOnly {
		// Setting journal_mode is a write; a writer has already set WAL,
		// which persists in the file.
		q.Set("mode", "ro")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", "immediate")
		q.Add("_pragma", "cache_size(-16384)")
		q.Add("_pragma", "temp_store(MEMORY)")
	}
	return "file:" + path + "?" + q.Encode()
}

// Close closes the database and, for a writer, lets its lock go.
func (db *DB) Close() error {
	err := db.closeReleaseFiles()
	if serr := db.sql.Close(); err == nil {
		err = serr
	}
	if lerr := db.lock.release(); err == nil {
		err = lerr
	}
	db.lock = nil
	return err
}

// Path is the database file's path, as given to Open.
func (db *DB) Path() string { return db.path }

// Migrated names the migrations this Open applied, oldest first.
func (db *DB) Migrated() []string { return db.migrated }

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", e.Name())
		}
		body, err := fs.ReadFile(migrationFS, "migrations/"+e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: version, name: e.Name(), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// migrate applies every embedded migration not yet recorded, each in its
// own transaction, in version order.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migration (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("create migration table: %w", err)
	}
	ms, err := migrations()
	if err != nil {
		return err
	}
	vacuum := ""
	for _, m := range ms {
		applied, err := db.applyMigration(ctx, m)
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if applied {
			db.migrated = append(db.migrated, m.name)
		}
		if applied && m.version == releaseFilesVersion {
			vacuum = m.name
		}
	}
	if vacuum != "" {
		// The releases' data has left for their files: give its pages
		// back (a million-surgeon release left 0.9 GB of free pages), once
		// the migrations after it (which may rebuild tables) are done.
		if _, err := db.sql.ExecContext(ctx, `VACUUM`); err != nil {
			return fmt.Errorf("migration %s: vacuum: %w", vacuum, err)
		}
	}
	return nil
}

// releaseFilesVersion is the migration that moves each release's data to
// a file of its own (0011_release_files.sql).
const releaseFilesVersion = 11

// applyMigration applies m unless it is recorded, and says whether it did.
func (db *DB) applyMigration(ctx context.Context, m migration) (bool, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migration WHERE version = ?`, m.version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	before, after, err := splitGoStep(m)
	if err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, before); err != nil {
		return false, err
	}
	if step := goStep(m.version); step != nil {
		if err := step(ctx, db, tx); err != nil {
			return false, err
		}
		if _, err := tx.ExecContext(ctx, after); err != nil {
			return false, err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// checkSchema verifies, for a read-only handle, that every embedded
// migration has been applied, so the server never runs on an old schema.
func (db *DB) checkSchema(ctx context.Context) error {
	return db.checkSchemaFrom(ctx, 0)
}

// checkSchemaFrom verifies, for a read-only handle, that the schema is
// the program's or, where oldest > 0, of at least that many migrations
// and no newer than the program's.
func (db *DB) checkSchemaFrom(ctx context.Context, oldest int) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if oldest <= 0 {
		oldest = len(ms)
	}
	var applied int
	err = db.sql.QueryRowContext(ctx, `SELECT count(*) FROM schema_migration`).Scan(&applied)
	if err != nil {
		return fmt.Errorf("read schema version (was the database created by outcomes ingest?): %w", err)
	}
	switch {
	case applied < oldest:
		return fmt.Errorf("the database needs migrating (schema has %d of %d migrations): run outcomes migrate --db %s", applied, len(ms), db.path)
	case applied > len(ms):
		return fmt.Errorf("the database is newer than this program (schema has %d migrations, it knows %d): use a newer outcomes", applied, len(ms))
	}
	return nil
}
