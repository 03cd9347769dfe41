package ingest_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/store"
)

// encodingLines is one small canonical file, a line per element; "\n"
// inside an element is a newline inside a quoted value. It has non-ASCII
// names, a quoted hospital name with a comma and a newline, thousands
// separators, white space around header names and values, a blank line
// between rows, and at the end a line of bare commas and blank lines, as
// spreadsheets leave them.
var encodingLines = []string{
	"specialty ,procedure,period , unit_type,unit_id,unit_name  ,hospital_id,hospital_name,cases,events ,expected",
	"adult-cardiac,all,2021,surgeon,GMC1,Dr Zoë Ørsted-Núñez ,RX1,\"St Mary’s, Paddington\nWest Wing\",\"1,234\",12 , 23.5",
	"adult-cardiac,all,2021,surgeon,GMC2,  Mr Émile Brontë,RX2,Royal Infirmary,987,9,10.25",
	"",
	"adult-cardiac,all,2021,hospital,RX1,\"St Mary’s, Paddington\nWest Wing\",,,\"2,500\",30,\"40.125\"",
	",,,,,,,,,,",
	"",
	"",
}

// encodingRows is what every encoding of encodingLines must load. The
// quoted name's embedded newline is stored as a space: stored text is one line.
var encodingRows = []outcome.Row{
	{File: 1, Line: 2, Specialty: "adult-cardiac", Procedure: "all", Period: "2021", UnitType: "surgeon",
		UnitID: "GMC1", UnitName: "Dr Zoë Ørsted-Núñez", HospitalID: "RX1", HospitalName: "St Mary’s, Paddington West Wing",
		Outcome: "in-hospital mortality", Cases: 1234, Events: 12, Expected: valid(23.5)},
	{File: 1, Line: 4, Specialty: "adult-cardiac", Procedure: "all", Period: "2021", UnitType: "surgeon",
		UnitID: "GMC2", UnitName: "Mr Émile Brontë", HospitalID: "RX2", HospitalName: "Royal Infirmary",
		Outcome: "in-hospital mortality", Cases: 987, Events: 9, Expected: valid(10.25)},
	{File: 1, Line: 6, Specialty: "adult-cardiac", Procedure: "all", Period: "2021", UnitType: "hospital",
		UnitID: "RX1", UnitName: "St Mary’s, Paddington West Wing",
		Outcome: "in-hospital mortality", Cases: 2500, Events: 30, Expected: valid(40.125)},
}

func valid(x float64) sql.Null[float64] { return sql.Null[float64]{V: x, Valid: true} }

// lineEnds are the line ends a publisher's file may use.
var lineEnds = []struct{ name, eol string }{{"LF", "\n"}, {"CRLF", "\r\n"}, {"CR", "\r"}}

// encodeFile joins lines with eol (which also ends newlines inside values)
// and encodes the text as utf-8, utf-8-bom or windows-1252.
func encodeFile(t *testing.T, lines []string, eol, encoding string) []byte {
	t.Helper()
	text := strings.ReplaceAll(strings.Join(lines, "\n")+"\n", "\n", eol)
	switch encoding {
	case "utf-8":
		return []byte(text)
	case "utf-8-bom":
		return append([]byte{0xEF, 0xBB, 0xBF}, text...)
	case "windows-1252":
		return toWindows1252(t, text)
	}
	t.Fatalf("encodeFile: unknown encoding %q", encoding)
	return nil
}

// toWindows1252 encodes the few non-ASCII letters the tests use.
func toWindows1252(t *testing.T, s string) []byte {
	t.Helper()
	cp1252 := map[rune]byte{'É': 0xC9, 'Ø': 0xD8, 'ë': 0xEB, 'ñ': 0xF1, 'ú': 0xFA, '’': 0x92}
	var b []byte
	for _, r := range s {
		switch c, ok := cp1252[r]; {
		case r < 0x80:
			b = append(b, byte(r))
		case ok:
			b = append(b, c)
		default:
			t.Fatalf("toWindows1252: no byte for %q", r)
		}
	}
	return b
}

