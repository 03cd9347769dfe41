package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"maps"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// summaryJSON is a row of /api/v1/summary as the tests read it.
type summaryJSON struct {
	Specialty          string         `json:"specialty"`
	Procedure          string         `json:"procedure"`
	Period             string         `json:"period"`
	UnitType           string         `json:"unit_type"`
	Units              int            `json:"units"`
	Assessed           int            `json:"assessed"`
	Outside95          int            `json:"outside_95"`
	ExpectedOutside95  *float64       `json:"expected_outside_95"`
	Outside998         int            `json:"outside_998"`
	ExpectedOutside998 *float64       `json:"expected_outside_998"`
	Phi                *float64       `json:"phi"`
	PhiPValue          *float64       `json:"phi_p_value"`
	BandCounts         map[string]int `json:"band_counts"`
	LatestPeriod       bool           `json:"latest_period"`
}

func (r summaryJSON) key() string {
	return r.Specialty + " " + r.Procedure + " " + r.Period + " " + r.UnitType
}

// allBands are the band codes in order of concern, as the API lists them.
var allBands = []string{"high_alarm", "high_alert", "within", "low_alert", "low_alarm", "too_few", "not_assessable"}

// summaryRows fetches path and decodes its rows.
func summaryRows(t *testing.T, srv *httptest.Server, path string) ([]summaryJSON, envelopeJSON) {
	t.Helper()
	env, _ := getEnvelope(t, srv, path)
	var rows []summaryJSON
	if err := json.Unmarshal(env.Data, &rows); err != nil {
		t.Fatalf("GET %s: json.Unmarshal(data) = %v, want nil", path, err)
	}
	return rows, env
}

// unitTally is what the test counts itself from one funnel's unit rows.
type unitTally struct {
	units      int
	bands      map[string]int
	big, small int // units at or above one expected death, and below (not_assessable left out)
}

