package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// Release describes one immutable ingest run (DESIGN.md § Releases).
type Release struct {
	ID      string
	Title   string
	Source  string
	Licence string
	// Profile names the built-in profile or mapping file used.
	Profile string
	// InputSHA256 is the hex sha256 of the input files' bytes, concatenated
	// in the order given; for one file it equals sha256sum's output.
	InputSHA256 string
	// MappingSHA256 is the hex sha256 of the mapping that read the files.
	// The same bytes read through another mapping are another release.
	MappingSHA256 string
	// IntervalMethod is the unit interval the publisher uses: exact, byar
	// or mixed (STATS.md §2).
	IntervalMethod string
	// Comparison is how a unit is flagged: funnel (the unit's position
	// against the funnel limits) or interval (its own interval excludes the
	// target, as New York and California publish).
	Comparison string
	// TargetSource is counts (p0 from the group's own rows) or national
	// (p0 from the publisher's national or statewide counts).
	TargetSource string
	Rows         int
	Skipped      int
	// Skips counts the skipped rows by file and reason, ordered by file
	// and reason; a file's counts sum to its Skipped. A release loaded
	// before reasons were stored (migration 0005) has none.
	Skips []Skip
	// Synthetic marks invented data (the demo release), which every page
	// must say is not real.
	Synthetic  bool
	IngestedAt time.Time
	Files      []ReleaseFile
	// Periods lists the distinct periods of the release's rows, sorted.
	// Commit records them from the rows added, ignoring this field.
	Periods []string

	// IntervalLevel and FlagLevel are the publisher's levels in percent:
	// of each unit's own interval and of the comparison that gives its
	// verdict. Commit records a zero as the default, 95, as releases
	// loaded before migration 0007 read back.
	IntervalLevel float64
	FlagLevel     float64

	// PublishedOn is the day the publisher published the figures and
	// NextUpdate the day it says it will next update them, YYYY-MM-DD, ""
	// where not given (ingest --published, --next-update).
	PublishedOn, NextUpdate string
	// Corrects is the release this one corrects, "" for none, and
	// CorrectionNote what was wrong (ingest --corrects, --note). A release
	// is corrected at most once, and never changed by it: SupersededBy and
	// SupersededNote are read from the release that corrects it, "" until
	// one does.
	Corrects, CorrectionNote     string
	SupersededBy, SupersededNote string
}

// ReleaseFile is one input file of a release.
type ReleaseFile struct {
	Ordinal  int
	Name     string
	SHA256   string
	Size     int64
	Encoding string
	Rows     int
	Skipped  int
}

// Skip is how many rows of one input file were skipped for one reason
// ("national", "no cases", …): rows read but not loaded as units.
type Skip struct {
	File   int // the file's ordinal
	Reason string
	Rows   int
}

// SkippedBy sums the release's skipped rows by reason over its files.
// It is empty for a release whose reasons were never stored.
func (r Release) SkippedBy() map[string]int {
	by := map[string]int{}
	for _, s := range r.Skips {
		by[s.Reason] += s.Rows
	}
	return by
}

// DuplicateKeyError reports a row whose key is already held by another row
// of the same release.
type DuplicateKeyError struct {
	// File and Line locate the row that was already loaded.
	File, Line int
}

func (e *DuplicateKeyError) Error() string {
	return fmt.Sprintf("duplicate key: the same key is on file %d line %d", e.File, e.Line)
}

