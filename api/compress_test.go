package api_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// gunzip decompresses a gzipped body, failing the test if it is not one.
func gunzip(t *testing.T, what string, body []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: gzip.NewReader = %v, want a gzip stream", what, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: gunzip = %v", what, err)
	}
	return out
}

// TestSiteGzip holds the site's HTML, SVG, CSS and script to the API's
// gzip: compressed when the client accepts gzip, to the same bytes, with
// Vary: Accept-Encoding and a Content-Length that HEAD repeats; not when it
// does not (or refuses it with q=0); and never for a PNG.
func TestSiteGzip(t *testing.T) {
	srv := newServer(t, api.Config{})
	_, home := get(t, srv, http.MethodGet, "/")
	css := regexp.MustCompile(`/static/[0-9a-f]+/css/site\.css`).Find(home)
	if css == nil {
		t.Fatal("home page links no /static/{hash}/css/site.css")
	}
	paths := []struct{ path, contentType string }{
		{"/", "text/html; charset=UTF-8"},
		{"/hospitals/ZZ125", "text/html; charset=UTF-8"},
		{"/specialties/vascular", "text/html; charset=UTF-8"},
		{"/specialties/vascular/funnel.svg", "image/svg+xml"},
		{"/search?q=pebbleton", "text/html; charset=UTF-8"},
		{string(css), "text/css; charset=utf-8"},
	}
	for _, tt := range paths {
		t.Run(tt.path, func(t *testing.T) {
			plainResp, plain := get(t, srv, http.MethodGet, tt.path)
			if plainResp.StatusCode != http.StatusOK || plainResp.Header.Get("Content-Type") != tt.contentType {
				t.Fatalf("GET %s = %d %q, want 200 %q", tt.path, plainResp.StatusCode,
					plainResp.Header.Get("Content-Type"), tt.contentType)
			}
			if ce := plainResp.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("GET %s Accept-Encoding: identity: Content-Encoding = %q, want none", tt.path, ce)
			}
			if !slices.Contains(vary(plainResp.Header), "Accept-Encoding") {
				t.Errorf("GET %s identity: Vary = %v, want Accept-Encoding (a cache must not serve it to gzip clients blindly)",
					tt.path, vary(plainResp.Header))
			}
			gzResp, gz := get(t, srv, http.MethodGet, tt.path, "Accept-Encoding", "gzip, deflate, br")
			if ce := gzResp.Header.Get("Content-Encoding"); ce != "gzip" {
				t.Fatalf("GET %s Accept-Encoding: gzip: Content-Encoding = %q, want gzip", tt.path, ce)
			}
			if got := gzResp.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("GET %s gzip: Content-Type = %q, want %q as without", tt.path, got, tt.contentType)
			}
			if n := gzResp.Header.Get("Content-Length"); n != strconv.Itoa(len(gz)) {
				t.Errorf("GET %s gzip: Content-Length = %q, want %d", tt.path, n, len(gz))
			}
			if !slices.Contains(vary(gzResp.Header), "Accept-Encoding") {
				t.Errorf("GET %s gzip: Vary = %v, want Accept-Encoding", tt.path, vary(gzResp.Header))
			}
			if got := gunzip(t, "GET "+tt.path, gz); !bytes.Equal(got, plain) {
				t.Errorf("GET %s: gunzipped body (%d bytes) differs from the plain one (%d bytes)", tt.path, len(got), len(plain))
			}
			if len(gz) >= len(plain)/2 {
				t.Errorf("GET %s: gzipped %d bytes of %d, want under half", tt.path, len(gz), len(plain))
			}
			t.Logf("%s: %d bytes, %d gzipped", tt.path, len(plain), len(gz))

			refused, _ := get(t, srv, http.MethodGet, tt.path, "Accept-Encoding", "gzip;q=0, identity")
			if ce := refused.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("GET %s Accept-Encoding: gzip;q=0: Content-Encoding = %q, want none", tt.path, ce)
			}

			headResp, body := get(t, srv, http.MethodHead, tt.path, "Accept-Encoding", "gzip")
			if len(body) != 0 {
				t.Errorf("HEAD %s = %d bytes of body, want none", tt.path, len(body))
			}
			gh, hh := gzResp.Header.Clone(), headResp.Header.Clone()
			for _, k := range []string{"Date", "X-Request-Id"} {
				gh.Del(k)
				hh.Del(k)
			}
			if !reflect.DeepEqual(gh, hh) {
				t.Errorf("HEAD %s gzip headers = %v, want GET's %v", tt.path, hh, gh)
			}
		})
	}

	t.Run("PNG stays as it is", func(t *testing.T) {
		resp, body := get(t, srv, http.MethodGet, "/specialties/vascular/funnel.png", "Accept-Encoding", "gzip")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("GET funnel.png = %d %q, want 200 image/png", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if ce := resp.Header.Get("Content-Encoding"); ce != "" || !bytes.HasPrefix(body, []byte("\x89PNG")) {
			t.Errorf("GET funnel.png gzip: Content-Encoding = %q, body starts %q; want a plain PNG", ce, body[:min(4, len(body))])
		}
	})

	t.Run("ETag and 304", func(t *testing.T) {
		path := string(css)
		plainResp, _ := get(t, srv, http.MethodGet, path)
		gzResp, _ := get(t, srv, http.MethodGet, path, "Accept-Encoding", "gzip")
		plainTag, gzTag := plainResp.Header.Get("ETag"), gzResp.Header.Get("ETag")
		if !strongETag.MatchString(plainTag) || !strongETag.MatchString(gzTag) || plainTag == gzTag {
			t.Fatalf("GET %s: ETags %q (plain) and %q (gzip), want two different strong tags", path, plainTag, gzTag)
		}
		resp, body := get(t, srv, http.MethodGet, path, "Accept-Encoding", "gzip", "If-None-Match", gzTag)
		if resp.StatusCode != http.StatusNotModified || len(body) != 0 || resp.Header.Get("ETag") != gzTag {
			t.Errorf("GET %s gzip If-None-Match: gzip tag = %d, %d bytes, ETag %q; want 304, none, %s", path,
				resp.StatusCode, len(body), resp.Header.Get("ETag"), gzTag)
		}
		if ce := resp.Header.Get("Content-Encoding"); ce != "" {
			t.Errorf("GET %s gzip 304: Content-Encoding = %q, want none on a 304", path, ce)
		}
		resp, _ = get(t, srv, http.MethodGet, path, "If-None-Match", plainTag)
		if resp.StatusCode != http.StatusNotModified || resp.Header.Get("ETag") != plainTag {
			t.Errorf("GET %s identity If-None-Match: plain tag = %d, ETag %q; want 304, %s", path,
				resp.StatusCode, resp.Header.Get("ETag"), plainTag)
		}
		// A gzip tag does not match the plain body, nor the plain tag the gzipped one.
		resp, _ = get(t, srv, http.MethodGet, path, "If-None-Match", gzTag)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s identity If-None-Match: gzip tag = %d, want 200", path, resp.StatusCode)
		}
	})

	t.Run("not found page", func(t *testing.T) {
		resp, body := get(t, srv, http.MethodGet, "/hospitals/NOPE", "Accept-Encoding", "gzip")
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("GET /hospitals/NOPE = %d, want 404", resp.StatusCode)
		}
		if resp.Header.Get("Content-Encoding") == "gzip" {
			body = gunzip(t, "GET /hospitals/NOPE", body)
		}
		if !bytes.Contains(body, []byte("</html>")) {
			t.Errorf("GET /hospitals/NOPE gzip: body is not a whole page:\n%.300s", body)
		}
	})
}
