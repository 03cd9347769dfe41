package api_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// bundleConfig offers the release files in dir, where the bundle is
// kept beside them.
func bundleConfig(dir string) api.Config {
	return api.Config{ReleaseFile: func(id string) string { return filepath.Join(dir, id+".sqlite") }}
}

// copyReleaseFiles copies the demo database's release files (and what
// ingest wrote beside them) into a new directory, so that the bundle
// written beside them is this test's alone.
func copyReleaseFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files, _ := filepath.Glob(demoDB + ".releases/*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestBundle: /data/releases/{id}.zip holds the rows and the summary as
// CSV, described by a datapackage.json that keeps the Data Package rules
// (checked here by hand: required properties, each file's size and sha256,
// headers equal to the schema's fields, every cell of its declared type,
// primary keys unique), a CITATION.cff and a README; the rows are exactly
// the collections' CSV rows; its ETag is strong, answers If-None-Match
// with 304, and is the same when a new server makes the bundle again.
func TestBundle(t *testing.T) {
	dir := copyReleaseFiles(t)
	// A bundle of format 1, which an older program kept beside the
	// release's file: it is not served, and goes once the new one is made.
	stale := filepath.Join(dir, "demo.zip")
	for _, f := range []string{stale, stale + ".sha256"} {
		if err := os.WriteFile(f, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := newServer(t, bundleConfig(dir))
	resp, body := get(t, srv, http.MethodGet, "/data/releases/demo.zip")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	for _, f := range []string{stale, stale + ".sha256"} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s, of the older format, is still there (%v)", f, err)
		}
	}
	etag := resp.Header.Get("ETag")
	sum := sha256.Sum256(body)
	if etag != `"`+hex.EncodeToString(sum[:])+`"` {
		t.Errorf("ETag %s is not the strong sha256 of the body", etag)
	}
	if resp, _ := get(t, srv, http.MethodGet, "/data/releases/demo.zip", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", resp.StatusCode)
	}
	if resp, _ := get(t, srv, http.MethodGet, "/data/releases/latest.zip"); resp.Header.Get("ETag") != etag {
		t.Errorf("latest.zip ETag %s, want %s", resp.Header.Get("ETag"), etag)
	}
	if resp, _ := get(t, srv, http.MethodGet, "/data/releases/nope.zip"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("nope.zip: status %d, want 404", resp.StatusCode)
	}

	files := unzip(t, body)
	var names []string
	zr, _ := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	demoFiles, _ := filepath.Glob("../demo/*.csv")
	slices.Sort(demoFiles) // the order the test's ingest was given them
	want := []string{"rows.csv", "summary.csv"}
	for _, f := range demoFiles {
		want = append(want, "original/"+filepath.Base(f))
	}
	want = append(want, "datapackage.json", "CITATION.cff", "README.txt", "SHA256SUMS")
	if len(demoFiles) == 0 || !slices.Equal(names, want) {
		t.Errorf("files %v, want %v", names, want)
	}
	checkDataPackage(t, files)
	// The publisher's files are those ingested, byte for byte.
	for _, f := range demoFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := files["original/"+filepath.Base(f)]; !bytes.Equal(got, b) {
			t.Errorf("original/%s: %d bytes, not the %d bytes of %s", filepath.Base(f), len(got), len(b), f)
		}
	}
	checkSHA256Sums(t, files)

	_, surgeons := get(t, srv, http.MethodGet, "/api/v1/surgeons.csv")
	_, hospitals := get(t, srv, http.MethodGet, "/api/v1/hospitals.csv")
	_, hospitalRows, _ := bytes.Cut(hospitals, []byte("\r\n"))
	if want := append(slices.Clip(surgeons), hospitalRows...); !bytes.Equal(files["rows.csv"], want) {
		t.Errorf("rows.csv (%d bytes) is not surgeons.csv then hospitals.csv's rows (%d bytes)", len(files["rows.csv"]), len(want))
	}
	_, summary := get(t, srv, http.MethodGet, "/api/v1/summary.csv")
	if !bytes.Equal(files["summary.csv"], summary) {
		t.Errorf("summary.csv is not /api/v1/summary.csv")
	}

	cff := string(files["CITATION.cff"])
	for _, key := range []string{"cff-version: 1.2.0\n", "message: ", "title: ", "authors:\n  - name: ", "version: \"demo\"\n",
		"date-released: ", "type: dataset\n", "license: \"CC0-1.0\"\n"} {
		if !strings.Contains(cff, key) {
			t.Errorf("CITATION.cff lacks %q:\n%s", key, cff)
		}
	}
	readme := string(files["README.txt"])
	for _, want := range []string{"original/adult-cardiac.csv", "byte for byte", "per 100", "/methodology", "sha256sum -c SHA256SUMS"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.txt does not say %q:\n%s", want, readme)
		}
	}

	// The release's resource, its page and the data page link to it.
	_, rel := get(t, srv, http.MethodGet, "/api/v1/releases/demo")
	var release struct {
		Data struct{ Links map[string]any }
	}
	if err := json.Unmarshal(rel, &release); err != nil || release.Data.Links["bundle"] != "/data/releases/demo.zip" {
		t.Errorf("/api/v1/releases/demo links %v (%v), want bundle /data/releases/demo.zip", release.Data.Links, err)
	}
	for _, page := range []string{"/data", "/releases/demo"} {
		if _, html := get(t, srv, http.MethodGet, page); !bytes.Contains(html, []byte(`<a href="/data/releases/demo.zip" download>`)) {
			t.Errorf("%s does not link to the bundle", page)
		}
	}

	// A new server over the same database makes the same bytes again.
	if err := os.Remove(filepath.Join(dir, "bundle-3", "demo.zip")); err != nil {
		t.Fatal(err)
	}
	again, _ := get(t, newServer(t, bundleConfig(dir)), http.MethodGet, "/data/releases/demo.zip")
	if again.Header.Get("ETag") != etag {
		t.Errorf("second start: ETag %s, want %s", again.Header.Get("ETag"), etag)
	}
	// One more start finds the bundle made and its hash beside it.
	if resp, _ := get(t, newServer(t, bundleConfig(dir)), http.MethodGet, "/data/releases/demo.zip"); resp.Header.Get("ETag") != etag {
		t.Errorf("third start: ETag %s, want %s", resp.Header.Get("ETag"), etag)
	}
	if side, err := os.ReadFile(filepath.Join(dir, "bundle-3", "demo.zip.sha256")); err != nil || !strings.HasPrefix(`"`+string(side), strings.TrimSuffix(etag, `"`)) {
		t.Errorf("demo.zip.sha256 %q (%v), want the ETag's hash", side, err)
	}
}

