package api

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/store"
)

// TestBundleOriginals covers what the demo's bundle cannot show: a
// release loaded before releases kept the publisher's files gets a bundle
// without them that says so, and a kept file whose bytes are not the ones
// the release recorded, or a release that kept some of its files only,
// makes no bundle at all.
func TestBundleOriginals(t *testing.T) {
	if demoDBPath == "" {
		t.Fatal("TestMain did not call SetTestFiles")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, demoDBPath, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := newServer(ctx, Config{}, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	rel := s.cat.Release("demo")
	if rel == nil || len(rel.Meta.Files) < 2 {
		t.Fatalf("demo release %v: want one of two files or more", rel)
	}

	notKept := func(store.ReleaseFile, io.Writer) (int64, error) { return 0, store.ErrInputNotKept }
	var buf bytes.Buffer
	if err := writeBundleZip(&buf, rel, s.dictionary.tables, notKept); err != nil {
		t.Fatalf("bundle of a release without its files = %v", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	files := map[string]string{}
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		files[f.Name] = string(b)
	}
	if want := "rows.csv summary.csv datapackage.json CITATION.cff README.txt SHA256SUMS"; strings.Join(names, " ") != want {
		t.Errorf("files %v, want %s", names, want)
	}
	if !strings.Contains(files["README.txt"], "They are not included: this release was loaded before the site kept them.") ||
		!strings.Contains(files["README.txt"], rel.Meta.Files[0].SHA256) {
		t.Errorf("README does not say the files were not kept, with their hashes:\n%s", files["README.txt"])
	}
	if !strings.Contains(files["datapackage.json"], `"profile": "tabular-data-package"`) {
		t.Errorf("a bundle of tables alone is not a tabular data package")
	}

	altered := func(f store.ReleaseFile, w io.Writer) (int64, error) {
		n, err := w.Write(bytes.Repeat([]byte("x"), int(f.Size)))
		return int64(n), err
	}
	err = writeBundleZip(io.Discard, rel, s.dictionary.tables, altered)
	if err == nil || !strings.Contains(err.Error(), "but the release recorded") {
		t.Errorf("bundle with altered bytes = %v, want a refusal", err)
	}
	some := func(f store.ReleaseFile, w io.Writer) (int64, error) {
		if f.Ordinal > 1 {
			return 0, store.ErrInputNotKept
		}
		return store.CopyInput(ctx, store.ReleaseFilePath(demoDBPath, "demo"), f.Ordinal, w)
	}
	if err := writeBundleZip(io.Discard, rel, s.dictionary.tables, some); err == nil {
		t.Error("bundle of a release that kept only its first file: no error")
	}
}
