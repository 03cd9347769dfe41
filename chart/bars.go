package chart

import (
	"math"
	"strconv"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// Bars is an interval chart: for each row, survival and its 95% interval
// as a horizontal bar, with the expected survival marked by a diamond, all
// on one scale from Low to 100%, so that intervals on a page can be
// compared by eye. Each row's label sits above its bar and the drawing is
// 360 units wide, so its text stays readable on a 390 px phone.
type Bars struct {
	Rows []Bar
	// Low is the survival at the scale's left end: it is rounded down to
	// a whole percent, and kept at or below 98%.
	Low float64
}

// Bar is one row of an interval chart.
type Bar struct {
	Label string
	// Band is the unit's band: a band that is not assessed (too few to
	// tell) is drawn as words, not a bar.
	Band outcome.Band
	// Survival is the point estimate and Low, High its 95% interval; NaN
	// where undefined (no Survival: words, not a bar).
	Survival, Low, High float64
	// Expected is the expected survival, 1 − p0 (NaN: no diamond).
	Expected float64
}

// Colours of the interval chart: text at least 4.5:1 against white.
const (
	barsGrid  Colour = "#d0d7de"
	barsMuted Colour = "#3d4752"
	barsInk   Colour = "#1b1f24"
	barsLine  Colour = "#1f5f99"
	barsDot   Colour = "#0b2e4f"
)

// Draw draws the chart. Its accessible name says what the marks are; the
// figures themselves are in the page's text.
func (bs *Bars) Draw(c Canvas) {
	const width, left, right, top, rowH, font = 360.0, 12.0, 340.0, 30.0, 48.0, 14.0
	lo := math.Max(0, math.Floor(bs.Low*100-0.5)/100) // a whole percent below the lowest
	if lo >= 0.99 {
		lo = 0.98
	}
	x := func(v float64) float64 { return left + (right-left)*(v-lo)/(1-lo) }
	height := top + rowH*float64(len(bs.Rows)) + 4
	c.Begin(Document{Width: width, Height: height, Class: "interval-chart", Role: "img",
		Label:      "Risk-adjusted survival with 95% intervals; the diamond marks expected survival",
		FontFamily: "system-ui, sans-serif", FontSize: font, SizeHint: 1024 + 600*len(bs.Rows)})
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
	var p Path
	for i := 0; ; i++ {
		v := 100 - float64(i)*step
		if v < lo*100-1e-9 {
			break
		}
		px := x(v / 100)
		p.Reset()
		p.MoveTo(px, top-8)
		p.VerticalTo(height - 4)
		c.Path(&p, Style{Stroke: barsGrid, Width: 1})
		anchor := AnchorMiddle // the end ticks keep their labels inside the drawing
		switch {
		case i == 0:
			anchor = AnchorEnd
		case px < left+20:
			anchor = AnchorStart
		}
		c.Text(px, 16, strconv.FormatFloat(v, 'f', -1, 64)+"%", TextStyle{Anchor: anchor, Fill: barsMuted})
	}
	for i, r := range bs.Rows {
		y0 := top + rowH*float64(i)
		y := y0 + 30
		c.Text(left, y0+14, r.Label, TextStyle{Fill: barsInk})
		if !outcome.Assessed(r.Band) || !finite(r.Survival) {
			c.Text(left, y+5, "too few deaths expected to compare", TextStyle{Fill: barsMuted})
			continue
		}
		if finite(r.Low) && finite(r.High) {
			p.Reset()
			p.MoveTo(x(math.Max(r.Low, lo)), y)
			p.HorizontalTo(x(r.High))
			c.Path(&p, Style{Stroke: barsLine, Width: 6, RoundCap: true})
		}
		c.Circle(x(math.Max(r.Survival, lo)), y, 6, Style{Fill: barsDot, Stroke: white, Width: 2})
		if finite(r.Expected) {
			t := x(r.Expected)
			c.Polygon([]XY{{t, y - 9}, {t + 6, y}, {t, y + 9}, {t - 6, y}}, Style{Fill: white, Stroke: barsInk, Width: 2})
		}
	}
}
