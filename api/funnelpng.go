package api

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"

	"github.com/labstack/echo/v4"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// pngScale is how many pixels a PNG gives one SVG user unit: 2 gives
// 1440×960 for the 720×480 chart, sharp on high-density screens.
const pngScale = 2

// handleFunnelPNG answers GET /specialties/{slug}/funnel.png: the chart of
// GET /specialties/{slug}/funnel.svg, with the same query parameters
// (procedure, period, unit, highlight, adjusted), as a PNG for places that
// cannot show SVG.
func (s *Server) handleFunnelPNG(c echo.Context) error {
	if e, ok := s.cache.get("png\x00" + cacheKey(c.Request())); ok {
		return writeCached(c, e)
	}
	cr, err := s.readChartRequest(c)
	if err != nil {
		return err
	}
	// The plot funnelSVGWith draws for the standalone SVG.
	set := map[string]bool{}
	for _, id := range cr.highlight {
		set[id] = true
	}
	r, f := cr.rel, cr.funnel
	p := newFunnelPlot(r, f, set, nil, nil)
	p.Adjusted = adjustedCurve(f, cr.adjust)
	var b bytes.Buffer
	if err := renderFunnelPNG(&b, p); err != nil {
		return err
	}
	// Drawing a PNG costs tens of milliseconds: each URL is drawn once and
	// kept in the response cache, like the API's JSON.
	sum := sha256.Sum256(b.Bytes())
	e := &cached{body: b.Bytes(), etag: `"` + hex.EncodeToString(sum[:16]) + `"`, cacheControl: "public, max-age=300",
		lastModified: r.meta.IngestedAt.UTC().Format(http.TimeFormat), contentType: "image/png", compressed: true}
	s.cache.put("png\x00"+cacheKey(c.Request()), e)
	return writeCached(c, e)
}

// renderFunnelPNG writes the funnel as a PNG of the same drawing as
// renderFunnelSVG with standalone set: the same layout, colours, marks and
// words, at pngScale pixels per user unit. Text is set in the Go fonts,
// embedded in the binary. The same input gives the same bytes.
func renderFunnelPNG(w io.Writer, p funnelPlot) error {
	img, err := rasterFunnel(&p)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, img)
}

// goFonts are the parsed Go Regular and Go Bold, shared by every render:
// an opentype.Font is safe for concurrent use, a Face is not.
var goFonts = sync.OnceValues(func() ([2]*opentype.Font, error) {
	var fs [2]*opentype.Font
	for i, ttf := range [][]byte{goregular.TTF, gobold.TTF} {
		f, err := opentype.Parse(ttf)
		if err != nil {
			return fs, err
		}
		fs[i] = f
	}
	return fs, nil
})

// pngCanvas draws a funnel plot's shapes and text in user units onto an
// RGBA image scaled by pngScale.
type pngCanvas struct {
	img  *image.RGBA
	z    vector.Rasterizer
	mask *image.Alpha // a stroke's coverage, the whole image, kept clear between strokes
	seg  []uint8      // one segment's coverage, merged into mask
	// faces by size in user units; bold for the highlighted names.
	faces, bold map[float64]font.Face
	fonts       [2]*opentype.Font
}

// xy is a point in user units.
type xy struct{ x, y float64 }

