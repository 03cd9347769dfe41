package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/ingest"
)

// mixedRecords is a file whose years were saved by different programs: the
// records of units A, D, G are UTF-8, those of B, C, E Windows-1252 (bytes
// 0xEB, 0xD3, 0x92, 0x96, 0x80, 0xF1, 0xF3), F is ASCII. E and G are quoted
// over two lines, G with an escaped quote, so a record is not a line.
var mixedRecords = [][]byte{
	[]byte("specialty,period,unit_type,unit_id,unit_name,cases,events"),
	[]byte("vascular,2019,surgeon,A,Zoë Ó Briain,10,1"),
	[]byte("vascular,2019,surgeon,B,Zo\xeb \xd3 Briain,10,1"),
	[]byte("vascular,2020,surgeon,C,Dr O\x92Neil \x96 \x80,10,1"),
	[]byte("vascular,2020,surgeon,D,Mr Émile Brontë,10,1"),
	[]byte("vascular,2020,surgeon,E,\"Ni\xf1o\nG\xf3mez\",10,1"),
	[]byte("vascular,2020,surgeon,F,Plain Name,10,1"),
	[]byte("vascular,2021,surgeon,G,\"Ørsted’s \"\"Heart\"\"\nUnit\",10,1"),
}

// The names below were decoded independently of this package, by Python
// 3.11, once, from the same records' bytes: each record through
// b.decode('utf-8'), and b.decode('cp1252') where that raised
// UnicodeDecodeError (mixedNames, and 3 records so raised); every record
// through b.decode('cp1252') (forcedCP1252Names). A newline inside a quoted
// value is stored as a space.
var (
	mixedNames = map[string]string{
		"A": "Zoë Ó Briain", "B": "Zoë Ó Briain", "C": "Dr O’Neil – €", "D": "Mr Émile Brontë",
		"E": "Niño Gómez", "F": "Plain Name", "G": `Ørsted’s "Heart" Unit`,
	}
	forcedCP1252Names = map[string]string{
		"A": "ZoÃ« Ã“ Briain", "B": "Zoë Ó Briain", "C": "Dr O’Neil – €", "D": "Mr Ã‰mile BrontÃ«",
		"E": "Niño Gómez", "F": "Plain Name", "G": `Ã˜rstedâ€™s "Heart" Unit`,
	}
	// mixedLines is the line each unit's record starts on.
	mixedLines = map[string]int{"A": 2, "B": 3, "C": 4, "D": 5, "E": 6, "F": 8, "G": 9}
)

// mixedFile joins mixedRecords with eol, which also ends the newlines
// inside their quoted values.
func mixedFile(eol string) []byte {
	data := bytes.Join(mixedRecords, []byte("\n"))
	return bytes.ReplaceAll(append(data, '\n'), []byte("\n"), []byte(eol))
}

// encodingMapping is the canonical profile with a top-level encoding key,
// and any other top-level lines given.
func encodingMapping(t *testing.T, encoding string, lines ...string) *ingest.Mapping {
	t.Helper()
	canonical, err := os.ReadFile("profiles/canonical.toml")
	if err != nil {
		t.Fatal(err)
	}
	toml := fmt.Sprintf("encoding = %q\n%s\n%s", encoding, strings.Join(lines, "\n"), canonical)
	m, err := ingest.ParseMapping("forced.toml", []byte(toml))
	if err != nil {
		t.Fatalf("ParseMapping(encoding = %q) = %v", encoding, err)
	}
	return m
}

// loadedNames loads data through m and returns the stored names and lines
// by unit id, with the file's summary.
func loadedNames(t *testing.T, data []byte, m *ingest.Mapping) (map[string]string, map[string]int, ingest.FileSummary, string) {
	t.Helper()
	ctx := context.Background()
	db := openTempStore(t)
	res, err := ingest.Load(ctx, db, ingest.OSFiles(writeTempFile(t, "years.csv", string(data))), ingest.Options{Mapping: m})
	if err != nil {
		t.Fatalf("Load() = %v, want nil", err)
	}
	rows, err := db.Rows(ctx, res.Release.ID)
	if err != nil {
		t.Fatalf("Rows(%s) = %v", res.Release.ID, err)
	}
	names, lines := map[string]string{}, map[string]int{}
	for _, r := range rows {
		names[r.UnitID], lines[r.UnitID] = r.UnitName, r.Line
	}
	if len(res.Files) != 1 || len(res.Release.Files) != 1 {
		t.Fatalf("Load() files = %+v, release files %+v, want one each", res.Files, res.Release.Files)
	}
	return names, lines, res.Files[0], res.Release.Files[0].Encoding
}

