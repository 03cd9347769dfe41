package ingest_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// measuresMapping reads a file mixing surgical and medical measures: the
// specialty is derived from the measure, "Medical" deriving none.
const measuresMapping = `
[columns]
unit_id = "id"
unit_name = "name"
procedure = "measure"
cases = "n"
events = "d"
[fixed]
period = "2024"
unit_type = "hospital"
[[derive]]
field = "specialty"
from = "procedure"
values = { "Surgical" = "vascular", "Medical" = "" }
[values.procedure]
"Surgical" = "aaa"
"Medical" = "medical"
`

// measuresCSV has a medical row on line 3 and a surgical one either side.
const measuresCSV = "id,name,measure,n,d\nH1,One,Surgical,100,3\nH1,One,Medical,400,40\nH2,Two,Surgical,50,1\n"

// noSpecialty reads a hospital file, leaving its specialty for each test
// to give.
const noSpecialty = `
[columns]
unit_id = "id"
unit_name = "name"
cases = "n"
events = "d"
[fixed]
period = "2024"
unit_type = "hospital"
`

// TestRequiredFieldNeverEmpty checks that a required field left empty by
// any route, a fixed value, a default, a column, a translation, a slug or a
// derivation, is refused, by the mapping's key or at the row's line and
// column, and never loaded empty; and that a fixed specialty or unit type
// no row could have is refused by its key, not once on every row.
func TestRequiredFieldNeverEmpty(t *testing.T) {
	base := noSpecialty
	tests := []struct {
		name    string
		mapping string
		csv     string
		want    []string // the mapping's error, or Decode's problems
	}{
		{
			name:    "fixed specialty empty",
			mapping: strings.Replace(base, "[fixed]", "[fixed]\nspecialty = \"\"", 1),
			want:    []string{"mapping m.toml: fixed.specialty: the value is empty, but every row needs a specialty"},
		},
		{
			name:    "fixed specialty blank",
			mapping: strings.Replace(base, "[fixed]", "[fixed]\nspecialty = \"  \"", 1),
			want:    []string{"mapping m.toml: fixed.specialty: the value is empty, but every row needs a specialty"},
		},
		{
			name:    "default specialty empty",
			mapping: strings.Replace(base, "[columns]", "[columns]\nspecialty = \"spec\"", 1) + "[defaults]\nspecialty = \"\"\n",
			want:    []string{"mapping m.toml: defaults.specialty: the value is empty, but every row needs a specialty"},
		},
		{
			name:    "a [[rows]] entry fixes unit_name empty",
			mapping: strings.Replace(base, "[fixed]", "[fixed]\nspecialty = \"vascular\"", 1) + "[[rows]]\nfixed = { unit_name = \"\" }\n",
			want:    []string{"mapping m.toml: rows[0].fixed.unit_name: the value is empty, but every row needs a unit_name"},
		},
		{
			name:    "fixed specialty unknown",
			mapping: strings.Replace(base, "[fixed]", "[fixed]\nspecialty = \"cardiac\"", 1),
			want: []string{"mapping m.toml: fixed.specialty: unknown specialty \"cardiac\" (want one of adult-cardiac, vascular, " +
				"orthopaedic, colorectal, upper-gi, bariatric, head-and-neck, endocrine, urology, interventional-cardiology)"},
		},
		{
			name:    "a [[rows]] entry fixes an unknown unit_type",
			mapping: strings.Replace(base, "[fixed]", "[fixed]\nspecialty = \"vascular\"", 1) + "[[rows]]\nfixed = { unit_type = \"trust\" }\n",
			want:    []string{`mapping m.toml: rows[0].fixed.unit_type: unknown unit_type "trust" (want surgeon or hospital)`},
		},
		{
			name:    "specialty derived as empty",
			mapping: measuresMapping,
			csv:     measuresCSV,
			want:    []string{`in.csv:3:3: measure: specialty is required, and the mapping derives it as empty from procedure "Medical"`},
		},
		{
			name: "specialty translated to nothing",
			mapping: strings.Replace(base, "[columns]", "[columns]\nspecialty = \"spec\"", 1) +
				"[values.specialty]\n\"Vascular\" = \"vascular\"\n\"Other\" = \"\"\n",
			csv:  "id,name,n,d,spec\nH1,One,100,3,Vascular\nH2,Two,100,3,Other\n",
			want: []string{`in.csv:3:5: spec: specialty is required, and the m mapping translates "Other" to nothing`},
		},
		{
			name:    "empty cell where the missing tokens leave out the empty string",
			mapping: "missing = [\"NA\"]\n" + strings.Replace(base, "[columns]", "[columns]\nspecialty = \"spec\"", 1),
			csv:     "id,name,n,d,spec\nH1,One,100,3,vascular\nH2,Two,100,3,\n",
			want:    []string{`in.csv:3:5: spec: specialty is required`},
		},
		{
			name:    "unit_id slugged to nothing",
			mapping: "slug = [\"unit_id\"]\n" + strings.Replace(base, "[fixed]", "[fixed]\nspecialty = \"vascular\"", 1),
			csv:     "id,name,n,d\nRoyal Free,One,100,3\n---,Two,100,3\n",
			want:    []string{`in.csv:3:1: id: unit_id: "---" has no letters or digits to make an id of`},
		},
		{
			name:    "period cell empty",
			mapping: strings.Replace(strings.Replace(base, "period = \"2024\"\n", "specialty = \"vascular\"\n", 1), "[columns]", "[columns]\nperiod = \"year\"", 1),
			csv:     "id,name,n,d,year\nH1,One,100,3,2024\nH2,Two,100,3,\n",
			want:    []string{`in.csv:3:5: year: period is required`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ingest.ParseMapping("m.toml", []byte(tt.mapping))
			if tt.csv == "" {
				checkProblemText(t, "ParseMapping", err, tt.want)
				return
			}
			if err != nil {
				t.Fatalf("ParseMapping = %v", err)
			}
			d, err := ingest.Decode("in.csv", strings.NewReader(tt.csv), m)
			if err == nil {
				t.Fatalf("Decode = %+v, want problems %q", d.Rows, tt.want)
			}
			checkProblemText(t, "Decode", err, tt.want)
		})
	}
}

