package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// fuzzPaths are the endpoints FuzzQuery sends its query to: a collection
// (JSON, or CSV by format=csv), a collection's CSV twin, and a funnel.
var fuzzPaths = []string{
	"/api/v1/surgeons",
	"/api/v1/specialties/vascular/hospitals.csv",
	"/api/v1/specialties/adult-cardiac/funnel",
}

// fuzzBands is the closed set of band codes (STATS.md §6.1, §8.3).
var fuzzBands = []string{"high_alarm", "high_alert", "within", "low_alert", "low_alarm", "too_few", "not_assessable"}

// fuzzProblem is an RFC 9457 problem body as the API writes it.
type fuzzProblem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Errors []struct {
		Param   *string `json:"param"`
		Message string  `json:"message"`
	} `json:"errors"`
}

// fuzzEnvelope is the part of a 200 JSON body FuzzQuery checks: unit rows
// carry a band, funnels carry points with a band.
type fuzzEnvelope struct {
	Data []struct {
		UnitType   string                  `json:"unit_type"`
		UnitID     string                  `json:"unit_id"`
		Specialty  string                  `json:"specialty"`
		Procedure  string                  `json:"procedure"`
		Period     string                  `json:"period"`
		Band       *string                 `json:"band"`
		BandCounts map[string]int          `json:"band_counts"`
		Points     []struct{ Band string } `json:"points"`
	} `json:"data"`
	Meta *struct {
		Count      *int    `json:"count"`
		Limit      int     `json:"limit"`
		NextCursor *string `json:"next_cursor"`
	} `json:"meta"`
	Links struct {
		Next string `json:"next"`
	} `json:"links"`
}

// serveQuery sends GET path?raw through h, the raw query string exactly as
// given (not re-encoded), as a client on the wire could.
func serveQuery(h http.Handler, path, raw string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.URL.RawQuery = raw
	req.RequestURI = path + "?" + raw
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// FuzzQuery sends arbitrary query strings to three endpoints. Whatever the
// query, the answer is 200 or a 400 problem naming each bad parameter (or
// a 404 for a release the server does not have), never a 500. A 200 page
// holds at most its limit, meta.count and 1,000 rows, every band is a
// known code, its ETag revalidates to a 304, and a next cursor leads to a
// 200 page with none of the same rows.
func FuzzQuery(f *testing.F) {
	srv := newServer(f, api.Config{})
	h := srv.Config.Handler

	// Cursors from real responses, for each path that pages.
	for _, seed := range []struct {
		path int
		raw  string
	}{
		{0, "limit=3"},
		{0, "limit=2&sort=-ratio&specialty=adult-cardiac"},
		{1, "limit=2&sort=band"},
	} {
		rec := serveQuery(h, fuzzPaths[seed.path], seed.raw)
		next := fuzzNextCursor(f, rec)
		if next == "" {
			f.Fatalf("GET %s?%s gave no next cursor (status %d)", fuzzPaths[seed.path], seed.raw, rec.Code)
		}
		f.Add(uint8(seed.path), seed.raw+"&cursor="+next)
		f.Add(uint8(seed.path), "cursor="+next) // the cursor without its sort: 400 when they differ
	}

	f.Fuzz(func(t *testing.T, which uint8, raw string) {
		path := fuzzPaths[int(which)%len(fuzzPaths)]
		rec := serveQuery(h, path, raw)
		checkQueryResponse(t, path, raw, rec)
		if rec.Code != http.StatusOK {
			return
		}

		// Revalidation: the same request with the answer's ETag is a 304.
		if etag := rec.Header().Get("ETag"); etag != "" {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.URL.RawQuery = raw
			req.Header.Set("If-None-Match", etag)
			rec304 := httptest.NewRecorder()
			h.ServeHTTP(rec304, req)
			if rec304.Code != http.StatusNotModified || rec304.Body.Len() != 0 {
				t.Fatalf("GET %s?%q with If-None-Match %s = %d %.200s, want 304 with no body", path, raw, etag,
					rec304.Code, rec304.Body.Bytes())
			}
		} else {
			t.Fatalf("GET %s?%q = 200 without an ETag", path, raw)
		}

		// Paging: the same query with the next cursor is another page.
		next := fuzzNextCursor(t, rec)
		if next == "" {
			return
		}
		v, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatalf("GET %s?%q = 200, but the query does not parse: %v", path, raw, err)
		}
		v.Set("cursor", next)
		rec2 := serveQuery(h, path, v.Encode())
		if rec2.Code != http.StatusOK {
			t.Fatalf("GET %s?%q = %d %s, want 200 (next page of %q)", path, v.Encode(), rec2.Code,
				rec2.Body.Bytes(), raw)
		}
		checkQueryResponse(t, path, v.Encode(), rec2)
		first, second := fuzzRowKeys(t, rec), fuzzRowKeys(t, rec2)
		for _, k := range second {
			if slices.Contains(first, k) {
				t.Fatalf("GET %s?%q: row %s is on the first page and on the next", path, raw, k)
			}
		}
	})
}

