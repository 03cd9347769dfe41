package chart

import (
	"math"
	"strconv"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// markShape is how a band's points are drawn: never by colour alone.
type markShape int

const (
	shapeCircle    markShape = iota // within
	shapeDown                       // survival below expected (more deaths)
	shapeUp                         // survival above expected (fewer deaths)
	shapeSmallRing                  // too few to say
)

// bandMark is how a band's points are drawn: shape, colour and fill; the
// key's words are the band's (outcome.BandWords Legend, LegendShort).
type bandMark struct {
	band   outcome.Band
	shape  markShape
	colour Colour
	filled bool
}

// bandMarks are in legend order: the y-axis top to bottom, then too_few.
var bandMarks = [...]bandMark{
	{outcome.LowAlarm, shapeUp, low, true},
	{outcome.LowAlert, shapeUp, low, false},
	{outcome.Within, shapeCircle, within, true},
	{outcome.HighAlert, shapeDown, high, false},
	{outcome.HighAlarm, shapeDown, high, true},
	{outcome.TooFew, shapeSmallRing, tooFew, false},
}

// markIndex is a band's index in bandMarks; a code that is not a band is
// drawn as too few to tell.
func markIndex(band outcome.Band) int {
	for i := range bandMarks {
		if bandMarks[i].band == band {
			return i
		}
	}
	return len(bandMarks) - 1
}

// markOf is a band's mark.
func markOf(band outcome.Band) *bandMark { return &bandMarks[markIndex(band)] }

// markState is how prominent a point is.
type markState int

const (
	markNormal markState = iota
	markGrey             // others, when some points are highlighted
	markHighlight
)

// markIDs name the symbol of each band's mark in each state.
var markIDs = func() (ids [len(bandMarks)][3]string) {
	for i, m := range bandMarks {
		for s := range ids[i] {
			ids[i][s] = "m-" + string(m.band) + "-" + strconv.Itoa(s)
		}
	}
	return ids
}()

// drawMark draws a band's mark centred (by centroid) on cx, cy.
func drawMark(c Canvas, m *bandMark, cx, cy, r float64, state markState) {
	fill, stroke, width, r := markStyle(m, r, state)
	s := Style{Fill: fill, Stroke: stroke, Width: width}
	switch m.shape {
	case shapeCircle, shapeSmallRing:
		if m.shape == shapeSmallRing {
			r *= 0.8
		}
		c.Circle(cx, cy, r, s)
	default:
		// An equilateral triangle with circumradius R: its centroid is the
		// data point and its tip points the way survival departs.
		R := r * 1.4
		dy, tip := R/2, R
		if m.shape == shapeUp {
			dy, tip = -dy, -tip
		}
		hw := R * math.Sqrt(3) / 2
		c.Polygon([]XY{{cx - hw, cy - dy}, {cx + hw, cy - dy}, {cx, cy + tip}}, s)
	}
}

// markStyle is a band's mark in a state: its fill and stroke colours, the
// stroke's width and the mark's radius (from r).
func markStyle(m *bandMark, r float64, state markState) (fill, stroke Colour, width, radius float64) {
	fill, stroke, width = white, m.colour, 1.6
	if m.filled {
		fill, stroke, width = m.colour, white, 0.75
		if m.shape != shapeCircle {
			stroke, width = ink, 1
		}
	}
	switch state {
	case markGrey:
		if m.filled {
			fill = grey
		} else {
			stroke = grey
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
			stroke, width = ink, 1.5
		} else {
			width = 2.25
		}
	}
	return fill, stroke, width, r
}
