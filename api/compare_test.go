package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// compareRow is the API's row of a surgeon, the figures the compare page
// must show.
type compareRow struct {
	UnitID   string   `json:"unit_id"`
	UnitName string   `json:"unit_name"`
	Cases    int      `json:"cases"`
	Events   int      `json:"events"`
	Expected *float64 `json:"expected"`
	Band     string   `json:"band"`
}

// tooFewSurgeons returns n vascular aneurysm-repair surgeons of the latest
// period who cannot be judged (band too_few), fewest deaths first: found
// through the API, not named, so the tests follow the statistics' rule.
func tooFewSurgeons(t *testing.T, srv *httptest.Server, n int) []compareRow {
	t.Helper()
	period := latestPeriod(t, srv, "vascular")
	var rows struct{ Data []compareRow }
	getJSON(t, srv, "/api/v1/surgeons?"+url.Values{"specialty": {"vascular"}, "procedure": {"aaa"},
		"period": {period}, "band": {"too_few"}, "sort": {"events"}, "limit": {strconv.Itoa(n)}}.Encode(), &rows)
	if len(rows.Data) != n {
		t.Fatalf("%d vascular surgeons too few to tell in %s, want %d", len(rows.Data), period, n)
	}
	return rows.Data
}

// compareGroup is the HTML of one group's section of a compare page,
// named specialty/procedure, or "" if the page has no such group.
func compareGroup(body, group string) string {
	_, after, ok := strings.Cut(body, `data-group="`+group+`"`)
	if !ok {
		return ""
	}
	section, _, _ := strings.Cut(after, "</section>")
	return section
}

// compareUnits splits a compare page, or a group's section of one, into
// its surgeons' entries, in page order, each the HTML of one <li> of a
// group's list.
func compareUnits(body string) []string {
	var out []string
	for _, list := range strings.Split(body, `<ul class="compare-units">`)[1:] {
		list = list[:strings.Index(list, "</ul>")]
		out = append(out, strings.Split(list, "<li>")[1:]...)
	}
	return out
}

var unitName = regexp.MustCompile(`<h3><a href="/surgeons/([^"]+)">([^<]+)</a></h3>`)

