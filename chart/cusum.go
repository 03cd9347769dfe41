package chart

import (
	"cmp"
	"math"
	"strconv"
)

// CUSUM is a unit's running monitoring of its own operations: above, the
// two risk-adjusted CUSUM charts (deterioration above 0 up to its limit h,
// improvement below 0 down to −h), each signal marked and named by its
// date; below, the VLAD (expected minus observed deaths so far). Both
// panels share the x axis, the operation's number in the series, with the
// dates of the ticks' operations under the lower panel.
type CUSUM struct {
	// Title and Description are the chart's accessible name and text
	// alternative: the description should say the result in words.
	Title, Description string
	// IDPrefix starts every id in the SVG; empty derives one from Title
	// and Description.
	IDPrefix string
	// Dates are the operations' dates, YYYY-MM-DD, one per operation.
	Dates []string
	// Up (≥ 0) and Down (≤ 0) are the two charts after each operation;
	// VLAD the running expected minus observed deaths.
	Up, Down, VLAD []float64
	// UpLimit and DownLimit are the limits h (both > 0): the upper chart
	// signals at UpLimit, the lower at −DownLimit.
	UpLimit, DownLimit float64
	// UpLabel and DownLabel name the limit lines ("h = 4.5: odds of death
	// doubled").
	UpLabel, DownLabel string
	// Signals are the crossings, marked on the charts and labelled with
	// their dates (Compact: their numbers, counting from 1 in this order,
	// for a table beside the chart to give the dates).
	Signals []CUSUMSignal
	// Heading and Notes are visible text above and below the panels, for
	// a chart that stands alone (as Funnel's).
	Heading, Notes []string
	// Compact is for pages read on phones: 360 units wide, so its 12-unit
	// text is not scaled under 12 px on a 390 px phone, the limits named
	// above their lines rather than beside them.
	Compact bool
}

// CUSUMSignal is a chart crossing its limit at an operation.
type CUSUMSignal struct {
	// Operation counts from 1.
	Operation int
	// Up says the deterioration chart signalled; otherwise the
	// improvement chart.
	Up bool
	// Label names it, for a reader and the tooltip ("Deterioration
	// signal on 2025-03-04, operation 57").
	Label string
}

// The CUSUM chart's layout, in user units: full size, and Compact.
const (
	cusumWidth        = 720.0
	cusumLeft         = 64.0
	cusumRight        = 560.0 // the limits' labels sit to the right
	cusumCompactWidth = 360.0
	cusumCompactLeft  = 40.0
	cusumCompactRight = 348.0
	cusumPanel        = 230.0 // the CUSUM panel's height
	cusumVLAD         = 150.0 // the VLAD panel's height
	cusumGap          = 62.0  // between the panels: the first's ticks and the second's title
	cusumFont         = 13.0
	cusumTick         = 12.0
	cusumLabeled      = 12 // signals named on the chart; more are marked only
)

// cusumLayout places the panels.
type cusumLayout struct {
	n              int
	w              float64 // the drawing's width
	compact        bool
	font           float64
	x0, x1         float64
	top, mid, bot  float64 // the CUSUM panel's top, its zero line, its bottom
	vTop, vBot     float64 // the VLAD panel's
	yLo, yHi       float64 // the CUSUM panel's range
	vLo, vHi       float64
	heading, notes []textLine
	h              float64
}

func (l *cusumLayout) px(i float64) float64 {
	if l.n <= 1 {
		return (l.x0 + l.x1) / 2
	}
	return l.x0 + (i-1)/float64(l.n-1)*(l.x1-l.x0)
}
func (l *cusumLayout) py(v float64) float64 {
	return l.bot - (v-l.yLo)/(l.yHi-l.yLo)*(l.bot-l.top)
}
func (l *cusumLayout) pv(v float64) float64 {
	return l.vBot - (v-l.vLo)/(l.vHi-l.vLo)*(l.vBot-l.vTop)
}

