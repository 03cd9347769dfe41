package api

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
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
// two CSVs and the publisher's files first, so that datapackage.json and
// SHA256SUMS, written after them, can give their sizes and hashes without
// holding them in memory.
const (
	bundleRows        = "rows.csv"
	bundleSummary     = "summary.csv"
	bundleOriginal    = "original/" // the publisher's files, as ingested
	bundleDataPackage = "datapackage.json"
	bundleSums        = "SHA256SUMS"
	bundleCitation    = "CITATION.cff"
	bundleReadme      = "README.txt"
)

// bundleFormat numbers what a bundle holds and how. A bundle is kept on
// disk and served again after a restart; a program that writes bundles
// differently (another file, another column) raises it, so that each
// release's bundle is made again rather than one an older program wrote
// served under the new program's documentation. Bundles of format 1 were
// DIR/{id}.zip; later ones are DIR/bundle-{format}/{id}.zip, a directory
// per format, so that no release id can name another's bundle. Format 3
// adds the second figures' columns (issue 17) to rows.csv.
const bundleFormat = 3

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

// bundlePath is where release id's bundle is kept: in a directory of this
// bundleFormat beside the release's own SQLite file. "" when the server
// offers no release files.
func (s *Server) bundlePath(id string) string {
	if s.cfg.ReleaseFile == nil {
		return ""
	}
	file := s.cfg.ReleaseFile(id)
	return filepath.Join(filepath.Dir(file), fmt.Sprintf("bundle-%d", bundleFormat), strings.TrimSuffix(filepath.Base(file), ".sqlite")+".zip")
}

