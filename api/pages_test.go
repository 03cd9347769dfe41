package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestPages renders every page of the site from the demo release and
// checks what a reader and a browser rely on: status, HTML, the strict
// CSP and security headers, the footer naming release, source and
// licence, and each page's own content.
func TestPages(t *testing.T) {
	srv := newServer(t, api.Config{})
	tests := []struct {
		name, path string
		status     int
		want       []string
	}{
		{"home", "/", 200, []string{"Compare surgeons' results fairly", `action="/search"`, `href="/specialties/adult-cardiac"`}},
		{"specialties", "/specialties", 200, []string{"Adult cardiac surgery", "Periods:", `href="/summary"`}},
		{"summary", "/summary", 200, []string{"National summary", `<table class="summary">`, "Expected outside 95% by chance alone",
			"Chance alone puts about 1 result in 40 beyond each 95% line", `href="/summary?period=2021-04%2F2024-03"`,
			`href="/specialties/vascular?period=2022-04%2F2025-03&amp;procedure=aaa&amp;unit_type=surgeon"`}},
		{"summary of a period", "/summary?period=2021-04%2F2024-03", 200, []string{"Vascular surgery, April 2021 to March 2024</caption>", `href="/summary"`}},
		{"specialty", "/specialties/adult-cardiac", 200, []string{`class="funnel`, `data-unit-id="9000017"`,
			`<table class="units`, `form class="highlight-picker"`, "would by chance alone", `rel="alternate" type="text/csv"`}},
		{"specialty hospitals", "/specialties/adult-cardiac?unit=hospital", 200, []string{`data-unit-id="ZZ1`, "Hospital</th>"}},
		{"specialty highlight", "/specialties/adult-cardiac?highlight=9000017", 200, []string{`<tr class="highlight">`, "Highlighted"}},
		{"specialty hospital's surgeons", "/specialties/adult-cardiac?hospital=ZZ124", 200, []string{
			`<option value="ZZ124" selected>`, "Mr Norbert Larkglade</bdi></a>: Strong evidence"}},
		{"specialty adjusted", "/specialties/adult-cardiac?adjusted=1", 200, []string{"Hide limits allowing for overdispersion",
			`name="adjusted" value="1"`}},
		{"surgeon", "/surgeons/9000017", 200, []string{"Strong evidence that survival was lower than expected",
			"patients like these", "Questions you could ask your surgeon", `class="interval-chart"`}},
		{"hospital", "/hospitals/ZZ101", 200, []string{"Surgeons with results at this hospital", "Hospital, code ZZ101"}},
		{"compare", "/compare?ids=9000017,9000058", 200, []string{"Compare surgeons with what was expected", `<img class="funnel" src="/specialties/adult-cardiac/funnel.svg?`}},
		{"compare empty", "/compare", 200, []string{`name="ids"`}},
		{"search", "/search?q=heron", 200, []string{"Heronspindle", "Why is my surgeon not listed?"}},
		{"search none", "/search?q=zzzzzz", 200, []string{"No surgeon or hospital matches"}},
		{"self-check", "/self-check", 200, []string{`action="/self-check"`, `name="expected"`, `type="file"`}},
		{"methodology", "/methodology", 200, []string{"How to read these results", "99.8%"}},
		{"data", "/data", 200, []string{"outcomes.sqlite", "SHA-256", "surgeons.csv?bom=1"}},
		{"about", "/about", 200, []string{"About this site"}},
		{"releases", "/releases", 200, []string{`<a href="/releases/demo">demo</a>`, "The latest.", "No release has been corrected."}},
		{"release", "/releases/demo", 200, []string{"Release demo", "How to cite it", "sha256 ", "nothing to compare it with"}},
		{"unknown release", "/releases/nope", 404, []string{"no such release"}},
		{"not found", "/no-such-page", 404, []string{"Page not found", "Search for a surgeon"}},
		{"unknown surgeon", "/surgeons/0000000", 404, []string{"Page not found"}},
		{"unknown specialty", "/specialties/dentistry", 404, []string{"Page not found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv, http.MethodGet, tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.status)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("GET %s Content-Type = %q, want text/html", tt.path, ct)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			for _, d := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, d) {
					t.Errorf("GET %s CSP %q lacks %q", tt.path, csp, d)
				}
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("GET %s: nosniff %q, CORS %q; want nosniff and no CORS on pages", tt.path,
					resp.Header.Get("X-Content-Type-Options"), resp.Header.Get("Access-Control-Allow-Origin"))
			}
			s := string(body)
			for _, w := range tt.want {
				if !strings.Contains(s, w) {
					t.Errorf("GET %s: body lacks %q", tt.path, w)
				}
			}
			if regexp.MustCompile(`<script>|\son[a-z]+="|style="`).MatchString(s) {
				t.Errorf("GET %s: inline script, handler or style attribute, which the CSP would block", tt.path)
			}
			if tt.status == 200 && !strings.Contains(s, "Licence: CC0-1.0") {
				t.Errorf("GET %s: footer lacks the licence", tt.path)
			}
		})
	}
}

