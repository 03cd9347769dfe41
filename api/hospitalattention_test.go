package api_test

import (
	"fmt"
	"html"
	"maps"
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

// outsideBands are the bands outside a 95% limit, written out here rather
// than asked of outcome, so that the test computes the summary on its own.
var outsideBands = map[string]bool{"high_alarm": true, "high_alert": true, "low_alert": true, "low_alarm": true}

// notJudgedBands are the bands that are not a comparison with expected.
var notJudgedBands = map[string]bool{"too_few": true, "not_assessable": true}

// TestHospitalAttention checks what every demo hospital's page leads
// with: the summary lists exactly the hospital's own results and its
// surgeons' that lie outside a 95% limit in the latest period of their
// specialty, each with its band's words, its counts and a link that
// leads somewhere, and counts the results compared; all worked out here
// from the API's CSV, not from the page's code. Where none lies outside,
// it says so, with what that means.
func TestHospitalAttention(t *testing.T) {
	srv := newServer(t, api.Config{})
	hospitals, _, _ := getCSV(t, srv, "/api/v1/hospitals.csv")
	surgeons, _, _ := getCSV(t, srv, "/api/v1/surgeons.csv")
	latest := map[string]string{} // specialty → its newest period, over every row
	for _, tab := range []csvTable{hospitals, surgeons} {
		for _, r := range tab.rows {
			if sp, p := tab.cell(r, "specialty"), tab.cell(r, "period"); p > latest[sp] {
				latest[sp] = p
			}
		}
	}
	ids := map[string]bool{}
	for _, r := range hospitals.rows {
		ids[hospitals.cell(r, "unit_id")] = true
	}
	if len(ids) < 30 {
		t.Fatalf("the demo release has %d hospitals, want 30", len(ids))
	}
	row := regexp.MustCompile(`<tr><th scope="row"><a href="([^"]+)">(?:This hospital|<bdi>[^<]*</bdi>)</a></th>` +
		`<td><span class="band band-([a-z_]+)">([^<]*)</span></td><td>[^<]*</td><td>[^<]*</td>` +
		`<td class="num">([^<]*)</td><td class="num">([^<]*)</td>`)
	compared := regexp.MustCompile(`([\d,]+) results? of this hospital (?:was|were) compared with expected: ` +
		`([\d,]+) of the hospital itself and ([\d,]+) of its surgeons\.`)
	withOutside, withNone := 0, 0
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		// What the summary must hold, from the CSV: each result in its
		// specialty's latest period, as link|band|cases|deaths.
		var want, wantOwn []string
		own, theirs, notJudged := 0, 0, 0
		bandCounts := map[string]int{}
		add := func(tab csvTable, r []string, link string, count *int, out *[]string) {
			band := tab.cell(r, "band")
			if tab.cell(r, "period") != latest[tab.cell(r, "specialty")] {
				return
			}
			if notJudgedBands[band] {
				notJudged++
				return
			}
			*count++
			if outsideBands[band] {
				bandCounts[band]++
				*out = append(*out, link+"|"+band+"|"+tab.cell(r, "cases")+"|"+tab.cell(r, "events"))
			}
		}
		for _, r := range hospitals.rows {
			if hospitals.cell(r, "unit_id") == id {
				add(hospitals, r, "#g-"+hospitals.cell(r, "specialty")+"-"+hospitals.cell(r, "procedure"), &own, &wantOwn)
			}
		}
		at, _, _ := getCSV(t, srv, "/api/v1/surgeons.csv?hospital="+url.QueryEscape(id))
		for _, r := range at.rows {
			add(at, r, "/surgeons/"+url.PathEscape(at.cell(r, "unit_id")), &theirs, &want)
		}
		want = append(wantOwn, want...)

		path := "/hospitals/" + id
		resp, body := get(t, srv, http.MethodGet, path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d", path, resp.StatusCode)
		}
		page := string(body)
		start, surgeonsAt := strings.Index(page, `<section class="attention"`), strings.Index(page, `id="surgeons"`)
		if start < 0 || surgeonsAt < start || strings.Index(page, `<section class="result"`) < start {
			t.Errorf("GET %s: the summary is missing or not first (at %d; surgeons at %d)", path, start, surgeonsAt)
			continue
		}
		summary := page[start : start+strings.Index(page[start:], "</section>")]
		var got []string
		for _, m := range row.FindAllStringSubmatch(summary, -1) {
			link, band, label := html.UnescapeString(m[1]), m[2], html.UnescapeString(m[3])
			got = append(got, link+"|"+band+"|"+strings.ReplaceAll(m[4], ",", "")+"|"+strings.ReplaceAll(m[5], ",", ""))
			if w := mustWords(t, outcome.Band(band)); label != w.Label {
				t.Errorf("GET %s: %s is %q, want the band's words %q", path, link, label, w.Label)
			}
			if target, ok := strings.CutPrefix(link, "#"); ok && !strings.Contains(page, `id="`+target+`"`) {
				t.Errorf("GET %s: the summary links %s, which is not on the page", path, link)
			}
		}
		// The hospital's own results first; the rest in any order here
		// (the tables' order is checked below).
		if !slices.Equal(got[:min(len(wantOwn), len(got))], wantOwn) {
			t.Errorf("GET %s: the summary begins %v, want the hospital's own %v", path, got, wantOwn)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("GET %s: the summary lists\n%v\nwant\n%v", path, got, want)
		}
		for _, m := range regexp.MustCompile(`<a href="(/surgeons/[^"]+)">`).FindAllStringSubmatch(summary, 3) {
			if resp, _ := get(t, srv, http.MethodGet, html.UnescapeString(m[1])); resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: its link %s = %d", path, m[1], resp.StatusCode)
			}
		}

		text := html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(summary, ""))
		m := compared.FindStringSubmatch(text)
		if m == nil {
			t.Errorf("GET %s: the summary does not say how many results were compared:\n%s", path, text)
			continue
		}
		if fmt.Sprint(m[1:]) != fmt.Sprint([]string{thousandsOf(own + theirs), thousandsOf(own), thousandsOf(theirs)}) {
			t.Errorf("GET %s: %q, want %d results compared, %d of the hospital and %d of its surgeons", path, m[0],
				own+theirs, own, theirs)
		}
		if notJudged > 0 && !strings.Contains(text, thousandsOf(notJudged)+" more had too few operations to tell.") {
			t.Errorf("GET %s: the summary does not say %d more had too few operations to tell", path, notJudged)
		}
		if len(want) == 0 {
			withNone++
			within := mustWords(t, outcome.Within).Meaning
			if !strings.Contains(text, "None of them lies outside the 95% limits.") || !strings.Contains(text, within) {
				t.Errorf("GET %s: nothing outside, but the summary does not say so with what it means:\n%s", path, text)
			}
			continue
		}
		withOutside++
		verb := map[bool]string{true: "lies", false: "lie"}[len(want) == 1]
		if !strings.Contains(text, fmt.Sprintf("%d of them %s outside the 95%% limits:", len(want), verb)) {
			t.Errorf("GET %s: the summary does not say %d %s outside the 95%% limits", path, len(want), verb)
		}
		for band, n := range bandCounts {
			w := mustWords(t, outcome.Band(band))
			if !strings.Contains(text, w.Label+": "+strconv.Itoa(n)) || !strings.Contains(text, w.Meaning) {
				t.Errorf("GET %s: the summary does not count %d %q or say what it means", path, n, w.Label)
			}
		}
	}
	if withOutside == 0 || withNone == 0 {
		t.Errorf("%d demo hospitals with results outside the 95%% limits and %d without: want some of each",
			withOutside, withNone)
	}
}

