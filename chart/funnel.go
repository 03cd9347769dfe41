package chart

import (
	"cmp"
	"hash/fnv"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// Funnel is a funnel plot on the survival scale: each unit a point placed
// by its operations (across) and survival (up), with the expected
// survival and the 95% and 99.8% limits drawn as lines that narrow as the
// number of operations grows.
type Funnel struct {
	// Title and Description are the chart's accessible name and text
	// alternative (the SVG's <title> and <desc>); an empty Title is
	// "Funnel plot".
	Title, Description string
	// XLabel and YLabel are the axis titles, e.g. "Risk-adjusted
	// operations" and "Risk-adjusted survival"; empty ones are
	// "Operations" and "Survival".
	XLabel, YLabel string
	// TargetSurvival is 1 − p0, where the horizontal target line is drawn
	// (none when NaN); TargetLabel names it, "Average" when empty.
	TargetSurvival float64
	TargetLabel    string
	// Curve is the limit lines, ascending in X.
	Curve []Curve
	// Adjusted, when not empty, is drawn as dashed overdispersion-adjusted
	// limit lines.
	Adjusted []Curve
	// Points are drawn, and reached by Tab, in the order given: give them
	// in an order a reader can predict (A–Z by name, say).
	Points []Point
	// Width and Height are the size in user units; 0 means 720×480
	// (Compact: 320×340).
	Width, Height int
	// Compact is for pages read on phones, and small multiples: fewer
	// ticks, every text 12 units, no labels in the plot except highlighted
	// names. Its default 320-unit width is no wider than a 390 px phone
	// shows it, so the text is never scaled under 12 px there.
	Compact bool
	// HideLegend leaves out the key to shapes and lines, for small
	// multiples that share one legend on the page.
	HideLegend bool
	// HideLabels draws highlighted points without their names, for more
	// highlighted points than names can be told apart (and than placing
	// them, each against all the others, is worth): each point keeps its
	// name in its summary.
	HideLabels bool
	// Units is the units' noun in the plural ("surgeons"), for the words
	// of a dense funnel (DenseAbove); empty is "units".
	Units string
	// IDPrefix starts every id in the SVG (title, desc, clip path, marks),
	// so several charts can share a page; empty derives one from a hash
	// of Title and Description.
	IDPrefix string
	// Heading and Notes are visible text above and below the plot, for a
	// chart that must stand alone, printed or passed round without the
	// page that made it: Heading's lines (the first bold) say what it
	// shows, Notes' lines where it came from. Long lines are wrapped to
	// the chart's width, and the drawing grows to hold them when its
	// Height is the default.
	Heading, Notes []string
}

// targetLabel is the target line's name.
func (f *Funnel) targetLabel() string { return cmp.Or(f.TargetLabel, "Average") }

// Curve is the limits at one X, on the survival scale: Low998 and Low95
// are the lower survival lines (more deaths than expected beyond them),
// High95 and High998 the upper ones. NaN where undefined.
type Curve struct{ X, Low998, Low95, High95, High998 float64 }

// Point is one unit's point.
type Point struct {
	UnitID, Name string
	// Href is the unit's page; empty draws a point that takes the focus
	// but is not a link.
	Href string
	// X and Survival place the point; a NaN in either leaves it out.
	X, Survival float64
	// Band is the unit's band, which gives the point's mark.
	Band outcome.Band
	// Summary is one plain sentence, the point's accessible name and
	// tooltip.
	Summary string
	// Highlight draws the point larger, with its name, and the others
	// grey.
	Highlight bool
}

// Colours. Every mark a reader needs has at least 3:1 contrast against
// white and against both band fills (WCAG 1.4.11); text has at least 4.5:1
// against white (1.4.3). Ratios against #fff / #dbe9f6 / #b3d3ee:
//
//	ink      #1a1a1a 17.4 / 14.1 / 11.2  text, target line, outlines
//	muted    #595959  7.0 /  5.7 /  4.5  ticks, axes
//	line998  #1f4e79  8.7 /  7.0 /  5.6  99.8% lines
//	line95   #2f6ea8  5.4 /  4.3 /  3.4  95% lines
//	within   #2d3e50 11.0 /  8.9 /  7.0  within: filled circle
//	high     #9a3412  7.3 /  5.9 /  4.7  more deaths: downward triangles
//	low      #4b2991 10.4 /  8.4 /  6.7  fewer deaths: upward triangles
//	tooFew   #5f5f5f  6.4 /  5.2 /  4.1  too few: small hollow circle
//	grey     #6b6b6b  5.3 /  4.3 /  3.4  others, when some are highlighted
//
// The band fills themselves (#dbe9f6, #b3d3ee: 1.3:1 and 1.6:1 against
// white) are not relied on: the lines bounding them are labelled.
const (
	ink       Colour = "#1a1a1a"
	muted     Colour = "#595959"
	line998   Colour = "#1f4e79"
	line95    Colour = "#2f6ea8"
	fill998   Colour = "#dbe9f6"
	fill95    Colour = "#b3d3ee"
	within    Colour = "#2d3e50"
	high      Colour = "#9a3412"
	low       Colour = "#4b2991"
	tooFew    Colour = "#5f5f5f"
	grey      Colour = "#6b6b6b"
	white     Colour = "#ffffff"
	fontStack        = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"
)

// adjustedDash is the dashes of the overdispersion-adjusted lines.
var adjustedDash = []float64{6, 4}

// Draw draws the funnel. The drawing is the same for the same funnel.
//
// Every point is a group with the unit's id (data-unit-id), classes
// "point band-<band>" (and "highlight"), and its summary as accessible
// name and tooltip: a link to Href, or focusable without one.
func (f *Funnel) Draw(c Canvas) {
	l := f.layout()
	id := cmp.Or(f.IDPrefix, derivedID("funnel", f.Title, f.Description))
	// A dense funnel (DenseAbove) says how each point is drawn, and draws
	// its lines through fewer points.
	var draws []denseDraw
	desc, curve := f.Description, f.Curve
	if l.dense {
		draws = f.denseDraws()
		curve = thinCurve(l, curve)
		if t := f.ShadedText(); t != "" && desc != "" {
			desc += " " + t
		} else if t != "" {
			desc = t
		}
	}
	size := 8192 + 100*len(f.Curve) + 50*len(f.Adjusted)
	for i := range f.Points {
		switch {
		case draws == nil || draws[i] == drawLinked:
			size += 300 + len(f.Points[i].Href) + len(f.Points[i].UnitID) + 3*len(f.Points[i].Summary)
		case draws[i] == drawBare:
			size += 60
		}
	}
	c.Begin(Document{Width: l.w, Height: l.h, IDPrefix: id, Class: "funnel", Role: "group",
		Title: cmp.Or(f.Title, "Funnel plot"), Description: desc, FontFamily: fontStack,
		FontSize: l.font, Background: white, SizeHint: size})
	c.Clip("plot", l.x0, l.y0-l.size*1.6, l.x1-l.x0, l.y1-l.y0+l.size*1.6)
	// One path, reused: the longest is a band region, two commands for
	// each point of its curve.
	p := Path{ops: make([]pathOp, 0, 2*max(len(f.Curve), len(f.Adjusted), len(l.xTicks)+len(l.yTicks))+2)}

	// Shaded bands: the 99.8% region, then the 95% region on top of it.
	c.BeginGroup(Group{Class: "bands", Clip: "plot", Hidden: true})
	region(c, &p, l, curve, Style{Class: "band-region-998", Fill: fill998},
		func(c *Curve) (float64, float64) { return c.High998, c.Low998 })
	region(c, &p, l, curve, Style{Class: "band-region-95", Fill: fill95},
		func(c *Curve) (float64, float64) { return c.High95, c.Low95 })
	c.EndGroup()
	if l.dense {
		// The shaded points, over the bands and under the lines.
		drawDensity(c, l, f, draws)
	}

	// Gridlines, light enough to read over white and both bands.
	c.BeginGroup(Group{Class: "grid", Style: Style{Stroke: "#000000", Opacity: 0.1, Width: 1}, Hidden: true})
	for _, v := range l.xTicks[1:] {
		p.Reset()
		p.MoveTo(l.px(v), l.y0)
		p.VerticalTo(l.y1)
		c.Path(&p, Style{})
	}
	for _, v := range l.yTicks {
		if v == l.yMin {
			continue
		}
		p.Reset()
		p.MoveTo(l.x0, l.py(v))
		p.HorizontalTo(l.x1)
		c.Path(&p, Style{})
	}
	c.EndGroup()

	// Limit lines and the target.
	c.BeginGroup(Group{Class: "lines", Style: Style{Fill: None}, Clip: "plot", Hidden: true})
	lines := []struct {
		class  string
		colour Colour
		width  float64
		y      func(c *Curve) float64
	}{
		{"limit-998 limit-low", line998, 1.5, func(c *Curve) float64 { return c.Low998 }},
		{"limit-998 limit-high", line998, 1.5, func(c *Curve) float64 { return c.High998 }},
		{"limit-95 limit-low", line95, 1.25, func(c *Curve) float64 { return c.Low95 }},
		{"limit-95 limit-high", line95, 1.25, func(c *Curve) float64 { return c.High95 }},
	}
	for _, ln := range lines {
		line(c, &p, l, curve, Style{Class: ln.class, Stroke: ln.colour, Width: ln.width}, ln.y)
	}
	if len(f.Adjusted) > 0 {
		for _, ln := range lines {
			line(c, &p, l, f.Adjusted, Style{Class: "adjusted " + ln.class, Stroke: ln.colour, Width: ln.width,
				Dash: adjustedDash}, ln.y)
		}
	}
	if finite(f.TargetSurvival) {
		p.Reset()
		p.MoveTo(l.x0, l.py(f.TargetSurvival))
		p.HorizontalTo(l.x1)
		c.Path(&p, Style{Class: "target", Stroke: ink, Width: 1.75})
	}
	c.EndGroup()

	f.axes(c, &p, l)

	// Points, in the given order, which is the focus order. Each band's
	// mark in each state is one symbol, which keeps a 500-point SVG light.
	var marks [len(bandMarks)][3]func(c Canvas, x, y float64)
	mark := func(pt *Point) (string, func(c Canvas, x, y float64)) {
		state := l.state(pt)
		k := markIndex(pt.Band)
		if marks[k][state] == nil {
			m := &bandMarks[k]
			marks[k][state] = func(c Canvas, x, y float64) { drawMark(c, m, x, y, l.size, state) }
		}
		return markIDs[k][state], marks[k][state]
	}
	if l.dense {
		// Beneath the points: those alone drawn bare, decoration a
		// reader is given in the table.
		c.BeginGroup(Group{Class: "points-bare", Hidden: true, PassThrough: true})
		for i := range f.Points {
			if pt := &f.Points[i]; draws[i] == drawBare {
				id, draw := mark(pt)
				c.Use(id, l.px(pt.X), l.py(pt.Survival), draw)
			}
		}
		c.EndGroup()
	}
	c.BeginGroup(Group{Class: "points"})
	data := []Attr{{Name: "unit-id"}}
	for i := range f.Points {
		pt := &f.Points[i]
		if !drawable(pt) || (draws != nil && draws[i] != drawLinked) {
			continue
		}
		markID, draw := mark(pt)
		class := "point band-" + string(pt.Band)
		if pt.Highlight {
			class += " highlight"
		}
		data[0].Value = pt.UnitID
		// The summary is written once, as the title: it is the link's
		// accessible name, the browser's hover text and what the page
		// script shows on focus.
		c.BeginGroup(Group{Href: pt.Href, Focusable: pt.Href == "", Class: class, Data: data, Title: pt.Summary})
		c.Use(markID, l.px(pt.X), l.py(pt.Survival), draw)
		c.EndGroup()
	}
	c.EndGroup()

	// Highlighted points again, on top, with their names. This copy is
	// decoration: hidden from assistive technology and transparent to the
	// pointer, so hover and focus stay on the points above, in order.
	if l.highlighted {
		c.BeginGroup(Group{Class: "highlights", Hidden: true, PassThrough: true})
		for i := range f.Points {
			if pt := &f.Points[i]; pt.Highlight && drawable(pt) {
				drawMark(c, markOf(pt.Band), l.px(pt.X), l.py(pt.Survival), l.size, markHighlight)
			}
		}
		if !f.HideLabels && (!l.dense || l.highlights <= maxLabelled) {
			for _, lb := range placeLabels(l, f) {
				c.Text(lb.x, lb.y, lb.name, TextStyle{Class: "highlight-label", Size: l.tick, Bold: true,
					Anchor: lb.anchor, Fill: ink, Halo: white, HaloWidth: 3})
			}
		}
		c.EndGroup()
	}

	if !f.HideLegend {
		l.drawLegend(c)
	}
	l.drawText(c)
}

// derivedID is an id prefix for a chart that was given none: kind and a
// hash of its title and description, so the same chart has the same ids
// and two charts on a page differ.
func derivedID(kind, title, description string) string {
	h := fnv.New32a()
	io.WriteString(h, title+"\x00"+description)
	return kind + "-" + strconv.FormatUint(uint64(h.Sum32()), 16)
}

// drawText writes the Heading's and Notes' lines, wrapped (layout).
func (l *layout) drawText(c Canvas) { drawChartText(c, l.heading, l.notes) }

// drawChartText writes a chart's heading and notes lines, placed: the
// text that lets a chart stand alone (Funnel's and CUSUM's Heading and
// Notes).
func drawChartText(c Canvas, heading, notes []textLine) {
	if len(heading)+len(notes) == 0 {
		return
	}
	c.BeginGroup(Group{Class: "chart-text", Text: TextStyle{Fill: ink}})
	for _, ln := range heading {
		c.Text(8, ln.y, ln.text, TextStyle{Class: "chart-heading", Size: ln.size, Bold: ln.bold})
	}
	for _, ln := range notes {
		c.Text(8, ln.y, ln.text, TextStyle{Class: "chart-note", Size: ln.size})
	}
	c.EndGroup()
}

// textLine is one line of the Heading or Notes, placed.
type textLine struct {
	text string
	y    float64
	size float64
	bold bool
}

// wrapText breaks s into lines no wider than width at size, at spaces;
// a word wider than width has a line of its own.
func wrapText(s string, size, width float64) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case textWidth(line+" "+w, size) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// region fills the area between a curve's upper and lower survival lines,
// one polygon per run of points where both are defined.
func region(c Canvas, p *Path, l *layout, cs []Curve, s Style, hiLo func(c *Curve) (float64, float64)) {
	p.Reset()
	for i := 0; i < len(cs); {
		if hi, lo := hiLo(&cs[i]); !finite(cs[i].X) || !finite(hi) || !finite(lo) {
			i++
			continue
		}
		j := i
		for j < len(cs) {
			hi, lo := hiLo(&cs[j])
			if !finite(cs[j].X) || !finite(hi) || !finite(lo) {
				break
			}
			j++
		}
		for k := i; k < j; k++ {
			hi, _ := hiLo(&cs[k])
			if k == i {
				p.MoveTo(l.px(cs[k].X), l.py(hi))
			} else {
				p.LineTo(l.px(cs[k].X), l.py(hi))
			}
		}
		for k := j - 1; k >= i; k-- {
			_, lo := hiLo(&cs[k])
			p.LineTo(l.px(cs[k].X), l.py(lo))
		}
		p.Close()
		i = j
	}
	c.Path(p, s)
}

// line draws one limit line, broken where it is undefined.
func line(c Canvas, p *Path, l *layout, cs []Curve, s Style, y func(c *Curve) float64) {
	p.Reset()
	pen := false
	for i := range cs {
		v := y(&cs[i])
		if !finite(cs[i].X) || !finite(v) {
			pen = false
			continue
		}
		if pen {
			p.LineTo(l.px(cs[i].X), l.py(v))
		} else {
			p.MoveTo(l.px(cs[i].X), l.py(v))
		}
		pen = true
	}
	c.Path(p, s)
}

// axes draws the axes, their ticks and titles, and the lines' names.
func (f *Funnel) axes(c Canvas, p *Path, l *layout) {
	c.BeginGroup(Group{Class: "axes", Hidden: true, Text: TextStyle{Fill: muted}})
	p.Reset()
	p.MoveTo(l.x0, l.y0)
	p.VerticalTo(l.y1)
	p.HorizontalTo(l.x1)
	c.Path(p, Style{Stroke: muted, Fill: None})
	p.Reset()
	for _, v := range l.xTicks {
		p.MoveTo(l.px(v), l.y1)
		p.Vertical(l.tickLen)
	}
	for _, v := range l.yTicks {
		p.MoveTo(l.x0, l.py(v))
		p.Horizontal(-l.tickLen)
	}
	c.Path(p, Style{Stroke: muted, Fill: None})
	for _, v := range l.xTicks {
		c.Text(l.px(v), l.y1+l.tickLen+l.tick+1, formatCount(v), TextStyle{Size: l.tick, Anchor: AnchorMiddle})
	}
	for _, v := range l.yTicks {
		c.Text(l.x0-l.tickLen-3, l.py(v)+l.tick*0.35, l.percent(v), TextStyle{Size: l.tick, Anchor: AnchorEnd})
	}
	c.EndGroup()

	// Axis titles are text a screen reader may reach.
	c.BeginGroup(Group{Class: "axis-titles", Text: TextStyle{Fill: ink}})
	c.Text((l.x0+l.x1)/2, l.y1+l.tickLen+l.tick+6+l.font, cmp.Or(f.XLabel, "Operations"),
		TextStyle{Anchor: AnchorMiddle})
	c.Text(l.font+2, (l.y0+l.y1)/2, cmp.Or(f.YLabel, "Survival"), TextStyle{Anchor: AnchorMiddle, Vertical: true})
	for _, cl := range l.curveLabels {
		c.Text(l.x1+6, cl.y+l.tick*0.35, cl.text, TextStyle{Class: cl.class, Size: l.tick, Fill: cl.colour})
	}
	c.EndGroup()
}

// drawLegend draws the key.
func (l *layout) drawLegend(c Canvas) {
	if len(l.legend) == 0 {
		return
	}
	c.BeginGroup(Group{Class: "legend", Text: TextStyle{Fill: ink, Size: l.tick}})
	for _, it := range l.legend {
		c.BeginGroup(Group{Class: it.class})
		x, y := it.x, it.y
		switch {
		case it.band != "":
			drawMark(c, markOf(it.band), x+11, y, l.size, markNormal)
		case it.kind == "target":
			c.Line(x, y, x+22, y, Style{Stroke: ink, Width: 1.75})
		case it.kind == "density":
			drawHexagon(c, x+11, y, 7, densityShades[densityLevels/2])
		case it.kind == "adjusted":
			c.Line(x, y, x+22, y, Style{Stroke: line998, Width: 1.5, Dash: adjustedDash})
		default:
			fill, stroke := fill95, line95
			if it.kind == "limit-998" {
				fill, stroke = fill998, line998
			}
			c.Rect(x, y-6, 22, 12, Style{Fill: fill, Stroke: stroke, Width: 1.25})
		}
		c.Text(x+27, y+l.tick*0.35, it.text, TextStyle{})
		c.EndGroup()
	}
	c.EndGroup()
}

// layout is the geometry of one drawing of a funnel, in user units.
type layout struct {
	w, h                 float64
	x0, x1, y0, y1       float64 // plot area: x0 left, y1 bottom
	xMax, yMin           float64 // data at the plot's right and bottom edges
	xTicks, yTicks       []float64
	yDecimals            int // decimals of the y tick labels, in percent
	font, tick           float64
	size                 float64 // a point's radius
	legend               []legendItem
	legendY              float64
	curveLabels          []curveLabel
	heading, notes       []textLine
	highlighted          bool
	highlights           int  // how many points are highlighted
	dense                bool // more than DenseAbove points (density.go)
	shaded               int  // how many points a dense funnel shades
	present              map[outcome.Band]bool
	tickLen, legendRowHt float64
}

func (l *layout) px(x float64) float64 { return l.x0 + x/l.xMax*(l.x1-l.x0) }
func (l *layout) py(s float64) float64 { return l.y1 - (s-l.yMin)/(1-l.yMin)*(l.y1-l.y0) }

// state is how prominent a point is drawn.
func (l *layout) state(pt *Point) markState {
	switch {
	case !l.highlighted:
		return markNormal
	case pt.Highlight:
		return markHighlight
	}
	return markGrey
}

// legendItem is one key entry, placed.
type legendItem struct {
	x, y  float64
	text  string
	class string
	band  outcome.Band // a point shape, or "" for a line or region swatch
	kind  string       // target, limit-95, limit-998, adjusted
}

// curveLabel is a line's name at its right end.
type curveLabel struct {
	text, class string
	colour      Colour
	y           float64
}

func (f *Funnel) layout() *layout {
	l := &layout{w: float64(f.Width), h: float64(f.Height), font: 13, tick: 12, size: 4.5, tickLen: 5,
		present: map[outcome.Band]bool{}}
	if f.Compact {
		l.font, l.tick, l.size = 12, 12, 3.5
	}
	grow := l.w <= 0 || l.h <= 0
	if grow {
		l.w, l.h = 720, 480
		if f.Compact {
			l.w, l.h = 320, 340
		}
	}
	l.legendRowHt = l.font + 7
	// The Heading's and Notes' lines, wrapped; y is from the top of the
	// heading block and of the notes block until the plot is placed.
	top, noteHt := 0.0, 0.0
	for i, s := range f.Heading {
		size := l.font
		if i == 0 {
			size = l.font + 3
		}
		for _, t := range wrapText(s, size, l.w-16) {
			top += size * 1.35
			l.heading = append(l.heading, textLine{text: t, y: top, size: size, bold: i == 0})
		}
	}
	for _, s := range f.Notes {
		for _, t := range wrapText(s, l.tick, l.w-16) {
			noteHt += l.tick * 1.35
			l.notes = append(l.notes, textLine{text: t, y: noteHt, size: l.tick})
		}
	}
	if top > 0 {
		top += 8
	}
	if noteHt > 0 {
		noteHt += 10
	}
	if grow {
		l.h += top + noteHt
	}

	// x: linear from 0 to a nice number past every point and the curve.
	xHi := 0.0
	l.dense = f.Dense()
	for i := range f.Points {
		if pt := &f.Points[i]; drawable(pt) {
			xHi = max(xHi, pt.X)
			if l.dense && !pt.Alone() {
				l.shaded++
			} else {
				l.present[markOf(pt.Band).band] = true
			}
			l.highlighted = l.highlighted || pt.Highlight
			if pt.Highlight {
				l.highlights++
			}
		}
	}
	for _, c := range f.Curve {
		if finite(c.X) {
			xHi = max(xHi, c.X)
		}
	}
	if !(xHi > 0) {
		xHi = 10
	}
	nx := 7
	if f.Compact {
		nx = 4
	}
	step := niceStep(xHi / float64(nx))
	nTicks := int(math.Ceil(xHi/step - 1e-9))
	for i := 0; i <= nTicks; i++ {
		l.xTicks = append(l.xTicks, float64(i)*step)
	}
	l.xMax = float64(nTicks) * step

	// y: survival, from a little below the lowest point or the lowest
	// 99.8% line where flags are published (x ≥ 1/p0: E ≥ 1, or n·p0 ≥ 1)
	// up to 100%. Lines left of that fall steeply to 0 and are clipped, so
	// they do not squash the points.
	lo := math.Inf(1)
	for i := range f.Points {
		if pt := &f.Points[i]; drawable(pt) {
			lo = min(lo, pt.Survival)
		}
	}
	xFlag := 0.0
	if p0 := 1 - f.TargetSurvival; p0 > 0 && p0 <= 1 {
		xFlag = 1 / p0
		lo = min(lo, f.TargetSurvival)
	}
	for _, cs := range [][]Curve{f.Curve, f.Adjusted} {
		for _, c := range cs {
			if c.X >= xFlag && c.X <= l.xMax && finite(c.Low998) {
				lo = min(lo, c.Low998)
			}
		}
	}
	if math.IsInf(lo, 1) {
		lo = 0.9
	}
	lo = max(0, min(lo, 0.99)-0.04*(1-lo))
	ny := 6
	if f.Compact {
		ny = 4
	}
	ystep := niceStep((1 - lo) / float64(ny))
	first := math.Floor(lo/ystep + 1e-9)
	nTicks = int(math.Round((1 - first*ystep) / ystep))
	l.yMin = max(0, first*ystep)
	for i := 0; i <= nTicks; i++ {
		v := l.yMin + float64(i)*ystep
		if v > 1+1e-9 {
			break
		}
		l.yTicks = append(l.yTicks, v)
	}
	for l.yDecimals = 0; l.yDecimals < 6; l.yDecimals++ { // enough decimals to show the step: 2.5% → 1
		v := ystep * 100 * math.Pow(10, float64(l.yDecimals))
		if math.Abs(v-math.Round(v)) < 1e-6 {
			break
		}
	}

	// Margins: y tick labels and the y title on the left; line labels on
	// the right unless compact; ticks, the x title and the legend below.
	labelW := 0.0
	for _, v := range l.yTicks {
		labelW = max(labelW, textWidth(l.percent(v), l.tick))
	}
	l.x0 = math.Round(l.font*1.3 + 6 + labelW + l.tickLen + 4)
	right := 12.0
	if !f.Compact {
		for _, s := range []string{f.targetLabel(), "95% limits", "99.8% limits"} {
			right = max(right, textWidth(s, l.tick)+14)
		}
	}
	right = max(right, textWidth(formatCount(l.xMax), l.tick)/2+4) // the last x tick's label
	l.x1 = l.w - math.Round(right)
	l.y0 = math.Round(top + l.size*1.6 + 6)
	bottom := l.tickLen + l.tick + 6 + l.font + 10
	if !f.HideLegend {
		l.layoutLegend(f)
		if n := len(l.legend); n > 0 {
			rows := l.legend[n-1].y + 1
			bottom += rows*l.legendRowHt + 4
		}
	}
	for i := range l.notes {
		l.notes[i].y += l.h - noteHt + 4
	}
	bottom += noteHt
	l.y1 = l.h - math.Round(bottom)
	l.legendY = l.y1 + l.tickLen + l.tick + 6 + l.font + 10 + l.legendRowHt/2 + 2
	for i := range l.legend {
		l.legend[i].y = l.legendY + l.legend[i].y*l.legendRowHt
	}
	if !f.Compact {
		l.placeCurveLabels(f)
	}
	return l
}

// layoutLegend flows the key's entries into rows; an entry's y is its row
// number until layout turns it into a position.
func (l *layout) layoutLegend(f *Funnel) {
	var items []legendItem
	if finite(f.TargetSurvival) {
		items = append(items, legendItem{text: f.targetLabel(), class: "legend-target", kind: "target"})
	}
	if len(f.Curve) > 0 {
		items = append(items, legendItem{text: "95% limits", class: "legend-limit-95", kind: "limit-95"},
			legendItem{text: "99.8% limits", class: "legend-limit-998", kind: "limit-998"})
	}
	if len(f.Adjusted) > 0 {
		items = append(items, legendItem{text: "Adjusted for overdispersion", class: "legend-adjusted",
			kind: "adjusted"})
	}
	for _, m := range bandMarks {
		if l.present[m.band] {
			w, _ := outcome.Words(m.band)
			text := w.Legend
			if f.Compact {
				text = w.LegendShort
			}
			items = append(items, legendItem{text: text, class: "legend-band band-" + string(m.band), band: m.band})
		}
	}
	if l.shaded > 0 {
		text := "Shaded: " + formatCount(float64(l.shaded)) + " " + f.plural() + " within range or too few to tell"
		if f.Compact {
			text = "Shaded: " + formatCount(float64(l.shaded)) + " others"
		}
		items = append(items, legendItem{text: text, class: "legend-density", kind: "density"})
	}
	const swatch, gap = 22.0, 16.0
	left, right := 8.0, l.w-8
	x, row := left, 0.0
	for _, it := range items {
		w := swatch + 5 + textWidth(it.text, l.tick)
		if x > left && x+w > right {
			x, row = left, row+1
		}
		it.x, it.y = x, row
		l.legend = append(l.legend, it)
		x += w + gap
	}
}

// placeCurveLabels names the target and the lower limit lines at their
// right ends, pushed apart so they never overlap.
func (l *layout) placeCurveLabels(f *Funnel) {
	var last *Curve
	for i := len(f.Curve) - 1; i >= 0; i-- {
		if c := &f.Curve[i]; finite(c.X) && finite(c.Low95) && finite(c.Low998) && c.X <= l.xMax {
			last = c
			break
		}
	}
	var labels []curveLabel
	if finite(f.TargetSurvival) {
		labels = append(labels, curveLabel{f.targetLabel(), "label-target", ink, l.py(f.TargetSurvival)})
	}
	if last != nil {
		labels = append(labels, curveLabel{"95% limits", "label-limit-95", line95, l.py(last.Low95)},
			curveLabel{"99.8% limits", "label-limit-998", line998, l.py(last.Low998)})
	}
	slices.SortStableFunc(labels, func(a, b curveLabel) int { return cmp.Compare(a.y, b.y) })
	gap := l.tick + 2
	for i := range labels {
		labels[i].y = min(max(labels[i].y, l.y0+gap/2), l.y1)
		if i > 0 && labels[i].y < labels[i-1].y+gap {
			labels[i].y = labels[i-1].y + gap
		}
	}
	for i := len(labels) - 1; i >= 0; i-- { // push back up from the bottom
		if i == len(labels)-1 {
			labels[i].y = min(labels[i].y, l.y1+gap/2)
		} else if labels[i].y > labels[i+1].y-gap {
			labels[i].y = labels[i+1].y - gap
		}
	}
	l.curveLabels = labels
}

func (l *layout) percent(v float64) string {
	return string(strconv.AppendFloat(nil, v*100, 'f', l.yDecimals, 64)) + "%"
}

// niceStep rounds a raw tick step up to 1, 2, 2.5 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if !(raw > 0) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= raw*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// formatCount writes a tick value with thousands separators: 12,500.
func formatCount(v float64) string {
	if v != math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	s := strconv.FormatInt(int64(v), 10)
	if len(s) <= 4 {
		return s
	}
	var b []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, c)
	}
	return string(b)
}

func drawable(p *Point) bool { return finite(p.X) && finite(p.Survival) }
