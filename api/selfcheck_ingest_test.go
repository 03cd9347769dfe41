package api_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/ingest"
)

// sameWordsColumns are the columns of every row in the tables below: all
// that the canonical profile requires, so `outcomes ingest` reads the same
// file the self-check does.
var sameWordsColumns = []string{"specialty", "period", "unit_type", "unit_id", "unit_name", "cases", "events",
	"expected", "expected_rate"}

// sameWordsRow is a good row: a hospital's own risk-adjusted figures.
var sameWordsRow = map[string]string{"specialty": "adult-cardiac", "period": "2022-04/2025-03", "unit_type": "hospital",
	"unit_id": "RXX", "unit_name": "Our cardiac unit", "cases": "100", "events": "3", "expected": "2.5",
	"expected_rate": ""}

// sameWordsCase is a bad row: the good row with some cells replaced, and
// perhaps more columns.
type sameWordsCase struct {
	name  string
	cells map[string]string
	extra []string // more columns, after sameWordsColumns (blank cells)
}

// sameWordsCases are bad rows, each refused by `outcomes ingest` and by
// the self-check.
var sameWordsCases = []sameWordsCase{
	{name: "events over cases", cells: map[string]string{"cases": "10", "events": "11"}},
	{name: "events over cases, thousands", cells: map[string]string{"cases": "1,000", "events": "1,001"}},
	{name: "expected over cases", cells: map[string]string{"cases": "10", "expected": "50"}},
	{name: "expected 0", cells: map[string]string{"expected": "0"}},
	{name: "expected negative", cells: map[string]string{"expected": "-2.5"}},
	{name: "expected not a number", cells: map[string]string{"expected": "two"}},
	{name: "expected NaN", cells: map[string]string{"expected": "NaN"}},
	{name: "expected and expected_rate", cells: map[string]string{"expected_rate": "2"}},
	{name: "expected_rate over 100", cells: map[string]string{"expected": "", "expected_rate": "150"}},
	{name: "cases 1,0,0", cells: map[string]string{"cases": "1,0,0"}},
	{name: "cases 12,34,567", cells: map[string]string{"cases": "12,34,567"}},
	{name: "cases NA", cells: map[string]string{"cases": "NA"}},
	{name: "cases N/A", cells: map[string]string{"cases": "N/A"}},
	{name: "cases Not Available", cells: map[string]string{"cases": "Not Available"}},
	{name: "cases blank", cells: map[string]string{"cases": ""}},
	{name: "cases a decimal", cells: map[string]string{"cases": "12.5"}},
	{name: "cases 0", cells: map[string]string{"cases": "0", "events": "0"}},
	{name: "cases implausibly large", cells: map[string]string{"cases": "2e9"}},
	{name: "cases hex", cells: map[string]string{"cases": "0x10"}},
	{name: "cases infinite", cells: map[string]string{"cases": "1e999"}},
	{name: "events NA", cells: map[string]string{"events": "NA"}},
	{name: "events negative", cells: map[string]string{"events": "-1"}},
	{name: "events a decimal", cells: map[string]string{"events": "1.5"}},
	{name: "specialty NA", cells: map[string]string{"specialty": "NA"}},
	{name: "unknown specialty", cells: map[string]string{"specialty": "cardiology"}},
	{name: "unknown unit_type", cells: map[string]string{"unit_type": "consultant"}},
	{name: "control character C1", cells: map[string]string{"unit_name": "Ward \u009bA"}},
	{name: "control character form feed", cells: map[string]string{"unit_id": "R\fX"}},
	{name: "unit_name over 200 bytes", cells: map[string]string{"unit_name": strings.Repeat("x", 201)}},
	{name: "unit_id over 128 bytes", cells: map[string]string{"unit_id": strings.Repeat("1", 129)}},
	{name: "period over 32 bytes", cells: map[string]string{"period": strings.Repeat("2", 33)}},
	{name: "value over 1024 bytes", cells: map[string]string{"unit_name": strings.Repeat("x", 2000)}},
	{name: "unknown column", extra: []string{"deaths"}},
	{name: "several problems", cells: map[string]string{"specialty": "cardiology", "cases": "1,0,0", "events": "N/A", "expected": "0"}},
}

// record returns the case's header and values.
func (c sameWordsCase) record() (header, vals []string) {
	header = append(slices.Clone(sameWordsColumns), c.extra...)
	for _, col := range header {
		v, ok := c.cells[col]
		if !ok {
			v = sameWordsRow[col]
		}
		vals = append(vals, v)
	}
	return header, vals
}

