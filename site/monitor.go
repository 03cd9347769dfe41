package site

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"html/template"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/chart"
	"github.com/surgeon-outcomes/outcomes/csvcell"
	"github.com/surgeon-outcomes/outcomes/monitor"
	"github.com/surgeon-outcomes/outcomes/selfcheck"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// Running monitoring (/monitor): a hospital uploads its own operations,
// one row each, and sees the RA-CUSUM and VLAD charts of the whole
// hospital and of each surgeon. As with the self-check, nothing is kept:
// the page carries the operations in its export forms, and each export is
// a POST of them, charted again. The charts need no release: they compare
// the unit with its own risk model, not with the published funnel.

// maxMonitorDrawn bounds the charts drawn on one page: the whole hospital
// and the first surgeons; the rest are listed with their signals.
const maxMonitorDrawn = 12

// maxMonitorRows bounds the operations listed in a chart's table on the
// page; the CSV download lists every one.
const maxMonitorRows = 500

// monitorPage is the upload form and, after an upload, each chart.
type monitorPage struct {
	Errors   []formError
	Settings []monitorSetting
	Paste    string
	// Charts are the drawn charts, the whole hospital first; Undrawn the
	// surgeons not drawn.
	Charts  []monitorChart
	Undrawn []monitorChart
	// Operations counts the file's operations; BySurgeon says it named
	// surgeons.
	Operations int
	BySurgeon  bool
	// Upload is the operations as the file's columns, for the export
	// forms.
	Upload string
	Made   string
	// Limits says what the chosen limits mean, in words.
	Limits []string
}

// monitorSetting is one of the charts' settings in the form.
type monitorSetting struct {
	Name, Label, Hint, Value string
}

// monitorChart is one series on the page.
type monitorChart struct {
	Surgeon     string
	Title       string
	Summary     string
	SVG         template.HTML
	Signals     []monitorSignal
	Operations  []monitorRow
	MoreRows    int // operations not listed
	Count       int
	Deaths      int
	Expected    float64
	FinalVLAD   float64
	SignalCount int
}

// monitorSignal is one signal in a chart's table, numbered as on the
// chart.
type monitorSignal struct {
	Number      int
	Chart, Date string
	Operation   int
	Line        int
}

// monitorRow is one operation in a chart's table.
type monitorRow struct {
	Operation            int
	Date                 string
	Died                 bool
	Risk, Up, Down, VLAD string
	Signal               string
}

// monitorSettingWords are the settings' labels and hints, by parameter.
var monitorSettingWords = map[string][2]string{
	"h_deterioration": {"Limit for a signal of worse results (h)", "Default 4.5. Lower signals sooner, with more false alarms"},
	"h_improvement":   {"Limit for a signal of better results (h)", "Default 4. Lower signals sooner, with more false alarms"},
	"r_deterioration": {"Worse results to look for (odds ratio)", "Default 2: the odds of death doubled"},
	"r_improvement":   {"Better results to look for (odds ratio)", "Default 0.5: the odds of death halved"},
}

// chartWords name the charts in the page's words.
var chartWords = map[monitor.Chart]string{monitor.Deterioration: "Worse than predicted", monitor.Improvement: "Better than predicted"}

func monitorSettings(value func(string) string) []monitorSetting {
	var out []monitorSetting
	for _, s := range monitor.Settings {
		w := monitorSettingWords[s.Name]
		v := strings.TrimSpace(value(s.Name))
		if v == "" {
			v = strconv.FormatFloat(s.Default, 'g', -1, 64)
		}
		out = append(out, monitorSetting{Name: s.Name, Label: w[0], Hint: w[1], Value: v})
	}
	return out
}

// HandleMonitorPage answers GET /monitor: the upload form.
func (s *Site) HandleMonitorPage(c echo.Context) error {
	d := monitorPage{Settings: monitorSettings(func(string) string { return "" }),
		Limits: limitWords(stats.DefaultMonitor())}
	return s.render(c, http.StatusOK, "monitor", page{Title: "Running monitoring of your own results",
		Description: "Upload your own operations to see risk-adjusted CUSUM and VLAD charts. Nothing you upload is stored.", Data: &d})
}

