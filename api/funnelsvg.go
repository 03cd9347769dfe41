package api

import (
	"cmp"
	"hash/fnv"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// funnelPlot is everything the SVG needs, already on the survival scale.
// renderFunnelSVG draws it; newFunnelPlot builds it from a catalog funnel.
type funnelPlot struct {
	// Title and Description are the chart's <title> and <desc>: its
	// accessible name and its text alternative.
	Title, Description string
	// XLabel and YLabel are the axis titles, e.g. "Risk-adjusted
	// operations" and "Risk-adjusted survival".
	XLabel, YLabel string
	// TargetSurvival is 1 − p0, where the horizontal target line is drawn
	// (none when NaN).
	TargetSurvival float64
	// Curve is the limit lines, ascending in X.
	Curve []plotCurve
	// Adjusted, when not empty, is drawn as dashed overdispersion-adjusted
	// limit lines (adjustedCurve builds it).
	Adjusted []plotCurve
	// Points are drawn, and reached by Tab, in the order given:
	// newFunnelPlot gives them A–Z by name (sortPlotPoints), so the focus
	// order is predictable. The renderer does not reorder them.
	Points []plotPoint
	// Width and Height are the viewBox; 0 means 720×480 (Compact: 400×340).
	Width, Height int
	// Compact is for small multiples and phones: fewer ticks, larger type
	// relative to the image, no labels in the plot except highlighted names.
	Compact bool
	// HideLegend leaves out the key to shapes and lines, for small
	// multiples that share one legend on the page.
	HideLegend bool
	// IDPrefix starts every id in the SVG (title, desc, clip path), so
	// several charts can share a page; empty derives one from a hash of
	// Title and Description.
	IDPrefix string
}

// plotCurve is the limits at one X, on the survival scale: Low998 and
// Low95 are the lower survival lines (more deaths than expected beyond
// them), High95 and High998 the upper ones. NaN where undefined.
type plotCurve struct{ X, Low998, Low95, High95, High998 float64 }

// plotPoint is one unit's point.
type plotPoint struct {
	UnitID, Name string
	// Href is the unit's page; empty draws a focusable <g tabindex="0">
	// instead of a link.
	Href string
	// X and Survival place the point; a NaN in either leaves it out.
	X, Survival float64
	// Band is the unit's band.
	Band outcome.Band
	// Summary is one plain sentence, the point's accessible name and
	// tooltip.
	Summary   string
	Highlight bool
}

// Colours. Every mark a reader needs has at least 3:1 contrast against
// white and against both band fills (WCAG 1.4.11); text has at least 4.5:1
// against white (1.4.3). Ratios against #fff / #dbe9f6 / #b3d3ee:
//
//	svgInk      #1a1a1a 17.4 / 14.1 / 11.2  text, target line, outlines
//	svgMuted    #595959  7.0 /  5.7 /  4.5  ticks, axes
//	svgLine998  #1f4e79  8.7 /  7.0 /  5.6  99.8% lines
//	svgLine95   #2f6ea8  5.4 /  4.3 /  3.4  95% lines
//	svgWithin   #2d3e50 11.0 /  8.9 /  7.0  within: filled circle
//	svgHigh     #9a3412  7.3 /  5.9 /  4.7  more deaths: downward triangles
//	svgLow      #4b2991 10.4 /  8.4 /  6.7  fewer deaths: upward triangles
//	svgTooFew   #5f5f5f  6.4 /  5.2 /  4.1  too few: small hollow circle
//	svgGrey     #6b6b6b  5.3 /  4.3 /  3.4  others, when some are highlighted
//
// The band fills themselves (#dbe9f6, #b3d3ee: 1.3:1 and 1.6:1 against
// white) are not relied on: the lines bounding them are labelled.
const (
	svgInk       = "#1a1a1a"
	svgMuted     = "#595959"
	svgLine998   = "#1f4e79"
	svgLine95    = "#2f6ea8"
	svgFill998   = "#dbe9f6"
	svgFill95    = "#b3d3ee"
	svgWithin    = "#2d3e50"
	svgHigh      = "#9a3412"
	svgLow       = "#4b2991"
	svgTooFew    = "#5f5f5f"
	svgGrey      = "#6b6b6b"
	svgFontStack = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"
)

// pointShape is how a band's points are drawn: never by colour alone.
type pointShape int

const (
	shapeCircle    pointShape = iota // within
	shapeDown                        // survival below expected (more deaths)
	shapeUp                          // survival above expected (fewer deaths)
	shapeSmallRing                   // too few to say
)

// bandMark is how a band's points are drawn: shape, colour and fill;
// the key's words are the band's (outcome.BandWords Legend, LegendShort).
type bandMark struct {
	band   outcome.Band
	shape  pointShape
	colour string
	filled bool
}

// bandMarks are in legend order: the y-axis top to bottom, then too_few.
var bandMarks = []bandMark{
	{outcome.LowAlarm, shapeUp, svgLow, true},
	{outcome.LowAlert, shapeUp, svgLow, false},
	{outcome.Within, shapeCircle, svgWithin, true},
	{outcome.HighAlert, shapeDown, svgHigh, false},
	{outcome.HighAlarm, shapeDown, svgHigh, true},
	{outcome.TooFew, shapeSmallRing, svgTooFew, false},
}

// markOf is a band's mark; a code that is not a band is drawn as too few
// to tell.
func markOf(band outcome.Band) *bandMark {
	for i := range bandMarks {
		if bandMarks[i].band == band {
			return &bandMarks[i]
		}
	}
	return &bandMarks[len(bandMarks)-1]
}

// markState is how prominent a point is.
type markState int

const (
	markNormal markState = iota
	markGrey             // others, when some points are highlighted
	markHighlight
)

// plotLayout is the geometry of one rendering, in viewBox units.
type plotLayout struct {
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
	highlighted          bool
	present              map[outcome.Band]bool
	tickLen, legendRowHt float64
}

func (l *plotLayout) px(x float64) float64 { return l.x0 + x/l.xMax*(l.x1-l.x0) }
func (l *plotLayout) py(s float64) float64 { return l.y1 - (s-l.yMin)/(1-l.yMin)*(l.y1-l.y0) }

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
	text, class, colour string
	y                   float64
}