// TestHospitalSurgeonsBySpecialty checks the hospital page's tables of
// surgeons: one for each specialty, in the order of specialty codes, each
// holding exactly the hospital's surgeons of that specialty (each one's
// latest period in each procedure), A–Z by surname among those judged and
// among those too few to judge (TestHospitalSurgeonsJudgedFirst checks
// that those come first), and every result outside a 95% limit, and
// only those, saying so in words beside its band.
func TestHospitalSurgeonsBySpecialty(t *testing.T) {
	srv := newServer(t, api.Config{})
	group := regexp.MustCompile(`<h3 id="surgeons-([a-z-]+)">[^<]*</h3>((?s:.*?))</table>`)
	row := regexp.MustCompile(`<tr><th scope="row"><a href="/surgeons/([^"]+)">([^<]*)</a></th>` +
		`<td><span class="band band-([a-z_]+)">[^<]*</span>( <strong class="flag">Outside the 95% limits</strong>)?</td>`)
	flagged := 0
	for _, id := range []string{"ZZ101", "ZZ124", "ZZ125", "ZZ104"} {
		at, _, _ := getCSV(t, srv, "/api/v1/surgeons.csv?hospital="+id)
		newest := map[string][]string{} // surgeon|specialty|procedure → row
		for _, r := range at.rows {
			k := at.cell(r, "unit_id") + "|" + at.cell(r, "specialty") + "|" + at.cell(r, "procedure")
			if old, ok := newest[k]; !ok || at.cell(r, "period") > at.cell(old, "period") {
				newest[k] = r
			}
		}
		want := map[string][]string{} // specialty → surgeon|band
		for _, r := range newest {
			sp := at.cell(r, "specialty")
			want[sp] = append(want[sp], at.cell(r, "unit_id")+"|"+at.cell(r, "band"))
		}
		path := "/hospitals/" + id
		_, body := get(t, srv, http.MethodGet, path)
		page := string(body)
		page = page[strings.Index(page, `<h2 id="surgeons"`):]
		var specialties []string
		for _, g := range group.FindAllStringSubmatch(page, -1) {
			sp := g[1]
			specialties = append(specialties, sp)
			var got []string
			var judged, tooFew []string // surnames, in the table's order
			for _, m := range row.FindAllStringSubmatch(g[2], -1) {
				surgeon, name, band, flag := m[1], html.UnescapeString(m[2]), m[3], m[4] != ""
				got = append(got, surgeon+"|"+band)
				if flag != outsideBands[band] {
					t.Errorf("GET %s: %s (%s) is marked outside the 95%% limits: %v, want %v", path, surgeon, band,
						flag, outsideBands[band])
				}
				if flag {
					flagged++
				}
				surname := strings.ToLower(name[strings.LastIndex(name, " ")+1:])
				if notJudgedBands[band] {
					tooFew = append(tooFew, surname)
				} else {
					judged = append(judged, surname)
				}
			}
			if !slices.IsSorted(judged) || !slices.IsSorted(tooFew) {
				t.Errorf("GET %s: %s: surnames %v then %v, want each A–Z", path, sp, judged, tooFew)
			}
			slices.Sort(got)
			slices.Sort(want[sp])
			if !slices.Equal(got, want[sp]) {
				t.Errorf("GET %s: %s's table holds\n%v\nwant\n%v", path, sp, got, want[sp])
			}
		}
		if wantSpecialties := slices.Sorted(maps.Keys(want)); !slices.Equal(specialties, wantSpecialties) {
			t.Errorf("GET %s: tables for %v, want one for each of %v, in that order", path, specialties, wantSpecialties)
		}
	}
	if flagged == 0 {
		t.Error("no surgeon's row is marked outside the 95% limits: the test tests nothing")
	}
}