// TestLoadMixedEncodings checks a file that mixes UTF-8 and Windows-1252
// records is decoded a record at a time, every name right, and that the
// summary and the release say how many records were Windows-1252.
func TestLoadMixedEncodings(t *testing.T) {
	for _, le := range lineEnds {
		t.Run(le.name, func(t *testing.T) {
			names, lines, fs, stored := loadedNames(t, mixedFile(le.eol), canonicalMapping(t))
			if !reflect.DeepEqual(names, mixedNames) {
				t.Errorf("Load() names = %q, want %q", names, mixedNames)
			}
			if !reflect.DeepEqual(lines, mixedLines) {
				t.Errorf("Load() lines = %v, want %v", lines, mixedLines)
			}
			if fs.Encoding != "utf-8" || fs.Windows1252Records != 3 || fs.Rows != 7 {
				t.Errorf("Load().Files[0] = %+v, want 7 rows, encoding utf-8 with 3 records windows-1252", fs)
			}
			const want = "utf-8, 3 records windows-1252"
			if got := fs.EncodingText(); got != want {
				t.Errorf("Load().Files[0].EncodingText() = %q, want %q", got, want)
			}
			if stored != want {
				t.Errorf("Load().Release.Files[0].Encoding = %q, want %q", stored, want)
			}
		})
	}
}

// TestDecodeMixedEncodings checks Decode, which `outcomes funnel` and the
// self-check use, reads a mixed file as Load does.
func TestDecodeMixedEncodings(t *testing.T) {
	d, err := ingest.Decode("years.csv", bytes.NewReader(mixedFile("\r\n")), canonicalMapping(t))
	if err != nil {
		t.Fatalf("Decode() = %v, want nil", err)
	}
	names := map[string]string{}
	for _, r := range d.Rows {
		names[r.UnitID] = r.UnitName
	}
	if !reflect.DeepEqual(names, mixedNames) {
		t.Errorf("Decode() names = %q, want %q", names, mixedNames)
	}
	if got := d.Summary.EncodingText(); got != "utf-8, 3 records windows-1252" {
		t.Errorf("Decode().Summary.EncodingText() = %q, want utf-8, 3 records windows-1252", got)
	}
}

// TestMixedEncodingsWindows1252First checks a file whose first records
// with letters outside ASCII are Windows-1252 is still decided record by
// record, and one with no UTF-8 letters at all is Windows-1252 as before.
func TestMixedEncodingsWindows1252First(t *testing.T) {
	h := mixedRecords[0]
	tests := []struct {
		name     string
		records  [][]byte
		encoding string
		names    map[string]string
	}{
		{"windows-1252 then utf-8", [][]byte{h, mixedRecords[2], mixedRecords[6], mixedRecords[1]},
			"utf-8, 1 record windows-1252", map[string]string{"A": mixedNames["A"], "B": mixedNames["B"], "F": "Plain Name"}},
		{"windows-1252 and ASCII only", [][]byte{h, mixedRecords[2], mixedRecords[6], mixedRecords[3]},
			"windows-1252", map[string]string{"B": mixedNames["B"], "C": mixedNames["C"], "F": "Plain Name"}},
		{"utf-8 and ASCII only", [][]byte{h, mixedRecords[1], mixedRecords[6], mixedRecords[7]},
			"utf-8", map[string]string{"A": mixedNames["A"], "F": "Plain Name", "G": mixedNames["G"]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := append(bytes.Join(tt.records, []byte("\n")), '\n')
			names, _, fs, stored := loadedNames(t, data, canonicalMapping(t))
			if !reflect.DeepEqual(names, tt.names) {
				t.Errorf("Load() names = %q, want %q", names, tt.names)
			}
			if got := fs.EncodingText(); got != tt.encoding || stored != tt.encoding {
				t.Errorf("Load() encoding %q, stored %q, want %q", got, stored, tt.encoding)
			}
		})
	}
}