// readMonitorForm reads the form's operations (an uploaded file, pasted
// text, or an export form's hidden copy) and its settings.
func readMonitorForm(c echo.Context) (monitor.Input, stats.Monitor, string, error) {
	m, err := monitor.ReadSettings(c.FormValue)
	if err != nil {
		return monitor.Input{}, m, "", err
	}
	paste := c.FormValue("paste")
	body := []byte(c.FormValue("operations"))
	if len(body) == 0 {
		body = []byte(paste)
	}
	if fh, err := c.FormFile("file"); err == nil && fh.Size > 0 {
		f, err := fh.Open()
		if err != nil {
			return monitor.Input{}, m, paste, err
		}
		defer f.Close()
		if body, err = io.ReadAll(f); err != nil {
			return monitor.Input{}, m, paste, err
		}
	}
	in, err := monitor.Read(body)
	return in, m, paste, err
}

// HandleMonitorForm answers POST /monitor: the charts of the uploaded
// operations. Nothing uploaded is stored or logged.
func (s *Site) HandleMonitorForm(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	in, m, paste, err := readMonitorForm(c)
	d := monitorPage{Settings: monitorSettings(c.FormValue), Paste: paste, Limits: limitWords(m)}
	p := page{Title: "Running monitoring of your own results", Data: &d}
	if err == nil {
		var series []monitor.Series
		if series, err = monitor.Run(in, m); err == nil {
			s.fillMonitorPage(&d, in, series, m)
			p.Title = "Your charts: running monitoring"
			return s.render(c, http.StatusOK, "monitor", p)
		}
	}
	se, ok := err.(*selfcheck.Error)
	if !ok {
		return err
	}
	d.Errors = monitorFormErrors(se.Errors)
	p.Title = "Error: " + p.Title
	return s.render(c, http.StatusBadRequest, "monitor", p)
}

// monitorFormErrors puts problems in the form's words: a setting's links
// to its field, a file's names its line and column.
func monitorFormErrors(errs []selfcheck.FieldError) []formError {
	var out []formError
	for _, e := range errs {
		fe := formError{Message: e.Message, Field: "file", Label: "Your operations"}
		if w, ok := monitorSettingWords[e.Param]; ok {
			fe.Field, fe.Label = e.Param, w[0]
		} else if e.Param != "body" {
			fe.Message = e.Param + ": " + e.Message
		}
		out = append(out, fe)
	}
	return out
}

func (s *Site) fillMonitorPage(d *monitorPage, in monitor.Input, series []monitor.Series, m stats.Monitor) {
	d.Operations, d.BySurgeon = len(in.Operations), in.BySurgeon
	d.Upload = string(uploadCSV(in))
	d.Made = madeWords(s.now())
	for k := range series {
		mc := newMonitorChart(&series[k], m)
		if k >= maxMonitorDrawn {
			d.Undrawn = append(d.Undrawn, mc)
			continue
		}
		cu := cusumChart(&series[k], m)
		cu.IDPrefix, cu.Compact = "cusum-"+strconv.Itoa(k), true // read on phones; the downloads are full size
		var b bytes.Buffer
		if err := chart.WriteSVG(&b, &cu, false); err != nil {
			panic("site: chart.WriteSVG to a buffer: " + err.Error()) // a bytes.Buffer does not fail
		}
		mc.SVG = template.HTML(b.String()) // chart.WriteSVG escapes every string it writes
		d.Charts = append(d.Charts, mc)
	}
}

