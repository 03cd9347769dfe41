package api

import (
	"bytes"
	"cmp"
	"compress/gzip"
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

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/store"
)

// envelope is every successful JSON body: the data, what they are, and
// where to go next. Within v1 keys are only ever added.
type envelope struct {
	// What was asked for: a list of rows or one resource.
	Data any `json:"data"`
	// Which release answered, under what terms, and how many items match.
	Meta any `json:"meta"`
	// Related addresses: this response, its pinned and CSV twins, the next
	// page.
	Links links `json:"links"`
}

// meta says which release answered and under what terms.
type meta struct {
	// The id of the release that answered. A release is one load of the
	// publisher's files, and its figures never change.
	Release string `json:"release" example:"demo"`
	// The release's title.
	ReleaseTitle string `json:"release_title" example:"Demo release"`
	// True for invented data (the demo release): not real surgeons.
	Synthetic bool `json:"synthetic" example:"false"`
	// The periods of the data returned (start/end months).
	Periods []string `json:"periods" example:"2022-04/2025-03"`
	// How many items match, across all pages.
	Count int `json:"count" example:"312"`
	// Where the publisher's data came from (a web address).
	Source string `json:"source" example:"https://health.data.ny.gov/"`
	// The licence the data are published under.
	Licence string `json:"licence" example:"CC0-1.0"`
	// When the release's figures were computed (UTC): the same URL always
	// returns the same figures.
	GeneratedAt time.Time `json:"generated_at" example:"2026-11-24T10:00:00Z"`
	// The page that explains how the figures are worked out.
	MethodologyURL string `json:"methodology_url" example:"/methodology"`
	// A fingerprint (sha256) of the publisher's files as loaded, so a
	// reader can check they hold the same figures.
	ReleaseSHA256 string `json:"release_sha256" example:"4f1c…"`
	// The release cited in one line, with its fingerprint.
	Citation string `json:"citation" example:"Demo release. Release demo; data 2022-04/2025-03. Licence: CC0-1.0. sha256 4f1c…."`
	// Null unless a correction replaced the release that answered: then
	// the correcting release and what it corrects.
	SupersededBy *successorDTO `json:"superseded_by" extensions:"x-nullable"`
}

// successorDTO is the correction that superseded a release.
type successorDTO struct {
	// The id of the correcting release.
	Release string `json:"release" example:"2025-q1-r2"`
	// What the correction put right, in the publisher's words.
	Note string `json:"note" example:"Deaths at three trusts were under-counted."`
	// The correcting release in this API.
	Link string `json:"link" example:"/api/v1/releases/2025-q1-r2"`
}

// correctionDTO is one correction: the release that corrects, the one it
// corrects, and what was wrong.
type correctionDTO struct {
	// The id of the correcting release.
	Release string `json:"release" example:"2025-q1-r2"`
	// The id of the release it corrects, which stays served.
	Corrects string `json:"corrects" example:"2025-q1"`
	// What was wrong, in the publisher's words.
	Note string `json:"note" example:"Deaths at three trusts were under-counted."`
	// The date the publisher published the correction (YYYY-MM-DD); null
	// when not given.
	PublishedOn *string `json:"published_on" example:"2025-04-15" extensions:"x-nullable"`
	// When the correction was loaded here (UTC).
	IngestedAt time.Time `json:"ingested_at" example:"2026-11-24T10:00:00Z"`
	// The addresses of the correcting release and of the corrected one.
	Links map[string]string `json:"links"`
}

// newCorrection describes the correction made by release by.
func newCorrection(by store.Release) *correctionDTO {
	return &correctionDTO{Release: by.ID, Corrects: by.Corrects, Note: by.CorrectionNote,
		PublishedOn: optionalText(by.PublishedOn), IngestedAt: by.IngestedAt.UTC(),
		Links: map[string]string{"release": "/api/v1/releases/" + by.ID, "corrects": "/api/v1/releases/" + by.Corrects}}
}