func (cu *CUSUM) layout() *cusumLayout {
	l := &cusumLayout{n: len(cu.Dates), w: cusumWidth, x0: cusumLeft, x1: cusumRight, font: cusumFont}
	if cu.Compact {
		l.w, l.x0, l.x1, l.font, l.compact = cusumCompactWidth, cusumCompactLeft, cusumCompactRight, cusumTick, true
	}
	top := 0.0
	for i, s := range cu.Heading {
		size := l.font
		if i == 0 {
			size += 3
		}
		for _, t := range wrapText(s, size, l.w-16) {
			top += size * 1.35
			l.heading = append(l.heading, textLine{text: t, y: top, size: size, bold: i == 0})
		}
	}
	if top > 0 {
		top += 8
	}
	l.top = top + 28 // the panel's title
	l.bot = l.top + cusumPanel
	l.yHi, l.yLo = cu.UpLimit, -cu.DownLimit
	for i := range cu.Up {
		l.yHi = max(l.yHi, cu.Up[i])
		l.yLo = min(l.yLo, cu.Down[i])
	}
	pad := 0.08 * (l.yHi - l.yLo)
	l.yHi, l.yLo = l.yHi+pad, l.yLo-pad
	l.mid = l.py(0)
	l.vTop = l.bot + cusumGap
	l.vBot = l.vTop + cusumVLAD
	for _, v := range cu.VLAD {
		l.vLo, l.vHi = min(l.vLo, v), max(l.vHi, v)
	}
	if l.vHi-l.vLo < 2 { // a flat line sits in a panel two deaths high
		mid := (l.vHi + l.vLo) / 2
		l.vLo, l.vHi = min(mid-1, 0), max(mid+1, 0)
	}
	step := niceStep((l.vHi - l.vLo) / 4)
	l.vLo, l.vHi = math.Floor(l.vLo/step)*step, math.Ceil(l.vHi/step)*step
	l.h = l.vBot + 2*cusumTick + 24
	noteY := l.h
	for _, s := range cu.Notes {
		for _, t := range wrapText(s, cusumTick, l.w-16) {
			noteY += cusumTick * 1.35
			l.notes = append(l.notes, textLine{text: t, y: noteY, size: cusumTick})
		}
	}
	if len(l.notes) > 0 {
		l.h = noteY + 10
	}
	return l
}

// xTicks are operation numbers at a nice step, from 1 to the last.
func (l *cusumLayout) xTicks() []float64 {
	if l.n <= 1 {
		return []float64{1}
	}
	step := max(1, niceStep(float64(l.n)/6))
	if l.compact {
		step = max(1, niceStep(float64(l.n)/3))
	}
	ticks := []float64{1}
	for v := step; v <= float64(l.n); v += step {
		if l.px(v)-l.px(ticks[len(ticks)-1]) >= 70 {
			ticks = append(ticks, v)
		}
	}
	return ticks
}