// checkQueryResponse checks one answer to GET path?raw.
func checkQueryResponse(t *testing.T, path, raw string, rec *httptest.ResponseRecorder) {
	t.Helper()
	body := rec.Body.Bytes()
	ct, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type"))
	switch rec.Code {
	case http.StatusNotModified:
		return
	case http.StatusBadRequest:
		if ct != "application/problem+json" {
			t.Fatalf("GET %s?%q = 400 with Content-Type %q, want application/problem+json", path, raw, ct)
		}
		var p fuzzProblem
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("GET %s?%q = 400 %s: body does not decode: %v", path, raw, body, err)
		}
		if p.Type == "" || p.Title == "" || p.Status != http.StatusBadRequest || len(p.Errors) == 0 {
			t.Fatalf("GET %s?%q = 400 %s, want type, title, status 400 and at least one error", path, raw, body)
		}
		for _, e := range p.Errors {
			if e.Param == nil || e.Message == "" {
				t.Fatalf("GET %s?%q = 400 %s, want every error with a param and a message", path, raw, body)
			}
		}
		return
	case http.StatusNotFound:
		// A release the server does not have is not found, as documented;
		// no other query makes a 404.
		v, err := url.ParseQuery(raw)
		if rel := v.Get("release"); err != nil || len(v["release"]) != 1 || rel == "demo" || rel == "latest" ||
			ct != "application/problem+json" {
			t.Fatalf("GET %s?%q = 404 %s, want 200, 304 or 400 (404 only for an unknown release)", path, raw, body)
		}
		return
	case http.StatusOK:
	default:
		t.Fatalf("GET %s?%q = %d %s, want 200, 304 or 400", path, raw, rec.Code, body)
	}

	if ct == "text/csv" {
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF"))))
		header, err := r.Read()
		if err != nil {
			t.Fatalf("GET %s?%q = 200 text/csv without a header row: %v", path, raw, err)
		}
		band := slices.Index(header, "band")
		if band < 0 {
			t.Fatalf("GET %s?%q: CSV header %v has no band column", path, raw, header)
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("GET %s?%q: CSV does not parse: %v", path, raw, err)
			}
			if !slices.Contains(fuzzBands, rec[band]) {
				t.Fatalf("GET %s?%q: CSV row %v has band %q, want one of %v", path, raw, rec[:3], rec[band], fuzzBands)
			}
		}
		return
	}
	if ct != "application/json" {
		t.Fatalf("GET %s?%q = 200 with Content-Type %q, want application/json or text/csv", path, raw, ct)
	}
	var env fuzzEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("GET %s?%q = 200: body does not decode as the envelope: %v\n%s", path, raw, err, body)
	}
	if env.Data == nil || env.Meta == nil || env.Meta.Count == nil {
		t.Fatalf("GET %s?%q = 200 %.300s, want data, meta and meta.count", path, raw, body)
	}
	if n := len(env.Data); *env.Meta.Count < n || n > 1000 {
		t.Fatalf("GET %s?%q: %d rows with meta.count %d, want at most meta.count and at most 1000",
			path, raw, n, *env.Meta.Count)
	}
	if env.Meta.Limit > 0 && len(env.Data) > env.Meta.Limit {
		t.Fatalf("GET %s?%q: %d rows, more than meta.limit %d", path, raw, len(env.Data), env.Meta.Limit)
	}
	for _, d := range env.Data {
		if d.Points != nil { // a funnel
			for _, p := range d.Points {
				if !slices.Contains(fuzzBands, p.Band) {
					t.Fatalf("GET %s?%q: point band %q, want one of %v", path, raw, p.Band, fuzzBands)
				}
			}
			for b := range d.BandCounts {
				if !slices.Contains(fuzzBands, b) {
					t.Fatalf("GET %s?%q: band_counts key %q, want one of %v", path, raw, b, fuzzBands)
				}
			}
			continue
		}
		if d.Band == nil || !slices.Contains(fuzzBands, *d.Band) {
			t.Fatalf("GET %s?%q: row %s band %v, want one of %v", path, raw, d.UnitID, d.Band, fuzzBands)
		}
	}
}