func (p *funnelPlot) layout() *plotLayout {
	l := &plotLayout{w: float64(p.Width), h: float64(p.Height), font: 13, tick: 12, size: 4.5, tickLen: 5,
		present: map[outcome.Band]bool{}}
	if p.Compact {
		l.font, l.tick, l.size = 12, 11, 3.5
	}
	if l.w <= 0 || l.h <= 0 {
		l.w, l.h = 720, 480
		if p.Compact {
			l.w, l.h = 400, 340
		}
	}
	l.legendRowHt = l.font + 7

	// x: linear from 0 to a nice number past every point and the curve.
	xHi := 0.0
	for i := range p.Points {
		if pt := &p.Points[i]; drawable(pt) {
			xHi = max(xHi, pt.X)
			l.present[markOf(pt.Band).band] = true
			l.highlighted = l.highlighted || pt.Highlight
		}
	}
	for _, c := range p.Curve {
		if finite(c.X) {
			xHi = max(xHi, c.X)
		}
	}
	if !(xHi > 0) {
		xHi = 10
	}
	nx := 7
	if p.Compact {
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
	for i := range p.Points {
		if pt := &p.Points[i]; drawable(pt) {
			lo = min(lo, pt.Survival)
		}
	}
	xFlag := 0.0
	if p0 := 1 - p.TargetSurvival; p0 > 0 && p0 <= 1 {
		xFlag = 1 / p0
		lo = min(lo, p.TargetSurvival)
	}
	for _, cs := range [][]plotCurve{p.Curve, p.Adjusted} {
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
	if p.Compact {
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
	if !p.Compact {
		for _, s := range []string{"Expected", "95% limits", "99.8% limits"} {
			right = max(right, textWidth(s, l.tick)+14)
		}
	}
	right = max(right, textWidth(formatCount(l.xMax), l.tick)/2+4) // the last x tick's label
	l.x1 = l.w - math.Round(right)
	l.y0 = math.Round(l.size*1.6 + 6)
	bottom := l.tickLen + l.tick + 6 + l.font + 10
	if !p.HideLegend {
		l.layoutLegend(p)
		if n := len(l.legend); n > 0 {
			rows := l.legend[n-1].y + 1
			bottom += rows*l.legendRowHt + 4
		}
	}
	l.y1 = l.h - math.Round(bottom)
	l.legendY = l.y1 + l.tickLen + l.tick + 6 + l.font + 10 + l.legendRowHt/2 + 2
	for i := range l.legend {
		l.legend[i].y = l.legendY + l.legend[i].y*l.legendRowHt
	}
	if !p.Compact {
		l.placeCurveLabels(p)
	}
	return l
}

// layoutLegend flows the key's entries into rows; an entry's y is its row
// number until layout turns it into a position.
func (l *plotLayout) layoutLegend(p *funnelPlot) {
	var items []legendItem
	if finite(p.TargetSurvival) {
		items = append(items, legendItem{text: "Expected", class: "legend-target", kind: "target"})
	}
	if len(p.Curve) > 0 {
		items = append(items, legendItem{text: "95% limits", class: "legend-limit-95", kind: "limit-95"},
			legendItem{text: "99.8% limits", class: "legend-limit-998", kind: "limit-998"})
	}
	if len(p.Adjusted) > 0 {
		items = append(items, legendItem{text: "Adjusted for overdispersion", class: "legend-adjusted",
			kind: "adjusted"})
	}
	for _, m := range bandMarks {
		if l.present[m.band] {
			w, _ := outcome.Words(m.band)
			text := w.Legend
			if p.Compact {
				text = w.LegendShort
			}
			items = append(items, legendItem{text: text, class: "legend-band band-" + string(m.band), band: m.band})
		}
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
func (l *plotLayout) placeCurveLabels(p *funnelPlot) {
	var last *plotCurve
	for i := len(p.Curve) - 1; i >= 0; i-- {
		if c := &p.Curve[i]; finite(c.X) && finite(c.Low95) && finite(c.Low998) && c.X <= l.xMax {
			last = c
			break
		}
	}
	var labels []curveLabel
	if finite(p.TargetSurvival) {
		labels = append(labels, curveLabel{"Expected", "label-target", svgInk, l.py(p.TargetSurvival)})
	}
	if last != nil {
		labels = append(labels, curveLabel{"95% limits", "label-limit-95", svgLine95, l.py(last.Low95)},
			curveLabel{"99.8% limits", "label-limit-998", svgLine998, l.py(last.Low998)})
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

func (l *plotLayout) percent(v float64) string {
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

// textWidth estimates a sans-serif string's width: no font metrics exist on
// the server, so this errs wide.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r == ' ' || strings.ContainsRune("iIjlft.,:;'|!()[]", r):
			w += 0.32
		case r >= 0x1100 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hangul, r) ||
			unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)):
			w += 1
		case unicode.IsUpper(r) || r == 'm' || r == 'w' || r == '%':
			w += 0.74
		default:
			w += 0.56
		}
	}
	return w * size
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func drawable(p *plotPoint) bool { return finite(p.X) && finite(p.Survival) }

// renderFunnelSVG writes the funnel as SVG. standalone adds the XML
// declaration and namespace, for the image served on its own; without it
// the SVG is for inlining in an HTML page.
//
// The output uses presentation attributes only, never a style element or
// attribute, so it survives a strict Content-Security-Policy; class
// attributes are hooks for the page's stylesheet and script. Every point is
// a link (or a focusable group) with data-unit-id and a <title>
// and its summary as accessible name and tooltip. The same input gives
// the same bytes.
func renderFunnelSVG(w io.Writer, p funnelPlot, standalone bool) error {
	size := 8192 + 100*len(p.Curve) + 50*len(p.Adjusted)
	for i := range p.Points {
		size += 300 + len(p.Points[i].Href) + len(p.Points[i].UnitID) + 3*len(p.Points[i].Summary)
	}
	b := svgBuf{b: make([]byte, 0, size)}
	b.render(&p, standalone)
	_, err := w.Write(b.b)
	return err
}

// svgBuf appends SVG to a byte slice.
type svgBuf struct{ b []byte }

func (s *svgBuf) raw(str string) { s.b = append(s.b, str...) }
func (s *svgBuf) num(x float64)  { s.b = appendCoord(s.b, x) }

// attr writes ` name="value"`, escaping value.
func (s *svgBuf) attr(name, value string) {
	s.b = append(s.b, ' ')
	s.b = append(s.b, name...)
	s.b = append(s.b, '=', '"')
	s.b = appendXMLEscaped(s.b, value)
	s.b = append(s.b, '"')
}

// attrNum writes ` name="x"` with x rounded to one decimal.
func (s *svgBuf) attrNum(name string, x float64) {
	s.b = append(s.b, ' ')
	s.b = append(s.b, name...)
	s.b = append(s.b, '=', '"')
	s.b = appendCoord(s.b, x)
	s.b = append(s.b, '"')
}

// text writes a <text> element with escaped content.
func (s *svgBuf) text(x, y float64, attrs, content string) {
	s.raw("<text")
	s.attrNum("x", x)
	s.attrNum("y", y)
	s.raw(attrs)
	s.raw(">")
	s.b = appendXMLEscaped(s.b, content)
	s.raw("</text>\n")
}

func (s *svgBuf) render(p *funnelPlot, standalone bool) {
	l := p.layout()
	id := p.IDPrefix
	if id == "" {
		h := fnv.New32a()
		io.WriteString(h, p.Title+"\x00"+p.Description)
		id = "funnel-" + strconv.FormatUint(uint64(h.Sum32()), 16)
	}
	title := cmp.Or(p.Title, "Funnel plot")

	if standalone {
		s.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
		s.raw(`<svg xmlns="http://www.w3.org/2000/svg"`)
	} else {
		s.raw(`<svg`)
	}
	s.raw(` viewBox="0 0 `)
	s.num(l.w)
	s.raw(" ")
	s.num(l.h)
	s.raw(`" width="100%"`)
	s.attr("class", "funnel")
	s.raw(` role="group"`)
	s.attr("aria-labelledby", id+"-title")
	s.attr("aria-describedby", id+"-desc")
	s.attr("font-family", svgFontStack)
	s.attrNum("font-size", l.font)
	s.raw(">\n<title")
	s.attr("id", id+"-title")
	s.raw(">")
	s.b = appendXMLEscaped(s.b, title)
	s.raw("</title>\n<desc")
	s.attr("id", id+"-desc")
	s.raw(">")
	s.b = appendXMLEscaped(s.b, p.Description)
	s.raw("</desc>\n<defs><clipPath")
	s.attr("id", id+"-plot")
	s.raw(`><rect`)
	s.attrNum("x", l.x0)
	s.attrNum("y", l.y0-l.size*1.6)
	s.attrNum("width", l.x1-l.x0)
	s.attrNum("height", l.y1-l.y0+l.size*1.6)
	s.raw("/></clipPath>\n")
	// Each mark a point uses, drawn once at the origin: points refer to it
	// with <use>, which keeps a 500-point page light.
	s.markDefs(l, p, id)
	s.raw("</defs>\n")
	clip := ` clip-path="url(#` + string(appendXMLEscaped(nil, id)) + `-plot)"`

	s.raw(`<rect class="background" width="100%" height="100%" fill="#ffffff"/>` + "\n")

	// Shaded bands: the 99.8% region, then the 95% region on top of it.
	s.raw(`<g class="bands"` + clip + ` aria-hidden="true">` + "\n")
	s.region(l, p.Curve, "band-region-998", svgFill998,
		func(c *plotCurve) (float64, float64) { return c.High998, c.Low998 })
	s.region(l, p.Curve, "band-region-95", svgFill95,
		func(c *plotCurve) (float64, float64) { return c.High95, c.Low95 })
	s.raw("</g>\n")

	// Gridlines, light enough to read over white and both bands.
	s.raw(`<g class="grid" stroke="#000000" stroke-opacity="0.1" stroke-width="1" aria-hidden="true">` + "\n")
	for _, v := range l.xTicks[1:] {
		s.raw("<path")
		s.raw(` d="M`)
		s.num(l.px(v))
		s.raw(",")
		s.num(l.y0)
		s.raw("V")
		s.num(l.y1)
		s.raw(`"/>` + "\n")
	}
	for _, v := range l.yTicks {
		if v == l.yMin {
			continue
		}
		s.raw(`<path d="M`)
		s.num(l.x0)
		s.raw(",")
		s.num(l.py(v))
		s.raw("H")
		s.num(l.x1)
		s.raw(`"/>` + "\n")
	}
	s.raw("</g>\n")

	// Limit lines and the target.
	s.raw(`<g class="lines" fill="none"` + clip + ` aria-hidden="true">` + "\n")
	lines := []struct {
		class, colour, width string
		y                    func(c *plotCurve) float64
	}{
		{"limit-998 limit-low", svgLine998, "1.5", func(c *plotCurve) float64 { return c.Low998 }},
		{"limit-998 limit-high", svgLine998, "1.5", func(c *plotCurve) float64 { return c.High998 }},
		{"limit-95 limit-low", svgLine95, "1.25", func(c *plotCurve) float64 { return c.Low95 }},
		{"limit-95 limit-high", svgLine95, "1.25", func(c *plotCurve) float64 { return c.High95 }},
	}
	for _, ln := range lines {
		s.line(l, p.Curve, ln.class, ln.colour, ln.width, "", ln.y)
	}
	if len(p.Adjusted) > 0 {
		for _, ln := range lines {
			s.line(l, p.Adjusted, "adjusted "+ln.class, ln.colour, ln.width, "6 4", ln.y)
		}
	}
	if finite(p.TargetSurvival) {
		s.raw(`<path class="target" stroke="` + svgInk + `" stroke-width="1.75" d="M`)
		s.num(l.x0)
		s.raw(",")
		s.num(l.py(p.TargetSurvival))
		s.raw("H")
		s.num(l.x1)
		s.raw(`"/>` + "\n")
	}
	s.raw("</g>\n")

	s.axes(l, p)

	// Points, in the given (A–Z) order, which is the focus order.
	s.raw(`<g class="points">` + "\n")
	for i := range p.Points {
		pt := &p.Points[i]
		if !drawable(pt) {
			continue
		}
		state := markNormal
		if l.highlighted {
			state = markGrey
			if pt.Highlight {
				state = markHighlight
			}
		}
		s.point(l, pt, state, id)
	}
	s.raw("</g>\n")

	// Highlighted points again, on top, with their names. This copy is
	// decoration: hidden from assistive technology and transparent to the
	// pointer, so hover and focus stay on the links above, in A–Z order.
	if l.highlighted {
		s.highlights(l, p)
	}

	if !p.HideLegend {
		s.legend(l)
	}
	s.raw("</svg>\n")
}

// region fills the area between a curve's upper and lower survival lines,
// one polygon per run of points where both are defined.
func (s *svgBuf) region(l *plotLayout, cs []plotCurve, class, fill string,
	hiLo func(c *plotCurve) (float64, float64)) {
	start := len(s.b)
	s.raw(`<path class="` + class + `" fill="` + fill + `" d="`)
	body := len(s.b)
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
				s.raw("M")
			} else {
				s.raw("L")
			}
			s.num(l.px(cs[k].X))
			s.raw(",")
			s.num(l.py(hi))
		}
		for k := j - 1; k >= i; k-- {
			_, lo := hiLo(&cs[k])
			s.raw("L")
			s.num(l.px(cs[k].X))
			s.raw(",")
			s.num(l.py(lo))
		}
		s.raw("Z")
		i = j
	}
	if len(s.b) == body {
		s.b = s.b[:start]
		return
	}
	s.raw(`"/>` + "\n")
}