// Releases lists every release, newest first.
func (db *DB) Releases(ctx context.Context) ([]Release, error) {
	rows, err := db.sql.QueryContext(ctx, releaseSelect+` ORDER BY release.ingested_at DESC, release.rowid DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: list releases: %w", err)
	}
	var rs []Release
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: list releases: %w", err)
		}
		rs = append(rs, r)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("store: list releases: %w", err)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list releases: %w", err)
	}
	for i := range rs {
		if err := db.fillRelease(ctx, &rs[i]); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

// Release returns the release with the given id, or ErrNotFound.
func (db *DB) Release(ctx context.Context, id string) (Release, error) {
	return db.releaseWhere(ctx, `WHERE release.id = ?`, id)
}

// ReleaseByInput returns the release that holds exactly these input bytes
// read through this mapping, or ErrNotFound.
func (db *DB) ReleaseByInput(ctx context.Context, inputSHA256, mappingSHA256 string) (Release, error) {
	return db.releaseWhere(ctx, `WHERE release.input_sha256 = ? AND release.mapping_sha256 = ?`, inputSHA256, mappingSHA256)
}

func (db *DB) releaseWhere(ctx context.Context, where string, args ...any) (Release, error) {
	r, err := scanRelease(db.sql.QueryRowContext(ctx, releaseSelect+" "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Release{}, ErrNotFound
	}
	if err != nil {
		return Release{}, fmt.Errorf("store: get release: %w", err)
	}
	if err := db.fillRelease(ctx, &r); err != nil {
		return Release{}, err
	}
	return r, nil
}

const releaseSelect = `SELECT release.id, release.title, release.source, release.licence, release.profile,
	release.input_sha256, release.mapping_sha256, release.interval_method, release.comparison,
	release.target_source, release.row_count, release.skipped_count, release.synthetic, release.ingested_at,
	release.interval_level, release.flag_level, coalesce(release.published_on, ''),
	coalesce(release.next_update, ''), coalesce(release.corrects, ''), release.correction_note,
	coalesce(later.id, ''), coalesce(later.correction_note, '')
	FROM release LEFT JOIN release AS later ON later.corrects = release.id`

type scanner interface{ Scan(...any) error }

func scanRelease(s scanner) (Release, error) {
	var r Release
	var at string
	err := s.Scan(&r.ID, &r.Title, &r.Source, &r.Licence, &r.Profile, &r.InputSHA256, &r.MappingSHA256,
		&r.IntervalMethod, &r.Comparison, &r.TargetSource, &r.Rows, &r.Skipped, &r.Synthetic, &at,
		&r.IntervalLevel, &r.FlagLevel, &r.PublishedOn, &r.NextUpdate, &r.Corrects, &r.CorrectionNote,
		&r.SupersededBy, &r.SupersededNote)
	if err != nil {
		return Release{}, err
	}
	r.IngestedAt, err = time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return Release{}, fmt.Errorf("release %s: ingested_at %q: %w", r.ID, at, err)
	}
	return r, nil
}

// fillRelease adds a release's files and periods.
func (db *DB) fillRelease(ctx context.Context, r *Release) error {
	rows, err := db.sql.QueryContext(ctx, `SELECT ordinal, name, sha256, size, encoding, row_count, skipped_count
		FROM release_file WHERE release_id = ? ORDER BY ordinal`, r.ID)
	if err != nil {
		return fmt.Errorf("store: files of release %s: %w", r.ID, err)
	}
	for rows.Next() {
		var f ReleaseFile
		if err := rows.Scan(&f.Ordinal, &f.Name, &f.SHA256, &f.Size, &f.Encoding, &f.Rows, &f.Skipped); err != nil {
			rows.Close()
			return fmt.Errorf("store: files of release %s: %w", r.ID, err)
		}
		r.Files = append(r.Files, f)
	}
	if err := closeRows(rows); err != nil {
		return fmt.Errorf("store: files of release %s: %w", r.ID, err)
	}
	r.Periods, err = db.strings(ctx, `SELECT period FROM release_period WHERE release_id = ? ORDER BY period`, r.ID)
	if err != nil {
		return fmt.Errorf("store: periods of release %s: %w", r.ID, err)
	}
	if r.Skips, err = db.skips(ctx, r.ID); err != nil {
		return fmt.Errorf("store: skipped rows of release %s: %w", r.ID, err)
	}
	return nil
}

// skips reads a release's skipped-row counts, by file and reason.
func (db *DB) skips(ctx context.Context, releaseID string) ([]Skip, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT file_ordinal, reason, row_count FROM release_skip
		WHERE release_id = ? ORDER BY file_ordinal, reason`, releaseID)
	if err != nil {
		return nil, err
	}
	var out []Skip
	for rows.Next() {
		var s Skip
		if err := rows.Scan(&s.File, &s.Reason, &s.Rows); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, s)
	}
	return out, closeRows(rows)
}

func (db *DB) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, s)
	}
	return out, closeRows(rows)
}

func closeRows(rows *sql.Rows) error {
	if err := rows.Close(); err != nil {
		return err
	}
	return rows.Err()
}

