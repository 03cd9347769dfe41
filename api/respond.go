package api

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// envelope is every successful JSON body: the data, what they are, and
// where to go next. Within v1 keys are only ever added.
type envelope struct {
	Data  any   `json:"data"`
	Meta  any   `json:"meta"`
	Links links `json:"links"`
}

// meta says which release answered and under what terms.
type meta struct {
	Release      string `json:"release" example:"demo"`
	ReleaseTitle string `json:"release_title" example:"Demo release"`
	// Synthetic is true for invented data (the demo release).
	Synthetic bool `json:"synthetic" example:"false"`
	// Periods are the periods of the data returned.
	Periods []string `json:"periods" example:"2022-04/2025-03"`
	// Count is how many items match, across all pages.
	Count   int    `json:"count" example:"312"`
	Source  string `json:"source" example:"https://health.data.ny.gov/"`
	Licence string `json:"licence" example:"CC0-1.0"`
	// GeneratedAt is when the release's figures were computed (its ingest):
	// the same URL always returns the same bytes.
	GeneratedAt    time.Time `json:"generated_at" example:"2026-11-24T10:00:00Z"`
	MethodologyURL string    `json:"methodology_url" example:"/methodology"`
}

// pageMeta is meta for a paged collection.
type pageMeta struct {
	meta
	Limit int `json:"limit" example:"100"`
	// NextCursor resumes after this page; null on the last page.
	NextCursor *string `json:"next_cursor" example:"WyJuYW1lIiwiIi..."`
	Sort       string  `json:"sort" example:"name"`
}

// links are related URLs, as absolute paths on this server.
type links struct {
	Self string `json:"self" example:"/api/v1/surgeons?specialty=adult-cardiac"`
	// Pinned is the same resource at its release-pinned, immutable URL.
	Pinned string `json:"pinned,omitempty" example:"/api/v1/releases/demo/surgeons?specialty=adult-cardiac"`
	Next   string `json:"next,omitempty" example:"/api/v1/surgeons?cursor=WyJuYW1lIiwiIi...&specialty=adult-cardiac"`
	CSV    string `json:"csv,omitempty" example:"/api/v1/surgeons.csv?specialty=adult-cardiac"`
	Docs   string `json:"docs" example:"/api/docs/"`
}

func newMeta(r *release, count int, periods []string) meta {
	if periods == nil {
		periods = []string{}
	}
	return meta{Release: r.meta.ID, ReleaseTitle: r.meta.Title, Synthetic: r.meta.Synthetic, Periods: periods,
		Count: count, Source: r.meta.Source, Licence: r.meta.Licence, GeneratedAt: r.meta.IngestedAt.UTC(),
		MethodologyURL: "/methodology"}
}

// jsonMarshal encodes v without escaping <, > and &, which the API's JSON
// is never embedded in HTML to need, and which would garble names.
func jsonMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// target is what a request resolved to: the release, the route's
// canonical path (without the release prefix) and its normalised query.
type target struct {
	rel    *release
	pinned bool // the URL names the release: its answer never changes
	path   string
	query  url.Values
}

// url is the target's URL, pinned to its release or not.
func (t target) url(pinned bool, extra url.Values) string {
	v := url.Values{}
	for k, vs := range t.query {
		v[k] = vs
	}
	for k, vs := range extra {
		v[k] = vs
	}
	p := "/api/v1" + t.path
	if pinned {
		p = "/api/v1/releases/" + url.PathEscape(t.rel.meta.ID) + t.path
	} else if t.pinned {
		v.Set(paramRelease, t.rel.meta.ID)
	}
	if enc := v.Encode(); enc != "" {
		return p + "?" + enc
	}
	return p
}

func (t target) links() links {
	return links{Self: t.url(false, nil), Pinned: t.url(true, nil), Docs: "/api/docs/"}
}

