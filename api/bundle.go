package api

import (
	"archive/zip"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/site"
	"github.com/surgeon-outcomes/outcomes/store"
)

// The files of a release's bundle, in the order the zip holds them: the
// two CSVs first, so that datapackage.json, written after them, can give
// their sizes and hashes without holding them in memory.
const (
	bundleRows        = "rows.csv"
	bundleSummary     = "summary.csv"
	bundleDataPackage = "datapackage.json"
	bundleCitation    = "CITATION.cff"
	bundleReadme      = "README.txt"
)

// bundles are the releases' bundles made since start: each is written
// once, to a file beside the release's own file, and then served from
// there with its sha256 as a strong ETag.
type bundles struct {
	mu   sync.Mutex // held while one is made: a second request waits for it
	made map[string]bundleFile
}

// bundleFile is a finished bundle on disk.
type bundleFile struct {
	path   string
	sha256 string
}

// bundleURL is where release id's bundle is offered.
func bundleURL(id string) string {
	return "/data/releases/" + url.PathEscape(id) + ".zip"
}

// bundlePath is where release id's bundle is kept: beside its own SQLite
// file, with .zip for .sqlite. "" when the server offers no release files.
func (s *Server) bundlePath(id string) string {
	if s.cfg.ReleaseFile == nil {
		return ""
	}
	return strings.TrimSuffix(s.cfg.ReleaseFile(id), ".sqlite") + ".zip"
}

// bundle returns release rel's bundle, making it the first time it is
// asked for. One made before a restart is reused: its bytes are the same
// (fixed order, fixed timestamps), so only its hash is read.
func (s *Server) bundle(rel *catalog.Release) (bundleFile, error) {
	id := rel.Meta.ID
	s.bundles.mu.Lock()
	defer s.bundles.mu.Unlock()
	if b, ok := s.bundles.made[id]; ok {
		return b, nil
	}
	path := s.bundlePath(id)
	sum, err := existingSHA256(path)
	if os.IsNotExist(err) {
		sum, err = s.writeBundle(rel, path)
	}
	if err != nil {
		return bundleFile{}, fmt.Errorf("api: bundle of release %s: %w", id, err)
	}
	b := bundleFile{path: path, sha256: sum}
	if s.bundles.made == nil {
		s.bundles.made = map[string]bundleFile{}
	}
	s.bundles.made[id] = b
	return b, nil
}

// existingSHA256 is the sha256 of a bundle written before, read from
// beside it where writeBundle wrote it.
func existingSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	return knownOrHashed(path, f, st.Size())
}

// writeBundle writes rel's bundle to a temporary file beside path and
// renames it into place, so a reader never sees half a zip, and returns
// its sha256. Rows are streamed into the zip: a national release is never
// held in memory as CSV.
func (s *Server) writeBundle(rel *catalog.Release, path string) (sum string, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.partial")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	if err = writeBundleZip(io.MultiWriter(tmp, h), rel, s.dictionary.tables); err != nil {
		return "", err
	}
	if err = tmp.Chmod(0o644); err != nil { // CreateTemp's 0600 would hide it from a web server's user
		return "", err
	}
	if err = tmp.Close(); err != nil {
		return "", err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return "", err
	}
	sum = hex.EncodeToString(h.Sum(nil))
	// The hash beside the bundle, as sha256sum writes it, spares hashing
	// it again at the next start; without it, it is hashed then.
	_ = os.WriteFile(store.SHA256Path(path), []byte(sum+"  "+filepath.Base(path)+"\n"), 0o644)
	return sum, nil
}

// bundleResource is what datapackage.json says of one CSV of the bundle.
type bundleResource struct {
	Name      string         `json:"name"`
	Path      string         `json:"path"`
	Title     string         `json:"title"`
	Desc      string         `json:"description"`
	Profile   string         `json:"profile"`
	Format    string         `json:"format"`
	MediaType string         `json:"mediatype"`
	Encoding  string         `json:"encoding"`
	Bytes     int64          `json:"bytes"`
	Hash      string         `json:"hash"`
	Schema    bundleSchema   `json:"schema"`
	Dialect   map[string]any `json:"dialect"`
}