// rowSelect lists an outcome_row's columns in the order scanRows reads them.
const rowSelect = `file_ordinal, line, specialty, procedure, period,
		unit_type, unit_id, unit_name, hospital_id, hospital_name, outcome, cases, events, expected,
		expected_rate, published_rate, published_low, published_high, published_rating, not_assessable`

// Rows returns every row of a release in load order (file, line).
func (db *DB) Rows(ctx context.Context, releaseID string) ([]outcome.Row, error) {
	return scanRows(ctx, db.sql, releaseID, `SELECT `+rowSelect+`
		FROM outcome_row WHERE release_id = ? ORDER BY file_ordinal, line, rowid`, releaseID)
}

// groupRows returns the rows of one comparison group of a release in key
// order (unit type, unit id, hospital id): the order of the table's
// unique index, so one group is read without sorting the release.
func groupRows(ctx context.Context, q querier, releaseID string, g outcome.Group) ([]outcome.Row, error) {
	return scanRows(ctx, q, releaseID, `SELECT `+rowSelect+`
		FROM outcome_row WHERE release_id = ? AND specialty = ? AND procedure = ? AND period = ?
		ORDER BY unit_type, unit_id, hospital_id`, releaseID, g.Specialty, g.Procedure, g.Period)
}

// scanRows runs query, which selects rowSelect, and reads its rows.
func scanRows(ctx context.Context, q querier, releaseID, query string, args ...any) ([]outcome.Row, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: rows of release %s: %w", releaseID, err)
	}
	var out []outcome.Row
	for rows.Next() {
		var r outcome.Row
		var n storedCounts
		if err := rows.Scan(&r.File, &r.Line, &r.Specialty, &r.Procedure, &r.Period, &r.UnitType, &r.UnitID,
			&r.UnitName, &r.HospitalID, &r.HospitalName, &r.Outcome, &n.cases, &n.events, &r.Expected,
			&r.ExpectedRate, &r.PublishedRate, &r.PublishedLow, &r.PublishedHigh, &r.PublishedRating, &r.NotAssessable); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: rows of release %s: %w", releaseID, err)
		}
		n.set(&r.Cases, &r.Events, &r.PublishedOnly)
		out = append(out, r)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("store: rows of release %s: %w", releaseID, err)
	}
	return out, nil
}

// NationalRates returns a release's national counts, by group.
func (db *DB) NationalRates(ctx context.Context, releaseID string) ([]outcome.NationalRate, error) {
	return nationalRates(ctx, db.sql, releaseID)
}

// NationalRates returns the national counts loaded so far, by group.
func (l *Loader) NationalRates(ctx context.Context) ([]outcome.NationalRate, error) {
	return nationalRates(ctx, l.tx, l.release)
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func nationalRates(ctx context.Context, q querier, releaseID string) ([]outcome.NationalRate, error) {
	rows, err := q.QueryContext(ctx, `SELECT file_ordinal, line, specialty, procedure, period,
		coalesce(cases, 0), coalesce(events, 0), rate FROM national_rate WHERE release_id = ? ORDER BY specialty, procedure, period`, releaseID)
	if err != nil {
		return nil, fmt.Errorf("store: national rates of release %s: %w", releaseID, err)
	}
	var out []outcome.NationalRate
	for rows.Next() {
		var n outcome.NationalRate
		if err := rows.Scan(&n.File, &n.Line, &n.Specialty, &n.Procedure, &n.Period, &n.Cases, &n.Events, &n.Rate); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: national rates of release %s: %w", releaseID, err)
		}
		out = append(out, n)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("store: national rates of release %s: %w", releaseID, err)
	}
	return out, nil
}

// Loader writes one release inside one immediate transaction. Nothing it
// writes is visible to readers, or kept at all, until Commit succeeds; a
// Loader that is not committed must be rolled back.
type Loader struct {
	tx          *sql.Tx
	insertRow   *sql.Stmt // one row
	insertBatch *sql.Stmt // BatchSize rows
	findRow     *sql.Stmt
	release     string
	periods     map[string]bool      // of the rows added, for release_period
	stmts       map[string]*sql.Stmt // prepared multi-row inserts, by SQL text
	// search holds the search units gathered by a complete EachGroup
	// read, so Commit need not read the release again; nil otherwise.
	search *searchSet
	// contexts holds, from EachGroup's read until AddResult stores each
	// funnel, what the catalog shows beside its units.
	contexts map[funnelKey]funnelContexts
	// unitsText is AddResult's buffer for a funnel's encoded units.
	unitsText []byte
}

