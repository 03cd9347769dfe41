package api

import (
	"bytes"
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// minGzip is the smallest body worth compressing: below it gzip's header
// and the client's work cost more than the bytes saved.
const minGzip = 1024

// compressor gzips the site's text responses (HTML pages, SVG charts, the
// stylesheet and script, the API docs' UI) for clients that accept gzip,
// as respond.go does for the API's JSON and CSV. A hospital page is ten
// times smaller gzipped, which is what a patient on a phone waits for.
//
// It is route middleware, not global: the API compresses its own responses
// once per cached body, and PNGs and database downloads would not shrink.
// Every response it wraps is written whole by its handler, so it buffers
// the body, then decides: a text type, at least minGzip bytes, a 200 or an
// error page, and no encoding already. A gzipped body is another
// representation: its strong ETag gains "-gzip" (as the API's do), and a
// client holding that tag gets a 304 here. HEAD gets the headers GET would,
// Content-Length included.
type compressor struct {
	writers sync.Pool // *gzip.Writer, reset for each response
}

func newCompressor() *compressor {
	return &compressor{writers: sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}}
}

// middleware wraps a route's handler.
func (z *compressor) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		w, err := buffered(c, next)
		if w == nil {
			return err // nothing written: the error handler answers
		}
		return z.send(c, w)
	}
}

// send writes what the handler wrote, gzipped if it should be.
func (z *compressor) send(c echo.Context, w *bufferedWriter) error {
	req := c.Request()
	h := w.Header()
	status, body := w.status, w.body.Bytes()
	if compressible(h.Get(echo.HeaderContentType)) {
		addVary(h, echo.HeaderAcceptEncoding)
		if status != http.StatusPartialContent && h.Get(echo.HeaderContentEncoding) == "" &&
			len(body) >= minGzip && acceptsGzip(req.Header.Get(echo.HeaderAcceptEncoding)) {
			body = z.gzip(body)
			h.Set(echo.HeaderContentEncoding, "gzip")
			if tag := h.Get("ETag"); tag != "" {
				tag = gzipETag(tag)
				h.Set("ETag", tag)
				if status == http.StatusOK && etagMatches(req.Header.Get("If-None-Match"), tag) {
					h.Del(echo.HeaderContentEncoding)
					h.Del(echo.HeaderContentType)
					h.Del(echo.HeaderContentLength)
					w.ResponseWriter.WriteHeader(http.StatusNotModified)
					return nil
				}
			}
		}
	}
	if bodyAllowed(status) {
		h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	}
	w.ResponseWriter.WriteHeader(status)
	if !bodyAllowed(status) {
		return nil
	}
	_, err := w.ResponseWriter.Write(body) // HEAD: net/http discards it
	return err
}

// gzip compresses body at the default level: pages are drawn per request,
// so the best ratio would cost more time than it saves bytes.
func (z *compressor) gzip(body []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(body) / 4)
	zw := z.writers.Get().(*gzip.Writer)
	zw.Reset(&b)
	zw.Write(body) // a bytes.Buffer does not fail
	zw.Close()
	z.writers.Put(zw)
	return b.Bytes()
}

// gzipETag is the tag of a representation's gzipped form: strong tags of
// different bytes must differ (RFC 9110 §8.8.3). A weak tag stays weak.
func gzipETag(tag string) string {
	return strings.TrimSuffix(tag, `"`) + `-gzip"`
}

// compressible reports whether a content type is text that gzip shrinks:
// HTML, CSS, JavaScript and SVG, not PNG or anything already compressed.
func compressible(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch mt {
	case "image/svg+xml", "application/javascript", "application/json", "application/xml":
		return true
	}
	return strings.HasPrefix(mt, "text/")
}

// bodyAllowed reports whether a status may carry a body (RFC 9110 §15).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// addVary adds a field name to Vary unless it is there.
func addVary(h http.Header, name string) {
	for _, v := range h.Values(echo.HeaderVary) {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, name) {
				return
			}
		}
	}
	h.Add(echo.HeaderVary, name)
}

// bufferedWriter holds a handler's status and body until the compressor
// has seen them. Headers go straight to the real writer's map.
type bufferedWriter struct {
	http.ResponseWriter
	wroteHeader bool
	status      int
	body        bytes.Buffer
}

func (w *bufferedWriter) WriteHeader(status int) {
	if !w.wroteHeader {
		w.wroteHeader, w.status = true, status
	}
}

func (w *bufferedWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.body.Write(b)
}

// buffered runs next with its response held in a bufferedWriter, which it
// returns with next's error; nil when next wrote nothing, as when it
// returned an error for the error handler to answer.
func buffered(c echo.Context, next echo.HandlerFunc) (*bufferedWriter, error) {
	res := c.Response()
	w := &bufferedWriter{ResponseWriter: res.Writer}
	res.Writer = w
	err := next(c)
	res.Writer = w.ResponseWriter
	if !w.wroteHeader && w.body.Len() == 0 {
		return nil, err
	}
	return w, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *bufferedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
