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
// specialty, a table of its funnels in one period, each with how many units
// lie outside the limits beside how many chance alone would put there. It
// shows each specialty's latest period, or with ?period= one period for
// every specialty that has it: one period at a time, because overlapping
// periods share patients, and because a release of a hundred periods in
// one page would be megabytes no phone loads.
type summaryPage struct {
	Specialties []summarySpecialty
	// Bands are the band count columns' words, in outcome.Bands' order.
	Bands []outcome.BandWords
	// Limits and Overdispersion are the glossary's words for the terms
	// the table's columns use, said on the page as the glossary says them.
	Limits, Overdispersion term
	// Significance is the p-value below which φ's test counts as
	// evidence of extra spread (dispersionSignificance).
	Significance float64
	// Period is the period asked for, "" for each specialty's latest;
	// Unknown is set when the release has no such period.
	Period  string
	Unknown bool
	// Periods link the page of each period of the release, newest first,
	// and Latest the page of each specialty's latest.
	Periods []periodLink
	Latest  string
}

// periodLink is a link to the summary of one period.
type periodLink struct {
	Label, URL string
	Current    bool
}

// summarySpecialty is one specialty's funnels in the period shown.
type summarySpecialty struct {
	outcome.Specialty
	URL    string
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
// table /api/v1/summary gives, for each specialty's latest period, or for
// the period ?period= names.
func (s *Site) HandleSummaryPage(c echo.Context) error {
	r, err := s.releaseOr404(c)
	if err != nil {
		return err
	}
	rq := s.releaseQuery(r)
	d := summaryPage{Bands: outcome.Bands(), Limits: glossaryTerm("limits"),
		Overdispersion: glossaryTerm("overdispersion"), Significance: dispersionSignificance,
		Latest: inRelease("/summary", rq)}
	if p := c.QueryParam("period"); validText(p) {
		d.Period = p
	}
	var all []string
	for _, sp := range outcome.Specialties() {
		for _, p := range r.Periods(sp.Slug) {
			if !slices.Contains(all, p) {
				all = append(all, p)
			}
		}
	}
	slices.Sort(all) // as the release sorts each specialty's
	for _, p := range slices.Backward(all) {
		d.Periods = append(d.Periods, periodLink{Label: periodWords(p), Current: p == d.Period,
			URL: inRelease("/summary?"+url.Values{"period": {p}}.Encode(), rq)})
	}
	status := http.StatusOK
	if d.Unknown = d.Period != "" && !slices.Contains(all, d.Period); d.Unknown {
		status = http.StatusNotFound
	}
	for _, n := range r.National(catalog.NationalFilter{Period: d.Period}) {
		if d.Period == "" && !n.LatestPeriod || d.Unknown {
			continue
		}
		if k := len(d.Specialties); k == 0 || d.Specialties[k-1].Slug != n.Specialty {
			sp, _ := outcome.LookupSpecialty(n.Specialty)
			d.Specialties = append(d.Specialties, summarySpecialty{Specialty: sp, Period: n.Period,
				Latest: n.LatestPeriod, URL: inRelease("/specialties/"+sp.Slug, rq)})
		}
		sp := &d.Specialties[len(d.Specialties)-1]
		sp.Lines = append(sp.Lines, summaryLineOf(n, rq))
	}
	p := page{Title: "National summary", Section: "specialties",
		Description: "For each specialty, procedure and period: how many surgeons and hospitals lie outside the limits, beside how many chance alone would put there.",
		Data:        &d}
	prefix := "/api/v1"
	if rq != "" {
		prefix += "/releases/" + url.PathEscape(r.Meta.ID) // pinned: the release shown
	}
	// The twins hold what the page shows: one period, or by default each
	// specialty's newest.
	period := catalog.LatestPeriod
	if d.Period != "" && !d.Unknown {
		p.Period = d.Period // the footer names it
		period = d.Period
	}
	q := "?" + url.Values{"period": {period}}.Encode()
	p.JSON, p.CSV = prefix+"/summary"+q, prefix+"/summary.csv"+q
	return s.render(c, status, "summary", p)
}

// summaryLineOf writes one funnel's row.
func summaryLineOf(n catalog.NationalRow, rq string) summaryLine {
	v := url.Values{"procedure": {n.Procedure}, "period": {n.Period}, paramUnitType: {string(n.UnitType)}}
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
