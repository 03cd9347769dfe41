package api_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// cacheEntries reads outcomes_response_cache_entries from /metrics.
func cacheEntries(t *testing.T, srv *httptest.Server) int {
	t.Helper()
	_, body := get(t, srv, http.MethodGet, "/metrics")
	m := regexp.MustCompile(`(?m)^outcomes_response_cache_entries (\S+)$`).FindSubmatch(body)
	if m == nil {
		t.Fatal("/metrics has no outcomes_response_cache_entries")
	}
	n, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// TestPageCache: a page is built once per release and URL, then answered
// from the response cache as the API's JSON is: a strong ETag of its
// bytes, 304 on If-None-Match, gzip as its own representation with its own
// tag, and the API's Cache-Control for the latest release.
func TestPageCache(t *testing.T) {
	srv := newServer(t, api.Config{})
	const path = "/surgeons/9001080"
	before := cacheEntries(t, srv)
	first, body := get(t, srv, http.MethodGet, path)
	if first.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, first.StatusCode)
	}
	if got := cacheEntries(t, srv); got != before+1 {
		t.Errorf("cache entries after the first GET: %d, want %d", got, before+1)
	}
	second, again := get(t, srv, http.MethodGet, path)
	if got := cacheEntries(t, srv); got != before+1 {
		t.Errorf("cache entries after the second GET: %d, want %d (built once)", got, before+1)
	}
	tag := first.Header.Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(tag) || second.Header.Get("ETag") != tag || !bytes.Equal(body, again) {
		t.Errorf("ETags %q then %q, bodies equal %v: want one strong tag for the same bytes", tag, second.Header.Get("ETag"), bytes.Equal(body, again))
	}
	if cc := first.Header.Get("Cache-Control"); cc != "public, max-age=300, stale-while-revalidate=86400" {
		t.Errorf("Cache-Control %q, want the API's for the latest release", cc)
	}
	if first.Header.Get("Last-Modified") == "" || len(first.Header.Values("Link")) == 0 {
		t.Errorf("Last-Modified %q, Link %q: want both", first.Header.Get("Last-Modified"), first.Header.Values("Link"))
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Permissions-Policy"} {
		if second.Header.Get(h) == "" {
			t.Errorf("a page from the cache lacks %s", h)
		}
	}
	if len(second.Header.Values("Link")) != len(first.Header.Values("Link")) {
		t.Errorf("Link headers: %q built, %q from the cache", first.Header.Values("Link"), second.Header.Values("Link"))
	}
	if resp, b := get(t, srv, http.MethodGet, path, "If-None-Match", tag); resp.StatusCode != http.StatusNotModified || len(b) != 0 {
		t.Errorf("If-None-Match %s: %d with %d bytes, want 304 and none", tag, resp.StatusCode, len(b))
	}

	zipped, zbody := get(t, srv, http.MethodGet, path, "Accept-Encoding", "gzip")
	ztag := zipped.Header.Get("ETag")
	if zipped.Header.Get("Content-Encoding") != "gzip" || ztag == tag || !strings.HasSuffix(ztag, `-gzip"`) {
		t.Errorf("gzip: Content-Encoding %q, ETag %q: want gzip with a tag of its own", zipped.Header.Get("Content-Encoding"), ztag)
	}
	zr, err := gzip.NewReader(bytes.NewReader(zbody))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, body) {
		t.Error("the gzipped page is not the page")
	}
	if resp, _ := get(t, srv, http.MethodGet, path, "Accept-Encoding", "gzip", "If-None-Match", ztag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s with gzip: %d, want 304", ztag, resp.StatusCode)
	}
	if resp, b := get(t, srv, http.MethodHead, path); resp.StatusCode != http.StatusOK || len(b) != 0 ||
		resp.Header.Get("ETag") != tag || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Errorf("HEAD: %d, %d bytes, ETag %q, Content-Length %q", resp.StatusCode, len(b), resp.Header.Get("ETag"), resp.Header.Get("Content-Length"))
	}
}

// TestPageCacheKey: parameters no page reads (a press link's utm_source)
// and another order or spelling of the same query answer the same copy,
// and add nothing to the cache; a parameter a page reads is another page.
func TestPageCacheKey(t *testing.T) {
	srv := newServer(t, api.Config{})
	const path = "/specialties/vascular"
	resp, body := get(t, srv, http.MethodGet, path)
	tag := resp.Header.Get("ETag")
	before := cacheEntries(t, srv)
	for _, p := range []string{path + "?utm_source=newspaper&utm_medium=web", path + "?fbclid=" + strings.Repeat("x", 100)} {
		resp, b := get(t, srv, http.MethodGet, p)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != tag || !bytes.Equal(b, body) {
			t.Errorf("GET %s: %d, ETag %q; want the page of %s (%q)", p, resp.StatusCode, resp.Header.Get("ETag"), path, tag)
		}
	}
	period := "/specialties/vascular?unit=hospital&period=" + url.QueryEscape("2021-04/2024-03")
	other := "/specialties/vascular?period=2021-04/2024-03&unit=hospital&utm_campaign=x"
	r1, b1 := get(t, srv, http.MethodGet, period)
	r2, b2 := get(t, srv, http.MethodGet, other)
	if r1.StatusCode != http.StatusOK || r1.Header.Get("ETag") == tag || r2.Header.Get("ETag") != r1.Header.Get("ETag") || !bytes.Equal(b1, b2) {
		t.Errorf("%s and %s: ETags %q and %q (default %q): want one page, not the default's", period, other,
			r1.Header.Get("ETag"), r2.Header.Get("ETag"), tag)
	}
	if got := cacheEntries(t, srv); got != before+1 {
		t.Errorf("cache entries: %d after, %d before; want one more (the hospitals' page for 2021-24)", got, before)
	}
}

// TestPageCacheNotKept: errors and the self-check's results are never
// kept or given a validator.
func TestPageCacheNotKept(t *testing.T) {
	srv := newServer(t, api.Config{})
	before := cacheEntries(t, srv)
	resp, _ := get(t, srv, http.MethodGet, "/surgeons/0000000")
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("ETag") != "" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("unknown surgeon: %d, ETag %q, Cache-Control %q; want 404, none, no-store",
			resp.StatusCode, resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
	}
	form := url.Values{"specialty": {"vascular"}, "unit_type": {"hospital"}, "cases": {"100"}, "events": {"3"}, "expected": {"2.5"}}
	r, err := srv.Client().PostForm(srv.URL+"/self-check", form)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusOK || r.Header.Get("ETag") != "" || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("self-check results: %d, ETag %q, Cache-Control %q; want 200, none, no-store",
			r.StatusCode, r.Header.Get("ETag"), r.Header.Get("Cache-Control"))
	}
	if got := cacheEntries(t, srv); got != before {
		t.Errorf("cache entries: %d, want %d (nothing kept)", got, before)
	}
}

// TestPageCacheWarm: the pages most read on launch day are built when the
// server starts, before any request.
func TestPageCacheWarm(t *testing.T) {
	srv := newServer(t, api.Config{})
	before := cacheEntries(t, srv)
	if before < 12 { // home, the index and ten specialties
		t.Errorf("%d responses kept at start, want at least 12", before)
	}
	for _, p := range []string{"/", "/specialties", "/specialties/adult-cardiac", "/specialties/urology"} {
		if resp, _ := get(t, srv, http.MethodGet, p); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", p, resp.StatusCode)
		}
	}
	if got := cacheEntries(t, srv); got != before {
		t.Errorf("cache entries %d after asking for the warmed pages, %d before: want them built already", got, before)
	}
}