// bundleSchema is a Table Schema.
type bundleSchema struct {
	Fields        []bundleField `json:"fields"`
	PrimaryKey    []string      `json:"primaryKey"`
	MissingValues []string      `json:"missingValues"`
}

// bundleField is one field of a Table Schema.
type bundleField struct {
	Name        string            `json:"name"`
	Type        string            `json:"type"`
	Description string            `json:"description"`
	Unit        string            `json:"x-unit,omitempty"`
	Constraints *bundleConstraint `json:"constraints,omitempty"`
}

// bundleConstraint is a Table Schema field's constraints.
type bundleConstraint struct {
	Required bool `json:"required,omitempty"`
}

// csvEntry counts and hashes a CSV as it is written into the zip.
type csvEntry struct {
	w     io.Writer
	h     hash.Hash
	bytes int64
}

func (e *csvEntry) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	e.bytes += int64(n)
	e.h.Write(p[:n])
	return n, err
}

// writeBundleZip writes the bundle to w: the rows and the summary as CSV,
// datapackage.json describing them with the data dictionary's words,
// CITATION.cff and a README. Every entry is stamped with the release's
// ingest time, so the same release gives the same bytes.
func writeBundleZip(w io.Writer, rel *catalog.Release, dict []site.DictionaryTable) error {
	stamp := rel.Meta.IngestedAt.UTC().Truncate(time.Second)
	zw := zip.NewWriter(w)
	create := func(name string) (io.Writer, error) {
		return zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: stamp})
	}
	var resources []bundleResource
	for _, part := range []struct {
		file, table string
		write       func(io.Writer) error
	}{
		{bundleRows, "rows", func(w io.Writer) error { return writeBundleRows(w, rel) }},
		{bundleSummary, "summary", func(w io.Writer) error { return writeBundleSummary(w, rel) }},
	} {
		zf, err := create(part.file)
		if err != nil {
			return err
		}
		e := &csvEntry{w: zf, h: sha256.New()}
		if err := part.write(e); err != nil {
			return fmt.Errorf("%s: %w", part.file, err)
		}
		r, err := bundleTable(dict, part.table, part.file)
		if err != nil {
			return err
		}
		r.Bytes, r.Hash = e.bytes, "sha256:"+hex.EncodeToString(e.h.Sum(nil))
		resources = append(resources, r)
	}
	for _, f := range []struct {
		name string
		body []byte
	}{
		{bundleDataPackage, dataPackage(rel, resources)},
		{bundleCitation, citationCFF(rel)},
		{bundleReadme, bundleReadmeText(rel)},
	} {
		zf, err := create(f.name)
		if err != nil {
			return err
		}
		if _, err := zf.Write(f.body); err != nil {
			return err
		}
	}
	return zw.Close()
}

// writeBundleRows writes every row of the release: the surgeons' CSV and
// then the hospitals', each in the collection's default order, with the
// collections' columns and cells.
func writeBundleRows(w io.Writer, rel *catalog.Release) error {
	rw := newRowWriter(w, false)
	for _, ut := range []outcome.UnitType{outcome.Surgeon, outcome.Hospital} {
		sel := rel.Select(catalog.Query{UnitType: ut})
		for _, idx := range sel.Page {
			if err := rw.row(toUnitRow(&rel.Rows[idx])); err != nil {
				return err
			}
		}
	}
	return rw.flush()
}

// writeBundleSummary writes the release's national summary, every funnel,
// as /api/v1/summary.csv gives it.
func writeBundleSummary(w io.Writer, rel *catalog.Release) error {
	_, err := w.Write(summaryCSV(summaryRows(rel.National(catalog.NationalFilter{})), false))
	return err
}

// bundlePrimaryKey is the fields that name one row of a table.
func bundlePrimaryKey(table string) []string {
	switch table {
	case "rows":
		return []string{"unit_type", "unit_id", "specialty", "procedure", "period"}
	case "summary":
		return []string{"specialty", "procedure", "period", "unit_type"}
	}
	return nil
}

