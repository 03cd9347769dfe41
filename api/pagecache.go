package api

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/site"
)

// pageCache keeps the site's pages in the response cache, as sendJSON
// keeps the API's JSON: a release never changes, so a page for a given URL
// and release is built once, then sent from memory with a strong ETag,
// 304 on If-None-Match, and gzip made once as its own representation. On
// launch day that is the difference between re-rendering every request
// (2 ms of templates and SVG) and answering near nginx's rate.
//
// Only a 200 HTML page is kept (pageKey says under what key); anything
// else (errors, a malformed query) is sent as before, through z. Pages are
// never personal: the self-check's results answer a POST, which never
// comes here.
func (s *Server) pageCache(z *compressor) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			key, ok := s.pageKey(c.Request())
			if !ok {
				return z.middleware(next)(c)
			}
			if e, hit := s.cache.get(key); hit {
				return writeCached(c, e)
			}
			w, err := buffered(c, next)
			if w == nil {
				return err // nothing written: the error handler answers
			}
			if err != nil || w.status != http.StatusOK || !isHTML(w.Header().Get(echo.HeaderContentType)) {
				return z.send(c, w)
			}
			e := s.newPage(w)
			s.cache.put(key, e)
			// Nothing has reached the client yet (w held it): answer
			// afresh, from the kept copy, as a hit would.
			res := c.Response()
			res.Committed, res.Size = false, 0
			w.Header().Del("Link")
			return writeCached(c, e)
		}
	}
}

// pageKey is the cache's key for a page request, and whether the request
// may be answered from the cache at all. A page reads only the parameters
// site.PageParam lists, so the key keeps only those, in a canonical order
// and encoding: a press link's ?utm_source=… or a reordered query is the
// same page, answered from the same copy, and made-up parameters cannot
// fill the cache. The key names the releases' generation: once another
// release is the latest, or a correction arrives, no page built before
// is found.
func (s *Server) pageKey(req *http.Request) (string, bool) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		return "", false
	}
	r := s.cat.Latest()
	if r == nil {
		return "", false
	}
	key := "page\x00" + s.generation + "\x00" + req.URL.Path
	if req.URL.RawQuery == "" {
		return key, true
	}
	v, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		return "", false // the page answers it as it can; not kept
	}
	for name := range v {
		if !site.PageParam(name) {
			delete(v, name)
		}
	}
	if q := v.Encode(); q != "" {
		key += "?" + q
	}
	return key, true
}

// newPage keeps a rendered page: its body, a strong ETag of its bytes, its
// alternate links, and the caching headers of the latest release's
// answers (cacheControlFor), which every page shows.
func (s *Server) newPage(w *bufferedWriter) *cached {
	body := append([]byte(nil), w.body.Bytes()...)
	sum := sha256.Sum256(body)
	h := w.Header()
	return &cached{body: body, etag: `"` + hex.EncodeToString(sum[:16]) + `"`, links: h.Values("Link"),
		cacheControl: cacheControlFor(false), contentType: h.Get(echo.HeaderContentType),
		lastModified: s.cat.Latest().Meta.IngestedAt.UTC().Format(http.TimeFormat)}
}

func isHTML(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && strings.EqualFold(mt, echo.MIMETextHTML)
}

// warmPages builds the pages most read on launch day before the first
// request: the home page, the specialties index and each specialty's page
// with its default funnel. Each goes through its route's own handler and
// middleware, as a request would, so what is kept is what a request would
// have kept; the server-wide middleware (logging, metrics, rate limit)
// does not see them, as no client sent them.
func (s *Server) warmPages(e *echo.Echo) error {
	r := s.cat.Latest()
	if r == nil {
		return nil
	}
	paths := []string{"/", "/specialties"}
	for _, sp := range outcome.Specialties() {
		if len(r.Periods(sp.Slug)) > 0 {
			paths = append(paths, "/specialties/"+sp.Slug)
		}
	}
	for _, p := range paths {
		req, err := http.NewRequest(http.MethodGet, p, nil)
		if err != nil {
			return err
		}
		w := &discardWriter{header: http.Header{}}
		c := e.NewContext(req, w)
		e.Router().Find(http.MethodGet, p, c)
		if err := c.Handler()(c); err != nil {
			return fmt.Errorf("building %s: %w", p, err)
		}
		if w.status != http.StatusOK {
			return fmt.Errorf("building %s: status %d", p, w.status)
		}
	}
	return nil
}

// discardWriter is a response whose body nobody reads, such as a page's
// built ahead of time: only its status matters, as pageCache keeps the
// page itself.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}
func (w *discardWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(b), nil
}