// optionalText is s, or nil (JSON null) when empty.
func optionalText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// pageMeta is meta for a paged collection.
type pageMeta struct {
	meta
	// The most rows a page holds (?limit=).
	Limit int `json:"limit" example:"100" extensions:"x-unit=rows"`
	// The cursor that fetches the next page (?cursor=). Null on the last
	// page.
	NextCursor *string `json:"next_cursor" example:"WyJuYW1lIiwiIi..." extensions:"x-nullable"`
	// The order of the rows (?sort=): a field name, with a leading minus
	// for descending.
	Sort string `json:"sort" example:"name"`
	// A warning of what a total over these rows would get wrong: rows of
	// periods that overlap count the same operations in each. Absent when
	// there is nothing to warn of.
	Note string `json:"note,omitempty" example:"These rows come from periods that overlap (2021-04/2024-03, 2022-04/2025-03): …"`
	// For each field named in ?facet=, how many matching rows (all pages,
	// not only this one) have each value, most first. A surgeon's row
	// counts at each hospital it names. Absent without ?facet=.
	Facets map[string]facetDTO `json:"facets,omitempty"`
}

// facetDTO is one field's counts: at most 100 values, most matches
// first; truncated is true when more values had matches.
type facetDTO struct {
	// The values, most matches first: at most 100.
	Values []facetValueDTO `json:"values"`
	// True when more values had matches than are listed.
	Truncated bool `json:"truncated" example:"false"`
}

// facetValueDTO is one value of a facet and how many matches have it;
// a band has its label too, as in the rows.
type facetValueDTO struct {
	// The value, as in the rows.
	Value string `json:"value" example:"high_alarm"`
	// For a band, its plain words; absent otherwise.
	Label string `json:"label,omitempty" example:"Survival lower than expected"`
	// How many matching rows have the value.
	Count int `json:"count" example:"11" extensions:"x-unit=rows"`
}

// links are related URLs, as absolute paths on this server.
type links struct {
	// This response's own address.
	Self string `json:"self" example:"/api/v1/surgeons?specialty=adult-cardiac"`
	// The same resource at the address of the release that answered, whose
	// figures never change: the one to cite.
	Pinned string `json:"pinned,omitempty" example:"/api/v1/releases/demo/surgeons?specialty=adult-cardiac"`
	// The next page; absent on the last.
	Next string `json:"next,omitempty" example:"/api/v1/surgeons?cursor=WyJuYW1lIiwiIi...&specialty=adult-cardiac"`
	// The same rows as a CSV file, every one.
	CSV string `json:"csv,omitempty" example:"/api/v1/surgeons.csv?specialty=adult-cardiac"`
	// The same rows, every one, as newline-delimited JSON: one JSON object
	// a line.
	NDJSON string `json:"ndjson,omitempty" example:"/api/v1/surgeons.ndjson?specialty=adult-cardiac"`
	// The API's documentation.
	Docs string `json:"docs" example:"/api/docs/"`
}