func newMonitorChart(s *monitor.Series, m stats.Monitor) monitorChart {
	mc := monitorChart{Surgeon: s.Surgeon, Title: seriesTitle(s), Summary: seriesWords(s, m), Count: len(s.Operations),
		Deaths: s.Deaths, Expected: s.Expected, SignalCount: len(s.Signals)}
	if n := len(s.Points); n > 0 {
		mc.FinalVLAD = s.Points[n-1].VLAD
	}
	for k, sg := range s.Signals {
		mc.Signals = append(mc.Signals, monitorSignal{Number: k + 1, Chart: chartWords[sg.Chart], Date: sg.Date, Operation: sg.Operation, Line: sg.Line})
	}
	for i, op := range s.Operations[:min(len(s.Operations), maxMonitorRows)] {
		pt := s.Points[i]
		mc.Operations = append(mc.Operations, monitorRow{Operation: i + 1, Date: op.Date, Died: op.Died,
			Risk: strconv.FormatFloat(100*op.Risk, 'f', 1, 64) + "%", Up: fixed2(pt.Up), Down: fixed2(pt.Down),
			VLAD: fixed2(pt.VLAD), Signal: signalWords(pt)})
	}
	mc.MoreRows = len(s.Operations) - len(mc.Operations)
	return mc
}

func fixed2(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

// signalWords names the signals at a point, or "".
func signalWords(pt stats.MonitorPoint) string {
	var w []string
	if pt.UpSignal {
		w = append(w, chartWords[monitor.Deterioration])
	}
	if pt.DownSignal {
		w = append(w, chartWords[monitor.Improvement])
	}
	return strings.Join(w, "; ")
}

// seriesTitle names a series: the whole hospital, or a surgeon.
func seriesTitle(s *monitor.Series) string {
	if s.Surgeon == "" {
		return "All operations in the file"
	}
	return "Surgeon " + s.Surgeon
}

// seriesWords says a series' result in words: the chart's description,
// and the page's summary.
func seriesWords(s *monitor.Series, m stats.Monitor) string {
	n := len(s.Operations)
	if n == 0 {
		return "No operations."
	}
	var b strings.Builder
	b.WriteString(plural(n, "operation") + " from " + dateText(s.Operations[0].Date) + " to " + dateText(s.Operations[n-1].Date) +
		": " + plural(s.Deaths, "death") + ", against " + decimal(s.Expected) + " predicted by the risk model. ")
	v := s.Points[n-1].VLAD
	switch {
	case v >= 0.05:
		b.WriteString("The VLAD ends at " + decimal(v) + ": " + decimal(v) + " fewer deaths than predicted. ")
	case v <= -0.05:
		b.WriteString("The VLAD ends at " + decimal(v) + ": " + decimal(-v) + " more deaths than predicted. ")
	default:
		b.WriteString("The VLAD ends near 0: deaths as predicted. ")
	}
	for _, ch := range []monitor.Chart{monitor.Deterioration, monitor.Improvement} {
		var dates []string
		for _, sg := range s.Signals {
			if sg.Chart == ch {
				dates = append(dates, dateText(sg.Date))
			}
		}
		name := "The chart for worse results than predicted (odds of death ×" + strconv.FormatFloat(m.UpOdds, 'g', -1, 64) +
			", limit " + strconv.FormatFloat(m.UpLimit, 'g', -1, 64) + ")"
		if ch == monitor.Improvement {
			name = "The chart for better results than predicted (odds of death ×" + strconv.FormatFloat(m.DownOdds, 'g', -1, 64) +
				", limit −" + strconv.FormatFloat(m.DownLimit, 'g', -1, 64) + ")"
		}
		switch len(dates) {
		case 0:
			b.WriteString(name + " did not signal. ")
		case 1:
			b.WriteString(name + " signalled once, on " + dates[0] + ". ")
		default:
			b.WriteString(name + " signalled " + strconv.Itoa(len(dates)) + " times, on " + strings.Join(dates, ", ") + ". ")
		}
	}
	return strings.TrimSpace(b.String())
}

// limitWords says what the chosen limits and odds ratios mean.
func limitWords(m stats.Monitor) []string {
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	return []string{
		"The upper chart looks for the odds of death being " + g(m.UpOdds) + " times what your risk model predicts. " +
			"It signals when the evidence for that, against results as predicted, reaches h = " + g(m.UpLimit) +
			": a likelihood ratio of about " + thousands(int(math.Exp(m.UpLimit)+0.5)) + " to 1.",
		"The lower chart looks for the odds of death being " + g(m.DownOdds) + " times those predicted (fewer deaths), " +
			"and signals at −" + g(m.DownLimit) + ": a likelihood ratio of about " + thousands(int(math.Exp(m.DownLimit)+0.5)) + " to 1.",
	}
}

// cusumChart is a series' chart: its accessible name and description say
// the result in words (seriesWords), each signal is named by its date.
func cusumChart(s *monitor.Series, m stats.Monitor) chart.CUSUM {
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	cu := chart.CUSUM{Title: "Risk-adjusted CUSUM and VLAD: " + seriesTitle(s), Description: seriesWords(s, m),
		UpLimit: m.UpLimit, DownLimit: m.DownLimit,
		UpLabel:   "h = " + g(m.UpLimit) + ": signal of worse results (odds ×" + g(m.UpOdds) + ")",
		DownLabel: "−h = −" + g(m.DownLimit) + ": signal of better results (odds ×" + g(m.DownOdds) + ")"}
	n := len(s.Operations)
	cu.Dates = make([]string, n)
	cu.Up, cu.Down, cu.VLAD = make([]float64, n), make([]float64, n), make([]float64, n)
	for i, op := range s.Operations {
		cu.Dates[i] = op.Date
		cu.Up[i], cu.Down[i], cu.VLAD[i] = s.Points[i].Up, s.Points[i].Down, s.Points[i].VLAD
	}
	for _, sg := range s.Signals {
		cu.Signals = append(cu.Signals, chart.CUSUMSignal{Operation: sg.Operation, Up: sg.Chart == monitor.Deterioration,
			Label: chartWords[sg.Chart] + ": signal on " + dateText(sg.Date) + " (operation " + thousands(sg.Operation) + ")"})
	}
	return cu
}

// uploadCSV writes the operations back as the file's columns, for the
// page's export forms.
func uploadCSV(in monitor.Input) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	cols := monitor.Columns[:3]
	if in.BySurgeon {
		cols = monitor.Columns
	}
	w.Write(cols)
	for _, op := range in.Operations {
		rec := []string{op.Date, "0", strconv.FormatFloat(op.Risk, 'g', -1, 64)}
		if op.Died {
			rec[1] = "1"
		}
		if in.BySurgeon {
			rec = append(rec, op.Surgeon)
		}
		w.Write(rec)
	}
	w.Flush() // a bytes.Buffer does not fail
	return b.Bytes()
}

