package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/ingest"
)

// sqliteWords are fragments of SQLite's own messages for a failed
// constraint, and of its extended result codes: CHECK (275), UNIQUE
// (2067), PRIMARY KEY (1555), FOREIGN KEY (787), NOT NULL (1299). No
// problem ingest reports may hold one: each must come from a check of ours
// that says where the value is and what is wrong with it.
var sqliteWords = []string{"constraint failed", "CHECK constraint", "UNIQUE constraint", "NOT NULL constraint",
	"FOREIGN KEY constraint", "(275)", "(1555)", "(2067)", "(787)", "(1299)"}

// constraintCase is input that, were it stored, would break constraints
// of the schema, and the problems ingest must report instead.
type constraintCase struct {
	name string
	// constraints are what the input would break, as schemaConstraints
	// names them.
	constraints []string
	// mapping is a mapping in TOML ("" for the canonical profile), named
	// m.toml.
	mapping string
	// files are CSV files loaded as one release, named in1.csv, in2.csv….
	files []string
	// release, if set, is the release id asked for; taken, if set, is a
	// canonical file loaded first as release "taken".
	release, taken string
	// want lists the problems, one a line, exactly: a mapping's error, or
	// Load's. existing instead wants the input found already loaded.
	want     []string
	existing bool
	// publication gives the release's dates and correction
	// (Options.PublishedOn, NextUpdate, Corrects, Note).
	publication ingest.Options
}

// canonicalHeader and goodRow make canonical files: one good row, then the
// row under test on line 3.
const (
	canonicalHeader = "specialty,period,unit_type,unit_id,unit_name,cases,events,expected,expected_rate\n"
	goodRow         = "vascular,2024,hospital,H0,Zero,100,3,,\n"
)

// derivedTypeMapping reads unit_type from a "kind" column through a
// derivation, which gives "" for "Group".
const derivedTypeMapping = `
[columns]
unit_id = "id"
unit_name = "name"
cases = "n"
events = "d"
hospital_name = "kind"
[fixed]
specialty = "vascular"
period = "2024"
[[derive]]
field = "unit_type"
from = "hospital_name"
values = { "Trust" = "hospital", "Group" = "" }
`

// levelsMapping reads the canonical columns, its [method] table open for
// the levels under test.
const levelsMapping = `
optional = ["expected", "expected_rate"]
[columns]
specialty = "specialty"
period = "period"
unit_type = "unit_type"
unit_id = "unit_id"
unit_name = "unit_name"
cases = "cases"
events = "events"
expected = "expected"
expected_rate = "expected_rate"
[method]
`

// publishedMapping reads a publisher's own figures only: a rate, its
// interval and a rating for each hospital, and its volume.
const publishedMapping = `
figures = "published"
[columns]
unit_id = "id"
unit_name = "name"
cases = "n"
published_rate = "rate"
published_low = "low"
published_high = "high"
published_rating = "rating"
[fixed]
specialty = "adult-cardiac"
period = "2024"
unit_type = "hospital"
`

// nationalBase reads a publisher's hospitals; nationalMapping adds its
// statewide rows (id 0) as the national figures, nationalColumnsMapping
// statewide counts repeated on every row.
const (
	nationalBase = `
[columns]
unit_id = "id"
unit_name = "name"
period = "year"
cases = "n"
events = "d"
[fixed]
specialty = "adult-cardiac"
unit_type = "hospital"
[method]
target = "national"
`
	nationalMapping        = nationalBase + "[national]\ncolumn = \"id\"\nvalues = [\"0\"]\n"
	nationalColumnsMapping = nationalBase + "[national]\ncases = \"state n\"\nevents = \"state d\"\n"
)

