package ingest_test

import (
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/ingest"
)

// ramrMapping reads a publisher that gives deaths, operations, each
// hospital's risk-adjusted rate and the statewide rate on every row, but
// no expected deaths.
const ramrMapping = `
expected_from = "published_rate"
[columns]
unit_id = "id"
unit_name = "name"
cases = "n"
events = "d"
published_rate = "ramr"
[fixed]
specialty = "adult-cardiac"
unit_type = "hospital"
period = "2023"
[national]
rate = "state"
rate_as = "percent"
[method]
target = "national"
`

// TestNationalRateMapping checks the mapping keys of a printed national
// rate and of expected deaths from a published rate: each wrong use is
// refused by its key, saying what to do.
func TestNationalRateMapping(t *testing.T) {
	tests := []struct {
		name, mapping string
		want          []string
	}{
		{"rate without rate_as", strings.Replace(ramrMapping, "rate_as = \"percent\"\n", "", 1),
			[]string{`mapping m.toml: national.rate_as: say how the national rate is written, "percent" (2.27 for 2.27%) or "proportion" (0.0227)`}},
		{"rate_as unknown", strings.Replace(ramrMapping, `rate_as = "percent"`, `rate_as = "per-mille"`, 1),
			[]string{`mapping m.toml: national.rate_as "per-mille": want percent or proportion`}},
		{"rate_as without rate", strings.Replace(ramrMapping, "rate = \"state\"\n", "", 1),
			[]string{`mapping m.toml: method.target is national but [national] says nowhere to find national figures`,
				`national.rate_as is given but national.rate names no column`,
				`expected_from = "published_rate" needs the national rate on every row ([national] rate, or cases and events, without column and values), as each row's expected deaths are worked out from it as the row is read`}},
		{"expected_from unknown", strings.Replace(ramrMapping, `expected_from = "published_rate"`, `expected_from = "ramr"`, 1),
			[]string{`mapping m.toml: expected_from "ramr": want "published_rate" (E = O·p0/RAMR from each row's published_rate)`}},
		{"expected_from without a national target", strings.Replace(ramrMapping, `target = "national"`, `target = "counts"`, 1),
			[]string{`mapping m.toml: expected_from = "published_rate" works E out as O·p0/RAMR with p0 the national rate: it needs [method] target = "national"`}},
		{"expected_from with national rows", strings.Replace(ramrMapping, "[national]\n", "[national]\ncolumn = \"id\"\nvalues = [\"STATE\"]\n", 1),
			[]string{`mapping m.toml: expected_from = "published_rate" needs the national rate on every row ([national] rate, or cases and events, without column and values), as each row's expected deaths are worked out from it as the row is read`}},
		{"expected_from without published_rate", strings.Replace(ramrMapping, "published_rate = \"ramr\"\n", "", 1),
			[]string{`mapping m.toml: expected_from = "published_rate" needs a published_rate column (the publisher's risk-adjusted rate per 100)`}},
		{"expected_from and an expected column", strings.Replace(ramrMapping, "[columns]\n", "[columns]\nexpected = \"e\"\n", 1),
			[]string{`mapping m.toml: expected_from = "published_rate" and a expected column: give expected deaths one way, not both`}},
		{"expected_from and expected_as", "expected_as = \"percent\"\n" + ramrMapping,
			[]string{`mapping m.toml: expected_as describes an expected column, which expected_from = "published_rate" has none of`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ingest.ParseMapping("m.toml", []byte(tt.mapping))
			checkProblemText(t, "ParseMapping", err, tt.want)
		})
	}
}

