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
	TooFew     int
	Funnel     catalog.FunnelSummary
	SVG        template.HTML
	Rows       []catalog.Row // A–Z
	Picker     []option      // every unit, A–Z, selected if highlighted
	PickerHTML template.HTML
	// HospitalPicker offers the hospitals of a surgeons' funnel: choosing
	// one highlights its surgeons.
	HospitalPicker []option
	Highlight      []string
	Highlights     []catalog.Row
	SVGURL         string
	PNGURL         string
	Outside95      int
	Chance95       string
	Table          tableData
	// Adjusted shows dashed overdispersion-adjusted limits (?adjusted=1).
	Adjusted       bool
	AdjustedNote   string
	AdjustedToggle string // the query that turns them the other way
}

// tableData is an A–Z table of units.
type tableData struct {
	Caption string
	// Surgeons marks a table of surgeons, which names their hospitals.
	Surgeons bool
	Body     template.HTML
}

// sortedRows is a funnel's rows A–Z by name, then id.
func sortedRows(r *catalog.Release, f *catalog.Funnel) []catalog.Row {
	rows := make([]catalog.Row, len(f.ByName))
	for i, idx := range f.ByName {
		rows[i] = r.Rows[idx]
	}
	return rows
}

// funnelSVG draws a funnel with the given units highlighted.
func funnelSVG(r *catalog.Release, f *catalog.Funnel, highlight []string, standalone bool, extra ...chart.Point) (template.HTML, error) {
	return funnelSVGWith(r, f, highlight, standalone, stats.AdjustNone, extra...)
}

// funnelSVGWith draws a funnel, with dashed overdispersion-adjusted lines
// when adj asks for them and they apply. On a page the chart is drawn
// compact: one drawing that reads at 390 px and, capped in width by the
// stylesheet, on a desktop; the image for embedding is the full size.
func funnelSVGWith(r *catalog.Release, f *catalog.Funnel, highlight []string, standalone bool, adj stats.Adjustment,
	extra ...chart.Point) (template.HTML, error) {
	return drawFunnelSVG(r, f, highlight, standalone, !standalone, adj, extra...)
}

// drawFunnelSVG draws a funnel as SVG, standalone (an image on its own) or
// for inlining, compact or full size.
func drawFunnelSVG(r *catalog.Release, f *catalog.Funnel, highlight []string, standalone, compact bool,
	adj stats.Adjustment, extra ...chart.Point) (template.HTML, error) {
	set := map[string]bool{}
	for _, id := range highlight {
		set[id] = true
	}
	link := func(id string) string { return "/" + f.UnitType.Plural() + "/" + url.PathEscape(id) }
	p := newFunnelPlot(r, f, set, link, pointSummary)
	p.Points = append(p.Points, extra...)
	p.Compact = compact
	p.Adjusted = adjustedCurve(f, adj)
	var b bytes.Buffer
	if err := chart.WriteSVG(&b, &p, standalone); err != nil {
		return "", err
	}
	// chart.WriteSVG escapes every string it writes.
	return template.HTML(b.String()), nil
}

// HandleSpecialtyPage answers GET /specialties/{slug}.
func (s *Site) HandleSpecialtyPage(c echo.Context) error {
	sp, ok := outcome.LookupSpecialty(c.Param("slug"))
	if !ok {
		return notFound("no such specialty")
	}
	r, err := s.latestOr404()
	if err != nil {
		return err
	}
	q := c.QueryParams()
	f := r.ChooseFunnel(sp.Slug, q.Get("procedure"), q.Get("period"), outcome.UnitType(q.Get("unit")))
	d := specialtyPage{Specialty: sp, Highlight: highlightIDs(q)}
	p := page{Title: sp.Name, Section: "specialties", Description: sp.Description, Data: &d}
	if f == nil {
		return s.render(c, http.StatusOK, "specialty", p)
	}
	d.UnitType = f.UnitType
	d.Noun = f.UnitType.Plural()
	d.Funnel = r.Summarise(f)
	d.Rows = sortedRows(r, f)
	// ?hospital= highlights every surgeon of this funnel who operated there.
	hospital := q.Get("hospital")
	hospitals := map[string]string{}
	for _, idx := range f.ByName {
		for _, h := range r.RowHospitals(idx) {
			hospitals[h] = r.HospitalName(h)
			if f.UnitType == outcome.Surgeon && h == hospital && !slices.Contains(d.Highlight, r.Rows[idx].UnitID) {
				d.Highlight = append(d.Highlight, r.Rows[idx].UnitID)
			}
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
	for _, u := range d.Rows {
		names[u.UnitName]++
	}
	for _, u := range d.Rows {
		hl := slices.Contains(d.Highlight, u.UnitID)
		label := u.UnitName
		if names[label] > 1 { // two of the same name: the id tells them apart
			label += " (" + u.UnitID + ")"
		}
		d.Picker = append(d.Picker, option{Value: u.UnitID, Label: label, Selected: hl})
		if hl {
			d.Highlights = append(d.Highlights, u)
		}
	}
	for _, per := range r.Periods(sp.Slug) {
		d.Periods = append(d.Periods, option{Value: per, Label: per, Selected: per == f.Period})
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
	hl := map[string]bool{}
	for _, id := range d.Highlight {
		hl[id] = true
	}
	d.Table = tableData{Caption: procedureName(sp.Slug, f.Procedure) + ", " + f.Period,
		Surgeons: f.UnitType == outcome.Surgeon, Body: unitTableBody(d.Rows, f.UnitType == outcome.Surgeon, hl)}
	d.PickerHTML = pickerOptions(d.Picker)
	d.Outside95 = d.Funnel.Outside95
	d.Chance95 = decimal(d.Funnel.ExpectedOutside95)
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
	if d.SVG, err = funnelSVGWith(r, f, d.Highlight, false, adj); err != nil {
		return err
	}
	v := url.Values{"procedure": {f.Procedure}, "period": {f.Period}, "unit": {string(f.UnitType)}}
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
	api := url.Values{"procedure": {f.Procedure}, "period": {f.Period}}
	p.Period = f.Period
	p.JSON = "/api/v1/specialties/" + sp.Slug + "/" + d.Noun + "?" + api.Encode() + "&limit=1000"
	p.CSV = "/api/v1/specialties/" + sp.Slug + "/" + d.Noun + ".csv?" + api.Encode()
	return s.render(c, http.StatusOK, "specialty", p)
}
