package api

import (
	"bytes"
	"cmp"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/chart"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// latestOr404 is the release pages show: the latest.
func (s *Server) latestOr404() (*release, error) {
	r := s.cat.latest()
	if r == nil {
		return nil, notFound("no data has been published yet")
	}
	return r, nil
}

// homeData is the home page's content.
type homeData struct {
	Specialties []specialtyDTO
}

// handleHome answers GET /.
func (s *Server) handleHome(c echo.Context) error {
	r := s.cat.latest()
	var d homeData
	if r != nil {
		t := resource{rel: r}
		for _, sp := range outcome.Specialties() {
			d.Specialties = append(d.Specialties, s.specialtyDTO(t, sp, false))
		}
	}
	return s.render(c, http.StatusOK, "home", page{Title: "Compare surgeons' results fairly",
		Description: "Risk-adjusted survival after surgery, for surgeons and hospitals in ten specialties, compared with what was expected.",
		Data:        d, JSON: "/api/v1/"})
}

// handleSpecialtiesPage answers GET /specialties.
func (s *Server) handleSpecialtiesPage(c echo.Context) error {
	r, err := s.latestOr404()
	if err != nil {
		return err
	}
	t := resource{rel: r}
	var out []specialtyDTO
	for _, sp := range outcome.Specialties() {
		d := s.specialtyDTO(t, sp, true)
		out = append(out, d)
	}
	return s.render(c, http.StatusOK, "specialties", page{Title: "Specialties", Section: "specialties",
		Description: "The ten specialties whose surgeons' results are published here.", Data: out,
		JSON: "/api/v1/specialties"})
}

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
	Funnel     funnelSummary
	SVG        template.HTML
	Rows       []unitRow // A–Z
	Picker     []option  // every unit, A–Z, selected if highlighted
	PickerHTML template.HTML
	// HospitalPicker offers the hospitals of a surgeons' funnel: choosing
	// one highlights its surgeons.
	HospitalPicker []option
	Highlight      []string
	Highlights     []unitRow
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

// chooseFunnel finds the funnel a page shows: the period defaults to the
// specialty's latest, the procedure to "all" or the first, the unit type
// to surgeons.
func (r *release) chooseFunnel(slug, procedure, period string, unitType outcome.UnitType) *funnel {
	if period == "" {
		period = r.latestPeriod(slug)
	}
	if unitType != outcome.Hospital {
		unitType = outcome.Surgeon
	}
	var best *funnel
	for _, f := range r.funnels {
		if f.Specialty == slug && f.Period == period &&
			(best == nil || funnelScore(f, unitType, procedure) > funnelScore(best, unitType, procedure)) {
			best = f
		}
	}
	return best
}

// funnelScore ranks how well a funnel matches a request: the unit type
// first, then the procedure asked for, then "all" when none was.
func funnelScore(f *funnel, unitType outcome.UnitType, procedure string) int {
	score := 0
	if f.UnitType == unitType {
		score += 4
	}
	if f.Procedure == procedure {
		score += 2
	} else if procedure == "" && f.Procedure == "all" {
		score++
	}
	return score
}

// sortedRows is a funnel's rows A–Z by name, then id.
func (r *release) sortedRows(f *funnel) []unitRow {
	rows := make([]unitRow, len(f.byName))
	for i, idx := range f.byName {
		rows[i] = r.rows[idx]
	}
	return rows
}

// funnelSVG draws a funnel with the given units highlighted.
func (r *release) funnelSVG(f *funnel, highlight []string, standalone bool, extra ...chart.Point) (template.HTML, error) {
	return r.funnelSVGWith(f, highlight, standalone, stats.AdjustNone, extra...)
}

// funnelSVGWith draws a funnel, with dashed overdispersion-adjusted lines
// when adj asks for them and they apply.
func (r *release) funnelSVGWith(f *funnel, highlight []string, standalone bool, adj stats.Adjustment,
	extra ...chart.Point) (template.HTML, error) {
	set := map[string]bool{}
	for _, id := range highlight {
		set[id] = true
	}
	link := func(id string) string { return "/" + f.UnitType.Plural() + "/" + url.PathEscape(id) }
	p := newFunnelPlot(r, f, set, link, pointSummary)
	p.Points = append(p.Points, extra...)
	// On a page the chart is drawn compact: one drawing that reads at 390
	// px and, capped in width by the stylesheet, on a desktop; the image
	// for embedding is the full size.
	p.Compact = !standalone
	p.Adjusted = adjustedCurve(f, adj)
	var b bytes.Buffer
	if err := chart.WriteSVG(&b, &p, standalone); err != nil {
		return "", err
	}
	// chart.WriteSVG escapes every string it writes.
	return template.HTML(b.String()), nil
}

// handleSpecialtyPage answers GET /specialties/{slug}.
func (s *Server) handleSpecialtyPage(c echo.Context) error {
	sp, ok := outcome.LookupSpecialty(c.Param("slug"))
	if !ok {
		return notFound("no such specialty")
	}
	r, err := s.latestOr404()
	if err != nil {
		return err
	}
	q := c.QueryParams()
	f := r.chooseFunnel(sp.Slug, q.Get("procedure"), q.Get("period"), outcome.UnitType(q.Get("unit")))
	d := specialtyPage{Specialty: sp, Highlight: highlightIDs(q)}
	p := page{Title: sp.Name, Section: "specialties", Description: sp.Description, Data: &d}
	if f == nil {
		return s.render(c, http.StatusOK, "specialty", p)
	}
	d.UnitType = f.UnitType
	d.Noun = f.UnitType.Plural()
	d.Funnel = summarise(r, f)
	d.Rows = r.sortedRows(f)
	// ?hospital= highlights every surgeon of this funnel who operated there.
	hospital := q.Get("hospital")
	hospitals := map[string]string{}
	for _, idx := range f.byName {
		for _, h := range r.hospitals[idx] {
			hospitals[h] = r.hospitalName(h)
			if f.UnitType == outcome.Surgeon && h == hospital && !slices.Contains(d.Highlight, r.rows[idx].UnitID) {
				d.Highlight = append(d.Highlight, r.rows[idx].UnitID)
			}
		}
	}
	if f.UnitType == outcome.Surgeon {
		for id, name := range hospitals {
			d.HospitalPicker = append(d.HospitalPicker, option{Value: id, Label: name, Selected: id == hospital})
		}
		slices.SortFunc(d.HospitalPicker, func(a, b option) int {
			return cmp.Or(strings.Compare(fold(a.Label), fold(b.Label)), strings.Compare(a.Value, b.Value))
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
	for _, per := range r.periods[sp.Slug] {
		d.Periods = append(d.Periods, option{Value: per, Label: per, Selected: per == f.Period})
	}
	var procs []string
	for _, g := range r.funnels {
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
				" beyond chance (overdispersion φ = " + decimal(number(f.Phi)) + ")."
		} else {
			d.AdjustedNote = "The " + d.Noun + " vary no more than chance predicts (φ ≤ 1), so no adjusted lines are drawn."
		}
	}
	if d.SVG, err = r.funnelSVGWith(f, d.Highlight, false, adj); err != nil {
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

// chartRequest is what an embeddable chart URL asks for: the funnel
// (procedure, period, unit), the units to highlight and the adjusted lines.
type chartRequest struct {
	rel       *release
	funnel    *funnel
	highlight []string
	adjust    stats.Adjustment
}

// readChartRequest reads /specialties/{slug}/funnel.svg's and .png's
// parameters, the specialty page's own.
func (s *Server) readChartRequest(c echo.Context) (chartRequest, error) {
	sp, ok := outcome.LookupSpecialty(c.Param("slug"))
	if !ok {
		return chartRequest{}, notFound("no such specialty")
	}
	r, err := s.latestOr404()
	if err != nil {
		return chartRequest{}, err
	}
	q := c.QueryParams()
	f := r.chooseFunnel(sp.Slug, q.Get("procedure"), q.Get("period"), outcome.UnitType(q.Get("unit")))
	if f == nil {
		return chartRequest{}, notFound("no funnel for this specialty")
	}
	cr := chartRequest{rel: r, funnel: f, highlight: highlightIDs(q), adjust: stats.AdjustNone}
	if q.Get("adjusted") == "1" {
		cr.adjust = stats.AdjustMultiplicative
	}
	return cr, nil
}

// handleFunnelSVG answers GET /specialties/{slug}/funnel.svg: the
// specialty page's chart as an image to embed, with the same parameters.
func (s *Server) handleFunnelSVG(c echo.Context) error {
	cr, err := s.readChartRequest(c)
	if err != nil {
		return err
	}
	svg, err := cr.rel.funnelSVGWith(cr.funnel, cr.highlight, true, cr.adjust)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "public, max-age=300")
	h.Set("Content-Security-Policy", "default-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, "image/svg+xml", []byte(svg))
}

// resultGroup is one specialty and procedure on a surgeon's or hospital's
// page: the latest period, earlier ones, the hospital alongside.
type resultGroup struct {
	Latest   unitRow
	Earlier  []unitRow
	Hospital *unitRow
	SVG      template.HTML
	Bars     template.HTML
	FunnelAt string // the specialty page with this unit highlighted
}

// unitPage is a surgeon's or hospital's page.
type unitPage struct {
	ID, Name    string
	Hospitals   []unitRef
	Groups      []resultGroup
	Surgeons    []unitRow // a hospital's surgeons (latest period of each group), A–Z
	SurgeonsURL string
}

// groupResults splits a unit's rows into groups by specialty and
// procedure, latest period first.
func (r *release) groupResults(idx []int32) [][]unitRow {
	type key struct{ specialty, procedure string }
	var order []key
	by := map[key][]unitRow{}
	for _, i := range idx {
		u := r.rows[i]
		k := key{u.Specialty, u.Procedure}
		if _, ok := by[k]; !ok {
			order = append(order, k)
		}
		by[k] = append(by[k], u)
	}
	var out [][]unitRow
	for _, k := range order {
		rows := by[k]
		slices.SortFunc(rows, func(a, b unitRow) int { return strings.Compare(b.Period, a.Period) })
		out = append(out, rows)
	}
	return out
}

// rowOf finds a unit's row in a group.
func (r *release) rowOf(unitType outcome.UnitType, id, specialty, procedure, period string) *unitRow {
	var idx []int32
	if unitType == outcome.Surgeon {
		idx = r.surgeon[id]
	} else {
		idx = r.hospital[id]
	}
	for _, i := range idx {
		u := &r.rows[i]
		if u.Specialty == specialty && u.Procedure == procedure && u.Period == period {
			return u
		}
	}
	return nil
}

// handleSurgeonPage answers GET /surgeons/{id}.
func (s *Server) handleSurgeonPage(c echo.Context) error {
	r, err := s.latestOr404()
	if err != nil {
		return err
	}
	id := c.Param("id")
	idx := r.surgeon[id]
	if len(idx) == 0 {
		return notFound("no surgeon with this id in the latest release")
	}
	d := unitPage{ID: id, Name: r.rows[idx[0]].UnitName}
	seen := map[string]bool{}
	for _, i := range idx {
		for _, h := range r.hospitals[i] {
			if !seen[h] {
				seen[h] = true
				d.Hospitals = append(d.Hospitals, unitRef{UnitID: h, UnitName: r.hospitalName(h)})
			}
		}
	}
	groups := r.groupResults(idx)
	lo := pageLow(groups)
	for _, rows := range groups {
		g := resultGroup{Latest: rows[0], Earlier: rows[1:]}
		if h := g.Latest.HospitalID; h != "" {
			g.Hospital = r.rowOf(outcome.Hospital, h, g.Latest.Specialty, g.Latest.Procedure, g.Latest.Period)
		}
		if f := r.chooseFunnel(g.Latest.Specialty, g.Latest.Procedure, g.Latest.Period, outcome.Surgeon); f != nil &&
			f.UnitType == outcome.Surgeon && f.Procedure == g.Latest.Procedure {
			if g.SVG, err = r.funnelSVG(f, []string{id}, false); err != nil {
				return err
			}
			g.FunnelAt = "/specialties/" + f.Specialty + "?" + url.Values{"procedure": {f.Procedure},
				"period": {f.Period}, "highlight": {id}}.Encode()
		}
		bars := []barRow{{Label: "This surgeon, " + g.Latest.Period, Row: g.Latest}}
		if g.Hospital != nil {
			bars = append(bars, barRow{Label: "Their hospital, " + g.Hospital.Period, Row: *g.Hospital})
		}
		for _, e := range g.Earlier {
			bars = append(bars, barRow{Label: "This surgeon, " + e.Period, Row: e})
		}
		g.Bars = intervalChart(bars, lo)
		d.Groups = append(d.Groups, g)
	}
	p := page{Title: d.Name, Section: "specialties", Data: &d,
		Description: "Risk-adjusted survival of " + d.Name + "'s patients, compared with what was expected.",
		JSON:        "/api/v1/surgeons/" + url.PathEscape(id),
		CSV:         "/api/v1/surgeons.csv?q=" + url.QueryEscape(id)}
	return s.render(c, http.StatusOK, "surgeon", p)
}

// pageLow is the left end of a page's interval bars: one scale for every
// bar on the page, so intervals can be compared by eye.
func pageLow(groups [][]unitRow) float64 {
	lo := 1.0
	for _, rows := range groups {
		for _, u := range rows {
			for _, x := range []number{u.SurvivalLow, u.Survival, 1 - u.Target} {
				if x.defined() && float64(x) < lo {
					lo = float64(x)
				}
			}
		}
	}
	return lo
}

// handleHospitalPage answers GET /hospitals/{id}.
func (s *Server) handleHospitalPage(c echo.Context) error {
	r, err := s.latestOr404()
	if err != nil {
		return err
	}
	id := c.Param("id")
	own, surgeons := r.hospital[id], r.atHospital[id]
	if len(own) == 0 && len(surgeons) == 0 {
		return notFound("no hospital with this id in the latest release")
	}
	d := unitPage{ID: id, Name: r.hospitalName(id),
		SurgeonsURL: "/api/v1/surgeons.csv?hospital=" + url.QueryEscape(id)}
	groups := r.groupResults(own)
	lo := pageLow(groups)
	surgeonIDs := map[string]bool{}
	for _, i := range surgeons {
		surgeonIDs[r.rows[i].UnitID] = true
	}
	for _, rows := range groups {
		g := resultGroup{Latest: rows[0], Earlier: rows[1:]}
		// The hospital's own funnel, and its surgeons on theirs.
		var ids []string
		for sid := range surgeonIDs {
			if r.rowOf(outcome.Surgeon, sid, g.Latest.Specialty, g.Latest.Procedure, g.Latest.Period) != nil {
				ids = append(ids, sid)
			}
		}
		slices.Sort(ids)
		if f := r.chooseFunnel(g.Latest.Specialty, g.Latest.Procedure, g.Latest.Period, outcome.Surgeon); f != nil &&
			f.UnitType == outcome.Surgeon && f.Procedure == g.Latest.Procedure && len(ids) > 0 {
			if g.SVG, err = r.funnelSVG(f, ids, false); err != nil {
				return err
			}
			g.FunnelAt = "/specialties/" + f.Specialty + "?" + url.Values{"procedure": {f.Procedure},
				"period": {f.Period}, "highlight": {strings.Join(ids, ",")}}.Encode()
		}
		bars := []barRow{{Label: "This hospital, " + g.Latest.Period, Row: g.Latest}}
		for _, e := range g.Earlier {
			bars = append(bars, barRow{Label: "This hospital, " + e.Period, Row: e})
		}
		g.Bars = intervalChart(bars, lo)
		d.Groups = append(d.Groups, g)
	}
	latest := map[string]unitRow{}
	for _, i := range surgeons {
		u := r.rows[i]
		k := u.UnitID + "\x00" + u.Specialty + "\x00" + u.Procedure
		if old, ok := latest[k]; !ok || u.Period > old.Period {
			latest[k] = u
		}
	}
	for _, u := range latest {
		d.Surgeons = append(d.Surgeons, u)
	}
	slices.SortFunc(d.Surgeons, func(a, b unitRow) int {
		return cmp.Or(strings.Compare(fold(a.UnitName), fold(b.UnitName)), strings.Compare(a.UnitID, b.UnitID),
			strings.Compare(a.Specialty, b.Specialty), strings.Compare(a.Procedure, b.Procedure))
	})
	p := page{Title: d.Name, Data: &d, Section: "specialties",
		Description: "Results of " + d.Name + " and its surgeons, compared with what was expected.",
		JSON:        "/api/v1/hospitals/" + url.PathEscape(id),
		CSV:         "/api/v1/hospitals.csv?q=" + url.QueryEscape(id)}
	return s.render(c, http.StatusOK, "hospital", p)
}

// comparePage shows several surgeons on one funnel per group.
type comparePage struct {
	IDs    []string
	Names  []unitRef
	Groups []compareGroup
}

type compareGroup struct {
	Specialty, Procedure, Period string
	SVG                          template.HTML
	Bars                         template.HTML
}

// handleCompare answers GET /compare?ids=…: chosen surgeons on the same
// funnel and their intervals on one scale, in name order — a comparison
// with what was expected, never a league table.
func (s *Server) handleCompare(c echo.Context) error {
	r, err := s.latestOr404()
	if err != nil {
		return err
	}
	q := url.Values{"highlight": c.QueryParams()["ids"]}
	ids := highlightIDs(q)
	d := comparePage{}
	for _, id := range ids {
		if len(r.surgeon[id]) > 0 {
			d.IDs = append(d.IDs, id)
			d.Names = append(d.Names, unitRef{UnitID: id, UnitName: r.rows[r.surgeon[id][0]].UnitName})
		}
	}
	slices.SortFunc(d.Names, func(a, b unitRef) int { return strings.Compare(fold(a.UnitName), fold(b.UnitName)) })
	for _, f := range r.funnels {
		if f.UnitType != outcome.Surgeon || f.Period != r.latestPeriod(f.Specialty) {
			continue
		}
		var bars []barRow
		var in []string
		for _, n := range d.Names {
			if u := r.rowOf(outcome.Surgeon, n.UnitID, f.Specialty, f.Procedure, f.Period); u != nil {
				bars = append(bars, barRow{Label: u.UnitName, Row: *u})
				in = append(in, n.UnitID)
			}
		}
		if len(in) == 0 {
			continue
		}
		svg, err := r.funnelSVG(f, in, false)
		if err != nil {
			return err
		}
		lo := 1.0
		for _, b := range bars {
			lo = min(lo, pageLow([][]unitRow{{b.Row}}))
		}
		d.Groups = append(d.Groups, compareGroup{Specialty: f.Specialty, Procedure: f.Procedure, Period: f.Period,
			SVG: svg, Bars: intervalChart(bars, lo)})
	}
	return s.render(c, http.StatusOK, "compare", page{Title: "Compare surgeons with what was expected",
		Section: "search", Data: &d})
}

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

// handleSearch answers GET /search?q=: surgeons and hospitals by name, id,
// hospital or specialty, through the same search as the API's q
// (search.go), grouped by kind, best matches first.
func (s *Server) handleSearch(c echo.Context) error {
	r, err := s.latestOr404()
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	d := searchPage{Q: q}
	if q != "" && checkText(q, maxValueLen) == "" {
		d.Searched = true
		const shown = 50
		for _, u := range r.search.search(q) {
			res := searchResult{ID: u.id, Name: u.name, Specialties: u.specialties}
			list := &d.Hospitals
			if u.unitType == outcome.Surgeon {
				res.Detail = strings.Join(u.hospitals, ", ")
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

// handleMethodology, handleAbout answer the site's fixed pages.
func (s *Server) handleMethodology(c echo.Context) error {
	return s.render(c, http.StatusOK, "methodology", page{Title: "How to read these results", Section: "methodology",
		Data: bands()})
}

func (s *Server) handleAbout(c echo.Context) error {
	return s.render(c, http.StatusOK, "about", page{Title: "About this site"})
}
