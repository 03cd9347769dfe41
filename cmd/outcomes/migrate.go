package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/surgeon-outcomes/outcomes/store"
)

// migrate runs `outcomes migrate`: it brings the database's schema up to
// this program's, which only writers do (ingest, demo, migrate), so that
// serve and releases can open it read-only after an upgrade without
// loading a release first.
func (env environment) migrate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	dbPath := fs.String("db", env.getenvOr("OUTCOMES_DB", "outcomes.db"), "SQLite database `file`")
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("migrate: unexpected argument %q", rest[0])
	}
	db, err := store.Open(ctx, *dbPath, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if ms := db.Migrated(); len(ms) > 0 {
		fmt.Fprintf(env.stdout, "%s: applied %s\n", *dbPath, strings.Join(ms, ", "))
	} else {
		fmt.Fprintf(env.stdout, "%s: schema already current\n", *dbPath)
	}
	return nil
}
