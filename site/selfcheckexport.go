package site

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/chart"
	"github.com/surgeon-outcomes/outcomes/csvcell"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/selfcheck"
)

// The self-check's exports, for a hospital's governance meeting: the
// results table as CSV, and each chart as SVG or PNG that stands alone,
// printed or passed round without the page (a heading, where the figures
// came from, when it was made, and the key). Nothing is kept between the
// page and an export: the page carries the units it placed in its export
// forms (unitsCSV), and each export is a POST of them, placed again
// against the same release. A link (GET) would put a hospital's figures in
// addresses, browser history and proxies' logs. The forms name the
// release the page placed the units in, so an export drawn after a new
// release is loaded is still the page's.

// selfCheckCSVColumns are the results CSV's columns: the table's, in its
// order (name, verdict, operations, deaths, expected deaths, survival and
// its interval, the funnel), then the codes a spreadsheet filters on.
var selfCheckCSVColumns = []string{"unit_name", "result", "cases", "events", "expected", "survival_percent",
	"survival_low_percent", "survival_high_percent", "funnel", "specialty", "procedure", "period", "unit_type", "band"}

// selfCheckResultsCSV writes placed units as the results table shows
// them, one row each in the order submitted: figures rounded as the table
// rounds them but without its separators and % signs, so a spreadsheet
// reads them as numbers, and survival empty for a unit not judged
// (outcome.Assessed), where the table has a dash. Text cells go through
// csvcell.Safe: a label is whatever the submitter typed.
func selfCheckResultsCSV(rows []catalog.Row) []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff") // Excel reads UTF-8 (a name's accents) only after a byte-order mark
	w := csv.NewWriter(&b)
	w.Write(selfCheckCSVColumns)
	oneDecimal := func(x float64) string {
		if !finite(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	t := csvcell.Safe
	for i := range rows {
		u := &rows[i]
		surv, low, high := "", "", ""
		if outcome.Assessed(u.Band) {
			surv, low, high = oneDecimal(100*u.Survival), oneDecimal(100*u.SurvivalLow), oneDecimal(100*u.SurvivalHigh)
		}
		w.Write([]string{t(u.UnitName), t(bandShort(u.Band)), strconv.Itoa(u.Cases), strconv.Itoa(u.Events),
			oneDecimal(u.Expected), surv, low, high, t(funnelTitle(u.Specialty, u.Procedure, u.Period, u.UnitType)),
			t(u.Specialty), t(u.Procedure), t(u.Period), t(string(u.UnitType)), t(string(u.Band))})
	}
	w.Flush() // a bytes.Buffer does not fail
	return b.Bytes()
}

// exportPlot is a group's chart to keep: full size, its units named as on
// the page, with a heading that says what it shows and notes that say
// where its figures came from and when it was made.
func (g *selfCheckGroup) exportPlot(r *catalog.Release, made time.Time) chart.Funnel {
	p := g.plot(r, false)
	f := g.Funnel
	var tally []string
	for _, t := range g.Tally {
		tally = append(tally, strconv.Itoa(t.N)+" "+strings.ToLower(bandShort(t.Band)))
	}
	units := "Your unit"
	if len(g.Rows) > 1 {
		units = "Your " + plural(len(g.Rows), "unit")
	}
	p.Heading = []string{"Team self-check: " + g.Title,
		units + " on the published funnel of " + f.UnitType.Plural() + ": " + strings.Join(tally, ", ") + "."}
	m := &r.Meta
	release := "Release: " + m.Title + " (" + m.ID + ")"
	if m.PublishedOn != "" {
		release += ", published " + dateText(m.PublishedOn)
	}
	if m.Source != "" {
		release += ". Source: " + m.Source
	}
	p.Notes = []string{
		"Specialty: " + groupTitle(f.Specialty, "all") + ". Procedure: " + procedureName(f.Specialty, f.Procedure) +
			". Period: " + periodWords(f.Period) + ". Compared with: every published " + string(f.UnitType) + ".",
		release + ".",
		"Made " + madeWords(made) + " from figures entered in the self-check," +
			" which stores none of them. Grey points are the published " + f.UnitType.Plural() + "; yours are named.",
	}
	if !g.Named() {
		p.Notes[2] = strings.TrimSuffix(p.Notes[2], " yours are named.") + " yours are drawn large; their names are in the results table."
	}
	return p
}

// madeWords says when an export or a results page was made, to the
// minute: "3 December 2026 14:50 UTC".
func madeWords(t time.Time) string { return t.UTC().Format("2 January 2006 15:04 MST") }

// SelfCheckImage draws submitted units on their published funnel as an
// image to keep (exportPlot), format "svg" or "png": the site's download
// forms and the API's POST /self-check with Accept: image/svg+xml or
// image/png give the same drawing. Units on more than one funnel are a
// *selfcheck.Error: one image draws one funnel. It returns the image and
// a file name that says what it shows.
func (s *Site) SelfCheckImage(r *catalog.Release, in selfcheck.Input, format string) ([]byte, string, error) {
	_, groups, errs := placeAll(r, in)
	if len(errs) > 0 {
		return nil, "", selfcheck.Invalid(errs)
	}
	switch len(groups) {
	case 0: // the readers refuse a submission of no units
		return nil, "", &selfcheck.Error{Detail: "no units to draw"}
	case 1:
	default:
		msg := "these units sit on " + strconv.Itoa(len(groups)) + " published funnels; an image draws one: " +
			"send the units of one funnel (one specialty, procedure, period and unit type)"
		return nil, "", &selfcheck.Error{Detail: msg, Errors: []selfcheck.FieldError{{Param: "body", Message: msg}}}
	}
	g := &groups[0]
	made := s.now()
	p := g.exportPlot(r, made)
	var b bytes.Buffer
	var err error
	if format == "png" {
		err = chart.WritePNG(&b, &p)
	} else {
		err = chart.WriteSVG(&b, &p, true)
	}
	if err != nil {
		return nil, "", err
	}
	f := g.Funnel
	name := DownloadName([]string{"self-check", f.Specialty, f.Procedure, f.Period, f.UnitType.Plural(),
		made.UTC().Format("2006-01-02")}, format)
	return b.Bytes(), name, nil
}

// DownloadName names a download, the site's and the API's: its parts
// joined with hyphens, each run of characters other than letters, digits
// and . _ - in a part made one hyphen (a period's slash, a space, a
// hostile search's quotes), a part that is nothing else left out, the
// whole cut to maxDownloadName bytes, then ".ext".
func DownloadName(parts []string, ext string) string {
	safe := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.Trim(unsafeFileChars.ReplaceAllString(p, "-"), "-."); p != "" {
			safe = append(safe, p)
		}
	}
	name := strings.Join(safe, "-")
	return strings.TrimRight(name[:min(len(name), maxDownloadName)], "-.") + "." + ext
}