// TestFiguresOnlyFromColumns checks that a unit's counts and published
// figures can come only from a column: "[fixed] events = 0" would turn a
// whole file into zero deaths.
func TestFiguresOnlyFromColumns(t *testing.T) {
	base := strings.Replace(noSpecialty, "[fixed]", "[fixed]\nspecialty = \"vascular\"", 1)
	tests := []struct {
		name, mapping, want string
	}{
		{"fixed events", strings.Replace(strings.Replace(base, "events = \"d\"\n", "", 1), "[fixed]", "[fixed]\nevents = \"0\"", 1),
			"fixed.events: events must come from a column, not a fixed value, which would make it the same number on every row"},
		{"fixed cases beside a column", strings.Replace(base, "[fixed]", "[fixed]\ncases = \"100\"", 1),
			"fixed.cases: cases must come from a column, not a fixed value, which would make it the same number on every row"},
		{"fixed expected_rate", strings.Replace(base, "[fixed]", "[fixed]\nexpected_rate = \"2.5\"", 1),
			"fixed.expected_rate: expected_rate must come from a column, not a fixed value, which would make it the same number on every row"},
		{"fixed published_rate", strings.Replace(base, "[fixed]", "[fixed]\npublished_rate = \"2.5\"", 1),
			"fixed.published_rate: published_rate must come from a column, not a fixed value, which would make it the same number on every row"},
		{"a [[rows]] entry fixes events", base + "[[rows]]\nfixed = { events = \"0\" }\n",
			"rows[0].fixed.events: events must come from a column, not a fixed value, which would make it the same number on every row"},
		{"default events", base + "[defaults]\nevents = \"0\"\n",
			"defaults.events: events must come from a column: a default would give units a figure the publisher did not give (a row without one is an error, or skipped with [skip] missing)"},
		{"derived cases", base + "[[derive]]\nfield = \"cases\"\nfrom = \"unit_id\"\nvalues = { \"H1\" = \"10\" }\n",
			"derive[0]: cases must come from a column, not be derived"},
		{"translated events", base + "[values.events]\n\"-\" = \"0\"\n",
			"values.events: events is a number, read as written; [values] translates text"},
		{"slugged expected", "slug = [\"expected\"]\n" + base, "slug: expected is a number, not a name to make an id from"},
		{"zero-padded cases", "zero_pad = { cases = 4 }\n" + base, "zero_pad.cases: cases is a number, not an id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ingest.ParseMapping("m.toml", []byte(tt.mapping))
			if err == nil {
				t.Fatalf("ParseMapping = %+v, nil; want %q", m, tt.want)
			}
			checkProblemText(t, "ParseMapping", err, []string{"mapping m.toml: " + tt.want})
		})
	}
	if _, err := ingest.ParseMapping("m.toml", []byte(base)); err != nil {
		t.Errorf("ParseMapping(figures from columns) = %v, want nil", err)
	}
}

