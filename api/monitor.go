package api

import (
	"io"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/monitor"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// monitorAnswer is the charts of one uploaded file.
type monitorAnswer struct {
	// The settings the charts were run with.
	Settings monitorSettings `json:"settings"`
	// The whole hospital's chart first (surgeon_id null), then each
	// surgeon's, in the order they first operate, each over their own
	// operations.
	Charts []monitorChart `json:"charts"`
}

// monitorSettings are the charts' odds ratios and limits.
type monitorSettings struct {
	// The odds ratio the deterioration chart looks for: the odds of death
	// multiplied by this.
	RDeterioration float64 `json:"r_deterioration" example:"2" extensions:"x-unit=ratio"`
	// The deterioration chart's limit h: it signals when its CUSUM
	// reaches this.
	HDeterioration float64 `json:"h_deterioration" example:"4.5" extensions:"x-unit=log-likelihood ratio"`
	// The odds ratio the improvement chart looks for, below 1.
	RImprovement float64 `json:"r_improvement" example:"0.5" extensions:"x-unit=ratio"`
	// The improvement chart's limit h: it signals when its CUSUM, drawn
	// below 0, reaches minus this.
	HImprovement float64 `json:"h_improvement" example:"4" extensions:"x-unit=log-likelihood ratio"`
}

// monitorChart is one series: the whole hospital's or one surgeon's.
type monitorChart struct {
	// The surgeon, or null for every operation in the file.
	SurgeonID *string `json:"surgeon_id" example:"S01" extensions:"x-nullable"`
	// Operations in this chart.
	Operations int `json:"operations" example:"412" extensions:"x-unit=operations"`
	// Deaths among them.
	Deaths int `json:"deaths" example:"11" extensions:"x-unit=events"`
	// Expected deaths: the sum of the operations' predicted risks.
	Expected float64 `json:"expected" example:"9.87" extensions:"x-unit=events"`
	// The deterioration chart's limit h, where it signals.
	UpperLimit float64 `json:"upper_limit" example:"4.5" extensions:"x-unit=log-likelihood ratio"`
	// The improvement chart's limit, minus its h, where it signals.
	LowerLimit float64 `json:"lower_limit" example:"-4" extensions:"x-unit=log-likelihood ratio"`
	// Every signal, in order.
	Signals []monitorSignal `json:"signals"`
	// One point per operation, in the file's order.
	Points []monitorPoint `json:"points"`
}

// monitorSignal is one chart reaching its limit.
type monitorSignal struct {
	// The date of the operation that made the chart signal, YYYY-MM-DD.
	Date string `json:"date" example:"2025-03-04"`
	// Which chart: deterioration (upper) or improvement (lower).
	Chart string `json:"chart" enums:"deterioration,improvement" example:"deterioration"`
	// The operation's number in this chart's series, counting from 1.
	Operation int `json:"operation" example:"57" extensions:"x-unit=operations"`
	// The operation's line in the file sent, the header being line 1.
	Line int `json:"line" example:"58" extensions:"x-unit=lines"`
}

// monitorPoint is the charts after one operation.
type monitorPoint struct {
	// The operation's date, YYYY-MM-DD.
	Date string `json:"date" example:"2025-03-04"`
	// Whether the patient died: 1 died, 0 survived.
	Died int `json:"died" example:"0"`
	// The risk model's predicted probability of death, from 0 to 1.
	Risk float64 `json:"risk" example:"0.023" extensions:"x-unit=probability (0 to 1)"`
	// The operation's score on the deterioration chart: the log of the
	// likelihood ratio of its outcome, the odds of death multiplied by
	// r_deterioration against as predicted (Steiner et al. 2000).
	ScoreDeterioration float64 `json:"score_deterioration" example:"-0.0227" extensions:"x-unit=log-likelihood ratio"`
	// The same score at r_improvement: above 0 for a survival, below 0
	// for a death.
	ScoreImprovement float64 `json:"score_improvement" example:"0.0116" extensions:"x-unit=log-likelihood ratio"`
	// The deterioration chart after this operation, 0 or more; at a
	// signal, the value that reached the limit (the next starts from 0).
	CUSUMDeterioration float64 `json:"cusum_deterioration" example:"1.73" extensions:"x-unit=log-likelihood ratio"`
	// The improvement chart after this operation, 0 or less, drawn
	// downwards; at a signal, the value that reached the limit.
	CUSUMImprovement float64 `json:"cusum_improvement" example:"-0.42" extensions:"x-unit=log-likelihood ratio"`
	// Predicted minus observed deaths so far (the VLAD): above 0, fewer
	// deaths than predicted.
	VLAD float64 `json:"vlad" example:"0.81" extensions:"x-unit=events"`
	// The charts that signalled at this operation, if any.
	Signals []string `json:"signals,omitempty" enums:"deterioration,improvement"`
}

// handleMonitor answers POST /api/v1/monitor.
//
//	@Summary		Running monitoring: RA-CUSUM and VLAD of your own operations
//	@Description	A hospital's own patient-level file, one row per operation in date order, charted as the risk-adjusted CUSUM of Steiner et al. (Biostatistics 2000) and the VLAD of Lovegrove et al. (Lancet 1997). Send CSV (Content-Type: text/csv) with the header date,died,risk and optionally surgeon_id: the date as YYYY-MM-DD, never earlier than the row before; died 0 or 1; risk the risk model's predicted probability of death, more than 0 and less than 1; at most 50,000 rows and 200 surgeons. With surgeon_id the answer has the whole file's chart and each surgeon's, over their own operations. The deterioration chart (odds ratio r_deterioration, default 2) is S = max(0, S + W) and signals at h_deterioration (default 4.5); the improvement chart (r_improvement, default 0.5) is S = min(0, S − W) and signals at −h_improvement (default 4); each starts again from 0 after a signal. A problem in the file names its line, column and field, as the self-check's do, up to 50 and then a count. With Accept: text/csv the answer is one row per operation of each chart with the running values; with Accept: image/svg+xml or image/png, one chart (the surgeon parameter's, or the whole file's) to keep. A signal is a prompt to look, not proof: it depends on the risk model's calibration. Nothing submitted is stored or logged.
//	@Tags			self-check
//	@Accept			text/csv
//	@Produce		json
//	@Produce		text/csv
//	@Produce		image/svg+xml
//	@Produce		image/png
//	@Param			operations		body		string	true	"the operations: CSV with the header date,died,risk[,surgeon_id]"
//	@Param			h_deterioration	query		number	false	"the deterioration chart's limit h, 0.5 to 10 (default 4.5)"
//	@Param			h_improvement	query		number	false	"the improvement chart's limit h, 0.5 to 10 (default 4; drawn at −h)"
//	@Param			r_deterioration	query		number	false	"the odds ratio the deterioration chart looks for, more than 1 and at most 4 (default 2)"
//	@Param			r_improvement	query		number	false	"the odds ratio the improvement chart looks for, at least 0.25 and less than 1 (default 0.5)"
//	@Param			surgeon			query		string	false	"for an image: the surgeon_id whose chart to draw (default: every operation in the file)"
//	@Success		200				{object}	object{data=monitorAnswer,links=links}
//	@Failure		400				{object}	problem	"a problem in the file (each naming its line, column and field) or a setting out of range"
//	@Failure		408				{object}	problem	"the body did not arrive within the server's read timeout"
//	@Failure		413				{object}	problem	"body over 1 MB"
//	@Failure		415				{object}	problem	"not CSV"
//	@Failure		503				{object}	problem	"the server is busy drawing others' charts: retry after Retry-After seconds"
//	@Router			/api/v1/monitor [post]
func (s *Server) handleMonitor(c echo.Context) error {
	req := c.Request()
	if mt, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType)); mt != "text/csv" {
		return &apiError{Status: http.StatusUnsupportedMediaType, Detail: "send the operations as text/csv"}
	}
	m, err := monitor.ReadSettings(c.QueryParam)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return err // the body limit's 413 passes through
	}
	in, err := monitor.Read(body)
	if err != nil {
		return err
	}
	series, err := monitor.Run(in, m)
	if err != nil {
		return err
	}
	switch preferredType(req.Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON, "text/csv", "image/svg+xml", "image/png") {
	case "text/csv":
		return s.site.SendMonitorCSV(c, series, "inline")
	case "image/svg+xml":
		return s.site.SendMonitorImage(c, series, m, c.QueryParam("surgeon"), "svg", "inline")
	case "image/png":
		return s.site.SendMonitorImage(c, series, m, c.QueryParam("surgeon"), "png", "inline")
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	b, err := jsonMarshal(struct {
		Data  monitorAnswer `json:"data"`
		Links links         `json:"links"`
	}{newMonitorAnswer(series, m), links{Self: req.URL.Path, Docs: "/api/docs/"}})
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}