// bundleTable describes the CSV file of dictionary table name: its fields
// are the CSV's columns, each with the dictionary's type and description
// (the API documentation's own words). The summary's band_counts object is
// one column a band in the CSV, each described as band_counts is, with
// its band named.
func bundleTable(dict []site.DictionaryTable, name, file string) (bundleResource, error) {
	var table *site.DictionaryTable
	for i := range dict {
		if dict[i].Name == name {
			table = &dict[i]
		}
	}
	if table == nil {
		return bundleResource{}, fmt.Errorf("no table %s in the data dictionary", name)
	}
	byName := map[string]site.DictionaryField{}
	for _, f := range table.Fields {
		byName[f.Name] = f
	}
	columns := rowColumns
	if name == "summary" {
		columns = summaryColumns
	}
	schema := bundleSchema{PrimaryKey: bundlePrimaryKey(name), MissingValues: []string{""}}
	for _, col := range columns {
		f, ok := byName[col]
		if band, isBand := strings.CutPrefix(col, bandCountPrefix); isBand {
			f, ok = byName[strings.TrimSuffix(bandCountPrefix, ".")]
			f.Type, f.Nullable, f.Enum = "integer", false, nil
			f.Description += " This column: band " + band + "."
		}
		if !ok {
			return bundleResource{}, fmt.Errorf("%s: no field %s in the data dictionary", name, col)
		}
		bf := bundleField{Name: col, Type: f.Type, Description: f.Description, Unit: f.Unit}
		// A text field may be an empty cell without being null (a
		// surgeon's row has no hospital count's words), so only figures
		// and flags are marked required.
		if !f.Nullable && f.Type != "string" {
			bf.Constraints = &bundleConstraint{Required: true}
		}
		schema.Fields = append(schema.Fields, bf)
	}
	return bundleResource{Name: name, Path: file, Title: table.Title, Desc: table.About,
		Profile: "tabular-data-resource", Format: "csv", MediaType: "text/csv", Encoding: "utf-8",
		Schema: schema, Dialect: map[string]any{"delimiter": ",", "lineTerminator": "\r\n", "header": true}}, nil
}

// packageNameInvalid matches what a Data Package name may not hold.
var packageNameInvalid = regexp.MustCompile(`[^a-z0-9._-]+`)

// dataPackage is the bundle's datapackage.json (Frictionless Data Package
// v1), with the release's id and input sha256 in properties of its own.
func dataPackage(rel *catalog.Release, resources []bundleResource) []byte {
	m := rel.Meta
	licence := map[string]string{"title": m.Licence}
	if m.Licence != "" && !strings.ContainsAny(m.Licence, " \t") {
		licence["name"] = m.Licence
	}
	pkg := map[string]any{
		"profile":          "tabular-data-package",
		"name":             "outcomes-" + strings.Trim(packageNameInvalid.ReplaceAllString(strings.ToLower(m.ID), "-"), "-"),
		"title":            m.Title,
		"description":      rel.Citation(),
		"version":          m.ID,
		"created":          m.IngestedAt.UTC().Format(time.RFC3339),
		"sources":          []map[string]string{{"title": m.Source}},
		"resources":        resources,
		"x-release-id":     m.ID,
		"x-release-sha256": m.InputSHA256,
		"x-synthetic":      m.Synthetic,
	}
	if m.Licence != "" {
		pkg["licenses"] = []map[string]string{licence}
	}
	body, _ := json.MarshalIndent(pkg, "", "  ") // maps and strings: it cannot fail
	return append(body, '\n')
}

