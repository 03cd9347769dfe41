package ingest

import (
	"bufio"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/store"
)

// Options configures [Load].
type Options struct {
	// Mapping reads the files; required.
	Mapping *Mapping
	// ReleaseID names the release; empty means the first 12 hex digits of
	// the input's sha256, so the same bytes always get the same id (with
	// the mapping's hash appended when another mapping already read them).
	ReleaseID string
	// Title, Source and Licence describe the release; empty ones take the
	// mapping's [release] defaults.
	Title, Source, Licence string
	// MaxErrors caps the problems listed (default DefaultMaxErrors); the
	// rest are counted.
	MaxErrors int
	// Progress, if set, is called as rows are read and once at the end of
	// each file with Done set.
	Progress func(Progress)
	// Synthetic marks the release as invented data (the demo).
	Synthetic bool
	// Now gives the ingest time (default time.Now).
	Now func() time.Time
	// BeforeCommit, if set, runs inside the load's transaction after every
	// row is stored and checked, just before the release is committed; an
	// error from it abandons the release. It is where results computed from
	// the rows are stored beside them.
	BeforeCommit func(ctx context.Context, l *store.Loader, r store.Release) error
}

// Progress reports how far a file has been read.
type Progress struct {
	File  string
	Rows  int   // data rows read so far
	Bytes int64 // bytes read so far
	Size  int64 // the file's size
	Done  bool
}

// FileSummary says what was read from one file.
type FileSummary struct {
	Name     string
	Encoding string
	Rows     int // canonical rows loaded
	Skipped  int // canonical rows skipped (national rows, rows with no data)
	// SkipReasons counts skipped rows by reason ("national", "no cases",
	// "zero cases").
	SkipReasons map[string]int
}

// Result is the outcome of a successful [Load].
type Result struct {
	Release store.Release
	// Existing is true when the input was already loaded: Release is the
	// release that holds it and nothing was written.
	Existing bool
	Files    []FileSummary
}

var releaseIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Load reads files through opts.Mapping and stores them as one release, in
// one transaction. If any value, row or file is bad, it stores nothing and
// returns an *InputError listing every problem (up to MaxErrors) as a
// *RowError. Input already held by a release is not loaded again.
func Load(ctx context.Context, db *store.DB, files []File, opts Options) (Result, error) {
	if opts.Mapping == nil {
		return Result{}, errors.New("ingest: no mapping")
	}
	if len(files) == 0 {
		return Result{}, errors.New("ingest: no input files")
	}
	if opts.ReleaseID != "" && !releaseIDPattern.MatchString(opts.ReleaseID) {
		return Result{}, fmt.Errorf("ingest: release id %q: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", opts.ReleaseID)
	}
	if opts.MaxErrors <= 0 {
		opts.MaxErrors = DefaultMaxErrors
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	m := opts.Mapping

	sum := sha256.New()
	infos := make([]sniffed, len(files))
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Name
		info, err := sniffFile(f, sum)
		if err != nil {
			var re *RowError
			if errors.As(err, &re) {
				return Result{}, &InputError{Total: 1, err: re}
			}
			return Result{}, fmt.Errorf("ingest: %w", err)
		}
		infos[i] = info
	}
	inputSHA := hex.EncodeToString(sum.Sum(nil))
	if existing, err := db.ReleaseByInput(ctx, inputSHA, m.SHA256()); err == nil {
		return Result{Release: existing, Existing: true}, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Result{}, fmt.Errorf("ingest: %w", err)
	}

	rel := store.Release{
		ID: opts.ReleaseID, Title: firstOf(opts.Title, m.Release.Title, "Untitled release"),
		Source: firstOf(opts.Source, m.Release.Source), Licence: firstOf(opts.Licence, m.Release.Licence),
		Profile: m.Name, InputSHA256: inputSHA, MappingSHA256: m.SHA256(),
		IntervalMethod: firstOf(m.Method.Interval, "exact"), Comparison: firstOf(m.Method.Comparison, "funnel"),
		TargetSource: firstOf(m.Method.Target, "counts"), Synthetic: opts.Synthetic,
	}
	if rel.ID == "" {
		rel.ID = inputSHA[:12]
		// The same bytes read through another mapping are another release:
		// tell it apart by the mapping's hash.
		if _, err := db.Release(ctx, rel.ID); err == nil {
			rel.ID += "-" + m.SHA256()[:8]
		} else if !errors.Is(err, store.ErrNotFound) {
			return Result{}, fmt.Errorf("ingest: %w", err)
		}
	}
	loader, err := db.BeginRelease(ctx, rel.ID)
	if err != nil {
		return Result{}, fmt.Errorf("ingest: %w", err)
	}
	defer loader.Rollback()

	l := &load{ctx: ctx, loader: loader, files: names, opts: opts,
		probs: &problems{max: opts.MaxErrors}, national: map[outcome.Group]nationalSeen{},
		groups: map[outcome.Group]*groupSeen{}}
	var res Result
	l.writer = startWriter(ctx, loader, names)
	for i, f := range files {
		fs, err := l.file(i+1, f, infos[i])
		if err != nil {
			l.writer.wait()
			if errors.Is(err, errWriterFailed) {
				err = l.writer.err
			}
			return Result{}, fmt.Errorf("ingest: %w", err)
		}
		res.Files = append(res.Files, fs)
	}
	if err := l.writer.wait(); err != nil {
		return Result{}, fmt.Errorf("ingest: %w", err)
	}
	for _, err := range l.writer.dups {
		l.fail(err)
	}
	for i := range res.Files {
		fs := &res.Files[i]
		fs.Rows = l.writer.stored[i]
		rel.Rows += fs.Rows
		rel.Skipped += fs.Skipped
		rel.Files = append(rel.Files, store.ReleaseFile{Ordinal: i + 1, Name: filepath.Base(fs.Name),
			SHA256: infos[i].sha256, Size: infos[i].size, Encoding: infos[i].encoding, Rows: fs.Rows, Skipped: fs.Skipped})
	}
	if err := l.finish(rel); err != nil {
		return Result{}, fmt.Errorf("ingest: %w", err)
	}
	if err := l.probs.err(names); err != nil {
		return Result{}, err
	}
	rel.IngestedAt = opts.Now().UTC()
	if opts.BeforeCommit != nil {
		if err := opts.BeforeCommit(ctx, loader, rel); err != nil {
			return Result{}, fmt.Errorf("ingest: %w", err)
		}
	}
	if err := loader.Commit(ctx, rel); err != nil {
		return Result{}, fmt.Errorf("ingest: %w", err)
	}
	res.Release, err = db.Release(ctx, rel.ID)
	if err != nil {
		return Result{}, fmt.Errorf("ingest: %w", err)
	}
	return res, nil
}

// File is one input file.
type File struct {
	// Name is how problems and summaries name the file.
	Name string
	// Open opens the file; Load reads it twice (once to hash and sniff it).
	Open func() (io.ReadCloser, error)
}

// OSFiles returns the named files of the operating system.
func OSFiles(paths ...string) []File {
	files := make([]File, len(paths))
	for i, p := range paths {
		files[i] = File{Name: p, Open: func() (io.ReadCloser, error) { return os.Open(p) }}
	}
	return files
}

// FSFiles returns the named files of fsys (the embedded demo release).
func FSFiles(fsys fs.FS, names ...string) []File {
	files := make([]File, len(names))
	for i, n := range names {
		files[i] = File{Name: n, Open: func() (io.ReadCloser, error) { return fsys.Open(n) }}
	}
	return files
}

func sniffFile(file File, sum io.Writer) (sniffed, error) {
	f, err := file.Open()
	if err != nil {
		return sniffed{}, err
	}
	defer f.Close()
	return sniff(file.Name, f, sum)
}

// nationalSeen is a group's national counts and where they were first read.
type nationalSeen struct {
	outcome.NationalRate
	fromRow bool // from a national row (there must be only one), not repeated columns
}

// groupSeen is what a load knows of one group's rows: where its first row
// is, and the first row that differs from it in being risk-adjusted.
type groupSeen struct {
	first       outcome.Row
	mixed       bool
	mixedAt     outcome.Row
	hasExpected bool
}

// load is the state of one Load call. It holds one batch of rows and one
// entry per group, never the file, so memory does not grow with the input.
type load struct {
	ctx      context.Context
	loader   *store.Loader
	files    []string
	opts     Options
	probs    *problems
	national map[outcome.Group]nationalSeen
	groups   map[outcome.Group]*groupSeen
	batch    []outcome.Row
	writer   *writer
}

