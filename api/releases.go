package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
)

// indexDTO is the API's front door.
type indexDTO struct {
	// The API's name.
	Name string `json:"name" example:"Surgeon outcomes API"`
	// The API's version in its addresses.
	APIVersion string `json:"api_version" example:"v1"`
	// The server's software version.
	Version string `json:"version" example:"dev"`
	// The release that answers addresses that do not name one.
	LatestRelease string `json:"latest_release" example:"demo"`
	// Where to start: the address of each collection, this document and
	// the docs.
	Endpoints map[string]string `json:"endpoints"`
}

// handleIndex answers GET /api/v1/.
//
//	@Summary		API index
//	@Description	The latest release and links to every collection, the OpenAPI document and the docs.
//	@Tags			index
//	@Produce		json
//	@Success		200	{object}	envelope{data=indexDTO,meta=meta}
//	@Failure		400	{object}	problem
//	@Failure		404	{object}	problem	"no release is loaded"
//	@Router			/api/v1/ [get]
func (s *Server) handleIndex(c echo.Context) error {
	t, _, err := s.resolve(c, resourceParams, "/")
	if err != nil {
		return err
	}
	return s.sendJSON(c, t, func() (any, string, error) {
		data := indexDTO{Name: "Surgeon outcomes API", APIVersion: "v1", Version: s.cfg.Version,
			LatestRelease: s.cat.Latest().Meta.ID,
			Endpoints: map[string]string{
				"releases": "/api/v1/releases", "specialties": "/api/v1/specialties",
				"summary": "/api/v1/summary", "dictionary": "/api/v1/dictionary",
				"surgeons": "/api/v1/surgeons", "hospitals": "/api/v1/hospitals",
				"self_check": "/api/v1/self-check", "monitor": "/api/v1/monitor", "openapi": "/api/v1/openapi.json", "docs": "/api/docs/",
			}}
		return envelope{Data: data, Meta: newMeta(t.rel, 1, t.rel.Meta.Periods), Links: t.links()}, "", nil
	})
}

// releaseDTO is a release as the API shows it.
type releaseDTO struct {
	// The release's id.
	ID string `json:"id" example:"demo"`
	// The release's title.
	Title string `json:"title" example:"Demo release"`
	// Where the publisher's data came from (a web address).
	Source string `json:"source" example:"https://health.data.ny.gov/"`
	// The licence the data are published under.
	Licence string `json:"licence" example:"CC0-1.0"`
	// The built-in profile or mapping file that read the publisher's
	// files.
	Profile string `json:"profile" example:"canonical"`
	// A fingerprint (sha256) of the publisher's files as loaded.
	SHA256 string `json:"sha256" example:"4f1c…"`
	// A fingerprint (sha256) of the profile or mapping file that read
	// them.
	MappingSHA256 string `json:"mapping_sha256" example:"9a0b…"`
	// How each unit's own interval is worked out: exact (exact Poisson
	// limits), byar (Byar's approximation) or mixed (exact for fewer than
	// 10 events, Byar's for 10 or more), as the publisher does.
	IntervalMethod string `json:"interval_method" enums:"exact,byar,mixed" example:"exact"`
	// How a unit is judged: funnel (its place against the funnel's
	// limits), interval (whether its own interval leaves out the national
	// rate) or published (a release of the publisher's figures only, with
	// no deaths: its units carry the publisher's rate, interval and rating
	// and are never placed on a funnel).
	Comparison string `json:"comparison" enums:"funnel,interval,published" example:"funnel"`
	// Where the national rate comes from: counts (all the units' events
	// divided by all their operations), national (the publisher's national
	// or statewide row) or published (the publisher's own figures).
	TargetSource string `json:"target_source" enums:"counts,national,published" example:"counts"`
	// The level of every unit's own interval (ci_low, ci_high,
	// survival_low, survival_high), in percent: 95 unless the publisher
	// uses another. The funnels' 95% and 99.8% limits are the same in
	// every release.
	IntervalLevel float64 `json:"interval_level" example:"95" extensions:"x-unit=percent"`
	// The level, in percent, of the publisher's comparison that gives each
	// verdict: 95 unless it uses another (one rates hospitals by 98%
	// intervals).
	FlagLevel float64 `json:"flag_level" example:"95" extensions:"x-unit=percent"`
	// How many rows were loaded.
	Rows int `json:"rows" example:"2590" extensions:"x-unit=rows"`
	// How many rows were read and left out (such as national rows).
	Skipped int `json:"skipped" example:"0" extensions:"x-unit=rows"`
	// True for invented data (the demo release): not real surgeons.
	Synthetic bool `json:"synthetic" example:"true"`
	// The periods (start/end months) the release has results for.
	Periods []string `json:"periods"`
	// When the release was loaded and its figures computed (UTC).
	IngestedAt time.Time `json:"ingested_at" example:"2026-11-24T10:00:00Z"`
	// When the publisher published these figures (YYYY-MM-DD); null where
	// the release does not say.
	PublishedOn *string `json:"published_on" example:"2025-03-31" extensions:"x-nullable"`
	// When the publisher says it will next update them (YYYY-MM-DD); null
	// where the release does not say.
	NextUpdate *string `json:"next_update" example:"2026-03-31" extensions:"x-nullable"`
	// The correction this release makes of another; null when it corrects
	// none.
	Corrects *correctionDTO `json:"corrects" extensions:"x-nullable"`
	// The correction that replaced this release; null when none has.
	SupersededBy *successorDTO `json:"superseded_by" extensions:"x-nullable"`
	// The release's own database file (its rows and results alone) to
	// download; null where there is none yet.
	Download *releaseFileDTO `json:"download" extensions:"x-nullable"`
	// The release cited in one line, with its fingerprint.
	Citation string `json:"citation" example:"Demo release. Release demo; data 2022-04/2025-03. Licence: CC0-1.0. sha256 4f1c…."`
	// The publisher's files the release was loaded from; only on one
	// release's resource.
	Files []fileDTO `json:"files,omitempty"`
	// Related addresses: the release itself, its specialties and, where
	// the server offers release files, its bundle (bundle: a zip of its
	// rows and national summary as CSV with a datapackage.json,
	// CITATION.cff and README).
	Links map[string]any `json:"links"`
}

