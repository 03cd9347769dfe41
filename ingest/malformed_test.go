package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/store"
)

// badDir holds one small CSV per class of malformed input.
const badDir = "../testdata/bad"

// goodCSV is a small valid canonical release, loaded before each bad one so
// that a test can see the database is left exactly as it was.
const goodCSV = `specialty,period,unit_type,unit_id,unit_name,cases,events
urology,2020,surgeon,U1,Dr Uro One,120,3
urology,2020,surgeon,U2,Dr Uro Two,80,1
urology,2020,surgeon,U3,Dr Uro Three,45,0
`

// wantRowError is the position and a fragment of the message of one
// expected *ingest.RowError. File is a base name.
type wantRowError struct {
	file   string
	line   int
	column int
	msg    string
}

func TestLoadMalformed(t *testing.T) {
	// many-bad-rows.csv has 120 rows whose events exceed their cases; only
	// the first DefaultMaxErrors are listed.
	var many []wantRowError
	for line := 2; line < 2+ingest.DefaultMaxErrors; line++ {
		many = append(many, wantRowError{"many-bad-rows.csv", line, 10, "events (11) exceed cases (10)"})
	}

	tests := []struct {
		name string
		// files are names in badDir, or generate writes the files and
		// returns their paths.
		files    []string
		generate func(t *testing.T) []string
		want     []wantRowError
		// more is a fragment of the final "N more problems" line, "" if
		// every problem is listed; total is InputError.Total, 0 meaning
		// len(want).
		more  string
		total int
	}{
		{
			name:  "non-numeric counts",
			files: []string{"nonnumeric-cases.csv"},
			want: []wantRowError{
				{"nonnumeric-cases.csv", 3, 9, `cases: "ten" is not a number`},
				{"nonnumeric-cases.csv", 4, 10, `events: "a few" is not a number`},
			},
		},
		{
			name:  "decimal counts",
			files: []string{"decimal-cases.csv"},
			want: []wantRowError{
				{"decimal-cases.csv", 3, 9, `cases: "12.5" is not a whole number`},
				{"decimal-cases.csv", 4, 10, `events: "1.5" is not a whole number`},
			},
		},
		{
			name:  "negative events",
			files: []string{"negative-events.csv"},
			want:  []wantRowError{{"negative-events.csv", 3, 10, "events: -1 must not be negative"}},
		},
		{
			name:  "events exceed cases",
			files: []string{"events-exceed-cases.csv"},
			want:  []wantRowError{{"events-exceed-cases.csv", 3, 10, "events (11) exceed cases (10)"}},
		},
		{
			name:  "zero cases",
			files: []string{"zero-cases.csv"},
			want:  []wantRowError{{"zero-cases.csv", 3, 9, "cases: 0 is less than 1"}},
		},
		{
			name:  "zero expected",
			files: []string{"expected-zero.csv"},
			want:  []wantRowError{{"expected-zero.csv", 3, 11, "expected: 0 must be greater than 0"}},
		},
		{
			name:  "negative expected",
			files: []string{"expected-negative.csv"},
			want:  []wantRowError{{"expected-negative.csv", 3, 11, "expected: -2.5 must not be negative"}},
		},
		{
			name:  "NaN",
			files: []string{"nan.csv"},
			want: []wantRowError{
				{"nan.csv", 3, 9, `cases: "NaN" is not a number`},
				{"nan.csv", 4, 10, `events: "nan" is not a number`},
				{"nan.csv", 5, 11, `expected: "NaN" is not a number`},
			},
		},
		{
			name:  "infinity",
			files: []string{"inf.csv"},
			want: []wantRowError{
				{"inf.csv", 3, 9, `cases: "Inf" is not a number`},
				{"inf.csv", 4, 10, `events: "+Inf" is not a number`},
				{"inf.csv", 5, 11, `expected: "Infinity" is not a number`},
			},
		},
		{
			name:  "overflow",
			files: []string{"overflow.csv"},
			want: []wantRowError{
				{"overflow.csv", 3, 9, `cases: "1e999" is not a number`},
				{"overflow.csv", 4, 11, `expected: "1e999" is not a number`},
				{"overflow.csv", 5, 9, "cases: 2e9 is implausibly large"},
			},
		},
		{
			name:  "hex",
			files: []string{"hex.csv"},
			want: []wantRowError{
				{"hex.csv", 3, 9, `cases: "0x10" is not a number`},
				{"hex.csv", 4, 10, `events: "0X1" is not a number`},
				{"hex.csv", 5, 11, `expected: "0x1p-2" is not a number`},
			},
		},
		{
			name:  "bad thousands grouping",
			files: []string{"bad-thousands.csv"},
			want: []wantRowError{
				{"bad-thousands.csv", 3, 9, `cases: "1,23" is not a number (commas must separate thousands)`},
				{"bad-thousands.csv", 4, 9, `cases: "12,34,567" is not a number (commas must separate thousands)`},
				{"bad-thousands.csv", 5, 9, `cases: "1,0e3" is not a number (commas must separate thousands)`},
				{"bad-thousands.csv", 6, 11, `expected: "1.234,5" is not a number (commas must separate thousands)`},
			},
		},
		{
			name:  "unknown column",
			files: []string{"unknown-column.csv"},
			want:  []wantRowError{{"unknown-column.csv", 1, 11, `unknown column "comments": the canonical mapping does not read it`}},
		},
		{
			name:  "unknown column with an empty header",
			files: []string{"empty-header-column.csv"},
			want:  []wantRowError{{"empty-header-column.csv", 1, 11, "unknown column with an empty header"}},
		},
		{
			name:  "missing required column",
			files: []string{"missing-column.csv"},
			want:  []wantRowError{{"missing-column.csv", 1, 0, `missing column "events"`}},
		},
		{
			name:  "duplicate column",
			files: []string{"duplicate-column.csv"},
			want:  []wantRowError{{"duplicate-column.csv", 1, 11, `duplicate column "Cases" (also column 9)`}},
		},
		{
			name:  "header over 1024 bytes",
			files: []string{"long-header.csv"},
			want:  []wantRowError{{"long-header.csv", 1, 11, "header is longer than 1024 bytes"}},
		},
		{
			name:  "ragged rows",
			files: []string{"ragged.csv"},
			want: []wantRowError{
				{"ragged.csv", 3, 0, "row has a different number of fields from the header (10)"},
				{"ragged.csv", 4, 0, "row has a different number of fields from the header (10)"},
			},
		},
		{
			name:  "duplicate key",
			files: []string{"duplicate-key.csv"},
			want: []wantRowError{{"duplicate-key.csv", 4, 0,
				`duplicate key (specialty "vascular", procedure "all", period "2019", unit_type "surgeon", unit_id "G001", hospital_id "H1"): already on line 2`}},
		},
		{
			name:  "duplicate key across files",
			files: []string{"duplicate-key-across-a.csv", "duplicate-key-across-b.csv"},
			want: []wantRowError{{"duplicate-key-across-b.csv", 3, 0,
				`unit_id "G002", hospital_id "H1"): already on ` + filepath.Join(badDir, "duplicate-key-across-a.csv") + ":3"}},
		},
		{
			name:  "expected and expected_rate",
			files: []string{"expected-and-rate.csv"},
			want:  []wantRowError{{"expected-and-rate.csv", 3, 12, "give expected or expected_rate, not both"}},
		},
		{
			// Ids are path segments of the pages' addresses: only letters,
			// digits and - _ . : pass, beginning with a letter or digit.
			name:  "ids that would break a web address",
			files: []string{"unsafe-ids.csv"},
			want: []wantRowError{
				{"unsafe-ids.csv", 3, 5, `unit_id: "x/y" holds '/'; an id may hold only letters, digits and - _ . :`},
				{"unsafe-ids.csv", 4, 5, `unit_id: "a?b=1" holds '?'`},
				{"unsafe-ids.csv", 5, 5, `unit_id: "z#frag" holds '#'`},
				{"unsafe-ids.csv", 6, 5, `unit_id: ".." must begin with a letter or digit`},
				{"unsafe-ids.csv", 7, 5, `unit_id: "50%" holds '%'`},
				{"unsafe-ids.csv", 8, 5, `unit_id: "=1+1" must begin with a letter or digit`},
				{"unsafe-ids.csv", 9, 5, `unit_id: "Dr Smith" holds ' '`},
				{"unsafe-ids.csv", 10, 5, `unit_id: "café" holds 'é'`},
				{"unsafe-ids.csv", 11, 7, `hospital_id: "H/1" holds '/'`},
			},
		},
		{
			name:  "unknown specialty",
			files: []string{"unknown-specialty.csv"},
			want:  []wantRowError{{"unknown-specialty.csv", 3, 1, `unknown specialty "cardiology" (want one of adult-cardiac, vascular,`}},
		},
		{
			name:  "unknown unit_type",
			files: []string{"unknown-unit-type.csv"},
			want:  []wantRowError{{"unknown-unit-type.csv", 3, 4, `unknown unit_type "consultant" (want surgeon or hospital)`}},
		},
		{
			name:  "missing required values",
			files: []string{"missing-value.csv"},
			want: []wantRowError{
				{"missing-value.csv", 3, 5, "unit_id is required"},
				{"missing-value.csv", 4, 9, "cases is required"},
			},
		},
		{
			name:  "group mixes crude and risk-adjusted rows",
			files: []string{"mixed-expected.csv"},
			want: []wantRowError{{"mixed-expected.csv", 3, 0,
				"group vascular all 2019 mixes rows with and without expected counts (line 2 of " +
					filepath.Join(badDir, "mixed-expected.csv") + " has them)"}},
		},
		{
			name:  "empty file",
			files: []string{"empty.csv"},
			want:  []wantRowError{{"empty.csv", 1, 0, "empty file: no header row"}},
		},
		{
			name:  "header only",
			files: []string{"header-only.csv"},
			want:  []wantRowError{{"header-only.csv", 2, 0, "no data rows after the header"}},
		},
		{
			name:  "PNG",
			files: []string{"png.csv"},
			want:  []wantRowError{{"png.csv", 2, 1, "control character 0x1A: this looks like binary data"}},
		},
		{
			name:  "NUL byte",
			files: []string{"nul.csv"},
			want:  []wantRowError{{"nul.csv", 3, 35, "control character 0x00: this looks like binary data"}},
		},
		{
			name:  "escape character",
			files: []string{"escape-char.csv"},
			want:  []wantRowError{{"escape-char.csv", 3, 35, "control character 0x1B"}},
		},
		{
			name:  "control characters in values",
			files: []string{"control-char.csv"},
			want: []wantRowError{
				{"control-char.csv", 3, 6, "unit_name: value holds control character U+009B"},
				{"control-char.csv", 4, 8, "hospital_name: value holds control character U+000C"},
			},
		},
		{
			name:  "value over 1024 bytes",
			files: []string{"long-value.csv"},
			want:  []wantRowError{{"long-value.csv", 3, 6, "value is 2000 bytes long; the limit is 1024"}},
		},
		{
			name:  "UTF-16 little-endian",
			files: []string{"utf16le.csv"},
			want:  []wantRowError{{"utf16le.csv", 1, 1, "file is UTF-16; save it as UTF-8"}},
		},
		{
			name:  "UTF-16 big-endian",
			files: []string{"utf16be.csv"},
			want:  []wantRowError{{"utf16be.csv", 1, 1, "file is UTF-16; save it as UTF-8"}},
		},
		{
			name:  "UTF-8 BOM with bytes that are not UTF-8",
			files: []string{"bom-not-utf8.csv"},
			want:  []wantRowError{{"bom-not-utf8.csv", 3, 37, "starts with a UTF-8 byte order mark but holds bytes that are not UTF-8"}},
		},
		{
			name:  "unclosed quote runs to the end of the file",
			files: []string{"unclosed-quote.csv"},
			want: []wantRowError{{"unclosed-quote.csv", 3, 0,
				`extraneous or missing " in quoted-field (the record runs on to line 5`}},
		},
		{
			name:  "unclosed quote in the header",
			files: []string{"unclosed-quote-header.csv"},
			want: []wantRowError{{"unclosed-quote-header.csv", 1, 0,
				`extraneous or missing " in quoted-field (the record runs on to line 3`}},
		},
		{
			name:  "bare quote",
			files: []string{"bare-quote.csv"},
			want:  []wantRowError{{"bare-quote.csv", 3, 0, `bare " in non-quoted-field (at character 36)`}},
		},
		{
			name:     "record over 1 MiB",
			generate: hugeRecord,
			want:     []wantRowError{{"huge-record.csv", 4, 0, "record longer than 1 MiB"}},
		},
		{
			name:     "unclosed quote in a large file",
			generate: unclosedQuoteLarge,
			want:     []wantRowError{{"unclosed-quote-large.csv", 3, 0, "record longer than 1 MiB (is a quote left unclosed?)"}},
		},
		{
			name:  "UTF-8 BOM and a file cut inside a character",
			files: []string{"bom-cut-inside-character.csv"},
			want:  []wantRowError{{"bom-cut-inside-character.csv", 2, 35, "holds bytes that are not UTF-8"}},
		},
		{
			name:     "UTF-8 BOM with a byte that is not UTF-8 after 64 KiB",
			generate: func(t *testing.T) []string { return bomNotUTF8At(t, 2000, "Dr Zo\xeb") },
			want:     []wantRowError{{"bom-not-utf8-large.csv", 2002, 31, "holds bytes that are not UTF-8"}},
		},
		{
			name: "UTF-8 BOM with a bad sequence across the first 64 KiB read",
			// 1522 rows put the 0xC3 at offset 65535, the last byte of the
			// sniffer's first read, and the '(' that makes it bad after it.
			generate: func(t *testing.T) []string { return bomNotUTF8At(t, 1522, "Dr \xc3(") },
			want:     []wantRowError{{"bom-not-utf8-large.csv", 1524, 29, "holds bytes that are not UTF-8"}},
		},
		{
			name:  "many bad rows",
			files: []string{"many-bad-rows.csv"},
			want:  many,
			more:  "70 more problems not shown (120 in all)",
			total: 120,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := openTempStore(t)
			m := canonicalMapping(t)
			good := writeTempFile(t, "good.csv", goodCSV)
			if _, err := ingest.Load(ctx, db, ingest.OSFiles(good), ingest.Options{Mapping: m}); err != nil {
				t.Fatalf("Load(good.csv) = %v, want nil", err)
			}
			before := storeSnapshot(t, db)

			paths := make([]string, len(tt.files))
			for i, f := range tt.files {
				paths[i] = filepath.Join(badDir, f)
			}
			if tt.generate != nil {
				paths = tt.generate(t)
			}
			res, err := ingest.Load(ctx, db, ingest.OSFiles(paths...), ingest.Options{Mapping: m})
			var ie *ingest.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("Load(%v) = %+v, %v, want *ingest.InputError", tt.files, res, err)
			}
			got, others := inputProblems(t, ie)
			checkRowErrors(t, got, tt.want)
			switch {
			case tt.more == "" && len(others) > 0:
				t.Errorf("Load(%v) problems that are not *RowError: %v, want none", tt.files, others)
			case tt.more != "" && (len(others) != 1 || !strings.Contains(others[0].Error(), tt.more)):
				t.Errorf("Load(%v) problems that are not *RowError: %v, want one containing %q", tt.files, others, tt.more)
			}
			wantTotal := tt.total
			if wantTotal == 0 {
				wantTotal = len(tt.want)
			}
			if ie.Total != wantTotal {
				t.Errorf("Load(%v).Total = %d, want %d", tt.files, ie.Total, wantTotal)
			}
			if n := strings.Count(ie.Error(), "\n") + 1; n != len(got)+len(others) {
				t.Errorf("Load(%v) error has %d lines, want one per problem (%d):\n%v", tt.files, n, len(got)+len(others), ie)
			}
			checkProblemOrder(t, got, paths)

			if after := storeSnapshot(t, db); !reflect.DeepEqual(after, before) {
				t.Errorf("after a failed Load the database holds\n%+v\nwant it as before\n%+v", after, before)
			}
			// The failed load must have let go of the database.
			if _, err := ingest.Load(ctx, db, ingest.OSFiles(writeTempFile(t, "good2.csv", strings.ReplaceAll(goodCSV, "2020", "2021"))),
				ingest.Options{Mapping: m}); err != nil {
				t.Errorf("Load(good2.csv) after a failed Load = %v, want nil", err)
			}
		})
	}
}