// monitorCSVColumns are the results CSV's columns: one row per operation
// of each series, the whole hospital's first.
var monitorCSVColumns = []string{"surgeon_id", "operation", "date", "died", "risk", "score_deterioration",
	"score_improvement", "cusum_deterioration", "cusum_improvement", "vlad", "signal"}

// MonitorCSV writes every series' running values, one row per operation:
// the whole hospital's rows (surgeon_id empty), then each surgeon's. The
// API's text/csv answer and the page's download are these bytes.
func MonitorCSV(series []monitor.Series) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(monitorCSVColumns)
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for k := range series {
		s := &series[k]
		for i, op := range s.Operations {
			pt := s.Points[i]
			died, signal := "0", ""
			if op.Died {
				died = "1"
			}
			switch {
			case pt.UpSignal && pt.DownSignal:
				signal = string(monitor.Deterioration) + ";" + string(monitor.Improvement)
			case pt.UpSignal:
				signal = string(monitor.Deterioration)
			case pt.DownSignal:
				signal = string(monitor.Improvement)
			}
			w.Write([]string{csvcell.Safe(s.Surgeon), strconv.Itoa(i + 1), op.Date, died, f(op.Risk), f(pt.UpScore),
				f(pt.DownScore), f(pt.Up), f(pt.Down), f(pt.VLAD), signal})
		}
	}
	w.Flush() // a bytes.Buffer does not fail
	return b.Bytes()
}