// TestSummaryCountsTheUnits checks the national summary against an
// independent count: every unit row of the release, read from the
// surgeons' and hospitals' CSV, tallied here by funnel and band. Each
// funnel must have one summary row, its band counts, units, assessed and
// outside counts those of its rows, expected_outside_* within what the
// chance rule allows for its units' sizes (5% and 0.2% of the units at or
// above one expected death, plus at most 2.5% and 0.1% of each smaller
// one, whose exact test flags only on the high side), and its φ, its test
// and expected counts those /specialties/{slug} gives for the funnel.
func TestSummaryCountsTheUnits(t *testing.T) {
	srv := newServer(t, api.Config{})
	rows, env := summaryRows(t, srv, "/api/v1/summary")
	if env.Meta.Count != len(rows) || len(rows) == 0 {
		t.Fatalf("GET /api/v1/summary: meta.count = %d for %d rows, want equal and more than none", env.Meta.Count,
			len(rows))
	}
	tally := map[string]*unitTally{}
	for _, kind := range []string{"surgeons", "hospitals"} {
		path := "/api/v1/" + kind + ".csv"
		resp, body := get(t, srv, http.MethodGet, path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d, want 200", path, resp.StatusCode)
		}
		recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("GET %s: %d records, %v; want rows", path, len(recs), err)
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		for _, rec := range recs[1:] {
			k := rec[col["specialty"]] + " " + rec[col["procedure"]] + " " + rec[col["period"]] + " " + rec[col["unit_type"]]
			n := tally[k]
			if n == nil {
				n = &unitTally{bands: map[string]int{}}
				tally[k] = n
			}
			band := rec[col["band"]]
			n.units++
			n.bands[band]++
			if band == "not_assessable" {
				continue
			}
			e, err := strconv.ParseFloat(rec[col["expected"]], 64)
			if err != nil { // crude data: the national rate's deaths
				cases, _ := strconv.ParseFloat(rec[col["cases"]], 64)
				target, _ := strconv.ParseFloat(rec[col["target"]], 64)
				e = cases * target
			}
			if e >= 1 {
				n.big++
			} else {
				n.small++
			}
		}
	}
	if len(rows) != len(tally) {
		t.Errorf("summary has %d rows, the unit rows make %d funnels; want one row a funnel", len(rows), len(tally))
	}
	funnels := map[string]summaryJSON{}
	latest := map[string]string{}
	for _, sp := range specialtySlugs(t, srv) {
		var d struct {
			Periods []string      `json:"periods"`
			Funnels []summaryJSON `json:"funnels"`
		}
		env, _ := getEnvelope(t, srv, "/api/v1/specialties/"+sp)
		if err := json.Unmarshal(env.Data, &d); err != nil {
			t.Fatal(err)
		}
		for _, f := range d.Funnels {
			funnels[f.key()] = f
		}
		if len(d.Periods) > 0 {
			latest[sp] = d.Periods[len(d.Periods)-1]
		}
	}
	const tol = 1e-9
	for _, r := range rows {
		n, ok := tally[r.key()]
		if !ok {
			t.Errorf("%s: a summary row for no unit", r.key())
			continue
		}
		if r.Units != n.units {
			t.Errorf("%s: units = %d, want %d rows", r.key(), r.Units, n.units)
		}
		if got := slices.Sorted(maps.Keys(r.BandCounts)); !slices.Equal(got, slices.Sorted(slices.Values(allBands))) {
			t.Errorf("%s: band_counts has %v, want every band %v", r.key(), got, allBands)
		}
		for _, b := range allBands {
			if r.BandCounts[b] != n.bands[b] {
				t.Errorf("%s: band_counts.%s = %d, want %d counted", r.key(), b, r.BandCounts[b], n.bands[b])
			}
		}
		outside95 := n.bands["high_alarm"] + n.bands["high_alert"] + n.bands["low_alert"] + n.bands["low_alarm"]
		outside998 := n.bands["high_alarm"] + n.bands["low_alarm"]
		if assessed := n.units - n.bands["too_few"] - n.bands["not_assessable"]; r.Assessed != assessed {
			t.Errorf("%s: assessed = %d, want %d (units neither too_few nor not_assessable)", r.key(), r.Assessed, assessed)
		}
		if r.Outside95 != outside95 || r.Outside998 != outside998 {
			t.Errorf("%s: outside_95 %d, outside_998 %d; want %d and %d counted from bands", r.key(), r.Outside95,
				r.Outside998, outside95, outside998)
		}
		if r.ExpectedOutside95 == nil || r.ExpectedOutside998 == nil {
			t.Errorf("%s: expected_outside_95 %v, expected_outside_998 %v; want numbers", r.key(), r.ExpectedOutside95,
				r.ExpectedOutside998)
		} else {
			lo95, lo998 := 0.05*float64(n.big), 0.002*float64(n.big)
			hi95, hi998 := lo95+0.025*float64(n.small), lo998+0.001*float64(n.small)
			if e := *r.ExpectedOutside95; e < lo95-tol || e > hi95+tol {
				t.Errorf("%s: expected_outside_95 = %v, want within [%v, %v] (%d units ≥ 1 expected death, %d below)",
					r.key(), e, lo95, hi95, n.big, n.small)
			}
			if e := *r.ExpectedOutside998; e < lo998-tol || e > hi998+tol {
				t.Errorf("%s: expected_outside_998 = %v, want within [%v, %v]", r.key(), e, lo998, hi998)
			}
		}
		f, ok := funnels[r.key()]
		if !ok {
			t.Errorf("%s: no such funnel in /specialties/%s", r.key(), r.Specialty)
			continue
		}
		if !sameNumber(r.Phi, f.Phi) || !sameNumber(r.PhiPValue, f.PhiPValue) ||
			!sameNumber(r.ExpectedOutside95, f.ExpectedOutside95) || !sameNumber(r.ExpectedOutside998, f.ExpectedOutside998) {
			t.Errorf("%s: phi %v p %v expected %v %v; /specialties gives %v %v %v %v", r.key(), r.Phi, r.PhiPValue,
				r.ExpectedOutside95, r.ExpectedOutside998, f.Phi, f.PhiPValue, f.ExpectedOutside95, f.ExpectedOutside998)
		}
		if r.LatestPeriod != (r.Period == latest[r.Specialty]) {
			t.Errorf("%s: latest_period = %v, want %v (the specialty's latest is %s)", r.key(), r.LatestPeriod,
				!r.LatestPeriod, latest[r.Specialty])
		}
	}
}

// sameNumber reports whether two JSON figures are equal, null included.
func sameNumber(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b || math.IsNaN(*a) && math.IsNaN(*b)
}