func constraintCases() []constraintCase {
	const (
		unitTypeCheck = "outcome_row.unit_type CHECK (unit_type IN ('surgeon', 'hospital'))"
		casesCheck    = "outcome_row.cases CHECK (cases >= 1)"
		eventsCheck   = "outcome_row.events CHECK (events >= 0 AND events <= cases)"
		expectedCheck = "outcome_row.expected CHECK (expected > 0)"
		rowKey        = "outcome_row UNIQUE (release_id, specialty, procedure, period, unit_type, unit_id, hospital_id)"
		nationalCases = "national_rate.cases CHECK (cases >= 1)"
		nationalEvts  = "national_rate.events CHECK (events >= 0 AND events <= cases)"
		nationalKey   = "national_rate PRIMARY KEY (release_id, specialty, procedure, period)"
		nationalRate  = "national_rate.rate CHECK (rate > 0 AND rate < 1)"
		countsGiven   = "outcome_row CHECK (cases IS NOT NULL OR events IS NULL)"
		onlyPublished = "outcome_row CHECK (events IS NOT NULL OR (not_assessable = 1 AND expected IS NULL AND expected_rate IS NULL AND (published_rate IS NOT NULL OR published_rating <> '')))"
		// A bad national row gives its group no target, which is said too.
		noNational = "in1.csv:2:0: group adult-cardiac all 2020 has no national figures to give its target"
	)
	// A unit type that is not surgeon or hospital would break every table
	// that checks one, had the row been stored.
	unitType := []string{unitTypeCheck, "search_unit.unit_type CHECK (unit_type IN ('surgeon', 'hospital'))",
		"result_group.unit_type CHECK (unit_type IN ('surgeon', 'hospital'))"}
	return []constraintCase{
		{
			name: "unknown unit_type", constraints: unitType,
			files: []string{canonicalHeader + goodRow + "vascular,2024,trust,H1,One,100,3,,\n"},
			want:  []string{`in1.csv:3:3: unit_type: unknown unit_type "trust" (want surgeon or hospital)`},
		},
		{
			name: "empty unit_type cell", constraints: unitType,
			files: []string{canonicalHeader + goodRow + "vascular,2024,,H1,One,100,3,,\n"},
			want:  []string{`in1.csv:3:3: unit_type: unit_type is required`},
		},
		{
			name: "empty unit_type cell, missing tokens without the empty string", constraints: unitType,
			mapping: "missing = [\"NA\"]\n" + strings.Replace(derivedTypeMapping[:strings.Index(derivedTypeMapping, "[[derive]]")],
				"[fixed]", "unit_type = \"type\"\n[fixed]", 1),
			files: []string{"id,name,n,d,kind,type\nH0,Zero,100,3,Trust,hospital\nH1,One,100,3,Trust,\n"},
			want:  []string{`in1.csv:3:6: type: unit_type is required`},
		},
		{
			name: "fixed unit_type empty", constraints: unitType,
			mapping: strings.Replace(derivedTypeMapping, "[fixed]", "[fixed]\nunit_type = \"\"", 1),
			want:    []string{`mapping m.toml: fixed.unit_type: the value is empty, but every row needs a unit_type`},
		},
		{
			name: "unit_type derived as empty", constraints: unitType,
			mapping: derivedTypeMapping,
			files:   []string{"id,name,n,d,kind\nH0,Zero,100,3,Trust\nH1,One,100,3,Group\n"},
			want:    []string{`in1.csv:3:5: kind: unit_type is required, and the mapping derives it as empty from hospital_name "Group"`},
		},
		{
			name: "no cases", constraints: []string{casesCheck},
			files: []string{canonicalHeader + goodRow + "vascular,2024,hospital,H1,One,0,0,,\n"},
			want:  []string{`in1.csv:3:6: cases: 0 is less than 1`},
		},
		{
			name: "fixed cases", constraints: []string{casesCheck},
			mapping: strings.Replace(strings.Replace(derivedTypeMapping, "cases = \"n\"\n", "", 1), "[fixed]", "[fixed]\ncases = \"0\"", 1),
			want:    []string{`mapping m.toml: fixed.cases: cases must come from a column, not a fixed value, which would make it the same number on every row`},
		},
		{
			name: "events exceed cases", constraints: []string{eventsCheck},
			files: []string{canonicalHeader + goodRow + "vascular,2024,hospital,H1,One,10,11,,\n"},
			want:  []string{`in1.csv:3:7: events: events (11) exceed cases (10)`},
		},
		{
			name: "negative events", constraints: []string{eventsCheck},
			files: []string{canonicalHeader + goodRow + "vascular,2024,hospital,H1,One,10,-1,,\n"},
			want:  []string{`in1.csv:3:7: events: -1 must not be negative`},
		},
		{
			name: "fixed events", constraints: []string{eventsCheck},
			mapping: strings.Replace(strings.Replace(derivedTypeMapping, "events = \"d\"\n", "", 1), "[fixed]", "[fixed]\nevents = \"0\"", 1),
			want:    []string{`mapping m.toml: fixed.events: events must come from a column, not a fixed value, which would make it the same number on every row`},
		},
		{
			name: "events without cases", constraints: []string{countsGiven},
			files: []string{canonicalHeader + goodRow + "vascular,2024,hospital,H1,One,,3,,\n"},
			want:  []string{`in1.csv:3:6: cases: cases is required`},
		},
		{
			name: "no events", constraints: []string{onlyPublished},
			files: []string{canonicalHeader + goodRow + "vascular,2024,hospital,H1,One,10,,,\n"},
			want:  []string{`in1.csv:3:7: events: events is required`},
		},
		{
			name: "published figures without a rate or a rating", constraints: []string{onlyPublished},
			mapping: publishedMapping,
			files:   []string{"id,name,n,rate,low,high,rating\nH0,Zero,100,2.1,1.2,3.4,As expected\nH1,One,90,,,,\n"},
			want:    []string{`in1.csv:3:4: rate: published_rate and published_rating are both empty: a row of published figures needs one of them (leave such rows out with [skip] missing)`},
		},
		{
			name: "published figures with deaths", constraints: []string{onlyPublished},
			mapping: strings.Replace(publishedMapping, `cases = "n"`, `cases = "n"`+"\nevents = \"d\"", 1),
			want:    []string{"mapping m.toml: figures = \"published\" reads the publisher's own figures and computes nothing: it has no events (leave the column out, or add it to ignore); a file with deaths loads with figures = \"counts\""},
		},
		{
			name: "expected zero", constraints: []string{expectedCheck},
			files: []string{canonicalHeader + goodRow + "vascular,2024,hospital,H1,One,10,1,0,\n"},
			want:  []string{`in1.csv:3:8: expected: 0 must be greater than 0`},
		},
		{
			name: "expected too small to be a number", constraints: []string{expectedCheck},
			files: []string{canonicalHeader + goodRow + "vascular,2024,hospital,H1,One,10,1,1e-400,\n"},
			want:  []string{`in1.csv:3:8: expected: 1e-400 must be greater than 0`},
		},
		{
			// 5e-324 is the smallest float64 above 0; 1 case × 5e-324 / 100
			// is 0, which SQLite refused with its own words before.
			name: "expected rate that rounds to no expected events", constraints: []string{expectedCheck},
			files: []string{canonicalHeader + goodRow + "vascular,2024,hospital,H1,One,1,0,,5e-324\n"},
			want:  []string{`in1.csv:3:9: expected_rate: expected: 5e-324% of 1 cases rounds to 0 expected events`},
		},
		{
			name: "fixed expected", constraints: []string{expectedCheck},
			mapping: strings.Replace(derivedTypeMapping, "[fixed]", "[fixed]\nexpected = \"0\"", 1),
			want:    []string{`mapping m.toml: fixed.expected: expected must come from a column, not a fixed value, which would make it the same number on every row`},
		},
		{
			name: "duplicate key in one file", constraints: []string{rowKey},
			files: []string{canonicalHeader + goodRow + "vascular,2024,hospital,H0,Zero again,50,1,,\n"},
			want:  []string{`in1.csv:3:0: duplicate key (specialty "vascular", procedure "all", period "2024", unit_type "hospital", unit_id "H0", hospital_id ""): already on line 2`},
		},
		{
			name: "duplicate key across files", constraints: []string{rowKey},
			files: []string{canonicalHeader + goodRow, canonicalHeader + goodRow},
			want:  []string{`in2.csv:2:0: duplicate key (specialty "vascular", procedure "all", period "2024", unit_type "hospital", unit_id "H0", hospital_id ""): already on in1.csv:2`},
		},
		{
			name: "national row with no cases", constraints: []string{nationalCases},
			mapping: nationalMapping,
			files:   []string{"id,name,year,n,d\n1,A,2020,100,2\n0,State,2020,0,0\n"},
			want:    []string{noNational, `in1.csv:3:4: n: cases: 0 is less than 1`},
		},
		{
			name: "national row with more events than cases", constraints: []string{nationalEvts},
			mapping: nationalMapping,
			files:   []string{"id,name,year,n,d\n1,A,2020,100,2\n0,State,2020,10,11\n"},
			want:    []string{noNational, `in1.csv:3:5: d: events (11) exceed cases (10)`},
		},
		{
			name: "national columns with more events than cases", constraints: []string{nationalEvts},
			mapping: nationalColumnsMapping,
			files:   []string{"id,name,year,n,d,state n,state d\n1,A,2020,100,2,10,11\n"},
			want:    []string{`in1.csv:2:7: state d: events (11) exceed cases (10)`},
		},
		{
			name: "second national row", constraints: []string{nationalKey},
			mapping: nationalMapping,
			files:   []string{"id,name,year,n,d\n1,A,2020,100,2\n0,State,2020,1000,20\n0,State,2020,1000,21\n"},
			want:    []string{`in1.csv:4:0: second national row for adult-cardiac all 2020 (the first is in1.csv:3)`},
		},
		{
			name: "national columns that disagree", constraints: []string{nationalKey},
			mapping: nationalColumnsMapping,
			files:   []string{"id,name,year,n,d,state n,state d\n1,A,2020,100,2,1000,20\n2,B,2020,50,1,1000,21\n"},
			want:    []string{`in1.csv:3:0: national counts for adult-cardiac all 2020 are 21 events in 1000 cases here but 20 in 1000 on in1.csv:2`},
		},
		{
			name: "national rate of 0% and of 100%", constraints: []string{nationalRate},
			mapping: nationalBase + "[national]\nrate = \"state %\"\nrate_as = \"percent\"\n",
			files:   []string{"id,name,year,n,d,state %\n1,A,2020,100,2,0\n2,B,2021,50,1,100\n3,C,2022,50,1,\n"},
			want: []string{`in1.csv:2:6: state %: national rate: 0% is not between 0 and 100%`,
				`in1.csv:3:6: state %: national rate: 100% is not between 0 and 100%`,
				`in1.csv:4:6: state %: national rate is required: the mapping reads the target from it`},
		},
		{
			name: "national rate of 1 as a proportion, disagreeing", constraints: []string{nationalRate, nationalKey},
			mapping: nationalBase + "[national]\nrate = \"state p\"\nrate_as = \"proportion\"\n",
			files:   []string{"id,name,year,n,d,state p\n1,A,2020,100,2,1\n2,B,2021,50,1,0.02\n3,C,2021,50,1,0.03\n"},
			want: []string{`in1.csv:2:6: state p: national rate: 1 (a proportion) is not between 0 and 100%`,
				`in1.csv:4:0: national rate for adult-cardiac all 2021 is 3% here but 2% on in1.csv:3`},
		},
		{
			name: "release id taken", constraints: []string{"release.id PRIMARY KEY"},
			taken: canonicalHeader + goodRow, release: "taken",
			files: []string{canonicalHeader + "vascular,2024,hospital,H1,One,100,3,,\n"},
			want:  []string{`ingest: store: begin release taken: release id already exists`},
		},
		{
			// A publisher's level is checked when the mapping is read, so
			// no release can be stored with a level the columns refuse.
			name: "interval and flag levels out of range",
			constraints: []string{"release.interval_level CHECK (interval_level > 50 AND interval_level < 100)",
				"release.flag_level CHECK (flag_level > 50 AND flag_level < 100)"},
			mapping: levelsMapping + "interval_level = 100\nflag_level = 0.98\n",
			files:   []string{canonicalHeader + goodRow},
			want: []string{"mapping m.toml: method.interval_level: 100 is not a level in percent above 50 and below 100",
				"method.flag_level: 0.98 is not a level in percent above 50 and below 100 (write 98 for 98%)"},
		},
		{
			name: "publication dates that are not days", constraints: []string{
				"release.published_on CHECK (published_on IS NULL OR date(published_on) IS published_on)"},
			files: []string{canonicalHeader + goodRow}, publication: ingest.Options{PublishedOn: "2025-02-30"},
			want: []string{`ingest: --published "2025-02-30": want a date written YYYY-MM-DD, such as 2025-03-31`},
		},
		{
			name: "next update not a day", constraints: []string{
				"release.next_update CHECK (next_update IS NULL OR date(next_update) IS next_update)"},
			files: []string{canonicalHeader + goodRow}, publication: ingest.Options{NextUpdate: "2026-3-31"},
			want: []string{`ingest: --next-update "2026-3-31": want a date written YYYY-MM-DD, such as 2025-03-31`},
		},
		{
			name: "a correction without a note", constraints: []string{
				"release.correction_note CHECK ((corrects IS NULL) = (correction_note = ''))"},
			taken: canonicalHeader + goodRow, publication: ingest.Options{Corrects: "taken", Note: "  "},
			files: []string{canonicalHeader + "vascular,2024,hospital,H1,One,100,3,,\n"},
			want:  []string{`ingest: --corrects taken needs --note saying what was wrong`},
		},
		{
			name: "same input through the same mapping", constraints: []string{"release UNIQUE (input_sha256, mapping_sha256)"},
			taken: canonicalHeader + goodRow,
			files: []string{canonicalHeader + goodRow}, existing: true,
		},
	}
}

