package chart

// Canvas is what a chart draws on, modelled on gonum/plot's vg.Canvas but
// holding only what these charts need. Positions and lengths are in user
// units, x across and y down from the top left corner; a back-end maps
// them to its output (the SVG viewBox, or pixels at a scale).
//
// Styles are inherited as in SVG: a zero field of an element's Style or
// TextStyle takes the value of the innermost enclosing group that sets
// it, and at the top SVG's initial values (a black fill, no stroke, width
// 1, text in the Document's font size, anchored at its start).
//
// Groups also carry what only the SVG can hold (a link, an accessible
// name, classes, data attributes, aria-hidden): the PNG back-end applies a
// group's style and clip and ignores the rest.
//
// A Canvas keeps nothing it is given (paths, slices) past the call, so a
// chart may reuse them.
type Canvas interface {
	// Begin starts the drawing: its size and what names it. It is called
	// once, before anything else.
	Begin(d Document)
	// Clip defines a clip region, the rectangle at x, y of size w × h,
	// that groups refer to by id (Group.Clip).
	Clip(id string, x, y, w, h float64)
	// Use draws a symbol centred on x, y: draw draws it centred on the
	// position it is given. The SVG back-end calls draw once per id, at
	// the origin, to define the symbol, and refers to it at every use; the
	// PNG back-end calls it at every use. An id always comes with the
	// same drawing.
	Use(id string, x, y float64, draw func(c Canvas, x, y float64))
	// BeginGroup starts a group of elements, ended by EndGroup.
	BeginGroup(g Group)
	// EndGroup ends the innermost group.
	EndGroup()
	// Path fills and strokes p. An empty path draws nothing.
	Path(p *Path, s Style)
	// Line strokes the segment from x0, y0 to x1, y1.
	Line(x0, y0, x1, y1 float64, s Style)
	// Polygon fills and strokes the closed polygon through ps, which is
	// convex; strokes have mitred corners (the PNG back-end mitres convex
	// corners only).
	Polygon(ps []XY, s Style)
	// Circle fills and strokes the circle of radius r centred on x, y.
	Circle(x, y, r float64, s Style)
	// Rect fills and strokes the rectangle at x, y of size w × h.
	Rect(x, y, w, h float64, s Style)
	// Text writes text with its baseline at y, anchored at x.
	Text(x, y float64, text string, s TextStyle)
}

// A Chart draws itself on a Canvas, starting with Canvas.Begin.
// *Funnel and *Bars are charts.
type Chart interface {
	Draw(c Canvas)
}

// Document is what a drawing is as a whole: its size and what names it.
type Document struct {
	// Width and Height are the drawing's size in user units: the SVG's
	// viewBox, and the PNG's size before scaling.
	Width, Height float64
	// IDPrefix starts every id in the SVG (title, desc, clip regions,
	// symbols), followed by "-", so several drawings can share a page.
	IDPrefix string
	// Class is the SVG root's class, a hook for the page's stylesheet.
	Class string
	// Role is the SVG root's ARIA role: "group" when a reader can reach
	// its parts, "img" when it is one picture.
	Role string
	// Title and Description, when Title is not empty, are the SVG's
	// <title> and <desc>, its accessible name and text alternative
	// (aria-labelledby, aria-describedby).
	Title, Description string
	// Label is the accessible name (aria-label) of a drawing without a
	// Title.
	Label string
	// FontFamily is the SVG's font stack; the PNG sets text in the Go
	// fonts.
	FontFamily string
	// FontSize is the text's size where nothing sets another.
	FontSize float64
	// Background, if set, is painted over the whole drawing first;
	// otherwise the drawing is transparent.
	Background Colour
	// SizeHint is about how many bytes the SVG takes (0 if unknown), so
	// the SVG back-end can allocate its buffer once.
	SizeHint int
}

// Group is a group of elements: the style they inherit, the clip region
// they are cut to, and what the SVG says about them.
type Group struct {
	// Href makes the group a link (SVG <a href>).
	Href string
	// Focusable puts a group that is not a link in the Tab order
	// (tabindex 0).
	Focusable bool
	// Class is the group's class, a hook for the page's stylesheet and
	// script.
	Class string
	// Data are the group's data attributes, for the page's script.
	Data []Attr
	// Style is the paint the group's elements inherit.
	Style Style
	// Clip names a clip region (Canvas.Clip) the group is cut to; empty
	// for none.
	Clip string
	// Hidden hides the group from assistive technology (aria-hidden):
	// decoration, or text a reader is given elsewhere.
	Hidden bool
	// PassThrough lets the pointer through the group to what lies under
	// it (pointer-events none).
	PassThrough bool
	// Text is the text style the group's elements inherit. As in SVG, a
	// text's colour and a shape's fill are one property: Text.Fill and
	// Style.Fill both set it, so a group sets at most one of them.
	Text TextStyle
	// Title is the group's accessible name and tooltip (SVG <title>).
	Title string
}