// TestCompareShowsEachSurgeon compares two surgeons who can be judged and
// one who cannot: each is shown with the band's sentence, operations,
// deaths and expected deaths as the API gives them; the one who cannot be
// judged has no survival figure styled as a result, but the band's
// meaning; the chart shares one national average line and draws a dot for
// the judged only, the other's counts in words.
func TestCompareShowsEachSurgeon(t *testing.T) {
	srv := newServer(t, api.Config{})
	period := latestPeriod(t, srv, "vascular")
	tooFew := tooFewSurgeons(t, srv, 1)[0]
	small := tooFew.UnitID
	ids := []string{small, "9001016", "9001081"} // two judged surgeons, as expected
	var want []compareRow
	for _, id := range ids {
		var all struct{ Data []compareRow }
		getJSON(t, srv, "/api/v1/surgeons?"+url.Values{"q": {id}, "specialty": {"vascular"}, "procedure": {"aaa"},
			"period": {period}}.Encode(), &all)
		i := slices.IndexFunc(all.Data, func(r compareRow) bool { return r.UnitID == id })
		if i < 0 {
			t.Fatalf("surgeon %s has no vascular row in %s", id, period)
		}
		want = append(want, all.Data[i])
	}
	slices.SortFunc(want, func(a, b compareRow) int { return catalog.CompareNames(a.UnitName, b.UnitName) })

	resp, b := get(t, srv, http.MethodGet, "/compare?ids="+strings.Join(ids, ","))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /compare = %d, want 200", resp.StatusCode)
	}
	body := compareGroup(string(b), "vascular/aaa")
	units := compareUnits(body)
	if len(units) != len(want) {
		t.Fatalf("%d surgeons on the page, want %d", len(units), len(want))
	}
	for i, li := range units {
		w := want[i]
		m := unitName.FindStringSubmatch(li)
		if m == nil || m[1] != w.UnitID {
			t.Errorf("surgeon %d on the page is %v, want %s %s (A–Z by surname)", i+1, m, w.UnitID, w.UnitName)
			continue
		}
		words, _ := outcome.Words(outcome.Band(w.Band))
		if s := `<p class="verdict">` + words.Sentence + `.</p>`; !strings.Contains(li, s) {
			t.Errorf("%s: lacks %s", w.UnitName, s)
		}
		// Each figure's name and value, read as text (a name may link
		// to the glossary).
		text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(li, "")
		for _, s := range []string{
			"Operations" + strconv.Itoa(w.Cases) + "\n",
			"Deaths" + strconv.Itoa(w.Events) + "\n",
			"Expected deaths" + strconv.FormatFloat(*w.Expected, 'f', 1, 64) + "\n",
		} {
			if !strings.Contains(text, s) {
				t.Errorf("%s: lacks %q in %q", w.UnitName, s, text)
			}
		}
		judged := outcome.Assessed(outcome.Band(w.Band))
		if got := strings.Contains(li, "Risk-adjusted survival"); got != judged {
			t.Errorf("%s (band %s): survival figure shown %v, want %v", w.UnitName, w.Band, got, judged)
		}
		if !judged && !strings.Contains(li, words.Meaning) {
			t.Errorf("%s: cannot be judged, but the reason (the band's meaning) is not given", w.UnitName)
		}
	}
	chart := body[strings.Index(body, `class="interval-chart"`):]
	chart = chart[:strings.Index(chart, "</svg>")]
	if n := strings.Count(chart, "<circle"); n != 2 {
		t.Errorf("interval chart has %d dots, want 2: one for each surgeon who can be judged", n)
	}
	if n := strings.Count(chart, `class="average"`); n != 1 {
		t.Errorf("interval chart has %d national average lines, want 1 across the chart", n)
	}
	if strings.Contains(chart, "<polygon") || strings.Contains(body, "diamond") {
		t.Errorf("the national average is still a diamond, which can hide a dot")
	}
	note := fmt.Sprintf("Too few to tell: %d operations, %d deaths", tooFew.Cases, tooFew.Events)
	if tooFew.Events == 1 {
		note = strings.TrimSuffix(note, "s")
	}
	if !strings.Contains(chart, note) || !strings.Contains(chart, "National average") {
		t.Errorf("interval chart lacks %q or the national average's name", note)
	}
}

// TestCompareAZBySurname: A–Z is by surname, not by title ("Mr" before
// "Ms") or first name ("Norbert" before "Ysolde").
func TestCompareAZBySurname(t *testing.T) {
	srv := newServer(t, api.Config{})
	for _, path := range []string{"/compare?ids=9000017,9000058", "/compare?ids=9000017&ids=9000058", "/compare?ids=9000058,9000017"} {
		_, b := get(t, srv, http.MethodGet, path)
		var got []string
		for _, li := range compareUnits(compareGroup(string(b), "adult-cardiac/all")) {
			if m := unitName.FindStringSubmatch(li); m != nil {
				got = append(got, m[2])
			}
		}
		if want := []string{"Ms Ysolde Acornburrow", "Mr Norbert Larkglade"}; !slices.Equal(got, want) {
			t.Errorf("GET %s: surgeons %q, want %q", path, got, want)
		}
	}
}