func (l *load) fail(err error) { l.probs.add(err) }

// file reads one input file into the release. Problems go to l.probs; the
// error it returns is for failures that are not the input's fault.
func (l *load) file(ordinal int, file File, info sniffed) (FileSummary, error) {
	name := file.Name
	fs := FileSummary{Name: name, Encoding: info.encoding, SkipReasons: map[string]int{}}
	f, err := file.Open()
	if err != nil {
		return fs, err
	}
	defer f.Close()
	counter := &countingReader{r: f}
	progress := func(records int, done bool) {
		if l.opts.Progress != nil {
			l.opts.Progress(Progress{File: name, Rows: records, Bytes: counter.n, Size: info.size, Done: done})
		}
	}
	records, err := decodeRecords(name, counter, info.encoding, l.opts.Mapping, decodeHandler{
		problem: l.fail,
		results: func(results []rowResult) error {
			for _, res := range results {
				l.add(ordinal, name, res, &fs)
			}
			if len(l.batch) < store.BatchSize {
				return nil
			}
			var err error
			l.batch, err = l.writer.send(l.batch)
			return err
		},
		progress: func(records int) { progress(records, false) },
	})
	if err != nil {
		return fs, err
	}
	if len(l.batch) > 0 {
		if l.batch, err = l.writer.send(l.batch); err != nil {
			return fs, err
		}
	}
	progress(records, true)
	return fs, nil
}

// decodeHandler receives what decodeRecords finds.
type decodeHandler struct {
	// problem receives each problem with the input.
	problem func(error)
	// results receives the canonical rows of each input row that has no
	// problem; an error from it stops reading and is returned.
	results func([]rowResult) error
	// progress, if set, is called every 4,096 data rows.
	progress func(records int)
}

// decodeRecords reads one file's bytes, in the sniffed encoding, through
// the mapping: header, plan, records, conversion. It returns how many data
// rows it read; its error is for failures that are not the input's fault.
func decodeRecords(name string, r io.Reader, encoding string, m *Mapping, h decodeHandler) (int, error) {
	br := bufio.NewReaderSize(textReader(r, encoding), 64<<10)
	header, headerEnd, err := readHeader(br)
	if err != nil {
		h.problem(readError(name, 1, err))
		return 0, nil
	}
	p, errs := newPlan(m, name, header)
	for _, err := range errs {
		h.problem(err)
	}
	if p == nil {
		return 0, nil
	}
	rd, err := newRecordReader(br, len(header), headerEnd, p.columns)
	if err != nil {
		return 0, err
	}
	rr := &rowReader{p: p, file: name}
	records, lastLine := 0, headerEnd
	for {
		vals, line, err := rd.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var re *RowError
			if errors.As(err, &re) {
				re.File = name
				h.problem(re)
				records++
				continue
			}
			h.problem(readError(name, lastLine+1, err))
			break
		}
		lastLine = line
		if p.blank(vals) {
			continue
		}
		records++
		results := rr.convert(vals, line)
		if len(rr.errs) > 0 {
			for _, e := range rr.errs {
				h.problem(e)
			}
		} else if err := h.results(results); err != nil {
			return records, err
		}
		if h.progress != nil && records%4096 == 0 {
			h.progress(records)
		}
	}
	if records == 0 && len(errs) == 0 {
		h.problem(&RowError{File: name, Line: headerEnd + 1, Err: errors.New("no data rows after the header")})
	}
	return records, nil
}

// readError turns an error from reading a file into a problem with it.
func readError(name string, line int, err error) error {
	var pe *csv.ParseError
	var tl *recordTooLongError
	switch {
	case err == io.EOF:
		return &RowError{File: name, Line: 1, Err: errors.New("empty file: no header row")}
	case errors.As(err, &pe) && pe.Line != pe.StartLine:
		return &RowError{File: name, Line: pe.StartLine, Err: fmt.Errorf("%w (the record runs on to line %d, character %d)", pe.Err, pe.Line, pe.Column)}
	case errors.As(err, &pe):
		return &RowError{File: name, Line: pe.Line, Err: fmt.Errorf("%w (at character %d)", pe.Err, pe.Column)}
	case errors.As(err, &tl):
		return &RowError{File: name, Line: tl.line, Err: ErrRecordTooLong}
	}
	return &RowError{File: name, Line: line, Err: err}
}

