package site

import (
	"bytes"
	"html/template"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/chart"
)

// barRow is one interval on a page's shared scale.
type barRow struct {
	Label string
	Row   catalog.Row
}

// intervalChart draws risk-adjusted survival and its 95% interval for each
// row as a horizontal bar, with the expected survival marked, on one
// scale from lo to 100% (chart.Bars), as SVG for inlining in the page.
func intervalChart(rows []barRow, lo float64) template.HTML {
	bs := chart.Bars{Low: lo, Rows: make([]chart.Bar, len(rows))}
	for i, r := range rows {
		u := &r.Row
		bs.Rows[i] = chart.Bar{Label: r.Label, Band: u.Band, Survival: u.Survival, Low: u.SurvivalLow,
			High: u.SurvivalHigh, Expected: 1 - u.Target}
	}
	var b bytes.Buffer
	if err := chart.WriteSVG(&b, &bs, false); err != nil {
		panic("site: chart.WriteSVG to a buffer: " + err.Error()) // a bytes.Buffer does not fail
	}
	// chart.WriteSVG escapes every string it writes.
	return template.HTML(b.String())
}
