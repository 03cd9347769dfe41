package ingest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/store"
)

// TestInputFilesKept loads two files, one UTF-8 with a BOM and CRLF lines,
// one Windows-1252, and reads each back from the release's file exactly
// as given, with the size and sha256 the release records for it.
func TestInputFilesKept(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "o.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	inputs := []string{
		"\ufeffspecialty,period,unit_type,unit_id,unit_name,cases,events\r\nvascular,2024,surgeon,S1,Dr S1,10,1\r\n",
		"specialty,period,unit_type,unit_id,unit_name,cases,events\nvascular,2024,surgeon,S2,Dr M\xfcller,12,0\n",
	}
	res, err := ingest.Load(ctx, db, memFiles(inputs...), ingest.Options{Mapping: canonicalMapping(t), ReleaseID: "r"})
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	if len(res.Release.Files) != 2 {
		t.Fatalf("release files = %+v, want 2", res.Release.Files)
	}
	for i, in := range inputs {
		f := res.Release.Files[i]
		var got bytes.Buffer
		n, err := store.CopyInput(ctx, store.ReleaseFilePath(filepath.Join(dir, "o.db"), "r"), f.Ordinal, &got)
		if err != nil {
			t.Fatalf("CopyInput(file %d) = %v", f.Ordinal, err)
		}
		sum := sha256.Sum256(got.Bytes())
		if got.String() != in || n != int64(len(in)) {
			t.Errorf("file %d read back as %q (%d bytes), want %q", f.Ordinal, got.String(), n, in)
		}
		if hex.EncodeToString(sum[:]) != f.SHA256 || f.Size != int64(len(in)) {
			t.Errorf("file %d: release says %d bytes, sha256 %s; kept bytes are %d, %x", f.Ordinal, f.Size, f.SHA256, got.Len(), sum)
		}
	}
}

// TestInputFileChangedWhileRead: a file whose bytes differ at the last
// read from those hashed at the first is refused, naming the file, and
// nothing is stored.
func TestInputFileChangedWhileRead(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "o.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	first := "specialty,period,unit_type,unit_id,unit_name,cases,events\nvascular,2024,surgeon,S1,Dr S1,10,1\n"
	opens := 0
	file := ingest.File{Name: "growing.csv", Open: func() (io.ReadCloser, error) {
		opens++
		if opens < 3 {
			return io.NopCloser(strings.NewReader(first)), nil
		}
		return io.NopCloser(strings.NewReader(first + "vascular,2024,surgeon,S2,Dr S2,12,0\n")), nil
	}}
	_, err = ingest.Load(ctx, db, []ingest.File{file}, ingest.Options{Mapping: canonicalMapping(t), ReleaseID: "r"})
	if err == nil || !strings.Contains(err.Error(), "growing.csv changed while it was being read") {
		t.Fatalf("Load(a file that grew) = %v, want an error naming it as changed", err)
	}
	if opens != 3 {
		t.Errorf("the file was opened %d times, want 3 (hash, rows, kept copy)", opens)
	}
	if rels, err := db.Releases(ctx); err != nil || len(rels) != 0 {
		t.Errorf("Releases() after the refusal = %v, %v; want none", rels, err)
	}
}