// TestConstraintsReachedOnlyThroughChecks drives each constraint of the
// schema that input could break from the input side, and checks ingest
// refuses the input with its own positioned words, never SQLite's, and
// leaves the database as it was. Load and Decode (outcomes funnel) say
// the same.
func TestConstraintsReachedOnlyThroughChecks(t *testing.T) {
	ctx := context.Background()
	for _, tc := range constraintCases() {
		t.Run(tc.name, func(t *testing.T) {
			m := canonicalMapping(t)
			if tc.mapping != "" {
				var err error
				if m, err = ingest.ParseMapping("m.toml", []byte(tc.mapping)); err != nil {
					checkProblemText(t, "ParseMapping", err, tc.want)
					return
				}
			}
			db := openTempStore(t)
			if tc.taken != "" {
				if _, err := ingest.Load(ctx, db, memFiles(tc.taken), ingest.Options{Mapping: canonicalMapping(t), ReleaseID: "taken"}); err != nil {
					t.Fatalf("Load(taken) = %v", err)
				}
			}
			before := storeSnapshot(t, db)
			opts := tc.publication
			opts.Mapping, opts.ReleaseID = m, tc.release
			res, err := ingest.Load(ctx, db, memFiles(tc.files...), opts)
			if tc.existing {
				if err != nil || !res.Existing || res.Release.ID != "taken" {
					t.Fatalf("Load = %+v, %v; want release taken found holding the input", res, err)
				}
				return
			}
			checkProblemText(t, "Load", err, tc.want)
			if after := storeSnapshot(t, db); !reflect.DeepEqual(after, before) {
				t.Errorf("Load changed the database:\n%+v\nwant\n%+v", after, before)
			}
			// Decode (outcomes funnel) makes no release: it has no
			// publication to check.
			if len(tc.files) == 1 && tc.release == "" && tc.publication.PublishedOn+tc.publication.NextUpdate+tc.publication.Corrects == "" {
				_, err := ingest.Decode("in1.csv", strings.NewReader(tc.files[0]), m)
				checkProblemText(t, "Decode", err, tc.want)
			}
		})
	}
}

