package api

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/chart"
	"github.com/surgeon-outcomes/outcomes/outcome"
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
	Result selfCheckResult
	Row    unitRow // Result's row, which templates cannot reach through the embedding
	SVG    template.HTML
}

func (s *Server) selfCheckOptions(r *release, form selfCheckForm) selfCheckPage {
	d := selfCheckPage{Form: form}
	seen := map[string]bool{}
	for _, sp := range outcome.Specialties() {
		if len(r.periods[sp.Slug]) == 0 {
			continue
		}
		d.Specialties = append(d.Specialties, option{Value: sp.Slug, Label: sp.Name, Selected: sp.Slug == form.Specialty})
		for _, p := range r.periods[sp.Slug] {
			if !seen[p] {
				seen[p] = true
				d.Periods = append(d.Periods, option{Value: p, Label: p, Selected: p == form.Period})
			}
		}
	}
	for _, t := range []outcome.UnitType{outcome.Hospital, outcome.Surgeon} {
		d.UnitTypes = append(d.UnitTypes, option{Value: string(t), Label: t.Title(),
			Selected: t == outcome.Hospital && form.UnitType != string(outcome.Surgeon) || string(t) == form.UnitType})
	}
	return d
}

// handleSelfCheckPage answers GET /self-check: the form.
func (s *Server) handleSelfCheckPage(c echo.Context) error {
	r, err := s.latestOr404()
	if err != nil {
		return err
	}
	d := s.selfCheckOptions(r, selfCheckForm{UnitType: string(outcome.Hospital)})
	return s.render(c, http.StatusOK, "selfcheck", page{Title: "Hospital self-check", Section: "self-check",
		Description: "Place your own unit's figures on the national funnel. Nothing you enter is stored.", Data: &d})
}

// readSelfCheckForm reads the form's fields, or its uploaded canonical CSV,
// through the same checks as the API's JSON and CSV.
func (s *Server) readSelfCheckForm(c echo.Context) (selfCheckForm, selfCheckInput, error) {
	form := selfCheckForm{Specialty: c.FormValue("specialty"), Procedure: strings.TrimSpace(c.FormValue("procedure")),
		Period: c.FormValue("period"), UnitType: c.FormValue("unit_type"), UnitName: strings.TrimSpace(c.FormValue("unit_name")),
		Cases: strings.TrimSpace(c.FormValue("cases")), Events: strings.TrimSpace(c.FormValue("events")),
		Expected: strings.TrimSpace(c.FormValue("expected"))}
	if fh, err := c.FormFile("file"); err == nil && fh.Size > 0 {
		f, err := fh.Open()
		if err != nil {
			return form, selfCheckInput{}, err
		}
		defer f.Close()
		body, err := io.ReadAll(f)
		if err != nil {
			return form, selfCheckInput{}, err
		}
		in, err := s.decodeSelfCheckCSV(body)
		return form, in, err
	}
	in, err := s.decodeSelfCheckForm(form)
	return form, in, err
}

// placeAll places every submitted unit, or reports every problem.
func (s *Server) placeAll(r *release, in selfCheckInput) ([]selfCheckResult, []paramError) {
	t := resource{rel: r, pinned: true}
	var out []selfCheckResult
	var errs []paramError
	for i, u := range in.units {
		res, fe := s.place(t, u)
		for _, e := range fe {
			e.Param = in.param(i, e.Param)
			errs = append(errs, e)
		}
		out = append(out, res)
	}
	return out, errs
}

// handleSelfCheckForm answers POST /self-check: the form again, with where
// each unit lies on its funnel. Nothing submitted is stored or logged.
func (s *Server) handleSelfCheckForm(c echo.Context) error {
	r, err := s.latestOr404()
	if err != nil {
		return err
	}
	form, in, err := s.readSelfCheckForm(c)
	d := s.selfCheckOptions(r, form)
	p := page{Title: "Hospital self-check", Section: "self-check", Data: &d}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	if err != nil {
		ae, ok := err.(*apiError)
		if !ok {
			return err
		}
		d.Errors = formErrors(ae.Errors)
		p.Title = "Error: " + p.Title
		return s.render(c, http.StatusBadRequest, "selfcheck", p)
	}
	results, errs := s.placeAll(r, in)
	if len(errs) > 0 {
		d.Errors = formErrors(errs)
		p.Title = "Error: " + p.Title
		return s.render(c, http.StatusBadRequest, "selfcheck", p)
	}
	for i, res := range results {
		svg, err := s.selfCheckSVG(r, res, i, false)
		if err != nil {
			return err
		}
		d.Results = append(d.Results, selfCheckShown{Result: res, Row: res.unitRow, SVG: svg})
	}
	p.Title = "Your results: hospital self-check"
	return s.render(c, http.StatusOK, "selfcheck", p)
}

// selfCheckSVG draws the published funnel with the submitted unit on it.
func (s *Server) selfCheckSVG(r *release, res selfCheckResult, i int, standalone bool) (template.HTML, error) {
	f := r.chooseFunnel(res.Specialty, res.Procedure, res.Period, res.UnitType)
	if f == nil {
		return "", fmt.Errorf("api: self-check funnel %s %s %s vanished", res.Specialty, res.Procedure, res.Period)
	}
	name := res.UnitName
	if name == "" {
		name = "Your figures"
	}
	u := res.unitRow
	u.UnitName = name
	pt := chart.Point{UnitID: fmt.Sprintf("self-check-%d", i+1), Name: name, X: float64(res.FunnelX),
		Survival: float64(res.Survival), Band: res.Band, Summary: pointSummary(&u), Highlight: true}
	return r.funnelSVG(f, nil, standalone, pt)
}

// handleSelfCheckSVG answers POST /self-check/funnel.svg: the self-check
// chart as a file to keep, for a governance meeting.
func (s *Server) handleSelfCheckSVG(c echo.Context) error {
	r, err := s.latestOr404()
	if err != nil {
		return err
	}
	_, in, err := s.readSelfCheckForm(c)
	if err != nil {
		return err
	}
	results, errs := s.placeAll(r, in)
	if len(errs) > 0 {
		return &apiError{Status: http.StatusBadRequest, Detail: "some figures are invalid", Errors: errs}
	}
	svg, err := s.selfCheckSVG(r, results[0], 0, true)
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
func formErrors(errs []paramError) []formError {
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
