package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// surgeonsURL is the page the load measurement (api/testdata/loadtest.sh,
// `make bench-http`) asks for.
const surgeonsURL = "/api/v1/surgeons?specialty=adult-cardiac&limit=100"

// serveOnce runs one request through h and fails the benchmark unless the
// status is want. It returns the recorder.
func serveOnce(b *testing.B, h http.Handler, req *http.Request, want int) *httptest.ResponseRecorder {
	b.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("GET %s = %d %s, want %d", req.URL, rec.Code, rec.Body.Bytes(), want)
	}
	return rec
}

// BenchmarkSurgeons measures the whole echo handler (every middleware,
// request logging to a discarded slog handler included) answering
// surgeonsURL through an httptest.ResponseRecorder: no network, no HTTP
// parsing or writing by net/http. SetBytes is the length of the body sent.
//
//   - cached: the same request again and again, served from the response
//     cache (the steady state under load).
//   - cached-discard: as cached, into a ResponseWriter that drops the
//     body, so that B/op and allocs/op are the handler's alone (the
//     recorder copies the body into a buffer of its own).
//   - uncached: the same request on a server whose cache budget is one
//     byte, so that nothing is ever kept (responseCache.put refuses a body
//     over a quarter of the budget): every request selects the rows,
//     builds the envelope and encodes it. This is the cost of the first
//     request for each distinct URL. (Varying a filter such as min_cases
//     instead would be served from the cache once each value had been
//     seen, and high thresholds select short pages, so it would measure a
//     mix of hits and small misses.)
//   - not-modified: If-None-Match with the current ETag: the 304 path.
//   - gzip: Accept-Encoding: gzip: the cached body, compressed by echo's
//     gzip middleware on every request.
func BenchmarkSurgeons(b *testing.B) {
	cachedH := newServer(b, api.Config{}).Config.Handler
	uncachedH := newServer(b, api.Config{CacheBytes: 1}).Config.Handler

	plain := httptest.NewRequest(http.MethodGet, surgeonsURL, nil)
	first := serveOnce(b, cachedH, plain, http.StatusOK)
	body := first.Body.Len()
	etag := first.Header().Get("ETag")
	if etag == "" {
		b.Fatalf("GET %s: no ETag", surgeonsURL)
	}

	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(body))
		for b.Loop() {
			serveOnce(b, cachedH, plain, http.StatusOK)
		}
	})

	b.Run("cached-discard", func(b *testing.B) {
		w := api.NewDiscardWriter()
		b.ReportAllocs()
		b.SetBytes(int64(body))
		for b.Loop() {
			w.Reset()
			cachedH.ServeHTTP(w, plain)
			if w.Status() != http.StatusOK {
				b.Fatalf("GET %s = %d, want 200", surgeonsURL, w.Status())
			}
		}
	})

	b.Run("uncached", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(body))
		for b.Loop() {
			serveOnce(b, uncachedH, plain, http.StatusOK)
		}
	})

	b.Run("not-modified", func(b *testing.B) {
		req := httptest.NewRequest(http.MethodGet, surgeonsURL, nil)
		req.Header.Set("If-None-Match", etag)
		b.ReportAllocs()
		for b.Loop() {
			serveOnce(b, cachedH, req, http.StatusNotModified)
		}
	})

	b.Run("gzip", func(b *testing.B) {
		req := httptest.NewRequest(http.MethodGet, surgeonsURL, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := serveOnce(b, cachedH, req, http.StatusOK)
		if got := rec.Header().Get("Content-Encoding"); got != "gzip" {
			b.Fatalf("GET %s with Accept-Encoding: gzip: Content-Encoding = %q, want gzip", surgeonsURL, got)
		}
		b.ReportMetric(float64(rec.Body.Len()), "gzip-bytes")
		b.ReportAllocs()
		b.SetBytes(int64(body))
		for b.Loop() {
			serveOnce(b, cachedH, req, http.StatusOK)
		}
	})
}

// BenchmarkCSV streams every surgeon's row (/api/v1/surgeons.csv, no
// limit): CSV is never cached, so each request formats every row.
func BenchmarkCSV(b *testing.B) {
	h := newServer(b, api.Config{}).Config.Handler
	req := httptest.NewRequest(http.MethodGet, "/api/v1/surgeons.csv", nil)
	body := serveOnce(b, h, req, http.StatusOK).Body.Len()
	b.ReportAllocs()
	b.SetBytes(int64(body))
	for b.Loop() {
		serveOnce(b, h, req, http.StatusOK)
	}
}
