package api_test

// Tests of the self-check's exports for a governance meeting (issue 16
// point 2): the results CSV holds the page table's rows and figures; the
// SVG and PNG stand alone (a heading, the specialty, procedure, period,
// release, source, the date made and a key); the API gives the same image
// for Accept: image/svg+xml and image/png; nothing submitted reaches the
// log.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"html"
	"image/png"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// postAccept is post with an Accept header.
func postAccept(t testing.TB, srv *httptest.Server, path, contentType, accept string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("NewRequest(POST %s): %v", path, err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", accept)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatalf("POST %s: read body: %v", path, err)
	}
	return resp, b.Bytes()
}

// hiddenResults finds the results export form's units.
var hiddenResults = regexp.MustCompile(`<form action="/self-check/results.csv"[^>]*>\s*<input type="hidden" name="units" value="([^"]*)">`)

// tableRow is one row of the page's table of your units, as shown.
var tableRow = regexp.MustCompile(`<tr><th scope="row">([^<]*)<td class="b b-([a-z_]+)">([^<]*)<td>([^<]*)<td>([^<]*)<td>([^<]*)<td>(?:([0-9.]+)% \(([0-9.]+)%–([0-9.]+)%\)|—<span class="vh"> not given</span>)<td>([^\n]*)`)

// exportUnits is six units as a hospital uploads them: five surgeons on
// one funnel (one named as a formula, one with a comma and quotes) and a
// hospital on another.
func exportUnits(t *testing.T, srv *httptest.Server) (units []byte, surgeons, other teamFunnel) {
	t.Helper()
	funnels := releaseFunnels(t, srv)
	for _, f := range funnels {
		if f.UnitType == "surgeon" {
			surgeons = f
			break
		}
	}
	spread := []teamFunnel{surgeons, surgeons, surgeons, surgeons, surgeons, funnels[0]}
	if funnels[0] == surgeons {
		spread[5] = funnels[1]
	}
	names := []string{"Zqexport Larkwisp", "=1+2 Zqexport", `Ward "B", Zqexport`, "Zqexport Quill", "", "Zqexport Hospital"}
	return teamCSV(spread, len(spread), func(i int) string { return names[i] }), surgeons, spread[5]
}

// TestSelfCheckResultsCSV checks that the results CSV is the page's
// table: the same units in the same order, each with the same verdict,
// operations, deaths, expected deaths, survival and interval and funnel,
// its text cells safe in a spreadsheet, under a file name that says what
// it is, not to be cached; and that no name reaches the log.
func TestSelfCheckResultsCSV(t *testing.T) {
	var log syncBuffer
	srv := newServerLogging(t, demoDB, api.Config{}, &log)
	units, surgeons, other := exportUnits(t, srv)
	oneFunnel := []byte(strings.Join(strings.SplitAfter(string(units), "\n")[:6], "")) // the header and the five surgeons
	for _, tc := range []struct {
		name     string
		units    []byte
		wantName string
	}{
		// Units on two funnels: the results have a form of their own.
		{"two funnels", units, "self-check-results-demo-2026-11-25.csv"},
		// Units on the one chart drawn: the chart's form sends them.
		{"one funnel", oneFunnel, "self-check-results-demo-" + surgeons.Specialty + "-2026-11-25.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "two funnels" && surgeons.Specialty == other.Specialty {
				tc.wantName = "self-check-results-demo-" + other.Specialty + "-2026-11-25.csv"
			}
			checkResultsCSV(t, srv, tc.units, tc.wantName)
		})
	}
	srv.Close() // waits for every request, and so its log line
	if logged := log.String(); strings.Contains(logged, "Zqexport") {
		t.Errorf("log holds a submitted name:\n%.2000s", logged)
	}
}