func newMeta(r *catalog.Release, count int, periods []string) meta {
	if periods == nil {
		periods = []string{}
	}
	m := meta{Release: r.Meta.ID, ReleaseTitle: r.Meta.Title, Synthetic: r.Meta.Synthetic, Periods: periods,
		Count: count, Source: r.Meta.Source, Licence: r.Meta.Licence, GeneratedAt: r.Meta.IngestedAt.UTC(),
		MethodologyURL: "/methodology", ReleaseSHA256: r.Meta.InputSHA256, Citation: r.Citation()}
	if r.Meta.SupersededBy != "" {
		m.SupersededBy = &successorDTO{Release: r.Meta.SupersededBy, Note: r.Meta.SupersededNote,
			Link: "/api/v1/releases/" + r.Meta.SupersededBy}
	}
	return m
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

// resource is what a request resolved to: the release, the route's
// canonical path (without the release prefix) and its normalised query.
type resource struct {
	rel    *catalog.Release
	pinned bool // the URL names the release: its answer never changes
	path   string
	query  url.Values
}

// url is the resource's URL, pinned to its release or not.
func (t resource) url(pinned bool, extra url.Values) string {
	v := url.Values{}
	for k, vs := range t.query {
		v[k] = vs
	}
	for k, vs := range extra {
		v[k] = vs
	}
	p := "/api/v1" + t.path
	if pinned {
		p = "/api/v1/releases/" + url.PathEscape(t.rel.Meta.ID) + t.path
	} else if t.pinned {
		v.Set(paramRelease, t.rel.Meta.ID)
	}
	if enc := v.Encode(); enc != "" {
		return p + "?" + enc
	}
	return p
}

func (t resource) links() links {
	return links{Self: t.url(false, nil), Pinned: t.url(true, nil), Docs: "/api/docs/"}
}

// etag is a strong validator: a hash of the release's tag, the route, the
// normalised query and the representation, so equal bytes get equal tags
// across restarts and replicas.
func (t resource) etag(representation string) string {
	pin := "latest"
	if t.pinned {
		pin = "pinned" // links name the release: another body
	}
	sum := sha256.Sum256([]byte(t.rel.Tag + "\x00" + pin + "\x00" + t.path + "\x00" + t.query.Encode() + "\x00" +
		representation))
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// cacheControl is the Cache-Control of a response about t: a pinned
// release never changes, so caches may keep it for a year; the latest may
// be replaced by a new release, so it is kept for five minutes and served
// stale while revalidating.
func (t resource) cacheControl() string { return cacheControlFor(t.pinned) }

// cacheControlFor is the Cache-Control of every kept response, API or
// page: a day when the URL pins the release, short with
// stale-while-revalidate when it means the latest.
//
// A pinned answer's figures never change, but a correction may later
// supersede its release, and then the answer says so (meta.superseded_by):
// so it is cached for a day, revalidated by its strong ETag, not marked
// immutable, and a correction reaches every reader within a day.
func cacheControlFor(pinned bool) string {
	if pinned {
		return "public, max-age=86400"
	}
	return "public, max-age=300, stale-while-revalidate=86400"
}

// cacheHeaders sets the caching headers of a streamed response and reports
// whether the client's copy is current (If-None-Match), in which case a
// 304 has been sent. A gzipped body is another representation, with
// another strong tag.
func cacheHeaders(c echo.Context, t resource, representation string, gzipped bool) (notModified bool) {
	if gzipped {
		representation += "+gzip"
	}
	tag := t.etag(representation)
	h := c.Response().Header()
	h.Set("ETag", tag)
	h.Set(echo.HeaderVary, "Accept, Accept-Encoding")
	h.Set(echo.HeaderCacheControl, t.cacheControl())
	h.Set(echo.HeaderLastModified, t.rel.Meta.IngestedAt.UTC().Format(http.TimeFormat))
	if inm := c.Request().Header.Get("If-None-Match"); inm != "" && etagMatches(inm, tag) {
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

// acceptsGzip reports whether an Accept-Encoding header allows gzip
// (RFC 9110 §12.5.3: "gzip;q=0" refuses it, "*" allows it).
func acceptsGzip(header string) bool {
	star := false
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "x-gzip" && coding != "*" {
			continue
		}
		ok := true
		for p := range strings.SplitSeq(params, ";") {
			if k, v, found := strings.Cut(strings.TrimSpace(p), "="); found && strings.TrimSpace(k) == "q" {
				q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				ok = err == nil && q > 0
			}
		}
		if coding == "*" {
			star = ok
			continue
		}
		return ok
	}
	return star
}

// cached is a built JSON response, with everything needed to send it again
// without parsing the request: the body, its validators and caching
// headers, and, made on first demand, its gzipped form.
type cached struct {
	body         []byte
	etag         string
	next         string   // the Link header's next URL, if any
	links        []string // other Link header values (a page's alternates)
	cacheControl string
	lastModified string
	// contentType is the body's type; empty means JSON. compressed marks
	// a body (a PNG) that gzip would not shrink.
	contentType string
	compressed  bool

	gzipOnce sync.Once
	gzipBody []byte
}

func newCached(t resource, body []byte, next string) *cached {
	return &cached{body: body, etag: t.etag("json"), next: next, cacheControl: t.cacheControl(),
		lastModified: t.rel.Meta.IngestedAt.UTC().Format(http.TimeFormat)}
}

// gzipped compresses the body once, at the best ratio: it is then sent
// many times.
func (e *cached) gzipped() []byte {
	e.gzipOnce.Do(func() {
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression) // a valid level: no error
		w.Write(e.body)                                       // a bytes.Buffer does not fail
		w.Close()
		e.gzipBody = b.Bytes()
	})
	return e.gzipBody
}

func (e *cached) size() int {
	n := len(e.body) + len(e.etag) + len(e.next) + 256
	for _, l := range e.links {
		n += len(l)
	}
	return n
}

// responseCache keeps built responses (the API's JSON, the site's pages
// and chart images) by key, least recently used out first, up to a byte
// budget. Releases are immutable and the catalog never changes while the
// server runs, so a URI answered once is answered again from here without
// parsing it: that is what lets one machine take launch-day traffic, and
// a CDN in front of it takes more.
type responseCache struct {
	mu      sync.Mutex
	budget  int
	size    int
	order   *list.List // front: most recent
	entries map[string]*list.Element
}

type cacheEntry struct {
	key string
	val *cached
}

func newResponseCache(budget int) *responseCache {
	return &responseCache{budget: budget, order: list.New(), entries: map[string]*list.Element{}}
}

func (rc *responseCache) get(key string) (*cached, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	e, ok := rc.entries[key]
	if !ok {
		return nil, false
	}
	rc.order.MoveToFront(e)
	return e.Value.(*cacheEntry).val, true
}

func (rc *responseCache) put(key string, val *cached) {
	// A gzipped copy may be added later: budget for it now.
	n := len(key) + val.size() + len(val.body)/4
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
		rc.size -= len(e.key) + e.val.size() + len(e.val.body)/4
	}
}

func (rc *responseCache) len() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.entries)
}