// Draw draws the chart. The drawing is the same for the same chart.
func (cu *CUSUM) Draw(c Canvas) {
	l := cu.layout()
	id := cmp.Or(cu.IDPrefix, derivedID("cusum", cu.Title, cu.Description))
	c.Begin(Document{Width: l.w, Height: l.h, IDPrefix: id, Class: "cusum", Role: "group",
		Title: cmp.Or(cu.Title, "Risk-adjusted CUSUM and VLAD"), Description: cu.Description,
		FontFamily: fontStack, FontSize: l.font, Background: white, SizeHint: 8192 + 3*40*min(len(cu.Dates), 4*int(l.x1-l.x0))})
	var p Path
	ticks := l.xTicks()

	// The CUSUM panel: grid, limits, the two charts, the signals.
	c.BeginGroup(Group{Class: "axes", Hidden: true, Text: TextStyle{Fill: muted}})
	step := niceStep((l.yHi - l.yLo) / 6)
	for v := math.Ceil(l.yLo/step) * step; v <= l.yHi; v += step {
		c.Line(l.x0-5, l.py(v), l.x0, l.py(v), Style{Stroke: muted})
		c.Text(l.x0-8, l.py(v)+cusumTick*0.35, strconv.FormatFloat(v, 'f', -1, 64), TextStyle{Size: cusumTick, Anchor: AnchorEnd})
	}
	cu.xAxis(c, l, ticks, l.bot, false)
	c.Line(l.x0, l.top, l.x0, l.bot, Style{Stroke: muted})
	c.EndGroup()
	c.Text(8, l.top-10, "Risk-adjusted CUSUM", TextStyle{Bold: true, Fill: ink})
	c.Line(l.x0, l.mid, l.x1, l.mid, Style{Class: "zero", Stroke: muted})
	limit := Style{Class: "limit", Stroke: ink, Width: 1.5, Dash: []float64{6, 4}}
	c.Line(l.x0, l.py(cu.UpLimit), l.x1, l.py(cu.UpLimit), limit)
	c.Line(l.x0, l.py(-cu.DownLimit), l.x1, l.py(-cu.DownLimit), limit)
	c.BeginGroup(Group{Class: "limit-labels", Text: TextStyle{Fill: ink, Size: cusumTick}})
	for _, t := range []struct {
		y    float64
		text string
	}{{l.py(cu.UpLimit), cu.UpLabel}, {l.py(-cu.DownLimit), cu.DownLabel}} {
		if l.compact { // above the line, inside the plot, at its right
			c.Text(l.x1, t.y-4, t.text, TextStyle{Anchor: AnchorEnd, Halo: white, HaloWidth: 3})
			continue
		}
		for k, ln := range wrapText(t.text, cusumTick, l.w-l.x1-12) {
			c.Text(l.x1+6, t.y+cusumTick*0.35+float64(k)*cusumTick*1.2, ln, TextStyle{})
		}
	}
	c.EndGroup()
	cu.series(c, &p, l, cu.Up, l.py, Style{Class: "cusum-up", Stroke: high, Width: 1.5, Fill: None})
	cu.series(c, &p, l, cu.Down, l.py, Style{Class: "cusum-down", Stroke: low, Width: 1.5, Fill: None})
	for k, s := range cu.Signals {
		if s.Operation < 1 || s.Operation > len(cu.Up) {
			continue
		}
		x, v, colour := l.px(float64(s.Operation)), cu.Up[s.Operation-1], high
		if !s.Up {
			v, colour = cu.Down[s.Operation-1], low
		}
		y := l.py(v)
		c.BeginGroup(Group{Class: "signal", Focusable: true, Title: s.Label,
			Data: []Attr{{"operation", strconv.Itoa(s.Operation)}}})
		c.Line(x, l.top, x, l.bot, Style{Stroke: colour, Width: 1, Dash: []float64{2, 3}})
		c.Circle(x, y, 5, Style{Fill: colour, Stroke: white, Width: 1.5})
		if len(cu.Signals) <= cusumLabeled {
			ty, anchor := l.top+cusumTick+2+float64(k%3)*(cusumTick+2), AnchorStart
			if !s.Up {
				ty = l.bot - 4 - float64(k%3)*(cusumTick+2)
			}
			tx := x + 4
			if x > l.x1-80 {
				tx, anchor = x-4, AnchorEnd
			}
			text := cu.Dates[s.Operation-1]
			if l.compact { // too narrow for dates: the signal's number, as the page's table numbers it
				text, ty = strconv.Itoa(k+1), y-8
				if !s.Up {
					ty = y + 16
				}
			}
			c.Text(tx, ty, text, TextStyle{Size: cusumTick, Anchor: anchor, Fill: colour, Halo: white, HaloWidth: 3})
		}
		c.EndGroup()
	}

	// The VLAD panel.
	c.BeginGroup(Group{Class: "axes", Hidden: true, Text: TextStyle{Fill: muted}})
	vstep := niceStep((l.vHi - l.vLo) / 4)
	for v := l.vLo; v <= l.vHi+vstep/2; v += vstep {
		c.Line(l.x0-5, l.pv(v), l.x0, l.pv(v), Style{Stroke: muted})
		c.Text(l.x0-8, l.pv(v)+cusumTick*0.35, strconv.FormatFloat(v, 'f', -1, 64), TextStyle{Size: cusumTick, Anchor: AnchorEnd})
	}
	cu.xAxis(c, l, ticks, l.vBot, true)
	c.Line(l.x0, l.vTop, l.x0, l.vBot, Style{Stroke: muted})
	c.EndGroup()
	vladTitle := "VLAD: statistical lives saved (expected minus observed deaths)"
	if l.compact {
		vladTitle = "VLAD: expected minus observed deaths"
	}
	c.Text(8, l.vTop-10, vladTitle, TextStyle{Bold: true, Fill: ink})
	c.Line(l.x0, l.pv(0), l.x1, l.pv(0), Style{Class: "zero", Stroke: muted})
	cu.series(c, &p, l, cu.VLAD, l.pv, Style{Class: "vlad", Stroke: line998, Width: 1.5, Fill: None})
	c.BeginGroup(Group{Class: "axis-titles", Text: TextStyle{Fill: ink, Size: cusumTick}})
	axis := "Operation number (date of that operation below it)"
	if l.compact {
		axis = "Operation number, and its date"
	}
	c.Text((l.x0+l.x1)/2, l.vBot+2*cusumTick+22, axis, TextStyle{Anchor: AnchorMiddle})
	c.EndGroup()

	drawChartText(c, l.heading, l.notes)
}

