package api_test

import (
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// apiRow is the part of an API row these tests read.
type apiRow struct {
	UnitID    string  `json:"unit_id"`
	Specialty string  `json:"specialty"`
	Procedure string  `json:"procedure"`
	Period    string  `json:"period"`
	Cases     int     `json:"cases"`
	Events    int     `json:"events"`
	Expected  float64 `json:"expected"`
	Band      string  `json:"band"`
}

// resultSection returns the <section class="result"> of a unit's page for
// one specialty and procedure.
func resultSection(t testing.TB, page, specialty, procedure string) string {
	t.Helper()
	start := strings.Index(page, `<section class="result" aria-labelledby="g-`+specialty+"-"+procedure+`">`)
	if start < 0 {
		t.Fatalf("page has no result section for %s %s", specialty, procedure)
	}
	end := strings.Index(page[start:], "</section>")
	if end < 0 {
		t.Fatalf("result section for %s %s is not closed", specialty, procedure)
	}
	return page[start : start+end]
}

// TestPagesUnjudgedUnit checks a surgeon's and a hospital's result that is
// not judged (too_few): its counts (operations, deaths, expected deaths)
// and the band's own reason, and no survival figure, interval, "patients
// like these" frequency or interval bar; while a judged result keeps them.
func TestPagesUnjudgedUnit(t *testing.T) {
	srv := newServer(t, api.Config{})
	period := latestPeriod(t, srv, "vascular") // every demo specialty has the same periods
	reason := template.HTMLEscapeString(mustWords(t, outcome.TooFew).Meaning)
	for _, kind := range []struct{ plural, this string }{{"surgeons", "This surgeon, "}, {"hospitals", "This hospital, "}} {
		t.Run(kind.plural, func(t *testing.T) {
			var tooFew, judged *apiRow
			var page struct {
				Data []apiRow `json:"data"`
			}
			// The unit with the most deaths among those not judged: the
			// case where a survival percentage misleads most.
			getJSON(t, srv, "/api/v1/"+kind.plural+"?limit=1000&sort=-events&period="+url.QueryEscape(period), &page)
			for i := range page.Data {
				u := &page.Data[i]
				switch {
				case u.Band == string(outcome.TooFew) && tooFew == nil:
					tooFew = u
				case u.Band == string(outcome.Within) && judged == nil:
					judged = u
				}
			}
			if tooFew == nil || judged == nil {
				t.Fatalf("no %s both too few to judge and within the limits in %s: nothing to test", kind.plural, period)
			}
			check := func(u *apiRow, wantJudged bool) {
				t.Helper()
				path := "/" + kind.plural + "/" + url.PathEscape(u.UnitID)
				resp, body := get(t, srv, http.MethodGet, path)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s = %d", path, resp.StatusCode)
				}
				s := resultSection(t, string(body), u.Specialty, u.Procedure)
				counts := []string{"<dt>Operations</dt><dd>" + thousandsOf(u.Cases) + "</dd>",
					"<dt>Deaths</dt><dd>" + thousandsOf(u.Events) + "</dd>", "<dt><a href=\"/glossary#expected-deaths\">Expected deaths</a></dt><dd>"}
				for _, w := range counts {
					if !strings.Contains(s, w) {
						t.Errorf("GET %s (%s, %d operations, %d deaths): result lacks %q", path, u.Band, u.Cases, u.Events, w)
					}
				}
				figures := []string{"Risk-adjusted survival</a></dt>", "Likely range</a></dt>", "patients like these"}
				for _, w := range figures {
					if got := strings.Contains(s, w); got != wantJudged {
						t.Errorf("GET %s (%s): result contains %q = %v, want %v", path, u.Band, w, got, wantJudged)
					}
				}
				// One interval bar for each of the unit's judged periods
				// in this group; none for the others.
				var unit struct {
					Data struct {
						Results []apiRow `json:"results"`
					} `json:"data"`
				}
				getJSON(t, srv, "/api/v1"+path, &unit)
				bars := 0
				for _, r := range unit.Data.Results {
					if r.Specialty == u.Specialty && r.Procedure == u.Procedure && outcome.Assessed(outcome.Band(r.Band)) {
						bars++
					}
				}
				if got := strings.Count(s, ">"+kind.this); got != bars {
					t.Errorf("GET %s (%s): %d interval bars labelled %q, want %d (its judged periods)", path, u.Band, got, kind.this, bars)
				}
				if !wantJudged {
					if !strings.Contains(s, reason) {
						t.Errorf("GET %s (%s): result lacks the band's reason %q", path, u.Band, reason)
					}
					if regexp.MustCompile(`<dd>[0-9.]+%</dd>`).MatchString(s) {
						t.Errorf("GET %s (%s): result shows a percentage as a figure", path, u.Band)
					}
				}
			}
			check(tooFew, false)
			check(judged, true)
		})
	}
}