// TestHospitalAttentionLatestPeriod checks that "the latest period" is
// each specialty's own: a release whose vascular surgery runs to 2024 and
// colorectal surgery to 2023. A hospital's 2023 vascular results, however
// far outside the limits, are not in its summary, its 2023 colorectal ones
// are counted, and a hospital with no result in any latest period is told
// so rather than "none outside".
func TestHospitalAttentionLatestPeriod(t *testing.T) {
	const data = "specialty,procedure,period,unit_type,unit_id,unit_name,hospital_id,hospital_name,cases,events,expected\n" +
		"vascular,aaa,2023,surgeon,9000001,Mr Alpha One,ZZ1,Oldmoor,200,30,6\n" +
		"vascular,aaa,2023,surgeon,9000002,Ms Beta Two,ZZ2,Newmoor,200,6,6\n" +
		"vascular,aaa,2024,surgeon,9000002,Ms Beta Two,ZZ2,Newmoor,200,30,6\n" +
		"vascular,aaa,2024,surgeon,9000003,Dr Gamma Three,ZZ2,Newmoor,200,6,6\n" +
		"vascular,aaa,2024,surgeon,9000004,Dr Delta Four,ZZ3,Thirdmoor,400,12,12\n" +
		"colorectal,bowel-cancer,2023,surgeon,9000005,Mr Epsilon Five,ZZ2,Newmoor,300,9,9\n" +
		"colorectal,bowel-cancer,2023,surgeon,9000006,Mr Zeta Six,ZZ3,Thirdmoor,300,9,9\n"
	srv := newServerOn(t, ingestCSV(t, "periods", data), api.Config{})
	summaryOf := func(id string) string {
		t.Helper()
		resp, body := get(t, srv, http.MethodGet, "/hospitals/"+id)
		page := string(body)
		i := strings.Index(page, `<section class="attention"`)
		if resp.StatusCode != http.StatusOK || i < 0 {
			t.Fatalf("GET /hospitals/%s = %d, summary at %d", id, resp.StatusCode, i)
		}
		return page[i : i+strings.Index(page[i:], "</section>")]
	}

	s := summaryOf("ZZ1")
	if !strings.Contains(s, "This hospital has no results in the latest period of its specialties") ||
		strings.Contains(s, "9000001") || strings.Contains(s, "None of them lies outside") {
		t.Errorf("ZZ1, whose only results are of vascular surgery's earlier period:\n%s", s)
	}

	s = summaryOf("ZZ2")
	if want := "In the latest period of each specialty, 5 results of this hospital were compared with expected: " +
		"2 of the hospital itself and 3 of its surgeons."; !strings.Contains(s, want) {
		t.Errorf("ZZ2's summary does not say %q:\n%s", want, s)
	}
	var got []string
	for _, m := range regexp.MustCompile(`<tr><th scope="row"><a href="([^"]+)">`).
		FindAllStringSubmatch(s, -1) {
		got = append(got, m[1])
	}
	if want := []string{"#g-vascular-aaa", "/surgeons/9000002"}; !slices.Equal(got, want) {
		t.Errorf("ZZ2's summary lists %v, want %v: the hospital's 2024 vascular result, then Ms Beta Two's", got, want)
	}
	if !strings.Contains(s, "2 of them lie outside the") || strings.Count(s, "<td>2024</td>") != 2 {
		t.Errorf("ZZ2's summary counts or lists other results:\n%s", s)
	}
}
