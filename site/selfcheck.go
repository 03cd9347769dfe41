package site

import (
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/selfcheck"
)

// selfCheckPage is the self-check form and, after a submission, where each
// unit lies.
type selfCheckPage struct {
	Specialties []option
	// Procedures are the release's procedures, grouped by specialty
	// (procedureOptions); Periods its periods, newest last.
	Procedures []procedureGroup
	Periods    []option
	UnitTypes  []option // hospitals first: a hospital checks itself
	Form       selfCheckForm
	Errors     []formError
	// Units counts the units placed, Funnels the funnels they sit on.
	// Groups are the first maxDrawnFunnels of those funnels, in the order
	// first submitted, each drawn; Undrawn are the rest, named only. Table
	// lists every unit, when there are several.
	Units   int
	Funnels int
	Groups  []selfCheckGroup
	Undrawn []selfCheckGroup
	Table   tableData
	// Results is every unit placed, as canonical CSV (unitsCSV), for the
	// results export form; when they all sit on the one chart drawn,
	// ResultsInChart puts the results button in the chart's form
	// instead, which holds the same units: a 1,000-unit page would
	// otherwise carry them twice. Made is when the page was made, in
	// words.
	Results        string
	ResultsInChart bool
	Made           string
}

// selfCheckForm is what the form holds, as typed, so it can be shown again.
type selfCheckForm struct {
	Specialty, Procedure, Period, UnitType, UnitName, Cases, Events, Expected string
}

func selfCheckOptions(r *catalog.Release, form selfCheckForm) selfCheckPage {
	d := selfCheckPage{Form: form}
	seen := map[string]bool{}
	for _, sp := range outcome.Specialties() {
		if len(r.Periods(sp.Slug)) == 0 {
			continue
		}
		d.Specialties = append(d.Specialties, option{Value: sp.Slug, Label: sp.Name, Selected: sp.Slug == form.Specialty})
		for _, p := range r.Periods(sp.Slug) {
			if !seen[p] {
				seen[p] = true
				d.Periods = append(d.Periods, option{Value: p, Label: periodWords(p), Selected: p == form.Period})
			}
		}
	}
	d.Procedures = procedureOptions(r, form)
	for _, t := range []outcome.UnitType{outcome.Hospital, outcome.Surgeon} {
		d.UnitTypes = append(d.UnitTypes, option{Value: string(t), Label: t.Title(),
			Selected: t == outcome.Hospital && form.UnitType != string(outcome.Surgeon) || string(t) == form.UnitType})
	}
	return d
}

// procedureGroup is one specialty's procedures in the form's procedure
// list (an optgroup).
type procedureGroup struct {
	Label   string
	Options []option
}

// procedureOptions lists the procedures the release has funnels for, by
// specialty, each as the value "specialty:procedure" (procedureValue),
// so that a procedure is picked from the release's list, not typed, and
// says which specialty it belongs to. The form's procedure is selected
// whether it came from the list or as a bare code (procedure=aaa, as
// before the list).
func procedureOptions(r *catalog.Release, form selfCheckForm) []procedureGroup {
	var out []procedureGroup
	for _, sp := range outcome.Specialties() {
		var procs []string
		for _, f := range r.Funnels {
			if f.Specialty == sp.Slug {
				procs = appendDistinct(procs, f.Procedure)
			}
		}
		if len(procs) == 0 {
			continue
		}
		g := procedureGroup{Label: sp.Name}
		for _, pr := range procs {
			v := procedureValue(sp.Slug, pr)
			g.Options = append(g.Options, option{Value: v, Label: procedureName(sp.Slug, pr),
				Selected: form.Procedure == v || form.Specialty == sp.Slug && form.Procedure == pr})
		}
		out = append(out, g)
	}
	return out
}

// procedureValue is a procedure's value in the form's list: its
// specialty and its code, "vascular:aaa".
func procedureValue(specialty, procedure string) string { return specialty + ":" + procedure }

// splitProcedure reads the form's procedure: a value of the list
// (procedureValue) is its specialty and code; anything else, a code as
// typed before the list, is the code alone, of the form's specialty.
func splitProcedure(v string) (specialty, procedure string) {
	if sp, pr, ok := strings.Cut(v, ":"); ok {
		if _, known := outcome.LookupSpecialty(sp); known {
			return sp, pr
		}
	}
	return "", v
}

