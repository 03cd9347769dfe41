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
	Name       string `json:"name" example:"Surgeon outcomes API"`
	APIVersion string `json:"api_version" example:"v1"`
	Version    string `json:"version" example:"dev"`
	// LatestRelease is the release answering URLs that do not name one.
	LatestRelease string            `json:"latest_release" example:"demo"`
	Endpoints     map[string]string `json:"endpoints"`
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
				"summary":  "/api/v1/summary",
				"surgeons": "/api/v1/surgeons", "hospitals": "/api/v1/hospitals",
				"self_check": "/api/v1/self-check", "openapi": "/api/v1/openapi.json", "docs": "/api/docs/",
			}}
		return envelope{Data: data, Meta: newMeta(t.rel, 1, t.rel.Meta.Periods), Links: t.links()}, "", nil
	})
}

// releaseDTO is a release as the API shows it.
type releaseDTO struct {
	ID      string `json:"id" example:"demo"`
	Title   string `json:"title" example:"Demo release"`
	Source  string `json:"source" example:"https://health.data.ny.gov/"`
	Licence string `json:"licence" example:"CC0-1.0"`
	// Profile is the built-in profile or mapping file that read the input.
	Profile string `json:"profile" example:"canonical"`
	// SHA256 is the hex sha256 of the input bytes.
	SHA256        string `json:"sha256" example:"4f1c…"`
	MappingSHA256 string `json:"mapping_sha256" example:"9a0b…"`
	// IntervalMethod, Comparison and TargetSource are the method settings
	// the figures were computed with (STATS.md). IntervalLevel is the
	// level, in percent, of every unit's own interval (ci_low, ci_high,
	// survival_low, survival_high), FlagLevel that of the publisher's
	// comparison giving each verdict: both the publisher's, 95 unless it
	// uses another (one rates hospitals by 98% intervals). The bands' 95%
	// and 99.8% funnel limits are the same for every release. A release of
	// the publisher's figures only (a file with no deaths) has comparison
	// and target_source "published": its units carry the publisher's rate,
	// interval and rating, with cases and events null where not given, and
	// are not_assessable, never placed on a funnel.
	IntervalMethod string    `json:"interval_method" enums:"exact,byar,mixed" example:"exact"`
	Comparison     string    `json:"comparison" enums:"funnel,interval,published" example:"funnel"`
	TargetSource   string    `json:"target_source" enums:"counts,national,published" example:"counts"`
	IntervalLevel  float64   `json:"interval_level" example:"95"` // percent: the units' own intervals' level
	FlagLevel      float64   `json:"flag_level" example:"95"`     // percent: the level of the rule giving each verdict
	Rows           int       `json:"rows" example:"2590"`
	Skipped        int       `json:"skipped" example:"0"`
	Synthetic      bool      `json:"synthetic" example:"true"`
	Periods        []string  `json:"periods"`
	IngestedAt     time.Time `json:"ingested_at" example:"2026-11-24T10:00:00Z"`
	// PublishedOn and NextUpdate are the publisher's dates (YYYY-MM-DD):
	// when it published these figures and when it says it will next
	// update them; null where the release does not say.
	PublishedOn *string `json:"published_on" example:"2025-03-31"`
	NextUpdate  *string `json:"next_update" example:"2026-03-31"`
	// Corrects is null, or the correction this release makes of another;
	// SupersededBy null, or the correction that superseded this one.
	Corrects     *correctionDTO `json:"corrects"`
	SupersededBy *successorDTO  `json:"superseded_by"`
	// Download is the release's own SQLite file (its rows and results
	// alone), null where there is none yet.
	Download *releaseFileDTO `json:"download"`
	// Citation cites the release in one line, with its sha256.
	Citation string         `json:"citation" example:"Demo release. Release demo; data 2022-04/2025-03. Licence: CC0-1.0. sha256 4f1c…."`
	Files    []fileDTO      `json:"files,omitempty"`
	Links    map[string]any `json:"links"`
}

// releaseFileDTO is a release's own SQLite file.
type releaseFileDTO struct {
	URL    string `json:"url" example:"/data/releases/2025-q1.sqlite"`
	Size   int64  `json:"size" example:"3792896"`
	SHA256 string `json:"sha256" example:"e5f4…"`
}

// fileDTO is one input file of a release.
type fileDTO struct {
	Name     string `json:"name" example:"adult-cardiac.csv"`
	SHA256   string `json:"sha256" example:"4f1c…"`
	Size     int64  `json:"size" example:"48211"`
	Encoding string `json:"encoding" example:"utf-8"`
	Rows     int    `json:"rows" example:"412"`
	Skipped  int    `json:"skipped" example:"0"`
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