// pickSeries finds the series of surgeon ("" for the whole hospital).
func pickSeries(series []monitor.Series, surgeon string) (*monitor.Series, error) {
	for k := range series {
		if series[k].Surgeon == surgeon {
			return &series[k], nil
		}
	}
	msg := "no surgeon with that surgeon_id in the file"
	return nil, &selfcheck.Error{Detail: msg, Errors: []selfcheck.FieldError{{Param: "surgeon", Message: msg}}}
}

// MonitorImage draws one series (surgeon's, or the whole hospital's for
// "") as an image to keep, format "svg" or "png": a heading that says what
// it shows, and notes that say how it was made. It returns the image and
// a file name.
func (s *Site) MonitorImage(series []monitor.Series, m stats.Monitor, surgeon, format string) ([]byte, string, error) {
	sr, err := pickSeries(series, surgeon)
	if err != nil {
		return nil, "", err
	}
	made := s.now()
	cu := cusumChart(sr, m)
	cu.Heading = []string{"Running monitoring: " + seriesTitle(sr), cu.Description}
	cu.Notes = []string{"Risk-adjusted CUSUM (Steiner et al., Biostatistics 2000) and VLAD (Lovegrove et al., Lancet 1997) " +
		"against the risk model's predicted risks in the uploaded file. A signal is a prompt to look at these operations, not proof of a problem.",
		"Made " + madeWords(made) + " from an uploaded file; nothing uploaded was stored."}
	var b bytes.Buffer
	if format == "png" {
		err = chart.WritePNG(&b, &cu)
	} else {
		err = chart.WriteSVG(&b, &cu, true)
	}
	if err != nil {
		return nil, "", err
	}
	name := DownloadName([]string{"monitoring", cmp.Or(surgeon, "all"), made.UTC().Format(time.DateOnly)}, format)
	return b.Bytes(), name, nil
}

// SendMonitorImage answers with a series' chart (MonitorImage), not to be
// cached, as an attachment (the page's download) or inline (the API's).
func (s *Site) SendMonitorImage(c echo.Context, series []monitor.Series, m stats.Monitor, surgeon, format, disposition string) error {
	body, name, err := s.MonitorImage(series, m, surgeon, format)
	if err != nil {
		return err
	}
	return sendOwnImage(c, body, name, format, disposition)
}

// SendMonitorCSV answers with MonitorCSV, not to be cached.
func (s *Site) SendMonitorCSV(c echo.Context, series []monitor.Series, disposition string) error {
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "no-store")
	h.Set(echo.HeaderContentDisposition, disposition+`; filename="`+
		DownloadName([]string{"monitoring", s.now().UTC().Format(time.DateOnly)}, "csv")+`"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8; header=present", MonitorCSV(series))
}

// readMonitorExport reads an export form and charts its operations.
func readMonitorExport(c echo.Context) ([]monitor.Series, stats.Monitor, error) {
	in, m, _, err := readMonitorForm(c)
	if err != nil {
		return nil, m, err
	}
	series, err := monitor.Run(in, m)
	return series, m, err
}

// HandleMonitorSVG answers POST /monitor/chart.svg: one chart (the form's
// surgeon, or the whole hospital) to keep.
func (s *Site) HandleMonitorSVG(c echo.Context) error { return s.handleMonitorImage(c, "svg") }

// HandleMonitorPNG answers POST /monitor/chart.png: the same as a PNG.
func (s *Site) HandleMonitorPNG(c echo.Context) error { return s.handleMonitorImage(c, "png") }

func (s *Site) handleMonitorImage(c echo.Context, format string) error {
	series, m, err := readMonitorExport(c)
	if err != nil {
		return err
	}
	return s.SendMonitorImage(c, series, m, c.FormValue("surgeon"), format, "attachment")
}

// HandleMonitorCSV answers POST /monitor/results.csv: every operation's
// running values (MonitorCSV).
func (s *Site) HandleMonitorCSV(c echo.Context) error {
	series, _, err := readMonitorExport(c)
	if err != nil {
		return err
	}
	return s.SendMonitorCSV(c, series, "attachment")
}
