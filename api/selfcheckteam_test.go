package api_test

// Tests of the self-check's team view (issue 11 point 2): however many
// units a hospital sends, the page draws each funnel they sit on once, at
// most a handful, and lists every unit in one table, within 2 MB for the
// 1,000 units a self-check takes.

import (
	"bytes"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// teamPageBudget is the most a self-check page for 1,000 units may weigh,
// before compression.
const teamPageBudget = 2_000_000

// teamMaxDrawn is how many funnels the page draws at most (the site's
// maxDrawnFunnels).
const teamMaxDrawn = 4

// teamMaxNamed is the most units a self-check chart names beside their
// points (the site's maxNamedUnits).
const teamMaxNamed = 40

// teamFunnel is one published funnel, as a self-check row names it.
type teamFunnel struct {
	Specialty, Procedure, Period, UnitType string
	Units                                  int
}

// releaseFunnels lists every funnel of the served release, through the
// API.
func releaseFunnels(t testing.TB, srv *httptest.Server) []teamFunnel {
	t.Helper()
	var out []teamFunnel
	for _, slug := range specialtySlugs(t, srv) {
		for _, f := range specialty(t, srv, slug).Funnels {
			out = append(out, teamFunnel{Specialty: slug, Procedure: f.Procedure, Period: f.Period, UnitType: f.UnitType,
				Units: f.Units})
		}
	}
	if len(out) < teamMaxDrawn+1 {
		t.Fatalf("release has %d funnels; the test needs more than %d", len(out), teamMaxDrawn)
	}
	return out
}

// teamCSV is a canonical CSV of n units, unit i on funnels[i%len(funnels)]
// and named name(i) (an empty name is left out), with deterministic,
// realistic figures: every demo funnel is risk-adjusted, so each has
// expected deaths.
func teamCSV(funnels []teamFunnel, n int, name func(i int) string) []byte {
	var b bytes.Buffer
	b.WriteString("specialty,procedure,period,unit_type,unit_name,cases,events,expected\n")
	next := sequence(7)
	for i := range n {
		f := funnels[i%len(funnels)]
		cases := 20 + int(next()*500)
		expected := float64(cases) * (0.005 + 0.04*next())
		events := min(cases, int(expected*(0.3+1.5*next())))
		nm := name(i)
		if strings.ContainsAny(nm, "\",\n") {
			nm = `"` + strings.ReplaceAll(nm, `"`, `""`) + `"`
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%d,%d,%.3f\n", f.Specialty, f.Procedure, f.Period, f.UnitType, nm, cases, events,
			expected)
	}
	return b.Bytes()
}

// multipartBody is a multipart form of one field: a file upload when
// filename is not empty, else a plain value.
func multipartBody(t testing.TB, field, filename string, value []byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	var err error
	if filename != "" {
		w, e := mw.CreateFormFile(field, filename)
		if e == nil {
			_, e = w.Write(value)
		}
		err = e
	} else {
		err = mw.WriteField(field, string(value))
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		t.Fatalf("multipart body: %v", err)
	}
	return b.Bytes(), mw.FormDataContentType()
}

// hiddenUnits finds the download forms' units, unescaped as a browser
// sends them.
var hiddenUnits = regexp.MustCompile(`<form action="/self-check/funnel.svg\?release=[^"]*"[^>]*>\s*<input type="hidden" name="units" value="([^"]*)">`)

// TestSelfCheckTeamPage posts 1,000 units as a hospital would upload them,
// in three shapes: all on one funnel, spread over every funnel of the
// release, and on the largest funnel with the longest names of quotes the
// checks allow (the most escaping). Each page must weigh at most 2 MB,
// draw each funnel once, at most teamMaxDrawn, with every unit of a drawn
// funnel on it, and list every unit in one table; each chart's download
// form must send its units back under the 1 MB body limit and get that
// chart, all its units on it; the API's JSON for the same units must also
// be within 2 MB; and no name may reach the log.
func TestSelfCheckTeamPage(t *testing.T) {
	var log syncBuffer
	srv := newServerLogging(t, demoDB, api.Config{}, &log)
	funnels := releaseFunnels(t, srv)
	largest := funnels[0]
	for _, f := range funnels {
		if f.Units > largest.Units {
			largest = f
		}
	}
	const n = 1000
	// Every tenth unit has no name: the page calls it "Unit N".
	named := func(i int) string {
		if i%10 == 0 {
			return ""
		}
		return fmt.Sprintf("Zqteam unit %d", i+1)
	}
	quotes := func(int) string { return strings.Repeat(`"`, 200) }
	for _, tc := range []struct {
		name    string
		funnels []teamFunnel
		unit    func(i int) string
	}{
		{"one funnel", funnels[:1], named},
		{"every funnel", funnels, named},
		{"largest funnel, names of quotes", []teamFunnel{largest}, quotes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			csv := teamCSV(tc.funnels, n, tc.unit)
			body, ct := multipartBody(t, "file", "ours.csv", csv)
			resp, page := post(t, srv, "/self-check", ct, body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("POST /self-check with %d units = %d, want 200:\n%.2000s", n, resp.StatusCode, page)
			}
			t.Logf("%d units on %d funnels: upload %d bytes, page %d bytes", n, len(tc.funnels), len(body), len(page))
			if len(page) > teamPageBudget {
				t.Errorf("page weighs %d bytes, want at most %d", len(page), teamPageBudget)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
			drawn := min(len(tc.funnels), teamMaxDrawn)
			if got := bytes.Count(page, []byte("<svg")); got != drawn {
				t.Errorf("page draws %d charts, want %d", got, drawn)
			}
			if got := bytes.Count(page, []byte(`<svg`)) - bytes.Count(page, []byte(`class="funnel"`)); got != 0 {
				t.Errorf("%d charts are not funnels", got)
			}
			if got := bytes.Count(page, []byte(`<th scope="row">`)); got != n {
				t.Errorf("table has %d rows, want one per unit, %d", got, n)
			}
			if got := bytes.Count(page, []byte(`<table`)); got != 1 {
				t.Errorf("page has %d tables, want one", got)
			}
			// Units on drawn funnels, each a point of its own.
			onDrawn := 0
			for i := range n {
				if i%len(tc.funnels) < drawn {
					onDrawn++
				}
			}
			if got := bytes.Count(page, []byte(`data-unit-id="self-check-`)); got != onDrawn {
				t.Errorf("charts carry %d of your units, want the %d on the funnels drawn", got, onDrawn)
			}
			// A chart names its units beside their points when it has
			// teamMaxNamed or fewer; past that, their names are in their
			// summaries and the table.
			perChart, labels := make([]int, drawn), 0
			for i := range n {
				if k := i % len(tc.funnels); k < drawn {
					perChart[k]++
				}
			}
			for _, m := range perChart {
				if m <= teamMaxNamed {
					labels += m
				}
			}
			if got := bytes.Count(page, []byte(`class="highlight-label"`)); got != labels {
				t.Errorf("charts name %d units beside their points, want %d (charts of %v units, naming at most %d)",
					got, labels, perChart, teamMaxNamed)
			}
			if len(tc.funnels) > drawn && !bytes.Contains(page, []byte("upload its units on their own")) {
				t.Error("page draws some funnels only, and does not say how to see the others")
			}
			if tc.unit(0) == "" && !bytes.Contains(page, []byte(`<th scope="row">Unit 1<`)) {
				t.Error(`a unit without a name is not listed as "Unit 1"`)
			}

			// The API's answer to the same units: one JSON row each.
			if resp, b := post(t, srv, "/api/v1/self-check", "text/csv", csv); resp.StatusCode != http.StatusOK ||
				len(b) > teamPageBudget {
				t.Errorf("POST /api/v1/self-check with the same %d units = %d, %d bytes; want 200 within %d bytes",
					n, resp.StatusCode, len(b), teamPageBudget)
			} else {
				t.Logf("the API's JSON for the same units: %d bytes", len(b))
			}

			forms := hiddenUnits.FindAllSubmatch(page, -1)
			if len(forms) != drawn {
				t.Fatalf("page has %d download forms, want one per chart, %d", len(forms), drawn)
			}
			for k, m := range forms {
				units := html.UnescapeString(string(m[1]))
				want := strings.Count(units, "\n") - 1 // the header
				if tc.unit(0) == "" && k == 0 && !strings.Contains(units, ",Unit 1,") {
					t.Errorf("download form %d does not name its first unit as the page does, Unit 1", k)
				}
				body, ct := multipartBody(t, "units", "", []byte(units))
				if len(body) >= 1_000_000 {
					t.Errorf("download form %d sends %d bytes, over the 1 MB body limit", k, len(body))
				}
				resp, svg := post(t, srv, "/self-check/funnel.svg", ct, body)
				if k == 0 {
					t.Logf("download of chart 1 (%d units): request %d bytes, SVG %d bytes", want, len(body), len(svg))
				}
				if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" ||
					resp.Header.Get("Cache-Control") != "no-store" ||
					!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
					t.Fatalf("POST /self-check/funnel.svg (chart %d) = %d %s, %s, %s; want 200 image/svg+xml, no-store, an attachment:\n%.500s",
						k+1, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"),
						resp.Header.Get("Content-Disposition"), svg)
				}
				if got := bytes.Count(svg, []byte(`data-unit-id="self-check-`)); got != want {
					t.Errorf("downloaded chart %d carries %d units, want its %d", k+1, got, want)
				}
				if !bytes.Contains(page, svgTitle(svg)) {
					t.Errorf("downloaded chart %d is not a funnel the page draws (title %s)", k+1, svgTitle(svg))
				}
			}
		})
	}
	srv.Close() // waits for every request, and so its log line
	if logged := log.String(); strings.Contains(logged, "Zqteam") || strings.Contains(logged, `""""`) {
		t.Errorf("log holds a submitted name:\n%.2000s", logged)
	}
}

