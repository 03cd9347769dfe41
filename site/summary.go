package site

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// summaryPage is the national summary (catalog.Release.National): for each
// specialty, a table a period of its funnels, each with how many units lie
// outside the limits beside how many chance alone would put there. It
// shows each specialty's latest period unless All asks for every period:
// a release of many periods would otherwise make a page no phone loads,
// and the latest is what a reader of this year's results asks about.
type summaryPage struct {
	Specialties []summarySpecialty
	// Bands are the band count columns' words, in outcome.Bands' order.
	Bands []outcome.BandWords
	// Limits and Overdispersion are the glossary's words for the terms
	// the table's columns use, said on the page as the glossary says them.
	Limits, Overdispersion term
	All                    bool
	// Earlier counts the tables of earlier periods the page leaves out,
	// and AllURL and LatestURL switch between the two views.
	Earlier           int
	AllURL, LatestURL string
}

// summarySpecialty is one specialty's tables, newest period first.
type summarySpecialty struct {
	outcome.Specialty
	URL     string
	Periods []summaryPeriod
}

// summaryPeriod is one specialty's funnels in one period.
type summaryPeriod struct {
	Period string
	Latest bool
	Lines  []summaryLine
}

// summaryLine is one funnel's row: its figures, as the page writes them.
type summaryLine struct {
	catalog.NationalRow
	// Title names the procedure and the units compared; URL is the
	// specialty page showing this funnel.
	Title, URL string
	// Counts are the band counts in outcome.Bands' order.
	Counts              []int
	Chance95, Chance998 string
	Phi, PhiP           string
}

// HandleSummaryPage answers GET /summary: the national summary, the
// table /api/v1/summary gives, for each specialty's latest period, or
// every period with ?all=1.
func (s *Site) HandleSummaryPage(c echo.Context) error {
	r, err := s.releaseOr404(c)
	if err != nil {
		return err
	}
	rq := s.releaseQuery(r)
	d := summaryPage{Bands: outcome.Bands(), Limits: glossaryTerm("limits"),
		Overdispersion: glossaryTerm("overdispersion"), All: c.QueryParam("all") == "1",
		AllURL: inRelease("/summary?all=1", rq), LatestURL: inRelease("/summary", rq)}
	var cur *summarySpecialty
	for _, n := range r.National(catalog.NationalFilter{}) {
		if !d.All && !n.LatestPeriod {
			d.Earlier++
			continue
		}
		if cur == nil || cur.Slug != n.Specialty {
			sp, _ := outcome.LookupSpecialty(n.Specialty)
			d.Specialties = append(d.Specialties, summarySpecialty{Specialty: sp,
				URL: inRelease("/specialties/"+sp.Slug, rq)})
			cur = &d.Specialties[len(d.Specialties)-1]
			// Newest period first: the release lists them oldest first.
			periods := r.Periods(sp.Slug)
			for i := len(periods) - 1; i >= 0; i-- {
				if d.All || i == len(periods)-1 {
					cur.Periods = append(cur.Periods, summaryPeriod{Period: periods[i], Latest: i == len(periods)-1})
				}
			}
		}
		i := slices.IndexFunc(cur.Periods, func(p summaryPeriod) bool { return p.Period == n.Period })
		cur.Periods[i].Lines = append(cur.Periods[i].Lines, summaryLineOf(n, rq))
	}
	p := page{Title: "National summary", Section: "specialties",
		Description: "For each specialty, procedure and period: how many surgeons and hospitals lie outside the limits, beside how many chance alone would put there.",
		Data:        &d}
	prefix := "/api/v1"
	if rq != "" {
		prefix += "/releases/" + url.PathEscape(r.Meta.ID) // pinned: the release shown
	}
	p.JSON, p.CSV = prefix+"/summary", prefix+"/summary.csv"
	return s.render(c, http.StatusOK, "summary", p)
}

// summaryLineOf writes one funnel's row.
func summaryLineOf(n catalog.NationalRow, rq string) summaryLine {
	v := url.Values{"procedure": {n.Procedure}, "period": {n.Period}, "unit": {string(n.UnitType)}}
	l := summaryLine{NationalRow: n, Title: procedureName(n.Specialty, n.Procedure) + ": " + n.UnitType.Plural(),
		URL:      inRelease("/specialties/"+n.Specialty+"?"+v.Encode(), rq),
		Chance95: chanceCount(n.ExpectedOutside95), Chance998: chanceCount(n.ExpectedOutside998),
		Phi: decimal2(n.Phi), PhiP: pValue(n.PhiPValue)}
	for _, w := range outcome.Bands() {
		l.Counts = append(l.Counts, n.BandCounts[string(w.Band)])
	}
	return l
}

// chanceCount writes how many units chance alone would put beyond a
// line: one decimal, as the specialty page writes it, but two below one,
// where one decimal would write the 0.04 expected beyond 99.8% of twenty
// hospitals as 0.0, which reads as never.
func chanceCount(x float64) string {
	if x < 1 {
		return decimal2(x)
	}
	return decimal(x)
}

// glossaryTerm is the glossary's entry id, so that a page explaining a
// term says what the glossary says.
func glossaryTerm(id string) term {
	for _, t := range glossary {
		if t.ID == id {
			return t
		}
	}
	panic("site: no glossary term " + id) // a programming error: the ids are this package's
}
