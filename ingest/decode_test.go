package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// problemLines returns an *InputError's problems, one string each.
func problemLines(t *testing.T, err error) []string {
	t.Helper()
	var ie *ingest.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T), want an *ingest.InputError", err, err)
	}
	return strings.Split(ie.Error(), "\n")
}

// TestDecodeMatchesLoad checks that Decode, which needs no database,
// refuses every malformed file with exactly the problems Load reports,
// duplicate keys included, and that on good files it returns the rows Load
// stores.
func TestDecodeMatchesLoad(t *testing.T) {
	m := canonicalMapping(t)
	entries, err := os.ReadDir(badDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		path := filepath.Join(badDir, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			_, loadErr := ingest.Load(context.Background(), openTempStore(t), ingest.OSFiles(path), ingest.Options{Mapping: m})
			if strings.HasPrefix(e.Name(), "duplicate-key-across-") {
				// Each half is good on its own.
				if loadErr != nil {
					t.Fatalf("Load(%s) = %v, want nil", path, loadErr)
				}
				return
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			_, decodeErr := ingest.Decode(path, bytes.NewReader(data), m)
			want, got := problemLines(t, loadErr), problemLines(t, decodeErr)
			if !slices.Equal(got, want) {
				t.Errorf("Decode(%s) problems\n%s\nwant Load's\n%s", path, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}

	demo, err := filepath.Glob("../demo/*.csv")
	if err != nil || len(demo) == 0 {
		t.Fatalf("no demo files: %v", err)
	}
	for _, path := range demo[:3] {
		t.Run(filepath.Base(path), func(t *testing.T) {
			db := openTempStore(t)
			res, err := ingest.Load(context.Background(), db, ingest.OSFiles(path), ingest.Options{Mapping: m})
			if err != nil {
				t.Fatalf("Load(%s) = %v", path, err)
			}
			stored, err := db.Rows(context.Background(), res.Release.ID)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := ingest.Decode(path, f, m)
			if err != nil {
				t.Fatalf("Decode(%s) = %v", path, err)
			}
			if !reflect.DeepEqual(got.Rows, stored) {
				t.Errorf("Decode(%s) = %d rows, Load stored %d, want the same rows", path, len(got.Rows), len(stored))
			}
			if got.Summary.Rows != len(stored) || got.Summary.Encoding != res.Files[0].Encoding {
				t.Errorf("Decode(%s).Summary = %+v, want %d rows, encoding %s", path, got.Summary, len(stored), res.Files[0].Encoding)
			}
		})
	}
}

// TestDecodeDuplicateKeys checks Decode finds duplicate keys itself, naming
// both lines as the store's unique key does for Load, and counts each.
func TestDecodeDuplicateKeys(t *testing.T) {
	const csv = "specialty,period,unit_type,unit_id,unit_name,hospital_id,cases,events\n" +
		"vascular,2019,surgeon,G1,Dr G,H1,10,1\n" +
		"vascular,2019,surgeon,G1,Dr G,H2,10,1\n" + // another hospital: another key
		"vascular,2019,surgeon,G1,Dr G again,H1,12,0\n" +
		"vascular,2019,surgeon,G1,Dr G thrice,H1,12,0\n"
	_, err := ingest.Decode("dup.csv", strings.NewReader(csv), canonicalMapping(t))
	key := `duplicate key (specialty "vascular", procedure "all", period "2019", unit_type "surgeon", unit_id "G1", hospital_id "H1"): already on line 2`
	want := []string{"dup.csv:4:0: " + key, "dup.csv:5:0: " + key}
	if got := problemLines(t, err); !slices.Equal(got, want) {
		t.Errorf("Decode(dup.csv) problems %q, want %q", got, want)
	}
}

// TestDecodeNational checks Decode returns the national figures a profile
// reads, as Load stores them.
func TestDecodeNational(t *testing.T) {
	m, err := ingest.ParseMapping("m.toml", []byte(`
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
`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ingest.Decode("in.csv", strings.NewReader("id,name,year,n,d\n1,A,2020,100,2\n0,State,2020,1000,20\n2,B,2020,50,1\n"), m)
	if err != nil {
		t.Fatalf("Decode = %v", err)
	}
	wantNational := []outcome.NationalRate{{File: 1, Line: 3, Specialty: "adult-cardiac", Procedure: "all", Period: "2020", Cases: 1000, Events: 20}}
	if !reflect.DeepEqual(got.National, wantNational) {
		t.Errorf("Decode National = %+v, want %+v", got.National, wantNational)
	}
	if len(got.Rows) != 2 || got.Summary.Rows != 2 || got.Summary.Skipped != 1 || got.Summary.SkipReasons["national"] != 1 {
		t.Errorf("Decode = %d rows, summary %+v, want 2 rows, 1 skipped as national", len(got.Rows), got.Summary)
	}
	if want := map[string]int{"unit_id": 1, "unit_name": 2, "period": 3, "cases": 4, "events": 5}; !reflect.DeepEqual(got.Columns, want) {
		t.Errorf("Decode Columns = %v, want %v", got.Columns, want)
	}
}

// TestDecodeRecords checks records given as values are read as the same
// rows of a CSV file would be, numbered as its lines, with the same words
// for the same problems.
func TestDecodeRecords(t *testing.T) {
	m := canonicalMapping(t)
	header := []string{"specialty", "period", "unit_type", "unit_id", "unit_name", "cases", "events", "expected"}
	records := [][]string{
		{"vascular", "2019", "surgeon", "G1", "Dr G", "1,000", "11", "9.5"},
		{"vascular", "2019", "surgeon", "G2", "Dr H", "NA", "11", "50"},
		{"vascular", "2019", "surgeon", "G3", "Dr I", "1,0,0", "1", "0"},
		{"", "", "", "", "", "", "", ""}, // a record, not a blank line
		{"vascular", "2019"},
	}
	var csv strings.Builder
	csv.WriteString(strings.Join(header, ",") + "\n")
	for _, r := range records {
		cells := slices.Clone(r)
		for i, v := range cells {
			if strings.Contains(v, ",") {
				cells[i] = `"` + v + `"`
			}
		}
		csv.WriteString(strings.Join(cells, ",") + "\n")
	}
	wantCSV := []string{
		"in:3:6: cases: cases is required",
		`in:4:6: cases: "1,0,0" is not a number (commas must separate thousands)`,
		"in:4:8: expected: 0 must be greater than 0",
		"in:6:0: row has a different number of fields from the header (8)",
	}
	_, err := ingest.Decode("in", strings.NewReader(csv.String()), m)
	if got := problemLines(t, err); !slices.Equal(got, wantCSV) {
		t.Errorf("Decode problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantCSV, "\n"))
	}
	// The same, and the all-empty record, which a CSV file's blank line
	// is not: every required value is missing.
	wantRecords := slices.Insert(slices.Clone(wantCSV), 3,
		"in:5:1: specialty: specialty is required", "in:5:2: period: period is required",
		"in:5:3: unit_type: unit_type is required", "in:5:4: unit_id: unit_id is required",
		"in:5:5: unit_name: unit_name is required", "in:5:6: cases: cases is required",
		"in:5:7: events: events is required")
	_, err = ingest.DecodeRecords("in", header, records, m)
	if got := problemLines(t, err); !slices.Equal(got, wantRecords) {
		t.Errorf("DecodeRecords problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantRecords, "\n"))
	}

	rows, err := ingest.DecodeRecords("in", header, records[:1], m)
	if err != nil {
		t.Fatalf("DecodeRecords(one good record) = %v", err)
	}
	if len(rows.Rows) != 1 || rows.Rows[0].Line != 2 || rows.Rows[0].Cases != 1000 || rows.Rows[0].Expected.V != 9.5 {
		t.Errorf("DecodeRecords(one good record) = %+v, want line 2, 1000 cases, expected 9.5", rows.Rows)
	}
}

func ExampleDecode() {
	m, err := ingest.Profile("canonical")
	if err != nil {
		fmt.Println(err)
		return
	}
	csv := "specialty,period,unit_type,unit_id,unit_name,cases,events,expected\n" +
		"vascular,2024,surgeon,G1,Dr One,\"1,200\",14,12.5\n" +
		"vascular,2024,surgeon,G2,Dr Two,10,11,50\n"
	if _, err := ingest.Decode("mine.csv", strings.NewReader(csv), m); err != nil {
		fmt.Println(err)
	}
	d, _ := ingest.Decode("mine.csv", strings.NewReader(csv[:strings.LastIndex(csv[:len(csv)-1], "\n")+1]), m)
	for _, r := range d.Rows {
		fmt.Println(r.Line, r.UnitID, r.Cases, r.Events, r.Expected.V)
	}
	// Output:
	// mine.csv:3:7: events: events (11) exceed cases (10)
	// mine.csv:3:8: expected: expected (50) exceeds cases (10)
	// 2 G1 1200 14 12.5
}

// TestSelfCheckMapping checks the self-check's variant of the canonical
// profile: period, procedure and the unit's labels may be missing (left
// empty), unit_type defaults to hospital, rows are independent, every
// other check is the canonical profile's, and Load refuses it.
func TestSelfCheckMapping(t *testing.T) {
	m, err := ingest.SelfCheckMapping()
	if err != nil {
		t.Fatalf("SelfCheckMapping() = %v", err)
	}
	wantHeader := []string{"specialty", "procedure", "period", "unit_type", "unit_id", "unit_name", "hospital_id",
		"hospital_name", "outcome", "cases", "events", "expected", "expected_rate"}
	if got := m.Header(); !slices.Equal(got, wantHeader) {
		t.Errorf("SelfCheckMapping().Header() = %q, want %q", got, wantHeader)
	}

	csv := "specialty,cases,events,expected,unit_type\nadult-cardiac,\"1,000\",12,9.5,NA\nadult-cardiac,\"1,000\",12,9.5,surgeon\nadult-cardiac,\"1,000\",12,9.5,\n"
	got, err := ingest.Decode("mine.csv", strings.NewReader(csv), m)
	if err != nil {
		t.Fatalf("Decode(self-check) = %v", err)
	}
	sp, _ := outcome.LookupSpecialty("adult-cardiac")
	want := outcome.Row{File: 1, Line: 2, Specialty: "adult-cardiac", UnitType: "hospital", Outcome: sp.Outcome,
		Cases: 1000, Events: 12, Expected: known(9.5)}
	if len(got.Rows) != 3 || !reflect.DeepEqual(got.Rows[0], want) || got.Rows[1].UnitType != "surgeon" || got.Rows[2].Line != 4 {
		t.Errorf("Decode(self-check) rows = %+v, want three, the first %+v (the same key twice is no error)", got.Rows, want)
	}

	// Every other rule is the canonical profile's, in its words.
	bad := "specialty,period,unit_type,unit_id,unit_name,cases,events,expected\n" +
		"adult-cardiac,2024,surgeon,S1,Dr S,10,11,50\n" +
		"cardiology,2024,ward,S2,Dr T,\"1,0,0\",N/A,0\n"
	_, canonicalErr := ingest.Decode("mine.csv", strings.NewReader(bad), canonicalMapping(t))
	_, selfCheckErr := ingest.Decode("mine.csv", strings.NewReader(bad), m)
	if got, want := problemLines(t, selfCheckErr), problemLines(t, canonicalErr); !slices.Equal(got, want) || len(got) != 7 {
		t.Errorf("Decode(self-check) problems\n%s\nwant the canonical profile's (7)\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	_, err = ingest.Decode("mine.csv", strings.NewReader("specialty,cases,events,deaths\nvascular,10,1,1\n"), m)
	if got, want := problemLines(t, err), []string{`mine.csv:1:4: unknown column "deaths": the canonical mapping does not read it`}; !slices.Equal(got, want) {
		t.Errorf("Decode(self-check, unknown column) = %q, want %q", got, want)
	}

	path := writeTempFile(t, "mine.csv", csv)
	if _, err := ingest.Load(context.Background(), openTempStore(t), ingest.OSFiles(path), ingest.Options{Mapping: m}); err == nil {
		t.Errorf("Load(self-check mapping) = nil error, want it refused")
	}
}