// TestCompareAccountsForEveryNumber: a number no surgeon has, one that is
// not a number at all, a surgeon with results only in an earlier period
// and numbers over the limit are each listed with the reason; a page with
// only bad numbers is still a page, with the picker.
func TestCompareAccountsForEveryNumber(t *testing.T) {
	srv := newServer(t, api.Config{})
	latest := latestPeriod(t, srv, "adult-cardiac")
	many := []string{}
	var all struct{ Data []compareRow }
	getJSON(t, srv, "/api/v1/surgeons?"+url.Values{"specialty": {"adult-cardiac"}, "period": {latest},
		"limit": {"100"}, "sort": {"unit_id"}}.Encode(), &all)
	for _, r := range all.Data { // a surgeon has a row for each procedure
		if !slices.Contains(many, r.UnitID) && len(many) < 22 {
			many = append(many, r.UnitID)
		}
	}
	if latest != "2022-04/2025-03" {
		t.Fatalf("the demo's latest period is %s; the words below expect April 2022 to March 2025", latest)
	}
	tests := []struct {
		name, query string
		want        []string
		charts      bool // the adult cardiac "all" group is shown
	}{
		{"unknown", "ids=abc", []string{"Not on these charts", "No surgeon with registration number “abc” is in this release",
			`name="q"`, `name="ids"`}, false},
		{"unknown among known", "ids=9000017,0000000", []string{"No surgeon with registration number “0000000”",
			`value="9000017" checked`}, true},
		{"earlier period only", "ids=9000031,9000017", []string{"Mr Barnaby Badgerdrift</bdi></a>: no results in April 2022 to March 2025, the period compared here, for Adult cardiac surgery; Adult cardiac surgery: Coronary artery bypass graft; Adult cardiac surgery: Valve surgery;",
			"results exist for April 2021 to March 2024"}, true},
		{"earlier only, alone", "ids=9000031", []string{"Mr Barnaby Badgerdrift</bdi></a>: no results in",
			"None of the chosen surgeons has results in the period compared",
			`<a href="/compare?ids=9000031&amp;period=2021-04%2F2024-03">compare in April 2021 to March 2024</a>`}, false},
		{"earlier period asked for", "ids=9000031,9000017&period=2021-04/2024-03", []string{`<option value="2021-04/2024-03" selected>`,
			"Adult cardiac surgery, April 2021 to March 2024</h2>", `<h3><a href="/surgeons/9000031">Mr Barnaby Badgerdrift</a></h3>`}, true},
		{"unknown period", "ids=9000017&period=1999", []string{"This release has no results for the period “1999”",
			"Adult cardiac surgery, April 2022 to March 2025</h2>"}, true},
		{"unreadable", "ids=" + url.QueryEscape("9000017,a\x01b"), []string{"One value was not read"}, true},
		{"over the limit", "ids=" + strings.Join(many, ","), []string{"Up to 20 surgeons can be compared at once; 2 more surgeons chosen are not shown."}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := get(t, srv, http.MethodGet, "/compare?"+tt.query)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /compare?%s = %d, want 200", tt.query, resp.StatusCode)
			}
			body := string(b)
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			if shown := compareGroup(body, "adult-cardiac/all") != ""; shown != tt.charts {
				t.Errorf("adult cardiac group shown: %v, want %v", shown, tt.charts)
			}
			if !tt.charts && strings.Contains(body, `<section class="result"`) {
				t.Errorf("a group is shown, want none")
			}
			if n := strings.Count(body, "Mr Barnaby Badgerdrift</a>: no results"); n > 1 {
				t.Errorf("the surgeon with earlier results only is named %d times, want once", n)
			}
		})
	}
	if len(many) == 22 {
		_, b := get(t, srv, http.MethodGet, "/compare?ids="+strings.Join(many, ","))
		if n := strings.Count(string(b), `" checked>`); n != 20 {
			t.Errorf("over the limit: %d surgeons ticked in the picker, want 20", n)
		}
	} else {
		t.Errorf("the demo has %d adult cardiac surgeons in %s, want at least 22", len(many), latest)
	}
}

// TestComparePicker: the picker is checkboxes, the surgeons compared ticked
// and those a search finds not, with no instruction to hold Ctrl or ⌘.
func TestComparePicker(t *testing.T) {
	srv := newServer(t, api.Config{})
	_, b := get(t, srv, http.MethodGet, "/compare?ids=9001016&q=larkw")
	body := string(b)
	if strings.Contains(body, "Ctrl") || strings.Contains(body, "⌘") || strings.Contains(body, " multiple") {
		t.Errorf("the compare page's picker is a multiple select or tells people to hold Ctrl or ⌘")
	}
	if !strings.Contains(body, `<input type="checkbox" name="ids" value="9001016" checked>`) {
		t.Errorf("the surgeon compared is not a ticked checkbox")
	}
	offered := regexp.MustCompile(`<input type="checkbox" name="ids" value="([^"]+)">`).FindAllStringSubmatch(body, -1)
	if len(offered) == 0 {
		t.Fatalf(`searching "larkw" offers no surgeon to add`)
	}
	for _, m := range offered {
		if m[1] == "9001016" {
			t.Errorf("the surgeon already compared is offered again")
		}
	}
	if !strings.Contains(body, `<label><input type="checkbox"`) {
		t.Errorf("checkboxes are not inside their labels, so the name is not a touch target")
	}
}