func newMonitorAnswer(series []monitor.Series, m stats.Monitor) monitorAnswer {
	a := monitorAnswer{Settings: monitorSettings{RDeterioration: m.UpOdds, HDeterioration: m.UpLimit,
		RImprovement: m.DownOdds, HImprovement: m.DownLimit}}
	for k := range series {
		s := &series[k]
		ch := monitorChart{Operations: len(s.Operations), Deaths: s.Deaths, Expected: s.Expected,
			UpperLimit: m.UpLimit, LowerLimit: -m.DownLimit, Signals: []monitorSignal{},
			Points: make([]monitorPoint, len(s.Points))}
		if s.Surgeon != "" {
			ch.SurgeonID = &s.Surgeon
		}
		for _, sg := range s.Signals {
			ch.Signals = append(ch.Signals, monitorSignal{Date: sg.Date, Chart: string(sg.Chart), Operation: sg.Operation, Line: sg.Line})
		}
		for i, pt := range s.Points {
			op := s.Operations[i]
			p := &ch.Points[i]
			*p = monitorPoint{Date: op.Date, Risk: op.Risk, ScoreDeterioration: pt.UpScore, ScoreImprovement: pt.DownScore,
				CUSUMDeterioration: pt.Up, CUSUMImprovement: pt.Down, VLAD: pt.VLAD}
			if op.Died {
				p.Died = 1
			}
			if pt.UpSignal {
				p.Signals = append(p.Signals, string(monitor.Deterioration))
			}
			if pt.DownSignal {
				p.Signals = append(p.Signals, string(monitor.Improvement))
			}
		}
		a.Charts = append(a.Charts, ch)
	}
	return a
}
