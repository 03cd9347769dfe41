package site

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/selfcheck"
	"github.com/surgeon-outcomes/outcomes/static"
	"github.com/surgeon-outcomes/outcomes/store"
)

// Site holds what the pages need, built once at start: the catalog, the
// parsed templates (one set per page, each with the layout), the hashed
// URLs of the static assets and the self-check's reader.
type Site struct {
	cat      *catalog.Catalog
	download *Download
	// dictionary is the data dictionary /data/dictionary shows, built by
	// the api package from its OpenAPI document.
	dictionary []DictionaryTable
	selfCheck  *selfcheck.Reader
	pages      map[string]*template.Template
	assets     map[string]asset // by hashed URL path
	css        string
	js         string
	// now is the clock, which dates the self-check's exports (SetClock).
	now func() time.Time
}

// Download is the database file the data page offers, served elsewhere
// at /data/{Name}.
type Download struct {
	Name string
	// Release is the release the file holds, "" where it is not one
	// release's own file.
	Release string
	Size    int
	SHA256  string
	// Missing says the file is not there to download (it is written by
	// each ingest): the page says so instead of offering a broken link.
	Missing bool
	// Bundle is where the latest release's bundle is (the zip of its rows
	// and results as CSV, with their description), "" where none is offered.
	Bundle string
	// ReleaseFile describes a release's own file (its URL, size and
	// sha256), ok false where there is none to offer.
	ReleaseFile func(id string) (file ReleaseFile, ok bool)
}

// ReleaseFile is one release's own SQLite file, to download, and where
// its bundle is (its rows and results as CSV, documented: the zip the API
// makes), "" where none is offered.
type ReleaseFile struct {
	URL    string
	Size   int64
	SHA256 string
	Bundle string
}

// asset is one embedded static file.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// New returns the site of cat's releases. download, if not nil, is the
// database file the data page offers; dictionary is the data dictionary's
// tables.
func New(cat *catalog.Catalog, download *Download, dictionary []DictionaryTable) (*Site, error) {
	st := &Site{cat: cat, download: download, dictionary: dictionary, assets: map[string]asset{}, now: time.Now}
	err := fs.WalkDir(static.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		b, err := fs.ReadFile(static.FS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])[:12]
		ct := "application/octet-stream"
		switch path.Ext(p) {
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		}
		url := "/static/" + h + "/" + p
		st.assets[url] = asset{body: b, contentType: ct, etag: `"` + h + `"`}
		switch p {
		case "css/site.css":
			st.css = url
		case "js/site.js":
			st.js = url
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("site: static assets: %w", err)
	}
	if st.pages, err = parseTemplates(); err != nil {
		return nil, err
	}
	if st.selfCheck, err = selfcheck.NewReader(); err != nil {
		return nil, err
	}
	return st, nil
}

// SetClock sets the clock that dates the self-check's exports, so a
// server's clock (and a test's fixed one) is the site's too.
func (s *Site) SetClock(now func() time.Time) { s.now = now }

// page is what every page template gets.
type page struct {
	Title       string
	Description string
	Section     string // the nav entry to mark current
	Release     *store.Release
	// Latest is set when the page shows another release than the latest,
	// and LatestURL is the same page in the latest (layout's notice).
	Latest    *store.Release
	LatestURL string
	// RQ keeps the page's links in the release it shows (releaseQuery).
	RQ        string
	Period    string
	JSON, CSV string // the page's data twins
	CSS, JS   string
	Data      any
}

// render executes a page into a buffer, then writes it: a template error
// never leaves half a page.
func (s *Site) render(c echo.Context, status int, name string, p page) error {
	latest := s.cat.Latest()
	if p.Release == nil {
		if r, ok := c.Get(shownRelease).(*catalog.Release); ok {
			p.Release = &r.Meta
		} else if latest != nil {
			p.Release = &latest.Meta
		}
	}
	// A page of a release that is not the latest says so, and links the
	// same page in the latest.
	if latest != nil && p.Release != nil && p.Release.ID != latest.Meta.ID {
		p.Latest = &latest.Meta
		p.RQ = s.releaseQuery(s.cat.Release(p.Release.ID))
		p.JSON, p.CSV = twinInRelease(p.JSON, p.RQ), twinInRelease(p.CSV, p.RQ)
		q := c.Request().URL.Query()
		q.Del("release")
		p.LatestURL = c.Request().URL.Path
		if len(q) > 0 {
			p.LatestURL += "?" + q.Encode()
		}
	}
	p.CSS, p.JS = s.css, s.js
	var b bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		return fmt.Errorf("site: render %s: %w", name, err)
	}
	h := c.Response().Header()
	if status >= 400 {
		h.Set(echo.HeaderCacheControl, "no-store")
	} else if h.Get(echo.HeaderCacheControl) == "" {
		h.Set(echo.HeaderCacheControl, "public, max-age=300")
	}
	if p.JSON != "" {
		h.Add("Link", "<"+p.JSON+`>; rel="alternate"; type="application/json"`)
	}
	if p.CSV != "" {
		h.Add("Link", "<"+p.CSV+`>; rel="alternate"; type="text/csv"`)
	}
	return c.HTMLBlob(status, b.Bytes())
}

