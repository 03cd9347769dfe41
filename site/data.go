package site

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/store"
)

// dataPage is the downloads page.
type dataPage struct {
	Releases    []store.Release
	Specialties []specialtySummary
	Download    *Download
}

// HandleData answers GET /data: every release with its hashes, each
// specialty's CSVs, and the database file.
func (s *Site) HandleData(c echo.Context) error {
	d := dataPage{Download: s.download}
	for _, r := range s.cat.Releases {
		d.Releases = append(d.Releases, r.Meta)
	}
	if r := s.cat.Latest(); r != nil {
		for _, sp := range outcome.Specialties() {
			if len(r.Periods(sp.Slug)) > 0 {
				d.Specialties = append(d.Specialties, summariseSpecialty(r, sp))
			}
		}
	}
	return s.render(c, http.StatusOK, "data", page{Title: "Data and downloads", Section: "data", Data: &d,
		JSON: "/api/v1/releases"})
}