// xAxis draws the x axis at y: ticks at operation numbers, with the
// operation's date under each when dates is set.
func (cu *CUSUM) xAxis(c Canvas, l *cusumLayout, ticks []float64, y float64, dates bool) {
	c.Line(l.x0, y, l.x1, y, Style{Stroke: muted})
	for _, v := range ticks {
		x := l.px(v)
		c.Line(x, y, x, y+5, Style{Stroke: muted})
		c.Text(x, y+5+cusumTick+1, formatCount(v), TextStyle{Size: cusumTick, Anchor: AnchorMiddle})
		if i := int(v) - 1; dates && i >= 0 && i < len(cu.Dates) {
			c.Text(x, y+5+2*cusumTick+4, cu.Dates[i], TextStyle{Size: cusumTick - 1, Anchor: AnchorMiddle})
		}
	}
}

// series draws one value per operation as a line. Past a few points to
// a unit of width it keeps, for each column of the plot, the first, the
// lowest, the highest and the last point, so a long series draws as it
// would in full at a size that does not grow with it.
func (cu *CUSUM) series(c Canvas, p *Path, l *cusumLayout, vs []float64, py func(float64) float64, s Style) {
	p.Reset()
	if len(vs) == 0 {
		return
	}
	const perUnit = 2 // columns to a unit of width
	if len(vs) <= 4*int(l.x1-l.x0)*perUnit {
		for i, v := range vs {
			if i == 0 {
				p.MoveTo(l.px(1), py(v))
				continue
			}
			p.LineTo(l.px(float64(i+1)), py(v))
		}
		c.Path(p, s)
		return
	}
	col := func(i int) int { return int((l.px(float64(i+1)) - l.x0) * perUnit) }
	first := true
	for i := 0; i < len(vs); {
		j, lo, hi := i, i, i
		for j < len(vs) && col(j) == col(i) {
			if vs[j] < vs[lo] {
				lo = j
			}
			if vs[j] > vs[hi] {
				hi = j
			}
			j++
		}
		for _, k := range []int{i, min(lo, hi), max(lo, hi), j - 1} {
			if first {
				p.MoveTo(l.px(float64(k+1)), py(vs[k]))
				first = false
				continue
			}
			p.LineTo(l.px(float64(k+1)), py(vs[k]))
		}
		i = j
	}
	c.Path(p, s)
}