// hugeRecord writes a file whose fourth line is one record over 1 MiB,
// after a record with a quoted value that spans two lines.
func hugeRecord(t *testing.T) []string {
	t.Helper()
	var b strings.Builder
	b.WriteString("specialty,period,unit_type,unit_id,unit_name,hospital_name,cases,events\n")
	b.WriteString("vascular,2019,surgeon,G1,Dr Good,\"Hospital\nOne\",100,5\n")
	b.WriteString("vascular,2019,surgeon,B1," + strings.Repeat("x", 1<<20) + ",Hospital One,100,5\n")
	b.WriteString("vascular,2019,surgeon,G2,Dr Good,Hospital One,100,5\n")
	return []string{writeTempFile(t, "huge-record.csv", b.String())}
}

// bomNotUTF8At writes a UTF-8 file with a BOM, n good rows of 43 bytes and
// then a row whose unit_name is name, which holds bytes that are not UTF-8.
func bomNotUTF8At(t *testing.T, n int, name string) []string {
	t.Helper()
	var b strings.Builder
	b.WriteString("\ufeffspecialty,period,unit_type,unit_id,unit_name,cases,events\n")
	for i := range n {
		fmt.Fprintf(&b, "vascular,2019,surgeon,G%05d,Dr Good,100,5\n", i)
	}
	b.WriteString("vascular,2019,surgeon,B1," + name + ",100,5\n")
	return []string{writeTempFile(t, "bom-not-utf8-large.csv", b.String())}
}