// TestSkipDerivedField checks a [skip] rule on a derived field judges the
// value derived: the medical row, whose specialty derives as empty, is
// skipped and counted, and the surgical rows load. Before, the rule looked
// for a column of its own, found none and skipped every row.
func TestSkipDerivedField(t *testing.T) {
	m := parseMapping(t, "m.toml", measuresMapping+"[skip]\nmissing = [\"specialty\"]\n")
	d, err := ingest.Decode("in.csv", strings.NewReader(measuresCSV), m)
	if err != nil {
		t.Fatalf("Decode = %v, want nil", err)
	}
	var got []string
	for _, r := range d.Rows {
		got = append(got, r.Specialty+" "+r.Procedure+" "+r.UnitID)
	}
	if want := []string{"vascular aaa H1", "vascular aaa H2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Decode rows %q, want %q", got, want)
	}
	if want := map[string]int{"no specialty": 1}; d.Summary.Skipped != 1 || !reflect.DeepEqual(d.Summary.SkipReasons, want) {
		t.Errorf("Decode skipped %d %v, want 1 %v", d.Summary.Skipped, d.Summary.SkipReasons, want)
	}

	// With statewide counts on every row, a row skipped for want of its
	// specialty gives none: it belongs to no group. The others do.
	withState := strings.Replace(measuresMapping, "[fixed]", "[national]\ncases = \"state n\"\nevents = \"state d\"\n[fixed]", 1) +
		"[skip]\nmissing = [\"specialty\"]\n"
	d, err = ingest.Decode("in.csv", strings.NewReader("id,name,measure,n,d,state n,state d\n"+
		"H1,One,Surgical,100,3,1000,30\nH1,One,Medical,400,40,9000,900\nH2,Two,Surgical,50,1,1000,30\n"),
		parseMapping(t, "m.toml", withState))
	if err != nil {
		t.Fatalf("Decode(with statewide counts) = %v, want nil", err)
	}
	wantNational := []outcome.NationalRate{{File: 1, Line: 2, Specialty: "vascular", Procedure: "aaa", Period: "2024", Cases: 1000, Events: 30}}
	if !reflect.DeepEqual(d.National, wantNational) {
		t.Errorf("Decode National = %+v, want %+v", d.National, wantNational)
	}

	// skip.zero judges a derived value too.
	zero := strings.Replace(measuresMapping, `"Medical" = ""`, `"Medical" = "0"`, 1) + "[skip]\nzero = [\"specialty\"]\n"
	d, err = ingest.Decode("in.csv", strings.NewReader(measuresCSV), parseMapping(t, "m.toml", zero))
	if err != nil || len(d.Rows) != 2 || d.Summary.SkipReasons["zero specialty"] != 1 {
		t.Errorf("Decode(skip zero on a derived field) = %d rows, %v, %v; want 2 rows, 1 skipped as zero specialty", len(d.Rows), d.Summary.SkipReasons, err)
	}
}