func TestLoadEncodingsAndLineEnds(t *testing.T) {
	ctx := context.Background()
	m := canonicalMapping(t)
	for _, enc := range []string{"utf-8", "utf-8-bom", "windows-1252"} {
		for _, le := range lineEnds {
			t.Run(enc+"/"+le.name, func(t *testing.T) {
				data := encodeFile(t, encodingLines, le.eol, enc)
				path := writeTempFile(t, "release.csv", string(data))
				db := openTempStore(t)
				res, err := ingest.Load(ctx, db, ingest.OSFiles(path), ingest.Options{Mapping: m})
				if err != nil {
					t.Fatalf("Load(%s %s) = %v, want nil", enc, le.name, err)
				}
				rows, err := db.Rows(ctx, res.Release.ID)
				if err != nil {
					t.Fatalf("Rows(%s) = %v", res.Release.ID, err)
				}
				if !reflect.DeepEqual(rows, encodingRows) {
					t.Errorf("Load(%s %s) stored rows\n%+v\nwant\n%+v", enc, le.name, rows, encodingRows)
				}
				wantFile := store.ReleaseFile{Ordinal: 1, Name: "release.csv", SHA256: res.Release.InputSHA256,
					Size: int64(len(data)), Encoding: enc, Rows: 3}
				if got := res.Release.Files; len(got) != 1 || got[0] != wantFile {
					t.Errorf("Load(%s %s).Release.Files = %+v, want [%+v]", enc, le.name, got, wantFile)
				}
				if got := res.Files; len(got) != 1 || got[0].Encoding != enc || got[0].Rows != 3 || got[0].Skipped != 0 {
					t.Errorf("Load(%s %s).Files = %+v, want one file of encoding %s with 3 rows and none skipped", enc, le.name, got, enc)
				}
				if res.Release.Rows != 3 {
					t.Errorf("Load(%s %s).Release.Rows = %d, want 3", enc, le.name, res.Release.Rows)
				}
			})
		}
	}
}

// multilineMapping reads headers written over two lines.
const multilineMapping = `
[columns]
specialty = "Specialty"
period = "Period"
unit_type = "Unit type"
unit_id = "Unit id"
unit_name = "Unit name"
cases = "Cases"
events = "Deaths"
`