// TestCompareScaleOfEachSpecialty: surgeons in one specialty share one
// chart and its scale; a surgeon in another specialty, compared with their
// own national average, does not change it (a wide interval there would
// squeeze this chart's bars into a corner).
func TestCompareScaleOfEachSpecialty(t *testing.T) {
	srv := newServer(t, api.Config{})
	ticks := regexp.MustCompile(`<text x="([0-9.]+)" y="16"[^>]*>([0-9]+%)</text>`)
	scale := func(path, group string) string {
		_, b := get(t, srv, http.MethodGet, path)
		svg := compareGroup(string(b), group)
		_, svg, ok := strings.Cut(svg, `class="interval-chart"`)
		if !ok {
			t.Fatalf("GET %s: no interval chart in group %s", path, group)
		}
		svg, _, _ = strings.Cut(svg, "</svg>")
		return fmt.Sprint(ticks.FindAllStringSubmatch(svg, -1))
	}
	alone := scale("/compare?ids=9000017,9000058", "adult-cardiac/all")
	both := scale("/compare?ids=9000017,9000058,9001080", "adult-cardiac/all")
	if alone == "[]" || both != alone {
		t.Errorf("adult cardiac chart's scale %s alone, %s beside a vascular surgeon; want the same", alone, both)
	}
	if scale("/compare?ids=9000017,9000058,9001080", "vascular/aaa") == alone {
		t.Errorf("the vascular chart has the adult cardiac chart's scale; want its own")
	}
}

// TestCompareNoChartWithoutAJudgement: a group where no surgeon can be
// judged shows their figures and the reason, and no chart of words alone.
func TestCompareNoChartWithoutAJudgement(t *testing.T) {
	srv := newServer(t, api.Config{})
	tooFew := tooFewSurgeons(t, srv, 2)
	_, b := get(t, srv, http.MethodGet, "/compare?ids="+tooFew[0].UnitID+","+tooFew[1].UnitID)
	body := compareGroup(string(b), "vascular/aaa")
	if n := len(compareUnits(body)); n != 2 {
		t.Errorf("%d surgeons shown, want 2", n)
	}
	if strings.Contains(body, "interval-chart") {
		t.Errorf("a chart is drawn for a group where nobody can be judged")
	}
	w, _ := outcome.Words(outcome.TooFew)
	if strings.Count(body, w.Meaning) != 2 {
		t.Errorf("want the reason, the band's meaning, for each of the two surgeons")
	}
}

// TestCompareFunnelImage: each group's funnel is an image, loaded when
// opened, that marks every surgeon compared in it, with a text
// alternative saying so.
func TestCompareFunnelImage(t *testing.T) {
	srv := newServer(t, api.Config{})
	_, b := get(t, srv, http.MethodGet, "/compare?ids=9000017,9000058")
	group := compareGroup(string(b), "adult-cardiac/all")
	m := regexp.MustCompile(`<img class="funnel" src="([^"]+)" alt="([^"]+)" loading="lazy">`).FindStringSubmatch(group)
	if m == nil {
		t.Fatalf("the adult cardiac group has no lazy funnel image with a text alternative")
	}
	if !strings.Contains(m[2], "with the 2 surgeons compared here marked") {
		t.Errorf("alt %q: want it to say the 2 surgeons compared are marked", m[2])
	}
	src := strings.ReplaceAll(m[1], "&amp;", "&")
	resp, svg := get(t, srv, http.MethodGet, src)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/svg+xml") {
		t.Fatalf("GET %s = %d %s, want 200 image/svg+xml", src, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, name := range []string{"Mr Norbert Larkglade", "Ms Ysolde Acornburrow"} {
		if !strings.Contains(string(svg), `class="highlight-label"`) || !strings.Contains(string(svg), ">"+name+"<") {
			t.Errorf("GET %s: %s is not marked and named", src, name)
		}
	}
	if len(b) > 60_000 {
		t.Errorf("the compare page of two surgeons is %d bytes, want under 60 KB (funnels as images)", len(b))
	}
}
