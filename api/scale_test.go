package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// scaleUnits is the number of surgeons in the one funnel of
// TestPagesAtScale: the size at which issue 14 asks every page and image
// to stay under maxPageBytes.
const (
	scaleUnits   = 100_000
	maxPageBytes = 1 << 20
	// lastID and lastName are the surgeon whose name sorts last, A–Z by
	// surname: the one a paged table must still reach.
	lastID, lastName = "9999999", "Dr Zoe Zzyzx"
)

// scaleCSV is a canonical CSV of n adult cardiac surgeons in one funnel
// (one procedure, one period) at 100 hospitals, their deaths drawn from
// the Poisson distribution at their expected deaths, so about 5% lie
// outside the 95% limits by chance, as on a real national funnel; the
// last row is lastName, who sorts last. The file is the same on every
// run.
func scaleCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("specialty,procedure,period,unit_type,unit_id,unit_name,hospital_id,hospital_name,cases,events,expected\n")
	next := sequence(14)
	poisson := func(mean float64) int { // inverse CDF: means here are under 30
		u, p, k := next(), math.Exp(-mean), 0
		for cdf := p; u > cdf && k < 1000; cdf += p {
			k++
			p *= mean / float64(k)
		}
		return k
	}
	for i := range n {
		cases := 20 + int(next()*580)
		expected := float64(cases) * (0.01 + 0.03*next())
		id, name := fmt.Sprintf("%07d", 8000000+i), "Dr Invented "+inventedSurname(i)
		if i == n-1 {
			id, name = lastID, lastName
		}
		h := i % 100
		fmt.Fprintf(&b, "adult-cardiac,all,2022-04/2025-03,surgeon,%s,%s,ZZ%03d,Invented General Hospital %d,%d,%d,%.3f\n",
			id, name, 100+h, h, cases, min(poisson(expected), cases), expected)
	}
	return b.Bytes()
}

// inventedSurname is a made-up surname for i, distinct for each i below
// 19·5·19·5·19 (171,475), their first letters spread over the alphabet.
func inventedSurname(i int) string {
	const consonants, vowels = "bcdfghjklmnprstvwyz", "aeiou"
	b := []byte{consonants[i%19] - 'a' + 'A'}
	i /= 19
	b = append(b, vowels[i%5], consonants[i/5%19], vowels[i/95%5], consonants[i/475%19])
	return string(b) + "son"
}

