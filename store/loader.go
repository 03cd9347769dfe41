package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"

	"modernc.org/sqlite"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// Loader builds one release as a file of its own (ReleaseFilePath) and
// then records it in the catalogue, this database. Nothing it writes is
// seen by a reader, or kept at all, until Commit succeeds: the file is
// built under a temporary name and renamed into place whole, and the
// release exists only once the catalogue's transaction that names it
// commits. A Loader that is not committed must be rolled back.
//
// The file is built as a bulk load, not as a series of guarded writes:
//
//   - journal and sync are off while it is built: a crash leaves a
//     temporary file that nothing reads and the next ingest removes, so
//     there is nothing to roll back; the finished file is synced before
//     it is renamed, and the directory after.
//   - every row's key is checked in Go as it arrives (a duplicate is
//     reported with the row that holds the key, and not stored), and the
//     unique index on the key is built once the rows are in, one sort
//     instead of a b-tree insert per row; building it checks the key
//     again.
//   - the triggers that refuse rows for a committed release are created
//     once the rows are in, as the file's last write before its release
//     row; they, and the file being read-only on disk and opened
//     read-only and immutable by every reader, keep it unchanged.
//   - foreign keys are checked once, over the whole file, before it is
//     committed (PRAGMA foreign_key_check), not row by row; CHECK and
//     NOT NULL constraints hold row by row as always.
//   - the full-text search index is built in one pass from the search
//     rows (FTS5 'rebuild'), not row by row through a trigger.
//
// The rows are also held in memory, compactly (rowTable: about 90 bytes
// a row where every surgeon is distinct), while the release loads, so
// that its results and search rows are made from them without reading the
// file back.
type Loader struct {
	db       *DB // the catalogue
	file     *sql.DB
	tx       *sql.Tx
	release  string
	partial  string // where the file is built
	final    string // where it goes when committed
	finished bool   // committed or rolled back

	rows    *rowTable
	periods map[string]bool      // of the rows added, for release_period
	stmts   map[string]*sql.Stmt // prepared multi-row inserts, by SQL text
	// deferred holds the indexes and triggers set aside for the load, as
	// the schema's own SQL, to be created again by Commit.
	deferred []string
	// contexts holds, from EachGroup's read until AddResult stores each
	// funnel, what the catalog shows beside its units.
	contexts map[funnelKey]funnelContexts
	// unitsText is AddResult's buffer for a funnel's encoded units.
	unitsText []byte
}

// BatchSize is how many rows a caller should hand AddRows at a time, and
// how many it inserts with one statement. Fewer, larger statements cut the
// per-statement cost of database/sql and the driver, which dominates a
// bulk load.
const BatchSize = 64

const rowColumns = 21

// ErrReleaseExists is returned when a release id is already taken.
var ErrReleaseExists = errors.New("release id already exists")