// HandleSelfCheckPage answers GET /self-check: the form.
func (s *Site) HandleSelfCheckPage(c echo.Context) error {
	r, err := s.releaseOr404(c)
	if err != nil {
		return err
	}
	d := selfCheckOptions(r, selfCheckForm{UnitType: string(outcome.Hospital)})
	return s.render(c, http.StatusOK, "selfcheck", page{Title: "Hospital self-check", Section: "self-check",
		Description: "Place your own unit's figures on the national funnel. Nothing you enter is stored.", Data: &d})
}

// readSelfCheckForm reads the form's fields, or its uploaded canonical CSV,
// or the download form's units (a group's, as unitsCSV wrote them),
// through the same checks as the API's JSON and CSV.
func (s *Site) readSelfCheckForm(c echo.Context) (selfCheckForm, selfcheck.Input, error) {
	form := selfCheckForm{Specialty: c.FormValue("specialty"), Procedure: strings.TrimSpace(c.FormValue("procedure")),
		Period: c.FormValue("period"), UnitType: c.FormValue("unit_type"), UnitName: strings.TrimSpace(c.FormValue("unit_name")),
		Cases: strings.TrimSpace(c.FormValue("cases")), Events: strings.TrimSpace(c.FormValue("events")),
		Expected: strings.TrimSpace(c.FormValue("expected"))}
	if units := c.FormValue("units"); units != "" {
		in, err := s.selfCheck.CSV([]byte(units))
		return form, in, err
	}
	if fh, err := c.FormFile("file"); err == nil && fh.Size > 0 {
		f, err := fh.Open()
		if err != nil {
			return form, selfcheck.Input{}, err
		}
		defer f.Close()
		body, err := io.ReadAll(f)
		if err != nil {
			return form, selfcheck.Input{}, err
		}
		in, err := s.selfCheck.CSV(body)
		return form, in, err
	}
	procSpecialty, procedure := splitProcedure(form.Procedure)
	if procSpecialty != "" && procSpecialty != form.Specialty {
		sp, _ := outcome.LookupSpecialty(procSpecialty)
		msg := "“" + procedureName(procSpecialty, procedure) + "” is a procedure of " + sp.Name +
			": choose that specialty, or a procedure of the one chosen"
		return form, selfcheck.Input{}, &selfcheck.Error{Detail: msg,
			Errors: []selfcheck.FieldError{{Param: "procedure", Message: msg}}}
	}
	in, err := s.selfCheck.Fields(
		[]string{"specialty", "procedure", "period", "unit_type", "unit_name", "cases", "events", "expected"},
		[]string{form.Specialty, procedure, form.Period, form.UnitType, form.UnitName, form.Cases, form.Events,
			form.Expected})
	return form, in, err
}

// placeAll places every submitted unit (catalog.Release.Place), labels
// each (labelUnits) and groups them by funnel (groupByFunnel), or reports
// every problem.
func placeAll(r *catalog.Release, in selfcheck.Input) ([]catalog.Row, []selfCheckGroup, []selfcheck.FieldError) {
	rows := make([]catalog.Row, 0, len(in.Units))
	funnels := make([]*catalog.Funnel, 0, len(in.Units))
	var errs []selfcheck.FieldError
	for i, u := range in.Units {
		row, f, fe := r.Place(u)
		for _, e := range fe {
			errs = append(errs, selfcheck.FieldError{Param: in.Param(i, e.Field), Message: e.Message})
		}
		rows = append(rows, row)
		funnels = append(funnels, f)
	}
	if len(errs) > 0 {
		return nil, nil, errs
	}
	labelUnits(rows)
	return rows, groupByFunnel(rows, funnels), nil
}