// TestPagesAtScale builds a release with scaleUnits surgeons in one funnel
// (ingested by the real binary into a real SQLite file, served over HTTP)
// and checks that every page and image that grows with a funnel stays
// under maxPageBytes, that the funnel still draws every flagged surgeon as
// its own point and a highlighted one, and that the A–Z table reaches
// every surgeon, the last one included.
func TestPagesAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests 100,000 rows")
	}
	if raceEnabled {
		// The pages' code is raced by the demo's tests; here the race
		// detector would only multiply some 20 s of building 100,000-point
		// pages several times.
		t.Skip("measures the pages of 100,000 units as built, not under the race detector")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "scale.csv")
	if err := os.WriteFile(in, scaleCSV(scaleUnits), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "scale.db")
	start := time.Now()
	if out, err := exec.Command(outcomesBin, "ingest", "--db", db, "--release", "scale", in).CombinedOutput(); err != nil {
		t.Fatalf("outcomes ingest: %v\n%s", err, out)
	}
	t.Logf("ingest of %d rows: %v", scaleUnits, time.Since(start).Round(time.Millisecond))
	srv := newServerOn(t, db, api.Config{})

	// The funnel's units and bands, from the API's CSV (every unit).
	_, body := get(t, srv, http.MethodGet, "/api/v1/specialties/adult-cardiac/surgeons.csv")
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(recs) != scaleUnits+1 {
		t.Fatalf("surgeons.csv: %d records, %v", len(recs), err)
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	bands := map[string]int{}
	for _, r := range recs[1:] {
		bands[r[col["band"]]]++
	}
	t.Logf("bands: %v", bands)

	sizes := map[string]string{
		"specialty page":             "/specialties/adult-cardiac",
		"specialty page highlighted": "/specialties/adult-cardiac?highlight=" + lastID,
		"specialty page adjusted":    "/specialties/adult-cardiac?adjusted=1",
		"specialty page hospital":    "/specialties/adult-cardiac?hospital=ZZ100",
		"funnel.svg":                 "/specialties/adult-cardiac/funnel.svg",
		"funnel.svg compact":         "/specialties/adult-cardiac/funnel.svg?compact=1&highlight=" + lastID,
		"funnel.png":                 "/specialties/adult-cardiac/funnel.png?highlight=" + lastID,
		"surgeon page":               "/surgeons/" + lastID,
		"hospital page":              "/hospitals/ZZ100",
		"hospitals":                  "/hospitals",
		"specialty page last":        "/specialties/adult-cardiac?page=1000000",
		"specialty page too few":     "/specialties/adult-cardiac?fewpage=3",
		"search":                     "/search?q=invented",
		"search all":                 "/search?q=invented&all=1",
		"compare":                    "/compare?ids=" + lastID + ",8000001",
	}
	got := map[string][]byte{}
	for name, path := range sizes {
		start := time.Now()
		resp, body := get(t, srv, http.MethodGet, path)
		t.Logf("%-28s %9d bytes %8v  %s", name, len(body), time.Since(start).Round(time.Millisecond), path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", path, resp.StatusCode)
		}
		if len(body) > maxPageBytes {
			t.Errorf("GET %s: %d bytes, over %d", path, len(body), maxPageBytes)
		}
		got[name] = body
		if dump := os.Getenv("OUTCOMES_SCALE_DUMP"); dump != "" {
			os.WriteFile(filepath.Join(dump, strings.ReplaceAll(name, " ", "-")), body, 0o644)
		}
	}

	// The funnel draws every flagged surgeon as its own mark (a use of
	// its band's symbol), the highlighted one as a link, and says how
	// many are shaded.
	for _, name := range []string{"funnel.svg", "funnel.svg compact", "specialty page highlighted"} {
		svg := got[name]
		if name == "specialty page highlighted" {
			start, end := bytes.Index(svg, []byte("<svg")), bytes.Index(svg, []byte("</svg>"))
			if start < 0 || end < start {
				t.Fatalf("%s: no chart", name)
			}
			svg = svg[start:end]
		}
		for _, b := range outcome.Bands() {
			if b.Band == outcome.Within || b.Band == outcome.TooFew || b.Band == outcome.NotAssessable {
				continue
			}
			marks := regexp.MustCompile(`<use href="#[^"]*-m-`+string(b.Band)+`-\d"`).FindAll(svg, -1)
			if len(marks) != bands[string(b.Band)] {
				t.Errorf("%s: %d %s marks, want every one of the %d", name, len(marks), b.Band, bands[string(b.Band)])
			}
		}
		shaded := bands[string(outcome.Within)] + bands[string(outcome.TooFew)]
		if name != "funnel.svg" {
			shaded-- // the highlighted surgeon is drawn alone
			if !bytes.Contains(svg, []byte(`class="point band-`)) ||
				!regexp.MustCompile(`<a href="/surgeons/`+lastID+`" class="point band-\w+ highlight" data-unit-id="`+lastID+`">`).Match(svg) {
				t.Errorf("%s: %s is not drawn highlighted", name, lastID)
			}
		}
		if words := thousands(shaded) + " surgeons within the expected range"; !bytes.Contains(svg, []byte(words)) {
			t.Errorf("%s: does not say %q are shaded", name, words)
		}
	}

	// The table pages A–Z: its letters lead to the page where each
	// begins, and the last surgeon is on the last page that Z leads to.
	page := string(got["specialty page"])
	z := regexp.MustCompile(`<li><a href="([^"]*)">Z</a></li>`).FindStringSubmatch(page)
	if z == nil {
		t.Fatalf("specialty page: no link to the surnames beginning with Z")
	}
	resp, body := get(t, srv, http.MethodGet, "/specialties/adult-cardiac"+strings.TrimSuffix(html.UnescapeString(z[1]), "#table"))
	if !regexp.MustCompile(`<th scope="row"><a href="/surgeons/\d+">Dr Invented Z`).Match(body) {
		t.Errorf("GET the Z page (%s) = %d: no surname in its table begins with Z", z[1], resp.StatusCode)
	}
	last := got["specialty page last"] // ?page= past the end: the last page
	if !bytes.Contains(last, []byte(`<a href="/surgeons/`+lastID+`">`+lastName+`</a>`)) {
		t.Errorf("the last page of the table does not list %s, who sorts last", lastName)
	}
	if bytes.Contains(last[:bytes.Index(last, []byte(`id="too-few"`))], []byte(`rel="next"`)) {
		t.Errorf("the last page of the table links a next page")
	}
	// The pages follow one another: each of a sample lists the rows its
	// pager says, the first page from row 1, the last to the end.
	// (site's TestPageRows checks every row is on exactly one page.)
	judged := scaleUnits - bands[string(outcome.TooFew)]
	pages := (judged + 499) / 500
	row := regexp.MustCompile(`<tr(?: class="highlight")?><th scope="row"><a href="/surgeons/\d+">`)
	for _, n := range []int{1, 2, pages / 2, pages} {
		_, body := get(t, srv, http.MethodGet, "/specialties/adult-cardiac?page="+strconv.Itoa(n))
		from, to := (n-1)*500+1, min(n*500, judged)
		if want := fmt.Sprintf("Showing rows %s–%s (page %d)", thousands(from), thousands(to), n); !bytes.Contains(body, []byte(want)) {
			t.Errorf("page %d does not say %q", n, want)
		}
		table := body[bytes.Index(body, []byte(`<table class="units`)):]
		table = table[:bytes.Index(table, []byte("</table>"))]
		if got := len(row.FindAll(table, -1)); got != to-from+1 {
			t.Errorf("page %d: %d rows, want %d", n, got, to-from+1)
		}
	}

	// A hospital page links its surgeons' chart by the hospital, not by
	// its 1,000 surgeons' ids, and the chart marks every one of them.
	img := regexp.MustCompile(`<img class="funnel" src="([^"]+)"`).FindSubmatch(got["hospital page"])
	if img == nil {
		t.Fatal("hospital page: no funnel image")
	}
	src := html.UnescapeString(string(img[1]))
	resp, body = get(t, srv, http.MethodGet, src)
	t.Logf("%-28s %9d bytes  %s", "hospital's funnel.svg", len(body), src)
	if !strings.Contains(src, "hospital=ZZ100") || resp.StatusCode != http.StatusOK || len(body) > maxPageBytes {
		t.Errorf("GET %s = %d, %d bytes; want the hospital's surgeons, 200, at most %d", src, resp.StatusCode, len(body), maxPageBytes)
	}
	if n := len(regexp.MustCompile(`<use href="#[^"]*-m-\w+-2"`).FindAll(body, -1)); n != scaleUnits/100 {
		t.Errorf("the hospital's funnel marks %d surgeons highlighted, want its %d", n, scaleUnits/100)
	}

	// The hospital's table of its 1,000 adult cardiac surgeons pages on
	// its own parameter, which the page cache keeps apart: the second
	// page is not the first one again.
	next := regexp.MustCompile(`<a href="(\?page-adult-cardiac=2)#surgeons-adult-cardiac" rel="next">`).
		FindSubmatch(got["hospital page"])
	if next == nil {
		t.Fatal("hospital page: no link to the second page of its adult cardiac surgeons")
	}
	resp, body = get(t, srv, http.MethodGet, "/hospitals/ZZ100"+html.UnescapeString(string(next[1])))
	if want := "Showing rows 501–1,000 (page 2)."; resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(want)) {
		t.Errorf("GET the hospital's second page of surgeons (%s) = %d, does not say %q", next[1], resp.StatusCode, want)
	}

	// A self-check draws the national funnel with the sender's unit.
	form := url.Values{"specialty": {"adult-cardiac"}, "unit_type": {"surgeon"}, "cases": {"300"}, "events": {"9"},
		"expected": {"6.5"}}
	r, err := srv.Client().PostForm(srv.URL+"/self-check", form)
	if err != nil {
		t.Fatal(err)
	}
	body, err = io.ReadAll(r.Body)
	r.Body.Close()
	t.Logf("%-28s %9d bytes", "self-check (POST)", len(body))
	if err != nil || r.StatusCode != http.StatusOK || len(body) > maxPageBytes {
		t.Errorf("POST /self-check: %d, %d bytes (%v); want 200, at most %d", r.StatusCode, len(body), err, maxPageBytes)
	}
}

// thousands writes n with thousands separators, as the site does.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// TestBrowserDensePagesAccessible checks the pages of a funnel too large
// to draw point by point or list on one page (3,000 surgeons: a dense
// chart, paged tables, a highlight field, paged search) as
// TestBrowserPagesAccessible checks the demo's.
func TestBrowserDensePagesAccessible(t *testing.T) {
	axeSource(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "dense.csv")
	if err := os.WriteFile(in, scaleCSV(3000), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "dense.db")
	if out, err := exec.Command(outcomesBin, "ingest", "--db", db, "--release", "dense", in).CombinedOutput(); err != nil {
		t.Fatalf("outcomes ingest: %v\n%s", err, out)
	}
	checkPagesAccessible(t, newServerOn(t, db, api.Config{}), []sitePage{
		{"dense-specialty", "/specialties/adult-cardiac", http.StatusOK},
		{"dense-specialty-page-2", "/specialties/adult-cardiac?page=2&highlight=" + lastID, http.StatusOK},
		{"dense-search-all", "/search?q=invented&all=1&page=2", http.StatusOK},
	}, false)
}