// Headers sets a page's own security headers: a strict Content Security
// Policy (our own script and styles only, no inline script), the
// permissions and opener policies. No sniffing, no framing and the
// referrer policy are every response's, set by the server (api's
// securityHeaders) before any handler.
func Headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "+
			"img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		return next(c)
	}
}

// HandleStatic serves an embedded asset at its content-hashed URL,
// GET /static/*, cached for a year: a changed file gets a new URL.
func (s *Site) HandleStatic(c echo.Context) error {
	a, ok := s.assets[c.Request().URL.Path]
	if !ok {
		return notFound("no such file")
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	h.Set("ETag", a.etag)
	if etagMatches(c.Request().Header.Get("If-None-Match"), a.etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, a.contentType, a.body)
}

// etagMatches applies If-None-Match's weak comparison (RFC 9110 §13.1.2).
func etagMatches(header, tag string) bool {
	if strings.TrimSpace(header) == "*" {
		return true
	}
	for t := range strings.SplitSeq(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == tag {
			return true
		}
	}
	return false
}

// notFound is a 404 whose message the error page shows.
func notFound(msg string) error { return echo.NewHTTPError(http.StatusNotFound, msg) }

// releaseOr404 is the release a page shows: the one ?release= names, or
// the latest. Any release stays browsable (nothing once published
// disappears); the page says when it is not the latest (render), and its
// links stay in it (inRelease).
func (s *Site) releaseOr404(c echo.Context) (*catalog.Release, error) {
	r := s.cat.Latest()
	if id := c.QueryParam("release"); id != "" {
		if r = s.cat.Release(id); r == nil || !validText(id) {
			return nil, notFound("This site has no such release. Every release is listed at /releases.")
		}
	}
	if r == nil {
		return nil, notFound("No data has been published yet.")
	}
	c.Set(shownRelease, r)
	return r, nil
}

// shownRelease is the echo context's key for the release a page shows.
const shownRelease = "site.release"

// releaseQuery is the query that keeps a page's links in release r:
// "release=ID" for any release but the latest, whose links need none.
func (s *Site) releaseQuery(r *catalog.Release) string {
	if r == nil || r == s.cat.Latest() {
		return ""
	}
	return "release=" + url.QueryEscape(r.Meta.ID)
}

// twinInRelease keeps a page's data twin (page.JSON, page.CSV) in the
// release the page shows: every API answer but the index takes ?release=,
// and the release's own answers name it in their path already.
func twinInRelease(twin, rq string) string {
	if twin == "" || twin == "/api/v1/" || strings.HasPrefix(twin, "/api/v1/releases") {
		return twin
	}
	return inRelease(twin, rq)
}

// inRelease adds a release query (releaseQuery) to a path.
func inRelease(path, rq string) string {
	switch {
	case rq == "":
		return path
	case strings.Contains(path, "?"):
		return path + "&" + rq
	}
	return path + "?" + rq
}

// option is one choice in a form control.
type option struct {
	Value, Label string
	Selected     bool
}

// maxValueLen bounds a text parameter a page reads, as the API's does.
const maxValueLen = 200

// validText reports whether a parameter value is short, valid UTF-8 and
// free of control characters.
func validText(s string) bool {
	return len(s) <= maxValueLen && utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}

// PageParam reports whether a page reads the query parameter name. A
// page URL with any other parameter shows what it shows without it, so
// the server keeps no copy of it as a page of its own. Every parameter a
// handler here reads must be listed.
func PageParam(name string) bool {
	switch name {
	case "procedure", "period", paramUnitType, legacyParamUnitType, "hospital", "adjusted", "highlight", "compact", "ids", "q", "all", "page", "fewpage",
		"release":
		return true
	}
	return isSurgeonsPageParam(name)
}

// maxHighlighted is the most ids ?highlight= is read for.
const maxHighlighted = 50

// highlightIDs reads ?highlight= (repeated, or comma-separated), at most
// maxHighlighted.
func highlightIDs(v url.Values) []string {
	var ids []string
	for _, raw := range v["highlight"] {
		for id := range strings.SplitSeq(raw, ",") {
			id = strings.TrimSpace(id)
			if id != "" && validText(id) && !slices.Contains(ids, id) && len(ids) < maxHighlighted {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

func appendDistinct(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
