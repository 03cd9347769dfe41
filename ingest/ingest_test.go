package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/store"
)

// TestProblemsInFileOrder checks that problems found at different stages
// (a duplicate key, found as rows are stored; a bad value, found as they are
// read; a mixed group, found at the end) are listed in file and line order,
// across more than one batch of rows.
func TestProblemsInFileOrder(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("specialty,period,unit_type,unit_id,unit_name,cases,events,expected\n")
	for i := range 200 {
		id := i
		if i == 1 {
			id = 0 // line 3 repeats line 2's key
		}
		events := "1"
		if i == 150 {
			events = "x" // line 152: not a number
		}
		expected := "0.5"
		if i == 180 {
			expected = "" // line 182: crude in a risk-adjusted group
		}
		fmt.Fprintf(&b, "vascular,2024,surgeon,S%d,Dr S%d,10,%s,%s\n", id, id, events, expected)
	}
	path := filepath.Join(dir, "order.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "o.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := ingest.Profile("canonical")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ingest.Load(context.Background(), db, ingest.OSFiles(path), ingest.Options{Mapping: m})
	var ie *ingest.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("Load = %v, want an *InputError", err)
	}
	var lines []int
	for _, msg := range strings.Split(err.Error(), "\n") {
		var line int
		if _, err := fmt.Sscanf(strings.TrimPrefix(msg, path+":"), "%d:", &line); err != nil {
			t.Fatalf("problem %q does not start with %s:LINE:", msg, path)
		}
		lines = append(lines, line)
	}
	if want := []int{3, 152, 182}; fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("problem lines = %v, want %v:\n%v", lines, want, err)
	}
}

// TestBeforeCommit checks the hook that stores results beside the rows: it
// sees the release about to be committed, and its error abandons the load.
func TestBeforeCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ok.csv")
	csv := "specialty,period,unit_type,unit_id,unit_name,cases,events\nvascular,2024,surgeon,S1,Dr S1,10,1\nvascular,2024,surgeon,S2,Dr S2,12,0\n"
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "o.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := ingest.Profile("canonical")
	if err != nil {
		t.Fatal(err)
	}
	refuse := errors.New("results would not compute")
	var seen store.Release
	_, err = ingest.Load(context.Background(), db, ingest.OSFiles(path), ingest.Options{Mapping: m, ReleaseID: "r",
		BeforeCommit: func(_ context.Context, _ *store.Loader, r store.Release) error {
			seen = r
			return refuse
		}})
	if !errors.Is(err, refuse) {
		t.Fatalf("Load with a failing BeforeCommit = %v, want it to wrap %v", err, refuse)
	}
	if seen.ID != "r" || seen.Rows != 2 || seen.IngestedAt.IsZero() {
		t.Errorf("BeforeCommit saw release %+v, want id r with 2 rows and an ingest time", seen)
	}
	if rels, err := db.Releases(context.Background()); err != nil || len(rels) != 0 {
		t.Errorf("Releases() after a failed BeforeCommit = %v, %v; want none", rels, err)
	}
}
