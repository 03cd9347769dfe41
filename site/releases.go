package site

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/store"
)

// releasesPage is the release index: every release, newest first, and the
// corrections log.
type releasesPage struct {
	Releases    []releaseEntry
	Corrections []store.Release // the correcting releases, newest first
}

// releaseEntry is one release as the index lists it.
type releaseEntry struct {
	store.Release
	Latest bool
}

// HandleReleases answers GET /releases: every release with its dates,
// status and hash, and every correction with what it corrected.
func (s *Site) HandleReleases(c echo.Context) error {
	var d releasesPage
	latest := s.cat.Latest()
	for _, r := range s.cat.Releases {
		d.Releases = append(d.Releases, releaseEntry{Release: r.Meta, Latest: r == latest})
		if r.Meta.Corrects != "" {
			d.Corrections = append(d.Corrections, r.Meta)
		}
	}
	return s.render(c, http.StatusOK, "releases", page{Title: "Releases and corrections", Section: "data", Data: &d,
		Description: "Every release of these figures, when each was published, and every correction.",
		JSON:        "/api/v1/releases"})
}

// releasePage is one release's page: its provenance, how to cite it, and
// what changed from the release before it.
type releasePage struct {
	Release  store.Release
	Citation string
	Latest   *store.Release
	// Since is the release it is compared with: the one it corrects, else
	// the one before it; nil for the first.
	Since   *store.Release
	Changes []catalog.ChangeCount
	// Listed are the changes the page lists unit by unit, the band changes
	// first, at most listedChanges; Unlisted counts the rest (in the CSV).
	Listed   []catalog.Change
	Unlisted int
	// RQ keeps the listed units' links in this release.
	RQ string
	// File is the release's own SQLite file, where there is one.
	File *ReleaseFile
}

// HandleRelease answers GET /releases/{id}.
func (s *Site) HandleRelease(c echo.Context) error {
	r := s.cat.Release(c.Param("id"))
	if r == nil {
		return notFound("This site has no such release. The list of releases is at /releases.")
	}
	d := releasePage{Release: r.Meta, Citation: r.Citation()}
	if s.download != nil && s.download.ReleaseFile != nil {
		if f, ok := s.download.ReleaseFile(r.Meta.ID); ok {
			d.File = &f
		}
	}
	if l := s.cat.Latest(); l != nil {
		d.Latest = &l.Meta
	}
	if since := s.previous(r); since != nil {
		d.Since = &since.Meta
		d.RQ = s.releaseQuery(r)
		changes := catalog.Changes(r, since)
		for _, kind := range []string{catalog.ChangeBand, catalog.ChangeFigures, catalog.ChangeAdded, catalog.ChangeGone} {
			for _, ch := range changes {
				if ch.Kind != kind {
					continue
				}
				if len(d.Listed) < listedChanges {
					d.Listed = append(d.Listed, ch)
				} else {
					d.Unlisted++
				}
			}
		}
		d.Changes = catalog.CountChanges(changes)
	}
	return s.render(c, http.StatusOK, "release", page{Title: "Release " + r.Meta.ID, Section: "data", Data: &d,
		Release: &r.Meta, JSON: "/api/v1/releases/" + r.Meta.ID})
}

// listedChanges is how many changes a release page lists unit by unit: a
// national update may change thousands, which the CSV holds.
const listedChanges = 200

// previous is the release r is best compared with: the one it corrects,
// else the next older one that is not a correction of r's line.
func (s *Site) previous(r *catalog.Release) *catalog.Release {
	if r.Meta.Corrects != "" {
		return s.cat.Release(r.Meta.Corrects)
	}
	for i, x := range s.cat.Releases {
		if x == r && i+1 < len(s.cat.Releases) {
			return s.cat.Releases[i+1]
		}
	}
	return nil
}
