package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/store"
)

// ingestMemoryLimit is the heap ingest asks Go's collector to keep to
// (a soft limit; GOMEMLIMIT overrides it). A load holds the release's rows
// in memory, about 90 bytes a row where every surgeon is distinct
// (store's rowTable), and the collector would otherwise let the heap grow
// to twice what is live: 325 MB at the peak of a 1,000,000-row release
// instead of 245 MB. A larger release goes past it and only collects more
// often.
const ingestMemoryLimit = 160 << 20

// ingest runs `outcomes ingest`.
func (env environment) ingest(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	dbPath := fs.String("db", env.getenvOr("OUTCOMES_DB", "outcomes.db"), "SQLite database `file`")
	profile := fs.String("profile", "", "built-in profile `name`: "+strings.Join(ingest.Profiles(), ", ")+" (default canonical)")
	mappingFile := fs.String("mapping", "", "mapping `file` (TOML) for a publisher without a profile")
	releaseID := fs.String("release", "", "release `id` (default: the first 12 hex digits of the input's sha256)")
	title := fs.String("title", "", "release title")
	source := fs.String("source", "", "release source `URL`")
	licence := fs.String("licence", "", "release licence")
	published := fs.String("published", "", "the `date` (YYYY-MM-DD) the publisher published these figures")
	nextUpdate := fs.String("next-update", "", "the `date` (YYYY-MM-DD) the publisher says it will next update them")
	corrects := fs.String("corrects", "", "the `release` this one corrects: it is superseded, and both stay served")
	note := fs.String("note", "", "what the correction corrects (required with --corrects)")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("ingest: no input files")
	}
	m, err := selectMapping("ingest", *profile, *mappingFile)
	if err != nil {
		return err
	}
	opts := ingest.Options{
		Mapping: m, ReleaseID: *releaseID, Title: *title, Source: *source, Licence: *licence,
		PublishedOn: *published, NextUpdate: *nextUpdate, Corrects: *corrects, Note: *note,
		BeforeCommit: storeResults,
	}
	if err := ingest.CheckPublication(opts); err != nil {
		return usagef("ingest: %v", err)
	}

	db, err := store.Open(ctx, *dbPath, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()

	if env.getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(ingestMemoryLimit))
	}
	progress := newProgress(env.stderr)
	opts.Progress = progress.update
	res, err := ingest.Load(ctx, db, ingest.OSFiles(files...), opts)
	progress.finish()
	if err != nil {
		return err
	}
	printSummary(env.stdout, res)
	if !res.Existing {
		fmt.Fprintf(env.stdout, "release file written: %s\n", store.ReleaseFilePath(db.Path(), res.Release.ID))
	}
	return writeDownload(ctx, db, env.stdout)
}

// writeDownload rewrites the consistent copy of the catalogue beside the
// database (store.DownloadPath) after every successful ingest, "already
// loaded" included, so re-running an ingest repairs a copy that is
// missing or older than the database. Replicas take it (deploy/replicas);
// each release's data is in its own file, which ingest wrote already.
func writeDownload(ctx context.Context, db *store.DB, w io.Writer) error {
	if err := db.WriteDownload(ctx); err != nil {
		return err
	}
	fmt.Fprintf(w, "catalogue copy written: %s\n", store.DownloadPath(db.Path()))
	return nil
}

// selectMapping returns the mapping that --profile or --mapping names
// (canonical when neither does). An unknown profile is bad usage; a bad
// mapping file is bad input.
func selectMapping(cmd, profile, mappingFile string) (*ingest.Mapping, error) {
	if profile != "" && mappingFile != "" {
		return nil, usagef("%s: give --profile or --mapping, not both", cmd)
	}
	if mappingFile != "" {
		return ingest.LoadMapping(mappingFile)
	}
	m, err := ingest.Profile(firstNonEmpty(profile, "canonical"))
	if err != nil {
		return nil, usagef("%s: %v", cmd, err)
	}
	return m, nil
}

// printSummary writes one line per file, or says which release already
// holds the input.
func printSummary(w io.Writer, res ingest.Result) {
	if res.Existing {
		fmt.Fprintf(w, "already loaded: release %s (ingested %s) holds these exact bytes (sha256 %s); nothing to do\n",
			res.Release.ID, res.Release.IngestedAt.Format(time.RFC3339), res.Release.InputSHA256)
		return
	}
	for _, f := range res.Files {
		fmt.Fprintf(w, "%s: %d rows loaded, %d skipped%s, release %s (%s)\n",
			f.Name, f.Rows, f.Skipped, reasons(f.SkipReasons), res.Release.ID, f.EncodingText())
		printFailed(w, f)
	}
}

// printFailed lists, under a file's summary line, the rows left out
// because they fail a check the mapping's [skip] checks names, each as
// the error it would otherwise have been, so none is left out silently.
func printFailed(w io.Writer, f ingest.FileSummary) {
	for _, re := range f.FailedRows {
		fmt.Fprintf(w, "  skipped %s\n", re)
	}
	if more := f.Failed - len(f.FailedRows); more > 0 {
		fmt.Fprintf(w, "  and %d more skipped rows failing a check (%d in all)\n", more, f.Failed)
	}
}

func reasons(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// progress draws a progress bar on a terminal: the file, a bar of bytes
// read, rows read and rows per second. Elsewhere it draws nothing, and the
// summary lines say what happened.
type progress struct {
	w       io.Writer
	on      bool
	start   time.Time
	last    time.Time
	drawn   bool
	nowFunc func() time.Time
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, nowFunc: time.Now}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.on = true
		}
	}
	p.start = p.nowFunc()
	return p
}

func (p *progress) update(u ingest.Progress) {
	if !p.on {
		return
	}
	now := p.nowFunc()
	if !u.Done && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	fmt.Fprint(p.w, "\r"+progressLine(u, now.Sub(p.start), 30))
	p.drawn = true
	if u.Done {
		fmt.Fprintln(p.w)
		p.drawn = false
		p.start = now
	}
}

func (p *progress) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

// progressLine renders one state of the bar, width characters wide.
func progressLine(u ingest.Progress, elapsed time.Duration, width int) string {
	frac := 1.0
	if u.Size > 0 {
		frac = min(float64(u.Bytes)/float64(u.Size), 1)
	}
	filled := int(frac * float64(width))
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(u.Rows) / s
	}
	name := u.File
	if len(name) > 30 {
		name = "…" + name[len(name)-29:]
	}
	return fmt.Sprintf("%-30s [%s%s] %3.0f%% %s rows %s rows/s ",
		name, strings.Repeat("#", filled), strings.Repeat(".", width-filled), frac*100,
		groupThousands(u.Rows), groupThousands(int(rate)))
}

// groupThousands writes n with thousands separators: 1234567 → 1,234,567.
func groupThousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + groupThousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
