package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/store"
)

func TestSnapshot(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	db, err := store.Open(ctx, src, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := db.BeginRelease(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	rows := []outcome.Row{{File: 1, Line: 2, Specialty: "vascular", Procedure: "all", Period: "2024", UnitType: "surgeon",
		UnitID: "1", UnitName: "A", Outcome: "death", Cases: 10, Events: 1}}
	if _, err := l.AddRows(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(ctx, store.Release{ID: "r1", Title: "t", InputSHA256: "00", MappingSHA256: "11",
		Profile: "canonical", IntervalMethod: "exact", Comparison: "funnel", TargetSource: "counts", Rows: 1,
		Files: []store.ReleaseFile{{Ordinal: 1, Name: "f.csv", SHA256: "00"}}}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	ro, err := store.Open(ctx, src, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	dst := filepath.Join(dir, "copy.db")
	if err := ro.Snapshot(ctx, dst); err != nil {
		t.Fatalf("Snapshot on a read-only handle = %v, want nil", err)
	}
	// The copy is the catalogue; the releases' files go beside it.
	if err := os.CopyFS(dst+".releases", os.DirFS(src+".releases")); err != nil {
		t.Fatal(err)
	}
	cp, err := store.Open(ctx, dst, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	got, err := cp.Rows(ctx, "r1")
	if err != nil || len(got) != 1 || got[0].UnitName != "A" {
		t.Errorf("copy's rows = %+v, %v; want the one row", got, err)
	}
	if err := ro.Snapshot(ctx, dst); err == nil {
		t.Errorf("Snapshot onto an existing file = nil, want an error")
	}
}
