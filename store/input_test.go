package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// TestInputKeptByteForByte stores a publisher's file of two and a half
// chunks, bytes of every value, and reads back exactly those bytes from
// the committed release's file.
func TestInputKeptByteForByte(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	input := make([]byte, 2*inputChunk+inputChunk/2+7)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range input {
		input[i] = byte(rng.Uint32())
	}
	want := sha256.Sum256(input)

	rel := testRelease("r1")
	l, err := db.BeginRelease(ctx, rel.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Rollback()
	if dups, err := l.AddRows(ctx, numberedRows(1, 0, 1)); err != nil || len(dups) > 0 {
		t.Fatalf("AddRows = %v, %v", dups, err)
	}
	sum, size, err := l.AddInput(ctx, 1, bytes.NewReader(input))
	if err != nil {
		t.Fatalf("AddInput = %v", err)
	}
	if sum != hex.EncodeToString(want[:]) || size != int64(len(input)) {
		t.Errorf("AddInput = %s, %d; want %x, %d", sum, size, want, len(input))
	}
	rel.Files[0].SHA256, rel.Files[0].Size = sum, size
	if err := l.Commit(ctx, rel); err != nil {
		t.Fatalf("Commit = %v", err)
	}
	if n := count(t, db, "release_input"); n != 3 {
		t.Errorf("release_input rows = %d, want 3 (two whole chunks and a part)", n)
	}

	var got bytes.Buffer
	n, err := CopyInput(ctx, ReleaseFilePath(db.path, "r1"), 1, &got)
	if err != nil || n != int64(len(input)) {
		t.Fatalf("CopyInput = %d, %v; want %d, nil", n, err, len(input))
	}
	if !bytes.Equal(got.Bytes(), input) {
		t.Error("CopyInput gave other bytes than AddInput kept")
	}
	if _, err := CopyInput(ctx, ReleaseFilePath(db.path, "r1"), 2, &got); !errors.Is(err, ErrInputNotKept) {
		t.Errorf("CopyInput(file 2 of a one-file release) = %v, want ErrInputNotKept", err)
	}
}

// TestInputNotKept: a release committed without its files' bytes, and a
// release file of the schema before 0012, both say the bytes were not
// kept, rather than give an empty file.
func TestInputNotKept(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	commitRelease(t, db, testRelease("r1"), numberedRows(1, 0, 1), nil)
	var w bytes.Buffer
	if _, err := CopyInput(ctx, ReleaseFilePath(db.path, "r1"), 1, &w); !errors.Is(err, ErrInputNotKept) {
		t.Errorf("CopyInput(release without its files) = %v, want ErrInputNotKept", err)
	}

	old := filepath.Join(t.TempDir(), "r0.sqlite")
	openAtMigration(t, old, 11).Close()
	if _, err := CopyInput(ctx, old, 1, &w); !errors.Is(err, ErrInputNotKept) {
		t.Errorf("CopyInput(file at migration 0011) = %v, want ErrInputNotKept", err)
	}
	if _, err := CopyInput(ctx, filepath.Join(t.TempDir(), "missing.sqlite"), 1, &w); err == nil || errors.Is(err, ErrInputNotKept) {
		t.Errorf("CopyInput(missing file) = %v, want an error other than ErrInputNotKept", err)
	}
	if w.Len() != 0 {
		t.Errorf("CopyInput wrote %d bytes where it had none", w.Len())
	}
}

// BenchmarkAddInput keeps a 64 MiB publisher's file (the size of a
// national file of about 600,000 rows) in a release being loaded.
func BenchmarkAddInput(b *testing.B) {
	ctx := context.Background()
	input := bytes.Repeat([]byte("vascular,2024,surgeon,S0000001,Dr S0000001,H001,Hospital 1,120,3,2.5\n"), 64<<20/70)
	b.SetBytes(int64(len(input)))
	for b.Loop() {
		b.StopTimer()
		db, err := Open(ctx, filepath.Join(b.TempDir(), "o.db"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		l, err := db.BeginRelease(ctx, "r")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, _, err := l.AddInput(ctx, 1, bytes.NewReader(input)); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		l.Rollback()
		db.Close()
		b.StartTimer()
	}
}