// maxDownloadName bounds a download's name before its extension: file
// systems take 255 bytes, and a browser shows far fewer.
const maxDownloadName = 160

// unsafeFileChars are the characters a file name is kept free of.
var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// SendSelfCheckImage answers with the units' chart (SelfCheckImage) in
// format, "svg" or "png": not to be cached, and as an attachment (a
// download form's) or inline (the API's), named for what it shows.
func (s *Site) SendSelfCheckImage(c echo.Context, r *catalog.Release, in selfcheck.Input, format, disposition string) error {
	body, name, err := s.SelfCheckImage(r, in, format)
	if err != nil {
		return err
	}
	return sendOwnImage(c, body, name, format, disposition)
}

// sendOwnImage answers with an image drawn from a sender's own figures
// (a self-check's, a monitoring's), format "svg" or "png", named name:
// never cached, and sandboxed, as it holds what they sent.
func sendOwnImage(c echo.Context, body []byte, name, format, disposition string) error {
	contentType := "image/svg+xml"
	if format == "png" {
		contentType = "image/png"
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "no-store")
	h.Set(echo.HeaderContentDisposition, disposition+`; filename="`+name+`"`)
	h.Set("Content-Security-Policy", "default-src 'none'")
	return c.Blob(http.StatusOK, contentType, body)
}

// readExportForm reads an export form's units (readSelfCheckForm) and the
// release they are placed in.
func (s *Site) readExportForm(c echo.Context) (*catalog.Release, selfcheck.Input, error) {
	r, err := s.releaseOr404(c)
	if err != nil {
		return nil, selfcheck.Input{}, err
	}
	_, in, err := s.readSelfCheckForm(c)
	return r, in, err
}

// handleSelfCheckImage answers POST /self-check/funnel.svg and .png: the
// chart of the units a download form sends (one group's), to keep.
func (s *Site) handleSelfCheckImage(c echo.Context, format string) error {
	r, in, err := s.readExportForm(c)
	if err != nil {
		return err
	}
	return s.SendSelfCheckImage(c, r, in, format, "attachment")
}

// HandleSelfCheckSVG answers POST /self-check/funnel.svg: the self-check
// chart of one group, all its units on their funnel, as a file to keep,
// for a governance meeting.
func (s *Site) HandleSelfCheckSVG(c echo.Context) error {
	return s.handleSelfCheckImage(c, "svg")
}

// HandleSelfCheckPNG answers POST /self-check/funnel.png: the same chart
// as a PNG, for slides and documents that cannot show SVG.
func (s *Site) HandleSelfCheckPNG(c echo.Context) error {
	return s.handleSelfCheckImage(c, "png")
}

// HandleSelfCheckCSV answers POST /self-check/results.csv: the results
// table of the units the page's export form sends back, as CSV
// (selfCheckResultsCSV).
func (s *Site) HandleSelfCheckCSV(c echo.Context) error {
	r, in, err := s.readExportForm(c)
	if err != nil {
		return err
	}
	rows, _, errs := placeAll(r, in)
	if len(errs) > 0 {
		return selfcheck.Invalid(errs)
	}
	name := []string{"self-check-results", r.Meta.ID}
	if sp := oneSpecialty(rows); sp != "" {
		name = append(name, sp)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "no-store")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+
		DownloadName(append(name, s.now().UTC().Format("2006-01-02")), "csv")+`"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8; header=present", selfCheckResultsCSV(rows))
}

// oneSpecialty is the specialty every row shares, or "".
func oneSpecialty(rows []catalog.Row) string {
	if len(rows) == 0 {
		return ""
	}
	for _, u := range rows[1:] {
		if u.Specialty != rows[0].Specialty {
			return ""
		}
	}
	return rows[0].Specialty
}