// Attr is a data attribute: Name, without the "data-" prefix, is
// lower-case letters, digits and hyphens.
type Attr struct{ Name, Value string }

// Colour is a paint: "#rrggbb", None, or empty to inherit.
type Colour string

// None paints nothing.
const None Colour = "none"

// Style is how a shape or path is painted. A zero field is inherited.
type Style struct {
	// Class is the element's class, a hook for the page's stylesheet and
	// script.
	Class string
	// Fill and Stroke paint the inside and the outline.
	Fill, Stroke Colour
	// Width is the stroke's width.
	Width float64
	// Opacity is the stroke's opacity, from 0 (exclusive) to 1.
	Opacity float64
	// Dash is the lengths of a dashed stroke's dashes and gaps, in turn.
	Dash []float64
	// RoundCap ends a stroke with half a disc instead of cutting it
	// square at its end.
	RoundCap bool
}

// TextStyle is how text is set. A zero field is inherited.
type TextStyle struct {
	// Class is the text's class, a hook for the page's stylesheet.
	Class string
	// Size is the font size.
	Size float64
	// Bold sets the text semibold (SVG font-weight 600; the PNG uses Go
	// Bold).
	Bold bool
	// Anchor is where the text sits against its x.
	Anchor Anchor
	// Fill is the text's colour.
	Fill Colour
	// Halo, if set, is painted HaloWidth wide round the letters, under
	// them, to keep text readable over lines and marks.
	Halo      Colour
	HaloWidth float64
	// Vertical turns the text a quarter turn anticlockwise, to read from
	// bottom to top; x, y is still its anchor.
	Vertical bool
}

// Anchor is where text sits against its x; the zero value inherits.
type Anchor int8

// Anchors: the text's start, middle or end is at x.
const (
	AnchorStart Anchor = iota + 1
	AnchorMiddle
	AnchorEnd
)

// String is the anchor's SVG text-anchor value.
func (a Anchor) String() string {
	switch a {
	case AnchorStart:
		return "start"
	case AnchorMiddle:
		return "middle"
	case AnchorEnd:
		return "end"
	}
	return ""
}

// XY is a position in user units.
type XY struct{ X, Y float64 }

// Path is a shape made of straight lines, in the commands of SVG path
// data, so the SVG writes it as it is built: each subpath starts with
// MoveTo and may end with Close. The zero Path is empty and ready to use.
type Path struct{ ops []pathOp }

// pathOp is one command: cmd is an SVG path command letter, with its
// arguments in x and y.
type pathOp struct {
	cmd  byte
	x, y float64
}

// Reset empties p, keeping its storage.
func (p *Path) Reset() { p.ops = p.ops[:0] }

// MoveTo starts a subpath at x, y.
func (p *Path) MoveTo(x, y float64) { p.ops = append(p.ops, pathOp{'M', x, y}) }

// LineTo draws a line to x, y.
func (p *Path) LineTo(x, y float64) { p.ops = append(p.ops, pathOp{'L', x, y}) }

// HorizontalTo draws a horizontal line to x.
func (p *Path) HorizontalTo(x float64) { p.ops = append(p.ops, pathOp{'H', x, 0}) }

// VerticalTo draws a vertical line to y.
func (p *Path) VerticalTo(y float64) { p.ops = append(p.ops, pathOp{'V', 0, y}) }

// Horizontal draws a line dx across from the current point.
func (p *Path) Horizontal(dx float64) { p.ops = append(p.ops, pathOp{'h', dx, 0}) }

// Vertical draws a line dy down from the current point.
func (p *Path) Vertical(dy float64) { p.ops = append(p.ops, pathOp{'v', 0, dy}) }

// Close closes the subpath with a line back to its start.
func (p *Path) Close() { p.ops = append(p.ops, pathOp{'Z', 0, 0}) }

// subpath is a run of positions, closed or open.
type subpath struct {
	ps     []XY
	closed bool
}

// subpaths resolves p to absolute positions. Commands before the first
// MoveTo are ignored; a line after Close starts a new subpath where the
// closed one started, as in SVG.
func (p *Path) subpaths() []subpath {
	var out []subpath
	var cur XY
	open := false
	for _, op := range p.ops {
		switch op.cmd {
		case 'M':
			cur = XY{op.x, op.y}
			out = append(out, subpath{ps: []XY{cur}})
			open = true
			continue
		case 'Z':
			if open {
				out[len(out)-1].closed = true
				cur = out[len(out)-1].ps[0]
				open = false
			}
			continue
		}
		if len(out) == 0 {
			continue
		}
		if !open {
			out = append(out, subpath{ps: []XY{cur}})
			open = true
		}
		switch op.cmd {
		case 'L':
			cur = XY{op.x, op.y}
		case 'H':
			cur.X = op.x
		case 'V':
			cur.Y = op.y
		case 'h':
			cur.X += op.x
		case 'v':
			cur.Y += op.y
		}
		out[len(out)-1].ps = append(out[len(out)-1].ps, cur)
	}
	return out
}
