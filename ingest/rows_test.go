package ingest_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/ingest"
)

// rowsMapping reads a vascular hospital file; each test puts its own keys
// before it (duplicates, ignore, [[filter]], [skip]).
const rowsMapping = noSpecialty + "specialty = \"vascular\"\n"

// decodeRows decodes data through rowsMapping with extra, and returns the
// ids of the rows read, in order, the summary and the error.
func decodeRows(t *testing.T, extra, data string) ([]string, ingest.FileSummary, error) {
	t.Helper()
	m := parseMapping(t, "m.toml", extra+rowsMapping)
	d, err := ingest.Decode("m.csv", strings.NewReader(data), m)
	var ids []string
	for _, r := range d.Rows {
		ids = append(ids, fmt.Sprintf("%s@%d", r.UnitID, r.Line))
	}
	return ids, d.Summary, err
}

// TestFilters checks that [[filter]] keeps or drops rows by a column's
// value before any field is read (a medical row whose counts are text
// raises no error), counts them by reason, once per row however many
// filters would drop it, and that a filter's column counts as read.
func TestFilters(t *testing.T) {
	// Line 3 is medical, with counts no field could read; line 5 is a
	// "Procedure" row, line 6 has a blank type.
	const data = "id,name,Measure Type,n,d\n" +
		"H1,One,Surgical,100,3\n" +
		"H1,One,Medical,not given,n/a\n" +
		"H2,Two, Surgical ,50,1\n" +
		"H3,Three,Procedure,40,0\n" +
		"H4,Four,,30,0\n"
	tests := []struct {
		name    string
		filters string
		ids     []string
		reasons map[string]int
	}{
		{
			name:    "drop with a reason",
			filters: "[[filter]]\ncolumn = \"Measure Type\"\ndrop = [\"Medical\"]\nreason = \"medical measure\"\n",
			ids:     []string{"H1@2", "H2@4", "H3@5", "H4@6"},
			reasons: map[string]int{"medical measure": 1},
		},
		{
			name:    "drop by the default reason, several values",
			filters: "[[filter]]\ncolumn = \"measure  type\"\ndrop = [\"Medical\", \"Procedure\", \"\"]\n",
			ids:     []string{"H1@2", "H2@4"},
			reasons: map[string]int{"measure  type = Medical": 1, "measure  type = Procedure": 1, "measure  type empty": 1},
		},
		{
			name:    "keep",
			filters: "[[filter]]\ncolumn = \"Measure Type\"\nkeep = [\"Surgical\"]\n",
			ids:     []string{"H1@2", "H2@4"},
			reasons: map[string]int{"Measure Type not Surgical": 3},
		},
		{
			name: "two filters: a row both drop counts once, under the first",
			filters: "[[filter]]\ncolumn = \"Measure Type\"\ndrop = [\"Medical\"]\nreason = \"medical\"\n" +
				"[[filter]]\ncolumn = \"id\"\ndrop = [\"H1\", \"H3\"]\nreason = \"closed\"\n",
			ids:     []string{"H2@4", "H4@6"},
			reasons: map[string]int{"medical": 1, "closed": 2},
		},
		{
			name:    "case matters",
			filters: "[[filter]]\ncolumn = \"Measure Type\"\ndrop = [\"medical\", \"Medical\"]\nreason = \"medical\"\n[[filter]]\ncolumn = \"Measure Type\"\ndrop = [\"procedure\"]\n",
			ids:     []string{"H1@2", "H2@4", "H3@5", "H4@6"},
			reasons: map[string]int{"medical": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, fs, err := decodeRows(t, tt.filters, data)
			if err != nil {
				t.Fatalf("Decode = %v", err)
			}
			if !slices.Equal(ids, tt.ids) {
				t.Errorf("rows = %v, want %v", ids, tt.ids)
			}
			if !maps.Equal(fs.SkipReasons, tt.reasons) {
				t.Errorf("skip reasons = %v, want %v", fs.SkipReasons, tt.reasons)
			}
			if want := sum(tt.reasons); fs.Skipped != want {
				t.Errorf("skipped = %d, want %d", fs.Skipped, want)
			}
		})
	}

	// Without the filter the medical row is an error, and the column not
	// read by any field is an unknown column.
	_, _, err := decodeRows(t, "ignore = [\"Measure Type\"]\n", data)
	if err == nil || !strings.Contains(err.Error(), "m.csv:3:4: n: cases: \"not given\" is not a number") {
		t.Errorf("Decode without the filter = %v, want the medical row's counts refused", err)
	}
	_, _, err = decodeRows(t, "", data)
	if err == nil || !strings.Contains(err.Error(), `m.csv:1:3: unknown column "Measure Type"`) {
		t.Errorf("Decode without the filter or ignore = %v, want the column unknown", err)
	}
}