// BatchSize is how many rows AddRows inserts with one statement. Fewer,
// larger statements cut the per-statement cost of database/sql and the
// driver, which dominates a bulk load.
const BatchSize = 64

const rowColumns = 21

// BeginRelease starts loading the release with the given id. It fails if
// the id is taken.
func (db *DB) BeginRelease(ctx context.Context, id string) (*Loader, error) {
	if db.readOnly {
		return nil, errors.New("store: begin release: database is open read-only")
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: begin release %s: %w", id, err)
	}
	l := &Loader{tx: tx, release: id, periods: map[string]bool{}, stmts: map[string]*sql.Stmt{},
		contexts: map[funnelKey]funnelContexts{}}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM release WHERE id = ?`, id).Scan(&n); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("store: begin release %s: %w", id, err)
	}
	if n > 0 {
		tx.Rollback()
		return nil, fmt.Errorf("store: begin release %s: %w", id, ErrReleaseExists)
	}
	l.insertRow, err = tx.PrepareContext(ctx, insertRowsSQL(1))
	if err == nil {
		l.insertBatch, err = tx.PrepareContext(ctx, insertRowsSQL(BatchSize))
	}
	if err == nil {
		l.findRow, err = tx.PrepareContext(ctx, `SELECT file_ordinal, line FROM outcome_row
			WHERE release_id = ? AND specialty = ? AND procedure = ? AND period = ? AND unit_type = ?
			AND unit_id = ? AND hospital_id = ?`)
	}
	if err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("store: begin release %s: %w", id, err)
	}
	return l, nil
}

// ErrReleaseExists is returned when a release id is already taken.
var ErrReleaseExists = errors.New("release id already exists")

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

// AddRows inserts rows and reports each row whose key is already held, by
// an earlier row or by one before it in rows; those rows are not stored,
// and the transaction stays usable, so a caller can go on to report every
// problem in a file.
func (l *Loader) AddRows(ctx context.Context, rows []outcome.Row) ([]Duplicate, error) {
	for i := range rows {
		l.periods[rows[i].Period] = true
	}
	if len(rows) == BatchSize {
		args := make([]any, 0, BatchSize*rowColumns)
		for i := range rows {
			args = l.appendArgs(args, &rows[i])
		}
		_, err := l.insertBatch.ExecContext(ctx, args...)
		if err == nil {
			return nil, nil
		}
		if !isUniqueViolation(err) {
			return nil, fmt.Errorf("store: add rows: %w", err)
		}
		// SQLite undid the whole statement; insert one by one to find
		// which rows clash.
	}
	var dups []Duplicate
	args := make([]any, 0, rowColumns)
	for i := range rows {
		err := l.addRow(ctx, l.appendArgs(args[:0], &rows[i]), &rows[i])
		var dup *DuplicateKeyError
		if errors.As(err, &dup) {
			dups = append(dups, Duplicate{Index: i, File: dup.File, Line: dup.Line})
			continue
		}
		if err != nil {
			return nil, err
		}
	}
	return dups, nil
}

func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// addRow inserts one row. A row whose key is already held returns a
// *DuplicateKeyError naming the row that holds it.
func (l *Loader) addRow(ctx context.Context, args []any, r *outcome.Row) error {
	_, err := l.insertRow.ExecContext(ctx, args...)
	if err == nil {
		return nil
	}
	if isUniqueViolation(err) {
		var dup DuplicateKeyError
		if ferr := l.findRow.QueryRowContext(ctx, l.release, r.Specialty, r.Procedure, r.Period, r.UnitType,
			r.UnitID, r.HospitalID).Scan(&dup.File, &dup.Line); ferr != nil {
			return fmt.Errorf("store: add row: find duplicate: %w", ferr)
		}
		return &dup
	}
	return fmt.Errorf("store: add row: %w", err)
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

// ingestedAtLayout is RFC 3339 in UTC with all nine fractional digits, so
// that ingested_at sorts as text in time order: RFC3339Nano drops trailing
// zeros, which makes "12:30:00Z" sort after "12:30:00.5Z" and ".12Z" after
// ".123Z", and Releases would list releases loaded within one second out of
// order.
const ingestedAtLayout = "2006-01-02T15:04:05.000000000Z07:00"

// Commit records the release itself, its files, their skipped rows by
// reason and its periods, and commits the transaction. r.ID must be the id
// given to BeginRelease.
func (l *Loader) Commit(ctx context.Context, r Release) error {
	if r.ID != l.release {
		return fmt.Errorf("store: commit release %s: loader is for %s", r.ID, l.release)
	}
	if err := checkSkips(r); err != nil {
		return fmt.Errorf("store: commit release %s: %w", r.ID, err)
	}
	for _, f := range r.Files {
		_, err := l.tx.ExecContext(ctx, `INSERT INTO release_file (release_id, ordinal, name, sha256, size,
			encoding, row_count, skipped_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, f.Ordinal, f.Name, f.SHA256, f.Size, f.Encoding, f.Rows, f.Skipped)
		if err != nil {
			return fmt.Errorf("store: commit release %s: file %s: %w", r.ID, f.Name, err)
		}
	}
	for _, s := range r.Skips {
		_, err := l.tx.ExecContext(ctx, `INSERT INTO release_skip (release_id, file_ordinal, reason, row_count)
			VALUES (?, ?, ?, ?)`, r.ID, s.File, s.Reason, s.Rows)
		if err != nil {
			return fmt.Errorf("store: commit release %s: file %d skipped %q: %w", r.ID, s.File, s.Reason, err)
		}
	}
	for _, p := range sortedKeys(l.periods) {
		if _, err := l.tx.ExecContext(ctx, `INSERT INTO release_period (release_id, period) VALUES (?, ?)`, r.ID, p); err != nil {
			return fmt.Errorf("store: commit release %s: period %s: %w", r.ID, p, err)
		}
	}
	if err := l.addSearchUnits(ctx); err != nil {
		return fmt.Errorf("store: commit release %s: %w", r.ID, err)
	}
	// The release row goes last: the triggers refuse rows for a release
	// that exists, which is what makes a committed release immutable.
	// A level left at zero is the default, as in stats.Options.
	for _, l := range []*float64{&r.IntervalLevel, &r.FlagLevel} {
		if *l == 0 {
			*l = outcome.DefaultLevel
		}
	}
	_, err := l.tx.ExecContext(ctx, `INSERT INTO release (id, title, source, licence, profile, input_sha256,
		mapping_sha256, interval_method, comparison, target_source, row_count, skipped_count, synthetic, ingested_at,
		interval_level, flag_level, published_on, next_update, corrects, correction_note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Title, r.Source, r.Licence, r.Profile, r.InputSHA256, r.MappingSHA256, r.IntervalMethod,
		r.Comparison, r.TargetSource, r.Rows, r.Skipped, r.Synthetic, r.IngestedAt.UTC().Format(ingestedAtLayout),
		r.IntervalLevel, r.FlagLevel, nullText(r.PublishedOn), nullText(r.NextUpdate), nullText(r.Corrects),
		r.CorrectionNote)
	if err != nil {
		return fmt.Errorf("store: commit release %s: %w", r.ID, err)
	}
	if err := l.tx.Commit(); err != nil {
		return fmt.Errorf("store: commit release %s: %w", r.ID, err)
	}
	return nil
}

// checkSkips refuses skipped-row counts that do not account for each
// file's Skipped exactly, so `outcomes releases` never shows reasons that
// disagree with the count beside them.
func checkSkips(r Release) error {
	byFile := map[int]int{}
	for _, s := range r.Skips {
		if s.Reason == "" || s.Rows < 1 {
			return fmt.Errorf("file %d: skipped %d rows for reason %q: want a reason and at least one row", s.File, s.Rows, s.Reason)
		}
		byFile[s.File] += s.Rows
	}
	for _, f := range r.Files {
		if byFile[f.Ordinal] != f.Skipped {
			return fmt.Errorf("file %d (%s): skipped %d rows, but its reasons count %d", f.Ordinal, f.Name, f.Skipped, byFile[f.Ordinal])
		}
		delete(byFile, f.Ordinal)
	}
	if len(byFile) > 0 {
		return fmt.Errorf("skipped rows for file %d, which the release does not have", slices.Min(slices.Collect(maps.Keys(byFile))))
	}
	return nil
}

// Rollback abandons the release. It is safe to call after Commit.
func (l *Loader) Rollback() error {
	err := l.tx.Rollback()
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