// BeginRelease starts loading the release with the given id. It fails if
// the id is taken.
func (db *DB) BeginRelease(ctx context.Context, id string) (*Loader, error) {
	if db.readOnly {
		return nil, errors.New("store: begin release: database is open read-only")
	}
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM release WHERE id = ?`, id).Scan(&n); err != nil {
		return nil, fmt.Errorf("store: begin release %s: %w", id, err)
	}
	if n > 0 {
		return nil, fmt.Errorf("store: begin release %s: %w", id, ErrReleaseExists)
	}
	l := &Loader{db: db, release: id, final: ReleaseFilePath(db.path, id), rows: newRowTable(),
		periods: map[string]bool{}, stmts: map[string]*sql.Stmt{}, contexts: map[funnelKey]funnelContexts{}}
	if err := l.begin(ctx); err != nil {
		l.Rollback()
		return nil, fmt.Errorf("store: begin release %s: %w", id, err)
	}
	return l, nil
}

// begin makes the release's temporary file with the whole schema, sets
// aside what the load does not need row by row, and opens the load's
// transaction.
func (l *Loader) begin(ctx context.Context) error {
	var err error
	if l.partial, err = prepareReleaseFile(l.final); err != nil {
		return err
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(OFF)", "synchronous(OFF)", "foreign_keys(0)",
		"locking_mode(EXCLUSIVE)", "cache_size(-16384)"} {
		q.Add("_pragma", p)
	}
	connector, err := sqlite.NewConnector("file:" + l.partial + "?" + q.Encode())
	if err != nil {
		return err
	}
	l.file = sql.OpenDB(connector)
	l.file.SetMaxOpenConns(1) // the exclusive lock and the transaction are the connection's
	if err := copySchema(ctx, l.db.sql, l.file); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	if l.deferred, err = setAsideForLoad(ctx, l.file); err != nil {
		return err
	}
	l.tx, err = l.file.BeginTx(ctx, nil)
	return err
}

// copySchema gives the empty database to the schema of from, a database
// at the current migration: its tables, virtual tables, indexes, views and
// triggers, created by their own SQL in the order from created them, and
// its record of migrations. A release file so has exactly the catalogue's
// schema, made in milliseconds where running the migrations again (table
// rebuilds, Go steps) took 60 ms, and seconds under the race detector.
func copySchema(ctx context.Context, from, to *sql.DB) error {
	rows, err := from.QueryContext(ctx, `SELECT type, name, sql FROM sqlite_schema
		WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY rowid`)
	if err != nil {
		return err
	}
	type object struct{ kind, name, sql string }
	var objects []object
	virtual := map[string]bool{}
	for rows.Next() {
		var o object
		if err := rows.Scan(&o.kind, &o.name, &o.sql); err != nil {
			rows.Close()
			return err
		}
		if o.kind == "table" && strings.HasPrefix(o.sql, "CREATE VIRTUAL TABLE") {
			o.kind = "virtual"
			virtual[o.name] = true
		}
		objects = append(objects, o)
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	// Tables first, then virtual tables, indexes, views and triggers, each
	// in creation order: what an object names is made before it, whatever
	// order a VACUUM left sqlite_schema in. A virtual table makes its own
	// shadow tables (FTS5's _data, _idx, _docsize, _config), named after it.
	rank := map[string]int{"table": 0, "virtual": 1, "index": 2, "view": 3, "trigger": 4}
	slices.SortStableFunc(objects, func(a, b object) int { return rank[a.kind] - rank[b.kind] })
	var stmts []string
	for _, o := range objects {
		shadow := false
		for v := range virtual {
			shadow = shadow || (o.kind == "table" && strings.HasPrefix(o.name, v+"_"))
		}
		if !shadow {
			stmts = append(stmts, o.sql)
		}
	}
	versions, err := from.QueryContext(ctx, `SELECT version, name, applied_at FROM schema_migration ORDER BY version`)
	if err != nil {
		return err
	}
	var args [][]any
	for versions.Next() {
		var v int
		var name, at string
		if err := versions.Scan(&v, &name, &at); err != nil {
			versions.Close()
			return err
		}
		args = append(args, []any{v, name, at})
	}
	if err := closeRows(versions); err != nil {
		return err
	}
	tx, err := to.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", firstLine(stmt), err)
		}
	}
	for _, a := range args {
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)`, a...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// setAsideForLoad drops the objects that cost a bulk load on every row
// and that Commit creates again from the SQL returned: the unique index
// on outcome_row's key, the triggers that refuse rows for a committed
// release, and the trigger that indexes each search row as it is written.
func setAsideForLoad(ctx context.Context, conn *sql.DB) ([]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT type, name, sql FROM sqlite_schema
		WHERE (type = 'index' AND name = 'outcome_row_key')
			OR (type = 'trigger' AND (name LIKE '%\_immutable\_insert' ESCAPE '\' OR name = 'search_unit_index'))
		ORDER BY rowid`)
	if err != nil {
		return nil, err
	}
	type object struct{ kind, name, sql string }
	var objects []object
	for rows.Next() {
		var o object
		if err := rows.Scan(&o.kind, &o.name, &o.sql); err != nil {
			rows.Close()
			return nil, err
		}
		objects = append(objects, o)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	var deferred []string
	for _, o := range objects {
		if _, err := conn.ExecContext(ctx, `DROP `+strings.ToUpper(o.kind)+` "`+o.name+`"`); err != nil {
			return nil, fmt.Errorf("set aside %s %s: %w", o.kind, o.name, err)
		}
		deferred = append(deferred, o.sql)
	}
	return deferred, nil
}

func insertRowsSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO outcome_row (release_id, file_ordinal, line, specialty, procedure, period,
		unit_type, unit_id, unit_name, hospital_id, hospital_name, outcome, cases, events, expected,
		expected_rate, published_rate, published_low, published_high, published_rating, not_assessable) VALUES `)
	placeholders := "(" + strings.TrimSuffix(strings.Repeat("?, ", rowColumns), ", ") + ")"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(placeholders)
	}
	return b.String()
}

func (l *Loader) appendArgs(args []any, r *outcome.Row) []any {
	cases, events := countArgs(r.Cases, r.Events, r.PublishedOnly)
	return append(args, l.release, r.File, r.Line, r.Specialty, r.Procedure, r.Period,
		r.UnitType, r.UnitID, r.UnitName, r.HospitalID, r.HospitalName, r.Outcome, cases, events,
		nullable(r.Expected), nullable(r.ExpectedRate), nullable(r.PublishedRate), nullable(r.PublishedLow),
		nullable(r.PublishedHigh), r.PublishedRating, r.NotAssessable)
}

// nullText is s as the driver takes it, NULL when empty.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullable is v as the driver takes it, sparing database/sql a Valuer call
// per value on the bulk-load path.
func nullable(v sql.Null[float64]) any {
	if !v.Valid {
		return nil
	}
	return v.V
}

// Duplicate reports that rows[Index] has a key already held by the row at
// File and Line.
type Duplicate struct {
	Index      int
	File, Line int
}

// AddRows stores rows and reports each row whose key (specialty,
// procedure, period, unit type, unit id, hospital id) is already held, by
// an earlier row or by one before it in rows; those rows are not stored,
// and the load goes on, so a caller can report every problem in a file.
func (l *Loader) AddRows(ctx context.Context, rows []outcome.Row) ([]Duplicate, error) {
	var dups []Duplicate
	args := make([]any, 0, len(rows)*rowColumns)
	n := 0
	for i := range rows {
		r := &rows[i]
		if file, line, added := l.rows.add(r); !added {
			dups = append(dups, Duplicate{Index: i, File: file, Line: line})
			continue
		}
		l.periods[r.Period] = true
		args = l.appendArgs(args, r)
		n++
	}
	if n == 0 {
		return dups, nil
	}
	if err := l.exec(ctx, insertRowsSQL(n), args...); err != nil {
		return nil, fmt.Errorf("store: add rows: %w", err)
	}
	return dups, nil
}

// exec runs query, prepared once per text for the load.
func (l *Loader) exec(ctx context.Context, query string, args ...any) error {
	stmt, ok := l.stmts[query]
	if !ok {
		var err error
		if stmt, err = l.tx.PrepareContext(ctx, query); err != nil {
			return err
		}
		l.stmts[query] = stmt
	}
	_, err := stmt.ExecContext(ctx, args...)
	return err
}

// AddNationalRate records a group's national figures: counts (none when
// n.Cases is 0), printed rate, or both.
func (l *Loader) AddNationalRate(ctx context.Context, n outcome.NationalRate) error {
	var cases, events any
	if n.Cases > 0 {
		cases, events = n.Cases, n.Events
	}
	_, err := l.tx.ExecContext(ctx, `INSERT INTO national_rate (release_id, specialty, procedure, period,
		cases, events, rate, file_ordinal, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.release, n.Specialty, n.Procedure, n.Period, cases, events, nullable(n.Rate), n.File, n.Line)
	if err != nil {
		return fmt.Errorf("store: add national rate: %w", err)
	}
	return nil
}

// NationalRates returns the national counts loaded so far, by group.
func (l *Loader) NationalRates(ctx context.Context) ([]outcome.NationalRate, error) {
	return nationalRates(ctx, l.tx, l.release)
}

// ingestedAtLayout is RFC 3339 in UTC with all nine fractional digits, so
// that ingested_at sorts as text in time order: RFC3339Nano drops trailing
// zeros, which makes "12:30:00Z" sort after "12:30:00.5Z" and ".12Z" after
// ".123Z", and Releases would list releases loaded within one second out of
// order.
const ingestedAtLayout = "2006-01-02T15:04:05.000000000Z07:00"

// Commit finishes the release's file — its files, skipped rows by reason,
// periods and search rows, the indexes and triggers set aside, a check of
// every foreign key, and the release row last — puts it in place, and
// records the release in the catalogue. r.ID must be the id given to
// BeginRelease.
func (l *Loader) Commit(ctx context.Context, r Release) error {
	if r.ID != l.release {
		return fmt.Errorf("store: commit release %s: loader is for %s", r.ID, l.release)
	}
	if err := checkSkips(r); err != nil {
		return fmt.Errorf("store: commit release %s: %w", r.ID, err)
	}
	// A level left at zero is the default, as in stats.Options.
	for _, l := range []*float64{&r.IntervalLevel, &r.FlagLevel} {
		if *l == 0 {
			*l = outcome.DefaultLevel
		}
	}
	periods := sortedKeys(l.periods)
	if err := l.finishFile(ctx, r, periods); err != nil {
		return fmt.Errorf("store: commit release %s: %w", r.ID, err)
	}
	if err := placeReleaseFile(l.partial, l.final); err != nil {
		return fmt.Errorf("store: commit release %s: %w", r.ID, err)
	}
	if err := l.register(ctx, r, periods); err != nil {
		// The file is in place but no catalogue names it: nothing reads it,
		// and the next load of the release replaces it.
		os.Remove(l.final)
		os.Remove(SHA256Path(l.final))
		return fmt.Errorf("store: commit release %s: %w", r.ID, err)
	}
	l.finished = true
	return nil
}

// finishFile writes the rest of the release's file and commits it.
func (l *Loader) finishFile(ctx context.Context, r Release, periods []string) error {
	if err := insertCatalogue(ctx, l.tx, r, periods, false); err != nil {
		return err
	}
	if err := l.addSearchUnits(ctx); err != nil {
		return err
	}
	if err := buildSearchIndex(ctx, l.tx); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	for _, stmt := range l.deferred {
		if _, err := l.tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("after the load: %s: %w", firstLine(stmt), err)
		}
	}
	// The release row goes last: the triggers refuse rows for a release
	// that exists, which is what keeps a committed release unchanged.
	if err := insertCatalogue(ctx, l.tx, r, nil, true); err != nil {
		return err
	}
	if err := checkForeignKeys(ctx, l.tx); err != nil {
		return err
	}
	for _, s := range l.stmts {
		s.Close()
	}
	if err := l.tx.Commit(); err != nil {
		return err
	}
	return l.file.Close()
}

// buildSearchIndex builds the full-text index from the search rows in one
// pass. FTS5 would otherwise merge its segments as they accumulate
// (automerge, crisismerge), which on a million units costs more than the
// pass itself; the segments are left unmerged instead (about 1 MB each),
// which a query hardly notices (a prefix query on a million units' index:
// 0.07 s unmerged, 0.06 s merged, sqlite3 3.40), and the settings are put
// back to FTS5's defaults for anyone who writes to a copy of the file.
func buildSearchIndex(ctx context.Context, tx *sql.Tx) error {
	for _, stmt := range []string{
		`INSERT INTO search_unit_fts (search_unit_fts, rank) VALUES ('automerge', 0)`,
		`INSERT INTO search_unit_fts (search_unit_fts, rank) VALUES ('crisismerge', 2000)`,
		`INSERT INTO search_unit_fts (search_unit_fts) VALUES ('rebuild')`,
		`INSERT INTO search_unit_fts (search_unit_fts, rank) VALUES ('automerge', 4)`,
		`INSERT INTO search_unit_fts (search_unit_fts, rank) VALUES ('crisismerge', 16)`,
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// register records the release in the catalogue, in one transaction.
func (l *Loader) register(ctx context.Context, r Release, periods []string) error {
	tx, err := l.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := insertCatalogue(ctx, tx, r, periods, false); err != nil {
		return err
	}
	if err := insertCatalogue(ctx, tx, r, nil, true); err != nil {
		return err
	}
	return tx.Commit()
}

// checkForeignKeys checks every reference to a release in the file at
// once. The release's own reference to the release it corrects is not
// checked: that release is in a file of its own.
func checkForeignKeys(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT fk."table", fk.rowid, fk.parent FROM sqlite_schema AS m,
		pragma_foreign_key_check(m.name) AS fk WHERE m.type = 'table' AND m.name <> 'release'`)
	if err != nil {
		return fmt.Errorf("foreign keys: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		if err := rows.Scan(&table, &rowid, &parent); err != nil {
			return fmt.Errorf("foreign keys: %w", err)
		}
		return fmt.Errorf("foreign keys: %s row %d names a missing %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}

// insertCatalogue writes what the catalogue holds of a release: with
// releaseRow, the release row itself; otherwise its files, their skipped
// rows by reason and its periods.
func insertCatalogue(ctx context.Context, tx *sql.Tx, r Release, periods []string, releaseRow bool) error {
	if releaseRow {
		_, err := tx.ExecContext(ctx, `INSERT INTO release (id, title, source, licence, profile, input_sha256,
			mapping_sha256, interval_method, comparison, target_source, row_count, skipped_count, synthetic, ingested_at,
			interval_level, flag_level, published_on, next_update, corrects, correction_note)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Title, r.Source, r.Licence, r.Profile, r.InputSHA256, r.MappingSHA256, r.IntervalMethod,
			r.Comparison, r.TargetSource, r.Rows, r.Skipped, r.Synthetic, r.IngestedAt.UTC().Format(ingestedAtLayout),
			r.IntervalLevel, r.FlagLevel, nullText(r.PublishedOn), nullText(r.NextUpdate), nullText(r.Corrects),
			r.CorrectionNote)
		return err
	}
	for _, f := range r.Files {
		_, err := tx.ExecContext(ctx, `INSERT INTO release_file (release_id, ordinal, name, sha256, size,
			encoding, row_count, skipped_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, f.Ordinal, f.Name, f.SHA256, f.Size, f.Encoding, f.Rows, f.Skipped)
		if err != nil {
			return fmt.Errorf("file %s: %w", f.Name, err)
		}
	}
	for _, s := range r.Skips {
		_, err := tx.ExecContext(ctx, `INSERT INTO release_skip (release_id, file_ordinal, reason, row_count)
			VALUES (?, ?, ?, ?)`, r.ID, s.File, s.Reason, s.Rows)
		if err != nil {
			return fmt.Errorf("file %d skipped %q: %w", s.File, s.Reason, err)
		}
	}
	for _, p := range periods {
		if _, err := tx.ExecContext(ctx, `INSERT INTO release_period (release_id, period) VALUES (?, ?)`, r.ID, p); err != nil {
			return fmt.Errorf("period %s: %w", p, err)
		}
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// Rollback abandons the release and removes its temporary file. It is
// safe to call after Commit, and more than once.
func (l *Loader) Rollback() error {
	if l.finished {
		return nil
	}
	l.finished = true
	var err error
	if l.tx != nil {
		if rerr := l.tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			err = rerr
		}
	}
	if l.file != nil {
		if cerr := l.file.Close(); err == nil {
			err = cerr
		}
	}
	if l.partial != "" {
		if rerr := os.Remove(l.partial); err == nil && !errors.Is(rerr, os.ErrNotExist) {
			err = rerr
		}
	}
	return err
}
