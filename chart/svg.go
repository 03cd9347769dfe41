package chart

import (
	"errors"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// WriteSVG writes ch as SVG. standalone adds the XML declaration and the
// namespace, for an image served on its own; without it the SVG is for
// inlining in an HTML page.
//
// The output uses presentation attributes only, never a style element or
// attribute, so it survives a strict Content-Security-Policy; classes are
// hooks for the page's stylesheet and script. Every string is escaped.
// Coordinates are rounded to a tenth of a unit. The same chart gives the
// same bytes.
func WriteSVG(w io.Writer, ch Chart, standalone bool) error {
	s := &svgCanvas{standalone: standalone}
	ch.Draw(s)
	return s.writeTo(w)
}

// svgCanvas writes SVG. Each element kind writes its attributes in one
// fixed order. Elements on the top level and in top-level groups end
// their lines; a group inside a group (a point, a legend entry) and a
// symbol's drawing are written on one line.
type svgCanvas struct {
	standalone bool
	begun      bool
	prefix     string // Document.IDPrefix
	background Colour
	// head is the root's start tag, title and desc; defs the clip regions
	// and symbols; b the elements, or the definition being written.
	head, defs, b []byte
	body          []byte   // the elements, while b holds a definition
	links         []bool   // for each open group, whether it is an <a>
	defined       []string // the symbols defined so far
}

func (s *svgCanvas) writeTo(w io.Writer) error {
	if !s.begun {
		return errBegin
	}
	if len(s.defs) > 0 {
		s.head = append(s.head, "<defs>"...)
		s.head = append(s.head, s.defs...)
		s.head = append(s.head, "</defs>\n"...)
	}
	if paints(s.background) {
		s.head = append(s.head, `<rect class="background" width="100%" height="100%"`...)
		s.head = appendAttr(s.head, "fill", string(s.background))
		s.head = append(s.head, "/>\n"...)
	}
	s.b = append(s.b, "</svg>\n"...)
	if _, err := w.Write(s.head); err != nil {
		return err
	}
	_, err := w.Write(s.b)
	return err
}

func (s *svgCanvas) Begin(d Document) {
	s.begun, s.prefix, s.background = true, d.IDPrefix, d.Background
	s.b = make([]byte, 0, max(d.SizeHint, 1024))
	h := make([]byte, 0, 512+len(d.Title)+len(d.Description))
	if s.standalone {
		h = append(h, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<svg xmlns="http://www.w3.org/2000/svg"`...)
	} else {
		h = append(h, `<svg`...)
	}
	h = append(h, ` viewBox="0 0 `...)
	h = appendCoord(h, d.Width)
	h = append(h, ' ')
	h = appendCoord(h, d.Height)
	h = append(h, `" width="100%"`...)
	h = appendAttr(h, "class", d.Class)
	h = appendAttr(h, "role", d.Role)
	if d.Title != "" {
		h = appendIDAttr(h, "aria-labelledby", d.IDPrefix, "title")
		h = appendIDAttr(h, "aria-describedby", d.IDPrefix, "desc")
	} else {
		h = appendAttr(h, "aria-label", d.Label)
	}
	h = appendAttr(h, "font-family", d.FontFamily)
	if d.FontSize > 0 {
		h = appendCoordAttr(h, "font-size", d.FontSize)
	}
	h = append(h, ">\n"...)
	if d.Title != "" {
		h = append(h, "<title"...)
		h = appendIDAttr(h, "id", d.IDPrefix, "title")
		h = append(h, '>')
		h = appendXMLEscaped(h, d.Title)
		h = append(h, "</title>\n<desc"...)
		h = appendIDAttr(h, "id", d.IDPrefix, "desc")
		h = append(h, '>')
		h = appendXMLEscaped(h, d.Description)
		h = append(h, "</desc>\n"...)
	}
	s.head = h
}

func (s *svgCanvas) Clip(id string, x, y, w, h float64) {
	d := append(s.defs, "<clipPath"...)
	d = appendIDAttr(d, "id", s.prefix, id)
	d = append(d, "><rect"...)
	d = appendCoordAttr(d, "x", x)
	d = appendCoordAttr(d, "y", y)
	d = appendCoordAttr(d, "width", w)
	d = appendCoordAttr(d, "height", h)
	s.defs = append(d, "/></clipPath>\n"...)
}

func (s *svgCanvas) Use(id string, x, y float64, draw func(c Canvas, x, y float64)) {
	if !s.isDefined(id) {
		s.defined = append(s.defined, id)
		// Draw the symbol at the origin into defs, on one line.
		s.body, s.b = s.b, append(s.defs, "<g"...)
		s.b = appendIDAttr(s.b, "id", s.prefix, id)
		s.b = append(s.b, '>')
		links := s.links
		s.links = []bool{false, false} // as deep as a point: no line ends
		draw(s, 0, 0)
		s.links = links
		s.defs, s.b = append(s.b, "</g>\n"...), s.body
	}
	s.b = append(s.b, "<use"...)
	s.b = append(s.b, ` href="#`...)
	s.b = appendXMLEscaped(s.b, s.prefix)
	s.b = append(s.b, '-')
	s.b = appendXMLEscaped(s.b, id)
	s.b = append(s.b, '"')
	s.b = appendCoordAttr(s.b, "x", x)
	s.b = appendCoordAttr(s.b, "y", y)
	s.b = append(s.b, "/>"...)
	s.endLine()
}

func (s *svgCanvas) isDefined(id string) bool {
	for _, d := range s.defined {
		if d == id {
			return true
		}
	}
	return false
}

// endLine ends an element's line, on the top level and in top-level
// groups.
func (s *svgCanvas) endLine() {
	if len(s.links) <= 1 {
		s.b = append(s.b, '\n')
	}
}

func (s *svgCanvas) BeginGroup(g Group) {
	b := s.b
	switch {
	case g.Href != "":
		b = append(b, "<a"...)
		b = appendAttr(b, "href", g.Href)
	case g.Focusable:
		b = append(b, `<g tabindex="0"`...)
	default:
		b = append(b, "<g"...)
	}
	b = appendAttr(b, "class", g.Class)
	for _, a := range g.Data {
		b = append(b, " data-"...)
		b = append(b, a.Name...)
		b = append(b, '=', '"')
		b = appendXMLEscaped(b, a.Value)
		b = append(b, '"')
	}
	b = appendStrokeFirst(b, &g.Style)
	if g.Clip != "" {
		b = append(b, ` clip-path="url(#`...)
		b = appendXMLEscaped(b, s.prefix)
		b = append(b, '-')
		b = appendXMLEscaped(b, g.Clip)
		b = append(b, `)"`...)
	}
	if g.Hidden {
		b = append(b, ` aria-hidden="true"`...)
	}
	if g.PassThrough {
		b = append(b, ` pointer-events="none"`...)
	}
	t := &g.Text
	if g.Style.Fill != "" && t.Fill != "" {
		panic("chart: a group sets both Style.Fill and Text.Fill, which are one SVG property")
	}
	b = appendAttr(b, "fill", string(t.Fill))
	if t.Size > 0 {
		b = appendCoordAttr(b, "font-size", t.Size)
	}
	if t.Bold {
		b = append(b, ` font-weight="600"`...)
	}
	b = appendAttr(b, "text-anchor", t.Anchor.String())
	b = append(b, '>')
	s.links = append(s.links, g.Href != "")
	if len(s.links) == 1 {
		b = append(b, '\n')
	}
	if g.Title != "" {
		b = append(b, "<title>"...)
		b = appendXMLEscaped(b, g.Title)
		b = append(b, "</title>"...)
		s.b = b
		s.endLine()
		b = s.b
	}
	s.b = b
}

func (s *svgCanvas) EndGroup() {
	n := len(s.links) - 1
	if s.links[n] {
		s.b = append(s.b, "</a>"...)
	} else {
		s.b = append(s.b, "</g>"...)
	}
	s.links = s.links[:n]
	s.endLine()
}

func (s *svgCanvas) Path(p *Path, st Style) {
	if len(p.ops) == 0 {
		return
	}
	b := append(s.b, "<path"...)
	b = appendAttr(b, "class", st.Class)
	b = appendStrokeFirst(b, &st)
	b = append(b, ` d="`...)
	for _, op := range p.ops {
		b = append(b, op.cmd)
		switch op.cmd {
		case 'M', 'L':
			b = appendCoord(b, op.x)
			b = append(b, ',')
			b = appendCoord(b, op.y)
		case 'H', 'h':
			b = appendCoord(b, op.x)
		case 'V', 'v':
			b = appendCoord(b, op.y)
		}
	}
	s.b = append(b, `"/>`...)
	s.endLine()
}

// Line writes the segment as a move and a relative line: h or v when it
// is horizontal or vertical.
func (s *svgCanvas) Line(x0, y0, x1, y1 float64, st Style) {
	b := append(s.b, `<path d="M`...)
	b = appendCoord(b, x0)
	b = append(b, ',')
	b = appendCoord(b, y0)
	switch {
	case y1 == y0:
		b = append(b, 'h')
		b = appendCoord(b, x1-x0)
	case x1 == x0:
		b = append(b, 'v')
		b = appendCoord(b, y1-y0)
	default:
		b = append(b, 'l')
		b = appendCoord(b, x1-x0)
		b = append(b, ',')
		b = appendCoord(b, y1-y0)
	}
	b = append(b, '"')
	s.b = s.shapeEnd(b, &st)
}

func (s *svgCanvas) Polygon(ps []XY, st Style) {
	if len(ps) == 0 {
		return
	}
	b := append(s.b, `<path d="`...)
	for i, q := range ps {
		if i == 0 {
			b = append(b, 'M')
		} else {
			b = append(b, 'L')
		}
		b = appendCoord(b, q.X)
		b = append(b, ',')
		b = appendCoord(b, q.Y)
	}
	b = append(b, `Z"`...)
	s.b = s.shapeEnd(b, &st)
}

func (s *svgCanvas) Circle(x, y, r float64, st Style) {
	b := append(s.b, "<circle"...)
	b = appendCoordAttr(b, "cx", x)
	b = appendCoordAttr(b, "cy", y)
	b = appendCoordAttr(b, "r", r)
	s.b = s.shapeEnd(b, &st)
}

func (s *svgCanvas) Rect(x, y, w, h float64, st Style) {
	b := append(s.b, "<rect"...)
	b = appendCoordAttr(b, "x", x)
	b = appendCoordAttr(b, "y", y)
	b = appendCoordAttr(b, "width", w)
	b = appendCoordAttr(b, "height", h)
	s.b = s.shapeEnd(b, &st)
}

// shapeEnd writes a shape's class and paint after its geometry, and ends
// the element.
func (s *svgCanvas) shapeEnd(b []byte, st *Style) []byte {
	b = appendAttr(b, "class", st.Class)
	b = appendAttr(b, "fill", string(st.Fill))
	b = appendStroke(b, st)
	s.b = append(b, "/>"...)
	s.endLine()
	return s.b
}

func (s *svgCanvas) Text(x, y float64, text string, t TextStyle) {
	b := append(s.b, "<text"...)
	if t.Vertical { // rotate(-90) turns the user-space x, y into -y, x
		b = appendCoordAttr(b, "x", -y)
		b = appendCoordAttr(b, "y", x)
		b = append(b, ` transform="rotate(-90)"`...)
	} else {
		b = appendCoordAttr(b, "x", x)
		b = appendCoordAttr(b, "y", y)
	}
	b = appendAttr(b, "class", t.Class)
	if t.Size > 0 {
		b = appendCoordAttr(b, "font-size", t.Size)
	}
	if t.Bold {
		b = append(b, ` font-weight="600"`...)
	}
	b = appendAttr(b, "text-anchor", t.Anchor.String())
	b = appendAttr(b, "fill", string(t.Fill))
	if t.Halo != "" && t.Halo != None && t.HaloWidth > 0 {
		// The halo is a stroke painted before the fill.
		b = appendAttr(b, "stroke", string(t.Halo))
		b = appendNumAttr(b, "stroke-width", t.HaloWidth)
		b = append(b, ` stroke-linejoin="round" paint-order="stroke"`...)
	}
	b = append(b, '>')
	b = appendXMLEscaped(b, text)
	s.b = append(b, "</text>"...)
	s.endLine()
}

// appendStrokeFirst appends a style's stroke, then its fill.
func appendStrokeFirst(b []byte, st *Style) []byte {
	return appendAttr(appendStroke(b, st), "fill", string(st.Fill))
}

// appendStroke appends a style's stroke.
func appendStroke(b []byte, st *Style) []byte {
	b = appendAttr(b, "stroke", string(st.Stroke))
	if st.Opacity > 0 {
		b = appendNumAttr(b, "stroke-opacity", st.Opacity)
	}
	if st.Width > 0 {
		b = appendNumAttr(b, "stroke-width", st.Width)
	}
	if len(st.Dash) > 0 {
		b = append(b, ` stroke-dasharray="`...)
		for i, d := range st.Dash {
			if i > 0 {
				b = append(b, ' ')
			}
			b = strconv.AppendFloat(b, d, 'g', -1, 64)
		}
		b = append(b, '"')
	}
	if st.RoundCap {
		b = append(b, ` stroke-linecap="round"`...)
	}
	return b
}

// appendAttr appends ` name="value"`, escaping value; nothing when value
// is empty.
func appendAttr(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, '=', '"')
	b = appendXMLEscaped(b, value)
	return append(b, '"')
}

// appendIDAttr appends ` name="prefix-id"`, escaped.
func appendIDAttr(b []byte, name, prefix, id string) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, '=', '"')
	b = appendXMLEscaped(b, prefix)
	b = append(b, '-')
	b = appendXMLEscaped(b, id)
	return append(b, '"')
}

// appendCoordAttr appends ` name="x"` with x rounded to one decimal.
func appendCoordAttr(b []byte, name string, x float64) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, '=', '"')
	b = appendCoord(b, x)
	return append(b, '"')
}

// appendNumAttr appends ` name="x"` with x in full: a stroke's width or
// opacity.
func appendNumAttr(b []byte, name string, x float64) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, '=', '"')
	b = strconv.AppendFloat(b, x, 'g', -1, 64)
	return append(b, '"')
}

// appendCoord appends x rounded to one decimal, without a trailing ".0"
// or a negative zero. A NaN or infinity, which no chart should produce,
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

// errBegin is a Chart's Draw that did not call Canvas.Begin.
var errBegin = errors.New("chart: the chart did not begin its drawing")

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