// releaseFileDTO is a release's own SQLite file.
type releaseFileDTO struct {
	// The file's address.
	URL string `json:"url" example:"/data/releases/2025-q1.sqlite"`
	// The file's size.
	Size int64 `json:"size" example:"3792896" extensions:"x-unit=bytes"`
	// A fingerprint (sha256) of the file.
	SHA256 string `json:"sha256" example:"e5f4…"`
}

// fileDTO is one input file of a release.
type fileDTO struct {
	// The file's name as the publisher gave it.
	Name string `json:"name" example:"adult-cardiac.csv"`
	// A fingerprint (sha256) of the file's bytes.
	SHA256 string `json:"sha256" example:"4f1c…"`
	// The file's size.
	Size int64 `json:"size" example:"48211" extensions:"x-unit=bytes"`
	// The text encoding the file was read in.
	Encoding string `json:"encoding" example:"utf-8"`
	// How many rows were loaded from the file.
	Rows int `json:"rows" example:"412" extensions:"x-unit=rows"`
	// How many rows were read and left out (such as national rows).
	Skipped int `json:"skipped" example:"0" extensions:"x-unit=rows"`
}

func (s *Server) toReleaseDTO(rel *catalog.Release) releaseDTO {
	r := rel.Meta
	d := releaseDTO{PublishedOn: optionalText(r.PublishedOn), NextUpdate: optionalText(r.NextUpdate),
		Citation: rel.Citation(), SupersededBy: newMeta(rel, 0, nil).SupersededBy, ID: r.ID, Title: r.Title, Source: r.Source, Licence: r.Licence, Profile: r.Profile,
		SHA256: r.InputSHA256, MappingSHA256: r.MappingSHA256, IntervalMethod: r.IntervalMethod,
		Comparison: r.Comparison, TargetSource: r.TargetSource, IntervalLevel: r.IntervalLevel,
		FlagLevel: r.FlagLevel, Rows: r.Rows, Skipped: r.Skipped,
		Synthetic: r.Synthetic, Periods: r.Periods, IngestedAt: r.IngestedAt.UTC(),
		Links: map[string]any{"self": "/api/v1/releases/" + r.ID,
			"specialties": "/api/v1/releases/" + r.ID + "/specialties"}}
	if d.Periods == nil {
		d.Periods = []string{}
	}
	if r.Corrects != "" {
		d.Corrects = newCorrection(r)
	}
	if s.bundlePath(r.ID) != "" {
		d.Links["bundle"] = bundleURL(r.ID)
	}
	if f, ok := s.releaseFile(r.ID); ok {
		d.Download = &releaseFileDTO{URL: f.URL, Size: f.Size, SHA256: f.SHA256}
	}
	for _, f := range r.Files {
		d.Files = append(d.Files, fileDTO{Name: f.Name, SHA256: f.SHA256, Size: f.Size, Encoding: f.Encoding,
			Rows: f.Rows, Skipped: f.Skipped})
	}
	return d
}

