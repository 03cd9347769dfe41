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
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// hiddenResults finds the results export form's units.
var hiddenResults = regexp.MustCompile(`<form action="/self-check/results.csv\?release=demo"[^>]*>\s*<input type="hidden" name="units" value="([^"]*)">`)

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
		if !bytes.Contains(page, []byte(`formaction="/self-check/results.csv?release=demo"`)) {
			t.Fatal("page has no results export")
		}
		m = hiddenUnits.FindSubmatch(page)
	}
	body, ct = multipartBody(t, "units", "", []byte(html.UnescapeString(string(m[1]))))
	// The form names the release the page placed the units in.
	resp, out := post(t, srv, "/self-check/results.csv?release=demo", ct, body)
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
	resp, js := post(t, srv, "/api/v1/self-check", "text/csv", oneFunnel)
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
		resp, b := post(t, srv, "/api/v1/self-check", "text/csv", oneFunnel, "Accept", tc.accept)
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
	resp, b := post(t, srv, "/api/v1/self-check", "text/csv", units, "Accept", "image/png")
	checkProblem(t, resp, b, http.StatusBadRequest)
	if !bytes.Contains(b, []byte("published funnels")) {
		t.Errorf("units on two funnels, as an image: problem %s does not say why", b)
	}
	srv.Close()
	if logged := log.String(); strings.Contains(logged, "Zqexport") {
		t.Errorf("log holds a submitted name:\n%.2000s", logged)
	}
}

// selectOptions are the values of the options of the select with id, in
// order, and the one selected ("" if none).
func selectOptions(t *testing.T, page []byte, id string) (values []string, selected string) {
	t.Helper()
	m := regexp.MustCompile(`(?s)<select id="` + id + `"[^>]*>(.*?)</select>`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("page has no select #%s", id)
	}
	for _, o := range regexp.MustCompile(`<option value="([^"]*)"( selected)?>`).FindAllSubmatch(m[1], -1) {
		values = append(values, html.UnescapeString(string(o[1])))
		if len(o[2]) > 0 {
			selected = html.UnescapeString(string(o[1]))
		}
	}
	return values, selected
}

// TestSelfCheckFormLists checks that the form's procedure and period are
// picked from the release's lists, not typed: the procedure list holds
// exactly the release's procedures, each with its specialty, and the
// period list exactly its periods; a procedure from the list places the
// unit where the bare code (the form's parameter before the list) does,
// and stays selected on the results page; and a procedure of another
// specialty than the one chosen is refused, in words, at the field.
func TestSelfCheckFormLists(t *testing.T) {
	srv := newServer(t, api.Config{})
	resp, page := get(t, srv, http.MethodGet, "/self-check")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /self-check = %d", resp.StatusCode)
	}
	if bytes.Contains(page, []byte(`type="text" id="procedure"`)) {
		t.Error("procedure is still a text box")
	}
	procs, _ := selectOptions(t, page, "procedure")
	periods, _ := selectOptions(t, page, "period")
	var want []string
	for _, f := range releaseFunnels(t, srv) {
		if v := f.Specialty + ":" + f.Procedure; !slices.Contains(want, v) {
			want = append(want, v)
		}
	}
	if got := procs[1:]; procs[0] != "" || !sameSet(got, want) {
		t.Errorf("procedure list %v, want the main procedure first, then the release's %v", procs, want)
	}
	var rel struct {
		Data []struct {
			Periods []string `json:"periods"`
		} `json:"data"`
	}
	getJSON(t, srv, "/api/v1/releases", &rel)
	if got := periods[1:]; periods[0] != "" || !sameSet(got, rel.Data[0].Periods) {
		t.Errorf("period list %v, want latest first, then the release's %v", periods, rel.Data[0].Periods)
	}

	form := func(procedure string) (*http.Response, []byte) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for k, v := range map[string]string{"specialty": "vascular", "procedure": procedure, "unit_type": "hospital",
			"cases": "120", "events": "4", "expected": "3.1"} {
			if err := mw.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
		if err := mw.Close(); err != nil {
			t.Fatal(err)
		}
		return post(t, srv, "/self-check", mw.FormDataContentType(), b.Bytes())
	}
	heading := regexp.MustCompile(`<h2><bdi>Your figures</bdi>: [^<]*</h2>\s*<p class="verdict">[^<]*</p>`)
	_, byCode := form("open")
	resp, byList := form("vascular:open")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /self-check with procedure vascular:open = %d", resp.StatusCode)
	}
	if a, b := heading.Find(byCode), heading.Find(byList); a == nil || !bytes.Equal(a, b) ||
		!bytes.Contains(a, []byte("Open AAA repair")) {
		t.Errorf("procedure from the list placed the unit as\n%s\nthe bare code as\n%s\nwant both on Open AAA repair", b, a)
	}
	if _, sel := selectOptions(t, byList, "procedure"); sel != "vascular:open" {
		t.Errorf("results page selects procedure %q, want vascular:open as chosen", sel)
	}
	if _, sel := selectOptions(t, byCode, "procedure"); sel != "vascular:open" {
		t.Errorf("results page for procedure=open selects %q, want vascular:open", sel)
	}
	resp, bad := form("adult-cardiac:cabg")
	if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(bad, []byte(`<a href="#procedure">Procedure</a>: `)) ||
		!bytes.Contains(bad, []byte("is a procedure of Adult cardiac surgery")) {
		t.Errorf("a procedure of another specialty = %d, want 400 saying so at the field:\n%.2000s", resp.StatusCode, bad)
	}
}

// sameSet reports whether a and b hold the same strings, each once.
func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y) && len(slices.Compact(x)) == len(a)
}