// TestSummaryCSV holds the CSV twin to the JSON: a header of fixed
// columns, every band's count among them in order of concern whatever the
// data, the same rows in the same order with the same figures, and a file
// name saying what was filtered; each way of asking for CSV gives the same
// bytes, and a filter keeps exactly its funnels.
func TestSummaryCSV(t *testing.T) {
	srv := newServer(t, api.Config{})
	wantHeader := []string{"specialty", "procedure", "period", "unit_type", "scale", "risk_adjusted", "target",
		"target_source", "units", "cases", "events", "phi", "phi_p_value", "phi_units", "tau2", "assessed",
		"outside_95", "expected_outside_95", "outside_998", "expected_outside_998"}
	for _, b := range allBands {
		wantHeader = append(wantHeader, "band_counts."+b)
	}
	// The shrinkage's fit after latest_period, so the columns before keep
	// their places.
	wantHeader = append(wantHeader, "latest_period", "shrink_fit", "alpha", "rankability", "rankability_grade")

	tests := []struct {
		name, json, csv, file string
	}{
		{"everything", "/api/v1/summary", "/api/v1/summary.csv", "demo-summary.csv"},
		{"vascular hospitals", "/api/v1/summary?specialty=vascular&unit_type=hospital",
			"/api/v1/summary.csv?specialty=vascular&unit_type=hospital", "demo-summary-vascular-hospitals.csv"},
		{"one funnel", "/api/v1/summary?specialty=vascular&procedure=aaa&period=2022-04/2025-03&unit_type=surgeon",
			"/api/v1/summary.csv?specialty=vascular&procedure=aaa&period=2022-04/2025-03&unit_type=surgeon",
			"demo-summary-vascular-aaa-surgeons-2022-04-2025-03.csv"},
		// A filter matching no funnel is an empty table, as a collection's is.
		{"no funnel", "/api/v1/summary?specialty=vascular&procedure=cabg", "/api/v1/summary.csv?specialty=vascular&procedure=cabg",
			"demo-summary-vascular-cabg.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := get(t, srv, http.MethodGet, tt.json)
			var env struct {
				Data []map[string]json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatalf("GET %s: %v", tt.json, err)
			}
			resp, csvBody := get(t, srv, http.MethodGet, tt.csv)
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
				t.Fatalf("GET %s = %d %s, want 200 text/csv", tt.csv, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if _, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); params["filename"] != tt.file {
				t.Errorf("GET %s: Content-Disposition = %q, want filename %s", tt.csv,
					resp.Header.Get("Content-Disposition"), tt.file)
			}
			if !bytes.Contains(csvBody, []byte("\r\n")) {
				t.Errorf("GET %s: lines end without CRLF", tt.csv)
			}
			recs, err := csv.NewReader(bytes.NewReader(csvBody)).ReadAll()
			if err != nil || len(recs) == 0 {
				t.Fatalf("GET %s: %v, %d records", tt.csv, err, len(recs))
			}
			if !slices.Equal(recs[0], wantHeader) {
				t.Errorf("GET %s: header\n%v\nwant\n%v", tt.csv, recs[0], wantHeader)
			}
			if len(recs)-1 != len(env.Data) {
				t.Fatalf("GET %s: %d rows, JSON %d; want the same", tt.csv, len(recs)-1, len(env.Data))
			}
			for i, rec := range recs[1:] {
				row := env.Data[i]
				var counts map[string]json.RawMessage
				if err := json.Unmarshal(row["band_counts"], &counts); err != nil {
					t.Fatal(err)
				}
				for j, col := range wantHeader {
					v, ok := row[col]
					if b, isBand := strings.CutPrefix(col, "band_counts."); isBand {
						v, ok = counts[b]
					}
					if !ok {
						t.Errorf("row %d: JSON has no %s", i, col)
						continue
					}
					want := strings.Trim(string(v), `"`)
					if want == "null" {
						want = ""
					}
					if rec[j] != want {
						t.Errorf("row %d column %s: CSV %q, JSON %s", i, col, rec[j], v)
					}
				}
			}
			for _, other := range []struct {
				path   string
				header []string
			}{
				{strings.Replace(tt.csv, ".csv", "", 1) + sep(tt.csv) + "format=csv", nil},
				{tt.json, []string{"Accept", "text/csv"}},
			} {
				resp, b := get(t, srv, http.MethodGet, other.path, other.header...)
				if resp.StatusCode != http.StatusOK || !bytes.Equal(b, csvBody) {
					t.Errorf("GET %s %v = %d, %d bytes; want the %d bytes of %s", other.path, other.header,
						resp.StatusCode, len(b), len(csvBody), tt.csv)
				}
			}
		})
	}
	t.Run("bom", func(t *testing.T) {
		_, plain := get(t, srv, http.MethodGet, "/api/v1/summary.csv")
		resp, b := get(t, srv, http.MethodGet, "/api/v1/summary.csv?bom=1")
		if !bytes.Equal(b, append([]byte("\uFEFF"), plain...)) {
			t.Errorf("GET /api/v1/summary.csv?bom=1 = %d, %d bytes; want a BOM then the %d bytes without", resp.StatusCode,
				len(b), len(plain))
		}
	})
}

