package api

import (
	"html/template"
	"math"
	"strconv"
	"strings"
)

// barRow is one interval on a page's shared scale.
type barRow struct {
	Label string
	Row   unitRow
}

// intervalChart draws risk-adjusted survival and its 95% interval for each
// row as a horizontal bar, with the expected (target) survival marked, on
// one scale from lo to 100%: intervals on a page can be compared by eye.
// It is an SVG drawn here because the strict CSP forbids inline styles.
func intervalChart(rows []barRow, lo float64) template.HTML {
	const width, left, right, rowH, top = 640.0, 250.0, 620.0, 34.0, 24.0
	lo = math.Max(0, math.Floor(lo*100-0.5)/100) // a whole percent below the lowest
	if lo >= 0.999 {
		lo = 0.99
	}
	x := func(v float64) float64 { return left + (right-left)*(v-lo)/(1-lo) }
	height := top + rowH*float64(len(rows)) + 8
	var b strings.Builder
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	b.WriteString(`<svg class="interval-chart" viewBox="0 0 ` + f(width) + " " + f(height) +
		`" width="100%" role="img" aria-label="Risk-adjusted survival with 95% intervals; the expected survival is marked with a diamond" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="13">`)
	// Scale: ticks at sensible percentages.
	step := 0.01
	for (1-lo)/step > 6 {
		step *= 2
	}
	for v := 1.0; v >= lo-1e-9; v -= step {
		b.WriteString(`<line x1="` + f(x(v)) + `" x2="` + f(x(v)) + `" y1="` + f(top-6) + `" y2="` + f(height-8) +
			`" stroke="#d0d7de" stroke-width="1"/>`)
		b.WriteString(`<text x="` + f(x(v)) + `" y="14" text-anchor="middle" fill="#3d4752">` +
			strconv.FormatFloat(v*100, 'f', -1, 64) + `%</text>`)
	}
	for i, r := range rows {
		y := top + rowH*float64(i) + rowH/2
		label := template.HTMLEscapeString(r.Label)
		b.WriteString(`<text x="0" y="` + f(y+4) + `" fill="#1b1f24">` + label + `</text>`)
		u := r.Row
		if u.Band == "too_few" || !u.Survival.defined() {
			b.WriteString(`<text x="` + f(left) + `" y="` + f(y+4) + `" fill="#3d4752">too few operations to tell</text>`)
			continue
		}
		l, h := float64(u.SurvivalLow), float64(u.SurvivalHigh)
		if u.SurvivalLow.defined() && u.SurvivalHigh.defined() {
			b.WriteString(`<line x1="` + f(x(math.Max(l, lo))) + `" x2="` + f(x(h)) + `" y1="` + f(y) + `" y2="` + f(y) +
				`" stroke="#1f5f99" stroke-width="6" stroke-linecap="round"/>`)
		}
		b.WriteString(`<circle cx="` + f(x(math.Max(float64(u.Survival), lo))) + `" cy="` + f(y) +
			`" r="6" fill="#0b2e4f" stroke="#ffffff" stroke-width="2"/>`)
		if u.Target.defined() {
			t := 1 - float64(u.Target)
			b.WriteString(`<path d="M` + f(x(t)) + " " + f(y-9) + "l6 9-6 9-6-9z" +
				`" fill="#ffffff" stroke="#1b1f24" stroke-width="2"/>`)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every string written is escaped above
}