// fuzzNextCursor is the cursor of the page after rec's: meta.next_cursor
// for JSON, the cursor of the Link header's next URL for CSV; "" on the
// last page.
func fuzzNextCursor(t testing.TB, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if rec.Code != http.StatusOK {
		return ""
	}
	ct, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type"))
	if ct == "text/csv" {
		link := rec.Header().Get("Link")
		if link == "" {
			return ""
		}
		target, ok := strings.CutPrefix(link, "<")
		target, _, ok2 := strings.Cut(target, `>; rel="next"`)
		u, err := url.Parse(target)
		if !ok || !ok2 || err != nil || u.Query().Get("cursor") == "" {
			t.Fatalf("CSV Link header %q, want <URL with a cursor>; rel=\"next\"", link)
		}
		return u.Query().Get("cursor")
	}
	var env fuzzEnvelope
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Meta == nil || env.Meta.NextCursor == nil {
		return ""
	}
	if env.Links.Next == "" {
		t.Fatalf("meta.next_cursor %q without links.next", *env.Meta.NextCursor)
	}
	return *env.Meta.NextCursor
}

// fuzzRowKeys lists the unique keys of a 200 page's rows, JSON or CSV.
func fuzzRowKeys(t *testing.T, rec *httptest.ResponseRecorder) []string {
	t.Helper()
	var keys []string
	ct, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type"))
	if ct == "text/csv" {
		body := bytes.TrimPrefix(rec.Body.Bytes(), []byte("\uFEFF"))
		recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil || len(recs) == 0 {
			t.Fatalf("CSV page does not parse: %v", err)
		}
		col := func(name string) int {
			i := slices.Index(recs[0], name)
			if i < 0 {
				t.Fatalf("CSV header %v has no %s column", recs[0], name)
			}
			return i
		}
		for _, r := range recs[1:] {
			keys = append(keys, strings.Join([]string{r[col("unit_type")], r[col("unit_id")], r[col("specialty")],
				r[col("procedure")], r[col("period")]}, "|"))
		}
		return keys
	}
	var env fuzzEnvelope
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("JSON page does not decode: %v", err)
	}
	for _, d := range env.Data {
		keys = append(keys, strings.Join([]string{d.UnitType, d.UnitID, d.Specialty, d.Procedure, d.Period}, "|"))
	}
	return keys
}

// TestQueryReleaseKeptInLinks checks that a pinned collection's links stay
// pinned, and a latest one's stay unpinned, whichever was asked first: the
// two answers differ, so they must not share a cached body or an ETag.
func TestQueryReleaseKeptInLinks(t *testing.T) {
	srv := newServer(t, api.Config{})
	type answer struct {
		self, next, etag string
	}
	fetch := func(path string) answer {
		t.Helper()
		resp, body := get(t, srv, http.MethodGet, path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d %s, want 200", path, resp.StatusCode, body)
		}
		var env struct {
			Links struct{ Self, Next string } `json:"links"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return answer{env.Links.Self, env.Links.Next, resp.Header.Get("ETag")}
	}
	pinned := func(a answer) bool {
		return strings.Contains(a.self, "release=demo") && strings.Contains(a.next, "release=demo")
	}
	for _, order := range [][]string{
		{"/api/v1/surgeons?limit=4", "/api/v1/surgeons?limit=4&release=demo", "/api/v1/releases/demo/surgeons?limit=4"},
		{"/api/v1/releases/demo/hospitals?limit=5", "/api/v1/hospitals?limit=5&release=demo", "/api/v1/hospitals?limit=5"},
	} {
		got := map[string]answer{}
		for _, p := range order {
			got[p] = fetch(p)
		}
		for _, p := range order {
			a := got[p]
			wantPinned := strings.Contains(p, "release")
			if pinned(a) != wantPinned {
				t.Errorf("after GET %v: GET %s links self %q next %q, want pinned to demo: %v",
					order, p, a.self, a.next, wantPinned)
			}
			for _, q := range order {
				if p < q && strings.Contains(p, "release") != strings.Contains(q, "release") && a.etag == got[q].etag {
					t.Errorf("GET %s and GET %s share ETag %s, but their bodies differ", p, q, a.etag)
				}
			}
		}
	}
}