// HandleSelfCheckForm answers POST /self-check: the form again, with where
// each unit lies on its funnel. Nothing submitted is stored or logged.
func (s *Site) HandleSelfCheckForm(c echo.Context) error {
	r, err := s.releaseOr404(c)
	if err != nil {
		return err
	}
	form, in, err := s.readSelfCheckForm(c)
	d := selfCheckOptions(r, form)
	p := page{Title: "Hospital self-check", Section: "self-check", Data: &d}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	if err != nil {
		se, ok := err.(*selfcheck.Error)
		if !ok {
			return err
		}
		d.Errors = formErrors(se.Errors)
		p.Title = "Error: " + p.Title
		return s.render(c, http.StatusBadRequest, "selfcheck", p)
	}
	rows, groups, errs := placeAll(r, in)
	if len(errs) > 0 {
		d.Errors = formErrors(errs)
		p.Title = "Error: " + p.Title
		return s.render(c, http.StatusBadRequest, "selfcheck", p)
	}
	d.Units, d.Funnels = len(rows), len(groups)
	if len(groups) > maxDrawnFunnels {
		groups, d.Undrawn = groups[:maxDrawnFunnels], groups[maxDrawnFunnels:]
	}
	drawn := 0 // bytes of SVG
	for k := range groups {
		if drawn > maxDrawnBytes { // the charts of national funnels (chart.DenseAbove) are large
			groups, d.Undrawn = groups[:k], append(groups[k:len(groups):len(groups)], d.Undrawn...)
			break
		}
		g := &groups[k]
		if g.SVG, err = g.draw(r, false); err != nil {
			return err
		}
		drawn += len(g.SVG)
		g.Units = unitsCSV(g.Rows)
	}
	d.Groups = groups
	if len(rows) > 1 {
		d.Table = tableData{Caption: "Your units", KeyHead: "Your unit", Order: "in the order you gave them", Funnel: true,
			Body: unitTableBody(rows, unitRows{Funnel: true}), Interval: intervalName(&r.Meta)}
	}
	if len(d.Groups) == 1 && len(d.Undrawn) == 0 {
		d.ResultsInChart = true
	} else {
		d.Results = unitsCSV(rows)
	}
	d.Made = madeWords(s.now())
	p.Title = "Your results: hospital self-check"
	return s.render(c, http.StatusOK, "selfcheck", p)
}

// formError is a problem with the form, in the form's own words: the
// field's label, and a link to it.
type formError struct {
	Field, Label, Message string
}

// formLabels are the form's labels by field name.
var formLabels = map[string]string{"specialty": "Specialty", "procedure": "Procedure", "period": "Period",
	"unit_type": "Compare with", "unit_name": "Label", "cases": "Operations", "events": "Deaths",
	"expected": "Expected deaths", "file": "CSV file"}

// formErrors puts the API's field errors in the form's words: an error
// about a form field links to it, under its label, and says operations and
// deaths where the canonical CSV's words are cases and events; an error
// about the uploaded file names its line and column, in the CSV's words.
func formErrors(errs []selfcheck.FieldError) []formError {
	var out []formError
	for _, e := range errs {
		fe := formError{Message: e.Message}
		switch label, ok := formLabels[e.Param]; {
		case ok:
			fe.Field, fe.Label = e.Param, label
			fe.Message = inFormWords(e.Message)
		case strings.HasPrefix(e.Param, "line ") || e.Param == "body":
			fe.Field, fe.Label = "file", formLabels["file"]
			if e.Param != "body" {
				fe.Message = e.Param + ": " + e.Message
			}
		case e.Param != "":
			fe.Message = e.Param + ": " + e.Message
		}
		out = append(out, fe)
	}
	return out
}

// formWords are the canonical CSV's words that the form's labels put
// otherwise.
var formWords = regexp.MustCompile(`\b(cases|events)\b`)

// inFormWords says operations and deaths for cases and events in msg, but
// not inside a quoted value (ingest quotes what was submitted with %q).
func inFormWords(msg string) string {
	var b strings.Builder
	quoted, start := false, 0
	flush := func(end int) {
		part := msg[start:end]
		if !quoted {
			part = formWords.ReplaceAllStringFunc(part, func(w string) string {
				return map[string]string{"cases": "operations", "events": "deaths"}[w]
			})
		}
		b.WriteString(part)
		start = end
	}
	for i := 0; i < len(msg); i++ {
		switch {
		case msg[i] == '\\' && quoted:
			i++ // an escaped character, perhaps a quote
		case msg[i] == '"':
			flush(i)
			quoted = !quoted
		}
	}
	flush(len(msg))
	return b.String()
}