// unitRowRE matches a row of a funnel's table (site/tablehtml.go): id,
// band, operations, deaths, expected, survival.
var unitRowRE = regexp.MustCompile(`<tr[^>]*><th scope="row"><a href="/(?:surgeons|hospitals)/([^"]+)">[^<]*</a>` +
	`<td class="b b-([a-z_]+)">[^<]*<td>([^<]*)<td>([^<]*)<td>([^<]*)<td>(.*?)(?:<td>|\n)`)

// TestSpecialtyTablesJudgedFirst checks the specialty page's tables: every
// unit of the funnel once; the judged units first, each with a survival
// figure; then, in a table of their own after them, those too few to
// judge, each with its counts and a dash for survival; and the funnel's
// points in the same order, so the keyboard meets them as the tables list
// them.
func TestSpecialtyTablesJudgedFirst(t *testing.T) {
	srv := newServer(t, api.Config{})
	for _, unit := range []string{"surgeon", "hospital"} {
		t.Run(unit, func(t *testing.T) {
			const slug = "vascular"
			period := latestPeriod(t, srv, slug)
			var page struct {
				Data []apiRow `json:"data"`
			}
			// The page shows vascular's headline procedure, aaa, beside which
			// the demo has open and evar.
			getJSON(t, srv, "/api/v1/specialties/"+slug+"/"+unit+"s?limit=1000&procedure=aaa&period="+url.QueryEscape(period), &page)
			want := map[string]apiRow{}
			for _, u := range page.Data {
				want[u.UnitID] = u
			}
			path := "/specialties/" + slug + "?unit=" + unit + "&period=" + url.QueryEscape(period)
			resp, body := get(t, srv, http.MethodGet, path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d", path, resp.StatusCode)
			}
			s := string(body)
			rows := unitRowRE.FindAllStringSubmatch(s, -1)
			if len(rows) != len(want) {
				t.Fatalf("GET %s: %d table rows, want %d (the API's units)", path, len(rows), len(want))
			}
			var order []string
			tooFewSeen, tooFew := false, 0
			for _, r := range rows {
				id, band, cases, events, expected, survival := r[1], r[2], r[3], r[4], r[5], r[6]
				u, ok := want[id]
				if !ok {
					t.Errorf("row %s is not a unit of the funnel", id)
					continue
				}
				order = append(order, id)
				if band != u.Band {
					t.Errorf("row %s: band %s, want the API's %s", id, band, u.Band)
				}
				if cases != thousandsOf(u.Cases) || events != thousandsOf(u.Events) || expected == "" {
					t.Errorf("row %s: %s operations, %s deaths, %s expected; want %d, %d and a figure", id, cases, events, expected, u.Cases, u.Events)
				}
				judged := outcome.Assessed(outcome.Band(band))
				switch {
				case judged && tooFewSeen:
					t.Errorf("row %s (%s) comes after a unit too few to judge, want the judged units first", id, band)
				case judged && !strings.Contains(survival, "%"):
					t.Errorf("row %s (%s): survival cell %q, want a percentage", id, band, survival)
				case !judged && (strings.Contains(survival, "%") || !strings.HasPrefix(survival, "—")):
					t.Errorf("row %s (%s): survival cell %q, want a dash, no percentage", id, band, survival)
				}
				if !judged {
					tooFewSeen = true
					tooFew++
				}
			}
			if tooFew > 0 {
				if n := strings.Count(s, `<table class="units`); n != 2 {
					t.Errorf("GET %s: %d tables of units, want 2 (judged, then too few to judge)", path, n)
				}
				if !strings.Contains(s, `id="too-few"`) || !strings.Contains(s, ": too few to judge, A–Z</caption>") {
					t.Errorf("GET %s: no heading or caption for the units too few to judge", path)
				}
			}
			var points []string
			for _, m := range regexp.MustCompile(`data-unit-id="([^"]+)"`).FindAllStringSubmatch(s, -1) {
				points = append(points, m[1])
			}
			if !slices.Equal(points, order) {
				t.Errorf("GET %s: funnel points' order differs from the tables' (%d points, %d rows)", path, len(points), len(order))
			}
		})
	}
}

