package ingest

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

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
	// PublishedOn and NextUpdate are the publisher's dates (YYYY-MM-DD):
	// when it published the figures and when it says it will next update
	// them; both optional.
	PublishedOn, NextUpdate string
	// Corrects names a release this one corrects, superseding it; Note
	// says what was wrong, and is required with it (and only with it).
	Corrects, Note string
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
	// "zero cases", a filter's reason, "identical duplicate", a check's
	// reason such as "events exceed cases").
	SkipReasons map[string]int
	// Failed counts the rows skipped because they fail a check the
	// mapping's [skip] checks names; FailedRows lists the first
	// MaxListedFailed of them, each as the error it would have been.
	Failed     int
	FailedRows []*RowError
	// Windows1252Records counts the records read as Windows-1252 in a file
	// whose other records are UTF-8 (Encoding "utf-8"); 0 when the file is
	// all one encoding.
	Windows1252Records int
}

// MaxListedFailed is how many of a file's rows skipped for failing a
// named check FileSummary.FailedRows lists; the rest are counted.
const MaxListedFailed = 20

// EncodingText says how the file was read: its encoding, and for a file
// that mixes encodings how many records were Windows-1252
// ("utf-8, 1204 records windows-1252"). The summary line and the release
// both say it this way.
func (fs FileSummary) EncodingText() string {
	if fs.Windows1252Records == 0 {
		return fs.Encoding
	}
	records := "records"
	if fs.Windows1252Records == 1 {
		records = "record"
	}
	return fmt.Sprintf("%s, %d %s %s", fs.Encoding, fs.Windows1252Records, records, encodingCP1252)
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
	if opts.Mapping.selfCheck {
		return Result{}, errors.New("ingest: the self-check mapping reads a hospital's own figures, not a release")
	}
	if len(files) == 0 {
		return Result{}, errors.New("ingest: no input files")
	}
	if opts.ReleaseID != "" && !releaseIDPattern.MatchString(opts.ReleaseID) {
		return Result{}, fmt.Errorf("ingest: release id %q: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", opts.ReleaseID)
	}
	if err := CheckPublication(opts); err != nil {
		return Result{}, fmt.Errorf("ingest: %w", err)
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
		if opts.Corrects != "" {
			return Result{}, fmt.Errorf("ingest: these files, read through this mapping, are already release %s: a correction must change them", existing.ID)
		}
		return Result{Release: existing, Existing: true}, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Result{}, fmt.Errorf("ingest: %w", err)
	}

	method := m.Settings()
	rel := store.Release{
		ID: opts.ReleaseID, Title: firstOf(opts.Title, m.Release.Title, "Untitled release"),
		Source: firstOf(opts.Source, m.Release.Source), Licence: firstOf(opts.Licence, m.Release.Licence),
		Profile: m.Name, InputSHA256: inputSHA, MappingSHA256: m.SHA256(),
		IntervalMethod: method.Interval, Comparison: method.Comparison, TargetSource: method.Target,
		IntervalLevel: *method.IntervalLevel, FlagLevel: *method.FlagLevel,
		Synthetic: opts.Synthetic, PublishedOn: opts.PublishedOn, NextUpdate: opts.NextUpdate,
		Corrects: opts.Corrects, CorrectionNote: strings.TrimSpace(opts.Note),
	}
	if err := checkCorrected(ctx, db, opts.Corrects); err != nil {
		return Result{}, fmt.Errorf("ingest: %w", err)
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

	// Rows are checked here while the writer stores the previous batch.
	// Duplicate keys are left to the store's unique key, which finds them
	// without holding every key in memory.
	d := newDecoder(m, names, opts.MaxErrors)
	d.keys = nil
	w := startWriter(ctx, loader, names)
	d.flush = w.send
	var res Result
	for i, f := range files {
		fs, err := loadFile(d, i+1, f, infos[i], opts.Progress)
		if err == nil {
			err = d.end()
		}
		if err != nil {
			w.wait()
			if errors.Is(err, errWriterFailed) {
				err = w.err
			}
			return Result{}, fmt.Errorf("ingest: %w", err)
		}
		res.Files = append(res.Files, fs)
	}
	if err := w.wait(); err != nil {
		return Result{}, fmt.Errorf("ingest: %w", err)
	}
	for _, err := range w.dups {
		d.fail(err)
	}
	for i := range res.Files {
		fs := &res.Files[i]
		fs.Rows = w.stored[i]
		rel.Rows += fs.Rows
		rel.Skipped += fs.Skipped
		rel.Files = append(rel.Files, store.ReleaseFile{Ordinal: i + 1, Name: filepath.Base(fs.Name),
			SHA256: infos[i].sha256, Size: infos[i].size, Encoding: fs.EncodingText(), Rows: fs.Rows, Skipped: fs.Skipped})
		for _, reason := range slices.Sorted(maps.Keys(fs.SkipReasons)) {
			rel.Skips = append(rel.Skips, store.Skip{File: i + 1, Reason: reason, Rows: fs.SkipReasons[reason]})
		}
	}
	for _, g := range sortedGroups(d.national) {
		if err := loader.AddNationalRate(ctx, d.national[g].NationalRate); err != nil {
			return Result{}, fmt.Errorf("ingest: %w", err)
		}
	}
	d.finish()
	if err := d.probs.err(names); err != nil {
		return Result{}, err
	}
	for i, f := range files {
		if err := keepInput(ctx, loader, i+1, f, infos[i]); err != nil {
			return Result{}, fmt.Errorf("ingest: %w", err)
		}
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

// loadFile reads one input file into the decoder, reporting progress. The
// error it returns is for failures that are not the input's fault.
func loadFile(d *decoder, ordinal int, file File, info sniffed, report func(Progress)) (FileSummary, error) {
	f, err := file.Open()
	if err != nil {
		return FileSummary{Name: file.Name, Encoding: info.encoding}, err
	}
	defer f.Close()
	counter := &countingReader{r: f}
	progress := func(records int, done bool) {
		if report != nil {
			report(Progress{File: file.Name, Rows: records, Bytes: counter.n, Size: info.size, Done: done})
		}
	}
	fs, records, err := d.file(ordinal, file.Name, counter, info.encoding, func(records int) { progress(records, false) })
	if err != nil {
		return fs, err
	}
	progress(records, true)
	return fs, nil
}

// keepInput stores input file ordinal's bytes in the release, as the
// publisher gave them, and checks they are the bytes the rows were read
// from: the same size and sha256 as when the file was first read.
func keepInput(ctx context.Context, loader *store.Loader, ordinal int, file File, info sniffed) error {
	f, err := file.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	sum, size, err := loader.AddInput(ctx, ordinal, f)
	if err != nil {
		return err
	}
	if sum != info.sha256 || size != info.size {
		return fmt.Errorf("%s changed while it was being read (%d bytes, sha256 %s; then %d bytes, sha256 %s): load it again once nothing is writing it",
			file.Name, info.size, info.sha256, size, sum)
	}
	return nil
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

// groupSeen is what a decoder knows of one group's rows: where its first row
// is, and the first row that differs from it in being risk-adjusted.
type groupSeen struct {
	first       outcome.Row
	mixed       bool
	mixedAt     outcome.Row
	hasExpected bool
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

// CheckPublication checks the publication's dates and correction: dates
// are real days written YYYY-MM-DD, the next update is not before the
// publication, and a correction says what it corrects and why.
func CheckPublication(opts Options) error {
	for _, d := range []struct{ flag, value string }{{"published", opts.PublishedOn}, {"next-update", opts.NextUpdate}} {
		if d.value == "" {
			continue
		}
		if t, err := time.Parse(time.DateOnly, d.value); err != nil || t.Format(time.DateOnly) != d.value {
			return fmt.Errorf("--%s %q: want a date written YYYY-MM-DD, such as 2025-03-31", d.flag, d.value)
		}
	}
	if opts.PublishedOn != "" && opts.NextUpdate != "" && opts.NextUpdate < opts.PublishedOn {
		return fmt.Errorf("--next-update %s is before --published %s", opts.NextUpdate, opts.PublishedOn)
	}
	note := strings.TrimSpace(opts.Note)
	switch {
	case opts.Corrects != "" && note == "":
		return fmt.Errorf("--corrects %s needs --note saying what was wrong", opts.Corrects)
	case opts.Corrects == "" && opts.Note != "":
		return errors.New("--note says what a correction corrects: give --corrects RELEASE with it")
	case len(note) > 2000 || !utf8.ValidString(note):
		return errors.New("--note: at most 2,000 bytes of UTF-8 text")
	}
	return nil
}

// checkCorrected checks that the release a correction corrects exists and
// was not corrected already: a correction of a correction corrects the
// newest, so that each release has at most one successor.
func checkCorrected(ctx context.Context, db *store.DB, id string) error {
	if id == "" {
		return nil
	}
	old, err := db.Release(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("--corrects %s: no such release (outcomes releases lists them)", id)
	}
	if err != nil {
		return err
	}
	if old.SupersededBy != "" {
		return fmt.Errorf("--corrects %s: it was already corrected by release %s; correct that one instead", id, old.SupersededBy)
	}
	return nil
}
