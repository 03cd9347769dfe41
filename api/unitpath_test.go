package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/store"
)

// oddIDs are the ids of a database loaded before ingest refused ids that
// need encoding in a web address (issue 11), by placeholder: the surgeons
// and hospitals of oddIDsDB, each with a name that says which it is.
var oddIDs = []struct{ placeholder, id, name string }{
	{"S1", "a/b", "Dr Oddid Slash"},
	{"S2", "x?y=1#z", "Dr Oddid Query"},
	{"S3", "50%", "Dr Oddid Percent"},
	{"S4", "p/../q", "Dr Oddid Dots"},
	{"S5", "=1+1", "Dr Oddid Formula"},
	{"S6", "100%2F", "Dr Oddid Escape"}, // a literal %2F: decoded twice it would be "100/"
	{"S7", "café 7", "Dr Oddid Accent"},
	{"H1", "h/1?x#y", "Oddhosp Slash Infirmary"},
	{"H2", "..%", "Oddhosp Dots Infirmary"},
}

// oddIDsDB writes a release whose ids hold "/ ? # .. %": loaded by
// outcomes ingest with placeholder ids, which ingest accepts, then renamed in the
// file with the immutability triggers dropped, as only an old database
// or a hand-edited one could be.
func oddIDsDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("specialty,period,unit_type,unit_id,unit_name,hospital_id,hospital_name,cases,events,expected\n")
	for i, u := range oddIDs {
		if u.placeholder[0] != 'S' {
			continue
		}
		h := oddIDs[7+i%2]
		fmt.Fprintf(&b, "vascular,2024,surgeon,%s,%s,%s,%s,%d,%d,%.1f\n", u.placeholder, u.name, h.placeholder, h.name,
			100+10*i, 2+i%3, 3.0)
	}
	for i := range 12 { // ordinary surgeons, so the funnel has limits
		fmt.Fprintf(&b, "vascular,2024,surgeon,G%02d,Dr Plain %02d,H1,Oddhosp Slash Infirmary,%d,%d,%.1f\n", i, i, 80+15*i, 1+i%4, 2.5)
	}
	csvPath := filepath.Join(dir, "odd.csv")
	if err := os.WriteFile(csvPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "odd.db")
	if out, err := exec.Command(outcomesBin, "ingest", "--db", path, "--release", "odd", csvPath).CombinedOutput(); err != nil {
		t.Fatalf("outcomes ingest: %v\n%s", err, out)
	}

	// The release's data is in its own file, read-only on disk.
	file := store.ReleaseFilePath(path, "odd")
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'trigger'`)
	if err != nil {
		t.Fatal(err)
	}
	var triggers []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		triggers = append(triggers, name)
	}
	rows.Close()
	stmts := []string{}
	for _, name := range triggers {
		stmts = append(stmts, `DROP TRIGGER "`+name+`"`)
	}
	var args [][]any
	for _, u := range oddIDs {
		for _, s := range []string{
			`UPDATE outcome_row SET unit_id = ?2 WHERE unit_id = ?1`,
			`UPDATE outcome_row SET hospital_id = ?2 WHERE hospital_id = ?1`,
			// result_unit is a view of result_funnel (store/migrations/0009):
			// the ids, quoted, are the units' and their hospitals'.
			`UPDATE result_funnel SET units = replace(units, json_quote(?1), json_quote(?2))`,
			`UPDATE search_unit SET unit_id = ?2 WHERE unit_id = ?1`,
			`UPDATE search_unit SET hospital_ids = replace(hospital_ids, json_quote(?1), json_quote(?2))`,
		} {
			stmts = append(stmts, s)
			args = append(args, []any{u.placeholder, u.id})
		}
	}
	stmts = append(stmts, `INSERT INTO search_unit_fts (search_unit_fts) VALUES ('rebuild')`)
	for i, s := range stmts {
		var a []any
		if j := i - len(triggers); j >= 0 && j < len(args) {
			a = args[j]
		}
		if _, err := raw.ExecContext(ctx, s, a...); err != nil {
			t.Fatalf("%s %v: %v", s, a, err)
		}
	}
	var n int
	if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM result_unit WHERE unit_id IN ('a/b', 'h/1?x#y')`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("renamed units in result_unit = %d, %v; want 2", n, err)
	}
	return path
}

var hrefAttr = regexp.MustCompile(`href="([^"]*)"`)

