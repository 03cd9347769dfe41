package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

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
	return queryStrings(ctx, db.sql, query, args...)
}

// queryStrings runs query, which selects one text column, on q.
func queryStrings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
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
	q, err := db.releaseData(ctx, releaseID)
	if q == nil {
		return nil, ignoreNotFound(err)
	}
	return scanRows(ctx, q, releaseID, `SELECT `+rowSelect+`
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
	q, err := db.releaseData(ctx, releaseID)
	if q == nil {
		return nil, ignoreNotFound(err)
	}
	return nationalRates(ctx, q, releaseID)
}

// ignoreNotFound is err, but nil for ErrNotFound: a release that does not
// exist has no rows, results or hits.
func ignoreNotFound(err error) error {
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
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

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