// line draws one limit line, broken where it is undefined.
func (s *svgBuf) line(l *plotLayout, cs []plotCurve, class, colour, width, dash string,
	y func(c *plotCurve) float64) {
	start := len(s.b)
	s.raw(`<path class="` + class + `" stroke="` + colour + `" stroke-width="` + width + `"`)
	if dash != "" {
		s.raw(` stroke-dasharray="` + dash + `"`)
	}
	s.raw(` d="`)
	body := len(s.b)
	pen := false
	for i := range cs {
		v := y(&cs[i])
		if !finite(cs[i].X) || !finite(v) {
			pen = false
			continue
		}
		if pen {
			s.raw("L")
		} else {
			s.raw("M")
		}
		pen = true
		s.num(l.px(cs[i].X))
		s.raw(",")
		s.num(l.py(v))
	}
	if len(s.b) == body {
		s.b = s.b[:start]
		return
	}
	s.raw(`"/>` + "\n")
}

func (s *svgBuf) axes(l *plotLayout, p *funnelPlot) {
	s.raw(`<g class="axes" aria-hidden="true" fill="` + svgMuted + `">` + "\n")
	s.raw(`<path stroke="` + svgMuted + `" fill="none" d="M`)
	s.num(l.x0)
	s.raw(",")
	s.num(l.y0)
	s.raw("V")
	s.num(l.y1)
	s.raw("H")
	s.num(l.x1)
	s.raw(`"/>` + "\n")
	// Ticks.
	s.raw(`<path stroke="` + svgMuted + `" fill="none" d="`)
	for _, v := range l.xTicks {
		s.raw("M")
		s.num(l.px(v))
		s.raw(",")
		s.num(l.y1)
		s.raw("v")
		s.num(l.tickLen)
	}
	for _, v := range l.yTicks {
		s.raw("M")
		s.num(l.x0)
		s.raw(",")
		s.num(l.py(v))
		s.raw("h")
		s.num(-l.tickLen)
	}
	s.raw(`"/>` + "\n")
	tickAttrs := ` font-size="` + string(appendCoord(nil, l.tick)) + `"`
	for _, v := range l.xTicks {
		s.text(l.px(v), l.y1+l.tickLen+l.tick+1, tickAttrs+` text-anchor="middle"`, formatCount(v))
	}
	for _, v := range l.yTicks {
		s.text(l.x0-l.tickLen-3, l.py(v)+l.tick*0.35, tickAttrs+` text-anchor="end"`, l.percent(v))
	}
	s.raw("</g>\n")
	// Axis titles are text a screen reader may reach.
	s.raw(`<g class="axis-titles" fill="` + svgInk + `">` + "\n")
	s.text((l.x0+l.x1)/2, l.y1+l.tickLen+l.tick+6+l.font, ` text-anchor="middle"`,
		cmp.Or(p.XLabel, "Operations"))
	yMid := (l.y0 + l.y1) / 2
	s.raw("<text")
	s.attrNum("x", -yMid)
	s.attrNum("y", l.font+2)
	s.raw(` transform="rotate(-90)" text-anchor="middle">`)
	s.b = appendXMLEscaped(s.b, cmp.Or(p.YLabel, "Survival"))
	s.raw("</text>\n")
	for _, c := range l.curveLabels {
		s.text(l.x1+6, c.y+l.tick*0.35, ` class="`+c.class+`" font-size="`+
			string(appendCoord(nil, l.tick))+`" fill="`+c.colour+`"`, c.text)
	}
	s.raw("</g>\n")
}

