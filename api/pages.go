package api

import (
	"bytes"
	"crypto/sha256"
	"embed"
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

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/static"
	"github.com/surgeon-outcomes/outcomes/store"
)

//go:embed templates
var templateFS embed.FS

// site holds what the HTML pages need, built once at start: the parsed
// templates (one set per page, each with the layout) and the hashed URLs of
// the static assets.
type site struct {
	pages  map[string]*template.Template
	assets map[string]asset // by hashed URL path
	css    string
	js     string
}

// asset is one embedded static file.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// pageNames are the templates under templates/, each a page.
var pageNames = []string{"home", "specialties", "specialty", "surgeon", "hospital", "compare", "search",
	"selfcheck", "methodology", "data", "about", "error"}

func newSite() (*site, error) {
	st := &site{pages: map[string]*template.Template{}, assets: map[string]asset{}}
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
		return nil, fmt.Errorf("api: static assets: %w", err)
	}
	funcs := template.FuncMap{
		"percent": percent, "decimal": decimal, "thousands": thousands, "bandWords": bandWords,
		"bandShort": bandShort, "bandExplain": bandExplain, "frequency": frequency, "detectable": detectable,
		"join": strings.Join, "date": func(t time.Time) string { return t.UTC().Format("2 January 2006") },
		"isURL": func(s string) bool {
			u, err := url.Parse(s)
			return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
		},
		"specialtyName": func(slug string) string {
			sp, ok := outcome.LookupSpecialty(slug)
			if !ok {
				return slug
			}
			return sp.Name
		},
		"procedureName": procedureName,
		"groupTitle":    groupTitle,
		"plural":        plural,
		"query":         url.QueryEscape,
	}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html",
			"templates/partials.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("api: template %s: %w", name, err)
		}
		st.pages[name] = t
	}
	return st, nil
}

// procedureName is a procedure's display name, or its slug when the
// specialty does not list it (publishers' own procedure labels).
func procedureName(specialty, procedure string) string {
	sp, ok := outcome.LookupSpecialty(specialty)
	if ok {
		for _, p := range sp.Procedures {
			if p.Slug == procedure {
				return p.Name
			}
		}
	}
	return procedure
}

// page is what every page template gets.
type page struct {
	Title       string
	Description string
	Section     string // the nav entry to mark current
	Release     *store.Release
	Period      string
	JSON, CSV   string // the page's data twins
	CSS, JS     string
	Data        any
}

// render executes a page into a buffer, then writes it: a template error
// never leaves half a page.
func (s *Server) render(c echo.Context, status int, name string, p page) error {
	if p.Release == nil {
		if r := s.cat.latest(); r != nil {
			p.Release = &r.meta
		}
	}
	p.CSS, p.JS = s.site.css, s.site.js
	var b bytes.Buffer
	if err := s.site.pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		return fmt.Errorf("api: render %s: %w", name, err)
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

// pageHeaders sets the security headers of every page: a strict Content
// Security Policy (our own script and styles only, no inline script), no
// framing, no sniffing, a cautious referrer.
func pageHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "+
			"img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		return next(c)
	}
}

// handleStatic serves an embedded asset at its content-hashed URL, cached
// for a year: a changed file gets a new URL.
func (s *Server) handleStatic(c echo.Context) error {
	a, ok := s.site.assets[c.Request().URL.Path]
	if !ok {
		return notFound("no such file")
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	h.Set("ETag", a.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	if etagMatches(c.Request().Header.Get("If-None-Match"), a.etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, a.contentType, a.body)
}

// wantsHTML reports whether an error on this request should be a page: any
// path outside the API and the operational endpoints.
func wantsHTML(c echo.Context) bool {
	p := c.Request().URL.Path
	return !strings.HasPrefix(p, "/api/") && p != "/healthz" && p != "/metrics" && !strings.HasPrefix(p, "/static/") &&
		!strings.HasSuffix(p, ".svg") && !strings.HasSuffix(p, ".sqlite")
}

// errorPage renders a problem as the site's error page.
func (s *Server) errorPage(c echo.Context, p problem) error {
	title := p.Title
	switch p.Status {
	case http.StatusNotFound:
		title = "Page not found"
	case http.StatusTooManyRequests:
		title = "Too many requests"
	}
	return s.render(c, p.Status, "error", page{Title: title, Data: p})
}

// option is one choice in a form control.
type option struct {
	Value, Label string
	Selected     bool
}

// highlightIDs reads ?highlight= (repeated, or comma-separated), at most 50.
func highlightIDs(v url.Values) []string {
	var ids []string
	for _, raw := range v["highlight"] {
		for id := range strings.SplitSeq(raw, ",") {
			id = strings.TrimSpace(id)
			if id != "" && checkText(id, maxValueLen) == "" && !slices.Contains(ids, id) && len(ids) < 50 {
				ids = append(ids, id)
			}
		}
	}
	return ids
}