func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

// TestSummaryHTTP holds the summary to the API's conventions: links
// (self, pinned, the CSV twin), a pinned URL cached for a day and the same
// data, strong ETags answering 304, and a 400 naming each bad parameter.
func TestSummaryHTTP(t *testing.T) {
	srv := newServer(t, api.Config{})
	rows, env := summaryRows(t, srv, "/api/v1/summary?specialty=vascular")
	if env.Links.Self != "/api/v1/summary?specialty=vascular" ||
		env.Links.Pinned != "/api/v1/releases/demo/summary?specialty=vascular" ||
		env.Links.CSV != "/api/v1/summary.csv?specialty=vascular" {
		t.Errorf("links = %+v, want self, pinned and csv of /summary?specialty=vascular", env.Links)
	}
	if env.Meta.Release != "demo" || !slices.Equal(env.Meta.Periods, []string{"2021-04/2024-03", "2022-04/2025-03"}) {
		t.Errorf("meta release %q periods %v, want demo and the two vascular periods", env.Meta.Release, env.Meta.Periods)
	}
	for _, r := range rows {
		if r.Specialty != "vascular" {
			t.Errorf("?specialty=vascular gave a %s row", r.Specialty)
		}
	}
	pinned, resp := summaryRows(t, srv, "/api/v1/releases/demo/summary?specialty=vascular")
	if resp.Links.Self != "/api/v1/summary?release=demo&specialty=vascular" {
		t.Errorf("pinned links.self = %q", resp.Links.Self)
	}
	if len(pinned) != len(rows) {
		t.Errorf("pinned summary has %d rows, latest %d; want the same", len(pinned), len(rows))
	}
	for _, path := range []string{"/api/v1/releases/demo/summary", "/api/v1/releases/demo/summary.csv"} {
		r, _ := get(t, srv, http.MethodGet, path)
		if r.Header.Get("Cache-Control") != "public, max-age=86400" {
			t.Errorf("GET %s: Cache-Control %q, want a day", path, r.Header.Get("Cache-Control"))
		}
	}
	for _, path := range []string{"/api/v1/summary", "/api/v1/summary.csv"} {
		r, _ := get(t, srv, http.MethodGet, path)
		tag := r.Header.Get("ETag")
		if !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(tag) {
			t.Errorf("GET %s: ETag %q, want a strong tag", path, tag)
			continue
		}
		if r2, body := get(t, srv, http.MethodGet, path, "If-None-Match", tag); r2.StatusCode != http.StatusNotModified ||
			len(body) != 0 {
			t.Errorf("GET %s If-None-Match %s = %d, %d bytes; want 304, none", path, tag, r2.StatusCode, len(body))
		}
	}
	bad := []struct {
		path   string
		status int
		params []string
	}{
		{"/api/v1/summary?colour=red", 400, []string{"colour"}},
		{"/api/v1/summary?specialty=dentistry&unit_type=dog", 400, []string{"specialty", "unit_type"}},
		{"/api/v1/summary?period=a&period=b", 400, []string{"period"}},
		{"/api/v1/summary?bom=1", 400, []string{"bom"}},
		{"/api/v1/summary.csv?format=json", 400, []string{"format"}},
		{"/api/v1/summary?limit=5", 400, []string{"limit"}},
		{"/api/v1/releases/nope/summary", 404, nil},
		{"/api/v1/summary.csv?release=nope", 404, nil},
	}
	for _, tt := range bad {
		resp, body := get(t, srv, http.MethodGet, tt.path)
		p := problemOf(t, http.MethodGet, tt.path, resp, body, tt.status)
		if got := slices.Sorted(slices.Values(p.params())); !slices.Equal(got, tt.params) && tt.params != nil {
			t.Errorf("GET %s: errors name %v, want %v", tt.path, got, tt.params)
		}
	}
}

