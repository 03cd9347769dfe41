package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// decoded is what decodeFile makes of one file.
type decoded struct {
	header    []string // nil when the file has no readable header
	headerEnd int
	rows      []outcome.Row // nil when there are problems
	problems  []error
}

// decodeFile reads data as Decode does, but lists every problem, not the
// first DefaultMaxErrors: the rows if there is none, else the problems.
func decodeFile(t *testing.T, m *Mapping, name string, data []byte) decoded {
	t.Helper()
	var d decoded
	if info, err := sniff(name, bytes.NewReader(data), io.Discard); err == nil {
		if header, headerEnd, err := readHeader(bufio.NewReaderSize(textReader(bytes.NewReader(data), info.encoding), 64<<10)); err == nil {
			d.header, d.headerEnd = header, headerEnd
		}
	}
	res, err := decode(name, bytes.NewReader(data), m, math.MaxInt, keepRows)
	var ie *InputError
	switch {
	case errors.As(err, &ie):
		d.problems = problemList(ie)
	case err != nil:
		t.Fatalf("decode(%q) = %v: not the input's fault", name, err)
	default:
		d.rows = res.Rows
	}
	return d
}

// problemList returns the problems an InputError lists.
func problemList(ie *InputError) []error {
	if j, ok := ie.err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{ie.err}
}

// countLines counts lines as the sniffer does: LF, CRLF and CR each end one.
func countLines(data []byte) int {
	n := 1
	for i, c := range data {
		if c == '\r' || c == '\n' && (i == 0 || data[i-1] != '\r') {
			n++
		}
	}
	return n
}

// fuzzSeeds are small files of every shape the decoder meets.
var fuzzSeeds = []string{
	"specialty,period,unit_type,unit_id,unit_name,cases,events\nvascular,2019,surgeon,A,Dr A,10,1\n",
	"specialty,period,unit_type,unit_id,unit_name,cases,events\r\nvascular,2019,surgeon,A,Dr A,10,1\r\nvascular,2019,surgeon,B,Dr B,20,3\r\n",
	"specialty,period,unit_type,unit_id,unit_name,cases,events\rvascular,2019,surgeon,A,Dr A,10,1\r",
	"\xef\xbb\xbfspecialty,procedure,period,unit_type,unit_id,unit_name,hospital_id,hospital_name,cases,events,expected\n" +
		"adult-cardiac,all,2021,surgeon,1,Dr Zoë,RX1,\"St Mary's, Paddington\nWest Wing\",\"1,234\",12,23.5\n,,,,,,,,,,\n\n",
	"specialty,period,unit_type,unit_id,unit_name,cases,events,expected_rate\nurology,2020,hospital,H1,Hospital Zo\xeb,100,2,1.5\n",
	"specialty,period,unit_type,unit_id,unit_name,cases,events,expected,expected_rate\nurology,2020,surgeon,A,Dr A,10,1,2,3\n",
	"specialty,period,unit_type,unit_id,unit_name,cases,events\nvascular,2019,surgeon,A,\"Dr A,10,1\nvascular,2019,surgeon,B,Dr B,10,1\n",
	"specialty,period,unit_type,unit_id,unit_name,cases,events\nvascular,2019,surgeon,A,Dr A,10\nvascular,2019,surgeon,A,Dr A,10,1,2\n",
	"specialty,period,unit_type,unit_id,unit_name,cases,events\nvascular,2019,surgeon,A,Dr \x00A,10,1\n",
	"\xff\xfes\x00p\x00e\x00c\x00",
	"",
	"specialty,period,unit_type,unit_id,unit_name,cases,events\n",
	"specialty,period,unit_type,unit_id,unit_name,cases,events\nvascular,2019,surgeon,A,Dr A,\"1,23\",NaN\nvascular,2019,surgeon,B,Dr B,0x10,1e999\n",
	"specialty,period,unit_type,unit_id,unit_name,cases,events,cases,other,\nvascular,2019,surgeon,A,Dr A,10,1,10,x,\n",
	"\"specialty\",period,unit_type,unit_id,unit_name,cases,\"ev\nents\"\nvascular,2019,surgeon,A,Dr O\"Brien,10,1\n",
	"specialty,period,unit_type,unit_id,unit_name,cases,events\nnot-a-specialty,2019,consultant,,NA,-1,12.5\n",
	"specialty,period,unit_type,unit_id,unit_name,cases,events\nvascular,2019,surgeon,A,Zoë,10,1\nvascular,2020,surgeon,B,\"Zo\xeb\n\xd3\",10,1\n",
}