// checkProblemText checks err lists exactly want, one problem a line, in
// none of SQLite's words.
func checkProblemText(t *testing.T, what string, err error, want []string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s = nil error, want %q", what, want)
	}
	msg := err.Error()
	for _, w := range sqliteWords {
		if strings.Contains(msg, w) {
			t.Errorf("%s = %q, which holds SQLite's %q", what, msg, w)
		}
	}
	var ie *ingest.InputError
	if errors.As(err, &ie) && ie.Total != len(want) {
		t.Errorf("%s found %d problems, want %d", what, ie.Total, len(want))
	}
	if got := strings.Split(msg, "\n"); !slices.Equal(got, want) {
		t.Errorf("%s problems\n%q\nwant\n%q", what, got, want)
	}
}

// memFiles returns CSV contents as files named in1.csv, in2.csv….
func memFiles(contents ...string) []ingest.File {
	files := make([]ingest.File, len(contents))
	for i, c := range contents {
		files[i] = ingest.File{Name: "in" + string(rune('1'+i)) + ".csv",
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader([]byte(c))), nil }}
	}
	return files
}

// fromCode are the constraints no input can break, each with the reason:
// what fills the column is the code's, not the publisher's. With the cases
// above they must account for every constraint of the schema, so that a
// constraint added later is either driven from the input or argued for.
var fromCode = map[string]string{
	"release.synthetic CHECK (synthetic IN (0, 1))":                                                                "a Go bool",
	"release_file PRIMARY KEY (release_id, ordinal)":                                                               "ordinals are the files' places on the command line, 1, 2, …",
	"release_period PRIMARY KEY (release_id, period)":                                                              "Loader.AddRows gathers the periods in a set",
	"search_unit.id PRIMARY KEY":                                                                                   "SQLite numbers the rows",
	"search_unit UNIQUE (release_id, unit_type, unit_id)":                                                          "Loader.Commit gathers the search units by unit type and id",
	"search_unit.unit_names CHECK (json_valid(unit_names))":                                                        "written by encoding/json",
	"search_unit.hospital_names CHECK (json_valid(hospital_names))":                                                "written by encoding/json",
	"search_unit.hospital_ids CHECK (json_valid(hospital_ids))":                                                    "written by encoding/json",
	"search_unit.specialties CHECK (json_valid(specialties))":                                                      "written by encoding/json",
	"result_group.scale CHECK (scale IN ('ratio', 'proportion'))":                                                  "set by the code from whether the group has expected counts",
	"result_group PRIMARY KEY (release_id, specialty, procedure, period, unit_type)":                               "one funnel per group and unit type (outcome.Units)",
	"result_curve PRIMARY KEY (release_id, specialty, procedure, period, unit_type)":                               "one curve per funnel",
	"result_curve.points CHECK (json_valid(points))":                                                               "written by encoding/json",
	"result_funnel PRIMARY KEY (release_id, specialty, procedure, period, unit_type)":                              "one funnel per group and unit type (outcome.Units), as result_group",
	"result_funnel.encoding CHECK (encoding IN (1, 2))":                                                            "AddResult writes store.unitsEncoding (2), 0009's Go step encoding 1, the two the program reads",
	"result_group.shrink_fit CHECK (shrink_fit IN ('', 'interior', 'no_variation', 'no_deaths', 'too_few_units'))": "AddResult writes stats.Shrink's fit, one of its four constants, or '' for crude data (stats.Funnel fits no shrinkage there)",
	"result_group.alpha CHECK (alpha IS NULL OR (alpha > 0 AND shrink_fit = 'interior'))":                          "stats.Shrink's α is positive and finite only with FitInterior (+Inf with FitNoVariation, NaN otherwise), and AddResult writes NaN and infinities as NULL (nullReal)",
	"result_group.rankability CHECK (rankability IS NULL OR rankability BETWEEN 0 AND 1)":                          "stats' rankability is τ²/(τ² + a median of positive variances), τ² ≥ 0, or NaN, written as NULL",
	"result_funnel.units CHECK (json_valid(units))":                                                                "written by store's appendUnits, which escapes every string and writes null for NaN (store's TestUnitsEncodingRoundTrip has SQLite read it)",
	"outcome_row.not_assessable CHECK (not_assessable IN (0, 1))":                                                  "a Go bool",
	"national_rate CHECK ((cases IS NULL) = (events IS NULL) AND (cases IS NOT NULL OR rate IS NOT NULL))":         "AddNationalRate writes both counts or neither, and the decoder makes national figures only from counts it read or a rate (the rate's own checks are driven below)",
	"release_skip.reason CHECK (reason <> '')":                                                                     "store.Loader.Commit refuses an empty reason (checkSkips); reasons are the decoder's and the mapping's rule names",
	"release_skip.row_count CHECK (row_count >= 1)":                                                                "a reason is recorded when a row is skipped for it, and Commit refuses fewer than one (checkSkips)",
	"release_skip PRIMARY KEY (release_id, file_ordinal, reason)":                                                  "each file's reasons are the keys of one map (FileSummary.SkipReasons)",
	"release UNIQUE (corrects) WHERE corrects IS NOT NULL":                                                         "ingest refuses --corrects naming a release already corrected, naming the correction to correct instead",
	"release_skip FOREIGN KEY (release_id, file_ordinal)":                                                          "Commit refuses reasons for a file the release does not have (checkSkips)",
	"release_input.chunk CHECK (chunk >= 0)":                                                                       "Loader.AddInput numbers a file's chunks 0, 1, …",
	"release_input.bytes CHECK (length(bytes) BETWEEN 1 AND 1048576)":                                              "Loader.AddInput stores what one read of at most inputChunk bytes gave, and only when it gave some",
	"release_input PRIMARY KEY (release_id, file_ordinal, chunk)":                                                  "Load keeps each file once, under its place on the command line, and AddInput numbers its chunks",
	"release_input FOREIGN KEY (release_id, file_ordinal)":                                                         "Load keeps file i as ordinal i, the ordinal of its release_file row",
}