// TestFilterMissingColumn checks that a filter on a header the file lacks
// is an error naming the file, the header and the filter.
func TestFilterMissingColumn(t *testing.T) {
	_, _, err := decodeRows(t, "[[filter]]\ncolumn = \"Measure Type\"\ndrop = [\"Medical\"]\n", "id,name,n,d\nH1,One,10,1\n")
	want := []string{`m.csv:1:0: missing column "Measure Type" (for filter[0].column)`}
	if got := problemLines(t, err); !slices.Equal(got, want) {
		t.Errorf("Decode = %q, want %q", got, want)
	}
}

// TestIdenticalDuplicates checks duplicates = "drop-identical": a record
// identical in every column (trimmed, the ignored ones included) to an
// earlier one is dropped and counted, in Decode and in Load across the
// files of a release; a record that shares the key but differs in any
// column is still an error naming both lines; without the key every
// duplicate is an error.
func TestIdenticalDuplicates(t *testing.T) {
	const dropIdentical = "duplicates = \"drop-identical\"\nignore = [\"note\"]\n"
	const data = "id,name,n,d,note\n" +
		"H1,One,100,3,\n" +
		"H2,Two,50,1,x\n" +
		"H1, One ,100,3,\n" + // identical after trimming: dropped
		"H2,Two,50,1,y\n" // differs in the ignored column: a duplicate key
	_, _, err := decodeRows(t, dropIdentical, data)
	want := []string{`m.csv:5:0: duplicate key (specialty "vascular", procedure "all", period "2024", unit_type "hospital", unit_id "H2", hospital_id ""): already on line 3`}
	if got := problemLines(t, err); !slices.Equal(got, want) {
		t.Errorf("Decode with a conflicting duplicate = %q, want %q", got, want)
	}

	ids, fs, err := decodeRows(t, dropIdentical, strings.TrimSuffix(data, "H2,Two,50,1,y\n"))
	if err != nil {
		t.Fatalf("Decode = %v", err)
	}
	if want := []string{"H1@2", "H2@3"}; !slices.Equal(ids, want) || fs.SkipReasons["identical duplicate"] != 1 || fs.Skipped != 1 {
		t.Errorf("Decode = rows %v, skipped %d %v; want %v and 1 identical duplicate", ids, fs.Skipped, fs.SkipReasons, want)
	}

	_, _, err = decodeRows(t, "ignore = [\"note\"]\n", data)
	want = []string{
		`m.csv:4:0: duplicate key (specialty "vascular", procedure "all", period "2024", unit_type "hospital", unit_id "H1", hospital_id ""): already on line 2`,
		`m.csv:5:0: duplicate key (specialty "vascular", procedure "all", period "2024", unit_type "hospital", unit_id "H2", hospital_id ""): already on line 3`,
	}
	if got := problemLines(t, err); !slices.Equal(got, want) {
		t.Errorf("Decode without the key = %q, want %q", got, want)
	}

	// Across files: a year given in two files whose columns are the same,
	// in another order. The second file repeats H1 exactly and changes H2.
	m := parseMapping(t, "m.toml", dropIdentical+rowsMapping)
	first := "id,name,n,d,note\nH1,One,100,3,\nH2,Two,50,1,x\n"
	same := "note,d,n,name,id\n,3,100,One,H1\nx,1,50,Two,H2\n,0,20,Three,H3\n"
	res, err := ingest.Load(context.Background(), openTempStore(t), memFiles(first, same), ingest.Options{Mapping: m})
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	if f := res.Files[1]; f.Rows != 1 || f.Skipped != 2 || f.SkipReasons["identical duplicate"] != 2 || res.Release.Rows != 3 {
		t.Errorf("Load: second file %d rows, %d skipped %v, release %d rows; want 1, 2 identical duplicates, 3",
			f.Rows, f.Skipped, f.SkipReasons, res.Release.Rows)
	}
	conflicting := "note,d,n,name,id\n,3,100,One,H1\nx,2,50,Two,H2\n"
	_, err = ingest.Load(context.Background(), openTempStore(t), memFiles(first, conflicting), ingest.Options{Mapping: m})
	want = []string{`in2.csv:3:0: duplicate key (specialty "vascular", procedure "all", period "2024", unit_type "hospital", unit_id "H2", hospital_id ""): already on in1.csv:3`}
	if got := problemLines(t, err); !slices.Equal(got, want) {
		t.Errorf("Load with a conflicting duplicate across files = %q, want %q", got, want)
	}
}

