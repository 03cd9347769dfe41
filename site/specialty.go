package site

import (
	"bytes"
	"cmp"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/chart"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// specialtyPage is the specialty page's content: one funnel, its controls
// and its table.
type specialtyPage struct {
	Specialty  outcome.Specialty
	Procedures []option
	Periods    []option
	UnitTypes  []option
	UnitType   outcome.UnitType
	Noun       string // surgeons | hospitals
	// TooFew counts the funnel's units too small to compare.
	TooFew int
	// NotAssessable counts the units the publisher's figures do not allow
	// to be compared (outcome.NotAssessable): shown, not on the funnel.
	NotAssessable int
	// PublishedOnly is set for a funnel of the publisher's figures only
	// (catalog.Row.PublishedOnly): no chart, no comparison of ours, and a
	// table of what the publisher printed.
	PublishedOnly bool
	Funnel        catalog.FunnelSummary
	SVG           template.HTML
	// Shaded says how a dense chart (chart.DenseAbove) shows most of its
	// units; empty when every unit is its own point.
	Shaded     string
	Rows       []catalog.Row // A–Z
	Picker     []option      // every unit, A–Z, selected if highlighted
	PickerHTML template.HTML
	// PickByID offers a text field for the highlighted units' ids instead
	// of a list of every name, when the chart is dense
	// (chart.DenseAbove): a list of 100,000 names is megabytes no phone
	// can scroll. HighlightValue is the ids highlighted, as the field
	// shows them.
	PickByID       bool
	HighlightValue string
	// HospitalPicker offers the hospitals of a surgeons' funnel: choosing
	// one highlights its surgeons.
	HospitalPicker []option
	Highlight      []string
	Highlights     []catalog.Row
	// HighlightsMore counts the highlighted units beyond the first
	// maxHighlightsListed, which the list leaves out (a hospital's
	// surgeons can be hundreds); the chart and the table mark them all.
	HighlightsMore int
	SVGURL         string
	PNGURL         string
	Outside95      int
	Chance95       string
	Table          tableData
	// UnknownPeriod is set when ?period= names a period the release does
	// not have for this specialty; PeriodLinks are the ones it has, newest
	// first.
	UnknownPeriod bool
	AskedPeriod   string
	PeriodLinks   []link
	// Adjusted shows dashed overdispersion-adjusted limits (?adjusted=1).
	Adjusted     bool
	AdjustedNote string
	// FalseDiscovery is the view of which results stand out once the
	// number compared is allowed for; Rankability how much of the spread
	// between the units is real (README § Second figures).
	FalseDiscovery falseDiscovery
	Rankability    string
	// Dispersion says whether the units vary more than chance predicts.
	Dispersion     dispersionNote
	AdjustedToggle string // the query that turns them the other way
}

// maxHighlightsListed is the most highlighted units a specialty page
// names in its list under the chart.
const maxHighlightsListed = 100

// tableData is a funnel's units in two A–Z tables: those judged, then
// those too small to judge, so that no unit's meaningless percentage is
// ranked among the others.
type tableData struct {
	Caption string
	// Surgeons marks a table of surgeons, which names their hospitals.
	Surgeons bool
	Body     template.HTML
	// TooFewBody is the rows of the units not judged, and TooFewBands
	// the bands among them (too few to tell, not assessable), in order,
	// each explained above the table.
	TooFewBody  template.HTML
	TooFewBands []outcome.Band
	// NotAssessable is set when some of them could not be assessed from
	// the publisher's figures, not only too few to tell.
	NotAssessable bool
	// KeyHead heads the name column when it is neither "Surgeon" nor
	// "Hospital"; Order says how the rows are ordered, "A–Z" when empty.
	KeyHead, Order string
	// Funnel adds the column of the funnel each unit sits on
	// (unitRows.Funnel).
	Funnel bool
	// Interval names the release's intervals by their level ("98%
	// interval"), heading the survival column.
	Interval string
	// Pager and TooFewPager page the two tables when they are longer
	// than tableRows; nil when they are written whole.
	Pager, TooFewPager *tablePager
}

// sortedRows is a funnel's rows A–Z by name, then id.
func sortedRows(r *catalog.Release, f *catalog.Funnel) []catalog.Row {
	rows := make([]catalog.Row, len(f.ByName))
	for i, idx := range f.ByName {
		rows[i] = r.Rows[idx]
	}
	return rows
}

// drawFunnelSVG draws a funnel as SVG, standalone (an image on its own) or
// for inlining, compact or full size.
func drawFunnelSVG(r *catalog.Release, f *catalog.Funnel, highlight []string, standalone, compact bool,
	adj stats.Adjustment, rq string, extra ...chart.Point) (template.HTML, error) {
	p := pagePlot(r, f, highlight, compact, adj, rq, extra...)
	return writeFunnelSVG(&p, standalone)
}

// pagePlot is the plot the pages draw of a funnel: the units highlighted,
// each point linking to its unit's page, the extra points (a self-check's)
// added, compact or full size, with adjusted lines when adj asks for them.
// rq keeps the links in the release shown (releaseQuery).
func pagePlot(r *catalog.Release, f *catalog.Funnel, highlight []string, compact bool, adj stats.Adjustment,
	rq string, extra ...chart.Point) chart.Funnel {
	set := map[string]bool{}
	for _, id := range highlight {
		set[id] = true
	}
	link := func(id string) string { return inRelease(UnitPath(f.UnitType, id), rq) }
	p := newFunnelPlot(r, f, set, link, pointSummary)
	p.Points = append(p.Points, extra...)
	p.Compact = compact
	p.Adjusted = adjustedCurve(f, adj)
	return p
}

// writeFunnelSVG writes a plot as SVG, standalone or for inlining.
func writeFunnelSVG(p *chart.Funnel, standalone bool) (template.HTML, error) {
	var b bytes.Buffer
	if err := chart.WriteSVG(&b, p, standalone); err != nil {
		return "", err
	}
	// chart.WriteSVG escapes every string it writes.
	return template.HTML(b.String()), nil
}

// HandleSpecialtyPage answers GET /specialties/{slug}.
func (s *Site) HandleSpecialtyPage(c echo.Context) error {
	sp, ok := outcome.LookupSpecialty(c.Param("slug"))
	if !ok {
		return notFound("This site has no such specialty.")
	}
	r, err := s.releaseOr404(c)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	d := specialtyPage{Specialty: sp, Highlight: highlightIDs(q)}
	p := page{Title: sp.Name, Section: "specialties", Description: sp.Description, Data: &d}
	if periods := r.Periods(sp.Slug); q.Get("period") != "" && len(periods) > 0 && !slices.Contains(periods, q.Get("period")) {
		unknownPeriod(&d, q, periods)
		return s.render(c, http.StatusNotFound, "specialty", p)
	}
	f := r.ChooseFunnel(sp.Slug, q.Get("procedure"), q.Get("period"), unitTypeParam(q))
	if f == nil {
		return s.render(c, http.StatusOK, "specialty", p)
	}
	d.UnitType = f.UnitType
	d.Noun = f.UnitType.Plural()
	d.Funnel = r.Summarise(f)
	d.Rows = sortedRows(r, f)
	// ?hospital= highlights every surgeon of this funnel who operated there.
	hospital := q.Get("hospital")
	for _, id := range surgeonsAt(r, f, hospital) {
		if !slices.Contains(d.Highlight, id) {
			d.Highlight = append(d.Highlight, id)
		}
	}
	hospitals := map[string]string{}
	for _, idx := range f.ByName {
		for _, h := range r.RowHospitals(idx) {
			hospitals[h] = r.HospitalName(h)
		}
	}
	if f.UnitType == outcome.Surgeon {
		for id, name := range hospitals {
			d.HospitalPicker = append(d.HospitalPicker, option{Value: id, Label: name, Selected: id == hospital})
		}
		slices.SortFunc(d.HospitalPicker, func(a, b option) int {
			return cmp.Or(strings.Compare(catalog.Fold(a.Label), catalog.Fold(b.Label)), strings.Compare(a.Value, b.Value))
		})
	}
	names := map[string]int{}
	placed := 0
	for _, u := range d.Rows {
		names[u.UnitName]++
		if outcome.Placed(u.Band) {
			placed++
		}
	}
	d.PickByID = placed > chart.DenseAbove
	d.HighlightValue = strings.Join(d.Highlight, ",")
	for _, u := range d.Rows {
		if !outcome.Placed(u.Band) {
			continue // not on the chart, so not offered for highlighting
		}
		hl := slices.Contains(d.Highlight, u.UnitID)
		if hl && len(d.Highlights) < maxHighlightsListed {
			d.Highlights = append(d.Highlights, u)
		} else if hl {
			d.HighlightsMore++
		}
		if d.PickByID {
			continue
		}
		label := u.UnitName
		if names[label] > 1 { // two of the same name: the id tells them apart
			label += " (" + u.UnitID + ")"
		}
		d.Picker = append(d.Picker, option{Value: u.UnitID, Label: label, Selected: hl})
	}
	for _, per := range r.Periods(sp.Slug) {
		d.Periods = append(d.Periods, option{Value: per, Label: periodWords(per), Selected: per == f.Period})
	}
	var procs []string
	for _, g := range r.Funnels {
		if g.Specialty == sp.Slug && g.Period == f.Period {
			procs = appendDistinct(procs, g.Procedure)
		}
	}
	for _, pr := range procs {
		d.Procedures = append(d.Procedures, option{Value: pr, Label: procedureName(sp.Slug, pr), Selected: pr == f.Procedure})
	}
	for _, t := range outcome.UnitTypes() {
		d.UnitTypes = append(d.UnitTypes, option{Value: string(t), Label: t.Title(), Selected: f.UnitType == t})
	}
	d.TooFew = d.Funnel.BandCounts[string(outcome.TooFew)]
	d.NotAssessable = d.Funnel.BandCounts[string(outcome.NotAssessable)]
	hl := map[string]bool{}
	for _, id := range d.Highlight {
		hl[id] = true
	}
	rq := s.releaseQuery(r)
	how := unitRows{Link: func(u *catalog.Row) string { return inRelease(UnitPath(u.UnitType, u.UnitID), rq) },
		Hospital: f.UnitType == outcome.Surgeon, Highlight: hl}
	if d.PublishedOnly = r.PublishedOnly(f); d.PublishedOnly {
		shown, pager := pageRows(d.Rows, f.UnitType, q, "page", "table", "Pages of the table of "+d.Noun)
		d.Table = tableData{Caption: procedureName(sp.Slug, f.Procedure) + ", " + periodWords(f.Period),
			Surgeons: f.UnitType == outcome.Surgeon, Body: publishedTableBody(shown, how), Pager: pager,
			Interval: intervalName(&r.Meta)}
		return s.renderSpecialty(c, sp, f, &d, p)
	}
	judged, unjudged := splitJudged(d.Rows)
	d.Table = tableData{Caption: procedureName(sp.Slug, f.Procedure) + ", " + periodWords(f.Period),
		Surgeons: f.UnitType == outcome.Surgeon, Interval: intervalName(&r.Meta)}
	shown, pager := pageRows(judged, f.UnitType, q, "page", "table", "Pages of the table of "+d.Noun)
	d.Table.Body, d.Table.Pager = unitTableBody(shown, how), pager
	shown, pager = pageRows(unjudged, f.UnitType, q, "fewpage", "too-few", "Pages of the table of "+d.Noun+" not judged")
	d.Table.TooFewBody, d.Table.TooFewPager = unitTableBody(shown, how), pager
	for _, u := range unjudged {
		if !slices.Contains(d.Table.TooFewBands, u.Band) {
			d.Table.TooFewBands = append(d.Table.TooFewBands, u.Band)
		}
		d.Table.NotAssessable = d.Table.NotAssessable || u.Band == outcome.NotAssessable
	}
	d.PickerHTML = pickerOptions(d.Picker)
	d.Outside95 = d.Funnel.Outside95
	d.Chance95 = decimal(d.Funnel.ExpectedOutside95)
	d.Dispersion = noteDispersion(f, d.Rows, d.Noun)
	d.FalseDiscovery = falseDiscoveries(d.Rows, d.Noun)
	d.Rankability = rankabilityWords(&f.Funnel, d.Noun)
	adj := stats.AdjustNone
	if q.Get("adjusted") == "1" {
		d.Adjusted = true
		adj = stats.AdjustMultiplicative
		if f.Phi > 1 {
			d.AdjustedNote = "Dashed lines widen the limits by the spread between " + d.Noun +
				" beyond chance (overdispersion φ = " + decimal(f.Phi) + ")."
		} else {
			d.AdjustedNote = "The " + d.Noun + " vary no more than chance predicts (φ ≤ 1), so no adjusted lines are drawn."
		}
	}
	// Drawn compact: one drawing that reads at 390 px and, capped in width
	// by the stylesheet, on a desktop (the image to embed is full size).
	plot := pagePlot(r, f, d.Highlight, true, adj, rq)
	d.Shaded = plot.ShadedText()
	if d.SVG, err = writeFunnelSVG(&plot, false); err != nil {
		return err
	}
	v := url.Values{"procedure": {f.Procedure}, "period": {f.Period}, paramUnitType: {string(f.UnitType)}}
	if rq != "" {
		v.Set("release", r.Meta.ID)
	}
	if d.Adjusted {
		v.Set("adjusted", "1")
	}
	if len(d.Highlight) > 0 {
		v.Set("highlight", strings.Join(d.Highlight, ","))
	}
	d.SVGURL = "/specialties/" + sp.Slug + "/funnel.svg?" + v.Encode()
	d.PNGURL = "/specialties/" + sp.Slug + "/funnel.png?" + v.Encode()
	toggle := url.Values{}
	for k, vs := range v {
		toggle[k] = vs
	}
	if d.Adjusted {
		toggle.Del("adjusted")
	} else {
		toggle.Set("adjusted", "1")
	}
	d.AdjustedToggle = toggle.Encode()
	return s.renderSpecialty(c, sp, f, &d, p)
}

// renderSpecialty writes the specialty page of funnel f, with the links
// to its data.
func (s *Site) renderSpecialty(c echo.Context, sp outcome.Specialty, f *catalog.Funnel, d *specialtyPage, p page) error {
	api := url.Values{"procedure": {f.Procedure}, "period": {f.Period}}
	p.Period = f.Period
	prefix := "/api/v1"
	if r, ok := c.Get(shownRelease).(*catalog.Release); ok && s.releaseQuery(r) != "" {
		prefix += "/releases/" + url.PathEscape(r.Meta.ID) // pinned: the release shown
	}
	p.JSON = prefix + "/specialties/" + sp.Slug + "/" + d.Noun + "?" + api.Encode() + "&limit=1000"
	p.CSV = prefix + "/specialties/" + sp.Slug + "/" + d.Noun + ".csv?" + api.Encode()
	return s.render(c, http.StatusOK, "specialty", p)
}

// unknownPeriod fills a specialty page that was asked for a period the
// release does not have: which period was asked for, and links to the
// same view in each period it has, newest first.
func unknownPeriod(d *specialtyPage, q url.Values, periods []string) {
	d.UnknownPeriod = true
	if asked := q.Get("period"); validText(asked) {
		d.AskedPeriod = asked
	}
	for i := len(periods) - 1; i >= 0; i-- {
		v := url.Values{"period": {periods[i]}}
		if x := q.Get("procedure"); x != "" && validText(x) {
			v.Set("procedure", x)
		}
		if x := unitTypeParam(q); x != "" && validText(string(x)) {
			v.Set(paramUnitType, string(x))
		}
		label := periodWords(periods[i])
		if i == len(periods)-1 {
			label += " (latest)"
		}
		d.PeriodLinks = append(d.PeriodLinks, link{Label: label, URL: "/specialties/" + d.Specialty.Slug + "?" + v.Encode()})
	}
}