// unclosedQuoteLarge writes a file whose third line opens a quote that is
// never closed, followed by over 1 MiB of rows.
func unclosedQuoteLarge(t *testing.T) []string {
	t.Helper()
	var b strings.Builder
	b.WriteString("specialty,period,unit_type,unit_id,unit_name,cases,events\n")
	b.WriteString("vascular,2019,surgeon,G0,Dr Good,100,5\n")
	b.WriteString("vascular,2019,surgeon,B1,\"Dr Open,100,5\n")
	for i := 1; b.Len() < 1<<20+4096; i++ {
		fmt.Fprintf(&b, "vascular,2019,surgeon,G%d,Dr Good %d,100,5\n", i, i)
	}
	return []string{writeTempFile(t, "unclosed-quote-large.csv", b.String())}
}

// problemsOf returns the problems an InputError lists: its *RowErrors, and
// the others (the "N more problems" line).
func inputProblems(t *testing.T, ie *ingest.InputError) ([]*ingest.RowError, []error) {
	t.Helper()
	inner := errors.Unwrap(ie)
	list := []error{inner}
	if j, ok := inner.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	}
	var res []*ingest.RowError
	var others []error
	for _, e := range list {
		var re *ingest.RowError
		if errors.As(e, &re) {
			res = append(res, re)
			continue
		}
		others = append(others, e)
	}
	return res, others
}