func rasterFunnel(p *funnelPlot) (*image.RGBA, error) {
	fs, err := goFonts()
	if err != nil {
		return nil, err
	}
	l := p.layout()
	W, H := int(math.Round(l.w*pngScale)), int(math.Round(l.h*pngScale))
	c := &pngCanvas{img: image.NewRGBA(image.Rect(0, 0, W, H)), fonts: fs,
		faces: map[float64]font.Face{}, bold: map[float64]font.Face{}}
	defer c.close()
	draw.Draw(c.img, c.img.Bounds(), image.White, image.Point{}, draw.Src)

	clip := c.rect(l.x0, l.y0-l.size*1.6, l.x1, l.y1)

	// Shaded bands: the 99.8% region, then the 95% region on top of it.
	c.region(l, p.Curve, clip, hexColour(svgFill998),
		func(c *plotCurve) (float64, float64) { return c.High998, c.Low998 })
	c.region(l, p.Curve, clip, hexColour(svgFill95),
		func(c *plotCurve) (float64, float64) { return c.High95, c.Low95 })

	// Gridlines: black at 10% opacity, 1 unit wide.
	grid := color.NRGBA{0, 0, 0, 26}
	full := c.img.Bounds()
	for _, v := range l.xTicks[1:] {
		c.stroke([][]xy{{{l.px(v), l.y0}, {l.px(v), l.y1}}}, 1, full, grid)
	}
	for _, v := range l.yTicks {
		if v != l.yMin {
			c.stroke([][]xy{{{l.x0, l.py(v)}, {l.x1, l.py(v)}}}, 1, full, grid)
		}
	}

	// Limit lines and the target, as in svgBuf.render.
	lines := []struct {
		colour string
		width  float64
		y      func(c *plotCurve) float64
	}{
		{svgLine998, 1.5, func(c *plotCurve) float64 { return c.Low998 }},
		{svgLine998, 1.5, func(c *plotCurve) float64 { return c.High998 }},
		{svgLine95, 1.25, func(c *plotCurve) float64 { return c.Low95 }},
		{svgLine95, 1.25, func(c *plotCurve) float64 { return c.High95 }},
	}
	for _, ln := range lines {
		c.stroke(curvePaths(l, p.Curve, ln.y), ln.width, clip, hexColour(ln.colour))
	}
	if len(p.Adjusted) > 0 {
		for _, ln := range lines {
			c.stroke(dash(curvePaths(l, p.Adjusted, ln.y), 6, 4), ln.width, clip, hexColour(ln.colour))
		}
	}
	if finite(p.TargetSurvival) {
		y := l.py(p.TargetSurvival)
		c.stroke([][]xy{{{l.x0, y}, {l.x1, y}}}, 1.75, clip, hexColour(svgInk))
	}

	c.axes(l, p)

	for i := range p.Points {
		if pt := &p.Points[i]; drawable(pt) {
			c.shape(markOf(pt.Band), l.px(pt.X), l.py(pt.Survival), l.size, pointState(l, pt))
		}
	}
	if l.highlighted {
		c.highlights(l, p)
	}
	if !p.HideLegend {
		c.legend(l)
	}
	return c.img, nil
}

func (c *pngCanvas) close() {
	for _, m := range []map[float64]font.Face{c.faces, c.bold} {
		for _, f := range m {
			f.Close()
		}
	}
}

// face gives Go Regular (or Go Bold) at size user units.
func (c *pngCanvas) face(size float64, bold bool) font.Face {
	m, f := c.faces, c.fonts[0]
	if bold {
		m, f = c.bold, c.fonts[1]
	}
	if fc, ok := m[size]; ok {
		return fc
	}
	// NewFace fails only on bad options, which these are not.
	fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size * pngScale, DPI: 72,
		Hinting: font.HintingNone})
	if err != nil {
		panic("api: opentype.NewFace: " + err.Error())
	}
	m[size] = fc
	return fc
}

// rect is the pixels covering a box in user units, within the image.
func (c *pngCanvas) rect(x0, y0, x1, y1 float64) image.Rectangle {
	r := image.Rect(int(math.Floor(x0*pngScale)), int(math.Floor(y0*pngScale)),
		int(math.Ceil(x1*pngScale)), int(math.Ceil(y1*pngScale)))
	return r.Intersect(c.img.Bounds())
}

// fill paints the closed polygons (and circles, as polygons) in colour,
// within clip, with the non-zero rule for polygons wound alike.
func (c *pngCanvas) fill(polys [][]xy, clip image.Rectangle, col color.Color) {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, pg := range polys {
		for _, q := range pg {
			x0, y0, x1, y1 = min(x0, q.x), min(y0, q.y), max(x1, q.x), max(y1, q.y)
		}
	}
	if !(x0 <= x1) {
		return
	}
	r := c.rect(x0, y0, x1, y1).Intersect(clip)
	if r.Empty() {
		return
	}
	c.z.Reset(r.Dx(), r.Dy())
	ox, oy := float64(r.Min.X), float64(r.Min.Y)
	for _, pg := range polys {
		if len(pg) < 3 {
			continue
		}
		c.z.MoveTo(float32(pg[0].x*pngScale-ox), float32(pg[0].y*pngScale-oy))
		for _, q := range pg[1:] {
			c.z.LineTo(float32(q.x*pngScale-ox), float32(q.y*pngScale-oy))
		}
		c.z.ClosePath()
	}
	c.z.Draw(c.img, r, image.NewUniform(col), image.Point{})
}

