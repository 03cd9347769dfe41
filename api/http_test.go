package api_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/surgeon-outcomes/outcomes/api"
)

// sendBody is get with an optional request body, and it never follows
// redirects, so a test sees the 301 or 302 itself.
func sendBody(t testing.TB, srv *httptest.Server, method, path string, body []byte,
	header ...string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, r)
	if err != nil {
		t.Fatalf("http.NewRequest(%s, %s) = %v, want nil", method, path, err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	client := *srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s = %v, want a response", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body = %v, want nil", method, path, err)
	}
	return resp, b
}

// envelopeJSON is the part of the {data, meta, links} envelope the tests
// read.
type envelopeJSON struct {
	Data  json.RawMessage `json:"data"`
	Meta  metaJSON        `json:"meta"`
	Links linksJSON       `json:"links"`
}

type metaJSON struct {
	Release     string    `json:"release"`
	Periods     []string  `json:"periods"`
	Count       int       `json:"count"`
	Source      string    `json:"source"`
	Licence     string    `json:"licence"`
	GeneratedAt time.Time `json:"generated_at"`
	Limit       int       `json:"limit"`
	NextCursor  *string   `json:"next_cursor"`
	Sort        string    `json:"sort"`
}

type linksJSON struct {
	Self   string `json:"self"`
	Pinned string `json:"pinned"`
	Next   string `json:"next"`
	CSV    string `json:"csv"`
	Docs   string `json:"docs"`
}

// envelopeOf decodes a successful JSON body, which must be exactly an
// object with data, meta and links.
func envelopeOf(t testing.TB, path string, resp *http.Response, body []byte) envelopeJSON {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, want 200; body:\n%s", path, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET %s: Content-Type = %q, want application/json", path, ct)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatalf("GET %s: json.Unmarshal(body) = %v, want nil", path, err)
	}
	for _, k := range []string{"data", "meta", "links"} {
		if _, ok := top[k]; !ok {
			t.Errorf("GET %s: the body has no %q key; keys are %v", path, k, slices.Sorted(maps.Keys(top)))
		}
	}
	var env envelopeJSON
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("GET %s: json.Unmarshal(body, envelope) = %v, want nil", path, err)
	}
	return env
}

// getEnvelope fetches path as JSON and decodes its envelope.
func getEnvelope(t testing.TB, srv *httptest.Server, path string) (envelopeJSON, *http.Response) {
	t.Helper()
	resp, body := get(t, srv, http.MethodGet, path)
	return envelopeOf(t, path, resp, body), resp
}

// rowsOf decodes an envelope's data as a list of rows.
func rowsOf(t testing.TB, env envelopeJSON) []map[string]any {
	t.Helper()
	var rows []map[string]any
	if err := json.Unmarshal(env.Data, &rows); err != nil {
		t.Fatalf("json.Unmarshal(data, rows) = %v, want nil", err)
	}
	return rows
}

// firstRowKeys lists the keys of data[0] in the order they were sent.
func firstRowKeys(t testing.TB, env envelopeJSON) []string {
	t.Helper()
	var rows []json.RawMessage
	if err := json.Unmarshal(env.Data, &rows); err != nil || len(rows) == 0 {
		t.Fatalf("json.Unmarshal(data) = %d rows, %v; want at least one row", len(rows), err)
	}
	dec := json.NewDecoder(bytes.NewReader(rows[0]))
	var keys []string
	if _, err := dec.Token(); err != nil { // {
		t.Fatalf("reading data[0]: %v", err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("reading data[0]: %v", err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("reading data[0].%s: %v", tok, err)
		}
	}
	return keys
}

// unitKeyFields identify a row: one unit in one comparison group.
var unitKeyFields = []string{"unit_type", "unit_id", "specialty", "procedure", "period"}

func unitKey(row map[string]any) string {
	parts := make([]string, len(unitKeyFields))
	for i, f := range unitKeyFields {
		parts[i] = fmt.Sprint(row[f])
	}
	return strings.Join(parts, "|")
}

// csvTable is a parsed CSV body.
type csvTable struct {
	header []string
	rows   [][]string
	col    map[string]int
}

func (c csvTable) cell(row []string, name string) string { return row[c.col[name]] }

func (c csvTable) key(row []string) string {
	parts := make([]string, len(unitKeyFields))
	for i, f := range unitKeyFields {
		parts[i] = c.cell(row, f)
	}
	return strings.Join(parts, "|")
}

func (c csvTable) keys() []string {
	keys := make([]string, len(c.rows))
	for i, r := range c.rows {
		keys[i] = c.key(r)
	}
	return keys
}

// parseCSVBody reads an RFC 4180 body with a header row.
func parseCSVBody(t testing.TB, path string, body []byte) csvTable {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("GET %s: csv.ReadAll(body) = %v, want nil", path, err)
	}
	if len(recs) == 0 {
		t.Fatalf("GET %s: the CSV has no header row", path)
	}
	tab := csvTable{header: recs[0], rows: recs[1:], col: map[string]int{}}
	for i, h := range tab.header {
		tab.col[h] = i
	}
	return tab
}

// getCSV fetches path, which must answer 200 with CSV.
func getCSV(t testing.TB, srv *httptest.Server, path string, header ...string) (csvTable, *http.Response, []byte) {
	t.Helper()
	resp, body := get(t, srv, http.MethodGet, path, header...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, want 200; body:\n%s", path, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("GET %s: Content-Type = %q, want text/csv", path, ct)
	}
	return parseCSVBody(t, path, body), resp, body
}

// csvPath inserts .csv before a collection URL's query.
func csvPath(p string) string {
	path, query, ok := strings.Cut(p, "?")
	if !ok {
		return path + ".csv"
	}
	return path + ".csv?" + query
}

// withParam appends name=value to a URL.
func withParam(p, name, value string) string {
	sep := "?"
	if strings.Contains(p, "?") {
		sep = "&"
	}
	return p + sep + name + "=" + value
}