// checkSHA256Sums: SHA256SUMS, as sha256sum -c reads it, names every
// other file of the bundle once, each with its own sha256.
func checkSHA256Sums(t *testing.T, files map[string][]byte) {
	t.Helper()
	listed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(string(files["SHA256SUMS"]), "\n"), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		data, inZip := files[name]
		got := sha256.Sum256(data)
		if !ok || !inZip || sum != hex.EncodeToString(got[:]) || listed[name] {
			t.Errorf("SHA256SUMS line %q: in the zip %v, sha256 of the file %x", line, inZip, got)
		}
		listed[name] = true
	}
	for name := range files {
		if name != "SHA256SUMS" && !listed[name] {
			t.Errorf("SHA256SUMS does not list %s", name)
		}
	}
}

// unzip reads every file of the zip.
func unzip(t *testing.T, body []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("zip: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		files[f.Name] = b
	}
	return files
}

// checkDataPackage holds datapackage.json to the Data Package and Table
// Schema rules.
func checkDataPackage(t *testing.T, files map[string][]byte) {
	t.Helper()
	var pkg struct {
		Profile   string `json:"profile"`
		Name      string `json:"name"`
		Licenses  []struct{ Name, Title string }
		Sources   []struct{ Title string }
		SHA256    string `json:"x-release-sha256"`
		Resources []struct {
			Name, Path, Profile, Format, Mediatype, Encoding, Hash string
			Bytes                                                  int64
			Schema                                                 *struct {
				Fields []struct {
					Name, Type, Description string
					Constraints             struct{ Required bool }
				}
				PrimaryKey []string
			}
		}
	}
	if err := json.Unmarshal(files["datapackage.json"], &pkg); err != nil {
		t.Fatalf("datapackage.json: %v", err)
	}
	if pkg.Name == "" || strings.Trim(pkg.Name, "abcdefghijklmnopqrstuvwxyz0123456789.-_") != "" {
		t.Errorf("name %q: required, lower case letters, digits, . - _", pkg.Name)
	}
	if len(pkg.Licenses) != 1 || pkg.Licenses[0].Name != "CC0-1.0" || len(pkg.Sources) != 1 || pkg.Sources[0].Title == "" {
		t.Errorf("licenses %v, sources %v", pkg.Licenses, pkg.Sources)
	}
	if len(pkg.SHA256) != 64 {
		t.Errorf("release sha256 %q", pkg.SHA256)
	}
	// Every data file of the zip is a resource, named once; the two
	// tables are tabular resources with a schema, the publisher's files
	// plain data resources, which makes the package a data package (a
	// tabular data package may hold tables only).
	described := map[string]bool{"datapackage.json": true, "CITATION.cff": true, "README.txt": true, "SHA256SUMS": true}
	tables := 0
	for _, r := range pkg.Resources {
		data, ok := files[r.Path]
		if !ok || r.Name == "" || strings.Trim(r.Name, "abcdefghijklmnopqrstuvwxyz0123456789.-_") != "" || described[r.Path] ||
			r.Format != "csv" || r.Mediatype != "text/csv" || r.Encoding != "utf-8" {
			t.Errorf("resource %s: path %q in zip %v (described before %v), format %q, mediatype %q, encoding %q",
				r.Name, r.Path, ok, described[r.Path], r.Format, r.Mediatype, r.Encoding)
			continue
		}
		described[r.Path] = true
		sum := sha256.Sum256(data)
		if r.Bytes != int64(len(data)) || r.Hash != "sha256:"+hex.EncodeToString(sum[:]) {
			t.Errorf("%s: bytes %d hash %s, file has %d bytes, sha256 %x", r.Path, r.Bytes, r.Hash, len(data), sum)
		}
		if r.Profile == "data-resource" {
			if r.Schema != nil {
				t.Errorf("%s: a data resource with a schema", r.Path)
			}
			continue
		}
		if r.Profile != "tabular-data-resource" || r.Schema == nil {
			t.Errorf("%s: profile %q, schema %v", r.Path, r.Profile, r.Schema)
			continue
		}
		tables++
		records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil || len(records) < 2 {
			t.Fatalf("%s: %d records, %v", r.Path, len(records), err)
		}
		var fields []string
		for _, f := range r.Schema.Fields {
			fields = append(fields, f.Name)
			if f.Description == "" {
				t.Errorf("%s: field %s has no description", r.Path, f.Name)
			}
		}
		if !slices.Equal(records[0], fields) {
			t.Errorf("%s: header %v, schema's fields %v", r.Path, records[0], fields)
		}
		var key []int
		for _, k := range r.Schema.PrimaryKey {
			i := slices.Index(fields, k)
			if i < 0 {
				t.Errorf("%s: primary key field %s is not a field", r.Path, k)
			}
			key = append(key, i)
		}
		if len(key) == 0 {
			t.Errorf("%s: no primary key", r.Path)
		}
		seen := map[string]int{}
		for n, rec := range records[1:] {
			for i, f := range r.Schema.Fields {
				if !validCell(rec[i], f.Type, f.Constraints.Required) {
					t.Fatalf("%s row %d: %s = %q is not a %s (required %v)", r.Path, n+2, f.Name, rec[i], f.Type, f.Constraints.Required)
				}
			}
			var id []string
			for _, i := range key {
				id = append(id, rec[i])
			}
			k := strings.Join(id, "\x00")
			if prev, dup := seen[k]; dup {
				t.Fatalf("%s: rows %d and %d share the primary key %v", r.Path, prev, n+2, id)
			}
			seen[k] = n + 2
		}
	}
	for name := range files {
		if !described[name] {
			t.Errorf("%s is in the zip but not in datapackage.json", name)
		}
	}
	if tables != 2 || pkg.Profile != "data-package" {
		t.Errorf("%d tables in a package of profile %q, want 2 in a data-package", tables, pkg.Profile)
	}
}

// validCell reports whether cell is a value of the Table Schema type, an
// empty cell (the missing value) allowed only where not required.
func validCell(cell, typ string, required bool) bool {
	if cell == "" {
		return !required
	}
	switch typ {
	case "string":
		return true
	case "integer":
		_, err := strconv.ParseInt(cell, 10, 64)
		return err == nil
	case "number":
		_, err := strconv.ParseFloat(cell, 64)
		return err == nil
	case "boolean":
		return cell == "true" || cell == "false"
	}
	return false
}
