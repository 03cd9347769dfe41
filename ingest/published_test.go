package ingest_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// publishedRows reads a publisher's surgeons by hospital, its own figures
// only: volume, rate, interval and rating (figures = "published").
const publishedRows = `
figures = "published"
[columns]
unit_id = "id"
unit_name = "name"
hospital_id = "hospital"
cases = "n"
published_rate = "rate"
published_low = "low"
published_high = "high"
published_rating = "rating"
[fixed]
specialty = "adult-cardiac"
period = "2024"
unit_type = "surgeon"
`

// TestPublishedOnlyRows checks how rows of the publisher's figures only
// are read: their figures as printed, no deaths, every one not
// assessable; a missing volume is no volume; a row with neither a rate
// nor a rating, a rate outside its interval, and a unit's second row are
// positioned errors; and the check can skip its rows instead.
func TestPublishedOnlyRows(t *testing.T) {
	const header = "id,name,hospital,n,rate,low,high,rating\n"
	m := parseMapping(t, "m.toml", publishedRows)
	d, err := ingest.Decode("m.csv", strings.NewReader(header+
		"S1,One,H1,412,3.1,2.2,4.4,As expected\n"+
		"S2,Two,H1,,2.95,,,\n"+
		"S3,Three,H2,18,,,,Too few to report\n"), m)
	if err != nil {
		t.Fatalf("Decode = %v", err)
	}
	type fig struct {
		cases              int
		rate, low, high    float64
		rating             string
		published, notAsse bool
	}
	got := map[string]fig{}
	for _, r := range d.Rows {
		got[r.UnitID] = fig{r.Cases, r.PublishedRate.V, r.PublishedLow.V, r.PublishedHigh.V, r.PublishedRating,
			r.PublishedOnly, r.NotAssessable}
		if r.Events != 0 || r.Expected.Valid || r.ExpectedRate.Valid {
			t.Errorf("%s: events %d, expected %v; want none", r.UnitID, r.Events, r.Expected)
		}
	}
	want := map[string]fig{
		"S1": {412, 3.1, 2.2, 4.4, "As expected", true, true},
		"S2": {0, 2.95, 0, 0, "", true, true},
		"S3": {18, 0, 0, 0, "Too few to report", true, true},
	}
	if !maps.Equal(got, want) {
		t.Errorf("rows = %+v, want %+v", got, want)
	}
	// No hospital is summed from surgeons whose figures are rates.
	if sets := outcome.Units(d.Rows); len(sets) != 1 || sets[0].Type != outcome.Surgeon || !sets[0].Units[0].PublishedOnly {
		t.Errorf("Units = %+v, want the surgeons alone, published only", sets)
	}

	bad := header +
		"S1,One,H1,412,3.1,2.2,4.4,As expected\n" +
		"S2,Two,H1,90,,,,\n" + // nothing published
		"S3,Three,H1,90,5.2,3.0,4.9,Worse\n" + // rate above its interval
		"S4,Four,H1,90,2.0,3.1,1.9,\n" + // interval upside down
		"S1,One,H2,30,1.0,0.5,2.0,As expected\n" + // a second row for S1
		"S5,Five,H1,0,1.0,0.5,2.0,As expected\n" // a volume of 0
	_, err = ingest.Decode("m.csv", strings.NewReader(bad), m)
	wantErrs := []string{
		"m.csv:3:5: rate: published_rate and published_rating are both empty: a row of published figures needs one of them (leave such rows out with [skip] missing)",
		"m.csv:4:5: rate: the publisher's figures contradict each other: published_rate 5.2 is above published_high 4.9",
		"m.csv:5:6: low: the publisher's figures contradict each other: published_low 3.1 is above published_high 1.9",
		`m.csv:6:0: surgeon "S1" has a second row for adult-cardiac all 2024 (the first is m.csv:2): the publisher's figures for one unit cannot be summed (figures = "published")`,
		"m.csv:7:4: n: cases: 0 is less than 1",
	}
	if got := problemLines(t, err); !slices.Equal(got, wantErrs) {
		t.Errorf("Decode = %q\nwant %q", got, wantErrs)
	}

	// [skip] checks leaves the contradicting rows out, counted and listed.
	m = parseMapping(t, "m.toml", publishedRows+"[skip]\nchecks = [\"published_interval\"]\n")
	d, err = ingest.Decode("m.csv", strings.NewReader(header+
		"S1,One,H1,412,3.1,2.2,4.4,As expected\n"+
		"S3,Three,H1,90,5.2,3.0,4.9,Worse\n"), m)
	if err != nil || len(d.Rows) != 1 || d.Summary.SkipReasons["published rate outside its interval"] != 1 || d.Summary.Failed != 1 {
		t.Errorf("Decode skipping published_interval = %d rows, %v, %d failed, %v; want 1 row, 1 skipped", len(d.Rows),
			d.Summary.SkipReasons, d.Summary.Failed, err)
	}
}

// TestPublishedOnlyMappingRefused checks that a mapping of the publisher's
// figures only cannot read, or be given, anything computed from, and says
// why.
func TestPublishedOnlyMappingRefused(t *testing.T) {
	const why = `figures = "published" reads the publisher's own figures and computes nothing`
	tests := []struct{ edit, want string }{
		{`figures = "rates"`, `figures "rates": want counts or published`},
		{`events = "d"`, why + `: it has no events (leave the column out, or add it to ignore); a file with deaths loads with figures = "counts"`},
		{`expected = "e"`, why + `: it has no expected (leave the column out, or add it to ignore); a file with deaths loads with figures = "counts"`},
		{"[national]\nrate = \"state\"\nrate_as = \"percent\"", why + ": [national] gives a target, which it does not use"},
		{"[method]\ncomparison = \"interval\"", why + ": of [method] only interval_level applies (the level of the publisher's intervals)"},
		{"[method]\nflag_level = 98", why + ": of [method] only interval_level applies (the level of the publisher's intervals)"},
		{"expected_as = \"percent\"", why + ": expected_from and expected_as do not apply"},
		{"-published_rating\n-published_rate", `figures = "published" needs the publisher's figures: a published_rate or a published_rating column`},
	}
	for _, tc := range tests {
		mapping := publishedRows
		switch {
		case strings.HasPrefix(tc.edit, "figures") || strings.HasPrefix(tc.edit, "expected_as"):
			mapping = tc.edit + "\n" + strings.Replace(mapping, "figures = \"published\"\n", "", 1)
			if strings.HasPrefix(tc.edit, "expected_as") {
				mapping = "figures = \"published\"\n" + mapping
			}
		case strings.HasPrefix(tc.edit, "["):
			mapping += tc.edit + "\n"
		case strings.HasPrefix(tc.edit, "-"):
			for _, f := range strings.Split(tc.edit, "\n") {
				field := strings.TrimPrefix(f, "-")
				lines := strings.Split(mapping, "\n")
				mapping = strings.Join(slices.DeleteFunc(lines, func(l string) bool { return strings.HasPrefix(l, field+" =") }), "\n")
			}
		default:
			mapping = strings.Replace(mapping, "[columns]\n", "[columns]\n"+tc.edit+"\n", 1)
		}
		_, err := ingest.ParseMapping("m.toml", []byte(mapping))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ParseMapping = %v, want %q", tc.edit, err, tc.want)
		}
	}
	if _, err := ingest.ParseMapping("m.toml", []byte(publishedRows)); err != nil {
		t.Errorf("ParseMapping(publishedRows) = %v", err)
	}
}