func TestLoadErrorLines(t *testing.T) {
	const h = "specialty,period,unit_type,unit_id,unit_name,cases,events"
	tests := []struct {
		name     string
		mapping  string // TOML; "" means canonical
		lines    []string
		eol      string
		encoding string
		want     wantRowError
	}{
		{
			name:     "CRLF",
			lines:    []string{h, "vascular,2019,surgeon,A,Dr A,10,1", "vascular,2019,surgeon,B,Dr B,10,1", "vascular,2019,surgeon,C,Dr C,ten,1"},
			eol:      "\r\n",
			encoding: "utf-8",
			want:     wantRowError{"bad.csv", 4, 6, `cases: "ten" is not a number`},
		},
		{
			name:     "CR",
			lines:    []string{h, "vascular,2019,surgeon,A,Dr A,10,1", "vascular,2019,surgeon,B,Dr B,10,1", "vascular,2019,surgeon,C,Dr C,ten,1"},
			eol:      "\r",
			encoding: "utf-8",
			want:     wantRowError{"bad.csv", 4, 6, `cases: "ten" is not a number`},
		},
		{
			name:     "CR with a newline in a quoted value",
			lines:    []string{h, "vascular,2019,surgeon,A,\"Dr\nA\",10,1", "vascular,2019,surgeon,C,Dr C,10,11"},
			eol:      "\r",
			encoding: "utf-8",
			want:     wantRowError{"bad.csv", 4, 7, "events (11) exceed cases (10)"},
		},
		{
			name:     "CRLF with a newline in a quoted value",
			lines:    []string{h, "vascular,2019,surgeon,A,\"Dr\nA\",10,1", "vascular,2019,surgeon,C,Dr C,10,11"},
			eol:      "\r\n",
			encoding: "utf-8",
			want:     wantRowError{"bad.csv", 4, 7, "events (11) exceed cases (10)"},
		},
		{
			name:     "CRLF with a blank line",
			lines:    []string{h, "vascular,2019,surgeon,A,Dr A,10,1", "", "vascular,2019,surgeon,C,Dr C,10,-1"},
			eol:      "\r\n",
			encoding: "utf-8",
			want:     wantRowError{"bad.csv", 4, 7, "events: -1 must not be negative"},
		},
		{
			name:     "windows-1252 CRLF",
			lines:    []string{h, "vascular,2019,surgeon,A,Dr Zoë,10,1", "vascular,2019,surgeon,B,Dr Núñez,10,1", "vascular,2019,surgeon,C,Dr Ørsted,1.5,1"},
			eol:      "\r\n",
			encoding: "windows-1252",
			want:     wantRowError{"bad.csv", 4, 6, `cases: "1.5" is not a whole number`},
		},
		{
			name:     "windows-1252 CR",
			lines:    []string{h, "vascular,2019,surgeon,A,Dr Zoë,10,1", "vascular,2019,surgeon,B,Dr Núñez,10,1", "vascular,2019,surgeon,C,Dr Ørsted,1.5,1"},
			eol:      "\r",
			encoding: "windows-1252",
			want:     wantRowError{"bad.csv", 4, 6, `cases: "1.5" is not a whole number`},
		},
		{
			name:     "UTF-8 BOM CR",
			lines:    []string{h, "vascular,2019,surgeon,A,Dr Zoë,10,1", "vascular,2019,surgeon,B,Dr B,10,1", "vascular,2019,surgeon,C,Dr C,0,0"},
			eol:      "\r",
			encoding: "utf-8-bom",
			want:     wantRowError{"bad.csv", 4, 6, "cases: 0 is less than 1"},
		},
		{
			name:     "newline in a quoted header name",
			mapping:  multilineMapping,
			lines:    []string{"Specialty,Period,Unit type,Unit id,\"Unit\nname\",Cases,Deaths", "vascular,2019,surgeon,A,Dr A,10,1", "vascular,2019,surgeon,B,Dr B,10,x"},
			eol:      "\n",
			encoding: "utf-8",
			want:     wantRowError{"bad.csv", 4, 7, `Deaths: events: "x" is not a number`},
		},
		{
			name:     "newline in the last quoted header name",
			mapping:  multilineMapping,
			lines:    []string{"Specialty,Period,Unit type,Unit id,Cases,Deaths,\"Unit\nname\"", "vascular,2019,surgeon,A,10,1,Dr A", "vascular,2019,surgeon,B,10,x,Dr B"},
			eol:      "\n",
			encoding: "utf-8",
			want:     wantRowError{"bad.csv", 4, 6, `Deaths: events: "x" is not a number`},
		},
		{
			name:     "newline in the last quoted header name, CRLF",
			mapping:  multilineMapping,
			lines:    []string{"Specialty,Period,Unit type,Unit id,Cases,Deaths,\"Unit\nname\"", "vascular,2019,surgeon,A,10,1,Dr A", "vascular,2019,surgeon,B,10,x,Dr B"},
			eol:      "\r\n",
			encoding: "utf-8",
			want:     wantRowError{"bad.csv", 4, 6, `Deaths: events: "x" is not a number`},
		},
		{
			name:     "newline in the last quoted header name, CR",
			mapping:  multilineMapping,
			lines:    []string{"Specialty,Period,Unit type,Unit id,Cases,Deaths,\"Unit\nname\"", "vascular,2019,surgeon,A,10,1,Dr A", "vascular,2019,surgeon,B,10,x,Dr B"},
			eol:      "\r",
			encoding: "utf-8",
			want:     wantRowError{"bad.csv", 4, 6, `Deaths: events: "x" is not a number`},
		},
		{
			name:     "problem in the column whose header has a newline",
			mapping:  multilineMapping,
			lines:    []string{"Specialty,Period,Unit type,Unit id,Cases,Deaths,\"Unit\nname\"", "vascular,2019,surgeon,A,10,1,Dr A", "vascular,2019,surgeon,B,10,1,"},
			eol:      "\r\n",
			encoding: "utf-8",
			want:     wantRowError{"bad.csv", 4, 7, "bad.csv:4:7: Unit name: unit_name is required"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			m := canonicalMapping(t)
			if tt.mapping != "" {
				var err error
				if m, err = ingest.ParseMapping("multiline.toml", []byte(tt.mapping)); err != nil {
					t.Fatalf("ParseMapping() = %v", err)
				}
			}
			path := writeTempFile(t, "bad.csv", string(encodeFile(t, tt.lines, tt.eol, tt.encoding)))
			db := openTempStore(t)
			_, err := ingest.Load(ctx, db, ingest.OSFiles(path), ingest.Options{Mapping: m})
			var ie *ingest.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("Load(%q) = %v, want *ingest.InputError", tt.lines, err)
			}
			got, others := inputProblems(t, ie)
			if len(others) > 0 {
				t.Errorf("Load(%q) problems that are not *RowError: %v, want none", tt.lines, others)
			}
			checkRowErrors(t, got, []wantRowError{tt.want})
			if strings.Contains(ie.Error(), "\n") {
				t.Errorf("Load(%q) = %q, want one line for one problem", tt.lines, ie.Error())
			}
			if rels, err := db.Releases(ctx); err != nil || len(rels) != 0 {
				t.Errorf("Releases() after a failed Load = %v, %v, want none", rels, err)
			}
		})
	}
}