// TestOddIDsLinkBack serves a release whose ids hold "/ ? # .. %" and
// follows every link to a surgeon or hospital on the surgeon, hospital,
// specialty, search, compare and hospital index pages: each is one
// escaped path segment, with no query or fragment the id made, that
// routes back to the page of the unit it names. The JSON API finds the
// same ids however the client escapes them, decoding the path once.
func TestOddIDsLinkBack(t *testing.T) {
	srv := newServerOn(t, oddIDsDB(t), api.Config{})
	byType := map[string]map[string]string{"surgeons": {}, "hospitals": {}} // id → name
	var surgeons []string
	for _, u := range oddIDs {
		if u.placeholder[0] == 'S' {
			byType["surgeons"][u.id] = u.name
			surgeons = append(surgeons, u.id)
		} else {
			byType["hospitals"][u.id] = u.name
		}
	}
	pages := []string{"/hospitals", "/specialties/vascular", "/specialties/vascular?unit=hospital",
		"/search?q=oddid", "/search?q=oddhosp", "/compare?" + url.Values{"ids": {strings.Join(surgeons, ",")}}.Encode()}
	for _, u := range oddIDs {
		kind := "surgeons"
		if u.placeholder[0] == 'H' {
			kind = "hospitals"
		}
		pages = append(pages, "/"+kind+"/"+url.PathEscape(u.id))
	}
	linked := map[string]bool{}
	followed := map[string]bool{}
	for _, page := range pages {
		resp, body := get(t, srv, http.MethodGet, page)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", page, resp.StatusCode)
			continue
		}
		for _, m := range hrefAttr.FindAllStringSubmatch(string(body), -1) {
			href := html.UnescapeString(m[1])
			u, err := url.Parse(href)
			if err != nil {
				t.Errorf("%s: link %q does not parse: %v", page, href, err)
				continue
			}
			seg := strings.Split(u.EscapedPath(), "/")
			if len(seg) < 2 || (seg[1] != "surgeons" && seg[1] != "hospitals") || len(seg) == 2 {
				continue // not a unit's page
			}
			id, err := url.PathUnescape(seg[len(seg)-1])
			name, known := byType[seg[1]][id]
			if strings.HasPrefix(id, "G") && seg[1] == "surgeons" {
				name, known = "Dr Plain "+id[1:], true
			}
			if len(seg) != 3 || u.RawQuery != "" || u.Fragment != "" || err != nil || !known {
				t.Errorf("%s: link %q is not one escaped segment naming a unit (path %q, query %q, fragment %q)",
					page, href, u.EscapedPath(), u.RawQuery, u.Fragment)
				continue
			}
			linked[seg[1]+" "+id] = true
			if followed[href] {
				continue
			}
			followed[href] = true
			resp, unit := get(t, srv, http.MethodGet, href)
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(unit), html.EscapeString(name)) {
				t.Errorf("%s: link %q = %d, want 200 with the page of %s (%q)", page, href, resp.StatusCode, name, id)
			}
		}
	}
	for kind, ids := range byType {
		for id := range ids {
			if !linked[kind+" "+id] {
				t.Errorf("no page links to %s %q", kind, id)
			}
		}
	}
	t.Logf("followed %d distinct unit links from %d pages", len(followed), len(pages))

	// The API: the same unit however the path escapes it, decoded once.
	for _, tt := range []struct{ path, id string }{
		{"/api/v1/surgeons/=1+1", "=1+1"},
		{"/api/v1/surgeons/%3D1%2B1", "=1+1"},
		{"/api/v1/surgeons/%3d1+1", "=1+1"},
		{"/api/v1/surgeons/a%2Fb", "a/b"},
		{"/api/v1/surgeons/x%3Fy=1%23z", "x?y=1#z"},
		{"/api/v1/surgeons/100%252F", "100%2F"},
		{"/api/v1/surgeons/caf%C3%A9%207", "café 7"},
		{"/api/v1/releases/odd/hospitals/h%2F1%3Fx%23y", "h/1?x#y"},
		{"/api/v1/hospitals/..%25", "..%"},
	} {
		resp, body := get(t, srv, http.MethodGet, tt.path)
		quoted, _ := json.Marshal(tt.id)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"unit_id":`+string(quoted)) {
			t.Errorf("GET %s = %d, want 200 naming unit %q; body: %.300s", tt.path, resp.StatusCode, tt.id, body)
		}
	}
	// Decoded once: "100%2F" is not "100/", and %2F is not a path separator.
	for _, path := range []string{"/api/v1/surgeons/100%2F", "/surgeons/100%2F"} {
		if resp, _ := get(t, srv, http.MethodGet, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404 (no unit \"100/\")", path, resp.StatusCode)
		}
	}
}