// cacheKey is the cache's key for a request: its URI as sent. Two URIs
// that mean the same (parameters in another order) are built once each;
// a URI that asks for CSV by its Accept header never reaches the cache.
//
// The key begins with the releases' generation (Server.generation): the
// cache outlives a swap of releases, and a URL must not answer from the
// releases before it (the latest moved, a release was superseded).
func (s *Server) cacheKey(req *http.Request) string {
	return s.generation + "\x00" + req.URL.RequestURI()
}

// serveCached answers a GET or HEAD from the response cache when it can,
// before the request is even parsed; otherwise the route's handler runs
// (and sendJSON fills the cache).
func (s *Server) serveCached(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if (req.Method == http.MethodGet || req.Method == http.MethodHead) &&
			!prefersCSV(req.Header.Get(echo.HeaderAccept)) {
			if e, ok := s.cache.get(s.cacheKey(req)); ok {
				return writeCached(c, e)
			}
		}
		return next(c)
	}
}

// sendJSON answers with the JSON body for t, built by build unless the
// cache has it. build returns the value to encode and the next page's URL.
func (s *Server) sendJSON(c echo.Context, t resource, build func() (any, string, error)) error {
	v, next, err := build()
	if err != nil {
		return err
	}
	body, err := jsonMarshal(v)
	if err != nil {
		return err
	}
	e := newCached(t, body, next)
	if !prefersCSV(c.Request().Header.Get(echo.HeaderAccept)) {
		s.cache.put(s.cacheKey(c.Request()), e)
	}
	return writeCached(c, e)
}

// writeCached sends a built response, gzipped when the client accepts it,
// or 304 when the client's copy is current.
func writeCached(c echo.Context, e *cached) error {
	h := c.Response().Header()
	body, tag := e.body, e.etag
	gz := !e.compressed && acceptsGzip(c.Request().Header.Get(echo.HeaderAcceptEncoding))
	if gz {
		// A gzipped body is another representation, so another strong tag.
		body, tag = e.gzipped(), strings.TrimSuffix(e.etag, `"`)+`-gzip"`
		h.Set(echo.HeaderContentEncoding, "gzip")
	}
	h.Set("ETag", tag)
	h.Set(echo.HeaderVary, "Accept, Accept-Encoding")
	h.Set(echo.HeaderCacheControl, e.cacheControl)
	h.Set(echo.HeaderLastModified, e.lastModified)
	if inm := c.Request().Header.Get("If-None-Match"); inm != "" && etagMatches(inm, tag) {
		h.Del(echo.HeaderContentEncoding)
		return c.NoContent(http.StatusNotModified)
	}
	if e.next != "" {
		h.Set("Link", "<"+e.next+`>; rel="next"`)
	}
	for _, l := range e.links {
		h.Add("Link", l)
	}
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	return c.Blob(http.StatusOK, cmp.Or(e.contentType, echo.MIMEApplicationJSON), body)
}
