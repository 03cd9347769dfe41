package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/demo"
	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/store"
)

// serverFlags are the flags serve and demo share.
type serverFlags struct {
	db, addr   string
	rateLimit  float64
	trustProxy bool
	// reloadEvery is how often the server asks the database for new
	// releases; zero means releasePoll. Not a flag: tests shorten it.
	reloadEvery time.Duration
}

// releasePoll is how often a running server asks its database whether a
// release has been committed since. Asking costs one small query; ten
// seconds is as long as a new release waits to be served.
const releasePoll = 10 * time.Second

func (env environment) serverFlagSet(name string) (*flag.FlagSet, *serverFlags) {
	f := &serverFlags{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&f.db, "db", env.getenvOr("OUTCOMES_DB", "outcomes.db"), "SQLite database `file`")
	fs.StringVar(&f.addr, "addr", env.getenvOr("OUTCOMES_ADDR", "127.0.0.1:8080"), "listen `address`")
	fs.Float64Var(&f.rateLimit, "rate-limit", 20,
		"requests a second allowed to one client address, in bursts of twice that; 0 turns limiting off")
	fs.BoolVar(&f.trustProxy, "trust-proxy", false,
		"take the client address from X-Forwarded-For (only behind a proxy you run)")
	return fs, f
}

func (f *serverFlags) check() error {
	if f.rateLimit < 0 || f.rateLimit != f.rateLimit {
		return usagef("--rate-limit must be 0 or more")
	}
	return nil
}

// serve runs `outcomes serve`.
func (env environment) serve(ctx context.Context, args []string) error {
	fs, f := env.serverFlagSet("serve")
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("serve: unexpected argument %q", rest[0])
	}
	if err := f.check(); err != nil {
		return err
	}
	return env.listenAndServe(ctx, f, nil)
}

// demo runs `outcomes demo`: it loads the bundled synthetic release if the
// database does not hold it yet, then serves.
func (env environment) demo(ctx context.Context, args []string) error {
	fs, f := env.serverFlagSet("demo")
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("demo: unexpected argument %q", rest[0])
	}
	if err := f.check(); err != nil {
		return err
	}
	if err := loadDemo(ctx, f.db, env); err != nil {
		return err
	}
	return env.listenAndServe(ctx, f, nil)
}