// yamlString quotes s for YAML: a JSON string is a YAML double-quoted
// scalar.
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// citationCFF is the bundle's CITATION.cff (Citation File Format 1.2.0),
// citing the release as a dataset, its publisher as author.
func citationCFF(rel *catalog.Release) []byte {
	m := rel.Meta
	released := m.PublishedOn
	if released == "" {
		released = m.IngestedAt.UTC().Format(time.DateOnly)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "cff-version: 1.2.0\n")
	fmt.Fprintf(&b, "message: %s\n", yamlString("If you use these figures, please cite them as below. "+rel.Citation()))
	fmt.Fprintf(&b, "type: dataset\n")
	fmt.Fprintf(&b, "title: %s\n", yamlString(m.Title))
	fmt.Fprintf(&b, "version: %s\n", yamlString(m.ID))
	fmt.Fprintf(&b, "date-released: %s\n", yamlString(released))
	fmt.Fprintf(&b, "authors:\n  - name: %s\n", yamlString(cmp.Or(m.Source, m.Title)))
	if m.Licence != "" && !strings.ContainsAny(m.Licence, " \t") {
		fmt.Fprintf(&b, "license: %s\n", yamlString(m.Licence))
	}
	fmt.Fprintf(&b, "identifiers:\n  - type: other\n    value: %s\n    description: %s\n",
		yamlString("sha256:"+m.InputSHA256), yamlString("sha256 of the publisher's input files"))
	return b.Bytes()
}

// bundleReadmeText is the bundle's README: what each file is, in plain
// words, and which of the publisher's files the figures came from.
func bundleReadmeText(rel *catalog.Release) []byte {
	m := rel.Meta
	var b strings.Builder
	fmt.Fprintf(&b, "%s\nRelease %s\n\n", m.Title, m.ID)
	if m.Synthetic {
		b.WriteString("These figures are invented. They are not real surgeons or hospitals.\n\n")
	}
	b.WriteString("What is in this file\n\n")
	fmt.Fprintf(&b, "%s: one row for each surgeon's or hospital's result in one comparison\n  (a specialty, procedure and period), surgeons first, then hospitals.\n", bundleRows)
	fmt.Fprintf(&b, "%s: one row for each funnel plot, summed up for the country.\n", bundleSummary)
	fmt.Fprintf(&b, "%s: what each column means, its type and unit, with each file's size and\n  sha256 (Frictionless Data Package).\n", bundleDataPackage)
	fmt.Fprintf(&b, "%s: how to cite this release (Citation File Format).\n", bundleCitation)
	fmt.Fprintf(&b, "%s: this file.\n\n", bundleReadme)
	b.WriteString("Rates\n\nOur rates are proportions from 0 to 1 (0.02 is 2 in 100 operations).\n" +
		"The publisher's own figures (the columns starting published_) are per 100 operations,\nas the publisher gave them.\n\n")
	b.WriteString("How the figures are worked out\n\nSee the methodology page of the site this file came from: /methodology\n\n")
	b.WriteString("Cite as\n\n" + rel.Citation() + "\n\n")
	b.WriteString("The publisher's original files\n\nThey are not included in this bundle. The figures were read from these files;\n" +
		"a copy with the same sha256 is the same file:\n\n")
	if len(m.Files) == 0 {
		b.WriteString("  (no file is recorded for this release)\n")
	}
	for _, f := range m.Files {
		fmt.Fprintf(&b, "  %s  %d bytes  %s  sha256 %s\n", f.Name, f.Size, f.Encoding, f.SHA256)
	}
	return []byte(strings.ReplaceAll(b.String(), "\n", "\r\n"))
}

// handleBundle answers GET /data/releases/{id}.zip: the release as a
// documented bundle, made on first request and then served from disk with
// its sha256 as a strong ETag. "latest" names the newest release.
func (s *Server) handleBundle(c echo.Context, id string) error {
	rel := s.cat.Release(id)
	if id == "latest" {
		rel = s.cat.Latest()
	}
	if rel == nil || s.bundlePath(rel.Meta.ID) == "" {
		return notFound("no bundle for release %q: the release is not loaded", truncate(id))
	}
	b, err := s.bundle(rel)
	if err != nil {
		return err
	}
	file, err := os.Open(b.path)
	if err != nil {
		return fmt.Errorf("api: bundle: %w", err)
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return fmt.Errorf("api: bundle: %w", err)
	}
	h := c.Response().Header()
	h.Set("ETag", `"`+b.sha256+`"`)
	h.Set(echo.HeaderCacheControl, "public, max-age=86400")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+rel.Meta.ID+`.zip"`)
	http.ServeContent(c.Response(), c.Request(), rel.Meta.ID+".zip", st.ModTime(), file)
	return nil
}
