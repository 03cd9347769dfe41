package site

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// Problem is what the error page says: the problem the API would answer
// with, in the fields the page shows.
type Problem struct {
	Status int
	Title  string
	Detail string
	// RequestID matches the X-Request-Id header and the server's log line.
	RequestID string
}

// ErrorPage renders a problem as the site's error page, with the pages'
// headers. The caller falls back to another body if it fails.
func (s *Site) ErrorPage(c echo.Context, p Problem) error {
	_ = Headers(func(echo.Context) error { return nil })(c)
	title := p.Title
	switch p.Status {
	case http.StatusNotFound:
		title = "Page not found"
	case http.StatusTooManyRequests:
		title = "Too many requests"
	}
	return s.render(c, p.Status, "error", page{Title: title, Data: p})
}

// unknownUnit is the 404 for a surgeon or hospital id the latest release
// does not have: the error page says which id was asked for (when it is
// short, printable text) and offers search and the hospital index.
func unknownUnit(t outcome.UnitType, id string) error {
	what := "No surgeon with that registration number"
	if t == outcome.Hospital {
		what = "No hospital with that code"
	}
	if id != "" && len(id) <= 40 && validText(id) {
		what = "No surgeon with the registration number “" + id + "”"
		if t == outcome.Hospital {
			what = "No hospital with the code “" + id + "”"
		}
	}
	return notFound(what + " has results in the latest release.")
}
