package site

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// homeData is the home page's content.
type homeData struct {
	Specialties []specialtySummary
}

// HandleHome answers GET /.
func (s *Site) HandleHome(c echo.Context) error {
	var d homeData
	if r := s.cat.Latest(); r != nil {
		for _, sp := range outcome.Specialties() {
			d.Specialties = append(d.Specialties, summariseSpecialty(r, sp))
		}
	}
	return s.render(c, http.StatusOK, "home", page{Title: "Compare surgeons' results fairly",
		Description: "Risk-adjusted survival after surgery, for surgeons and hospitals in ten specialties, compared with what was expected.",
		Data:        d, JSON: "/api/v1/"})
}
