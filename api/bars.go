package api

import (
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// barRow is one interval on a page's shared scale.
type barRow struct {
	Label string
	Row   unitRow
}

// intervalChart draws risk-adjusted survival and its 95% interval for each
// row as a horizontal bar, with the expected (target) survival marked, on
// one scale from lo to 100%: intervals on a page can be compared by eye.
// Each row's label sits above its bar and the drawing is 360 units wide, so
// its text stays readable on a 390 px phone. It is an SVG drawn here
// because the strict CSP forbids inline styles; every string is escaped.
func intervalChart(rows []barRow, lo float64) template.HTML {
	const width, left, right, top, rowH, font = 360.0, 12.0, 340.0, 30.0, 48.0, 14.0
	lo = math.Max(0, math.Floor(lo*100-0.5)/100) // a whole percent below the lowest
	if lo >= 0.99 {
		lo = 0.98
	}
	x := func(v float64) float64 { return left + (right-left)*(v-lo)/(1-lo) }
	height := top + rowH*float64(len(rows)) + 4
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	var b strings.Builder
	b.WriteString(`<svg class="interval-chart" viewBox="0 0 ` + f(width) + " " + f(height) +
		`" width="100%" role="img" aria-label="Risk-adjusted survival with 95% intervals; the diamond marks expected survival" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="` +
		f(font) + `">`)
	// Ticks at whole percentages, at most five, counted (not summed) so
	// they print exactly.
	span := (1 - lo) * 100
	step := 1.0
	for _, s := range []float64{1, 2, 5, 10, 20, 25, 50} {
		step = s
		if span/s <= 4 {
			break
		}
	}
	for i := 0; ; i++ {
		v := 100 - float64(i)*step
		if v < lo*100-1e-9 {
			break
		}
		px := x(v / 100)
		b.WriteString(`<line x1="` + f(px) + `" x2="` + f(px) + `" y1="` + f(top-8) + `" y2="` + f(height-4) +
			`" stroke="#d0d7de" stroke-width="1"/>`)
		anchor := "middle" // the end ticks keep their labels inside the drawing
		switch {
		case i == 0:
			anchor = "end"
		case px < left+20:
			anchor = "start"
		}
		b.WriteString(`<text x="` + f(px) + `" y="16" text-anchor="` + anchor + `" fill="#3d4752">` +
			strconv.FormatFloat(v, 'f', -1, 64) + `%</text>`)
	}
	for i, r := range rows {
		y0 := top + rowH*float64(i)
		y := y0 + 30
		b.WriteString(`<text x="` + f(left) + `" y="` + f(y0+14) + `" fill="#1b1f24">` +
			template.HTMLEscapeString(r.Label) + `</text>`)
		u := r.Row
		if !outcome.Assessed(u.Band) || !u.Survival.defined() {
			b.WriteString(`<text x="` + f(left) + `" y="` + f(y+5) + `" fill="#3d4752">too few deaths expected to compare</text>`)
			continue
		}
		if u.SurvivalLow.defined() && u.SurvivalHigh.defined() {
			b.WriteString(`<line x1="` + f(x(math.Max(float64(u.SurvivalLow), lo))) + `" x2="` + f(x(float64(u.SurvivalHigh))) +
				`" y1="` + f(y) + `" y2="` + f(y) + `" stroke="#1f5f99" stroke-width="6" stroke-linecap="round"/>`)
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
	return template.HTML(b.String())
}