// stroke draws the polylines width units wide, with round joins and butt
// ends, within clip. Each segment is rasterised on its own and the
// coverages are merged by maximum, so overlapping segments do not darken
// a line's edge at the joins.
func (c *pngCanvas) stroke(paths [][]xy, width float64, clip image.Rectangle, col color.Color) {
	if clip.Empty() {
		return
	}
	if c.mask == nil {
		c.mask = image.NewAlpha(c.img.Bounds())
	}
	hw := width / 2
	drawn := image.Rectangle{}
	for _, path := range paths {
		for i := 1; i < len(path); i++ {
			a, b := path[i-1], path[i]
			dx, dy := b.x-a.x, b.y-a.y
			d := math.Hypot(dx, dy)
			if !(d > 0) {
				continue
			}
			nx, ny := dy/d*hw, -dx/d*hw // wound like circle
			polys := [][]xy{{{a.x + nx, a.y + ny}, {b.x + nx, b.y + ny}, {b.x - nx, b.y - ny}, {a.x - nx, a.y - ny}}}
			if i < len(path)-1 { // a round join to the next segment
				polys = append(polys, circle(b.x, b.y, hw))
			}
			drawn = drawn.Union(c.coverage(polys, clip))
		}
	}
	if !drawn.Empty() {
		draw.DrawMask(c.img, drawn, image.NewUniform(col), image.Point{}, c.mask, drawn.Min, draw.Over)
		for y := drawn.Min.Y; y < drawn.Max.Y; y++ {
			clear(c.mask.Pix[c.mask.PixOffset(drawn.Min.X, y):][:drawn.Dx()])
		}
	}
}

// coverage rasterises polys into c.mask, keeping the larger coverage of
// each pixel, and gives the pixels it touched.
func (c *pngCanvas) coverage(polys [][]xy, clip image.Rectangle) image.Rectangle {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, pg := range polys {
		for _, q := range pg {
			x0, y0, x1, y1 = min(x0, q.x), min(y0, q.y), max(x1, q.x), max(y1, q.y)
		}
	}
	r := c.rect(x0, y0, x1, y1).Intersect(clip)
	if r.Empty() {
		return image.Rectangle{}
	}
	n := r.Dx() * r.Dy()
	if cap(c.seg) < n {
		c.seg = make([]uint8, n)
	}
	seg := &image.Alpha{Pix: c.seg[:n], Stride: r.Dx(), Rect: r}
	c.z.Reset(r.Dx(), r.Dy())
	c.z.DrawOp = draw.Src
	ox, oy := float64(r.Min.X), float64(r.Min.Y)
	for _, pg := range polys {
		c.z.MoveTo(float32(pg[0].x*pngScale-ox), float32(pg[0].y*pngScale-oy))
		for _, q := range pg[1:] {
			c.z.LineTo(float32(q.x*pngScale-ox), float32(q.y*pngScale-oy))
		}
		c.z.ClosePath()
	}
	c.z.Draw(seg, r, image.Opaque, image.Point{})
	for y := r.Min.Y; y < r.Max.Y; y++ {
		src := seg.Pix[(y-r.Min.Y)*seg.Stride : (y-r.Min.Y+1)*seg.Stride]
		dst := c.mask.Pix[c.mask.PixOffset(r.Min.X, y):]
		for i, v := range src {
			dst[i] = max(dst[i], v)
		}
	}
	return r
}

// circle is a polygon close enough to a circle at 2× scale, wound like the
// quads stroke builds.
func circle(cx, cy, r float64) []xy {
	n := max(12, int(math.Ceil(r*pngScale*2)))
	ps := make([]xy, n)
	for i := range ps {
		a := 2 * math.Pi * float64(i) / float64(n)
		ps[i] = xy{cx + r*math.Cos(a), cy + r*math.Sin(a)}
	}
	return ps
}

// reversed gives a polygon wound the other way, to cut a hole.
func reversed(ps []xy) []xy {
	out := make([]xy, len(ps))
	for i, q := range ps {
		out[len(ps)-1-i] = q
	}
	return out
}