// FuzzDecode feeds arbitrary bytes through the decoding pipeline with the
// canonical profile. Whatever the input, it must not panic, every problem
// must be a *RowError that says where it is, and every row it accepts must
// hold counts and names the rest of the system can trust.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	m, err := Profile("canonical")
	if err != nil {
		f.Fatal(err)
	}
	slugs := map[string]bool{}
	for _, s := range outcome.Specialties() {
		slugs[s.Slug] = true
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.csv"
		d := decodeFile(t, m, name, data)
		lines := countLines(data)
		for _, err := range d.problems {
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("decodeFile(%q) problem %v (%T), want a *RowError", data, err, err)
			}
			if re.File != name || re.Line < 1 || re.Line > lines+1 || re.Column < 0 {
				t.Errorf("decodeFile(%q) problem at %q line %d column %d, want %q, line 1-%d, column ≥ 0: %v",
					data, re.File, re.Line, re.Column, name, lines+1, re)
			}
			if d.header != nil && re.Column > len(d.header) {
				t.Errorf("decodeFile(%q) problem at column %d of a %d-column header: %v", data, re.Column, len(d.header), re)
			}
			if msg := re.Error(); strings.ContainsAny(msg, "\r\n") || !utf8.ValidString(msg) {
				t.Errorf("decodeFile(%q) problem %q, want one line of UTF-8", data, msg)
			}
		}
		prev := d.headerEnd
		for _, r := range d.rows {
			if r.Line <= prev || r.Line > lines {
				t.Errorf("decodeFile(%q) row at line %d, want after line %d and at most %d", data, r.Line, prev, lines)
			}
			prev = r.Line
			if r.Cases < 1 || r.Cases > 1e9 || r.Events < 0 || r.Events > r.Cases {
				t.Errorf("decodeFile(%q) row %d: %d events in %d cases, want 1 ≤ cases ≤ 1e9, 0 ≤ events ≤ cases", data, r.Line, r.Events, r.Cases)
			}
			if e := r.Expected; e.Valid && (math.IsNaN(e.V) || math.IsInf(e.V, 0) || e.V <= 0 || e.V > float64(r.Cases)) {
				t.Errorf("decodeFile(%q) row %d: expected %v with %d cases, want finite, > 0 and ≤ cases", data, r.Line, e.V, r.Cases)
			}
			if x := r.ExpectedRate; x.Valid && (!r.Expected.Valid || math.IsNaN(x.V) || x.V <= 0 || x.V > 100) {
				t.Errorf("decodeFile(%q) row %d: expected rate %v (expected valid %v), want in (0, 100] with expected", data, r.Line, x.V, r.Expected.Valid)
			}
			if !slugs[r.Specialty] || r.Procedure == "" || r.Period == "" || r.UnitID == "" || r.UnitName == "" || r.Outcome == "" {
				t.Errorf("decodeFile(%q) row %d = %+v, want a known specialty and non-empty procedure, period, unit_id, unit_name and outcome", data, r.Line, r)
			}
			if r.UnitType != "surgeon" && r.UnitType != "hospital" {
				t.Errorf("decodeFile(%q) row %d unit_type %q, want surgeon or hospital", data, r.Line, r.UnitType)
			}
			for _, s := range []string{r.Specialty, r.Procedure, r.Period, r.UnitID, r.UnitName, r.HospitalID, r.HospitalName, r.Outcome} {
				if !utf8.ValidString(s) || s != strings.TrimSpace(s) || strings.ContainsFunc(s, func(c rune) bool {
					return unicode.IsControl(c) && c != '\n' && c != '\t'
				}) || len(s) > 200 {
					t.Errorf("decodeFile(%q) row %d holds %q, want trimmed UTF-8 of at most 200 bytes without control characters", data, r.Line, s)
				}
			}
		}
		if len(d.problems) == 0 && len(d.rows) == 0 {
			t.Errorf("decodeFile(%q) = no rows and no problems, want one or the other", data)
		}
	})
}

// TestDecodeFileSeeds checks decodeFile agrees with Load's rules on a few
// of the seeds, so the fuzz target tests what Load does.
func TestDecodeFileSeeds(t *testing.T) {
	m, err := Profile("canonical")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		data     string
		rows     int
		problems []string
	}{
		{"good", fuzzSeeds[0], 1, nil},
		{"CRLF", fuzzSeeds[1], 2, nil},
		{"CR", fuzzSeeds[2], 1, nil},
		{"BOM, quoted newline, bare commas", fuzzSeeds[3], 1, nil},
		{"windows-1252", fuzzSeeds[4], 1, nil},
		{"unclosed quote", fuzzSeeds[6], 0, []string{`fuzz.csv:2:0: extraneous or missing " in quoted-field`}},
		{"ragged", fuzzSeeds[7], 0, []string{"fuzz.csv:2:0: row has a different", "fuzz.csv:3:0: row has a different"}},
		{"NUL", fuzzSeeds[8], 0, []string{"fuzz.csv:2:28: control character 0x00"}},
		{"UTF-16", fuzzSeeds[9], 0, []string{"fuzz.csv:1:1: file is UTF-16"}},
		{"empty", fuzzSeeds[10], 0, []string{"fuzz.csv:1:0: empty file"}},
		{"header only", fuzzSeeds[11], 0, []string{"fuzz.csv:2:0: no data rows"}},
		{"numbers", fuzzSeeds[12], 0, []string{
			`fuzz.csv:2:6: cases: "1,23" is not a number`, `fuzz.csv:2:7: events: "NaN" is not a number`,
			`fuzz.csv:3:6: cases: "0x10" is not a number`, `fuzz.csv:3:7: events: "1e999" is not a number`}},
		{"header", fuzzSeeds[13], 0, []string{`fuzz.csv:1:8: duplicate column "cases"`, `fuzz.csv:1:9: unknown column "other"`,
			"fuzz.csv:1:10: unknown column with an empty header"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decodeFile(t, m, "fuzz.csv", []byte(tt.data))
			var got []string
			for _, p := range d.problems {
				got = append(got, p.Error())
			}
			ok := len(d.rows) == tt.rows && len(got) == len(tt.problems)
			for i := range got {
				ok = ok && i < len(tt.problems) && strings.HasPrefix(got[i], tt.problems[i])
			}
			if !ok {
				t.Errorf("decodeFile(%q) = %d rows, problems %q, want %d rows, problems starting %q", tt.data, len(d.rows), got, tt.rows, tt.problems)
			}
		})
	}
}
