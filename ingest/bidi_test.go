package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/store"
)

// TestBidiControlsStripped: names and ids holding bidirectional formatting
// characters (an override that would make "Smith\u202Eevil" read
// "Smithlive", an isolate, the marks) are stored without them, in a real
// database file, and a right-to-left name without them is stored as it is.
func TestBidiControlsStripped(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bidi.csv")
	csv := "specialty,period,unit_type,unit_id,unit_name,hospital_id,hospital_name,cases,events\n" +
		"vascular,2024,surgeon,S1,Dr Smith\u202Eevil,H\u200E1,\u2067Northmoor\u2069 General\u202C,10,1\n" +
		"vascular,2024,surgeon,S\u202D2,\u200FDr \u061CJones\u202A\u202B,H1,Northmoor General,12,0\n" +
		"vascular,2024,surgeon,S3,د. سارة,H1,Northmoor General,15,0\n"
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "o.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := ingest.Profile("canonical")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Load(ctx, db, ingest.OSFiles(path), ingest.Options{Mapping: m, ReleaseID: "r"}); err != nil {
		t.Fatalf("Load: %v", err)
	}
	rows, err := db.Rows(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.UnitID] = r.UnitName + " | " + r.HospitalID + " | " + r.HospitalName
	}
	want := map[string]string{
		"S1": "Dr Smithevil | H1 | Northmoor General",
		"S2": "Dr Jones | H1 | Northmoor General",
		"S3": "د. سارة | H1 | Northmoor General",
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("stored %s = %q, want %q", id, got[id], w)
		}
	}
	for id, s := range got {
		if strings.ContainsAny(id+s, "\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u061C") {
			t.Errorf("stored %q %q still holds a bidirectional control", id, s)
		}
	}
}
