package chart

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// PNGScale is how many pixels WritePNG gives one user unit: 2 gives
// 1440×960 for the 720×480 funnel, sharp on high-density screens.
const PNGScale = 2

// WritePNG writes ch as a PNG of the drawing WriteSVG writes, at PNGScale
// pixels per user unit: the same shapes, colours and words, with the text
// set in the Go fonts, embedded in the binary. The same chart gives the
// same bytes.
func WritePNG(w io.Writer, ch Chart) error {
	fs, err := goFonts()
	if err != nil {
		return err
	}
	c := &pngCanvas{fonts: fs, scale: PNGScale, faces: map[faceKey]font.Face{}}
	defer c.close()
	ch.Draw(c)
	if c.img == nil {
		return errBegin
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, c.img)
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

// pngCanvas draws onto an RGBA image, scale pixels to the user unit.
type pngCanvas struct {
	img   *image.RGBA
	scale float64
	z     vector.Rasterizer
	mask  *image.Alpha // a stroke's coverage, the whole image, kept clear between strokes
	seg   []uint8      // one segment's coverage, merged into mask
	fonts [2]*opentype.Font
	faces map[faceKey]font.Face
	clips map[string]image.Rectangle
	// stack holds the inherited state: the top level, then one entry per
	// open group.
	stack []pngState
}

// faceKey is a face's size in user units and weight.
type faceKey struct {
	size float64
	bold bool
}

// pngState is what an element inherits.
type pngState struct {
	style Style
	text  TextStyle
	clip  image.Rectangle
}

func (c *pngCanvas) close() {
	for _, f := range c.faces {
		f.Close()
	}
}

func (c *pngCanvas) Begin(d Document) {
	W, H := int(math.Round(d.Width*c.scale)), int(math.Round(d.Height*c.scale))
	c.img = image.NewRGBA(image.Rect(0, 0, W, H))
	if d.Background != "" && d.Background != None {
		draw.Draw(c.img, c.img.Bounds(), image.NewUniform(parseColour(d.Background, 1)), image.Point{}, draw.Src)
	}
	// SVG's initial values.
	c.stack = []pngState{{
		style: Style{Fill: "#000000", Stroke: None, Width: 1, Opacity: 1},
		text:  TextStyle{Size: d.FontSize, Anchor: AnchorStart, Fill: "#000000"},
		clip:  c.img.Bounds(),
	}}
}

func (c *pngCanvas) Clip(id string, x, y, w, h float64) {
	if c.clips == nil {
		c.clips = map[string]image.Rectangle{}
	}
	// Snap to whole pixels, forgiving the rounding of x + w.
	const eps = 1e-9
	r := image.Rect(int(math.Floor(x*c.scale+eps)), int(math.Floor(y*c.scale+eps)),
		int(math.Ceil((x+w)*c.scale-eps)), int(math.Ceil((y+h)*c.scale-eps)))
	c.clips[id] = r.Intersect(c.img.Bounds())
}

func (c *pngCanvas) Use(_ string, x, y float64, draw func(c Canvas, x, y float64)) { draw(c, x, y) }

func (c *pngCanvas) BeginGroup(g Group) {
	st := c.stack[len(c.stack)-1]
	st.style = inherit(g.Style, st.style)
	st.text = inheritText(g.Text, st.text)
	// Style.Fill and Text.Fill are one property, as in SVG.
	if g.Style.Fill != "" {
		st.text.Fill = g.Style.Fill
	} else if g.Text.Fill != "" {
		st.style.Fill = g.Text.Fill
	}
	if g.Clip != "" {
		st.clip = st.clip.Intersect(c.clips[g.Clip])
	}
	c.stack = append(c.stack, st)
}

func (c *pngCanvas) EndGroup() { c.stack = c.stack[:len(c.stack)-1] }

// inherit is s with its zero fields taken from the enclosing group's.
func inherit(s, from Style) Style {
	if s.Fill == "" {
		s.Fill = from.Fill
	}
	if s.Stroke == "" {
		s.Stroke = from.Stroke
	}
	if s.Width == 0 {
		s.Width = from.Width
	}
	if s.Opacity == 0 {
		s.Opacity = from.Opacity
	}
	if s.Dash == nil {
		s.Dash = from.Dash
	}
	s.RoundCap = s.RoundCap || from.RoundCap
	return s
}

// inheritText is t with its zero fields taken from the enclosing group's.
func inheritText(t, from TextStyle) TextStyle {
	if t.Size == 0 {
		t.Size = from.Size
	}
	t.Bold = t.Bold || from.Bold
	if t.Anchor == 0 {
		t.Anchor = from.Anchor
	}
	if t.Fill == "" {
		t.Fill = from.Fill
	}
	if t.Halo == "" {
		t.Halo, t.HaloWidth = from.Halo, from.HaloWidth
	}
	return t
}

// style is an element's style, inherited, and the clip it is drawn in.
func (c *pngCanvas) style(s Style) (Style, image.Rectangle) {
	top := &c.stack[len(c.stack)-1]
	return inherit(s, top.style), top.clip
}

// paints reports whether a colour paints anything.
func paints(col Colour) bool { return col != "" && col != None }

func (c *pngCanvas) Path(p *Path, s Style) {
	if len(p.ops) == 0 {
		return
	}
	s, clip := c.style(s)
	subs := p.subpaths()
	if paints(s.Fill) {
		polys := make([][]XY, 0, len(subs))
		for _, sp := range subs {
			if len(sp.ps) >= 3 {
				polys = append(polys, sp.ps)
			}
		}
		c.fill(polys, clip, parseColour(s.Fill, 1))
	}
	if paints(s.Stroke) && s.Width > 0 {
		lines := make([][]XY, 0, len(subs))
		for _, sp := range subs {
			ps := sp.ps
			if sp.closed && len(ps) > 1 {
				ps = append(ps[:len(ps):len(ps)], ps[0])
			}
			lines = append(lines, ps)
		}
		c.strokeLines(lines, s, clip)
	}
}

// strokeLines strokes polylines in a style: dashed, capped, in its
// colour and opacity.
func (c *pngCanvas) strokeLines(lines [][]XY, s Style, clip image.Rectangle) {
	if len(s.Dash) >= 2 {
		lines = dash(lines, s.Dash[0], s.Dash[1])
	}
	c.stroke(lines, s.Width, s.RoundCap, clip, parseColour(s.Stroke, s.Opacity))
}

func (c *pngCanvas) Line(x0, y0, x1, y1 float64, s Style) {
	s, clip := c.style(s)
	if paints(s.Stroke) && s.Width > 0 {
		c.strokeLines([][]XY{{{x0, y0}, {x1, y1}}}, s, clip)
	}
}

func (c *pngCanvas) Polygon(ps []XY, s Style) {
	s, clip := c.style(s)
	c.shape(ps, s, clip)
}

func (c *pngCanvas) Rect(x, y, w, h float64, s Style) {
	s, clip := c.style(s)
	c.shape([]XY{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}}, s, clip)
}