// TestHospitalSurgeonsJudgedFirst checks the hospital page's tables of
// surgeons, one for each specialty: in each, judged surgeons first, with a
// survival figure, then those too few to judge, with a dash; the verdict
// beside the name.
func TestHospitalSurgeonsJudgedFirst(t *testing.T) {
	srv := newServer(t, api.Config{})
	const path = "/hospitals/ZZ125"
	resp, body := get(t, srv, http.MethodGet, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", path, resp.StatusCode)
	}
	s := string(body)
	i := strings.Index(s, "Surgeons with results at this hospital")
	if i < 0 {
		t.Fatalf("GET %s: no table of surgeons", path)
	}
	s = s[i:]
	// One table for each specialty, each judged first.
	tables := strings.Split(s[:strings.LastIndex(s, "</table>")], "</table>")
	if len(tables) < 2 {
		t.Fatalf("GET %s: %d tables of surgeons, want one for each specialty", path, len(tables))
	}
	re := regexp.MustCompile(`<tr><th scope="row"><a href="/surgeons/([^"]+)">[^<]*</a></th><td><span class="band band-([a-z_]+)">.*?<td class="num">([^<]*(?:<span[^>]*>[^<]*</span>)?)</td></tr>`)
	var rows [][]string
	var tooFewSeen []bool // of each row: whether one too few to judge came before it in its table
	for _, table := range tables {
		seen := false
		for _, r := range re.FindAllStringSubmatch(table, -1) {
			rows = append(rows, r)
			tooFewSeen = append(tooFewSeen, seen)
			seen = seen || !outcome.Assessed(outcome.Band(r[2]))
		}
	}
	if len(rows) == 0 {
		t.Fatalf("GET %s: no rows in the surgeons' table, or the verdict is not beside the name", path)
	}
	judged, tooFew := 0, 0
	for k, r := range rows {
		id, band, survival := r[1], outcome.Band(r[2]), r[3]
		if outcome.Assessed(band) {
			judged++
			if tooFewSeen[k] {
				t.Errorf("surgeon %s (%s) comes after one too few to judge", id, band)
			}
			if !strings.HasSuffix(survival, "%") {
				t.Errorf("surgeon %s (%s): survival %q, want a percentage", id, band, survival)
			}
		} else {
			tooFew++
			if strings.Contains(survival, "%") || !strings.HasPrefix(survival, "—") {
				t.Errorf("surgeon %s (%s): survival %q, want a dash", id, band, survival)
			}
		}
	}
	if judged == 0 || tooFew == 0 {
		t.Errorf("GET %s: %d judged and %d too few to judge, want some of each to test the order", path, judged, tooFew)
	}
}

// TestPagesNoCtrlOrArrows checks the words and styles a phone user meets:
// no page says to hold Ctrl or ⌘, and the stylesheet draws no verdict as
// a ▼ or ▲, which look like drop-downs.
func TestPagesNoCtrlOrArrows(t *testing.T) {
	srv := newServer(t, api.Config{})
	var css string
	for _, p := range []string{"/specialties/adult-cardiac", "/specialties/vascular?unit=hospital", "/surgeons/9000017",
		"/hospitals/ZZ125", "/search?q=pebbleton", "/self-check", "/methodology"} {
		_, body := get(t, srv, http.MethodGet, p)
		for _, w := range []string{"Ctrl", "⌘"} {
			if strings.Contains(string(body), w) {
				t.Errorf("GET %s: page says %q", p, w)
			}
		}
		if m := regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)">`).FindSubmatch(body); m != nil {
			css = string(m[1])
		}
	}
	if css == "" {
		t.Fatal("no stylesheet linked")
	}
	_, body := get(t, srv, http.MethodGet, css)
	for _, w := range []string{"▼", "▲", "▽", "△"} {
		if strings.Contains(string(body), w) {
			t.Errorf("stylesheet %s draws %q", css, w)
		}
	}
}

// mustWords returns a band's words.
func mustWords(t testing.TB, b outcome.Band) outcome.BandWords {
	t.Helper()
	w, ok := outcome.Words(b)
	if !ok {
		t.Fatalf("no words for band %s", b)
	}
	return w
}

// thousandsOf writes a count as the pages do, with thousands separators.
func thousandsOf(n int) string {
	s := []byte(strconv.Itoa(n))
	var out []byte
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	return string(out)
}
