package api_test

// Handler tests of finding people (issue 10, point 7): the hospital
// index, search with hospitals first, true counts and suggestions, and the
// pages for an unknown period or id. Each is checked against the API's
// own answers for the same release, so a count on a page is the count of
// rows a reader could download.

import (
	"encoding/csv"
	"html"
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

// hrefs lists a page's links, unescaped, that match re whole, in order.
func hrefs(body []byte, re string) []string {
	match := regexp.MustCompile(`^(` + re + `)$`)
	var out []string
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllSubmatch(body, -1) {
		if h := html.UnescapeString(string(m[1])); match.MatchString(h) {
			out = append(out, h)
		}
	}
	return out
}

// pageText is a page's main content as text, tags removed, spaces
// collapsed, entities unescaped.
func pageText(body []byte) string {
	s := string(body)
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	if i := strings.Index(s, "</main>"); i >= 0 {
		s = s[:i]
	}
	s = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(s, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

// csvUnits is the distinct unit ids of an API CSV answer.
func csvUnits(t *testing.T, srv *httptest.Server, path string) []string {
	t.Helper()
	resp, body := get(t, srv, http.MethodGet, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", path, resp.StatusCode)
	}
	recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	col := slices.Index(recs[0], "unit_id")
	var ids []string
	for _, r := range recs[1:] {
		if !slices.Contains(ids, r[col]) {
			ids = append(ids, r[col])
		}
	}
	slices.Sort(ids)
	return ids
}

// TestHospitalsPage checks the hospital index: every hospital the API
// lists, once, A–Z, each linking to a page that exists, under letter
// headings the jump links reach; and the site's navigation and home page
// link to it.
func TestHospitalsPage(t *testing.T) {
	srv := newServer(t, api.Config{})
	resp, body := get(t, srv, http.MethodGet, "/hospitals")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /hospitals = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	want := csvUnits(t, srv, "/api/v1/hospitals.csv")
	var got []string
	for _, h := range hrefs(body, `/hospitals/[^"]+`) {
		got = append(got, strings.TrimPrefix(h, "/hospitals/"))
	}
	if len(got) != 30 || !slices.Equal(slices.Sorted(slices.Values(got)), want) {
		t.Fatalf("/hospitals links %d hospitals %v, want the API's %d %v", len(got), got, len(want), want)
	}
	// A–Z by the names the links show.
	names := regexp.MustCompile(`<a href="/hospitals/[^"]+">([^<]+)</a>`).FindAllSubmatch(body, -1)
	for i := 1; i < len(names); i++ {
		if strings.ToLower(string(names[i-1][1])) > strings.ToLower(string(names[i][1])) {
			t.Errorf("/hospitals: %q listed before %q", names[i-1][1], names[i][1])
		}
	}
	// Every jump link reaches a heading, and every heading has one.
	jumps := hrefs(body, `#letter-[a-z]+`)
	ids := regexp.MustCompile(`<h2 id="(letter-[a-z]+)"`).FindAllSubmatch(body, -1)
	if len(jumps) == 0 || len(jumps) != len(ids) {
		t.Fatalf("/hospitals: %d jump links, %d letter headings", len(jumps), len(ids))
	}
	for i, j := range jumps {
		if j != "#"+string(ids[i][1]) {
			t.Errorf("/hospitals: jump link %d is %s, heading %s", i, j, ids[i][1])
		}
	}
	text := pageText(body)
	for _, w := range []string{"30 hospitals", "Little Pebbleton Hospital (ZZ124)", "Adult cardiac surgery"} {
		if !strings.Contains(text, w) {
			t.Errorf("/hospitals lacks %q", w)
		}
	}
	// Each hospital's page exists.
	for _, id := range got[:3] {
		if resp, _ := get(t, srv, http.MethodGet, "/hospitals/"+id); resp.StatusCode != http.StatusOK {
			t.Errorf("GET /hospitals/%s = %d", id, resp.StatusCode)
		}
	}
	for _, path := range []string{"/", "/search", "/surgeons/9000017"} {
		_, body := get(t, srv, http.MethodGet, path)
		if !slices.Contains(hrefs(body, `/hospitals`), "/hospitals") {
			t.Errorf("GET %s: no link to /hospitals", path)
		}
	}
	if !strings.Contains(string(body), `<a href="/hospitals" aria-current="page">`) {
		t.Errorf("/hospitals: the navigation does not mark Hospitals as the current page")
	}
}

// TestSearchPage checks the search page: hospitals before surgeons, true
// counts beside a list cut at 50, all of them on request, a hospital and
// specialty read from plain words, suggestions for a misspelt name that
// lead to it, and no empty end.
func TestSearchPage(t *testing.T) {
	srv := newServer(t, api.Config{})

	// "pebbleton": the hospital first, then its surgeons, every one
	// counted though 50 are listed.
	surgeons := csvUnits(t, srv, "/api/v1/surgeons.csv?q=pebbleton")
	if len(surgeons) <= 50 {
		t.Fatalf("the API finds %d surgeons for pebbleton; the test needs more than 50", len(surgeons))
	}
	_, body := get(t, srv, http.MethodGet, "/search?q=pebbleton")
	text := pageText(body)
	if want := "1 hospital and " + strconv.Itoa(len(surgeons)) + " surgeons"; !strings.Contains(text, want) {
		t.Errorf("/search?q=pebbleton lacks %q: %s", want, text)
	}
	s := string(body)
	if h, sg := strings.Index(s, `href="/hospitals/ZZ124"`), strings.Index(s, `href="/surgeons/`); h < 0 || sg < 0 || h > sg {
		t.Errorf("/search?q=pebbleton: hospital ZZ124 at %d, first surgeon at %d; want the hospital first", h, sg)
	}
	if n := len(hrefs(body, `/surgeons/[0-9]+`)); n != 50 {
		t.Errorf("/search?q=pebbleton lists %d surgeons, want the first 50", n)
	}
	all := hrefs(body, `/search\?[^"]*all=1[^"]*`)
	if len(all) != 2 || all[0] != all[1] || !strings.Contains(text, "Show all "+strconv.Itoa(len(surgeons))+" surgeons") {
		t.Fatalf("/search?q=pebbleton: show-all links %v", all)
	}
	_, body = get(t, srv, http.MethodGet, all[0])
	var listed []string
	for _, h := range hrefs(body, `/surgeons/[0-9]+`) {
		listed = append(listed, strings.TrimPrefix(h, "/surgeons/"))
	}
	if slices.Sort(listed); !slices.Equal(listed, surgeons) {
		t.Errorf("GET %s lists %d surgeons, want the API's %d", all[0], len(listed), len(surgeons))
	}
	// Or narrowed to one specialty.
	_, body = get(t, srv, http.MethodGet, "/search?q=pebbleton")
	if narrow := hrefs(body, `/search\?q=pebbleton\+adult-cardiac`); len(narrow) != 1 {
		t.Errorf("/search?q=pebbleton offers no narrowing to adult cardiac surgery")
	}

	// "pebbleton heart": the hospital, its heart surgeons on their chart,
	// and exactly the API's adult cardiac surgeons there.
	cardiac := csvUnits(t, srv, "/api/v1/surgeons.csv?q=pebbleton&specialty=adult-cardiac")
	_, body = get(t, srv, http.MethodGet, "/search?q=pebbleton+heart")
	text = pageText(body)
	if !strings.Contains(text, "in Adult cardiac surgery: 1 hospital and "+strconv.Itoa(len(cardiac))+" surgeons") {
		t.Errorf("/search?q=pebbleton+heart: %s", text)
	}
	if !slices.Contains(hrefs(body, `/specialties/adult-cardiac\?hospital=ZZ124`), "/specialties/adult-cardiac?hospital=ZZ124") {
		t.Errorf("/search?q=pebbleton+heart: no link to Little Pebbleton's surgeons on the adult cardiac chart")
	}
	listed = nil
	for _, h := range hrefs(body, `/surgeons/[0-9]+`) {
		listed = append(listed, strings.TrimPrefix(h, "/surgeons/"))
	}
	if slices.Sort(listed); len(cardiac) == 0 || !slices.Equal(listed, cardiac) {
		t.Errorf("/search?q=pebbleton+heart lists %v, want the API's %v", listed, cardiac)
	}
	if !strings.Contains(string(body), `href="/api/v1/surgeons?q=pebbleton&amp;specialty=adult-cardiac"`) {
		t.Errorf("/search?q=pebbleton+heart: its JSON twin is not the API's same search")
	}

	// A misspelt surname: a suggestion that leads to the surgeon.
	_, body = get(t, srv, http.MethodGet, "/search?q=Acornburow")
	text = pageText(body)
	sugg := hrefs(body, `/search\?q=[^"]+`)
	if !strings.Contains(text, "No surgeon or hospital matches “Acornburow”") || !strings.Contains(text, "Did you mean") ||
		len(sugg) == 0 || sugg[0] != "/search?q=Acornburrow" {
		t.Fatalf("/search?q=Acornburow: suggestions %v; %s", sugg, text)
	}
	if _, body = get(t, srv, http.MethodGet, sugg[0]); !slices.Contains(hrefs(body, `/surgeons/[0-9]+`), "/surgeons/9000058") {
		t.Errorf("GET %s does not find Ms Ysolde Acornburrow (9000058)", sugg[0])
	}

	// Nothing found and nothing near: still the ways on.
	for _, q := range []string{"zzzzzz", "heart"} {
		_, body = get(t, srv, http.MethodGet, "/search?q="+url.QueryEscape(q))
		links := hrefs(body, `/(hospitals|specialties/[a-z-]+)`)
		if !slices.Contains(links, "/hospitals") || !slices.Contains(links, "/specialties/adult-cardiac") ||
			!slices.Contains(links, "/specialties/interventional-cardiology") {
			t.Errorf("/search?q=%s: links %v; want the hospital index and every specialty", q, links)
		}
	}
	if _, body = get(t, srv, http.MethodGet, "/search?q=heart"); !strings.Contains(pageText(body), "“heart” is a kind of surgery, not a name: see Adult cardiac surgery") {
		t.Errorf("/search?q=heart does not point to adult cardiac surgery: %s", pageText(body))
	}
}

// TestUnknownPages checks the pages for what the release does not have: a
// period lists the periods there are, each a working link; an unknown
// surgeon or hospital says which id was asked for and offers search.
func TestUnknownPages(t *testing.T) {
	srv := newServer(t, api.Config{})
	const path = "/specialties/adult-cardiac?period=1999-01/2000-01&unit=hospital"
	resp, body := get(t, srv, http.MethodGet, path)
	text := pageText(body)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(text, "no Adult cardiac surgery results for the period “1999-01/2000-01”") ||
		strings.Contains(text, "This release has no results for Adult cardiac surgery") {
		t.Fatalf("GET %s = %d: %s", path, resp.StatusCode, text)
	}
	links := hrefs(body, `/specialties/adult-cardiac\?[^"]+`)
	want := []string{"/specialties/adult-cardiac?period=2022-04%2F2025-03&unit_type=hospital",
		"/specialties/adult-cardiac?period=2021-04%2F2024-03&unit_type=hospital"}
	if !slices.Equal(links, want) {
		t.Errorf("GET %s links %v, want %v (newest first, the view kept)", path, links, want)
	}
	for _, l := range links {
		if resp, _ := get(t, srv, http.MethodGet, l); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", l, resp.StatusCode)
		}
	}
	for _, tt := range []struct{ path, want string }{
		{"/surgeons/0000000", "No surgeon with the registration number “0000000” has results in the latest release."},
		{"/hospitals/ZZ999", "No hospital with the code “ZZ999” has results in the latest release."},
		{"/hospitals/" + url.PathEscape("<b>x</b>"), "No hospital with the code “<b>x</b>”"},
	} {
		resp, body := get(t, srv, http.MethodGet, tt.path)
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(pageText(body), tt.want) {
			t.Errorf("GET %s = %d: %s; want %q", tt.path, resp.StatusCode, pageText(body), tt.want)
		}
		if !strings.Contains(string(body), `action="/search"`) || !slices.Contains(hrefs(body, `/hospitals`), "/hospitals") {
			t.Errorf("GET %s: the 404 page offers no search or hospital index", tt.path)
		}
		if strings.Contains(string(body), "<b>x</b>") {
			t.Errorf("GET %s: the id reached the page unescaped", tt.path)
		}
	}
	// The API's answers are unchanged: a problem, not a page.
	resp, _ = get(t, srv, http.MethodGet, "/api/v1/surgeons/0000000")
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("GET /api/v1/surgeons/0000000 = %d %s, want a 404 problem", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