// etag is a strong validator: a hash of the release's tag, the route, the
// normalised query and the representation, so equal bytes get equal tags
// across restarts and replicas.
func (t target) etag(representation string) string {
	pin := "latest"
	if t.pinned {
		pin = "pinned" // links name the release: another body
	}
	sum := sha256.Sum256([]byte(t.rel.tag + "\x00" + pin + "\x00" + t.path + "\x00" + t.query.Encode() + "\x00" +
		representation))
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// cacheHeaders sets the caching headers and reports whether the client's
// copy is current (If-None-Match), in which case a 304 has been sent.
//
// A gzipped body is another representation, so it gets another strong tag.
func cacheHeaders(c echo.Context, t target, representation string) (notModified bool) {
	req := c.Request()
	gz := strings.Contains(req.Header.Get(echo.HeaderAcceptEncoding), "gzip")
	if gz {
		representation += "+gzip"
	}
	tag := t.etag(representation)
	h := c.Response().Header()
	h.Set("ETag", tag)
	h.Add(echo.HeaderVary, "Accept")
	if t.pinned {
		h.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		h.Set(echo.HeaderCacheControl, "public, max-age=300, stale-while-revalidate=86400")
	}
	h.Set(echo.HeaderLastModified, t.rel.meta.IngestedAt.UTC().Format(http.TimeFormat))
	if inm := req.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, tag) {
		c.Response().WriteHeader(http.StatusNotModified)
		return true
	}
	return false
}

// etagMatches applies If-None-Match's weak comparison (RFC 9110 §13.1.2).
func etagMatches(header, tag string) bool {
	if strings.TrimSpace(header) == "*" {
		return true
	}
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == tag {
			return true
		}
	}
	return false
}

// cached is a built JSON response.
type cached struct {
	body []byte
	next string // the Link header's next URL, if any
}

// responseCache keeps built JSON bodies, least recently used out first, up
// to a byte budget: the same query is encoded once, not per request, which
// is what lets one machine take launch-day traffic.
type responseCache struct {
	mu      sync.Mutex
	budget  int
	size    int
	order   *list.List // front: most recent
	entries map[string]*list.Element
}

type cacheEntry struct {
	key string
	val cached
}

func newResponseCache(budget int) *responseCache {
	return &responseCache{budget: budget, order: list.New(), entries: map[string]*list.Element{}}
}

func (rc *responseCache) get(key string) (cached, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	e, ok := rc.entries[key]
	if !ok {
		return cached{}, false
	}
	rc.order.MoveToFront(e)
	return e.Value.(*cacheEntry).val, true
}

func (rc *responseCache) put(key string, val cached) {
	n := len(key) + len(val.body) + len(val.next)
	if n > rc.budget/4 {
		return // one huge body must not flush everything else
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if _, ok := rc.entries[key]; ok {
		return
	}
	rc.entries[key] = rc.order.PushFront(&cacheEntry{key: key, val: val})
	rc.size += n
	for rc.size > rc.budget {
		last := rc.order.Back()
		e := last.Value.(*cacheEntry)
		rc.order.Remove(last)
		delete(rc.entries, e.key)
		rc.size -= len(e.key) + len(e.val.body) + len(e.val.next)
	}
}

func (rc *responseCache) len() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.entries)
}

// sendJSON answers with a cached or newly built JSON body for t.
func (s *Server) sendJSON(c echo.Context, t target, build func() (any, string, error)) error {
	if cacheHeaders(c, t, "json") {
		return nil
	}
	key := t.etag("json")
	resp, ok := s.cache.get(key)
	if !ok {
		v, next, err := build()
		if err != nil {
			return err
		}
		body, err := jsonMarshal(v)
		if err != nil {
			return err
		}
		resp = cached{body: body, next: next}
		s.cache.put(key, resp)
	}
	h := c.Response().Header()
	if resp.next != "" {
		h.Set("Link", "<"+resp.next+`>; rel="next"`)
	}
	// Known length: no chunked encoding (gzip drops it when it applies).
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(resp.body)))
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, resp.body)
}
