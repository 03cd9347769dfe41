package site

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// HandleMethodology answers GET /methodology: how to read the figures,
// with every band in the site's words.
func (s *Site) HandleMethodology(c echo.Context) error {
	return s.render(c, http.StatusOK, "methodology", page{Title: "How to read these results", Section: "methodology",
		Data: outcome.Bands()})
}

// HandleAbout answers GET /about.
func (s *Site) HandleAbout(c echo.Context) error {
	return s.render(c, http.StatusOK, "about", page{Title: "About this site"})
}