// pointState is how prominent a point is drawn.
func pointState(l *plotLayout, pt *plotPoint) markState {
	switch {
	case !l.highlighted:
		return markNormal
	case pt.Highlight:
		return markHighlight
	}
	return markGrey
}

// markID names the shared drawing of a band's mark in a state.
func markID(prefix string, band outcome.Band, state markState) string {
	return prefix + "-m-" + string(markOf(band).band) + "-" + strconv.Itoa(int(state))
}

// markDefs draws, at the origin, each mark the points use.
func (s *svgBuf) markDefs(l *plotLayout, p *funnelPlot, prefix string) {
	done := map[string]bool{}
	for i := range p.Points {
		pt := &p.Points[i]
		if !drawable(pt) {
			continue
		}
		state := pointState(l, pt)
		id := markID(prefix, pt.Band, state)
		if done[id] {
			continue
		}
		done[id] = true
		s.raw("<g")
		s.attr("id", id)
		s.raw(">")
		s.shape(markOf(pt.Band), 0, 0, l.size, state)
		s.raw("</g>\n")
	}
}

// point writes one focusable point.
func (s *svgBuf) point(l *plotLayout, pt *plotPoint, state markState, prefix string) {
	if pt.Href != "" {
		s.raw("<a")
		s.attr("href", pt.Href)
	} else {
		s.raw(`<g tabindex="0"`)
	}
	s.raw(` class="point band-`)
	s.b = appendXMLEscaped(s.b, string(pt.Band))
	if pt.Highlight {
		s.raw(" highlight")
	}
	s.raw(`"`)
	s.attr("data-unit-id", pt.UnitID)
	// The summary is written once, as the <title> child: it is the link's
	// accessible name, the browser's hover text and what the page script
	// shows on focus. Repeating it in attributes would double a 500-point
	// page's weight.
	s.raw(`><title>`)
	s.b = appendXMLEscaped(s.b, pt.Summary)
	s.raw("</title><use")
	s.attr("href", "#"+markID(prefix, pt.Band, state))
	s.attrNum("x", l.px(pt.X))
	s.attrNum("y", l.py(pt.Survival))
	s.raw("/>")
	if pt.Href != "" {
		s.raw("</a>\n")
	} else {
		s.raw("</g>\n")
	}
}