// TestSummaryPage holds the /summary page to the API's table: a row for
// each funnel of each specialty's latest period, and with ?period= of that
// period, each linking the specialty page showing that funnel, with the
// API's judged, outside and band counts and units in its cells, under the
// site's 300 KB a page; a period the release lacks is a 404 that lists
// the periods it has.
func TestSummaryPage(t *testing.T) {
	srv := newServer(t, api.Config{})
	rows, env := summaryRows(t, srv, "/api/v1/summary")
	rowRE := regexp.MustCompile(`<tr><th scope="row"><a href="([^"]+)">[^<]*</a></th>((?:<td>[^<]*</td>)+)</tr>`)
	cellRE := regexp.MustCompile(`<td>([^<]*)</td>`)
	pages := append([]string{""}, env.Meta.Periods...)
	if len(pages) < 3 {
		t.Fatalf("the summary's periods are %v, want the demo's two", env.Meta.Periods)
	}
	for _, period := range pages {
		path := "/summary"
		if period != "" {
			path += "?period=" + url.QueryEscape(period)
		}
		resp, body := get(t, srv, http.MethodGet, path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d, want 200", path, resp.StatusCode)
		}
		if len(body) > 300<<10 {
			t.Errorf("GET %s = %d bytes, want under 300 KB", path, len(body))
		}
		t.Logf("GET %s: %d bytes", path, len(body))
		for _, p := range env.Meta.Periods {
			if link := `href="/summary?period=` + url.QueryEscape(p) + `"`; !strings.Contains(string(body), link) {
				t.Errorf("GET %s lacks the link %s", path, link)
			}
		}
		page := map[string][]string{}
		for _, m := range rowRE.FindAllStringSubmatch(string(body), -1) {
			var cells []string
			for _, c := range cellRE.FindAllStringSubmatch(m[2], -1) {
				cells = append(cells, c[1])
			}
			page[strings.ReplaceAll(m[1], "&amp;", "&")] = cells
		}
		want := 0
		for _, r := range rows {
			if period == "" && !r.LatestPeriod || period != "" && r.Period != period {
				continue
			}
			want++
			href := "/specialties/" + r.Specialty + "?period=" + url.QueryEscape(r.Period) +
				"&procedure=" + r.Procedure + "&unit_type=" + r.UnitType
			cells, ok := page[href]
			if !ok {
				t.Errorf("GET %s: no row links %s", path, href)
				continue
			}
			// Judged, outside 95%, its chance, outside 99.8%, its chance,
			// the bands, results, φ and its p-value.
			if len(cells) != 5+len(allBands)+3 {
				t.Errorf("GET %s: row %s has %d cells, want %d", path, href, len(cells), 5+len(allBands)+3)
				continue
			}
			got := []string{cells[0], cells[1], cells[3]}
			wantCells := []string{strconv.Itoa(r.Assessed), strconv.Itoa(r.Outside95), strconv.Itoa(r.Outside998)}
			for i, b := range allBands {
				got = append(got, cells[5+i])
				wantCells = append(wantCells, strconv.Itoa(r.BandCounts[b]))
			}
			got, wantCells = append(got, cells[5+len(allBands)]), append(wantCells, strconv.Itoa(r.Units))
			if !slices.Equal(got, wantCells) {
				t.Errorf("GET %s: row %s counts %v, want the API's %v", path, href, got, wantCells)
			}
		}
		if len(page) != want || want == 0 {
			t.Errorf("GET %s: %d rows, want %d", path, len(page), want)
		}
	}
	const unknown = "/summary?period=1999"
	resp, body := get(t, srv, http.MethodGet, unknown)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "no results for the period") ||
		!strings.Contains(string(body), `href="/summary?period=`) || strings.Contains(string(body), `<table`) {
		t.Errorf("GET %s = %d; want 404 saying so, linking the periods, with no table", unknown, resp.StatusCode)
	}
}