// problemJSON is an RFC 9457 problem body.
type problemJSON struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Instance  string `json:"instance"`
	RequestID string `json:"request_id"`
	Errors    []struct {
		Param   string `json:"param"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (p problemJSON) params() []string {
	var ps []string
	for _, e := range p.Errors {
		ps = append(ps, e.Param)
	}
	return ps
}

// internalText matches what a Go error, panic or echo error would leak.
var internalText = regexp.MustCompile(`(?i)strconv\.|json: |invalid character|\.go:\d|goroutine|panic|runtime error|code=\d|unexpected EOF|sqlite|\bnil\b`)

// problemOf checks that a response is a well-formed problem+json answer
// with the given status, and decodes it.
func problemOf(t testing.TB, method, path string, resp *http.Response, body []byte, status int) problemJSON {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s %s = %d, want %d; body:\n%s", method, path, resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s %s: Content-Type = %q, want application/problem+json", method, path, ct)
	}
	var p problemJSON
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%s %s: json.Unmarshal(problem) = %v, want nil; body:\n%s", method, path, err, body)
	}
	u, _ := url.Parse(path)
	rid := resp.Header.Get("X-Request-Id")
	switch {
	case p.Type == "":
		t.Errorf("%s %s: problem.type is empty, want a URI", method, path)
	case p.Title != http.StatusText(status):
		t.Errorf("%s %s: problem.title = %q, want %q", method, path, p.Title, http.StatusText(status))
	case p.Status != status:
		t.Errorf("%s %s: problem.status = %d, want %d", method, path, p.Status, status)
	case p.Instance != u.Path:
		t.Errorf("%s %s: problem.instance = %q, want %q", method, path, p.Instance, u.Path)
	case rid == "" || p.RequestID != rid:
		t.Errorf("%s %s: problem.request_id = %q, want the X-Request-Id header %q (non-empty)", method, path,
			p.RequestID, rid)
	}
	if m := internalText.FindString(string(body)); m != "" {
		t.Errorf("%s %s: the problem shows internal text %q; body:\n%s", method, path, m, body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s %s: Cache-Control = %q, want no-store", method, path, cc)
	}
	if et := resp.Header.Get("ETag"); et != "" {
		t.Errorf("%s %s: ETag = %q on an error, want none", method, path, et)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != "" {
		t.Errorf("%s %s: Content-Disposition = %q on an error, want none", method, path, cd)
	}
	return p
}

// bandCodes is the closed set of band codes (DESIGN.md, STATS.md §6.1, and
// outcome.NotAssessable).
var bandCodes = []string{"high_alarm", "high_alert", "within", "low_alert", "low_alarm", "too_few", "not_assessable"}

var (
	snakeCase  = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	periodForm = regexp.MustCompile(`^\d{4}-\d{2}/\d{4}-\d{2}$`)
)

// checkKeysAndBands walks a decoded JSON value: every object key is
// snake_case and every "band" is a code of the closed set.
func checkKeysAndBands(t testing.TB, path, where string, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if !snakeCase.MatchString(k) {
				t.Errorf("GET %s: key %s.%s is not snake_case", path, where, k)
			}
			if k == "band" {
				if s, ok := x.(string); !ok || !slices.Contains(bandCodes, s) {
					t.Errorf("GET %s: %s.band = %v, want one of %v", path, where, x, bandCodes)
				}
			}
			checkKeysAndBands(t, path, where+"."+k, x)
		}
	case []any:
		for _, x := range v {
			checkKeysAndBands(t, path, where+"[]", x)
		}
	}
}

// distinctSorted returns the distinct values, sorted.
func distinctSorted(vs []string) []string {
	out := slices.Clone(vs)
	slices.Sort(out)
	return slices.Compact(out)
}

// Sentinel counts for TestEnvelope.
const (
	countLen     = -1 // len(data)
	countResults = -2 // len(data.results)
	countCSV     = -3 // rows of links.csv
)

func TestEnvelope(t *testing.T) {
	srv := newServer(t, api.Config{})
	tests := []struct {
		name  string
		path  string
		self  string
		count int
	}{
		{"index", "/api/v1/", "/api/v1/", 1},
		{"index without slash", "/api/v1", "/api/v1/", 1},
		{"releases", "/api/v1/releases", "/api/v1/releases", countLen},
		{"release", "/api/v1/releases/demo", "/api/v1/releases/demo", 1},
		{"specialties", "/api/v1/specialties", "/api/v1/specialties", countLen},
		{"specialty", "/api/v1/specialties/vascular", "/api/v1/specialties/vascular", 1},
		{"funnel", "/api/v1/specialties/vascular/funnel?unit_type=hospital",
			"/api/v1/specialties/vascular/funnel?unit_type=hospital", countLen},
		{"specialty surgeons", "/api/v1/specialties/vascular/surgeons?limit=7&period=2022-04/2025-03",
			"/api/v1/specialties/vascular/surgeons?limit=7&period=2022-04%2F2025-03", countCSV},
		{"specialty hospitals", "/api/v1/specialties/adult-cardiac/hospitals",
			"/api/v1/specialties/adult-cardiac/hospitals", countCSV},
		{"surgeons", "/api/v1/surgeons?specialty=orthopaedic&limit=10",
			"/api/v1/surgeons?limit=10&specialty=orthopaedic", countCSV},
		{"hospitals", "/api/v1/hospitals?band=high_alert", "/api/v1/hospitals?band=high_alert", countCSV},
		{"surgeon", "/api/v1/surgeons/9000017", "/api/v1/surgeons/9000017", countResults},
		{"hospital", "/api/v1/hospitals/ZZ101", "/api/v1/hospitals/ZZ101", countResults},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv, http.MethodGet, tt.path)
			env := envelopeOf(t, tt.path, resp, body)
			m := env.Meta
			if m.Release != "demo" || m.Licence != "CC0-1.0" || m.Source != "demo" {
				t.Errorf("GET %s: meta release, licence, source = %q, %q, %q; want demo, CC0-1.0, demo",
					tt.path, m.Release, m.Licence, m.Source)
			}
			if m.GeneratedAt.IsZero() {
				t.Errorf("GET %s: meta.generated_at is missing", tt.path)
			}
			if m.Periods == nil {
				t.Errorf("GET %s: meta.periods = null, want a list", tt.path)
			}
			for _, p := range m.Periods {
				if !periodForm.MatchString(p) {
					t.Errorf("GET %s: meta.periods has %q, want YYYY-MM/YYYY-MM", tt.path, p)
				}
			}
			if !slices.Equal(m.Periods, distinctSorted(m.Periods)) {
				t.Errorf("GET %s: meta.periods = %v, want sorted and distinct", tt.path, m.Periods)
			}
			if env.Links.Self != tt.self {
				t.Errorf("GET %s: links.self = %q, want %q", tt.path, env.Links.Self, tt.self)
			}
			if env.Links.Docs != "/api/docs/" {
				t.Errorf("GET %s: links.docs = %q, want /api/docs/", tt.path, env.Links.Docs)
			}
			var all any
			if err := json.Unmarshal(body, &all); err != nil {
				t.Fatal(err)
			}
			checkKeysAndBands(t, tt.path, "$", all)

			want, wantPeriods := tt.count, []string(nil)
			switch tt.count {
			case countLen:
				var list []json.RawMessage
				if err := json.Unmarshal(env.Data, &list); err != nil {
					t.Fatalf("GET %s: data is not a list: %v", tt.path, err)
				}
				want = len(list)
			case countResults:
				var d struct {
					Results []map[string]any `json:"results"`
				}
				if err := json.Unmarshal(env.Data, &d); err != nil {
					t.Fatalf("GET %s: data.results: %v", tt.path, err)
				}
				want = len(d.Results)
				for _, r := range d.Results {
					wantPeriods = append(wantPeriods, r["period"].(string))
				}
			case countCSV:
				// The CSV twin keeps the limit; without it, it streams every match.
				u, err := url.Parse(env.Links.CSV)
				if err != nil {
					t.Fatalf("url.Parse(links.csv %q) = %v", env.Links.CSV, err)
				}
				q := u.Query()
				q.Del("limit")
				u.RawQuery = q.Encode()
				tab, _, _ := getCSV(t, srv, u.String())
				want = len(tab.rows)
				for _, r := range tab.rows {
					wantPeriods = append(wantPeriods, tab.cell(r, "period"))
				}
				if env.Links.CSV != csvPath(tt.self) {
					t.Errorf("GET %s: links.csv = %q, want %q", tt.path, env.Links.CSV, csvPath(tt.self))
				}
				if rows := rowsOf(t, env); len(rows) > m.Limit || m.Limit < 1 {
					t.Errorf("GET %s: %d rows with meta.limit %d, want 1 ≤ rows ≤ limit", tt.path, len(rows), m.Limit)
				}
			}
			if m.Count != want || want < 1 {
				t.Errorf("GET %s: meta.count = %d, want %d (at least 1)", tt.path, m.Count, want)
			}
			if wantPeriods != nil && !slices.Equal(m.Periods, distinctSorted(wantPeriods)) {
				t.Errorf("GET %s: meta.periods = %v, want %v, the periods of every match", tt.path, m.Periods,
					distinctSorted(wantPeriods))
			}
		})
	}
}

// bandRank orders bands as sort=band does: most worrying first.
func bandRank(b string) int { return slices.Index(bandCodes, b) }

// ratioOf is a row's ratio, NaN for null.
func ratioOf(row map[string]any) float64 {
	if f, ok := row["ratio"].(float64); ok {
		return f
	}
	return math.NaN()
}

func TestPagination(t *testing.T) {
	srv := newServer(t, api.Config{})
	byName := func(a, b map[string]any) bool {
		return strings.ToLower(a["unit_name"].(string)) <= strings.ToLower(b["unit_name"].(string))
	}
	tests := []struct {
		name    string
		base    string // the query walked, without limit
		sort    string // meta.sort expected
		limit   int
		ordered func(a, b map[string]any) bool // holds for every two neighbouring rows
	}{
		{"default name order", "/api/v1/surgeons?specialty=orthopaedic", "name", 37, byName},
		{"ratio descending, NaN last", "/api/v1/surgeons?specialty=orthopaedic&sort=-ratio", "-ratio", 37,
			func(a, b map[string]any) bool {
				ra, rb := ratioOf(a), ratioOf(b)
				return math.IsNaN(rb) || !math.IsNaN(ra) && ra >= rb
			}},
		{"band", "/api/v1/surgeons?specialty=orthopaedic&sort=band", "band", 37,
			func(a, b map[string]any) bool { return bandRank(a["band"].(string)) <= bandRank(b["band"].(string)) }},
		{"hospital, many ties", "/api/v1/surgeons?specialty=orthopaedic&sort=hospital", "hospital", 37,
			func(a, b map[string]any) bool {
				return strings.ToLower(a["hospital_name"].(string)) <= strings.ToLower(b["hospital_name"].(string))
			}},
		{"a multiple of the limit", "/api/v1/specialties/adult-cardiac/hospitals", "name", 12, byName},
		{"pinned", "/api/v1/releases/demo/surgeons?band=high_alarm,high_alert&sort=-cases", "-cases", 9,
			func(a, b map[string]any) bool { return a["cases"].(float64) >= b["cases"].(float64) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			full, _, _ := getCSV(t, srv, csvPath(tt.base))
			wantKeys := full.keys()
			baseURL, err := url.Parse(tt.base)
			if err != nil {
				t.Fatal(err)
			}
			limit := strconv.Itoa(tt.limit)

			var keys []string
			var rows []map[string]any
			path := withParam(tt.base, "limit", limit)
			pages := 0
			for ; pages < 100; pages++ {
				env, resp := getEnvelope(t, srv, path)
				page := rowsOf(t, env)
				rows = append(rows, page...)
				for _, r := range page {
					keys = append(keys, unitKey(r))
				}
				if env.Meta.Count != len(wantKeys) {
					t.Errorf("GET %s: meta.count = %d, want %d (every matching row)", path, env.Meta.Count, len(wantKeys))
				}
				if env.Meta.Limit != tt.limit || env.Meta.Sort != tt.sort {
					t.Errorf("GET %s: meta.limit, sort = %d, %q; want %d, %q", path, env.Meta.Limit, env.Meta.Sort, tt.limit, tt.sort)
				}
				link := resp.Header.Get("Link")
				if env.Meta.NextCursor == nil {
					if env.Links.Next != "" || link != "" {
						t.Errorf("GET %s: last page has links.next %q and Link %q, want neither", path, env.Links.Next, link)
					}
					if len(page) == 0 {
						t.Errorf("GET %s: the last page is empty, want the remaining rows", path)
					}
					break
				}
				cur := *env.Meta.NextCursor
				if len(page) != tt.limit {
					t.Errorf("GET %s: %d rows on a page that is not the last, want %d", path, len(page), tt.limit)
				}
				if want := "<" + env.Links.Next + `>; rel="next"`; link != want {
					t.Errorf("GET %s: Link = %q, want %q", path, link, want)
				}
				next, err := url.Parse(env.Links.Next)
				if err != nil {
					t.Fatalf("url.Parse(links.next %q) = %v", env.Links.Next, err)
				}
				nq := next.Query()
				ok := nq.Get("cursor") == cur && nq.Get("limit") == limit
				for k := range baseURL.Query() {
					ok = ok && nq.Get(k) == baseURL.Query().Get(k)
				}
				// A pinned page links to the next as ?release=, on the unprefixed path.
				wantPath := baseURL.Path
				if rest, pinned := strings.CutPrefix(wantPath, "/api/v1/releases/demo/"); pinned {
					wantPath = "/api/v1/" + rest
					ok = ok && nq.Get("release") == "demo"
				}
				if !ok || next.Path != wantPath {
					t.Errorf("GET %s: links.next = %q, want the same query with cursor=%s", path, env.Links.Next, cur)
				}
				path = withParam(withParam(tt.base, "limit", limit), "cursor", cur)
			}
			if wantPages := (len(wantKeys) + tt.limit - 1) / tt.limit; pages+1 != wantPages || wantPages < 2 {
				t.Errorf("walking %s took %d pages, want %d (at least 2)", tt.base, pages+1, wantPages)
			}
			if !slices.Equal(keys, wantKeys) {
				t.Errorf("the pages of %s hold %d rows, want the %d rows of %s in the same order (first difference at %d)",
					tt.base, len(keys), len(wantKeys), csvPath(tt.base), firstMismatch(keys, wantKeys))
			}
			seen := map[string]bool{}
			for _, k := range keys {
				if seen[k] {
					t.Errorf("row %s appears on two pages", k)
				}
				seen[k] = true
			}
			for i := 1; i < len(rows); i++ {
				if !tt.ordered(rows[i-1], rows[i]) {
					t.Errorf("rows %d and %d of %s are out of order: %s then %s", i-1, i, tt.base, unitKey(rows[i-1]), unitKey(rows[i]))
					break
				}
			}
		})
	}
}

func firstMismatch(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestPaginationErrors(t *testing.T) {
	srv := newServer(t, api.Config{})
	env, _ := getEnvelope(t, srv, "/api/v1/surgeons?specialty=orthopaedic&limit=5")
	if env.Meta.NextCursor == nil {
		t.Fatal("GET /api/v1/surgeons?specialty=orthopaedic&limit=5: meta.next_cursor = null, want a cursor")
	}
	nameCursor := *env.Meta.NextCursor
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name string
		path string
	}{
		{"cursor with another sort", "/api/v1/surgeons?specialty=orthopaedic&limit=5&sort=-ratio&cursor=" + nameCursor},
		{"cursor with descending sort", "/api/v1/surgeons?specialty=orthopaedic&limit=5&sort=-name&cursor=" + nameCursor},
		{"garbage cursor", "/api/v1/surgeons?cursor=not-a-cursor!!"},
		{"base64 of nonsense", "/api/v1/surgeons?cursor=" + b64("hello")},
		{"short JSON list", "/api/v1/surgeons?cursor=" + b64(`["name"]`)},
		{"numeric sort with bad number", "/api/v1/surgeons?sort=ratio&cursor=" + b64(`["ratio","x","","a","surgeon","1","s","p","q"]`)},
		{"numeric sort with infinity", "/api/v1/surgeons?sort=ratio&cursor=" + b64(`["ratio","+Inf","","a","surgeon","1","s","p","q"]`)},
		{"over-long cursor", "/api/v1/surgeons?cursor=" + strings.Repeat("A", 2049)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv, http.MethodGet, tt.path)
			p := problemOf(t, http.MethodGet, tt.path, resp, body, http.StatusBadRequest)
			if !slices.Contains(p.params(), "cursor") {
				t.Errorf("GET %s: errors name %q, want cursor", tt.path, p.params())
			}
		})
	}
}

// sameCell reports whether a CSV cell holds the JSON value: null is an
// empty cell, numbers compare as float64.
func sameCell(cell string, v any) bool {
	switch v := v.(type) {
	case nil:
		return cell == ""
	case string:
		return cell == v
	case bool:
		return cell == strconv.FormatBool(v)
	case float64:
		f, err := strconv.ParseFloat(cell, 64)
		return err == nil && f == v
	}
	return false
}

func TestCSVTwins(t *testing.T) {
	srv := newServer(t, api.Config{})
	tests := []struct {
		name string
		path string // the JSON collection URL, with a query
	}{
		{"surgeons of a specialty and period", "/api/v1/surgeons?specialty=vascular&period=2022-04/2025-03&limit=60"},
		{"a specialty's hospitals by ratio", "/api/v1/specialties/orthopaedic/hospitals?sort=-ratio&limit=25"},
		{"hospitals in two bands", "/api/v1/hospitals?band=high_alert,high_alarm&limit=100"},
		{"search sorted by band", "/api/v1/surgeons?q=heron&sort=band&limit=100"},
		{"pinned, min_cases, descending cases", "/api/v1/releases/demo/specialties/colorectal/surgeons?min_cases=100&sort=-cases&limit=40"},
		{"second page", "/api/v1/surgeons?specialty=urology&limit=30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if tt.name == "second page" {
				env, _ := getEnvelope(t, srv, path)
				path = withParam(path, "cursor", *env.Meta.NextCursor)
			}
			env, jsonResp := getEnvelope(t, srv, path)
			rows := rowsOf(t, env)
			keys := firstRowKeys(t, env)
			variants := []struct {
				how    string
				path   string
				header []string
			}{
				{".csv", csvPath(path), nil},
				{"format=csv", withParam(path, "format", "csv"), nil},
				{"Accept: text/csv", path, []string{"Accept", "text/csv"}},
				{".csv and Accept: application/json", csvPath(path), []string{"Accept", "application/json"}},
			}
			var first []byte
			for _, v := range variants {
				tab, resp, body := getCSV(t, srv, v.path, v.header...)
				if first == nil {
					first = body
				} else if !bytes.Equal(body, first) {
					t.Errorf("GET %s (%s) differs from the .csv body", v.path, v.how)
				}
				if !slices.Equal(tab.header, keys) {
					t.Errorf("GET %s (%s): header = %v, want the JSON keys %v", v.path, v.how, tab.header, keys)
				}
				if len(tab.rows) != len(rows) {
					t.Fatalf("GET %s (%s) = %d rows, want %d as in the JSON", v.path, v.how, len(tab.rows), len(rows))
				}
				for i, rec := range tab.rows {
					for j, h := range tab.header {
						if !sameCell(rec[j], rows[i][h]) {
							t.Errorf("GET %s (%s): row %d %s = %q, want %v as in the JSON", v.path, v.how, i, h, rec[j], rows[i][h])
						}
					}
				}
				if n, crlf := bytes.Count(body, []byte("\n")), bytes.Count(body, []byte("\r\n")); n != crlf ||
					!bytes.HasSuffix(body, []byte("\r\n")) {
					t.Errorf("GET %s (%s): %d line feeds, %d of them after CR; want every line to end in CRLF", v.path, v.how, n, crlf)
				}
				if bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
					t.Errorf("GET %s (%s) starts with a BOM, want none without bom=1", v.path, v.how)
				}
				if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "charset=utf-8") {
					t.Errorf("GET %s (%s): Content-Type = %q, want text/csv; charset=utf-8", v.path, v.how, ct)
				}
				disp, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
				if err != nil || disp != "attachment" || !strings.HasSuffix(params["filename"], ".csv") {
					t.Errorf("GET %s (%s): Content-Disposition = %q, want attachment with a .csv filename", v.path, v.how,
						resp.Header.Get("Content-Disposition"))
				}
				wantLink := ""
				if env.Links.Next != "" {
					wantLink = "<" + csvPath(env.Links.Next) + `>; rel="next"`
				}
				if got := resp.Header.Get("Link"); got != wantLink {
					t.Errorf("GET %s (%s): Link = %q, want %q", v.path, v.how, got, wantLink)
				}
				if got, js := resp.Header.Get("ETag"), jsonResp.Header.Get("ETag"); got == js {
					t.Errorf("GET %s (%s): ETag = %s, the same as the JSON's; want another tag", v.path, v.how, got)
				}
			}
		})
	}
}

func TestCSVOptions(t *testing.T) {
	srv := newServer(t, api.Config{})

	t.Run("bom", func(t *testing.T) {
		const path = "/api/v1/surgeons.csv?specialty=bariatric"
		_, plainResp, plain := getCSV(t, srv, path)
		_, bomResp, withBOM := getCSV(t, srv, withParam(path, "bom", "1"))
		if !bytes.HasPrefix(withBOM, []byte{0xEF, 0xBB, 0xBF}) {
			t.Errorf("GET %s&bom=1 starts %q, want EF BB BF", path, withBOM[:min(3, len(withBOM))])
		}
		if !bytes.Equal(withBOM[3:], plain) {
			t.Errorf("GET %s&bom=1 after its BOM differs from the CSV without bom", path)
		}
		_, _, zero := getCSV(t, srv, withParam(path, "bom", "0"))
		if !bytes.Equal(zero, plain) {
			t.Errorf("GET %s&bom=0 differs from the CSV without bom", path)
		}
		if plainResp.Header.Get("ETag") == bomResp.Header.Get("ETag") {
			t.Errorf("GET %s: the same ETag %s with and without a BOM, want two", path, plainResp.Header.Get("ETag"))
		}
	})

	t.Run("no row cap", func(t *testing.T) {
		env, _ := getEnvelope(t, srv, "/api/v1/surgeons")
		tab, _, _ := getCSV(t, srv, "/api/v1/surgeons.csv")
		if env.Meta.Count <= 1000 || len(tab.rows) != env.Meta.Count {
			t.Errorf("GET /api/v1/surgeons.csv = %d rows, want meta.count %d (over 1000)", len(tab.rows), env.Meta.Count)
		}
	})

	negotiation := []struct {
		name    string
		path    string
		header  []string
		wantCSV bool
	}{
		{"extension wins over Accept", "/api/v1/surgeons.csv?limit=3", []string{"Accept", "application/json"}, true},
		{"format=json wins over Accept", "/api/v1/surgeons?limit=3&format=json", []string{"Accept", "text/csv"}, false},
		{"format=csv wins over Accept", "/api/v1/surgeons?limit=3&format=csv", []string{"Accept", "application/json"}, true},
		{"Accept prefers JSON by q", "/api/v1/surgeons?limit=3", []string{"Accept", "text/csv;q=0.5, application/json"}, false},
		{"Accept prefers CSV by q", "/api/v1/surgeons?limit=3", []string{"Accept", "application/json;q=0.4, text/csv"}, true},
		{"no Accept", "/api/v1/surgeons?limit=3", nil, false},
		{"Accept anything", "/api/v1/surgeons?limit=3", []string{"Accept", "*/*"}, false},
	}
	for _, tt := range negotiation {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv, http.MethodGet, tt.path, tt.header...)
			ct := resp.Header.Get("Content-Type")
			if resp.StatusCode != http.StatusOK || strings.HasPrefix(ct, "text/csv") != tt.wantCSV {
				t.Errorf("GET %s %v = %d %q, want 200 with CSV %v; body:\n%.300s", tt.path, tt.header, resp.StatusCode, ct,
					tt.wantCSV, body)
			}
		})
	}

	errorCases := []struct {
		name  string
		path  string
		param string
	}{
		{"bom on JSON", "/api/v1/surgeons?bom=1", "bom"},
		{"bom on Accept-less JSON with format", "/api/v1/surgeons?format=json&bom=1", "bom"},
		{"format=json on .csv", "/api/v1/surgeons.csv?format=json", "format"},
		{"unknown format", "/api/v1/surgeons?format=xml", "format"},
		{"bad bom", "/api/v1/surgeons.csv?bom=yes", "bom"},
		{"bad parameter on .csv", "/api/v1/specialties/vascular/surgeons.csv?limit=abc", "limit"},
	}
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv, http.MethodGet, tt.path)
			p := problemOf(t, http.MethodGet, tt.path, resp, body, http.StatusBadRequest)
			if !slices.Contains(p.params(), tt.param) {
				t.Errorf("GET %s: errors name %q, want %s", tt.path, p.params(), tt.param)
			}
		})
	}
}

func TestFilters(t *testing.T) {
	srv := newServer(t, api.Config{})
	full, _, _ := getCSV(t, srv, "/api/v1/surgeons.csv")
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	oracle := newSearchOracle(t)
	// found keeps the rows of every unit the search rule finds for q.
	found := func(q string) func(c csvTable, r []string) bool {
		keys := oracle.find(q)
		return func(c csvTable, r []string) bool {
			_, ok := slices.BinarySearch(keys, c.cell(r, "unit_type")+"/"+c.cell(r, "unit_id"))
			return ok
		}
	}
	tests := []struct {
		name  string
		query string
		keep  func(c csvTable, r []string) bool
	}{
		{"specialty", "specialty=urology", func(c csvTable, r []string) bool { return c.cell(r, "specialty") == "urology" }},
		{"procedure", "procedure=pci", func(c csvTable, r []string) bool { return c.cell(r, "procedure") == "pci" }},
		{"period", "period=2021-04/2024-03", func(c csvTable, r []string) bool { return c.cell(r, "period") == "2021-04/2024-03" }},
		{"one band", "band=low_alert", func(c csvTable, r []string) bool { return c.cell(r, "band") == "low_alert" }},
		{"band list", "band=high_alarm,high_alert", func(c csvTable, r []string) bool {
			return c.cell(r, "band") == "high_alarm" || c.cell(r, "band") == "high_alert"
		}},
		{"min_cases", "min_cases=200", func(c csvTable, r []string) bool { return atoi(c.cell(r, "cases")) >= 200 }},
		{"q lower case", "q=heron", found("heron")},
		{"q upper case with accent", "q=HER%C3%93N", found("heron")},
		{"q surrounded by space", "q=%20%20Heron%20", found("heron")},
		{"q on an id", "q=9000017", found("9000017")},
		{"q on a hospital name", "q=quillhaven", found("quillhaven")},
		{"all together", "specialty=vascular&period=2022-04/2025-03&band=within&min_cases=50", func(c csvTable, r []string) bool {
			return c.cell(r, "specialty") == "vascular" && c.cell(r, "period") == "2022-04/2025-03" &&
				c.cell(r, "band") == "within" && atoi(c.cell(r, "cases")) >= 50
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for _, r := range full.rows {
				if tt.keep(full, r) {
					want = append(want, full.key(r))
				}
			}
			if len(want) == 0 || len(want) >= len(full.rows) {
				t.Fatalf("the filter %s keeps %d of %d rows, want a proper subset", tt.query, len(want), len(full.rows))
			}
			path := "/api/v1/surgeons.csv?" + tt.query
			got, _, _ := getCSV(t, srv, path)
			if keys := got.keys(); !slices.Equal(keys, want) {
				t.Errorf("GET %s = %d rows, want %d (first difference at %d)", path, len(keys), len(want), firstMismatch(keys, want))
			}
			env, _ := getEnvelope(t, srv, "/api/v1/surgeons?"+tt.query)
			if env.Meta.Count != len(want) {
				t.Errorf("GET /api/v1/surgeons?%s: meta.count = %d, want %d", tt.query, env.Meta.Count, len(want))
			}
		})
	}

	t.Run("hospital", func(t *testing.T) {
		const h = "ZZ101"
		path := "/api/v1/surgeons.csv?hospital=" + h
		got, _, _ := getCSV(t, srv, path)
		var d struct {
			Surgeons []struct {
				UnitID string `json:"unit_id"`
			} `json:"surgeons"`
		}
		env, _ := getEnvelope(t, srv, "/api/v1/hospitals/"+h)
		if err := json.Unmarshal(env.Data, &d); err != nil {
			t.Fatal(err)
		}
		listed := map[string]bool{}
		for _, s := range d.Surgeons {
			listed[s.UnitID] = true
		}
		gotKeys := map[string]bool{}
		found := map[string]bool{}
		for _, r := range got.rows {
			gotKeys[got.key(r)] = true
			found[got.cell(r, "unit_id")] = true
			if got.cell(r, "unit_type") != "surgeon" || !listed[got.cell(r, "unit_id")] ||
				got.cell(r, "hospital_id") != h && got.cell(r, "hospital_count") == "1" {
				t.Errorf("GET %s has %s (main hospital %s of %s), want only surgeons with results at %s",
					path, got.key(r), got.cell(r, "hospital_id"), got.cell(r, "hospital_count"), h)
			}
		}
		for _, r := range full.rows {
			if full.cell(r, "hospital_id") == h && !gotKeys[full.key(r)] {
				t.Errorf("GET %s lacks %s, whose main hospital is %s", path, full.key(r), h)
			}
		}
		for id := range listed {
			if !found[id] {
				t.Errorf("GET %s lacks surgeon %s, listed at /api/v1/hospitals/%s", path, id, h)
			}
		}
		if len(got.rows) == 0 || len(got.rows) >= len(full.rows) {
			t.Errorf("GET %s = %d rows of %d, want a proper subset", path, len(got.rows), len(full.rows))
		}
		hosp, _, _ := getCSV(t, srv, "/api/v1/hospitals.csv?hospital="+h)
		for _, r := range hosp.rows {
			if hosp.cell(r, "unit_id") != h {
				t.Errorf("GET /api/v1/hospitals.csv?hospital=%s has %s, want only %s's rows", h, hosp.key(r), h)
			}
		}
		if len(hosp.rows) == 0 {
			t.Errorf("GET /api/v1/hospitals.csv?hospital=%s = no rows, want %s's own", h, h)
		}
	})

	t.Run("limit 1000", func(t *testing.T) {
		env, _ := getEnvelope(t, srv, "/api/v1/surgeons?limit=1000")
		if n := len(rowsOf(t, env)); n != 1000 || env.Meta.Limit != 1000 {
			t.Errorf("GET /api/v1/surgeons?limit=1000 = %d rows, meta.limit %d; want 1000, 1000", n, env.Meta.Limit)
		}
	})
	t.Run("default limit 100", func(t *testing.T) {
		env, _ := getEnvelope(t, srv, "/api/v1/surgeons")
		if n := len(rowsOf(t, env)); n != 100 || env.Meta.Limit != 100 {
			t.Errorf("GET /api/v1/surgeons = %d rows, meta.limit %d; want 100, 100", n, env.Meta.Limit)
		}
	})
}

// containsFold keeps rows whose name, id or main hospital name holds
// needle (lower-case ASCII), as the q search does.

func TestBadParameters(t *testing.T) {
	srv := newServer(t, api.Config{})
	long := strings.Repeat("a", 201)
	tests := []struct {
		name  string
		path  string
		param string // named in errors[]; "" names none in particular
	}{
		{"unknown parameter", "/api/v1/surgeons?colour=red", "colour"},
		{"unknown parameter beside good ones", "/api/v1/surgeons?specialty=vascular&limt=5", "limt"},
		{"unknown parameter on a resource", "/api/v1/surgeons/9000017?limit=5", "limit"},
		{"unknown parameter on the index", "/api/v1/?q=x", "q"},
		{"parameter on the release list", "/api/v1/releases?release=demo", "release"},
		{"specialty on a specialty's rows", "/api/v1/specialties/vascular/surgeons?specialty=vascular", "specialty"},
		{"limit on a funnel", "/api/v1/specialties/vascular/funnel?limit=5", "limit"},
		{"repeated parameter", "/api/v1/surgeons?band=within&band=too_few", "band"},
		{"repeated same value", "/api/v1/surgeons?limit=5&limit=5", "limit"},
		{"limit 0", "/api/v1/surgeons?limit=0", "limit"},
		{"limit 1001", "/api/v1/surgeons?limit=1001", "limit"},
		{"limit abc", "/api/v1/surgeons?limit=abc", "limit"},
		{"limit negative", "/api/v1/surgeons?limit=-1", "limit"},
		{"limit empty", "/api/v1/surgeons?limit=", "limit"},
		{"unknown specialty", "/api/v1/surgeons?specialty=cardiology", "specialty"},
		{"unknown band", "/api/v1/surgeons?band=red", "band"},
		{"unknown band in a list", "/api/v1/surgeons?band=within,above_95", "band"},
		{"bad sort", "/api/v1/surgeons?sort=colour", "sort"},
		{"bad descending sort", "/api/v1/surgeons?sort=-colour", "sort"},
		{"min_cases negative", "/api/v1/surgeons?min_cases=-1", "min_cases"},
		{"min_cases not a number", "/api/v1/surgeons?min_cases=lots", "min_cases"},
		{"unit_type", "/api/v1/specialties/vascular/funnel?unit_type=team", "unit_type"},
		{"malformed query string", "/api/v1/surgeons?a=%zz", ""},
		{"semicolon separator", "/api/v1/surgeons?limit=5;band=within", ""},
		{"control character in q", "/api/v1/surgeons?q=ab%01c", "q"},
		{"line feed in q", "/api/v1/surgeons?q=ab%0Ac", "q"},
		{"invalid UTF-8 in q", "/api/v1/surgeons?q=%FF", "q"},
		{"over-long q", "/api/v1/surgeons?q=" + long, "q"},
		{"release in path and query disagree", "/api/v1/releases/demo/surgeons?release=other", "release"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv, http.MethodGet, tt.path)
			p := problemOf(t, http.MethodGet, tt.path, resp, body, http.StatusBadRequest)
			if len(p.Errors) == 0 {
				t.Errorf("GET %s: errors = [], want the bad parameter named", tt.path)
			}
			if tt.param != "" && !slices.Contains(p.params(), tt.param) {
				t.Errorf("GET %s: errors name %q, want %q", tt.path, p.params(), tt.param)
			}
		})
	}
}

func TestProblems(t *testing.T) {
	srv := newServer(t, api.Config{})
	big := bytes.Repeat([]byte(" "), 1<<20+1)
	copy(big, `{"specialty": "adult-cardiac"}`)
	// 1 MB is read whether it means 10⁶ bytes or 2²⁰; more than 2²⁰ is not.
	justUnder := append(bytes.Repeat([]byte(" "), 1_000_000-2), '{', '}')
	tests := []struct {
		name   string
		method string
		path   string
		body   []byte
		header []string
		status int
		allow  string // want the Allow header to list these methods
	}{
		{"bad parameter", http.MethodGet, "/api/v1/surgeons?limit=0", nil, nil, 400, ""},
		{"unknown surgeon", http.MethodGet, "/api/v1/surgeons/0000000", nil, nil, 404, ""},
		{"unknown pinned surgeon", http.MethodGet, "/api/v1/releases/demo/surgeons/0000000", nil, nil, 404, ""},
		{"unknown hospital", http.MethodGet, "/api/v1/hospitals/NOPE", nil, nil, 404, ""},
		{"unknown specialty", http.MethodGet, "/api/v1/specialties/cardiology", nil, nil, 404, ""},
		{"unknown specialty's rows", http.MethodGet, "/api/v1/specialties/cardiology/surgeons", nil, nil, 404, ""},
		{"unknown specialty's CSV", http.MethodGet, "/api/v1/specialties/cardiology/hospitals.csv", nil, nil, 404, ""},
		{"unknown specialty's funnel", http.MethodGet, "/api/v1/specialties/cardiology/funnel", nil, nil, 404, ""},
		{"unknown release", http.MethodGet, "/api/v1/releases/nope", nil, nil, 404, ""},
		{"unknown release prefix", http.MethodGet, "/api/v1/releases/nope/specialties", nil, nil, 404, ""},
		{"unknown release parameter", http.MethodGet, "/api/v1/surgeons?release=nope", nil, nil, 404, ""},
		{"unknown path", http.MethodGet, "/api/v1/nowhere", nil, nil, 404, ""},
		{"unknown version", http.MethodGet, "/api/v2/surgeons", nil, nil, 404, ""},
		{"DELETE a collection", http.MethodDelete, "/api/v1/surgeons", nil, nil, 405, "GET, HEAD"},
		{"PUT a surgeon", http.MethodPut, "/api/v1/surgeons/9000017", []byte("{}"), nil, 405, "GET, HEAD"},
		{"GET the self-check", http.MethodGet, "/api/v1/self-check", nil, nil, 405, "POST"},
		{"body over 1 MB", http.MethodPost, "/api/v1/self-check", big, []string{"Content-Type", "application/json"}, 413, ""},
		{"body of 10⁶ bytes is read", http.MethodPost, "/api/v1/self-check", justUnder, []string{"Content-Type", "application/json"}, 400, ""},
		{"self-check malformed JSON", http.MethodPost, "/api/v1/self-check", []byte(`{"cases": 4`),
			[]string{"Content-Type", "application/json"}, 400, ""},
		{"self-check plain text", http.MethodPost, "/api/v1/self-check", []byte("cases=4"),
			[]string{"Content-Type", "text/plain"}, 415, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := sendBody(t, srv, tt.method, tt.path, tt.body, tt.header...)
			problemOf(t, tt.method, tt.path, resp, body, tt.status)
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("%s %s: Access-Control-Allow-Origin = %q, want *", tt.method, tt.path, got)
			}
			if tt.allow != "" {
				allow := resp.Header.Get("Allow")
				for m := range strings.SplitSeq(tt.allow, ", ") {
					if !slices.Contains(splitList(allow), m) {
						t.Errorf("%s %s: Allow = %q, want it to list %s", tt.method, tt.path, allow, m)
					}
				}
			}
		})
	}
}

// splitList splits a comma-separated header value.
func splitList(h string) []string {
	var out []string
	for s := range strings.SplitSeq(h, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func TestSelfCheckFields(t *testing.T) {
	srv := newServer(t, api.Config{})
	tests := []struct {
		name  string
		body  string
		param string
	}{
		{"wrong type names the field", `{"specialty": "adult-cardiac", "cases": "many", "events": 1, "expected": 2}`, "cases"},
		{"unknown field is named", `{"specialty": "adult-cardiac", "cases": 100, "events": 1, "expectd": 2}`, "expectd"},
		{"expected required when risk-adjusted", `{"specialty": "adult-cardiac", "cases": 100, "events": 1}`, "expected"},
		{"events over cases", `{"specialty": "adult-cardiac", "cases": 10, "events": 11, "expected": 2}`, "events"},
		{"unknown specialty", `{"specialty": "cardiology", "cases": 10, "events": 1, "expected": 2}`, "specialty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const path = "/api/v1/self-check"
			resp, body := sendBody(t, srv, http.MethodPost, path, []byte(tt.body), "Content-Type", "application/json")
			p := problemOf(t, http.MethodPost, path, resp, body, http.StatusBadRequest)
			if !slices.Contains(p.params(), tt.param) {
				t.Errorf("POST %s %s: errors name %q, want %s", path, tt.body, p.params(), tt.param)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	srv := newServer(t, api.Config{RateLimit: 1, RateBurst: 1})
	const path = "/api/v1/specialties"
	if resp, body := get(t, srv, http.MethodGet, path); resp.StatusCode != http.StatusOK {
		t.Fatalf("first GET %s = %d, want 200; body:\n%s", path, resp.StatusCode, body)
	}
	resp, body := get(t, srv, http.MethodGet, path)
	problemOf(t, http.MethodGet, path, resp, body, http.StatusTooManyRequests)
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("GET %s: Retry-After = %q, want a whole number of seconds ≥ 1", path, resp.Header.Get("Retry-After"))
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("GET %s: 429 Access-Control-Allow-Origin = %q, want *", path, got)
	}
	for _, p := range []string{"/healthz", "/metrics"} {
		if resp, _ := get(t, srv, http.MethodGet, p); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s while limited = %d, want 200 (never limited)", p, resp.StatusCode)
		}
	}
}

func TestCORS(t *testing.T) {
	srv := newServer(t, api.Config{})
	limited := newServer(t, api.Config{RateLimit: 1, RateBurst: 1})
	get(t, limited, http.MethodGet, "/api/v1/") // spends the burst
	tests := []struct {
		name   string
		srv    *httptest.Server
		method string
		path   string
		status int
		cors   bool
	}{
		{"200 JSON", srv, http.MethodGet, "/api/v1/specialties", 200, true},
		{"200 CSV", srv, http.MethodGet, "/api/v1/surgeons.csv?limit=2", 200, true},
		{"200 HEAD", srv, http.MethodHead, "/api/v1/surgeons?limit=2", 200, true},
		{"400", srv, http.MethodGet, "/api/v1/surgeons?limit=0", 400, true},
		{"404", srv, http.MethodGet, "/api/v1/surgeons/0000000", 404, true},
		{"404 unknown route", srv, http.MethodGet, "/api/v1/nowhere", 404, true},
		{"405", srv, http.MethodDelete, "/api/v1/surgeons", 405, true},
		{"429", limited, http.MethodGet, "/api/v1/", 429, true},
		{"healthz", srv, http.MethodGet, "/healthz", 200, false},
		{"metrics", srv, http.MethodGet, "/metrics", 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := get(t, tt.srv, tt.method, tt.path, "Origin", "https://example.org")
			if resp.StatusCode != tt.status {
				t.Errorf("%s %s = %d, want %d", tt.method, tt.path, resp.StatusCode, tt.status)
			}
			got := resp.Header.Get("Access-Control-Allow-Origin")
			if want := map[bool]string{true: "*"}[tt.cors]; got != want {
				t.Errorf("%s %s: Access-Control-Allow-Origin = %q, want %q", tt.method, tt.path, got, want)
			}
			if tt.cors {
				expose := splitList(resp.Header.Get("Access-Control-Expose-Headers"))
				if !slices.Contains(expose, "Link") || !slices.Contains(expose, "ETag") {
					t.Errorf("%s %s: Access-Control-Expose-Headers = %v, want Link and ETag", tt.method, tt.path, expose)
				}
				if c := resp.Header.Get("Access-Control-Allow-Credentials"); c != "" {
					t.Errorf("%s %s: Access-Control-Allow-Credentials = %q, want none", tt.method, tt.path, c)
				}
			}
		})
	}

	t.Run("preflight", func(t *testing.T) {
		const path = "/api/v1/surgeons"
		resp, body := get(t, srv, http.MethodOptions, path, "Origin", "https://example.org",
			"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "If-None-Match")
		if resp.StatusCode != http.StatusNoContent || len(body) != 0 {
			t.Errorf("OPTIONS %s = %d with %d bytes, want 204 and no body", path, resp.StatusCode, len(body))
		}
		h := resp.Header
		if h.Get("Access-Control-Allow-Origin") != "*" || !slices.Contains(splitList(h.Get("Access-Control-Allow-Methods")), "GET") ||
			h.Get("Access-Control-Max-Age") != "3600" {
			t.Errorf("OPTIONS %s: Allow-Origin %q, Allow-Methods %q, Max-Age %q; want *, a list with GET, 3600", path,
				h.Get("Access-Control-Allow-Origin"), h.Get("Access-Control-Allow-Methods"), h.Get("Access-Control-Max-Age"))
		}
	})
}

// vary lists a response's Vary values.
func vary(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Vary") {
		out = append(out, splitList(v)...)
	}
	return out
}

var strongETag = regexp.MustCompile(`^"[\x21\x23-\x7e]+"$`)

func TestCaching(t *testing.T) {
	srv := newServer(t, api.Config{})
	etag := func(t *testing.T, path string, header ...string) (string, *http.Response, []byte) {
		t.Helper()
		resp, body := get(t, srv, http.MethodGet, path, header...)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d, want 200; body:\n%s", path, resp.StatusCode, body)
		}
		return resp.Header.Get("ETag"), resp, body
	}

	rel, _ := getEnvelope(t, srv, "/api/v1/releases/demo")
	var release struct {
		IngestedAt time.Time `json:"ingested_at"`
	}
	if err := json.Unmarshal(rel.Data, &release); err != nil || release.IngestedAt.IsZero() {
		t.Fatalf("GET /api/v1/releases/demo: data.ingested_at = %v, %v; want a time", release.IngestedAt, err)
	}
	ingested := release.IngestedAt
	if !rel.Meta.GeneratedAt.Equal(ingested) {
		t.Errorf("GET /api/v1/releases/demo: meta.generated_at = %s, want ingested_at %s", rel.Meta.GeneratedAt, ingested)
	}

	headers := []struct {
		name   string
		path   string
		header []string
		pinned bool
	}{
		{"latest collection", "/api/v1/surgeons?specialty=vascular&limit=5", nil, false},
		{"latest CSV", "/api/v1/surgeons.csv?specialty=vascular&limit=5", nil, false},
		{"Accept: text/csv", "/api/v1/surgeons?specialty=vascular&limit=5", []string{"Accept", "text/csv"}, false},
		{"latest resource", "/api/v1/surgeons/9000017", nil, false},
		{"release=latest", "/api/v1/surgeons?release=latest&limit=5", nil, false},
		{"releases/latest prefix", "/api/v1/releases/latest/surgeons?limit=5", nil, false},
		{"release list", "/api/v1/releases", nil, false},
		{"pinned path", "/api/v1/releases/demo/surgeons", nil, true},
		{"pinned CSV", "/api/v1/releases/demo/surgeons.csv?limit=5", nil, true},
		{"release=demo", "/api/v1/surgeons?release=demo&limit=5", nil, true},
		{"release=demo on a resource", "/api/v1/surgeons/9000017?release=demo", nil, true},
		{"release itself", "/api/v1/releases/demo", nil, true},
	}
	for _, tt := range headers {
		t.Run("headers/"+tt.name, func(t *testing.T) {
			tag, resp, _ := etag(t, tt.path, tt.header...)
			if !strongETag.MatchString(tag) {
				t.Errorf("GET %s: ETag = %q, want a strong quoted tag", tt.path, tag)
			}
			cc := resp.Header.Get("Cache-Control")
			// A pinned answer keeps its figures, but a correction may
			// supersede its release, and it then says so: a day, not
			// immutable.
			if tt.pinned && cc != "public, max-age=86400" {
				t.Errorf("GET %s: Cache-Control = %q, want public, max-age=86400", tt.path, cc)
			}
			if !tt.pinned && (strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=300")) {
				t.Errorf("GET %s: Cache-Control = %q, want public, max-age=300 and not immutable", tt.path, cc)
			}
			if !slices.Contains(vary(resp.Header), "Accept") {
				t.Errorf("GET %s: Vary = %v, want Accept among them", tt.path, vary(resp.Header))
			}
			if lm, err := http.ParseTime(resp.Header.Get("Last-Modified")); err != nil || !lm.Equal(ingested.Truncate(time.Second)) {
				t.Errorf("GET %s: Last-Modified = %q, want the release's ingest time %s", tt.path,
					resp.Header.Get("Last-Modified"), ingested.Format(http.TimeFormat))
			}
			again, _, _ := etag(t, tt.path, tt.header...)
			if again != tag {
				t.Errorf("GET %s twice: ETag = %s then %s, want the same", tt.path, tag, again)
			}
			for _, inm := range []string{tag, "W/" + tag, `"nope", ` + tag} {
				h := append([]string{"If-None-Match", inm}, tt.header...)
				resp, body := get(t, srv, http.MethodGet, tt.path, h...)
				if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
					t.Errorf("GET %s If-None-Match: %s = %d with %d bytes, want 304 and no body", tt.path, inm,
						resp.StatusCode, len(body))
				}
				if got := resp.Header.Get("ETag"); got != tag {
					t.Errorf("GET %s If-None-Match: %s: ETag = %q, want %s", tt.path, inm, got, tag)
				}
				if got, want := resp.Header.Get("Cache-Control"), cc; got != want {
					t.Errorf("GET %s If-None-Match: %s: Cache-Control = %q, want %q as on the 200", tt.path, inm, got, want)
				}
			}
			resp, _ = get(t, srv, http.MethodGet, tt.path, append([]string{"If-None-Match", `"other"`}, tt.header...)...)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s If-None-Match: \"other\" = %d, want 200", tt.path, resp.StatusCode)
			}
		})
	}

	pairs := []struct {
		name string
		a, b string
		same bool
	}{
		{"different query", "/api/v1/surgeons?limit=5", "/api/v1/surgeons?limit=6", false},
		{"different filter", "/api/v1/surgeons?specialty=vascular", "/api/v1/surgeons?specialty=urology", false},
		{"different route", "/api/v1/surgeons?limit=5", "/api/v1/hospitals?limit=5", false},
		{"parameter order", "/api/v1/surgeons?specialty=vascular&limit=5", "/api/v1/surgeons?limit=5&specialty=vascular", true},
		{"band list order", "/api/v1/surgeons?band=within,too_few&limit=5", "/api/v1/surgeons?band=too_few,within&limit=5", true},
		{"default sort spelt out", "/api/v1/surgeons?limit=5", "/api/v1/surgeons?limit=5&sort=name", true},
		{".csv and format=csv", "/api/v1/surgeons.csv?limit=5", "/api/v1/surgeons?limit=5&format=csv", true},
	}
	for _, tt := range pairs {
		t.Run("etag/"+tt.name, func(t *testing.T) {
			ta, _, ba := etag(t, tt.a)
			tb, _, bb := etag(t, tt.b)
			if (ta == tb) != tt.same {
				t.Errorf("ETags of %s and %s = %s, %s; want equal %v", tt.a, tt.b, ta, tb, tt.same)
			}
			if tt.same && !bytes.Equal(ba, bb) {
				t.Errorf("GET %s and %s have one ETag but different bodies", tt.a, tt.b)
			}
		})
	}

	t.Run("gzip", func(t *testing.T) {
		for _, path := range []string{"/api/v1/surgeons?specialty=vascular&limit=50", "/api/v1/surgeons.csv?specialty=vascular"} {
			plainTag, _, plain := etag(t, path)
			gzTag, resp, gz := etag(t, path, "Accept-Encoding", "gzip")
			if resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("GET %s Accept-Encoding: gzip: Content-Encoding = %q, want gzip", path, resp.Header.Get("Content-Encoding"))
			}
			if gzTag == plainTag || !strongETag.MatchString(gzTag) {
				t.Errorf("GET %s: gzip ETag = %s, plain %s; want two strong tags", path, gzTag, plainTag)
			}
			if !slices.Contains(vary(resp.Header), "Accept-Encoding") {
				t.Errorf("GET %s gzip: Vary = %v, want Accept-Encoding", path, vary(resp.Header))
			}
			zr, err := gzip.NewReader(bytes.NewReader(gz))
			if err != nil {
				t.Fatalf("gzip.NewReader(body of %s) = %v", path, err)
			}
			unzipped, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("gunzip(body of %s) = %v", path, err)
			}
			if !bytes.Equal(unzipped, plain) {
				t.Errorf("GET %s: the gunzipped body (%d bytes) differs from the plain one (%d bytes)", path, len(unzipped), len(plain))
			}
			resp, body := get(t, srv, http.MethodGet, path, "Accept-Encoding", "gzip", "If-None-Match", gzTag)
			if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
				t.Errorf("GET %s gzip If-None-Match = %d with %d bytes, want 304 and no body", path, resp.StatusCode, len(body))
			}
		}
	})
}

// TestPinnedAndLatest holds a release-pinned URL and its latest twin to
// their own answers, whichever is asked first: each body's links name the
// URL asked for, and different bytes never share a strong ETag.
func TestPinnedAndLatest(t *testing.T) {
	tests := []struct {
		name                   string
		latest, pinned         string
		latestSelf, pinnedSelf string
	}{
		{"collection", "/api/v1/surgeons?specialty=vascular&limit=2", "/api/v1/releases/demo/surgeons?specialty=vascular&limit=2",
			"/api/v1/surgeons?limit=2&specialty=vascular", "/api/v1/surgeons?limit=2&release=demo&specialty=vascular"},
		{"specialty", "/api/v1/specialties/vascular", "/api/v1/releases/demo/specialties/vascular",
			"/api/v1/specialties/vascular", "/api/v1/specialties/vascular?release=demo"},
		{"specialties by parameter", "/api/v1/specialties", "/api/v1/specialties?release=demo",
			"/api/v1/specialties", "/api/v1/specialties?release=demo"},
		{"release", "/api/v1/releases/latest", "/api/v1/releases/demo",
			"/api/v1/releases/latest", "/api/v1/releases/demo"},
	}
	// One server per order: each case's URLs are its own cache entries, so
	// the cases do not disturb one another.
	for _, pinnedFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("pinned first %v", pinnedFirst), func(t *testing.T) {
			srv := newServer(t, api.Config{})
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					order := []string{tt.latest, tt.pinned}
					if pinnedFirst {
						order = []string{tt.pinned, tt.latest}
					}
					type answer struct {
						env  envelopeJSON
						tag  string
						body []byte
					}
					got := map[string]answer{}
					for _, p := range order {
						resp, body := get(t, srv, http.MethodGet, p)
						got[p] = answer{envelopeOf(t, p, resp, body), resp.Header.Get("ETag"), body}
					}
					l, p := got[tt.latest], got[tt.pinned]
					if l.env.Links.Self != tt.latestSelf {
						t.Errorf("GET %s: links.self = %q, want %q", tt.latest, l.env.Links.Self, tt.latestSelf)
					}
					if p.env.Links.Self != tt.pinnedSelf {
						t.Errorf("GET %s: links.self = %q, want %q", tt.pinned, p.env.Links.Self, tt.pinnedSelf)
					}
					if p.env.Links.Next != "" && !strings.Contains(p.env.Links.Next, "release=demo") {
						t.Errorf("GET %s: links.next = %q, want it pinned to release=demo", tt.pinned, p.env.Links.Next)
					}
					if l.tag == p.tag && !bytes.Equal(l.body, p.body) {
						t.Errorf("GET %s and %s: one strong ETag %s for different bodies", tt.latest, tt.pinned, l.tag)
					}
				})
			}
		})
	}
}

// TestHEAD checks that HEAD answers as GET does, without a body.
func TestHEAD(t *testing.T) {
	srv := newServer(t, api.Config{})
	ignore := []string{"Date", "X-Request-Id"}
	tests := []struct {
		name   string
		path   string
		header []string
	}{
		{"collection", "/api/v1/surgeons?specialty=vascular&limit=5", nil},
		{"CSV", "/api/v1/surgeons.csv?specialty=vascular&limit=5", nil},
		{"resource", "/api/v1/surgeons/9000017", nil},
		{"specialties", "/api/v1/specialties", nil},
		{"summary CSV", "/api/v1/summary.csv?specialty=vascular", nil},
		{"gzip", "/api/v1/surgeons?specialty=vascular&limit=5", []string{"Accept-Encoding", "gzip"}},
		{"not found", "/api/v1/surgeons/0000000", nil},
		{"bad request", "/api/v1/surgeons?limit=0", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getResp, _ := get(t, srv, http.MethodGet, tt.path, tt.header...)
			headResp, body := get(t, srv, http.MethodHead, tt.path, tt.header...)
			if headResp.StatusCode != getResp.StatusCode {
				t.Errorf("HEAD %s = %d, want %d as GET", tt.path, headResp.StatusCode, getResp.StatusCode)
			}
			if len(body) != 0 {
				t.Errorf("HEAD %s = %d bytes of body, want none", tt.path, len(body))
			}
			gh, hh := getResp.Header.Clone(), headResp.Header.Clone()
			for _, k := range ignore {
				gh.Del(k)
				hh.Del(k)
			}
			// RFC 9110 §9.3.2 lets HEAD leave out Content-Length.
			if hh.Get("Content-Length") == "" {
				gh.Del("Content-Length")
			}
			if !reflect.DeepEqual(gh, hh) {
				t.Errorf("HEAD %s headers = %v, want GET's %v", tt.path, hh, gh)
			}
		})
	}
}

func TestHTTPMetrics(t *testing.T) {
	srv := newServer(t, api.Config{})
	if resp, _ := get(t, srv, http.MethodGet, "/api/v1/surgeons/9000017"); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/surgeons/9000017 = %d, want 200", resp.StatusCode)
	}
	resp, body := get(t, srv, http.MethodGet, "/metrics")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics = %d %q, want 200 text/plain", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	want := regexp.MustCompile(`(?m)^outcomes_http_requests_total\{[^}]*route="/api/v1/surgeons/:id"[^}]*\} 1$`)
	if !want.Match(body) {
		t.Errorf("GET /metrics has no outcomes_http_requests_total sample for route /api/v1/surgeons/:id; body:\n%s", body)
	}
	if bytes.Contains(body, []byte("9000017")) {
		t.Errorf("GET /metrics names surgeon 9000017, want route patterns only")
	}
}

func TestOpenAPIAndDocs(t *testing.T) {
	srv := newServer(t, api.Config{})
	t.Run("openapi.json", func(t *testing.T) {
		resp, body := get(t, srv, http.MethodGet, "/api/v1/openapi.json")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("GET /api/v1/openapi.json = %d %q, want 200 JSON", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var doc struct {
			Swagger string                     `json:"swagger"`
			Paths   map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("json.Unmarshal(openapi.json) = %v, want nil", err)
		}
		if doc.Swagger != "2.0" {
			t.Errorf("openapi.json swagger = %q, want 2.0", doc.Swagger)
		}
		// Every route of the API's table, so a new one cannot go undocumented
		// without this list changing too.
		for _, p := range []string{"/api/v1/", "/api/v1/releases", "/api/v1/releases/{release}",
			"/api/v1/specialties", "/api/v1/specialties/{slug}", "/api/v1/specialties/{slug}/funnel",
			"/api/v1/specialties/{slug}/surgeons", "/api/v1/specialties/{slug}/surgeons.csv",
			"/api/v1/specialties/{slug}/hospitals", "/api/v1/specialties/{slug}/hospitals.csv",
			"/api/v1/surgeons", "/api/v1/surgeons.csv", "/api/v1/surgeons/{id}", "/api/v1/hospitals",
			"/api/v1/hospitals.csv", "/api/v1/hospitals/{id}", "/api/v1/self-check", "/api/v1/openapi.json",
			"/api/v1/summary", "/api/v1/summary.csv",
			"/healthz", "/metrics"} {
			if _, ok := doc.Paths[p]; !ok {
				t.Errorf("openapi.json has no path %s; paths are %v", p, slices.Sorted(maps.Keys(doc.Paths)))
			}
		}
	})
	redirects := []struct {
		path     string
		status   int
		location string
	}{
		{"/api/docs", http.StatusMovedPermanently, "/api/docs/"},
		{"/api/docs/", http.StatusFound, "/api/docs/index.html"},
	}
	for _, tt := range redirects {
		t.Run("redirect "+tt.path, func(t *testing.T) {
			resp, _ := sendBody(t, srv, http.MethodGet, tt.path, nil)
			if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.location {
				t.Errorf("GET %s = %d to %q, want %d to %s", tt.path, resp.StatusCode, resp.Header.Get("Location"),
					tt.status, tt.location)
			}
		})
	}
	t.Run("index.html", func(t *testing.T) {
		resp, body := get(t, srv, http.MethodGet, "/api/docs/index.html")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			!bytes.Contains(bytes.ToLower(body), []byte("<html")) {
			t.Errorf("GET /api/docs/index.html = %d %q, want 200 HTML", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
}

func TestPinnedPrefix(t *testing.T) {
	srv := newServer(t, api.Config{})
	dataOf := func(t *testing.T, path string) any {
		t.Helper()
		env, _ := getEnvelope(t, srv, path)
		// Links inside the data name the URL's own form of the release.
		raw := strings.ReplaceAll(string(env.Data), "/api/v1/releases/demo/", "/api/v1/")
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	same := []struct {
		name          string
		latest, other string
	}{
		{"specialties", "/api/v1/specialties", "/api/v1/releases/demo/specialties"},
		{"specialties via latest", "/api/v1/specialties", "/api/v1/releases/latest/specialties"},
		{"specialty", "/api/v1/specialties/vascular", "/api/v1/releases/demo/specialties/vascular"},
		{"funnel", "/api/v1/specialties/bariatric/funnel?unit_type=hospital", "/api/v1/releases/demo/specialties/bariatric/funnel?unit_type=hospital"},
		{"surgeons", "/api/v1/surgeons?specialty=vascular&limit=20", "/api/v1/releases/demo/surgeons?specialty=vascular&limit=20"},
		{"surgeons by parameter", "/api/v1/surgeons?specialty=vascular&limit=20", "/api/v1/surgeons?specialty=vascular&limit=20&release=demo"},
		{"surgeon", "/api/v1/surgeons/9000017", "/api/v1/releases/demo/surgeons/9000017"},
		{"hospital", "/api/v1/hospitals/ZZ101", "/api/v1/releases/demo/hospitals/ZZ101"},
		{"summary", "/api/v1/summary?unit_type=hospital", "/api/v1/releases/demo/summary?unit_type=hospital"},
		{"path and parameter agree", "/api/v1/surgeons?limit=3", "/api/v1/releases/demo/surgeons?limit=3&release=demo"},
	}
	for _, tt := range same {
		t.Run(tt.name, func(t *testing.T) {
			if a, b := dataOf(t, tt.latest), dataOf(t, tt.other); !reflect.DeepEqual(a, b) {
				t.Errorf("GET %s and %s answer different data, want the same", tt.latest, tt.other)
			}
		})
	}
	t.Run("unknown release", func(t *testing.T) {
		const path = "/api/v1/releases/nope/specialties"
		resp, body := get(t, srv, http.MethodGet, path)
		problemOf(t, http.MethodGet, path, resp, body, http.StatusNotFound)
	})
	t.Run("release parameter disagrees", func(t *testing.T) {
		const path = "/api/v1/releases/demo/surgeons?release=other"
		resp, body := get(t, srv, http.MethodGet, path)
		p := problemOf(t, http.MethodGet, path, resp, body, http.StatusBadRequest)
		if !slices.Contains(p.params(), "release") {
			t.Errorf("GET %s: errors name %q, want release", path, p.params())
		}
	})
	t.Run("self-check pinned", func(t *testing.T) {
		const path = "/api/v1/releases/demo/self-check"
		resp, body := sendBody(t, srv, http.MethodPost, path,
			[]byte(`{"specialty": "adult-cardiac", "cases": 412, "events": 11, "expected": 7.9}`), "Content-Type", "application/json")
		env := envelopeOf(t, path, resp, body)
		if env.Meta.Release != "demo" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("POST %s: meta.release %q, Cache-Control %q; want demo, no-store", path, env.Meta.Release,
				resp.Header.Get("Cache-Control"))
		}
	})
}
