package chart

import (
	"math"
	"strconv"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// A funnel of a national release can hold 100,000 units: drawn one by
// one, with a link and a sentence each, its SVG was 27 MB. Beyond
// DenseAbove drawable points a funnel is drawn dense: every point that
// says something on its own (Point.Alone: flagged or highlighted) is still
// drawn as its own mark, and the rest are shaded hexagons, darker where
// more lie, with the key and the text alternative saying how many they
// are. At or below DenseAbove nothing changes.
const (
	DenseAbove = 2500
	// maxLinked bounds the points of a dense funnel drawn as links with
	// their sentence (some 250 bytes each): highlighted points first, then
	// those beyond the 99.8% limits, then those beyond the 95% limits,
	// each in the order given. The others alone are drawn as bare marks
	// (some 50 bytes), hidden from assistive technology: a reader would
	// not Tab through thousands of points, and the page's table lists
	// every unit.
	maxLinked = 500
	// maxLabelled bounds the names a dense funnel writes beside
	// highlighted points (placing each costs a pass over the others).
	maxLabelled = 40
	// densityLevels is how many shades the hexagons take.
	densityLevels = 5
)

// Alone reports whether a point is drawn as its own mark however many
// points the funnel has: it is highlighted, or its band is a judgement
// other than within the limits (outside the 95% or 99.8% limits).
func (pt *Point) Alone() bool {
	return pt.Highlight || (outcome.Assessed(pt.Band) && pt.Band != outcome.Within)
}

// Dense reports whether the funnel is drawn dense: more than DenseAbove
// drawable points.
func (f *Funnel) Dense() bool {
	n := 0
	for i := range f.Points {
		if drawable(&f.Points[i]) {
			if n++; n > DenseAbove {
				return true
			}
		}
	}
	return false
}

// Shaded is how many points a dense funnel shows as shaded hexagons
// rather than as their own marks; 0 when the funnel is not dense.
func (f *Funnel) Shaded() int {
	if !f.Dense() {
		return 0
	}
	n := 0
	for i := range f.Points {
		if pt := &f.Points[i]; drawable(pt) && !pt.Alone() {
			n++
		}
	}
	return n
}

// plural is the units' noun in the plural, "units" when not given.
func (f *Funnel) plural() string {
	if f.Units != "" {
		return f.Units
	}
	return "units"
}

// ShadedText is the sentence a dense funnel adds to its text alternative,
// and a page may print beside it: how many points are shaded, and that
// every other is drawn alone. Empty when nothing is shaded.
func (f *Funnel) ShadedText() string {
	n := f.Shaded()
	if n == 0 {
		return ""
	}
	return formatCount(float64(n)) + " " + f.plural() + " within the expected range or with too few operations to tell" +
		" are shown as shaded density, darker where more of them lie; every " + singular(f.plural()) +
		" outside the limits, and every one highlighted, is drawn as its own point."
}

// singular is a plural noun's singular: surgeons → surgeon.
func singular(plural string) string {
	if n := len(plural); n > 1 && plural[n-1] == 's' {
		return plural[:n-1]
	}
	return plural
}

// denseDraw is how a dense funnel draws each point: linked (a link with
// its sentence), bare (a mark alone), or shaded.
type denseDraw int8

const (
	drawLinked denseDraw = iota
	drawBare
	drawShaded
)

// denseDraws says how a dense funnel draws each of f.Points (by index).
func (f *Funnel) denseDraws() []denseDraw {
	out := make([]denseDraw, len(f.Points))
	budget := maxLinked
	for rank := 1; rank <= 3; rank++ {
		for i := range f.Points {
			pt := &f.Points[i]
			if !drawable(pt) {
				continue
			}
			if !pt.Alone() {
				out[i] = drawShaded
				continue
			}
			if linkRank(pt) != rank {
				continue
			}
			if budget > 0 {
				out[i] = drawLinked
				budget--
			} else {
				out[i] = drawBare
			}
		}
	}
	return out
}

// linkRank is the order in which a dense funnel's points alone are given
// links: highlighted, beyond the 99.8% limits, beyond the 95% limits.
func linkRank(pt *Point) int {
	switch {
	case pt.Highlight:
		return 1
	case pt.Band == outcome.HighAlarm || pt.Band == outcome.LowAlarm:
		return 2
	}
	return 3
}

// hexBin is one hexagon of shaded points: its centre and how many.
type hexBin struct {
	x, y float64
	n    int
}

// hexBins bins the shaded points into pointy-topped hexagons of radius r
// tiling the plot (as d3-hexbin does), in the order the points first fill
// them, so the drawing is the same for the same funnel.
func hexBins(l *layout, f *Funnel, draws []denseDraw, r float64) []hexBin {
	dx, dy := r*math.Sqrt(3), r*1.5
	index := map[[2]int]int{}
	var bins []hexBin
	for i := range f.Points {
		if draws[i] != drawShaded {
			continue
		}
		pt := &f.Points[i]
		x, y := l.px(pt.X)-l.x0, l.py(pt.Survival)-l.y0
		py := y / dy
		pj := math.Round(py)
		px := x/dx - float64(int(pj)&1)/2
		pi := math.Round(px)
		if py1 := py - pj; math.Abs(py1)*3 > 1 {
			px1 := px - pi
			pi2 := pi + math.Copysign(0.5, px-pi)
			pj2 := pj + math.Copysign(1, py-pj)
			px2, py2 := px-pi2, py-pj2
			if px1*px1+py1*py1 > px2*px2+py2*py2 {
				if int(pj)&1 == 1 {
					pi = pi2 + 0.5
				} else {
					pi = pi2 - 0.5
				}
				pj = pj2
			}
		}
		k := [2]int{int(pi), int(pj)}
		j, ok := index[k]
		if !ok {
			j = len(bins)
			index[k] = j
			bins = append(bins, hexBin{x: l.x0 + (pi+float64(int(pj)&1)/2)*dx, y: l.y0 + pj*dy})
		}
		bins[j].n++
	}
	return bins
}

// densityShades are the hexagons' fills, lightest (fewest points) first:
// the within mark's colour over white, from 20% to 80%.
var densityShades = func() (out [densityLevels]Colour) {
	for i := range out {
		out[i] = mix(within, white, 0.2+0.6*float64(i)/float64(densityLevels-1))
	}
	return out
}()

// mix is a over b at opacity t.
func mix(a, b Colour, t float64) Colour {
	ch := func(c Colour, i int) float64 {
		v, _ := strconv.ParseUint(string(c[1+2*i:3+2*i]), 16, 8)
		return float64(v)
	}
	out := []byte{'#'}
	for i := range 3 {
		v := int(math.Round(t*ch(a, i) + (1-t)*ch(b, i)))
		out = append(out, "0123456789abcdef"[v>>4], "0123456789abcdef"[v&15])
	}
	return Colour(out)
}

// shadeLevel is a hexagon's shade for n points when the fullest holds
// most: on a log scale, so a few points still show.
func shadeLevel(n, most int) int {
	if most <= 1 {
		return densityLevels - 1
	}
	t := math.Log1p(float64(n)) / math.Log1p(float64(most))
	return min(densityLevels-1, max(0, int(math.Ceil(t*densityLevels))-1))
}

// drawHexagon draws a pointy-topped hexagon of radius r centred on x, y.
func drawHexagon(c Canvas, x, y, r float64, fill Colour) {
	h := r * math.Sqrt(3) / 2
	c.Polygon([]XY{{x, y - r}, {x + h, y - r/2}, {x + h, y + r/2}, {x, y + r}, {x - h, y + r/2}, {x - h, y - r/2}},
		Style{Fill: fill})
}

// drawDensity draws the shaded points as hexagons, beneath every mark.
func drawDensity(c Canvas, l *layout, f *Funnel, draws []denseDraw) {
	r := l.size * 1.5
	bins := hexBins(l, f, draws, r)
	most := 0
	for _, b := range bins {
		most = max(most, b.n)
	}
	c.BeginGroup(Group{Class: "density", Clip: "plot", Hidden: true})
	for _, b := range bins {
		level := shadeLevel(b.n, most)
		fill := densityShades[level]
		c.Use("d-"+strconv.Itoa(level), b.x, b.y, func(c Canvas, x, y float64) { drawHexagon(c, x, y, r+0.3, fill) })
	}
	c.EndGroup()
}

// thinCurve is a dense funnel's limits without the points that would
// draw nothing new: within curveStep across of the last point kept, and
// every line within it up or down (the SVG writes a tenth of a unit). The
// first and last point of each run where a line is defined are kept. The
// lines of a funnel of 100,000 units, each with its own limits added
// where it lies near them, held many points to a pixel; a point drawn
// alone still meets its own limit to a tenth of a unit.
func thinCurve(l *layout, cs []Curve) []Curve {
	const curveStep = 0.25
	const rise = 0.1
	same := func(a, b float64) bool {
		if !finite(a) || !finite(b) {
			return finite(a) == finite(b)
		}
		return math.Abs(l.py(a)-l.py(b)) < rise
	}
	defined := func(c *Curve) [4]bool {
		return [4]bool{finite(c.Low998), finite(c.Low95), finite(c.High95), finite(c.High998)}
	}
	out := make([]Curve, 0, min(len(cs), 4096))
	for i := range cs {
		c := &cs[i]
		if n := len(out); n > 0 && i < len(cs)-1 {
			last, next := &out[n-1], &cs[i+1]
			if finite(c.X) && finite(last.X) && finite(next.X) && l.px(c.X)-l.px(last.X) < curveStep &&
				same(c.Low998, last.Low998) && same(c.Low95, last.Low95) && same(c.High95, last.High95) &&
				same(c.High998, last.High998) && defined(c) == defined(next) {
				continue
			}
		}
		out = append(out, *c)
	}
	return out
}
