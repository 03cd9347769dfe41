package site

import (
	"net/http"

	"github.com/labstack/echo/v4"
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