// add stores one canonical row, or records it as national or skipped.
func (l *load) add(ordinal int, name string, res rowResult, fs *FileSummary) {
	if n := res.national; n != nil {
		n.File = ordinal
		l.addNational(name, *n, res.skip == "national")
	}
	if res.skip != "" {
		fs.Skipped++
		fs.SkipReasons[res.skip]++
		return
	}
	res.row.File = ordinal
	l.track(res.row)
	l.batch = append(l.batch, res.row)
}

// track notes a row's group, for the checks that need every row.
func (l *load) track(r outcome.Row) {
	g := outcome.Group{Specialty: r.Specialty, Procedure: r.Procedure, Period: r.Period}
	seen, ok := l.groups[g]
	if !ok {
		l.groups[g] = &groupSeen{first: r, hasExpected: r.Expected.Valid}
		return
	}
	if !seen.mixed && r.Expected.Valid != seen.hasExpected {
		seen.mixed = true
		seen.mixedAt = r
	}
}

// addNational records a group's national counts. A group may have one
// national row; counts repeated on every row must agree.
func (l *load) addNational(name string, n outcome.NationalRate, fromRow bool) {
	g := outcome.Group{Specialty: n.Specialty, Procedure: n.Procedure, Period: n.Period}
	seen, ok := l.national[g]
	if !ok {
		l.national[g] = nationalSeen{NationalRate: n, fromRow: fromRow}
		return
	}
	first := fmt.Sprintf("%s:%d", l.files[seen.File-1], seen.Line)
	switch {
	case fromRow:
		l.fail(&RowError{File: name, Line: n.Line, Err: fmt.Errorf(
			"second national row for %s %s %s (the first is %s)", g.Specialty, g.Procedure, g.Period, first)})
	case seen.Cases != n.Cases || seen.Events != n.Events:
		l.fail(&RowError{File: name, Line: n.Line, Err: fmt.Errorf(
			"national counts for %s %s %s are %d events in %d cases here but %d in %d on %s",
			g.Specialty, g.Procedure, g.Period, n.Events, n.Cases, seen.Events, seen.Cases, first)})
	}
}

// finish stores the national counts and runs the checks that need every
// row: a group must not mix crude and risk-adjusted rows, and where the
// target is national every group must have national counts.
func (l *load) finish(rel store.Release) error {
	for _, g := range sortedGroups(l.national) {
		if err := l.loader.AddNationalRate(l.ctx, l.national[g].NationalRate); err != nil {
			return err
		}
	}
	for _, g := range sortedGroups(l.groups) {
		seen := l.groups[g]
		if seen.mixed {
			r := seen.mixedAt
			l.fail(&RowError{File: l.files[r.File-1], Line: r.Line, Err: fmt.Errorf(
				"group %s %s %s mixes rows with and without expected counts (line %d of %s %s): either every row is risk-adjusted or none is",
				g.Specialty, g.Procedure, g.Period, seen.first.Line, l.files[seen.first.File-1], have(seen.hasExpected))})
		}
		if _, ok := l.national[g]; rel.TargetSource == "national" && !ok {
			r := seen.first
			l.fail(&RowError{File: l.files[r.File-1], Line: r.Line, Err: fmt.Errorf(
				"group %s %s %s has no national figures to give its target", g.Specialty, g.Procedure, g.Period)})
		}
	}
	if rel.Rows == 0 && l.probs.total == 0 {
		l.fail(fmt.Errorf("%s: no rows to load: every row was skipped", l.files[0]))
	}
	return nil
}

func have(expected bool) string {
	if expected {
		return "has them"
	}
	return "has none"
}

// sortedGroups returns the groups in a stable order, so problems are
// reported the same way every time.
func sortedGroups[V any](m map[outcome.Group]V) []outcome.Group {
	gs := make([]outcome.Group, 0, len(m))
	for g := range m {
		gs = append(gs, g)
	}
	slices.SortFunc(gs, func(a, b outcome.Group) int {
		return cmp.Or(cmp.Compare(a.Specialty, b.Specialty), cmp.Compare(a.Procedure, b.Procedure), cmp.Compare(a.Period, b.Period))
	})
	return gs
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