// references is the one foreign key each release table has: its rows are
// written in the release's own transaction, under the id the release row
// is given at commit (Loader), so no input can break it.
const references = "REFERENCES release (id)"

// TestEveryConstraintAccountedFor reads the schema (store/migrations) and
// checks every CHECK, UNIQUE, PRIMARY KEY and foreign key is driven by a
// case of TestConstraintsReachedOnlyThroughChecks or listed in fromCode,
// and that NOT NULL is only on columns filled from Go values that cannot
// be NULL (strings, integers, bools: every text column a row must fill is
// a required field, which the cases drive empty).
func TestEveryConstraintAccountedFor(t *testing.T) {
	schema, notNull := schemaConstraints(t)
	driven := map[string]bool{}
	for _, tc := range constraintCases() {
		for _, c := range tc.constraints {
			if !slices.Contains(schema, c) {
				t.Errorf("case %q drives %q, which is not in the schema", tc.name, c)
			}
			driven[c] = true
		}
	}
	for c := range fromCode {
		if !slices.Contains(schema, c) {
			t.Errorf("fromCode lists %q, which is not in the schema", c)
		}
	}
	for _, c := range schema {
		_, code := fromCode[c]
		if !driven[c] && !code && !strings.HasSuffix(c, " "+references) {
			t.Errorf("constraint %s is neither driven from the input by a case nor listed in fromCode", c)
		}
	}
	// The nullable columns are exactly those written from sql.Null values.
	nullable := map[string][]string{
		// Cases and events are written by countArgs: NULL for a row of the
		// publisher's figures only.
		"outcome_row": {"cases", "events", "expected", "expected_rate", "published_high", "published_low", "published_rate"},
		// Cases 0 (a publisher printing only a rate) is written as NULL.
		"national_rate": {"cases", "events", "rate"},
		// The publication's dates and correction are written by nullText:
		// NULL where the ingest gave none.
		"release":      {"corrects", "next_update", "published_on"},
		"result_group": {"alpha", "phi", "phi_p_value", "rankability", "target", "tau2"},
	}
	for table, cols := range notNull {
		if got, want := cols.nullable, nullable[table]; !slices.Equal(got, want) {
			t.Errorf("%s: nullable columns %q, want %q (a column that may be NULL is written from a sql.Null value)", table, got, want)
		}
	}
}