// csv is the case as a canonical CSV file.
func (c sameWordsCase) csv() string {
	header, vals := c.record()
	for i, v := range vals {
		if strings.ContainsAny(v, ",\"\n") {
			vals[i] = strconv.Quote(v)
		}
	}
	return strings.Join(header, ",") + "\n" + strings.Join(vals, ",") + "\n"
}

// json is the case as one self-check unit: a cell that is a JSON number is
// sent as one, any other as a string, and a blank one as null.
func (c sameWordsCase) json(t *testing.T) []byte {
	header, vals := c.record()
	var b strings.Builder
	b.WriteString("{")
	for i, col := range header {
		if i > 0 {
			b.WriteString(",")
		}
		v := vals[i]
		var n json.Number
		switch {
		case v == "":
			v = "null"
		case json.Unmarshal([]byte(v), &n) == nil && !strings.ContainsAny(v, "eE"):
		default:
			q, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			v = string(q)
		}
		fmt.Fprintf(&b, "%q:%s", col, v)
	}
	b.WriteString("}")
	return []byte(b.String())
}

// TestSelfCheckSameWordsAsIngest posts bad rows to the self-check, as a
// CSV body and as a JSON unit, and checks each is refused with exactly the
// problems `outcomes ingest` reports for the same row, in the same words:
// the CSV's at the same line and column, the JSON's named by field.
func TestSelfCheckSameWordsAsIngest(t *testing.T) {
	srv := newServer(t, api.Config{})
	for _, tc := range sameWordsCases {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.csv()
			want := ingestRowErrors(t, data)
			if len(want) == 0 {
				t.Fatalf("ingest accepts %q, want it refused", data)
			}
			header, _ := tc.record()

			resp, body := post(t, srv, "/api/v1/self-check", "text/csv", []byte(data))
			p := checkProblem(t, resp, body, http.StatusBadRequest)
			var wantCSV, wantJSON []string
			for _, w := range want {
				param := fmt.Sprintf("line %d", w.Line)
				if w.Column > 0 {
					param += fmt.Sprintf(", column %d", w.Column)
				}
				if w.Field != "" {
					param += ": " + w.Field
				}
				wantCSV = append(wantCSV, param+" => "+w.Err.Error())
				field := w.Field
				if field == "" && w.Column > 0 {
					field = header[w.Column-1] // an unknown column
				}
				wantJSON = append(wantJSON, field+" => "+w.Err.Error())
			}
			if got := paramMessages(p); !slices.Equal(got, wantCSV) {
				t.Errorf("POST CSV %q: errors\n%s\nwant ingest's\n%s", data, strings.Join(got, "\n"), strings.Join(wantCSV, "\n"))
			}

			unit := tc.json(t)
			resp, body = post(t, srv, "/api/v1/self-check", "application/json", unit)
			p = checkProblem(t, resp, body, http.StatusBadRequest)
			if got := paramMessages(p); !slices.Equal(got, wantJSON) {
				t.Errorf("POST JSON %s: errors\n%s\nwant ingest's\n%s", unit, strings.Join(got, "\n"), strings.Join(wantJSON, "\n"))
			}

			// In a list, after a good unit, the same words about units[1].
			list := []byte(`{"units":[` + scUnit + `,` + string(unit) + `]}`)
			resp, body = post(t, srv, "/api/v1/self-check", "application/json", list)
			p = checkProblem(t, resp, body, http.StatusBadRequest)
			for i := range wantJSON {
				wantJSON[i] = "units[1]." + wantJSON[i]
			}
			if got := paramMessages(p); !slices.Equal(got, wantJSON) {
				t.Errorf("POST JSON %s: errors\n%s\nwant ingest's\n%s", list, strings.Join(got, "\n"), strings.Join(wantJSON, "\n"))
			}
		})
	}
}