// TestSkipChecks checks [skip] checks: a row failing a named check is
// skipped, counted under the check's words and listed by line with the
// error it would have been; a row failing a check not named, or with any
// other problem too, is still an error, and so is a national row.
func TestSkipChecks(t *testing.T) {
	const data = "id,name,n,d,e\n" +
		"ALL,All,1000,30,\n" +
		"H1,One,100,3,2.5\n" +
		"H2,Two,1,4,0.5\n" + // deaths 4 of 1 case
		"H3,Three,10,1,12\n" + // expected 12 of 10 cases
		"H4,Four,20,1,0.8\n"
	decode := func(checks, data string) ([]string, ingest.FileSummary, error) {
		t.Helper()
		m := parseMapping(t, "m.toml", strings.Replace(rowsMapping, "events = \"d\"", "events = \"d\"\nexpected = \"e\"", 1)+
			"[national]\ncolumn = \"id\"\nvalues = [\"ALL\"]\n[skip]\nchecks = "+checks+"\n")
		d, err := ingest.Decode("m.csv", strings.NewReader(data), m)
		var ids []string
		for _, r := range d.Rows {
			ids = append(ids, r.UnitID)
		}
		return ids, d.Summary, err
	}

	ids, fs, err := decode(`["events_over_cases", "expected_over_cases"]`, data)
	if err != nil {
		t.Fatalf("Decode = %v", err)
	}
	if want := []string{"H1", "H4"}; !slices.Equal(ids, want) {
		t.Errorf("rows = %v, want %v", ids, want)
	}
	if want := map[string]int{"national": 1, "events exceed cases": 1, "expected exceeds cases": 1}; !maps.Equal(fs.SkipReasons, want) {
		t.Errorf("skip reasons = %v, want %v", fs.SkipReasons, want)
	}
	var listed []string
	for _, re := range fs.FailedRows {
		listed = append(listed, re.Error())
	}
	if want := []string{"m.csv:4:4: d: events (4) exceed cases (1)", "m.csv:5:5: e: expected (12) exceeds cases (10)"}; fs.Failed != 2 || !slices.Equal(listed, want) {
		t.Errorf("failed rows = %d %q, want 2 %q", fs.Failed, listed, want)
	}

	_, _, err = decode(`["events_over_cases"]`, data)
	if want := []string{"m.csv:5:5: e: expected (12) exceeds cases (10)"}; !slices.Equal(problemLines(t, err), want) {
		t.Errorf("Decode skipping events_over_cases only = %q, want %q", problemLines(t, err), want)
	}

	// A row with another problem beside the check, and a national row
	// failing the check, are errors.
	bad := strings.Replace(data, "H2,Two,1,4,0.5", "H2,Two,1,4,zero", 1)
	bad = strings.Replace(bad, "ALL,All,1000,30,", "ALL,All,10,30,", 1)
	_, _, err = decode(`["events_over_cases", "expected_over_cases"]`, bad)
	want := []string{
		"m.csv:2:4: d: events (30) exceed cases (10)",
		"m.csv:4:4: d: events (4) exceed cases (1)",
		`m.csv:4:5: e: expected: "zero" is not a number`,
	}
	if got := problemLines(t, err); !slices.Equal(got, want) {
		t.Errorf("Decode = %q, want %q", got, want)
	}

	// More than MaxListedFailed: the first are listed, all counted.
	var many strings.Builder
	many.WriteString("id,name,n,d,e\nALL,All,1000,30,\nH0,Zero,10,1,1\n")
	for i := 1; i <= ingest.MaxListedFailed+5; i++ {
		fmt.Fprintf(&many, "B%d,Bad,1,2,0.1\n", i)
	}
	_, fs, err = decode(`["events_over_cases"]`, many.String())
	if err != nil {
		t.Fatalf("Decode = %v", err)
	}
	if fs.Failed != ingest.MaxListedFailed+5 || len(fs.FailedRows) != ingest.MaxListedFailed ||
		fs.SkipReasons["events exceed cases"] != ingest.MaxListedFailed+5 || fs.FailedRows[0].Line != 4 {
		t.Errorf("failed = %d, listed %d from line %d, counted %v; want %d, %d from line 4",
			fs.Failed, len(fs.FailedRows), fs.FailedRows[0].Line, fs.SkipReasons, ingest.MaxListedFailed+5, ingest.MaxListedFailed)
	}
}