// curvePaths are a curve's line in user units, broken where undefined.
func curvePaths(l *plotLayout, cs []plotCurve, y func(c *plotCurve) float64) [][]xy {
	var out [][]xy
	var cur []xy
	for i := range cs {
		v := y(&cs[i])
		if !finite(cs[i].X) || !finite(v) {
			if len(cur) > 1 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, xy{l.px(cs[i].X), l.py(v)})
	}
	if len(cur) > 1 {
		out = append(out, cur)
	}
	return out
}

// dash cuts polylines into dashes on units long with off-unit gaps, as
// stroke-dasharray="on off" does, the pattern running on along each path.
func dash(paths [][]xy, on, off float64) [][]xy {
	var out [][]xy
	for _, path := range paths {
		pos, drawing := 0.0, true // distance into the current dash or gap
		cur := []xy{path[0]}
		for i := 1; i < len(path); i++ {
			a, b := path[i-1], path[i]
			d := math.Hypot(b.x-a.x, b.y-a.y)
			t := 0.0
			for d-t > 0 {
				left := on - pos
				if !drawing {
					left = off - pos
				}
				if d-t < left {
					pos += d - t
					t = d
					break
				}
				t += left
				q := xy{a.x + (b.x-a.x)*t/d, a.y + (b.y-a.y)*t/d}
				if drawing {
					out = append(out, append(cur, q))
					cur = nil
				} else {
					cur = []xy{q}
				}
				drawing, pos = !drawing, 0
			}
			if drawing {
				cur = append(cur, b)
			}
		}
		if drawing && len(cur) > 1 {
			out = append(out, cur)
		}
	}
	return out
}

// region fills between a curve's upper and lower lines, one polygon per
// run where both are defined, as svgBuf.region does.
func (c *pngCanvas) region(l *plotLayout, cs []plotCurve, clip image.Rectangle, col color.Color,
	hiLo func(c *plotCurve) (float64, float64)) {
	var polys [][]xy
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
		var pg []xy
		for k := i; k < j; k++ {
			hi, _ := hiLo(&cs[k])
			pg = append(pg, xy{l.px(cs[k].X), l.py(hi)})
		}
		for k := j - 1; k >= i; k-- {
			_, lo := hiLo(&cs[k])
			pg = append(pg, xy{l.px(cs[k].X), l.py(lo)})
		}
		polys = append(polys, pg)
		i = j
	}
	c.fill(polys, clip, col)
}

// text draws s with its baseline at y, anchored at x, in user units.
func (c *pngCanvas) text(x, y float64, s string, size float64, bold bool, a anchor, col color.Color) {
	fc := c.face(size, bold)
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: fc, Dot: c.dot(fc, x, y, s, a)}
	d.DrawString(s)
}

// dot is the pen position for s anchored at x, y in user units.
func (c *pngCanvas) dot(fc font.Face, x, y float64, s string, a anchor) fixed.Point26_6 {
	px := x * pngScale
	switch a {
	case anchorMiddle:
		px -= float64(font.MeasureString(fc, s)) / 64 / 2
	case anchorEnd:
		px -= float64(font.MeasureString(fc, s)) / 64
	}
	return fixed.Point26_6{X: fixed.Int26_6(math.Round(px * 64)), Y: fixed.Int26_6(math.Round(y * pngScale * 64))}
}

// textMask is s's coverage with the pen at dot, in image coordinates.
func textMask(fc font.Face, s string, dot fixed.Point26_6) *image.Alpha {
	b, _ := font.BoundString(fc, s)
	r := image.Rect((b.Min.X + dot.X).Floor(), (b.Min.Y + dot.Y).Floor(), (b.Max.X + dot.X).Ceil(),
		(b.Max.Y + dot.Y).Ceil())
	m := image.NewAlpha(r)
	d := font.Drawer{Dst: m, Src: image.Opaque, Face: fc, Dot: dot}
	d.DrawString(s)
	return m
}

