package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/surgeon-outcomes/outcomes/store"
)

// TestReleaseFiles: each ingest builds the release as a file of its own
// (store.Loader): a SQLite file of the whole schema holding that release
// alone, its rows, results and search index, sound, with its sha256
// beside it as sha256sum writes it, while the database keeps the
// catalogue. A correction's file holds the correction alone.
func TestReleaseFiles(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	code, stdout, stderr := runCmd(t, "ingest", "--db", db, "--release", "v1", "../../demo/vascular.csv")
	if code != 0 || !strings.Contains(stdout, "release file written: "+store.ReleaseFilePath(db, "v1")) {
		t.Fatalf("ingest v1 = %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCmd(t, "ingest", "--db", db, "--release", "v2", "--corrects", "v1", "--note", "Fixed.", "../../demo/urology.csv")
	if code != 0 || !strings.Contains(stdout, "release file written: "+store.ReleaseFilePath(db, "v2")) ||
		strings.Contains(stdout, store.ReleaseFilePath(db, "v1")) {
		t.Fatalf("ingest v2 = %d, want v2's file written and v1's left as it was\n%s%s", code, stdout, stderr)
	}
	master := openSQL(t, db)
	for _, id := range []string{"v1", "v2"} {
		path := store.ReleaseFilePath(db, id)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if side, err := os.ReadFile(path + ".sha256"); err != nil || string(side) != hex.EncodeToString(sum[:])+"  "+id+".sqlite\n" {
			t.Errorf("%s.sqlite.sha256 = %q, %v; want the file's sha256 as sha256sum writes it", id, side, err)
		}
		file := openSQL(t, path)
		var ids []string
		rows, err := file.Query(`SELECT id FROM release`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			ids = append(ids, s)
		}
		rows.Close()
		if len(ids) != 1 || ids[0] != id {
			t.Errorf("%s's file holds releases %v, want %s alone", id, ids, id)
		}
		var check string
		if err := file.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
			t.Errorf("%s's file: integrity_check %q, %v", id, check, err)
		}
		// The catalogue holds the release's own rows, the same as its file;
		// the release's data is in its file alone.
		for _, table := range []string{"release_file", "release_period"} {
			var want, got int
			if err := master.QueryRow(`SELECT count(*) FROM `+table+` WHERE release_id = ?`, id).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if err := file.QueryRow(`SELECT count(*) FROM ` + table).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want || want == 0 {
				t.Errorf("%s's file: %d rows in %s, want the catalogue's %d (not 0)", id, got, table, want)
			}
		}
		var loaded int
		if err := master.QueryRow(`SELECT row_count FROM release WHERE id = ?`, id).Scan(&loaded); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"outcome_row", "result_unit", "result_group", "search_unit"} {
			var inFile, inCatalogue int
			if err := file.QueryRow(`SELECT count(*) FROM ` + table).Scan(&inFile); err != nil {
				t.Fatal(err)
			}
			if err := master.QueryRow(`SELECT count(*) FROM ` + table).Scan(&inCatalogue); err != nil {
				t.Fatal(err)
			}
			if inFile == 0 || (table == "outcome_row" && inFile != loaded) || inCatalogue != 0 {
				t.Errorf("%s: %d rows in its file's %s (release loaded %d), %d in the catalogue's; want them in the file alone",
					id, inFile, table, loaded, inCatalogue)
			}
		}
		var indexed int
		if err := file.QueryRow(`SELECT count(*) FROM search_unit_fts`).Scan(&indexed); err != nil || indexed == 0 {
			t.Errorf("%s's file: %d units in its search index, %v", id, indexed, err)
		}
	}
	// The release files read as databases of their own.
	rel, err := store.Open(context.Background(), store.ReleaseFilePath(db, "v2"), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("store.Open(v2's file) = %v", err)
	}
	defer rel.Close()
	rs, err := rel.Releases(context.Background())
	if err != nil || len(rs) != 1 || rs[0].Corrects != "v1" || rs[0].CorrectionNote != "Fixed." {
		t.Errorf("v2's file lists %+v, %v; want v2 correcting v1", rs, err)
	}
}

func openSQL(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