// checkRowErrors compares RowErrors with what is wanted, in order, and
// checks each prints as file:line:column: message.
func checkRowErrors(t *testing.T, got []*ingest.RowError, want []wantRowError) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			t.Errorf("missing RowError %d, want %+v", i, want[i])
			continue
		case i >= len(want):
			t.Errorf("RowError %d = %v, want none", i, got[i])
			continue
		}
		g, w := got[i], want[i]
		if filepath.Base(g.File) != w.file || g.Line != w.line || g.Column != w.column || !strings.Contains(g.Error(), w.msg) {
			t.Errorf("RowError %d = %s line %d column %d %q, want %s line %d column %d containing %q",
				i, filepath.Base(g.File), g.Line, g.Column, g.Error(), w.file, w.line, w.column, w.msg)
		}
		if prefix := fmt.Sprintf("%s:%d:%d: ", g.File, g.Line, g.Column); g.Line > 0 && !strings.HasPrefix(g.Error(), prefix) {
			t.Errorf("RowError %d = %q, want it to start %q", i, g.Error(), prefix)
		}
	}
}

// checkOrder checks problems are listed in file, then line order.
func checkProblemOrder(t *testing.T, got []*ingest.RowError, paths []string) {
	t.Helper()
	ordinal := map[string]int{}
	for i, p := range paths {
		ordinal[p] = i
	}
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		if ordinal[a.File] > ordinal[b.File] || a.File == b.File && a.Line > b.Line {
			t.Errorf("RowError %d (%s:%d) comes after %d (%s:%d), want file and line order", i, b.File, b.Line, i-1, a.File, a.Line)
		}
	}
}

