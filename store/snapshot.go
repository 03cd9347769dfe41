package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

	"modernc.org/sqlite"
)

// Snapshot writes a consistent copy of the whole database (the catalogue:
// each release's data is in its own file) to a new file at path (VACUUM
// INTO): a copy of the live file could be torn by a concurrent ingest's
// checkpoint.
//
// It runs on a connection of its own opened with mode=ro, because the
// reader's query_only pragma refuses VACUUM INTO although it leaves the
// database untouched.
func (db *DB) Snapshot(ctx context.Context, path string) error {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", "busy_timeout(10000)")
	connector, err := sqlite.NewConnector("file:" + db.path + "?" + q.Encode())
	if err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	conn := sql.OpenDB(connector)
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("store: snapshot to %s: %w", path, err)
	}
	return nil
}
