package site

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// specialtySummary is a specialty with what the release holds for it.
type specialtySummary struct {
	outcome.Specialty
	// Periods are the release's periods for it, oldest first.
	Periods             []string
	Surgeons, Hospitals int
}

func summariseSpecialty(r *catalog.Release, sp outcome.Specialty) specialtySummary {
	n := r.UnitCount(sp.Slug)
	return specialtySummary{Specialty: sp, Periods: r.Periods(sp.Slug), Surgeons: n.Surgeons, Hospitals: n.Hospitals}
}

// HandleSpecialtiesPage answers GET /specialties.
func (s *Site) HandleSpecialtiesPage(c echo.Context) error {
	r, err := s.releaseOr404(c)
	if err != nil {
		return err
	}
	var out []specialtySummary
	for _, sp := range outcome.Specialties() {
		out = append(out, summariseSpecialty(r, sp))
	}
	return s.render(c, http.StatusOK, "specialties", page{Title: "Specialties", Section: "specialties",
		Description: "The ten specialties whose surgeons' results are published here.", Data: out,
		JSON: "/api/v1/specialties"})
}
