package chart

import (
	"bytes"
	"testing"

	"github.com/surgeon-outcomes/outcomes/chart/charttest"
)

// hostileChart puts a hostile string in every string the canvas writes.
type hostileChart struct{}

func (hostileChart) Draw(c Canvas) {
	const h = hostileName
	c.Begin(Document{Width: 10, Height: 10, IDPrefix: h, Class: h, Role: h, Title: h, Description: h,
		FontFamily: h, FontSize: 10, Background: h})
	c.Clip("clip"+h, 0, 0, 10, 10)
	c.BeginGroup(Group{Href: h, Class: h, Data: []Attr{{"unit-id", h}}, Style: Style{Stroke: h}, Clip: "clip" + h,
		Text: TextStyle{Fill: h}, Title: h})
	c.Use("m-"+h, 1, 1, func(c Canvas, x, y float64) { c.Circle(x, y, 1, Style{Class: h, Fill: h}) })
	var p Path
	p.MoveTo(0, 0)
	p.LineTo(1, 1)
	c.Path(&p, Style{Class: h, Fill: h, Stroke: h})
	c.Text(1, 1, h, TextStyle{Class: h, Fill: h, Halo: h, HaloWidth: 1})
	c.EndGroup()
	c.BeginGroup(Group{Class: h, Focusable: true, Data: []Attr{{"unit-id", "1"}}})
	c.Rect(0, 0, 1, 1, Style{Class: h, Fill: h})
	c.Polygon([]XY{{0, 0}, {1, 0}, {0, 1}}, Style{Class: h, Stroke: h})
	c.Line(0, 0, 1, 1, Style{Class: h, Stroke: h})
	c.EndGroup()
}

// TestWriteSVGEscapes writes a hostile string into every attribute and
// text the canvas writes: the SVG parses, holds no raw markup and gives
// each string back as it was.
func TestWriteSVGEscapes(t *testing.T) {
	out := render(t, hostileChart{}, true)
	if bytes.Contains(out, []byte("<script")) {
		t.Errorf("output holds a raw <script")
	}
	d := charttest.Parse(t, out)
	if d.Title != hostileName || d.Desc != hostileName {
		t.Errorf("title %q, desc %q, want %q", d.Title, d.Desc, hostileName)
	}
	if len(d.Points) != 2 || d.Points[0].Attrs["href"] != hostileName || d.Points[0].Attrs["data-unit-id"] != hostileName ||
		d.Points[0].Title != hostileName || d.Points[0].Attrs["class"] != hostileName {
		t.Errorf("points %+v, want the link with its href, data-unit-id, class and title given back", d.Points)
	}
}