// haloText draws s in col over a white halo halo units wide, as the SVG's
// white stroke painted under the fill does.
func (c *pngCanvas) haloText(x, y float64, s string, size float64, a anchor, col color.Color, halo float64) {
	fc := c.face(size, true)
	m := textMask(fc, s, c.dot(fc, x, y, s, a))
	rad := halo * pngScale
	k := int(math.Ceil(rad))
	grown := image.NewAlpha(m.Rect.Inset(-k - 1))
	// The halo is the mask dilated by a disc, its rim antialiased.
	for dy := -k; dy <= k; dy++ {
		for dx := -k; dx <= k; dx++ {
			w := min(1, rad+0.5-math.Hypot(float64(dx), float64(dy)))
			if w <= 0 {
				continue
			}
			for yy := m.Rect.Min.Y; yy < m.Rect.Max.Y; yy++ {
				src := m.Pix[m.PixOffset(m.Rect.Min.X, yy):][:m.Rect.Dx()]
				dst := grown.Pix[grown.PixOffset(m.Rect.Min.X+dx, yy+dy):]
				for i, v := range src {
					if v := uint8(float64(v) * w); v > dst[i] {
						dst[i] = v
					}
				}
			}
		}
	}
	r := grown.Rect.Intersect(c.img.Bounds())
	draw.DrawMask(c.img, r, image.White, image.Point{}, grown, r.Min, draw.Over)
	r = m.Rect.Intersect(c.img.Bounds())
	draw.DrawMask(c.img, r, image.NewUniform(col), image.Point{}, m, r.Min, draw.Over)
}

// verticalText draws s turned a quarter anticlockwise (rotate(-90)), its
// baseline at x and centred on y, by transposing its pixels.
func (c *pngCanvas) verticalText(x, y float64, s string, size float64, col color.Color) {
	fc := c.face(size, false)
	adv := font.MeasureString(fc, s)
	m := textMask(fc, s, fixed.Point26_6{X: -adv / 2})
	bx, by := int(math.Round(x*pngScale)), int(math.Round(y*pngScale))
	// Text pixel (i, j) lands on (bx+j, by-i-1).
	rot := image.NewAlpha(image.Rect(bx+m.Rect.Min.Y, by-m.Rect.Max.X, bx+m.Rect.Max.Y, by-m.Rect.Min.X))
	for j := m.Rect.Min.Y; j < m.Rect.Max.Y; j++ {
		for i := m.Rect.Min.X; i < m.Rect.Max.X; i++ {
			rot.Pix[rot.PixOffset(bx+j, by-i-1)] = m.Pix[m.PixOffset(i, j)]
		}
	}
	r := rot.Rect.Intersect(c.img.Bounds())
	draw.DrawMask(c.img, r, image.NewUniform(col), image.Point{}, rot, r.Min, draw.Over)
}

// axes draws the axes, ticks, tick labels, axis titles and line names, as
// svgBuf.axes does.
func (c *pngCanvas) axes(l *plotLayout, p *funnelPlot) {
	muted, ink := hexColour(svgMuted), hexColour(svgInk)
	full := c.img.Bounds()
	c.stroke([][]xy{{{l.x0, l.y0}, {l.x0, l.y1}, {l.x1, l.y1}}}, 1, full, muted)
	var ticks [][]xy
	for _, v := range l.xTicks {
		ticks = append(ticks, []xy{{l.px(v), l.y1}, {l.px(v), l.y1 + l.tickLen}})
	}
	for _, v := range l.yTicks {
		ticks = append(ticks, []xy{{l.x0, l.py(v)}, {l.x0 - l.tickLen, l.py(v)}})
	}
	c.stroke(ticks, 1, full, muted)
	for _, v := range l.xTicks {
		c.text(l.px(v), l.y1+l.tickLen+l.tick+1, formatCount(v), l.tick, false, anchorMiddle, muted)
	}
	for _, v := range l.yTicks {
		c.text(l.x0-l.tickLen-3, l.py(v)+l.tick*0.35, l.percent(v), l.tick, false, anchorEnd, muted)
	}
	c.text((l.x0+l.x1)/2, l.y1+l.tickLen+l.tick+6+l.font, cmp.Or(p.XLabel, "Operations"), l.font, false,
		anchorMiddle, ink)
	c.verticalText(l.font+2, (l.y0+l.y1)/2, cmp.Or(p.YLabel, "Survival"), l.font, ink)
	for _, cl := range l.curveLabels {
		c.text(l.x1+6, cl.y+l.tick*0.35, cl.text, l.tick, false, anchorStart, hexColour(cl.colour))
	}
}

