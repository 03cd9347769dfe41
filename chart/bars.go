package chart

import (
	"math"
	"strconv"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// Bars is an interval chart: for each row, risk-adjusted survival (a dot)
// and its likely range (its interval at the release's level, a bar), all on
// one scale from Low to 100%, so that rows on a page can be compared by
// eye. The national average each row is compared with is a dashed
// vertical line, one line across the chart when every row shares it:
// drawn under the dots, a line cannot hide a dot the way a marker could,
// and every dot has a white outline that keeps it apart from the bar and
// the line behind it. Each row's label sits above its bar and the drawing
// is 360 units wide, so its text stays readable on a 390 px phone.
type Bars struct {
	Rows []Bar
	// Low is the survival at the scale's left end: it is rounded down to
	// a whole percent, and kept at or below 98%.
	Low float64
}

// Bar is one row of an interval chart.
type Bar struct {
	Label string
	// Band is the unit's band: a row whose band is not assessed (too few
	// to tell) gets words, not a dot that would look like a result.
	Band outcome.Band
	// Survival is the point estimate and Low, High its interval; NaN
	// where undefined (no Survival: words, not a dot).
	Survival, Low, High float64
	// Average is the national average survival the row is compared with,
	// 1 − p0 (NaN: no line). Only a row drawn as a result has its line.
	Average float64
	// Note is written in place of the dot when there is none: why, and
	// what the figures were. Empty, the band's label says why.
	Note string
}

// Colours of the interval chart: text at least 4.5:1 against white.
const (
	barsGrid  Colour = "#d0d7de"
	barsMuted Colour = "#3d4752"
	barsInk   Colour = "#1b1f24"
	barsLine  Colour = "#1f5f99"
	barsDot   Colour = "#0b2e4f"
)

// The interval chart's layout, in user units.
const (
	barsWidth = 360.0
	barsLeft  = 12.0
	barsRight = 340.0
	barsTop   = 30.0 // below the scale's labels
	barsRowH  = 48.0 // a label line, then the bar
	barsKeyH  = 26.0 // the line that names the national average
	barsFont  = 14.0
	barsDotR  = 6.0
)

// barsAverageLabel names the national average line in the chart's key.
const barsAverageLabel = "National average"

// Draw draws the chart. Its accessible name says what the marks are; the
// figures themselves are in the page's text.
func (bs *Bars) Draw(c Canvas) {
	lo := math.Max(0, math.Floor(bs.Low*100-0.5)/100) // a whole percent below the lowest
	if lo >= 0.99 {
		lo = 0.98
	}
	// Values off the scale are drawn at its ends.
	x := func(v float64) float64 { return barsLeft + (barsRight-barsLeft)*(min(max(v, lo), 1)-lo)/(1-lo) }
	average, shared := bs.average()
	rowsEnd := barsTop + barsRowH*float64(len(bs.Rows))
	height := rowsEnd + 4
	if finite(average) {
		height = rowsEnd + barsKeyH
	}
	c.Begin(Document{Width: barsWidth, Height: height, Class: "interval-chart", Role: "img",
		Label:      "Risk-adjusted survival (dot) and its likely range (bar); the dashed line is the national average",
		FontFamily: "system-ui, sans-serif", FontSize: barsFont, SizeHint: 1024 + 700*len(bs.Rows)})
	bs.drawScale(c, lo, x, rowsEnd)
	rowY := func(i int) float64 { return barsTop + barsRowH*float64(i) + 30 }
	var p Path
	// The bars first, then the national average over them, then the dots
	// and the words on top: nothing drawn later can cover a dot.
	for i, r := range bs.Rows {
		if !r.dotted() || !finite(r.Low) || !finite(r.High) {
			continue
		}
		p.Reset()
		p.MoveTo(x(r.Low), rowY(i))
		p.HorizontalTo(x(r.High))
		c.Path(&p, Style{Stroke: barsLine, Width: 6, RoundCap: true})
	}
	line := Style{Class: "average", Stroke: barsInk, Width: 2, Dash: []float64{5, 3}}
	switch {
	case shared:
		c.Line(x(average), barsTop-4, x(average), rowsEnd+6, line) // down to its name in the key
	default:
		// A line in each row, joined across neighbouring rows that share
		// their average (a surgeon and their hospital in one period).
		for i := 0; i < len(bs.Rows); i++ {
			r := bs.Rows[i]
			if !r.dotted() || !finite(r.Average) {
				continue
			}
			j := i
			for j+1 < len(bs.Rows) && bs.Rows[j+1].dotted() && bs.Rows[j+1].Average == r.Average {
				j++
			}
			c.Line(x(r.Average), rowY(i)-14, x(r.Average), rowY(j)+14, line)
			i = j
		}
	}
	halo := TextStyle{Fill: barsInk, Halo: white, HaloWidth: 4}
	for i, r := range bs.Rows {
		y := rowY(i)
		c.Text(barsLeft, y-16, r.Label, halo)
		if !r.dotted() {
			note := r.Note
			if note == "" {
				w, _ := outcome.Words(r.Band)
				note = w.Label
			}
			c.Text(barsLeft, y+5, note, TextStyle{Fill: barsMuted, Halo: white, HaloWidth: 4})
			continue
		}
		c.Circle(x(r.Survival), y, barsDotR, Style{Class: "estimate", Fill: barsDot, Stroke: white, Width: 2})
	}
	if finite(average) {
		bs.drawKey(c, x, average, shared, rowsEnd, line)
	}
}

// dotted reports whether a row is drawn as a result: a dot, and its bar.
func (r *Bar) dotted() bool { return outcome.Assessed(r.Band) && finite(r.Survival) }

// average is the national average of the rows drawn as results (NaN if
// none has one), and whether they all share it, so that one line can run
// across the whole chart.
func (bs *Bars) average() (float64, bool) {
	avg, shared := math.NaN(), true
	for _, r := range bs.Rows {
		switch {
		case !r.dotted() || !finite(r.Average):
		case math.IsNaN(avg):
			avg = r.Average
		case math.Abs(r.Average-avg) > 1e-9:
			shared = false
		}
	}
	return avg, shared && finite(avg)
}

// drawScale draws the grid and its labels: whole percentages, at most
// five, counted (not summed) so they print exactly.
func (bs *Bars) drawScale(c Canvas, lo float64, x func(float64) float64, rowsEnd float64) {
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
		c.Line(px, barsTop-8, px, rowsEnd, Style{Stroke: barsGrid, Width: 1})
		c.Text(px, 16, strconv.FormatFloat(v, 'f', -1, 64)+"%", TextStyle{Anchor: edgeAnchor(px, i == 0), Fill: barsMuted})
	}
}

// drawKey names the national average line below the rows: under the line
// itself when one line runs across the chart, else at the left beside a
// piece of line.
func (bs *Bars) drawKey(c Canvas, x func(float64) float64, average float64, shared bool, rowsEnd float64, line Style) {
	y := rowsEnd + 18
	if !shared {
		c.Line(barsLeft+4, y-11, barsLeft+4, y+3, line)
		c.Text(barsLeft+12, y, barsAverageLabel+" in each row's period", TextStyle{Fill: barsMuted})
		return
	}
	px := x(average)
	text := barsAverageLabel + " " + strconv.FormatFloat(100*average, 'f', 1, 64) + "%"
	anchor := AnchorMiddle
	switch {
	case px > barsWidth-90:
		anchor = AnchorEnd
		px += 4
	case px < 90:
		anchor = AnchorStart
		px -= 4
	}
	c.Text(px, y, text, TextStyle{Anchor: anchor, Fill: barsMuted})
}

// edgeAnchor keeps a scale label at the chart's ends inside the drawing.
func edgeAnchor(px float64, right bool) Anchor {
	switch {
	case right:
		return AnchorEnd
	case px < barsLeft+20:
		return AnchorStart
	}
	return AnchorMiddle
}
