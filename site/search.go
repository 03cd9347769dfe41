package site

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// searchPage is the search page's content.
type searchPage struct {
	Q         string
	Surgeons  []searchResult
	Hospitals []searchResult
	Searched  bool
	Capped    bool // more than the limit matched
}

type searchResult struct {
	ID, Name    string
	Detail      string
	Specialties []string
}

// HandleSearch answers GET /search?q=: surgeons and hospitals by name, id,
// hospital or specialty, through the same search as the API's q
// (catalog.Release.Search), grouped by kind, best matches first.
func (s *Site) HandleSearch(c echo.Context) error {
	r, err := s.latestOr404()
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	d := searchPage{Q: q}
	if q != "" && validText(q) {
		d.Searched = true
		const shown = 50
		for _, u := range r.Search(q) {
			res := searchResult{ID: u.ID, Name: u.Name, Specialties: u.Specialties}
			list := &d.Hospitals
			if u.Type == outcome.Surgeon {
				res.Detail = strings.Join(u.Hospitals, ", ")
				list = &d.Surgeons
			}
			if len(*list) == shown {
				d.Capped = true
				continue
			}
			*list = append(*list, res)
		}
	}
	p := page{Title: "Find a surgeon or hospital", Section: "search", Data: &d}
	if d.Searched {
		p.JSON = "/api/v1/surgeons?q=" + url.QueryEscape(q)
		p.CSV = "/api/v1/surgeons.csv?q=" + url.QueryEscape(q)
	}
	return s.render(c, http.StatusOK, "search", p)
}