// shape fills a convex polygon and strokes it with mitred corners: the
// stroke is the polygon grown by half the width, less the polygon shrunk
// by as much.
func (c *pngCanvas) shape(ps []XY, s Style, clip image.Rectangle) {
	if len(ps) < 3 {
		return
	}
	if paints(s.Fill) {
		c.fill([][]XY{ps}, clip, parseColour(s.Fill, 1))
	}
	if paints(s.Stroke) && s.Width > 0 {
		outer := offset(ps, s.Width/2)
		rings := [][]XY{outer}
		if inner := offset(ps, -s.Width/2); area(inner)*area(ps) > 0 { // not turned inside out
			rings = append(rings, reversed(inner))
		}
		c.fill(rings, clip, parseColour(s.Stroke, s.Opacity))
	}
}

// area is twice a polygon's signed area: its sign is its winding.
func area(ps []XY) float64 {
	a := 0.0
	for i, p := range ps {
		q := ps[(i+1)%len(ps)]
		a += p.X*q.Y - q.X*p.Y
	}
	return a
}

// offset moves each edge of a convex polygon d outwards (inwards for a
// negative d), meeting at mitred corners.
func offset(ps []XY, d float64) []XY {
	if area(ps) < 0 {
		d = -d
	}
	n := len(ps)
	// normal is the unit normal of the edge from ps[i] to ps[i+1], pointing
	// out of a polygon of positive area.
	normal := func(i int) XY {
		a, b := ps[i], ps[(i+1)%n]
		dx, dy := b.X-a.X, b.Y-a.Y
		l := math.Hypot(dx, dy)
		if l == 0 {
			return XY{}
		}
		return XY{dy / l, -dx / l}
	}
	out := make([]XY, n)
	for i := range ps {
		na, nb := normal((i+n-1)%n), normal(i)
		k := d / (1 + na.X*nb.X + na.Y*nb.Y) // the mitre: d / cos² of half the turn
		out[i] = XY{ps[i].X + (na.X+nb.X)*k, ps[i].Y + (na.Y+nb.Y)*k}
	}
	return out
}

func (c *pngCanvas) Circle(x, y, r float64, s Style) {
	s, clip := c.style(s)
	if paints(s.Fill) {
		c.fill([][]XY{c.circle(x, y, r)}, clip, parseColour(s.Fill, 1))
	}
	if paints(s.Stroke) && s.Width > 0 {
		c.fill([][]XY{c.circle(x, y, r+s.Width/2), reversed(c.circle(x, y, max(0, r-s.Width/2)))}, clip,
			parseColour(s.Stroke, s.Opacity))
	}
}