// shape draws a band's mark centred (by centroid) on cx, cy.
func (s *svgBuf) shape(m *bandMark, cx, cy, r float64, state markState) {
	fill, stroke, width, r := markStyle(m, r, state)
	switch m.shape {
	case shapeCircle, shapeSmallRing:
		if m.shape == shapeSmallRing {
			r *= 0.8
		}
		s.raw("<circle")
		s.attrNum("cx", cx)
		s.attrNum("cy", cy)
		s.attrNum("r", r)
	default:
		// An equilateral triangle with circumradius R: its centroid is the
		// data point and its tip points the way survival departs.
		R := r * 1.4
		dy := R / 2
		tip := R
		if m.shape == shapeUp {
			dy, tip = -dy, -tip
		}
		hw := R * math.Sqrt(3) / 2
		s.raw(`<path d="M`)
		s.num(cx - hw)
		s.raw(",")
		s.num(cy - dy)
		s.raw("L")
		s.num(cx + hw)
		s.raw(",")
		s.num(cy - dy)
		s.raw("L")
		s.num(cx)
		s.raw(",")
		s.num(cy + tip)
		s.raw(`Z"`)
	}
	s.raw(` fill="`)
	s.raw(fill)
	s.raw(`" stroke="`)
	s.raw(stroke)
	s.raw(`" stroke-width="`)
	s.b = strconv.AppendFloat(s.b, width, 'g', -1, 64)
	s.raw(`"/>`)
}

// markStyle is a band's mark in a state: its fill and stroke colours, the
// stroke's width and the mark's radius (from r), shared by the SVG and the
// PNG so the two draw the same marks.
func markStyle(m *bandMark, r float64, state markState) (fill, stroke string, width, radius float64) {
	fill, stroke, width = "#ffffff", m.colour, 1.6
	if m.filled {
		fill, stroke, width = m.colour, "#ffffff", 0.75
		if m.shape != shapeCircle {
			stroke, width = svgInk, 1
		}
	}
	switch state {
	case markGrey:
		if m.filled {
			fill = svgGrey
		} else {
			stroke = svgGrey
		}
		if m.shape == shapeCircle {
			r *= 0.85
		}
		width = 1.25
		if m.filled {
			width = 0.75
		}
	case markHighlight:
		r *= 1.5
		if m.filled {
			stroke, width = svgInk, 1.5
		} else {
			width = 2.25
		}
	}
	return fill, stroke, width, r
}

