package site

import (
	"bytes"
	"html/template"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/chart"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// barRow is one interval on a page's shared scale.
type barRow struct {
	Label string
	Row   catalog.Row
}

// intervalChart draws risk-adjusted survival and its interval for each
// row as a horizontal bar, with the national average it is compared with
// as a line, on one scale from lo to 100% (chart.Bars), as SVG for
// inlining in the page. A row that cannot be judged gets its counts and
// the reason instead of a dot (unjudgedNote). The "barskey" template is
// its caption.
func intervalChart(rows []barRow, lo float64) template.HTML {
	bs := chart.Bars{Low: lo, Rows: make([]chart.Bar, len(rows))}
	for i, r := range rows {
		u := &r.Row
		bs.Rows[i] = chart.Bar{Label: r.Label, Band: u.Band, Survival: u.Survival, Low: u.SurvivalLow,
			High: u.SurvivalHigh, Average: 1 - u.Target, Note: unjudgedNote(u)}
	}
	var b bytes.Buffer
	if err := chart.WriteSVG(&b, &bs, false); err != nil {
		panic("site: chart.WriteSVG to a buffer: " + err.Error()) // a bytes.Buffer does not fail
	}
	// chart.WriteSVG escapes every string it writes.
	return template.HTML(b.String())
}

// unjudgedNote is what an interval chart says in place of a unit that
// cannot be judged: the band's short words and the counts, short enough
// for one line of the chart on a phone ("Too few to tell: 21 operations,
// 4 deaths"). Empty for a unit that is judged.
func unjudgedNote(u *catalog.Row) string {
	if outcome.Assessed(u.Band) {
		return ""
	}
	w, _ := outcome.Words(u.Band)
	if !u.HasEvents() {
		return w.LegendShort + ": the publisher's figures only"
	}
	return w.LegendShort + ": " + plural(u.Cases, "operation") + ", " + plural(u.Events, "death")
}