func (c *pngCanvas) Text(x, y float64, text string, t TextStyle) {
	top := &c.stack[len(c.stack)-1]
	t = inheritText(t, top.text)
	if !paints(t.Fill) || !(t.Size > 0) {
		return
	}
	col := parseColour(t.Fill, 1)
	fc := c.face(t.Size, t.Bold)
	dst := c.img.SubImage(top.clip).(*image.RGBA)
	switch {
	case t.Vertical:
		c.verticalText(dst, fc, x, y, text, t.Anchor, col)
	case paints(t.Halo) && t.HaloWidth > 0:
		c.haloText(dst, fc, x, y, text, t.Anchor, col, parseColour(t.Halo, 1), t.HaloWidth/2)
	default:
		d := font.Drawer{Dst: dst, Src: image.NewUniform(col), Face: fc, Dot: c.dot(fc, x, y, text, t.Anchor)}
		d.DrawString(text)
	}
}

// face gives Go Regular (or Go Bold) at size user units.
func (c *pngCanvas) face(size float64, bold bool) font.Face {
	k := faceKey{size, bold}
	if fc, ok := c.faces[k]; ok {
		return fc
	}
	f := c.fonts[0]
	if bold {
		f = c.fonts[1]
	}
	// NewFace fails only on bad options, which these are not.
	fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size * c.scale, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		panic("chart: opentype.NewFace: " + err.Error())
	}
	c.faces[k] = fc
	return fc
}

// rect is the pixels covering a box in user units, within the image.
func (c *pngCanvas) rect(x0, y0, x1, y1 float64) image.Rectangle {
	r := image.Rect(int(math.Floor(x0*c.scale)), int(math.Floor(y0*c.scale)),
		int(math.Ceil(x1*c.scale)), int(math.Ceil(y1*c.scale)))
	return r.Intersect(c.img.Bounds())
}