// TestLoadMultilineHeaderLines checks rows after a header written over two
// lines are stored with their own line numbers.
func TestLoadMultilineHeaderLines(t *testing.T) {
	ctx := context.Background()
	m, err := ingest.ParseMapping("multiline.toml", []byte(multilineMapping))
	if err != nil {
		t.Fatalf("ParseMapping() = %v", err)
	}
	for _, last := range []bool{false, true} {
		for _, le := range lineEnds {
			t.Run(fmt.Sprintf("last=%v/%s", last, le.name), func(t *testing.T) {
				lines := []string{"Specialty,Period,Unit type,Unit id,\"Unit\nname\",Cases,Deaths",
					"vascular,2019,surgeon,A,Dr A,10,1", "vascular,2019,surgeon,B,\"Dr\nB\",20,2", "vascular,2019,surgeon,C,Dr C,30,3"}
				if last {
					lines = []string{"Specialty,Period,Unit type,Unit id,Cases,Deaths,\"Unit\nname\"",
						"vascular,2019,surgeon,A,10,1,Dr A", "vascular,2019,surgeon,B,20,2,\"Dr\nB\"", "vascular,2019,surgeon,C,30,3,Dr C"}
				}
				path := writeTempFile(t, "ok.csv", string(encodeFile(t, lines, le.eol, "utf-8")))
				db := openTempStore(t)
				res, err := ingest.Load(ctx, db, ingest.OSFiles(path), ingest.Options{Mapping: m})
				if err != nil {
					t.Fatalf("Load(%q) = %v, want nil", lines, err)
				}
				rows, err := db.Rows(ctx, res.Release.ID)
				if err != nil {
					t.Fatalf("Rows(%s) = %v", res.Release.ID, err)
				}
				var got []string
				for _, r := range rows {
					got = append(got, fmt.Sprintf("%s@%d", r.UnitID, r.Line))
				}
				if want := []string{"A@3", "B@4", "C@6"}; !reflect.DeepEqual(got, want) {
					t.Errorf("Load(%q) stored rows at %v, want %v", lines, got, want)
				}
			})
		}
	}
}