// tableColumns is what schemaConstraints found of one table's columns.
type tableColumns struct{ nullable []string }

var (
	createTable = regexp.MustCompile(`(?s)CREATE TABLE (\w+) \((.*?)\n\) STRICT;`)
	addColumn   = regexp.MustCompile(`ALTER TABLE (\w+) ADD COLUMN (.*);`)
	renameCol   = regexp.MustCompile(`ALTER TABLE (\w+) RENAME COLUMN (\w+) TO (\w+);`)
	dropTable   = regexp.MustCompile(`DROP TABLE (\w+);`)
	uniqueIndex = regexp.MustCompile(`CREATE UNIQUE INDEX \w+ ON (\w+) (\([^)]*\))\s*(WHERE [^;]*)?;`)
	tableLevel  = regexp.MustCompile(`^(UNIQUE|PRIMARY KEY|FOREIGN KEY) (\([^)]*\))`)
)

// schemaConstraints reads store/migrations and names each constraint on a
// table as "table.column CHECK (…)", "table.column PRIMARY KEY",
// "table.column REFERENCES release (id)" or "table UNIQUE (…)" / "table
// PRIMARY KEY (…)", with columns renamed as later migrations rename them.
func schemaConstraints(t *testing.T) ([]string, map[string]tableColumns) {
	t.Helper()
	paths, err := filepath.Glob("../store/migrations/*.sql")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	sort.Strings(paths)
	var sql strings.Builder
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sql.Write(b)
	}
	text := sql.String()
	renames := map[string]string{} // "table.old" → "new"
	for _, m := range renameCol.FindAllStringSubmatch(text, -1) {
		renames[m[1]+"."+m[2]] = m[3]
	}
	// A table created again (a migration rebuilding it to change a
	// constraint) has the constraints of its last definition, and the
	// columns added to it after.
	var order []string
	byTable := map[string][]string{}
	tables := map[string]tableColumns{}
	definitions := createTable.FindAllStringSubmatch(text, -1)
	for _, m := range addColumn.FindAllStringSubmatch(text, -1) {
		definitions = append(definitions, []string{"", m[1], m[2]})
	}
	for _, m := range definitions {
		table := m[1]
		var cols tableColumns
		var out []string
		if m[0] == "" { // an added column
			cols, out = tables[table], byTable[table]
		} else if _, again := byTable[table]; !again {
			order = append(order, table)
		}
		for _, line := range strings.Split(m[2], "\n") {
			line, _, _ = strings.Cut(line, "--")
			line = strings.TrimSuffix(strings.TrimSpace(line), ",")
			if line == "" {
				continue
			}
			if tm := tableLevel.FindStringSubmatch(line); tm != nil {
				out = append(out, table+" "+tm[1]+" "+tm[2])
				continue
			}
			if strings.HasPrefix(line, "CHECK (") {
				out = append(out, table+" "+balanced(line))
				continue
			}
			col := strings.Fields(line)[0]
			if n, ok := renames[table+"."+col]; ok {
				col = n
			}
			if !strings.Contains(line, "NOT NULL") && !strings.Contains(line, "PRIMARY KEY") {
				cols.nullable = append(cols.nullable, col)
			}
			if i := strings.Index(line, "CHECK ("); i >= 0 {
				out = append(out, table+"."+col+" "+balanced(line[i:]))
			}
			if strings.Contains(line, "PRIMARY KEY") {
				out = append(out, table+"."+col+" PRIMARY KEY")
			}
			if strings.Contains(line, references) {
				out = append(out, table+"."+col+" "+references)
			}
		}
		sort.Strings(cols.nullable)
		tables[table] = cols
		byTable[table] = out
	}
	// A table dropped after its last definition (result_unit, a view
	// since 0009) has no constraints left.
	lastCreate := map[string]int{}
	for _, m := range createTable.FindAllStringSubmatchIndex(text, -1) {
		lastCreate[text[m[2]:m[3]]] = m[0]
	}
	for _, m := range dropTable.FindAllStringSubmatchIndex(text, -1) {
		if table := text[m[2]:m[3]]; m[0] > lastCreate[table] {
			delete(byTable, table)
			delete(tables, table)
		}
	}
	// A unique index is a UNIQUE constraint of its table (outcome_row's
	// key since 0011, which ingest builds once the rows are in); a
	// partial one says on which rows.
	for _, m := range uniqueIndex.FindAllStringSubmatch(text, -1) {
		if _, ok := byTable[m[1]]; ok {
			byTable[m[1]] = append(byTable[m[1]], strings.TrimSpace(m[1]+" UNIQUE "+m[2]+" "+m[3]))
		}
	}
	var out []string
	for _, table := range order {
		out = append(out, byTable[table]...)
	}
	if len(out) < 20 {
		t.Fatalf("schemaConstraints found %d constraints: %q; the parsing no longer fits the migrations", len(out), out)
	}
	return out, tables
}

// balanced returns s ("CHECK (…) …") up to the parenthesis that closes
// its first.
func balanced(s string) string {
	depth := 0
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return s[:i+1]
			}
		}
	}
	return s
}