// TestMappingForcesEncoding checks the mapping's encoding key: windows-1252
// reads every byte as Windows-1252, UTF-8 ones too; utf-8 makes every
// record that is not UTF-8 a problem at its line, field and character,
// and loads nothing.
func TestMappingForcesEncoding(t *testing.T) {
	t.Run("windows-1252", func(t *testing.T) {
		names, _, fs, stored := loadedNames(t, mixedFile("\n"), encodingMapping(t, "windows-1252"))
		if !reflect.DeepEqual(names, forcedCP1252Names) {
			t.Errorf("Load() names = %q, want %q", names, forcedCP1252Names)
		}
		if fs.EncodingText() != "windows-1252" || stored != "windows-1252" {
			t.Errorf("Load() encoding %q, stored %q, want windows-1252", fs.EncodingText(), stored)
		}
	})
	t.Run("windows-1252 on a UTF-8 file", func(t *testing.T) {
		data := bytes.Join([][]byte{mixedRecords[0], mixedRecords[1], mixedRecords[4]}, []byte("\n"))
		names, _, _, stored := loadedNames(t, data, encodingMapping(t, "windows-1252"))
		want := map[string]string{"A": forcedCP1252Names["A"], "D": forcedCP1252Names["D"]}
		if !reflect.DeepEqual(names, want) || stored != "windows-1252" {
			t.Errorf("Load() names = %q, encoding %q, want %q, windows-1252", names, stored, want)
		}
	})
	t.Run("utf-8 on a UTF-8 file with a BOM", func(t *testing.T) {
		data := append([]byte("\ufeff"), bytes.Join([][]byte{mixedRecords[0], mixedRecords[1]}, []byte("\r\n"))...)
		names, _, _, stored := loadedNames(t, data, encodingMapping(t, "utf-8"))
		if names["A"] != mixedNames["A"] || stored != "utf-8-bom" {
			t.Errorf("Load() names = %q, encoding %q, want A %q, utf-8-bom", names, stored, mixedNames["A"])
		}
	})

	// The bytes and characters Python found (bytes.decode('utf-8') raising
	// UnicodeDecodeError at 1-based byte 27, 29 and 28 of those records);
	// unit_name is field 5.
	fails := []struct {
		name    string
		mapping string
		data    []byte
		want    []wantRowError
		lines   []string // more mapping
	}{
		{"utf-8 on a mixed file", "utf-8", mixedFile("\r\n"), []wantRowError{
			{"bad.csv", 3, 5, `byte 0xEB is not UTF-8 (at character 27); the mapping says encoding = "utf-8"`},
			{"bad.csv", 4, 5, `byte 0x92 is not UTF-8 (at character 29); the mapping says encoding = "utf-8"`},
			{"bad.csv", 6, 5, `byte 0xF1 is not UTF-8 (at character 28); the mapping says encoding = "utf-8"`},
		}, nil},
		{"utf-8, the bad byte on the second line of a record", "utf-8",
			[]byte("specialty,period,unit_type,unit_id,unit_name,cases,events\nvascular,2020,surgeon,E,\"Nino\nG\xf3mez\",10,1\n"),
			[]wantRowError{{"bad.csv", 3, 5, `byte 0xF3 is not UTF-8 (at character 2)`}}, nil},
		{"utf-8 in the header", "utf-8",
			[]byte("specialty,period,unit_type,unit_id,unit_name,cases,events,Not\xe9s\nvascular,2020,surgeon,F,F,10,1,x\n"),
			[]wantRowError{{"bad.csv", 1, 8, `byte 0xE9 is not UTF-8 (at character 62)`}},
			[]string{`ignore = ["Notés"]`}},
		{"windows-1252 on a file with a UTF-8 BOM", "windows-1252",
			append([]byte("\ufeff"), mixedFile("\n")[:len(mixedRecords[0])+len(mixedRecords[1])+2]...),
			[]wantRowError{{"bad.csv", 1, 1, `file starts with a UTF-8 byte order mark but the mapping says encoding = "windows-1252"`}}, nil},
	}
	for _, tt := range fails {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := openTempStore(t)
			_, err := ingest.Load(ctx, db, ingest.OSFiles(writeTempFile(t, "bad.csv", string(tt.data))),
				ingest.Options{Mapping: encodingMapping(t, tt.mapping, tt.lines...)})
			var ie *ingest.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("Load() = %v, want *ingest.InputError", err)
			}
			got, others := inputProblems(t, ie)
			if len(others) > 0 {
				t.Errorf("Load() problems that are not *RowError: %v", others)
			}
			checkRowErrors(t, got, tt.want)
			if rels, err := db.Releases(ctx); err != nil || len(rels) != 0 {
				t.Errorf("Releases() after a failed Load = %v, %v, want none", rels, err)
			}
		})
	}
}

// TestMappingEncodingKey checks the key takes only the encodings the
// decoder knows, and says which key is wrong.
func TestMappingEncodingKey(t *testing.T) {
	canonical, err := os.ReadFile("profiles/canonical.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range []string{"latin-1", "UTF-8", "utf8", "cp1252", "utf-8-bom", "auto"} {
		_, err := ingest.ParseMapping("m.toml", []byte(fmt.Sprintf("encoding = %q\n%s", enc, canonical)))
		want := fmt.Sprintf(`mapping m.toml: encoding %q: want utf-8 or windows-1252`, enc)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseMapping(encoding = %q) = %v, want an error containing %q", enc, err, want)
		}
	}
	for _, enc := range []string{"utf-8", "windows-1252"} {
		if m := encodingMapping(t, enc); m.Encoding != enc {
			t.Errorf("ParseMapping(encoding = %q).Encoding = %q", enc, m.Encoding)
		}
	}
}