// TestPagesEscape sends hostile text where a page echoes it.
func TestPagesEscape(t *testing.T) {
	srv := newServer(t, api.Config{})
	for _, path := range []string{"/search?q=" + url.QueryEscape(`<script>alert(1)</script>"'`),
		"/compare?ids=" + url.QueryEscape(`"><img src=x onerror=alert(1)>`),
		"/specialties/adult-cardiac?highlight=" + url.QueryEscape(`"><svg onload=alert(1)>`)} {
		resp, body := get(t, srv, http.MethodGet, path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d, want 200 (the page must render the input, escaped)", path, resp.StatusCode)
		}
		if bytes.Contains(body, []byte("<script>alert")) || bytes.Contains(body, []byte("<img src=x")) ||
			bytes.Contains(body, []byte("<svg onload")) {
			t.Errorf("GET %s: hostile input reached the page unescaped", path)
		}
	}
	// The search page echoes q: escaped, it is there.
	_, body := get(t, srv, http.MethodGet, "/search?q="+url.QueryEscape(`<b>x</b>`))
	if !bytes.Contains(body, []byte("&lt;b&gt;x&lt;/b&gt;")) {
		t.Errorf("GET /search?q=<b>x</b>: the query is not shown escaped")
	}
}

// TestFunnelSVG checks the embeddable chart.
func TestFunnelSVG(t *testing.T) {
	srv := newServer(t, api.Config{})
	resp, body := get(t, srv, http.MethodGet, "/specialties/adult-cardiac/funnel.svg?highlight=9000017")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("funnel.svg = %d %q, want 200 image/svg+xml", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !bytes.HasPrefix(body, []byte("<?xml")) || !bytes.Contains(body, []byte(`data-unit-id="9000017"`)) {
		t.Errorf("funnel.svg is not a standalone SVG with the highlighted surgeon")
	}
	// The chart has one point per surgeon in the funnel the page shows.
	_, page := get(t, srv, http.MethodGet, "/specialties/adult-cardiac")
	period := regexp.MustCompile(`<option value="([^"]+)" selected>`).FindAllSubmatch(page, -1)
	if len(period) < 2 {
		t.Fatalf("no selected period on the specialty page")
	}
	_, js := get(t, srv, http.MethodGet, "/api/v1/specialties/adult-cardiac/surgeons?limit=1&procedure="+
		url.QueryEscape(string(period[0][1]))+"&period="+url.QueryEscape(string(period[1][1])))
	var env struct {
		Meta struct{ Count int } `json:"meta"`
	}
	if err := json.Unmarshal(js, &env); err != nil {
		t.Fatal(err)
	}
	points := bytes.Count(page, []byte("data-unit-id="))
	if points != env.Meta.Count || points == 0 {
		t.Errorf("specialty page has %d points, want %d (the API's count for the same funnel)", points, env.Meta.Count)
	}
}

// TestSelfCheckPage posts the form, and a CSV upload, and checks the
// result and the SVG download.
func TestSelfCheckPage(t *testing.T) {
	srv := newServer(t, api.Config{})
	form := url.Values{"specialty": {"adult-cardiac"}, "unit_type": {"hospital"}, "unit_name": {"Our unit"},
		"cases": {"412"}, "events": {"11"}, "expected": {"7.9"}}
	resp, err := srv.Client().PostForm(srv.URL+"/self-check", form)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(body, "No evidence that survival differed") ||
		!strings.Contains(body, `data-unit-id="self-check-1"`) || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("POST /self-check = %d; want 200, the band sentence, the point on the funnel and no-store", resp.StatusCode)
	}
	form.Set("events", "500")
	resp, err = srv.Client().PostForm(srv.URL+"/self-check", form)
	if err != nil {
		t.Fatal(err)
	}
	body = readAll(t, resp)
	// ingest's words, with the form's labels for cases and events.
	if resp.StatusCode != 400 || !strings.Contains(body, "There is a problem") || !strings.Contains(body, "deaths (500) exceed operations (412)") {
		t.Errorf("POST /self-check with events > cases = %d; want 400 with the error summary", resp.StatusCode)
	}
	form.Set("events", "11")
	resp, err = srv.Client().PostForm(srv.URL+"/self-check/funnel.svg", form)
	if err != nil {
		t.Fatal(err)
	}
	body = readAll(t, resp)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(body, "self-check-1") {
		t.Errorf("POST /self-check/funnel.svg = %d %q; want an SVG attachment with the point", resp.StatusCode,
			resp.Header.Get("Content-Disposition"))
	}

	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("file", "ours.csv")
	fw.Write([]byte("specialty,unit_name,cases,events,expected\nadult-cardiac,Unit A,412,11,7.9\nadult-cardiac,Unit B,300,2,6.1\n"))
	mw.Close()
	resp, err = srv.Client().Post(srv.URL+"/self-check", mw.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	body = readAll(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(body, "Unit A") || !strings.Contains(body, "Unit B") {
		t.Errorf("POST /self-check with a CSV = %d; want both units placed", resp.StatusCode)
	}
}

// TestSelfCheckPageEscapesEchoedValues checks that a refused value, which
// ingest's words quote back to the submitter, is escaped on the page, from
// the form and from an uploaded file, and that a file's problem names its
// line and column in the CSV's words.
func TestSelfCheckPageEscapesEchoedValues(t *testing.T) {
	srv := newServer(t, api.Config{})
	const evil = `<script>alert(1)</script>`
	form := url.Values{"specialty": {evil}, "unit_type": {"hospital"}, "cases": {"412"}, "events": {"11"}, "expected": {"7.9"}}
	resp, err := srv.Client().PostForm(srv.URL+"/self-check", form)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != 400 || strings.Contains(body, evil) ||
		!strings.Contains(body, `unknown specialty &#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34;`) {
		t.Errorf("POST /self-check with specialty %s = %d, want 400 naming it escaped, never as markup:\n%s", evil, resp.StatusCode, body)
	}
	// The form says operations and deaths for cases and events, but a
	// submitted value is quoted as it was.
	form.Set("specialty", "events")
	form.Set("cases", "cases")
	resp, err = srv.Client().PostForm(srv.URL+"/self-check", form)
	if err != nil {
		t.Fatal(err)
	}
	body = readAll(t, resp)
	for _, want := range []string{`unknown specialty &#34;events&#34;`, `operations: &#34;cases&#34; is not a number`} {
		if !strings.Contains(body, want) {
			t.Errorf("POST /self-check with specialty events, cases cases: page lacks %q", want)
		}
	}

	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("file", "ours.csv")
	const short = "<i>x</i>" // unit_type is at most 16 bytes
	fw.Write([]byte("specialty,unit_type,cases,events,expected\nadult-cardiac," + short + ",412,11,7.9\nadult-cardiac,hospital,10,11,1\n"))
	mw.Close()
	resp, err = srv.Client().Post(srv.URL+"/self-check", mw.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	body = readAll(t, resp)
	for _, want := range []string{`line 2, column 2: unit_type: unknown unit_type &#34;&lt;i&gt;x&lt;/i&gt;&#34;`, `line 3, column 4: events: events (11) exceed cases (10)`} {
		if !strings.Contains(body, want) {
			t.Errorf("POST /self-check with a bad CSV: page lacks %q", want)
		}
	}
	if resp.StatusCode != 400 || strings.Contains(body, short) {
		t.Errorf("POST /self-check with %s in a CSV = %d, want 400 and it escaped:\n%s", short, resp.StatusCode, body)
	}
}

// TestDownload fetches the database file the data page offers and checks
// it against the SHA-256 the page shows.
func TestDownload(t *testing.T) {
	srv := newServer(t, api.Config{})
	_, page := get(t, srv, http.MethodGet, "/data")
	m := regexp.MustCompile(`SHA-256: <code>([0-9a-f]{64})</code>`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("/data shows no SHA-256")
	}
	resp, body := get(t, srv, http.MethodGet, "/data/outcomes.sqlite")
	if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte("SQLite format 3\x00")) {
		t.Fatalf("GET /data/outcomes.sqlite = %d, %d bytes; want a SQLite file", resp.StatusCode, len(body))
	}
	if got := sha256Hex(body); got != string(m[1]) {
		t.Errorf("downloaded file's SHA-256 = %s, page says %s", got, m[1])
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestSpecialtyPageWeight holds the specialty page for 500 surgeons under
// the 300 KB before compression.
func TestSpecialtyPageWeight(t *testing.T) {
	srv := newServerOn(t, bigDB, api.Config{})
	resp, body := get(t, srv, http.MethodGet, "/specialties/adult-cardiac")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /specialties/adult-cardiac = %d", resp.StatusCode)
	}
	if n := bytes.Count(body, []byte("data-unit-id=")); n != 500 {
		t.Fatalf("page has %d points, want 500", n)
	}
	const limit = 300 << 10
	if len(body) > limit {
		t.Errorf("specialty page for 500 surgeons weighs %d bytes, want under %d", len(body), limit)
	}
	t.Logf("specialty page for 500 surgeons: %d bytes", len(body))
}

// BenchmarkSpecialtyPage renders the specialty page for 500 surgeons
// through the handler (no network).
func BenchmarkSpecialtyPage(b *testing.B) {
	srv := newServerOn(b, bigDB, api.Config{})
	h := srv.Config.Handler
	req := httptest.NewRequest(http.MethodGet, "/specialties/adult-cardiac", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b.SetBytes(int64(rec.Body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