// storeState is everything a failed load must leave untouched.
type storeState struct {
	Releases []store.Release
	Rows     map[string][]outcome.Row
	National map[string][]outcome.NationalRate
}

func storeSnapshot(t *testing.T, db *store.DB) storeState {
	t.Helper()
	ctx := context.Background()
	rels, err := db.Releases(ctx)
	if err != nil {
		t.Fatalf("Releases() = %v", err)
	}
	s := storeState{Releases: rels, Rows: map[string][]outcome.Row{}, National: map[string][]outcome.NationalRate{}}
	for _, r := range rels {
		if s.Rows[r.ID], err = db.Rows(ctx, r.ID); err != nil {
			t.Fatalf("Rows(%s) = %v", r.ID, err)
		}
		if s.National[r.ID], err = db.NationalRates(ctx, r.ID); err != nil {
			t.Fatalf("NationalRates(%s) = %v", r.ID, err)
		}
	}
	return s
}

// openTempStore opens a new database in a temporary directory.
func openTempStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"), store.Options{})
	if err != nil {
		t.Fatalf("store.Open = %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func canonicalMapping(t *testing.T) *ingest.Mapping {
	t.Helper()
	m, err := ingest.Profile("canonical")
	if err != nil {
		t.Fatalf(`Profile("canonical") = %v`, err)
	}
	return m
}

// writeFile writes data to name in a new temporary directory and returns
// its path.
func writeTempFile(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