// TestSniffedEncoding checks how a file's encoding is decided: ASCII is
// UTF-8, and bytes that are not UTF-8 make a file Windows-1252, whose
// bytes 0x80-0x9F are letters and punctuation, not Latin-1 controls.
func TestSniffedEncoding(t *testing.T) {
	const h = "specialty,period,unit_type,unit_id,unit_name,cases,events\n"
	tests := []struct {
		name     string
		data     string
		encoding string
		unitName string
	}{
		{"ASCII", h + "vascular,2019,surgeon,A,Dr A,10,1\n", "utf-8", "Dr A"},
		{"UTF-8", h + "vascular,2019,surgeon,A,Dr Zoë,10,1\n", "utf-8", "Dr Zoë"},
		{"UTF-8 BOM", "\ufeff" + h + "vascular,2019,surgeon,A,Dr A,10,1\n", "utf-8-bom", "Dr A"},
		{"windows-1252 letters", h + "vascular,2019,surgeon,A,Dr Zo\xeb,10,1\n", "windows-1252", "Dr Zoë"},
		{"windows-1252 punctuation", h + "vascular,2019,surgeon,A,Dr O\x92Neil \x96 \x80,10,1\n", "windows-1252", "Dr O’Neil – €"},
		{"windows-1252 no final newline", h + "vascular,2019,surgeon,A,Dr Zo\xeb,10,1", "windows-1252", "Dr Zoë"},
		{"UTF-8 cut inside a character at the end", "specialty,period,unit_type,unit_id,cases,events,unit_name\n" +
			"vascular,2019,surgeon,A,10,1,Dr Zo\xc3", "windows-1252", "Dr ZoÃ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := openTempStore(t)
			path := writeTempFile(t, "f.csv", tt.data)
			res, err := ingest.Load(ctx, db, ingest.OSFiles(path), ingest.Options{Mapping: canonicalMapping(t)})
			if err != nil {
				t.Fatalf("Load(%q) = %v, want nil", tt.data, err)
			}
			if got := res.Release.Files[0].Encoding; got != tt.encoding {
				t.Errorf("Load(%q) encoding = %q, want %q", tt.data, got, tt.encoding)
			}
			rows, err := db.Rows(ctx, res.Release.ID)
			if err != nil {
				t.Fatalf("Rows(%s) = %v", res.Release.ID, err)
			}
			if len(rows) != 1 || rows[0].UnitName != tt.unitName {
				t.Errorf("Load(%q) rows = %+v, want one named %q", tt.data, rows, tt.unitName)
			}
		})
	}
}

// TestLoadSameRowsFromEveryEncoding loads every variant of encodingLines
// into one database: each is a release of its own, as its bytes differ,
// and all hold the same rows.
func TestLoadSameRowsFromEveryEncoding(t *testing.T) {
	ctx := context.Background()
	db := openTempStore(t)
	m := canonicalMapping(t)
	seen := map[string]string{}
	for _, enc := range []string{"utf-8", "utf-8-bom", "windows-1252"} {
		for _, le := range lineEnds {
			name := enc + "-" + le.name + ".csv"
			path := writeTempFile(t, name, string(encodeFile(t, encodingLines, le.eol, enc)))
			res, err := ingest.Load(ctx, db, ingest.OSFiles(path), ingest.Options{Mapping: m})
			if err != nil {
				t.Fatalf("Load(%s) = %v, want nil", name, err)
			}
			if res.Existing {
				t.Errorf("Load(%s).Existing = true, want a new release", name)
			}
			if other, dup := seen[res.Release.ID]; dup {
				t.Errorf("Load(%s) release id %s, also the id of %s", name, res.Release.ID, other)
			}
			seen[res.Release.ID] = name
			rows, err := db.Rows(ctx, res.Release.ID)
			if err != nil {
				t.Fatalf("Rows(%s) = %v", res.Release.ID, err)
			}
			if !reflect.DeepEqual(rows, encodingRows) {
				t.Errorf("Load(%s) stored rows\n%+v\nwant\n%+v", name, rows, encodingRows)
			}
		}
	}
	rels, err := db.Releases(ctx)
	if err != nil || len(rels) != 9 {
		t.Errorf("Releases() = %d releases, %v, want 9", len(rels), err)
	}
}