// TestSelfCheckCSVSameAsIngest posts whole CSV files with problems of the
// header, the records or the bytes, and checks the self-check names each
// where `outcomes ingest` does, line and column counted as it counts them
// (blank lines, quoted newlines and every kind of line end), in its words.
func TestSelfCheckCSVSameAsIngest(t *testing.T) {
	srv := newServer(t, api.Config{})
	const head = "specialty,period,unit_type,unit_id,unit_name,cases,events,expected\n"
	const good = "adult-cardiac,2022-04/2025-03,hospital,RXX,Our unit,100,3,2.5\n"
	tests := []struct {
		name, body string
	}{
		{"missing column", "specialty,period,unit_type,unit_id,unit_name,cases,expected\nadult-cardiac,2022,hospital,RXX,Ours,100,2.5\n"},
		{"duplicate column", "specialty,period,unit_type,unit_id,unit_name,cases,events,Cases\n" + good},
		{"empty header", "specialty,period,unit_type,unit_id,unit_name,cases,events,expected,\n" + strings.TrimSuffix(good, "\n") + ",\n"},
		{"header only", head},
		{"empty", ""},
		{"ragged row", head + good + "adult-cardiac,2022,hospital,RXX\n"},
		{"unclosed quote", head + good + "adult-cardiac,2022,hospital,RXX,\"Our unit,100,3,2.5\n" + good},
		{"bare quote", head + "adult-cardiac,2022,hospital,RXX,Our \"unit\",100,3,2.5\n"},
		{"blank lines counted", head + good + "\n\n" + "adult-cardiac,2022,hospital,RXX,Ours,ten,3,2.5\n"},
		{"bare commas skipped", head + good + ",,,,,,,\n" + "adult-cardiac,2022,hospital,RXX,Ours,10,11,2.5\n"},
		{"quoted newlines counted", head + "adult-cardiac,2022,hospital,RXX,\"Our\nunit\",100,3,2.5\nadult-cardiac,2022,hospital,RXY,Ours,10,3,50\n"},
		{"CRLF", strings.ReplaceAll(head+good+"adult-cardiac,2022,hospital,RXY,\"Our\nunit\",10,11,2.5\n", "\n", "\r\n")},
		{"CR", strings.ReplaceAll(head+good+"adult-cardiac,2022,hospital,RXY,Ours,\"1,0,0\",11,2.5\n", "\n", "\r")},
		{"BOM", "\ufeff" + head + "adult-cardiac,2022,hospital,RXY,Ours,NA,1,2.5\n"},
		{"Windows-1252", head + "adult-cardiac,2022,hospital,RXY,Zo\xeb,1.5,1,2.5\n"},
		{"binary", head + "adult-cardiac,2022,hospital,RXY,Ours\x00,10,1,2.5\n"},
		{"UTF-16", "\xff\xfes\x00p\x00"},
		{"BOM and not UTF-8", "\ufeff" + head + "adult-cardiac,2022,hospital,RXY,Zo\xeb,10,1,2.5\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := ingestRowErrors(t, tc.body)
			if len(want) == 0 {
				t.Fatalf("ingest accepts %q, want it refused", tc.body)
			}
			var wantCSV []string
			for _, w := range want {
				param := fmt.Sprintf("line %d", w.Line)
				if w.Column > 0 {
					param += fmt.Sprintf(", column %d", w.Column)
				}
				if w.Field != "" {
					param += ": " + w.Field
				}
				wantCSV = append(wantCSV, param+" => "+w.Err.Error())
			}
			resp, body := post(t, srv, "/api/v1/self-check", "text/csv", []byte(tc.body))
			p := checkProblem(t, resp, body, http.StatusBadRequest)
			if got := paramMessages(p); !slices.Equal(got, wantCSV) {
				t.Errorf("POST CSV %q: errors\n%s\nwant ingest's\n%s", tc.body, strings.Join(got, "\n"), strings.Join(wantCSV, "\n"))
			}
		})
	}
}

// ingestRowErrors decodes data with the canonical profile, as `outcomes
// ingest` does, and returns its problems.
func ingestRowErrors(t *testing.T, data string) []*ingest.RowError {
	t.Helper()
	m, err := ingest.Profile("canonical")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ingest.Decode("mine.csv", strings.NewReader(data), m)
	if err == nil {
		return nil
	}
	var ie *ingest.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("ingest.Decode(%q) = %v, want an *ingest.InputError", data, err)
	}
	list := []error{errors.Unwrap(ie)}
	if j, ok := list[0].(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	}
	var out []*ingest.RowError
	for _, e := range list {
		var re *ingest.RowError
		if !errors.As(e, &re) {
			t.Fatalf("ingest.Decode(%q) problem %v, want a *ingest.RowError", data, e)
		}
		out = append(out, re)
	}
	return out
}

// paramMessages lists a problem's errors as "param => message".
func paramMessages(p scProblem) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Param+" => "+e.Message)
	}
	return out
}