// staleBundles are where bundles of release id in older formats were
// kept, to be removed once this format's is made.
func (s *Server) staleBundles(id string) []string {
	file := s.cfg.ReleaseFile(id)
	dir, base := filepath.Dir(file), strings.TrimSuffix(filepath.Base(file), ".sqlite")+".zip"
	stale := []string{filepath.Join(dir, base)}
	for format := 2; format < bundleFormat; format++ {
		stale = append(stale, filepath.Join(dir, fmt.Sprintf("bundle-%d", format), base))
	}
	return stale
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
		if err == nil {
			for _, old := range s.staleBundles(id) {
				os.Remove(old)
				os.Remove(store.SHA256Path(old))
			}
		}
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
	original := func(f store.ReleaseFile, w io.Writer) (int64, error) {
		// A bundle is made once for every later request: not under the
		// context of the one request that happens to ask first.
		return store.CopyInput(context.Background(), s.cfg.ReleaseFile(rel.Meta.ID), f.Ordinal, w)
	}
	if err = writeBundleZip(io.MultiWriter(tmp, h), rel, s.dictionary.tables, original); err != nil {
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

// bundleResource is what datapackage.json says of one file of the
// bundle: a table (the two CSVs, with a schema) or one of the publisher's
// files (a plain data resource: its columns are the publisher's).
type bundleResource struct {
	Name      string         `json:"name"`
	Path      string         `json:"path"`
	Title     string         `json:"title"`
	Desc      string         `json:"description"`
	Profile   string         `json:"profile"`
	Format    string         `json:"format"`
	MediaType string         `json:"mediatype"`
	Encoding  string         `json:"encoding,omitempty"`
	Bytes     int64          `json:"bytes"`
	Hash      string         `json:"hash"`
	Schema    *bundleSchema  `json:"schema,omitempty"`
	Dialect   map[string]any `json:"dialect,omitempty"`
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

// hashedEntry counts and hashes a file as it is written into the zip. The
// zip's entry is made at the first write (or by made), so that a copy that
// fails before writing anything leaves no empty file in the zip.
type hashedEntry struct {
	open  func() (io.Writer, error)
	w     io.Writer
	h     hash.Hash
	bytes int64
}

func (e *hashedEntry) Write(p []byte) (int, error) {
	if err := e.made(); err != nil {
		return 0, err
	}
	n, err := e.w.Write(p)
	e.bytes += int64(n)
	e.h.Write(p[:n])
	return n, err
}

// made makes the zip's entry if no write has yet.
func (e *hashedEntry) made() error {
	if e.w != nil {
		return nil
	}
	var err error
	e.w, err = e.open()
	return err
}

func (e *hashedEntry) sha256() string { return hex.EncodeToString(e.h.Sum(nil)) }

// copyOriginal writes the bytes of one of the publisher's files, as the
// release keeps them, to w; store.ErrInputNotKept when it kept none.
type copyOriginal func(f store.ReleaseFile, w io.Writer) (int64, error)

// writeBundleZip writes the bundle to w: the rows and the summary as CSV,
// the publisher's files as ingested, datapackage.json describing them with
// the data dictionary's words, CITATION.cff, a README and SHA256SUMS.
// Every entry is stamped with the release's ingest time, so the same
// release gives the same bytes.
func writeBundleZip(w io.Writer, rel *catalog.Release, dict []site.DictionaryTable, original copyOriginal) error {
	stamp := rel.Meta.IngestedAt.UTC().Truncate(time.Second)
	zw := zip.NewWriter(w)
	var sums strings.Builder // SHA256SUMS, as sha256sum writes it
	create := func(name string) *hashedEntry {
		return &hashedEntry{h: sha256.New(), open: func() (io.Writer, error) {
			return zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: stamp})
		}}
	}
	var resources []bundleResource
	for _, part := range []struct {
		file, table string
		write       func(io.Writer) error
	}{
		{bundleRows, "rows", func(w io.Writer) error { return writeBundleRows(w, rel) }},
		{bundleSummary, "summary", func(w io.Writer) error { return writeBundleSummary(w, rel) }},
	} {
		e := create(part.file)
		if err := part.write(e); err != nil {
			return fmt.Errorf("%s: %w", part.file, err)
		}
		r, err := bundleTable(dict, part.table, part.file)
		if err != nil {
			return err
		}
		r.Bytes, r.Hash = e.bytes, "sha256:"+e.sha256()
		resources = append(resources, r)
		fmt.Fprintf(&sums, "%s  %s\n", e.sha256(), part.file)
	}
	kept, err := writeOriginals(create, rel, original)
	if err != nil {
		return err
	}
	for _, r := range kept {
		resources = append(resources, r)
		fmt.Fprintf(&sums, "%s  %s\n", strings.TrimPrefix(r.Hash, "sha256:"), r.Path)
	}
	for _, f := range []struct {
		name string
		body []byte
	}{
		{bundleDataPackage, dataPackage(rel, resources)},
		{bundleCitation, citationCFF(rel)},
		{bundleReadme, bundleReadmeText(rel, kept)},
	} {
		e := create(f.name)
		if _, err := e.Write(f.body); err != nil {
			return err
		}
		fmt.Fprintf(&sums, "%s  %s\n", e.sha256(), f.name)
	}
	if _, err := io.WriteString(create(bundleSums), sums.String()); err != nil {
		return err
	}
	return zw.Close()
}

// writeOriginals writes each of the publisher's files the release kept
// into the bundle's original/ folder and describes it for
// datapackage.json. A file whose bytes are not those the release recorded
// (size or sha256) fails the bundle: it would be evidence of nothing.
// None are written when the release kept none (it was loaded before
// releases kept them); the README then says so.
func writeOriginals(create func(string) *hashedEntry, rel *catalog.Release, original copyOriginal) ([]bundleResource, error) {
	var out []bundleResource
	names := originalNames(rel.Meta.Files)
	for i, f := range rel.Meta.Files {
		path := bundleOriginal + names[i]
		e := create(path)
		_, err := original(f, e)
		if errors.Is(err, store.ErrInputNotKept) && i == 0 {
			return nil, nil
		}
		if err == nil {
			err = e.made() // an empty file is a file too
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if e.bytes != f.Size || e.sha256() != f.SHA256 {
			return nil, fmt.Errorf("%s: %d bytes with sha256 %s, but the release recorded %d bytes with sha256 %s",
				path, e.bytes, e.sha256(), f.Size, f.SHA256)
		}
		out = append(out, bundleResource{
			Name: fmt.Sprintf("original-%d", f.Ordinal), Path: path,
			Title: "The publisher's file " + f.Name,
			Desc: fmt.Sprintf("File %d of the release as it was loaded, byte for byte: %d rows read, %d skipped (%s). Its columns are the publisher's, read through the release's %s mapping.",
				f.Ordinal, f.Rows, f.Skipped, f.Encoding, rel.Meta.Profile),
			Profile: "data-resource", Format: strings.TrimPrefix(filepath.Ext(names[i]), "."),
			MediaType: originalMediaType(names[i]), Encoding: originalEncoding(f.Encoding),
			Bytes: e.bytes, Hash: "sha256:" + e.sha256(),
		})
	}
	return out, nil
}

// originalNames are the names the publisher's files have in the bundle's
// original/ folder: each file's own name, made safe for any unzip (no
// folder, and no character a common file system refuses), and prefixed
// with its place on the command line where two would share one.
func originalNames(files []store.ReleaseFile) []string {
	names := make([]string, len(files))
	seen := map[string]int{}
	for i, f := range files {
		name := unsafeInName.ReplaceAllString(filepath.Base(f.Name), "_")
		if strings.Trim(name, ". ") == "" {
			name = fmt.Sprintf("file-%d", f.Ordinal)
		}
		names[i] = name
		seen[strings.ToLower(name)]++
	}
	for i, f := range files {
		if seen[strings.ToLower(names[i])] > 1 {
			names[i] = fmt.Sprintf("%d-%s", f.Ordinal, names[i])
		}
	}
	return names
}

// unsafeInName matches what a file name in the bundle may not hold.
var unsafeInName = regexp.MustCompile(`[\x00-\x1f\x7f/\\:*?"<>|]+`)

// originalMediaType is a publisher's file's media type, from its name:
// ingest reads CSV, whatever a file is called.
func originalMediaType(name string) string {
	if strings.EqualFold(filepath.Ext(name), ".txt") {
		return "text/plain"
	}
	return "text/csv"
}

// originalEncoding is the Data Package encoding of a publisher's file,
// from what ingest found (store.ReleaseFile.Encoding): none when the file
// mixed encodings record by record, which its description says.
func originalEncoding(found string) string {
	switch found {
	case "utf-8", "utf-8-bom":
		return "utf-8"
	case "windows-1252":
		return "windows-1252"
	}
	return ""
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
		Schema: &schema, Dialect: map[string]any{"delimiter": ",", "lineTerminator": "\r\n", "header": true}}, nil
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
	// A tabular data package holds only tables; the publisher's files,
	// whose columns are theirs, make the bundle a data package whose two
	// tables are tabular resources.
	profile := "tabular-data-package"
	for _, r := range resources {
		if r.Schema == nil {
			profile = "data-package"
		}
	}
	pkg := map[string]any{
		"profile":          profile,
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
// words, and which of the publisher's files the figures came from, with
// the files themselves (kept) or, for a release loaded before releases
// kept them, only their hashes.
func bundleReadmeText(rel *catalog.Release, kept []bundleResource) []byte {
	m := rel.Meta
	var b strings.Builder
	fmt.Fprintf(&b, "%s\nRelease %s\n\n", m.Title, m.ID)
	if m.Synthetic {
		b.WriteString("These figures are invented. They are not real surgeons or hospitals.\n\n")
	}
	b.WriteString("What is in this file\n\n")
	fmt.Fprintf(&b, "%s: one row for each surgeon's or hospital's result in one comparison\n  (a specialty, procedure and period), surgeons first, then hospitals.\n", bundleRows)
	fmt.Fprintf(&b, "%s: one row for each funnel plot, summed up for the country.\n", bundleSummary)
	if len(kept) > 0 {
		fmt.Fprintf(&b, "%s: the publisher's own files, exactly as they were loaded.\n", bundleOriginal)
	}
	fmt.Fprintf(&b, "%s: what each column means, its type and unit, with each file's size and\n  sha256 (Frictionless Data Package).\n", bundleDataPackage)
	fmt.Fprintf(&b, "%s: how to cite this release (Citation File Format).\n", bundleCitation)
	fmt.Fprintf(&b, "%s: this file.\n", bundleReadme)
	fmt.Fprintf(&b, "%s: the sha256 of every other file; check them with: sha256sum -c %s\n\n", bundleSums, bundleSums)
	b.WriteString("Rates\n\nOur rates are proportions from 0 to 1 (0.02 is 2 in 100 operations).\n" +
		"The publisher's own figures (the columns starting published_) are per 100 operations,\nas the publisher gave them.\n\n")
	b.WriteString("How the figures are worked out\n\nSee the methodology page of the site this file came from: /methodology\n\n")
	b.WriteString("Cite as\n\n" + rel.Citation() + "\n\n")
	b.WriteString("The publisher's original files\n\n")
	switch {
	case len(m.Files) == 0:
		b.WriteString("No file is recorded for this release.\n")
	case len(kept) > 0:
		fmt.Fprintf(&b, "In the folder %s, byte for byte as they were loaded. A copy of a file with the\n"+
			"same sha256 is the same file:\n\n", bundleOriginal)
	default:
		b.WriteString("They are not included: this release was loaded before the site kept them.\n" +
			"The figures were read from these files; a copy with the same sha256 is the same file:\n\n")
	}
	for i, f := range m.Files {
		name := f.Name
		if i < len(kept) {
			name = kept[i].Path
		}
		fmt.Fprintf(&b, "  %s  %d bytes  %s  sha256 %s\n", name, f.Size, f.Encoding, f.SHA256)
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