// svgTitle is a chart's accessible name, its <title>.
func svgTitle(svg []byte) []byte {
	m := regexp.MustCompile(`<title[^>]*>([^<]*)</title>`).FindSubmatch(svg)
	if m == nil {
		return []byte("no title")
	}
	return m[1]
}

// TestSelfCheckTeamOneUnit checks that a single unit still reads as it
// did: the verdict, its figures and the chart with its point, and no
// table, which would only repeat them.
func TestSelfCheckTeamOneUnit(t *testing.T) {
	srv := newServer(t, api.Config{})
	funnels := releaseFunnels(t, srv)
	body, ct := multipartBody(t, "file", "ours.csv", teamCSV(funnels[:1], 1, func(int) string { return "Our unit" }))
	resp, page := post(t, srv, "/self-check", ct, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /self-check with one unit = %d, want 200", resp.StatusCode)
	}
	for _, want := range []string{`<p class="verdict">`, `<dl class="figures`, `data-unit-id="self-check-1"`,
		`<h2><bdi>Our unit</bdi>: `, "Download this chart (SVG)"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("one unit's page lacks %s", want)
		}
	}
	if bytes.Contains(page, []byte("<table")) {
		t.Error("one unit's page has a table; its figures are shown already")
	}
}

// BenchmarkSelfCheckTeamPage renders the self-check page for 1,000 units
// through the handler (no network): all on one funnel, and spread over
// every funnel of the demo release.
func BenchmarkSelfCheckTeamPage(b *testing.B) {
	srv := newServer(b, api.Config{})
	h := srv.Config.Handler
	funnels := releaseFunnels(b, srv)
	name := func(i int) string { return fmt.Sprintf("Unit name %d", i+1) }
	for _, bc := range []struct {
		name    string
		funnels []teamFunnel
	}{{"one-funnel", funnels[:1]}, {"every-funnel", funnels}} {
		b.Run(bc.name, func(b *testing.B) {
			body, ct := multipartBody(b, "file", "ours.csv", teamCSV(bc.funnels, 1000, name))
			serve := func() *httptest.ResponseRecorder {
				req := httptest.NewRequest(http.MethodPost, "/self-check", bytes.NewReader(body))
				req.Header.Set("Content-Type", ct)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
				return rec
			}
			b.SetBytes(int64(serve().Body.Len()))
			b.ReportAllocs()
			for b.Loop() {
				serve()
			}
		})
	}
}