// labelBox is a placed label's extent, for avoiding overlaps.
type labelBox struct{ x0, y0, x1, y1 float64 }

// overlap is the area two boxes share.
func (a labelBox) overlap(b labelBox) float64 {
	return max(0, min(a.x1, b.x1)-max(a.x0, b.x0)) * max(0, min(a.y1, b.y1)-max(a.y0, b.y0))
}

func (s *svgBuf) highlights(l *plotLayout, p *funnelPlot) {
	s.raw(`<g class="highlights" aria-hidden="true" pointer-events="none">` + "\n")
	for i := range p.Points {
		if pt := &p.Points[i]; pt.Highlight && drawable(pt) {
			s.shape(markOf(pt.Band), l.px(pt.X), l.py(pt.Survival), l.size, markHighlight)
			s.raw("\n")
		}
	}
	for _, lb := range placeLabels(l, p) {
		s.text(lb.x, lb.y, ` class="highlight-label" font-size="`+string(appendCoord(nil, l.tick))+
			`" font-weight="600" text-anchor="`+lb.anchor.String()+`" fill="`+svgInk+
			`" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"`, lb.name)
	}
	s.raw("</g>\n")
}

// anchor is where text sits against its x: text-anchor start, middle, end.
type anchor int

const (
	anchorStart anchor = iota
	anchorMiddle
	anchorEnd
)

// String is the anchor's SVG text-anchor value.
func (a anchor) String() string {
	switch a {
	case anchorMiddle:
		return "middle"
	case anchorEnd:
		return "end"
	}
	return "start"
}

// placedLabel is a highlighted point's name label: its text, where its
// baseline is anchored, and how.
type placedLabel struct {
	name   string
	x, y   float64
	anchor anchor
}

// placeLabels places the highlighted points' names, in point order, each
// at the first of eight places round its point that avoids the highlighted
// marks, the line names, the edges and the labels already placed (the
// least overlap when none is free). The SVG and the PNG both use it.
func placeLabels(l *plotLayout, p *funnelPlot) []placedLabel {
	r := l.size * 1.5 * 1.4
	var taken []labelBox
	for _, c := range l.curveLabels {
		taken = append(taken, labelBox{l.x1 + 4, c.y - l.tick/2 - 1, l.w, c.y + l.tick/2 + 1})
	}
	for i := range p.Points {
		if pt := &p.Points[i]; pt.Highlight && drawable(pt) {
			cx, cy := l.px(pt.X), l.py(pt.Survival)
			taken = append(taken, labelBox{cx - r, cy - r, cx + r, cy + r})
		}
	}
	h := l.tick
	gap := r + 3
	type option struct {
		dx, dy float64 // the box's offset from the point
		anchor anchor
	}
	var out []placedLabel
	for i := range p.Points {
		pt := &p.Points[i]
		if !pt.Highlight || !drawable(pt) {
			continue
		}
		cx, cy := l.px(pt.X), l.py(pt.Survival)
		name := shortName(pt.Name, 28)
		tw := textWidth(name, l.tick)
		opts := []option{
			{gap, -h / 2, anchorStart}, {-gap - tw, -h / 2, anchorEnd},
			{-tw / 2, -gap - h, anchorMiddle}, {-tw / 2, gap, anchorMiddle},
			{gap * 0.7, -gap*0.7 - h, anchorStart}, {gap * 0.7, gap * 0.7, anchorStart},
			{-gap*0.7 - tw, -gap*0.7 - h, anchorEnd}, {-gap*0.7 - tw, gap * 0.7, anchorEnd},
		}
		best, bestCost := 0, math.Inf(1)
		var bestBox labelBox
		for k, o := range opts {
			b := labelBox{cx + o.dx, cy + o.dy, cx + o.dx + tw, cy + o.dy + h}
			cost := 0.0
			if b.x0 < 2 || b.x1 > l.w-2 || b.y0 < 0 || b.y1 > l.y1 {
				cost += 1e6
			}
			for _, t := range taken {
				cost += b.overlap(t)
			}
			cost += float64(k) * 0.01 // prefer the earlier on a tie
			if cost < bestCost {
				best, bestCost, bestBox = k, cost, b
			}
		}
		o := opts[best]
		taken = append(taken, bestBox)
		x := bestBox.x0
		switch o.anchor {
		case anchorEnd:
			x = bestBox.x1
		case anchorMiddle:
			x = (bestBox.x0 + bestBox.x1) / 2
		}
		out = append(out, placedLabel{name: name, x: x, y: bestBox.y1 - h*0.22, anchor: o.anchor})
	}
	return out
}

// shortName cuts a name longer than n characters, ending it with "…".
func shortName(name string, n int) string {
	if utf8.RuneCountInString(name) <= n {
		return name
	}
	i := 0
	for k := range name {
		if i == n-1 {
			return strings.TrimRightFunc(name[:k], unicode.IsSpace) + "…"
		}
		i++
	}
	return name
}