// handleReleases answers GET /api/v1/releases.
//
//	@Summary		Releases
//	@Description	Every release loaded, newest first. Each is immutable; the newest answers URLs that do not name one.
//	@Tags			releases
//	@Produce		json
//	@Success		200	{object}	envelope{data=[]releaseDTO,meta=meta}
//	@Failure		400	{object}	problem
//	@Failure		404	{object}	problem	"no release is loaded"
//	@Router			/api/v1/releases [get]
func (s *Server) handleReleases(c echo.Context) error {
	t, _, err := s.resolve(c, nil, "/releases")
	if err != nil {
		return err
	}
	t.pinned = false // the list grows with each release
	return s.sendJSON(c, t, func() (any, string, error) {
		out := make([]releaseDTO, len(s.cat.Releases))
		for i, r := range s.cat.Releases {
			out[i] = s.toReleaseDTO(r)
			out[i].Files = nil
		}
		l := t.links()
		l.Pinned = ""
		return envelope{Data: out, Meta: newMeta(t.rel, len(out), nil), Links: l}, "", nil
	})
}

// handleRelease answers GET /api/v1/releases/{release}.
//
//	@Summary		One release
//	@Description	A release's provenance: source, licence, input files and their sha256, method settings and periods. "latest" names the newest.
//	@Tags			releases
//	@Produce		json
//	@Param			release	path		string	true	"release id, or latest"
//	@Success		200		{object}	envelope{data=releaseDTO,meta=meta}
//	@Failure		400		{object}	problem
//	@Failure		404		{object}	problem	"no such release"
//	@Router			/api/v1/releases/{release} [get]
func (s *Server) handleRelease(c echo.Context) error {
	t, _, err := s.resolve(c, nil, "")
	if err != nil {
		return err
	}
	return s.sendJSON(c, t, func() (any, string, error) {
		l := t.links()
		l.Self = "/api/v1/releases/" + url.PathEscape(c.Param("release"))
		l.Pinned = "/api/v1/releases/" + t.rel.Meta.ID
		return envelope{Data: s.toReleaseDTO(t.rel), Meta: newMeta(t.rel, 1, t.rel.Meta.Periods), Links: l}, "", nil
	})
}

// handleOpenAPI answers GET /api/v1/openapi.json.
//
//	@Summary		OpenAPI document
//	@Description	This API's description (Swagger 2.0), generated from the handlers' annotations.
//	@Tags			index
//	@Produce		json
//	@Success		200
//	@Router			/api/v1/openapi.json [get]
func (s *Server) handleOpenAPI(c echo.Context) error {
	return writeCached(c, s.openAPI)
}

// newOpenAPI builds the OpenAPI response once: the document changes only
// with the binary.
func newOpenAPI(started time.Time) *cached {
	doc := []byte(openAPIDocument())
	sum := sha256.Sum256(doc)
	return &cached{body: doc, etag: `"` + hex.EncodeToString(sum[:16]) + `"`, cacheControl: "public, max-age=300",
		lastModified: started.UTC().Format(http.TimeFormat)}
}

// handleCorrections answers GET /api/v1/corrections.
//
//	@Summary		Corrections log
//	@Description	Every correction, newest first: the release that corrects, the release it corrects and supersedes (both stay served; the superseded one's answers say so in meta.superseded_by), and what was wrong.
//	@Tags			releases
//	@Produce		json
//	@Success		200	{object}	envelope{data=[]correctionDTO,meta=meta}
//	@Failure		400	{object}	problem
//	@Failure		404	{object}	problem	"no release is loaded"
//	@Router			/api/v1/corrections [get]
func (s *Server) handleCorrections(c echo.Context) error {
	t, _, err := s.resolve(c, nil, "/corrections")
	if err != nil {
		return err
	}
	t.pinned = false // the log grows with each correction
	return s.sendJSON(c, t, func() (any, string, error) {
		out := []*correctionDTO{}
		for _, r := range s.cat.Releases {
			if r.Meta.Corrects != "" {
				out = append(out, newCorrection(r.Meta))
			}
		}
		l := t.links()
		l.Pinned = ""
		return envelope{Data: out, Meta: newMeta(t.rel, len(out), nil), Links: l}, "", nil
	})
}
