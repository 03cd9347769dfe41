package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/store"
	"github.com/surgeon-outcomes/outcomes/testdata/demo"
)

// serve runs `outcomes serve`.
func (env environment) serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	dbPath := fs.String("db", env.getenvOr("OUTCOMES_DB", "outcomes.db"), "SQLite database `file`")
	addr := fs.String("addr", env.getenvOr("OUTCOMES_ADDR", "127.0.0.1:8080"), "listen `address`")
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("serve: unexpected argument %q", rest[0])
	}
	return env.listenAndServe(ctx, *dbPath, *addr, nil)
}

// demo runs `outcomes demo`: it loads the bundled synthetic release if the
// database does not hold it yet, then serves.
func (env environment) demo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	dbPath := fs.String("db", env.getenvOr("OUTCOMES_DB", "outcomes.db"), "SQLite database `file`")
	addr := fs.String("addr", env.getenvOr("OUTCOMES_ADDR", "127.0.0.1:8080"), "listen `address`")
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("demo: unexpected argument %q", rest[0])
	}
	if err := loadDemo(ctx, *dbPath, env); err != nil {
		return err
	}
	return env.listenAndServe(ctx, *dbPath, *addr, nil)
}

// loadDemo ingests the embedded demo release unless it is already loaded.
func loadDemo(ctx context.Context, dbPath string, env environment) error {
	db, err := store.Open(ctx, dbPath, store.Options{})
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
		Mapping: m, ReleaseID: "demo", Synthetic: true,
		Title:        "Demo release: synthetic data for ten specialties (not real surgeons)",
		Source:       "Invented by the generator in cmd/outcomes/demodata_test.go",
		Licence:      "CC0-1.0",
		BeforeCommit: storeResults,
	})
	if err != nil {
		return err
	}
	printSummary(env.stdout, res)
	return nil
}

// listenAndServe serves the database until ctx is cancelled, then shuts
// down gracefully. If ready is not nil it receives the bound address.
func (env environment) listenAndServe(ctx context.Context, dbPath, addr string, ready chan<- string) error {
	logger := slog.New(slog.NewTextHandler(env.stderr, nil))
	db, err := store.Open(ctx, dbPath, store.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           api.New(api.Config{Version: "dev"}, db, logger),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	logger.Info("serving", "addr", "http://"+ln.Addr().String(), "db", dbPath)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
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

// releases runs `outcomes releases`.
func (env environment) releases(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("releases", flag.ContinueOnError)
	dbPath := fs.String("db", env.getenvOr("OUTCOMES_DB", "outcomes.db"), "SQLite database `file`")
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("releases: unexpected argument %q", rest[0])
	}
	db, err := store.Open(ctx, *dbPath, store.Options{})
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
	w.row("ID", "INGESTED", "PROFILE", "ROWS", "SKIPPED", "PERIODS", "SHA256", "TITLE")
	for _, r := range rs {
		w.row(r.ID, r.IngestedAt.Format(time.RFC3339), r.Profile, fmt.Sprint(r.Rows), fmt.Sprint(r.Skipped),
			periodsSummary(r.Periods), r.InputSHA256[:16]+"…", r.Title)
	}
	return w.flush()
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
