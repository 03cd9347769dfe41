package site

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/chart"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/selfcheck"
)

// selfCheckPage is the self-check form and, after a submission, where each
// unit lies.
type selfCheckPage struct {
	Specialties []option
	Periods     []option
	UnitTypes   []option // hospitals first: a hospital checks itself
	Form        selfCheckForm
	Errors      []formError
	Results     []selfCheckShown
}

// selfCheckForm is what the form holds, as typed, so it can be shown again.
type selfCheckForm struct {
	Specialty, Procedure, Period, UnitType, UnitName, Cases, Events, Expected string
}

// selfCheckShown is one placed unit, with its funnel.
type selfCheckShown struct {
	Row catalog.Row
	SVG template.HTML
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
	for _, t := range []outcome.UnitType{outcome.Hospital, outcome.Surgeon} {
		d.UnitTypes = append(d.UnitTypes, option{Value: string(t), Label: t.Title(),
			Selected: t == outcome.Hospital && form.UnitType != string(outcome.Surgeon) || string(t) == form.UnitType})
	}
	return d
}

// HandleSelfCheckPage answers GET /self-check: the form.
func (s *Site) HandleSelfCheckPage(c echo.Context) error {
	r, err := s.latestOr404()
	if err != nil {
		return err
	}
	d := selfCheckOptions(r, selfCheckForm{UnitType: string(outcome.Hospital)})
	return s.render(c, http.StatusOK, "selfcheck", page{Title: "Hospital self-check", Section: "self-check",
		Description: "Place your own unit's figures on the national funnel. Nothing you enter is stored.", Data: &d})
}

// readSelfCheckForm reads the form's fields, or its uploaded canonical CSV,
// through the same checks as the API's JSON and CSV.
func (s *Site) readSelfCheckForm(c echo.Context) (selfCheckForm, selfcheck.Input, error) {
	form := selfCheckForm{Specialty: c.FormValue("specialty"), Procedure: strings.TrimSpace(c.FormValue("procedure")),
		Period: c.FormValue("period"), UnitType: c.FormValue("unit_type"), UnitName: strings.TrimSpace(c.FormValue("unit_name")),
		Cases: strings.TrimSpace(c.FormValue("cases")), Events: strings.TrimSpace(c.FormValue("events")),
		Expected: strings.TrimSpace(c.FormValue("expected"))}
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
	in, err := s.selfCheck.Fields(
		[]string{"specialty", "procedure", "period", "unit_type", "unit_name", "cases", "events", "expected"},
		[]string{form.Specialty, form.Procedure, form.Period, form.UnitType, form.UnitName, form.Cases, form.Events,
			form.Expected})
	return form, in, err
}

// placeAll places every submitted unit (catalog.Release.Place), or
// reports every problem.
func placeAll(r *catalog.Release, in selfcheck.Input) ([]catalog.Row, []selfcheck.FieldError) {
	var out []catalog.Row
	var errs []selfcheck.FieldError
	for i, u := range in.Units {
		row, _, fe := r.Place(u)
		for _, e := range fe {
			errs = append(errs, selfcheck.FieldError{Param: in.Param(i, e.Field), Message: e.Message})
		}
		out = append(out, row)
	}
	return out, errs
}

// HandleSelfCheckForm answers POST /self-check: the form again, with where
// each unit lies on its funnel. Nothing submitted is stored or logged.
func (s *Site) HandleSelfCheckForm(c echo.Context) error {
	r, err := s.latestOr404()
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
	results, errs := placeAll(r, in)
	if len(errs) > 0 {
		d.Errors = formErrors(errs)
		p.Title = "Error: " + p.Title
		return s.render(c, http.StatusBadRequest, "selfcheck", p)
	}
	for i, res := range results {
		svg, err := selfCheckSVG(r, res, i, false)
		if err != nil {
			return err
		}
		d.Results = append(d.Results, selfCheckShown{Row: res, SVG: svg})
	}
	p.Title = "Your results: hospital self-check"
	return s.render(c, http.StatusOK, "selfcheck", p)
}

// selfCheckSVG draws the published funnel with the submitted unit on it.
func selfCheckSVG(r *catalog.Release, res catalog.Row, i int, standalone bool) (template.HTML, error) {
	f := r.ChooseFunnel(res.Specialty, res.Procedure, res.Period, res.UnitType)
	if f == nil {
		return "", fmt.Errorf("site: self-check funnel %s %s %s vanished", res.Specialty, res.Procedure, res.Period)
	}
	name := res.UnitName
	if name == "" {
		name = "Your figures"
	}
	u := res
	u.UnitName = name
	pt := chart.Point{UnitID: fmt.Sprintf("self-check-%d", i+1), Name: name, X: res.FunnelX,
		Survival: res.Survival, Band: res.Band, Summary: pointSummary(&u), Highlight: true}
	return funnelSVG(r, f, nil, standalone, pt)
}

// HandleSelfCheckSVG answers POST /self-check/funnel.svg: the self-check
// chart as a file to keep, for a governance meeting.
func (s *Site) HandleSelfCheckSVG(c echo.Context) error {
	r, err := s.latestOr404()
	if err != nil {
		return err
	}
	_, in, err := s.readSelfCheckForm(c)
	if err != nil {
		return err
	}
	results, errs := placeAll(r, in)
	if len(errs) > 0 {
		return &selfcheck.Error{Detail: "some figures are invalid", Errors: errs}
	}
	svg, err := selfCheckSVG(r, results[0], 0, true)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "no-store")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="self-check-`+results[0].Specialty+`.svg"`)
	h.Set("Content-Security-Policy", "default-src 'none'")
	return c.Blob(http.StatusOK, "image/svg+xml", []byte(svg))
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