// loadDemo ingests the embedded demo release unless it is already loaded.
// While another process writes the database, a demo release already in it
// is served as it is, without waiting for the writer.
func loadDemo(ctx context.Context, dbPath string, env environment) error {
	db, err := store.Open(ctx, dbPath, store.Options{})
	if errors.Is(err, store.ErrWriterBusy) && demoLoaded(ctx, dbPath) {
		fmt.Fprintf(env.stdout, "%v; serving the demo release already loaded\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	defer db.Close()
	entries, err := demo.FS.ReadDir(".")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	m, err := ingest.Profile("canonical")
	if err != nil {
		return err
	}
	res, err := ingest.Load(ctx, db, ingest.FSFiles(demo.FS, names...), ingest.Options{
		Mapping: m, ReleaseID: demo.ReleaseID, Synthetic: true,
		Title: demo.Title, Source: demo.Source, Licence: demo.Licence,
		BeforeCommit: storeResults,
	})
	if err != nil {
		return err
	}
	printSummary(env.stdout, res)
	return writeDownload(ctx, db, env.stdout)
}

// demoLoaded says whether the database at dbPath, read without any lock,
// holds the demo release.
func demoLoaded(ctx context.Context, dbPath string) bool {
	db, err := store.Open(ctx, dbPath, store.Options{ReadOnly: true})
	if err != nil {
		return false
	}
	defer db.Close()
	_, err = db.Release(ctx, demo.ReleaseID)
	return err == nil
}

const (
	// logBufferBytes is how much log output waits for a slow stderr
	// before lines are dropped: some 5,000 request lines.
	logBufferBytes = 1 << 20
	// logCloseWait is how long a stopping server waits for its last log
	// lines to be written to a stderr that may never take them.
	logCloseWait = 2 * time.Second
)

// listenAndServe serves the database until ctx is cancelled, then shuts
// down gracefully. If ready is not nil it receives the bound address.
func (env environment) listenAndServe(ctx context.Context, f *serverFlags, ready chan<- string) error {
	// A server's stderr is often a pipe to a log collector. If the
	// collector exits, a write to fd 2 would kill the process with SIGPIPE
	// (os/signal: Go ignores it only for other descriptors); ignored, the
	// write fails with EPIPE and the lines are counted as dropped.
	signal.Ignore(syscall.SIGPIPE)
	logs := newLogWriter(env.stderr, logBufferBytes)
	defer logs.Close(logCloseWait)
	logger := slog.New(slog.NewTextHandler(logs, nil))
	file, err := openServedFile(ctx, f.db)
	if err != nil {
		return err
	}
	defer func() { file.db.Close() }() // the file open when serving stops
	db := file.db
	// The download is the latest release's own file, which ingest built
	// and hashed: serving needs no scratch space and leaves nothing behind.
	handler, err := api.New(ctx, api.Config{Version: version(), RateLimit: f.rateLimit, TrustProxy: f.trustProxy,
		LogLinesDropped: logs.Dropped,
		ReleaseFile:     func(id string) string { return store.ReleaseFilePath(f.db, id) }}, db, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	logger.Info("serving", "addr", "http://"+ln.Addr().String(), "db", f.db)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	watchCtx, stopWatching := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		watchReleases(watchCtx, handler, file, logger, cmp.Or(f.reloadEvery, releasePoll), hup)
	}()
	defer func() { stopWatching(); <-watched }() // before the file is closed
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// watchReleases takes releases committed while the server runs (an
// ingest into the same file), or a new file put in its place (a replica
// given a copy of a new release: deploy/replicas), every `every`, and at
// once on SIGHUP, and swaps the new set in (api.Handler.Reload). Polling,
// because an ingest is another process that need not know where, or
// whether, a server runs; SIGHUP for an operator who wants it now. A
// failed load leaves the releases before serving, and is logged.
func watchReleases(ctx context.Context, h *api.Handler, file *servedFile, logger *slog.Logger, every time.Duration,
	hup <-chan os.Signal) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-hup:
		}
		db := file.db
		next, replaced, err := file.reopened(ctx)
		if err != nil && ctx.Err() == nil {
			logger.Error("the database file was replaced but cannot be opened; serving the releases loaded before", "err", err)
			continue
		}
		if replaced {
			db = next.db
		}
		switch changed, err := h.Reload(ctx, db); {
		case err != nil && ctx.Err() == nil:
			logger.Error("new releases not loaded; serving those loaded before", "err", err)
			if replaced {
				next.db.Close()
			}
		case replaced:
			// The releases now served came from the new file; the old
			// handle reads a file no longer there.
			file.db.Close()
			*file = *next
			logger.Info("database file replaced", "latest", h.Latest(), "changed", changed)
		case changed:
			logger.Info("releases loaded", "latest", h.Latest())
		}
	}
}

// servedFile is the database file a server reads, with its identity when
// opened, so that a file renamed over it is noticed: the open handle goes
// on reading the old one.
type servedFile struct {
	path string
	db   *store.DB
	info os.FileInfo
}