// fill paints the closed polygons in colour, within clip: the rasterizer
// adds up their windings, so a polygon wound against another cuts a hole
// in it.
func (c *pngCanvas) fill(polys [][]XY, clip image.Rectangle, col color.Color) {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, pg := range polys {
		for _, q := range pg {
			x0, y0, x1, y1 = min(x0, q.X), min(y0, q.Y), max(x1, q.X), max(y1, q.Y)
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
		c.z.MoveTo(float32(pg[0].X*c.scale-ox), float32(pg[0].Y*c.scale-oy))
		for _, q := range pg[1:] {
			c.z.LineTo(float32(q.X*c.scale-ox), float32(q.Y*c.scale-oy))
		}
		c.z.ClosePath()
	}
	c.z.Draw(c.img, r, image.NewUniform(col), image.Point{})
}

// stroke draws the polylines width units wide, with round joins and butt
// (or round) ends, within clip. Each segment is rasterised on its own and
// the coverages are merged by maximum, so overlapping segments do not
// darken a line's edge at the joins.
func (c *pngCanvas) stroke(paths [][]XY, width float64, roundCap bool, clip image.Rectangle, col color.Color) {
	if clip.Empty() {
		return
	}
	if c.mask == nil {
		c.mask = image.NewAlpha(c.img.Bounds())
	}
	hw := width / 2
	drawn := image.Rectangle{}
	for _, path := range paths {
		if roundCap && len(path) > 1 {
			for _, end := range []XY{path[0], path[len(path)-1]} {
				drawn = drawn.Union(c.coverage([][]XY{c.circle(end.X, end.Y, hw)}, clip))
			}
		}
		for i := 1; i < len(path); i++ {
			a, b := path[i-1], path[i]
			dx, dy := b.X-a.X, b.Y-a.Y
			d := math.Hypot(dx, dy)
			if !(d > 0) {
				continue
			}
			nx, ny := dy/d*hw, -dx/d*hw // wound like circle
			polys := [][]XY{{{a.X + nx, a.Y + ny}, {b.X + nx, b.Y + ny}, {b.X - nx, b.Y - ny}, {a.X - nx, a.Y - ny}}}
			if i < len(path)-1 { // a round join to the next segment
				polys = append(polys, c.circle(b.X, b.Y, hw))
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
func (c *pngCanvas) coverage(polys [][]XY, clip image.Rectangle) image.Rectangle {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, pg := range polys {
		for _, q := range pg {
			x0, y0, x1, y1 = min(x0, q.X), min(y0, q.Y), max(x1, q.X), max(y1, q.Y)
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
		c.z.MoveTo(float32(pg[0].X*c.scale-ox), float32(pg[0].Y*c.scale-oy))
		for _, q := range pg[1:] {
			c.z.LineTo(float32(q.X*c.scale-ox), float32(q.Y*c.scale-oy))
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

// circle is a polygon close enough to a circle at the canvas's scale,
// wound like the quads stroke builds.
func (c *pngCanvas) circle(cx, cy, r float64) []XY {
	n := max(12, int(math.Ceil(r*c.scale*2)))
	ps := make([]XY, n)
	for i := range ps {
		a := 2 * math.Pi * float64(i) / float64(n)
		ps[i] = XY{cx + r*math.Cos(a), cy + r*math.Sin(a)}
	}
	return ps
}

// reversed gives a polygon wound the other way, to cut a hole.
func reversed(ps []XY) []XY {
	out := make([]XY, len(ps))
	for i, q := range ps {
		out[len(ps)-1-i] = q
	}
	return out
}

// dash cuts polylines into dashes on units long with off-unit gaps, as
// stroke-dasharray="on off" does, the pattern running on along each path.
func dash(paths [][]XY, on, off float64) [][]XY {
	var out [][]XY
	for _, path := range paths {
		if len(path) == 0 {
			continue
		}
		pos, drawing := 0.0, true // distance into the current dash or gap
		cur := []XY{path[0]}
		for i := 1; i < len(path); i++ {
			a, b := path[i-1], path[i]
			d := math.Hypot(b.X-a.X, b.Y-a.Y)
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
				q := XY{a.X + (b.X-a.X)*t/d, a.Y + (b.Y-a.Y)*t/d}
				if drawing {
					out = append(out, append(cur, q))
					cur = nil
				} else {
					cur = []XY{q}
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

// dot is the pen position for s anchored at x, y in user units.
func (c *pngCanvas) dot(fc font.Face, x, y float64, s string, a Anchor) fixed.Point26_6 {
	px := x * c.scale
	switch a {
	case AnchorMiddle:
		px -= float64(font.MeasureString(fc, s)) / 64 / 2
	case AnchorEnd:
		px -= float64(font.MeasureString(fc, s)) / 64
	}
	return fixed.Point26_6{X: fixed.Int26_6(math.Round(px * 64)), Y: fixed.Int26_6(math.Round(y * c.scale * 64))}
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

// haloText draws s in col over a halo of colour halo, radius units wide,
// as the SVG's stroke painted under the fill does.
func (c *pngCanvas) haloText(dst *image.RGBA, fc font.Face, x, y float64, s string, a Anchor, col, halo color.Color,
	radius float64) {
	m := textMask(fc, s, c.dot(fc, x, y, s, a))
	rad := radius * c.scale
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
	r := grown.Rect.Intersect(dst.Bounds())
	draw.DrawMask(dst, r, image.NewUniform(halo), image.Point{}, grown, r.Min, draw.Over)
	r = m.Rect.Intersect(dst.Bounds())
	draw.DrawMask(dst, r, image.NewUniform(col), image.Point{}, m, r.Min, draw.Over)
}

// verticalText draws s turned a quarter anticlockwise (SVG rotate(-90)),
// its baseline at x and anchored at y, by transposing its pixels.
func (c *pngCanvas) verticalText(dst *image.RGBA, fc font.Face, x, y float64, s string, a Anchor, col color.Color) {
	var pen fixed.Int26_6
	switch a {
	case AnchorMiddle:
		pen = -font.MeasureString(fc, s) / 2
	case AnchorEnd:
		pen = -font.MeasureString(fc, s)
	}
	m := textMask(fc, s, fixed.Point26_6{X: pen})
	bx, by := int(math.Round(x*c.scale)), int(math.Round(y*c.scale))
	// Text pixel (i, j) lands on (bx+j, by-i-1).
	rot := image.NewAlpha(image.Rect(bx+m.Rect.Min.Y, by-m.Rect.Max.X, bx+m.Rect.Max.Y, by-m.Rect.Min.X))
	for j := m.Rect.Min.Y; j < m.Rect.Max.Y; j++ {
		for i := m.Rect.Min.X; i < m.Rect.Max.X; i++ {
			rot.Pix[rot.PixOffset(bx+j, by-i-1)] = m.Pix[m.PixOffset(i, j)]
		}
	}
	r := rot.Rect.Intersect(dst.Bounds())
	draw.DrawMask(dst, r, image.NewUniform(col), image.Point{}, rot, r.Min, draw.Over)
}

// parseColour is "#rrggbb" at an opacity from 0 to 1; anything else is
// black.
func parseColour(s Colour, opacity float64) color.Color {
	rgb := color.RGBA{A: 0xff}
	if len(s) == 7 && s[0] == '#' {
		if v, err := strconv.ParseUint(string(s[1:]), 16, 32); err == nil {
			rgb = color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
		}
	}
	if opacity >= 1 || !(opacity > 0) {
		return rgb
	}
	return color.NRGBA{rgb.R, rgb.G, rgb.B, uint8(math.Round(opacity * 255))}
}
