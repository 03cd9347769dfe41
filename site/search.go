package site

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// searchShown is how many surgeons a search lists before the reader asks
// for all of them: enough for a hospital's heart surgeons, few enough for
// a phone.
const searchShown = 50

// searchAllShown is how many surgeons a page of ?all=1 lists: a search
// that matches every surgeon of a national release would otherwise be
// megabytes. The pages keep the search's order; ?page= chooses one.
const searchAllShown = 1000

// searchPage is the search page's content.
type searchPage struct {
	Q        string
	Searched bool
	// Hospitals come first: a query naming a hospital is most often
	// looking for it, and its page leads to its surgeons.
	Hospitals []searchResult
	Surgeons  []searchResult
	// HospitalsFound and SurgeonsFound are the true counts, which Capped
	// lists may show only the first searchShown of.
	HospitalsFound, SurgeonsFound int
	Capped                        bool
	AllURL                        string   // the same search listing every surgeon
	Narrow                        []link   // the same search within each specialty of the surgeons found
	CompareURL                    string   // the surgeons listed, on one chart
	Specialties                   []string // what the query's plain words named (catalog.Finding)
	Rest                          string
	Suggestions                   []link
	// Browse lists every specialty, for a search that found nothing.
	Browse []outcome.Specialty
	// From and To are the surgeons listed when ?all=1 finds more than
	// searchAllShown, counting from 1; Prev and Next the pages either
	// side (empty at the ends).
	From, To   int
	Prev, Next string
}

type searchResult struct {
	ID, Name    string
	Detail      string
	Specialties []string
	// Surgeons is a hospital's number of surgeons with results there;
	// SpecialtyURLs its surgeons on each named specialty's chart.
	Surgeons      int
	SpecialtyURLs []link
}

// link is a labelled URL with a count.
type link struct {
	Label, URL string
	Count      int
}

// HandleSearch answers GET /search?q=: surgeons and hospitals by name, id,
// hospital or specialty, through the same search as the API's q, grouped by
// kind, hospitals first, best matches first, with true counts. When that
// finds nothing, catalog.Release.Find reads plain specialty words ("heart")
// and offers the names nearest a misspelt or partial word, and the page
// offers the hospital index and the specialties, so no search ends empty.
// ?all=1 lists every surgeon found, not only the first 50.
func (s *Site) HandleSearch(c echo.Context) error {
	r, err := s.releaseOr404(c)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	all := c.QueryParam("all") == "1"
	n, _ := strconv.Atoi(c.QueryParam("page"))
	shown := max(n, 1) // the page of ?all=1 shown
	d := searchPage{Q: q}
	rq := s.releaseQuery(r) // every link keeps the release shown
	p := page{Title: "Find a surgeon or hospital", Section: "search", Data: &d}
	if q == "" || !validText(q) {
		return s.render(c, http.StatusOK, "search", p)
	}
	d.Searched = true
	f := r.Find(q)
	d.Specialties, d.Rest = f.Specialties, f.Rest
	var hospitals map[string]catalog.HospitalEntry
	for _, u := range f.Units {
		res := searchResult{ID: u.ID, Name: u.Name, Specialties: u.Specialties}
		if u.Type != outcome.Surgeon {
			d.HospitalsFound++
			if hospitals == nil {
				hospitals = hospitalsByID(r)
			}
			res.Surgeons = hospitals[u.ID].Surgeons
			for _, sp := range f.Specialties {
				res.SpecialtyURLs = append(res.SpecialtyURLs, link{Label: specialtyName(sp),
					URL: inRelease("/specialties/"+sp+"?"+url.Values{"hospital": {u.ID}}.Encode(), rq)})
			}
			d.Hospitals = append(d.Hospitals, res)
			continue
		}
		d.SurgeonsFound++
		if len(d.Surgeons) == searchShown && !all {
			d.Capped = true
			continue
		}
		if all && (d.SurgeonsFound <= (shown-1)*searchAllShown || d.SurgeonsFound > shown*searchAllShown) {
			continue
		}
		res.Detail = strings.Join(u.Hospitals, ", ")
		d.Surgeons = append(d.Surgeons, res)
	}
	if all && d.SurgeonsFound > searchAllShown {
		pages := (d.SurgeonsFound + searchAllShown - 1) / searchAllShown
		at := func(n int) string {
			return inRelease("/search?"+url.Values{"q": {q}, "all": {"1"}, "page": {strconv.Itoa(n)}}.Encode(), rq)
		}
		if shown > pages { // past the end: the last page
			return c.Redirect(http.StatusFound, at(pages))
		}
		d.From, d.To = (shown-1)*searchAllShown+1, min(shown*searchAllShown, d.SurgeonsFound)
		if shown > 1 {
			d.Prev = at(shown - 1)
		}
		if shown < pages {
			d.Next = at(shown + 1)
		}
	}
	if d.Capped {
		d.AllURL = inRelease("/search?"+url.Values{"q": {q}, "all": {"1"}}.Encode(), rq)
		d.Narrow = narrowBySpecialty(q, f.Units, rq)
	}
	if n := len(d.Surgeons); n > 1 && n <= searchShown {
		ids := make([]string, n)
		for i, u := range d.Surgeons {
			ids[i] = u.ID
		}
		d.CompareURL = inRelease("/compare?ids="+strings.Join(ids, ","), rq)
	}
	for _, sg := range f.Suggestions {
		d.Suggestions = append(d.Suggestions, link{Label: sg.Query, URL: inRelease("/search?"+url.Values{"q": {sg.Query}}.Encode(), rq),
			Count: sg.Found})
	}
	if len(f.Units) == 0 {
		d.Browse = outcome.Specialties()
	}
	api := url.Values{"q": {q}}
	if len(f.Specialties) > 0 {
		api = url.Values{"q": {f.Rest}, "specialty": {strings.Join(f.Specialties, ",")}}
	}
	if api.Get("q") != "" {
		p.JSON = "/api/v1/surgeons?" + api.Encode()
		p.CSV = "/api/v1/surgeons.csv?" + api.Encode()
	}
	return s.render(c, http.StatusOK, "search", p)
}

// hospitalsByID indexes the release's hospitals by id.
func hospitalsByID(r *catalog.Release) map[string]catalog.HospitalEntry {
	out := map[string]catalog.HospitalEntry{}
	for _, h := range r.Hospitals() {
		out[h.ID] = h
	}
	return out
}

// narrowBySpecialty offers q within each specialty of the surgeons found,
// with how many of them each has, as searches for q and the specialty's
// slug (whose words the search finds), in the release rq keeps.
func narrowBySpecialty(q string, units []*catalog.SearchUnit, rq string) []link {
	counts := map[string]int{}
	for _, u := range units {
		if u.Type == outcome.Surgeon {
			for _, sp := range u.Specialties {
				counts[sp]++
			}
		}
	}
	var out []link
	for _, sp := range outcome.Specialties() {
		if n := counts[sp.Slug]; n > 0 {
			out = append(out, link{Label: sp.Name, URL: inRelease("/search?"+url.Values{"q": {q + " " + sp.Slug}}.Encode(), rq), Count: n})
		}
	}
	return out
}