func (s *svgBuf) legend(l *plotLayout) {
	if len(l.legend) == 0 {
		return
	}
	s.raw(`<g class="legend" fill="` + svgInk + `"`)
	s.raw(` font-size="`)
	s.num(l.tick)
	s.raw(`">` + "\n")
	for _, it := range l.legend {
		s.raw(`<g class="` + it.class + `">`)
		x, y := it.x, it.y
		switch {
		case it.band != "":
			s.shape(markOf(it.band), x+11, y, l.size, markNormal)
		case it.kind == "target":
			s.raw(`<path d="M`)
			s.num(x)
			s.raw(",")
			s.num(y)
			s.raw(`h22" stroke="` + svgInk + `" stroke-width="1.75"/>`)
		case it.kind == "adjusted":
			s.raw(`<path d="M`)
			s.num(x)
			s.raw(",")
			s.num(y)
			s.raw(`h22" stroke="` + svgLine998 + `" stroke-width="1.5" stroke-dasharray="6 4"/>`)
		default:
			fill, stroke := svgFill95, svgLine95
			if it.kind == "limit-998" {
				fill, stroke = svgFill998, svgLine998
			}
			s.raw(`<rect`)
			s.attrNum("x", x)
			s.attrNum("y", y-6)
			s.raw(` width="22" height="12" fill="` + fill + `" stroke="` + stroke + `" stroke-width="1.25"/>`)
		}
		s.text(x+27, y+l.tick*0.35, "", it.text)
		s.b = s.b[:len(s.b)-1] // text's newline: keep the entry on one line
		s.raw("</g>\n")
	}
	s.raw("</g>\n")
}

// appendCoord appends x rounded to one decimal, without a trailing ".0"
// or a negative zero. A NaN or infinity, which layout never produces,
// is written as 0 to keep the SVG valid.
func appendCoord(b []byte, x float64) []byte {
	v := math.Round(x * 10)
	if !finite(v) || v == 0 {
		return append(b, '0')
	}
	if math.Abs(v) >= 1e17 {
		return strconv.AppendFloat(b, v/10, 'f', 1, 64)
	}
	n := int64(v)
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	b = strconv.AppendInt(b, n/10, 10)
	if d := n % 10; d != 0 {
		b = append(b, '.', byte('0'+d))
	}
	return b
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

// appendXMLEscaped appends s escaped for XML text and attribute values,
// byte for byte as xml.EscapeText does: & < > " ' and tab, newline and
// carriage return become character references, and invalid UTF-8 or
// characters XML forbids become U+FFFD.
func appendXMLEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && !xmlSpecial[c] { // the common case, byte by byte
			i++
			continue
		}
		r, width := rune(c), 1
		if c >= utf8.RuneSelf {
			r, width = utf8.DecodeRuneInString(s[i:])
		}
		var esc string
		switch r {
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if !xmlChar(r) || (r == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
			}
		}
		if esc != "" {
			b = append(b, s[last:i]...)
			b = append(b, esc...)
			last = i + width
		}
		i += width
	}
	return append(b, s[last:]...)
}

// xmlSpecial marks the printable ASCII bytes appendXMLEscaped replaces.
var xmlSpecial = [utf8.RuneSelf]bool{'"': true, '\'': true, '&': true, '<': true, '>': true}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// newFunnelPlot turns a catalog funnel into a plot on the survival scale.
//
// On the ratio scale (y = O/E) survival is 1 − y·p0; on the proportion
// scale (y = O/n) it is 1 − y. Either way the scale turns over: the upper
// survival limit is 1 − lower·p0 (or 1 − lower) and the lower survival
// limit 1 − upper·p0, so a high_alarm unit (more deaths than the upper
// 99.8% limit) lies below the lower 99.8% survival line. Survival is
// clamped to [0, 1].
//
// The drawn lines are f.Curve with the own limits of each unit near a line
// added at its x, so a point and the lines agree with its band exactly, not
// just to the resolution of the curve's 200 points (STATS.md §8.1). Points come A–Z by
// name (sortPlotPoints). highlight marks units by id; href gives a unit's
// page (nil: none); summary gives a point's sentence (nil: defaultPlotSummary).
func newFunnelPlot(r *release, f *funnel, highlight map[string]bool, href func(unitID string) string,
	summary func(u *unitRow) string) funnelPlot {
	p0 := f.Target
	k := 1.0
	if f.Scale == "ratio" {
		k = p0
	}
	surv := func(y float64) float64 { return clamp01(1 - y*k) }
	rows := r.rows[f.first:f.end]
	p := funnelPlot{TargetSurvival: clamp01(1 - p0), XLabel: "Risk-adjusted operations",
		YLabel: "Risk-adjusted survival"}
	if f.Scale != "ratio" {
		p.XLabel, p.YLabel = "Operations", "Survival"
	}

	curve := make([]plotCurve, 0, len(f.Curve)+len(rows))
	for _, c := range f.Curve {
		curve = append(curve, plotCurve{X: c.X, Low998: surv(c.Upper998), Low95: surv(c.Upper95),
			High95: surv(c.Lower95), High998: surv(c.Lower998)})
	}
	for i := range rows {
		u := &rows[i]
		x := float64(u.FunnelX)
		if !(x > 0) || !finite(x) || math.IsNaN(float64(u.Lower95+u.Upper95+u.Lower998+u.Upper998)) ||
			!nearLine(u) {
			continue
		}
		curve = append(curve, plotCurve{X: x, Low998: surv(float64(u.Upper998)), Low95: surv(float64(u.Upper95)),
			High95: surv(float64(u.Lower95)), High998: surv(float64(u.Lower998))})
	}
	slices.SortStableFunc(curve, func(a, b plotCurve) int { return cmp.Compare(a.X, b.X) })
	p.Curve = slices.CompactFunc(curve, func(a, b plotCurve) bool { return a.X == b.X })

	if summary == nil {
		summary = defaultPlotSummary
	}
	p.Points = make([]plotPoint, 0, len(rows))
	for i := range rows {
		u := &rows[i]
		pt := plotPoint{UnitID: u.UnitID, Name: u.UnitName, X: float64(u.FunnelX),
			Survival: surv(float64(u.FunnelY)), Band: u.Band, Summary: summary(u), Highlight: highlight[u.UnitID]}
		if href != nil {
			pt.Href = href(u.UnitID)
		}
		p.Points = append(p.Points, pt)
	}
	sortPlotPoints(p.Points)
	p.Title, p.Description = funnelText(f, rows, p.TargetSurvival)
	return p
}