// openServedFile opens path read-only. Its identity is taken first, so a
// file replaced in between is, at worst, opened again.
func openServedFile(ctx context.Context, path string) (*servedFile, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, path, store.Options{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	return &servedFile{path: path, db: db, info: info}, nil
}

// reopened opens the file at f's path if it is not the one f opened, and
// says whether it did.
func (f *servedFile) reopened(ctx context.Context) (*servedFile, bool, error) {
	info, err := os.Stat(f.path)
	if err != nil || os.SameFile(info, f.info) {
		return nil, false, nil // gone for a moment, or the same: keep it
	}
	next, err := openServedFile(ctx, f.path)
	if err != nil {
		return nil, false, err
	}
	return next, true, nil
}

// releases runs `outcomes releases`.
func (env environment) releases(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("releases", flag.ContinueOnError)
	dbPath := fs.String("db", env.getenvOr("OUTCOMES_DB", "outcomes.db"), "SQLite database `file`")
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("releases: unexpected argument %q", rest[0])
	}
	// Read-only: no lock, no migration, so it answers while an ingest runs.
	db, err := store.Open(ctx, *dbPath, store.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	rs, err := db.Releases(ctx)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		fmt.Fprintf(env.stdout, "no releases in %s\n", *dbPath)
		return nil
	}
	w := newTable(env.stdout)
	w.row("ID", "INGESTED", "PROFILE", "ROWS", "SKIPPED", "PERIODS", "ENCODING", "SHA256", "PUBLISHED", "STATUS", "TITLE")
	for _, r := range rs {
		w.row(r.ID, r.IngestedAt.Format(time.RFC3339), r.Profile, fmt.Sprint(r.Rows), skippedSummary(r),
			periodsSummary(r.Periods), encodingSummary(r.Files), r.InputSHA256[:16]+"…", publishedSummary(r),
			statusSummary(r), r.Title)
	}
	return w.flush()
}

// publishedSummary is when the publisher published a release and will
// next update it, as far as the release says: "2025-03-31, next 2026-03-31".
func publishedSummary(r store.Release) string {
	switch {
	case r.PublishedOn != "" && r.NextUpdate != "":
		return r.PublishedOn + ", next " + r.NextUpdate
	case r.NextUpdate != "":
		return "next " + r.NextUpdate
	}
	return cmp.Or(r.PublishedOn, "-")
}

// statusSummary says where a release stands among corrections: what it
// corrects, what superseded it (the notes are in the API and the pages).
func statusSummary(r store.Release) string {
	var s []string
	if r.Corrects != "" {
		s = append(s, "corrects "+r.Corrects)
	}
	if r.SupersededBy != "" {
		s = append(s, "superseded by "+r.SupersededBy)
	}
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, "; ")
}

// skippedSummary is a release's skipped rows with their reasons, as the
// ingest summary line gives them: "55 (55 national)". A release loaded
// before reasons were stored says so rather than showing none.
func skippedSummary(r store.Release) string {
	if r.Skipped > 0 && len(r.Skips) == 0 {
		return fmt.Sprintf("%d (reasons not recorded)", r.Skipped)
	}
	return fmt.Sprint(r.Skipped) + reasons(r.SkippedBy())
}

// encodingSummary is how a release's files were read, as the ingest
// summary line gave it ("utf-8, 11 records windows-1252"), so a file whose
// years mix encodings is still visible once loaded. Files read differently
// are each named ("a.csv utf-8; b.csv windows-1252").
func encodingSummary(files []store.ReleaseFile) string {
	if len(files) == 0 {
		return "-"
	}
	same := true
	for _, f := range files[1:] {
		same = same && f.Encoding == files[0].Encoding
	}
	if same {
		return cmp.Or(files[0].Encoding, "-")
	}
	each := make([]string, len(files))
	for i, f := range files {
		each[i] = f.Name + " " + cmp.Or(f.Encoding, "-")
	}
	return strings.Join(each, "; ")
}

func periodsSummary(ps []string) string {
	switch len(ps) {
	case 0:
		return "-"
	case 1:
		return ps[0]
	}
	return fmt.Sprintf("%s … %s (%d)", ps[0], ps[len(ps)-1], len(ps))
}

// version names the build: the module version, or the VCS revision of a
// build from a checkout.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v = s.Value[:12]
		}
	}
	if v == "" || v == "(devel)" {
		return "dev"
	}
	return v
}
