package api_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/store"
)

// TestMigration0009AnswersAsFresh builds a database at migration 0008
// holding the demo release as that schema held it (results one row per
// unit in the result_unit table), opens it so that 0009 moves the results
// into result_funnel by its Go step, and checks the upgraded file holds
// the same result_funnel rows, byte for byte, as the demo freshly
// ingested, and that the API and the pages answer the same bytes on both.
func TestMigration0009AnswersAsFresh(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "at0008.db")
	writeAt0008(t, path, store.ReleaseFilePath(demoDB, "demo"))
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatalf("store.Open(database at 0008) = %v", err)
	}
	if got := db.Migrated(); len(got) == 0 || got[0] != "0009_result_funnel.sql" {
		t.Errorf("migrations applied = %q, want 0009 first", got)
	}
	db.Close()

	// Both releases' data is in their own files (0011 moves it there).
	// The upgraded one keeps 0009's units encoding 1, without the second
	// figures (0013); the catalog computes those at load, so the answers
	// below are still the same bytes.
	if fresh, upgraded := funnelRows(t, store.ReleaseFilePath(demoDB, "demo"), true), funnelRows(t, store.ReleaseFilePath(path, "demo"), false); !slices.Equal(fresh, upgraded) || len(fresh) < 10 {
		t.Errorf("result_funnel after 0009: %d rows, fresh ingest %d, equal %t; want the same rows",
			len(upgraded), len(fresh), slices.Equal(fresh, upgraded))
	}

	freshSrv, upgradedSrv := newServer(t, api.Config{}), newServerOn(t, path, api.Config{})
	paths := []string{"/api/v1/releases/demo", "/api/v1/specialties", "/api/v1/surgeons.csv?limit=1000",
		"/api/v1/hospitals.csv?limit=1000", "/api/v1/surgeons?limit=1000", "/api/v1/surgeons/9000017",
		"/api/v1/hospitals/ZZ101", "/", "/specialties", "/hospitals", "/surgeons/9000017", "/hospitals/ZZ101",
		"/search?q=invented", "/api/v1/surgeons?q=9000"}
	for _, slug := range []string{"adult-cardiac", "vascular"} {
		paths = append(paths, "/specialties/"+slug, "/specialties/"+slug+"/funnel.svg",
			"/api/v1/specialties/"+slug, "/api/v1/specialties/"+slug+"/hospitals.csv?limit=1000",
			"/api/v1/specialties/"+slug+"/funnel", "/api/v1/specialties/"+slug+"/funnel?unit_type=hospital")
	}
	for _, p := range paths {
		freshResp, want := get(t, freshSrv, http.MethodGet, p)
		resp, got := get(t, upgradedSrv, http.MethodGet, p)
		if freshResp.StatusCode != http.StatusOK || resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d fresh, %d upgraded; want 200", p, freshResp.StatusCode, resp.StatusCode)
			continue
		}
		if string(got) != string(want) {
			diff := firstDifference(got, want)
			t.Errorf("GET %s: upgraded answers %d bytes, fresh %d; first difference: %s", p, len(got), len(want),
				diff[:min(len(diff), 1000)])
		}
	}
}

// funnelRows are the result_funnel rows of the database at path, each as
// one text; asEncoding1 gives rows of units encoding 2 as encoding 1
// writes them, each unit without its last nine values (0013's second
// figures).
func funnelRows(t *testing.T, path string, asEncoding1 bool) []string {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	encoding, units := "encoding", "units"
	if asEncoding1 {
		drop := "'$[36]'" // highest first: each removal shifts the rest
		for i := 35; i >= 28; i-- {
			drop += fmt.Sprintf(", '$[%d]'", i)
		}
		encoding = "CASE encoding WHEN 2 THEN 1 ELSE encoding END"
		units = `CASE encoding WHEN 2 THEN (SELECT json_group_array(json(json_remove(value, ` + drop + `)))
			FROM (SELECT value FROM json_each(units) ORDER BY key)) ELSE units END`
	}
	rows, err := raw.Query(`SELECT release_id, specialty, procedure, period, unit_type, outcome, ` + encoding + `, ` + units + `
		FROM result_funnel ORDER BY release_id, specialty, procedure, period, unit_type`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var f [8]string
		if err := rows.Scan(&f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join(f[:], "\x00"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// writeAt0008 writes at path a database at migration 0008 (the embedded
// migrations' SQL, applied as store applied them) holding the releases of
// the current database at src, each unit's results a row of the
// result_unit table as 0008 kept them, copied from the result_unit view,
// whose first 27 columns are that table's. The release rows go in last,
// as a load commits them, for the immutability triggers.
func writeAt0008(t *testing.T, path, src string) {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	stmts := []string{`CREATE TABLE schema_migration (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
		applied_at TEXT NOT NULL) STRICT`}
	migrations, err := filepath.Glob("../store/migrations/000[1-8]_*.sql")
	if err != nil || len(migrations) != 8 {
		t.Fatalf("migrations 0001 to 0008: %q, %v", migrations, err)
	}
	slices.Sort(migrations)
	for i, m := range migrations {
		body, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, string(body), fmt.Sprintf(`INSERT INTO schema_migration VALUES (%d, '%s',
			'2026-01-01T00:00:00Z')`, i+1, filepath.Base(m)))
	}
	stmts = append(stmts, `ATTACH DATABASE 'file:`+src+`?mode=ro' AS src`, `BEGIN`)
	for _, table := range []string{"release_file", "release_period", "outcome_row", "national_rate",
		"result_curve", "search_unit", "release_skip"} {
		stmts = append(stmts, `INSERT INTO main.`+table+` SELECT * FROM src.`+table)
	}
	// result_group's columns at 0008: 0013 adds the shrinkage's fit.
	const groupColumns = `release_id, specialty, procedure, period, unit_type, scale, target, target_source, phi,
		phi_p_value, tau2, phi_units, units, assessed, expected_outside95, outside95, expected_outside998, outside998`
	stmts = append(stmts, `INSERT INTO main.result_group (`+groupColumns+`) SELECT `+groupColumns+` FROM src.result_group`)
	const unitColumns = `release_id, specialty, procedure, period, unit_type, unit_id, unit_name, aggregated,
		cases, events, expected, x, y, ratio, ramr, survival, ci_low, ci_high, lower95, upper95, lower998, upper998,
		band, verdict, p_high, p_low, detectable_ratio`
	stmts = append(stmts, `INSERT INTO main.result_unit (`+unitColumns+`) SELECT `+unitColumns+` FROM src.result_unit`,
		// The release's columns at 0008: later migrations add more.
		`INSERT INTO main.release SELECT id, title, source, licence, profile, input_sha256, mapping_sha256,
			interval_method, comparison, target_source, row_count, skipped_count, synthetic, ingested_at,
			interval_level, flag_level FROM src.release`, `COMMIT`, `DETACH DATABASE src`)
	for _, s := range stmts {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%.200s: %v", s, err)
		}
	}
	var units int
	if err := raw.QueryRow(`SELECT count(*) FROM result_unit`).Scan(&units); err != nil || units < 100 {
		t.Fatalf("result_unit rows at 0008 = %d, %v; want the demo's units", units, err)
	}
}
