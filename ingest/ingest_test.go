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

// TestNationalFigureProblems covers the checks on publishers' national
// figures: one national row per group, repeated national counts that agree,
// and a national figure for every group when the target is national.
func TestNationalFigureProblems(t *testing.T) {
	const rowsMapping = `
[columns]
unit_id = "id"
unit_name = "name"
period = "year"
cases = "n"
events = "d"
[fixed]
specialty = "adult-cardiac"
unit_type = "hospital"
[national]
column = "id"
values = ["0"]
[method]
target = "national"
`
	const columnsMapping = `
[columns]
unit_id = "id"
unit_name = "name"
period = "year"
cases = "n"
events = "d"
[fixed]
specialty = "adult-cardiac"
unit_type = "hospital"
[national]
cases = "state_n"
events = "state_d"
[method]
target = "national"
`
	tests := []struct {
		name    string
		mapping string
		csv     string
		want    []string // "line: fragment", in order
	}{
		{
			name:    "two national rows",
			mapping: rowsMapping,
			csv:     "id,name,year,n,d\n0,State,2020,1000,20\n1,A,2020,100,2\n0,State again,2020,1000,21\n",
			want:    []string{"4: second national row for adult-cardiac all 2020 (the first is"},
		},
		{
			name:    "group without national row",
			mapping: rowsMapping,
			csv:     "id,name,year,n,d\n0,State,2020,1000,20\n1,A,2020,100,2\n1,A,2021,90,1\n",
			want:    []string{"4: group adult-cardiac all 2021 has no national figures"},
		},
		{
			name:    "national columns disagree",
			mapping: columnsMapping,
			csv:     "id,name,year,n,d,state_n,state_d\n1,A,2020,100,2,1000,20\n2,B,2020,50,1,1000,20\n3,C,2020,70,1,1001,20\n",
			want:    []string{"4: national counts for adult-cardiac all 2020 are 20 events in 1001 cases here but 20 in 1000 on"},
		},
		{
			name:    "national events exceed cases",
			mapping: columnsMapping,
			csv:     "id,name,year,n,d,state_n,state_d\n1,A,2020,100,2,10,20\n",
			want:    []string{"2: state_d: events (20) exceed cases (10)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "in.csv")
			if err := os.WriteFile(path, []byte(tt.csv), 0o644); err != nil {
				t.Fatal(err)
			}
			m, err := ingest.ParseMapping("m.toml", []byte(tt.mapping))
			if err != nil {
				t.Fatal(err)
			}
			db, err := store.Open(context.Background(), filepath.Join(dir, "o.db"), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			_, err = ingest.Load(context.Background(), db, ingest.OSFiles(path), ingest.Options{Mapping: m})
			if err == nil {
				t.Fatalf("Load = nil error, want %q", tt.want)
			}
			got := strings.Split(err.Error(), "\n")
			if len(got) != len(tt.want) {
				t.Fatalf("Load problems = %q, want %d: %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], path+":"+w[:strings.Index(w, ":")]+":") || !strings.Contains(got[i], w[strings.Index(w, ":")+2:]) {
					t.Errorf("problem %d = %q, want line and text %q", i, got[i], w)
				}
			}
		})
	}
}