// TestRowKeysRefused checks the mapping errors of the keys that leave
// rows out.
func TestRowKeysRefused(t *testing.T) {
	tests := []struct{ extra, want string }{
		{"[skip]\nchecks = [\"events_exceed_cases\"]\n",
			`mapping m.toml: skip.checks: unknown check "events_exceed_cases" (checks: events_over_cases, expected_over_cases, published_interval)`},
		{"duplicates = \"drop\"\n", `mapping m.toml: duplicates "drop": want error or drop-identical`},
		{"[[filter]]\ndrop = [\"x\"]\n", "mapping m.toml: filter[0]: no column"},
		{"[[filter]]\ncolumn = \"t\"\n", "mapping m.toml: filter[0]: give the values to keep or to drop"},
		{"[[filter]]\ncolumn = \"t\"\nkeep = [\"a\"]\ndrop = [\"b\"]\n", "mapping m.toml: filter[0]: give keep or drop, not both"},
		{"[[filter]]\ncolumn = \"t\"\ndrops = [\"b\"]\n", "mapping m.toml: unknown keys: filter.drops"},
	}
	for _, tt := range tests {
		_, err := ingest.ParseMapping("m.toml", []byte(tt.extra+rowsMapping))
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseMapping(%q) = %v, want %q", tt.extra, err, tt.want)
		}
	}
	if _, err := ingest.ParseMapping("m.toml", []byte("duplicates = \"error\"\n"+rowsMapping)); err != nil {
		t.Errorf(`duplicates = "error": %v`, err)
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestLeftOutWide checks a wide mapping ([[rows]]): a record left out by
// a filter or as an identical duplicate counts once for each canonical row
// it would have given, and a named check skips only the canonical row
// that fails it.
func TestLeftOutWide(t *testing.T) {
	const mapping = `duplicates = "drop-identical"
[[filter]]
column = "status"
drop = ["closed"]
[skip]
checks = ["events_over_cases"]
[columns]
unit_id = "id"
unit_name = "name"
[fixed]
specialty = "vascular"
unit_type = "hospital"
period = "2024"
[[rows]]
columns = { cases = "open n", events = "open d" }
fixed = { procedure = "open" }
[[rows]]
columns = { cases = "evar n", events = "evar d" }
fixed = { procedure = "evar" }
`
	const data = "id,name,status,open n,open d,evar n,evar d\n" +
		"T1,One,open,10,1,20,0\n" +
		"T2,Two,closed,x,y,z,w\n" + // dropped: 2 rows
		"T1,One,open,10,1,20,0\n" + // identical: 2 rows
		"T3,Three,open,5,1,2,3\n" // evar contradicts itself: 1 row
	m := parseMapping(t, "m.toml", mapping)
	d, err := ingest.Decode("m.csv", strings.NewReader(data), m)
	if err != nil {
		t.Fatalf("Decode = %v", err)
	}
	var rows []string
	for _, r := range d.Rows {
		rows = append(rows, r.UnitID+" "+r.Procedure)
	}
	if want := []string{"T1 open", "T1 evar", "T3 open"}; !slices.Equal(rows, want) {
		t.Errorf("rows = %v, want %v", rows, want)
	}
	want := map[string]int{"status = closed": 2, "identical duplicate": 2, "events exceed cases": 1}
	if fs := d.Summary; !maps.Equal(fs.SkipReasons, want) || fs.Skipped != 5 || fs.Failed != 1 ||
		fs.FailedRows[0].Error() != "m.csv:5:7: evar d: events (3) exceed cases (2)" {
		t.Errorf("summary = %d skipped %v, failed %d %v; want 5 %v and line 5's evar", fs.Skipped, fs.SkipReasons, fs.Failed, fs.FailedRows, want)
	}
}