// shape draws a band's mark centred (by centroid) on cx, cy: the geometry
// and colours of svgBuf.shape.
func (c *pngCanvas) shape(m *bandMark, cx, cy, r float64, state markState) {
	fill, stroke, width, r := markStyle(m, r, state)
	all := c.img.Bounds()
	switch m.shape {
	case shapeCircle, shapeSmallRing:
		if m.shape == shapeSmallRing {
			r *= 0.8
		}
		c.fill([][]xy{circle(cx, cy, r)}, all, hexColour(fill))
		c.fill([][]xy{circle(cx, cy, r+width/2), reversed(circle(cx, cy, max(0, r-width/2)))}, all,
			hexColour(stroke))
	default:
		// An equilateral triangle with circumradius R; its stroke's mitred
		// edges are the triangles of circumradius R ± width (the inradius
		// is R/2, moved by width/2).
		R := r * 1.4
		c.fill([][]xy{triangle(cx, cy, R, m.shape == shapeUp)}, all, hexColour(fill))
		c.fill([][]xy{triangle(cx, cy, R+width, m.shape == shapeUp),
			reversed(triangle(cx, cy, max(0, R-width), m.shape == shapeUp))}, all, hexColour(stroke))
	}
}

// triangle is an equilateral triangle with circumradius R and centroid
// cx, cy, its tip down (or up), wound like circle.
func triangle(cx, cy, R float64, up bool) []xy {
	dy, tip := R/2, R
	if up {
		dy, tip = -dy, -tip
	}
	hw := R * math.Sqrt(3) / 2
	ps := []xy{{cx - hw, cy - dy}, {cx + hw, cy - dy}, {cx, cy + tip}}
	if up {
		ps[0], ps[1] = ps[1], ps[0]
	}
	return ps
}

// highlights draws the highlighted points again, on top, with their names
// where placeLabels puts them for the SVG.
func (c *pngCanvas) highlights(l *plotLayout, p *funnelPlot) {
	for i := range p.Points {
		if pt := &p.Points[i]; pt.Highlight && drawable(pt) {
			c.shape(markOf(pt.Band), l.px(pt.X), l.py(pt.Survival), l.size, markHighlight)
		}
	}
	ink := hexColour(svgInk)
	for _, lb := range placeLabels(l, p) {
		c.haloText(lb.x, lb.y, lb.name, l.tick, lb.anchor, ink, 1.5)
	}
}

// legend draws the key, as svgBuf.legend does.
func (c *pngCanvas) legend(l *plotLayout) {
	ink := hexColour(svgInk)
	all := c.img.Bounds()
	for _, it := range l.legend {
		x, y := it.x, it.y
		switch {
		case it.band != "":
			c.shape(markOf(it.band), x+11, y, l.size, markNormal)
		case it.kind == "target":
			c.stroke([][]xy{{{x, y}, {x + 22, y}}}, 1.75, all, ink)
		case it.kind == "adjusted":
			c.stroke(dash([][]xy{{{x, y}, {x + 22, y}}}, 6, 4), 1.5, all, hexColour(svgLine998))
		default:
			fill, stroke := svgFill95, svgLine95
			if it.kind == "limit-998" {
				fill, stroke = svgFill998, svgLine998
			}
			const sw = 1.25
			c.fill([][]xy{{{x, y - 6}, {x + 22, y - 6}, {x + 22, y + 6}, {x, y + 6}}}, all, hexColour(fill))
			c.fill([][]xy{
				{{x - sw/2, y - 6 - sw/2}, {x + 22 + sw/2, y - 6 - sw/2}, {x + 22 + sw/2, y + 6 + sw/2},
					{x - sw/2, y + 6 + sw/2}},
				{{x + sw/2, y - 6 + sw/2}, {x + sw/2, y + 6 - sw/2}, {x + 22 - sw/2, y + 6 - sw/2},
					{x + 22 - sw/2, y - 6 + sw/2}},
			}, all, hexColour(stroke))
		}
		c.text(x+27, y+l.tick*0.35, it.text, l.tick, false, anchorStart, ink)
	}
}

// hexColour parses "#rrggbb"; anything else is black.
func hexColour(s string) color.RGBA {
	if len(s) != 7 || s[0] != '#' {
		return color.RGBA{A: 0xff}
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return color.RGBA{A: 0xff}
	}
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
}