// TestExpectedFromPublishedRate checks E = O·p0/RAMR row by row, a row
// with no deaths marked not assessable, and the rows that contradict
// themselves refused at their line and column.
func TestExpectedFromPublishedRate(t *testing.T) {
	m, err := ingest.ParseMapping("m.toml", []byte(ramrMapping))
	if err != nil {
		t.Fatal(err)
	}
	const header = "id,name,n,d,ramr,state\n"
	d, err := ingest.Decode("in.csv", strings.NewReader(header+
		"H1,One,644,9,1.95,2.27\nH2,Two,220,0,0.00,2.27\nH3,Three,42,0,,2.27\n"), m)
	if err != nil {
		t.Fatalf("Decode = %v", err)
	}
	// 9 × 2.27 / 1.95, with 9 × 2.27 = 20.43 exact.
	if r := d.Rows[0]; !r.Expected.Valid || r.Expected.V != 20.43/1.95 || r.NotAssessable {
		t.Errorf("H1 expected %v, not assessable %v; want %v", r.Expected, r.NotAssessable, 20.43/1.95)
	}
	for _, r := range d.Rows[1:] {
		if r.Expected.Valid || !r.NotAssessable {
			t.Errorf("%s (no deaths): expected %v, not assessable %v; want no expected, not assessable", r.UnitID, r.Expected, r.NotAssessable)
		}
	}
	if len(d.National) != 1 || d.National[0].Rate.V != 0.0227 || d.National[0].Cases != 0 {
		t.Errorf("national = %+v, want the printed rate 0.0227 and no counts", d.National)
	}

	_, err = ingest.Decode("in.csv", strings.NewReader(header+
		"H1,One,644,9,,2.27\nH2,Two,220,3,0,2.27\nH3,Three,10,5,0.5,2.27\nH4,Four,100,2,1.5,2.27\nH5,Five,100,2,1.5,2.3\n"), m)
	checkProblemText(t, "Decode", err, []string{
		`in.csv:2:5: ramr: published_rate is required: there were 9 deaths, and expected deaths are worked out from it (expected_from = "published_rate")`,
		`in.csv:3:5: ramr: published_rate is 0 but there were 3 deaths: the row contradicts itself`,
		`in.csv:4:5: ramr: published_rate 0.5 with 5 deaths and a national rate of 2.27% gives 22.7 expected deaths, more than the 10 cases: the row contradicts itself`,
		`in.csv:6:0: national rate for adult-cardiac all 2023 is 2.3% here but 2.27% on in.csv:5`,
	})
}

// TestPrintedRateAndCounts checks that where a mapping gives national
// counts and a printed rate, on every row, both are kept and must agree
// within a group, and the printed rate is the one a percent or a
// proportion says.
func TestPrintedRateAndCounts(t *testing.T) {
	mapping := strings.Replace(strings.Replace(ramrMapping, "expected_from = \"published_rate\"\n", "", 1),
		"[national]\n", "[national]\ncases = \"state n\"\nevents = \"state d\"\n", 1)
	m, err := ingest.ParseMapping("m.toml", []byte(mapping))
	if err != nil {
		t.Fatal(err)
	}
	const header = "id,name,n,d,ramr,state,state n,state d\n"
	d, err := ingest.Decode("in.csv", strings.NewReader(header+"H1,One,644,9,1.95,2.27,\"14,995\",341\nH2,Two,220,3,2.1,2.27,\"14,995\",341\n"), m)
	if err != nil {
		t.Fatalf("Decode = %v", err)
	}
	if n := d.National[0]; n.Cases != 14995 || n.Events != 341 || n.Rate.V != 0.0227 {
		t.Errorf("national = %+v, want 341 of 14,995 and the printed 0.0227", n)
	}
	if p0, _ := d.National[0].P0(); p0 != 0.0227 {
		t.Errorf("P0 = %v, want the printed rate 0.0227, not the counts' %v", p0, 341.0/14995)
	}
	_, err = ingest.Decode("in.csv", strings.NewReader(header+"H1,One,644,9,1.95,2.27,\"14,995\",341\nH2,Two,220,3,2.1,2.27,\"14,995\",340\n"), m)
	checkProblemText(t, "Decode", err, []string{
		`in.csv:3:0: national counts for adult-cardiac all 2023 are 340 events in 14995 cases here but 341 in 14995 on in.csv:2`})

	prop, err := ingest.ParseMapping("m.toml", []byte(strings.Replace(mapping, `rate_as = "percent"`, `rate_as = "proportion"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	d, err = ingest.Decode("in.csv", strings.NewReader(header+"H1,One,644,9,1.95,0.0227,\"14,995\",341\n"), prop)
	if err != nil || d.National[0].Rate.V != 0.0227 {
		t.Errorf("proportion 0.0227: national %+v, %v; want the rate 0.0227", d.National, err)
	}
}