// checkResultsCSV uploads units to the self-check page, sends its
// results export form as a browser would, and holds the CSV to the page's
// table.
func checkResultsCSV(t *testing.T, srv *httptest.Server, units []byte, wantName string) {
	t.Helper()
	body, ct := multipartBody(t, "file", "ours.csv", units)
	resp, page := post(t, srv, "/self-check", ct, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /self-check = %d, want 200", resp.StatusCode)
	}
	want := bytes.Count(units, []byte("\n")) - 1
	rows := tableRow.FindAllSubmatch(page, -1)
	if len(rows) != want {
		t.Fatalf("page table has %d rows, want %d:\n%.3000s", len(rows), want, page)
	}
	m := hiddenResults.FindSubmatch(page)
	if m == nil { // the results button is the chart's form's
		if !bytes.Contains(page, []byte(`formaction="/self-check/results.csv"`)) {
			t.Fatal("page has no results export")
		}
		m = hiddenUnits.FindSubmatch(page)
	}
	body, ct = multipartBody(t, "units", "", []byte(html.UnescapeString(string(m[1]))))
	resp, out := post(t, srv, "/self-check/results.csv", ct, body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("POST /self-check/results.csv = %d %s, Cache-Control %q; want 200 text/csv, no-store:\n%s",
			resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"), out)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="`+wantName+`"` {
		t.Errorf("Content-Disposition %q, want the attachment %s", cd, wantName)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("results CSV does not parse: %v\n%s", err, out)
	}
	if len(recs) != 1+len(rows) {
		t.Fatalf("results CSV has %d records, want a header and %d rows:\n%s", len(recs), len(rows), out)
	}
	head := map[string]int{}
	for i, h := range recs[0] {
		head[h] = i
	}
	for _, col := range []string{"unit_name", "result", "cases", "events", "expected", "survival_percent",
		"survival_low_percent", "survival_high_percent", "funnel", "band"} {
		if _, ok := head[col]; !ok {
			t.Fatalf("results CSV lacks column %s: %v", col, recs[0])
		}
	}
	unsep := func(b []byte) string { return strings.ReplaceAll(html.UnescapeString(string(b)), ",", "") }
	for i, r := range rows {
		rec := recs[i+1]
		name := html.UnescapeString(string(r[1]))
		if strings.HasPrefix(name, "=") {
			name = "'" + name // csvcell.Safe: a spreadsheet shows it, does not run it
		}
		want := map[string]string{"unit_name": name, "band": string(r[2]), "result": html.UnescapeString(string(r[3])),
			"cases": unsep(r[4]), "events": unsep(r[5]), "expected": unsep(r[6]), "survival_percent": string(r[7]),
			"survival_low_percent": string(r[8]), "survival_high_percent": string(r[9]),
			"funnel": html.UnescapeString(string(r[10]))}
		for col, w := range want {
			if got := rec[head[col]]; got != w {
				t.Errorf("row %d %s: CSV %q, table %q", i+1, col, got, w)
			}
		}
	}
	if got := recs[2][head["unit_name"]]; got != "'=1+2 Zqexport" {
		t.Errorf("a name a spreadsheet would run is written %q, want it prefixed '", got)
	}
}

// TestSelfCheckExportImages checks the chart to keep: the SVG from the
// page's download form carries, as text, its heading, the specialty,
// procedure, period, release, source, the date made and the key of every
// band its units are in; the PNG of the same form decodes, at a size to
// print; and the API, given the same units with Accept: image/svg+xml or
// image/png, answers the same bytes, JSON otherwise, and a 400 for units
// on two funnels, which no one image draws.
func TestSelfCheckExportImages(t *testing.T) {
	var log syncBuffer
	srv := newServerLogging(t, demoDB, api.Config{}, &log)
	units, f, _ := exportUnits(t, srv)
	lines := strings.SplitAfter(string(units), "\n")
	oneFunnel := []byte(strings.Join(lines[:6], "")) // the header and the five surgeons
	body, ct := multipartBody(t, "units", "", oneFunnel)
	resp, svg := post(t, srv, "/self-check/funnel.svg", ct, body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("POST /self-check/funnel.svg = %d %s, want 200 image/svg+xml:\n%.1000s", resp.StatusCode,
			resp.Header.Get("Content-Type"), svg)
	}
	wantName := "self-check-" + f.Specialty + "-" + f.Procedure + "-" + strings.ReplaceAll(f.Period, "/", "-") +
		"-surgeons-2026-11-25.svg"
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="`+wantName+`"` {
		t.Errorf("Content-Disposition %q, want the attachment %s", cd, wantName)
	}
	var rel struct {
		Data []struct {
			Title  string `json:"title"`
			Source string `json:"source"`
		} `json:"data"`
	}
	getJSON(t, srv, "/api/v1/releases", &rel)
	var spName, procName string
	var info struct {
		Data struct {
			Name       string                        `json:"name"`
			Procedures []struct{ Slug, Name string } `json:"procedures"`
		} `json:"data"`
	}
	getJSON(t, srv, "/api/v1/specialties/"+f.Specialty, &info)
	spName = info.Data.Name
	for _, p := range info.Data.Procedures {
		if p.Slug == f.Procedure {
			procName = p.Name
		}
	}
	// The units' bands, from the API's JSON for the same units.
	var placed struct {
		Data []struct {
			Band string `json:"band"`
		} `json:"data"`
	}
	resp, js := postAccept(t, srv, "/api/v1/self-check", "text/csv", "", oneFunnel)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("POST /api/v1/self-check without Accept = %d %s, want JSON", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if err := json.Unmarshal(js, &placed); err != nil {
		t.Fatalf("self-check JSON: %v", err)
	}
	text := html.UnescapeString(string(svg))
	want := []string{"Team self-check", spName, procName, "Period: ", "Release: " + rel.Data[0].Title,
		"Source: " + rel.Data[0].Source, "Made 25 November 2026 12:00 UTC", "National average", "95% limits",
		"99.8% limits", "Zqexport Larkwisp"}
	for _, u := range placed.Data {
		w, _ := outcome.Words(outcome.Band(u.Band))
		want = append(want, w.Legend)
	}
	for _, w := range want {
		if w == "" || !strings.Contains(text, ">"+w) && !strings.Contains(text, w) {
			t.Errorf("downloaded SVG lacks %q", w)
		}
	}
	if !regexp.MustCompile(`<text[^>]*>[^<]*Period: [A-Z][a-z]+ \d{4}`).MatchString(text) {
		t.Error("downloaded SVG does not name its period in words as visible text")
	}

	body, ct = multipartBody(t, "units", "", oneFunnel)
	resp, pngBytes := post(t, srv, "/self-check/funnel.png", ct, body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" ||
		resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("POST /self-check/funnel.png = %d %s %s, want 200 image/png no-store", resp.StatusCode,
			resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 1000 || b.Dx() > 3000 || b.Dy() < 900 || b.Dy() > 3000 {
		t.Errorf("PNG is %d×%d, want one to print (1,000 to 3,000 pixels each way)", b.Dx(), b.Dy())
	}
	t.Logf("5 units: SVG %d bytes, PNG %d×%d, %d bytes", len(svg), img.Bounds().Dx(), img.Bounds().Dy(), len(pngBytes))

	for _, tc := range []struct {
		accept, wantType string
		want             []byte
	}{
		{"image/svg+xml", "image/svg+xml", svg},
		{"image/png", "image/png", pngBytes},
		{"application/json;q=0.5, image/png", "image/png", pngBytes},
		{"image/svg+xml;q=0.5, application/json", "application/json", nil},
		{"*/*", "application/json", nil},
	} {
		resp, b := postAccept(t, srv, "/api/v1/self-check", "text/csv", tc.accept, oneFunnel)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.wantType) {
			t.Errorf("POST /api/v1/self-check, Accept %s = %d %s, want 200 %s", tc.accept, resp.StatusCode,
				resp.Header.Get("Content-Type"), tc.wantType)
			continue
		}
		if tc.want != nil && !bytes.Equal(b, tc.want) {
			t.Errorf("POST /api/v1/self-check, Accept %s: %d bytes, not the site's %d", tc.accept, len(b), len(tc.want))
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("POST /api/v1/self-check, Accept %s: Cache-Control %q, want no-store", tc.accept, cc)
		}
	}
	resp, b := postAccept(t, srv, "/api/v1/self-check", "text/csv", "image/png", units)
	checkProblem(t, resp, b, http.StatusBadRequest)
	if !bytes.Contains(b, []byte("published funnels")) {
		t.Errorf("units on two funnels, as an image: problem %s does not say why", b)
	}
	srv.Close()
	if logged := log.String(); strings.Contains(logged, "Zqexport") {
		t.Errorf("log holds a submitted name:\n%.2000s", logged)
	}
}