// nearLine reports whether a unit lies close enough to one of its limits
// that the curve's own interpolation could put it on the wrong side by a
// pixel: only those units' limits are added to the drawn lines, which keeps
// a 500-unit chart's paths short.
func nearLine(u *unitRow) bool {
	y := float64(u.FunnelY)
	width := float64(u.Upper998 - u.Lower998)
	if !finite(y) || !(width > 0) {
		return false
	}
	for _, l := range []number{u.Lower998, u.Lower95, u.Upper95, u.Upper998} {
		if math.Abs(y-float64(l)) < 0.05*width {
			return true
		}
	}
	return false
}

// sortPlotPoints orders points A–Z by name as the tables do (case and
// accents folded), then by name and unit id, so the order is total.
func sortPlotPoints(ps []plotPoint) {
	keys := make(map[string]string, len(ps))
	for i := range ps {
		keys[ps[i].Name] = fold(ps[i].Name)
	}
	slices.SortStableFunc(ps, func(a, b plotPoint) int {
		return cmp.Or(strings.Compare(keys[a.Name], keys[b.Name]), strings.Compare(a.Name, b.Name),
			strings.Compare(a.UnitID, b.UnitID))
	})
}

// defaultPlotSummary is a unit's default sentence: its figures and its band.
func defaultPlotSummary(u *unitRow) string {
	b := []byte(u.UnitName)
	b = append(b, ": "...)
	b = strconv.AppendInt(b, int64(u.Cases), 10)
	b = append(b, " operations, "...)
	b = strconv.AppendInt(b, int64(u.Events), 10)
	if u.Events == 1 {
		b = append(b, " death"...)
	} else {
		b = append(b, " deaths"...)
	}
	if e := float64(u.Expected); finite(e) {
		b = append(b, " ("...)
		b = strconv.AppendFloat(b, e, 'f', 1, 64)
		b = append(b, " expected)"...)
	}
	if s := float64(u.Survival); finite(s) {
		if u.RiskAdjusted {
			b = append(b, "; risk-adjusted survival "...)
		} else {
			b = append(b, "; survival "...)
		}
		b = strconv.AppendFloat(b, 100*s, 'f', 1, 64)
		b = append(b, '%')
	}
	if w, ok := outcome.Words(u.Band); ok {
		b = append(b, "; "...)
		b = append(b, w.Summary...)
	}
	return string(append(b, '.'))
}

// funnelText gives a funnel's default title and text alternative.
func funnelText(f *funnel, rows []unitRow, target float64) (title, desc string) {
	spName, procName := f.Specialty, f.Procedure
	if sp, ok := outcome.LookupSpecialty(f.Specialty); ok {
		spName = sp.Name
		for _, pr := range sp.Procedures {
			if pr.Slug == f.Procedure {
				procName = pr.Name
			}
		}
	}
	units := f.UnitType.Plural()
	title = "Funnel plot: " + spName + ", " + procName + ", " + units + ", " + f.Period
	counts := map[outcome.Band]int{}
	for i := range rows {
		counts[rows[i].Band]++
	}
	var b strings.Builder
	b.WriteString("Each point is one of ")
	b.WriteString(strconv.Itoa(len(rows)))
	b.WriteString(" " + units + ", placed by ")
	if f.Scale == stats.ScaleRatio {
		b.WriteString("risk-adjusted operations (across) and risk-adjusted survival (up)")
	} else {
		b.WriteString("operations (across) and survival (up)")
	}
	b.WriteString(". A line marks the expected survival")
	if finite(target) {
		b.WriteString(", ")
		b.Write(strconv.AppendFloat(nil, 100*target, 'f', 1, 64))
		b.WriteString("%")
	}
	b.WriteString("; shaded bands show the 95% and 99.8% limits, where " + units +
		" would lie by chance alone, narrowing as the number of operations grows.")
	for _, w := range outcome.Bands() {
		if n := counts[w.Band]; n > 0 {
			b.WriteString(" ")
			b.WriteString(strconv.Itoa(n))
			if n == 1 {
				b.WriteString(" " + string(f.UnitType) + ": ")
			} else {
				b.WriteString(" " + units + ": ")
			}
			b.WriteString(w.Summary)
			b.WriteString(".")
		}
	}
	return title, b.String()
}

// adjustedCurve gives a funnel's overdispersion-adjusted limits on the
// survival scale, at the x values of f.Curve, for dashed lines (STATS.md
// §8.5), as stats.Overdispersion.Adjust computes them. It returns nil where
// the adjustment does not apply (none asked, φ ≤ 1 or undefined for
// multiplicative, τ² undefined for additive).
func adjustedCurve(f *funnel, a stats.Adjustment) []plotCurve {
	p0 := f.Target
	k := 1.0 // y to event rate: O/E × p0, or O/n as it is
	if f.Scale == stats.ScaleRatio {
		k = p0
	}
	surv := func(y float64) float64 { return clamp01(1 - y*k) }
	od := stats.Overdispersion{Scale: f.Scale, Target: p0, Phi: f.Phi, Tau2: f.Tau2}
	var out []plotCurve
	for _, c := range f.Curve {
		size := c.X * p0 // E at x = E/p0
		if f.Scale == stats.ScaleProportion {
			size = c.X
		}
		l, ok := od.Adjust(a, size, c.Limits())
		if !ok {
			continue
		}
		out = append(out, plotCurve{X: c.X, Low998: surv(l.Upper998), Low95: surv(l.Upper95),
			High95: surv(l.Lower95), High998: surv(l.Lower998)})
	}
	return out
}
