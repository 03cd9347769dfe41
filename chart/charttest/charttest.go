// Package charttest reads back the SVG that package chart writes, for
// tests: the root, the points with their marks and bands, the limit lines
// and the highlighted names, and it holds each point to its band against
// the lines as drawn.
package charttest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
)

// SVG is what a test reads back from a funnel's SVG.
type SVG struct {
	Root        xml.StartElement
	Title, Desc string
	IDs         map[string]string // id → element name
	Points      []Point
	Lines       map[string][][][2]float64 // class → subpaths
	Labels      []string                  // highlight labels
	Elements    int
	XMLDecl     bool
	RootNS      string
}

// Point is one point: the element carrying data-unit-id, and its mark.
type Point struct {
	Elem  string // a or g
	Depth int    // of its element
	// Attrs are the element's attributes, and data-band, its band, from
	// the class band-<code>.
	Attrs map[string]string
	Title string
	// CX, CY are the mark's centre (a circle's) or centroid (a
	// triangle's), in user units.
	CX, CY           float64
	ShapeFill, Shape string
	ShapeD           string // a triangle's path, drawn at the origin
}

// mark is a mark drawn once in <defs>, at the origin, for <use>.
type mark struct {
	name  string
	attrs map[string]string
}

// Parse decodes the SVG to EOF, failing on any XML error, on a style
// element or attribute, and on a duplicate id.
func Parse(t testing.TB, b []byte) *SVG {
	t.Helper()
	marks := map[string]mark{}
	var markID string
	d := &SVG{IDs: map[string]string{}, Lines: map[string][][][2]float64{}}
	d.XMLDecl = bytes.HasPrefix(b, []byte("<?xml "))
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []string
	var cur *Point
	var text *string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("XML does not parse: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			d.Elements++
			name := tk.Name.Local
			if name == "style" {
				t.Errorf("SVG has a <style> element: a strict CSP blocks it")
			}
			attrs := map[string]string{}
			for _, a := range tk.Attr {
				key := a.Name.Local
				if a.Name.Space != "" && a.Name.Space != "http://www.w3.org/2000/svg" {
					key = a.Name.Space + ":" + key
				}
				attrs[key] = a.Value
				if a.Name.Local == "style" {
					t.Errorf("<%s> has a style attribute: a strict CSP blocks it", name)
				}
			}
			if id, ok := attrs["id"]; ok {
				if _, dup := d.IDs[id]; dup {
					t.Errorf("duplicate id %q", id)
				}
				d.IDs[id] = name
			}
			if len(stack) == 0 {
				d.Root = tk
				d.RootNS = tk.Name.Space
			}
			switch {
			case name == "title" && len(stack) == 1:
				text = &d.Title
			case name == "desc" && len(stack) == 1:
				text = &d.Desc
			case attrs["data-unit-id"] != "":
				for c := range strings.FieldsSeq(attrs["class"]) {
					if b, ok := strings.CutPrefix(c, "band-"); ok {
						attrs["data-band"] = b
					}
				}
				d.Points = append(d.Points, Point{Elem: name, Attrs: attrs, Depth: len(stack)})
				cur = &d.Points[len(d.Points)-1]
			case name == "title" && cur != nil:
				text = &cur.Title
			case name == "g" && strings.Contains(attrs["id"], "-m-"):
				markID = attrs["id"]
			case (name == "circle" || name == "path") && markID != "":
				marks[markID] = mark{name: name, attrs: attrs}
				markID = ""
			case name == "use" && cur != nil && cur.Shape == "":
				m, ok := marks[strings.TrimPrefix(attrs["href"], "#")]
				if !ok {
					t.Fatalf("point %s uses %q, which is not defined before it", cur.Attrs["data-unit-id"], attrs["href"])
				}
				cur.Shape, cur.ShapeFill, cur.ShapeD = m.name, m.attrs["fill"], m.attrs["d"]
				cx, cy := shapeCentre(t, m.name, m.attrs)
				cur.CX, cur.CY = cx+atof(t, attrs["x"]), cy+atof(t, attrs["y"])
			case name == "path" && strings.Contains(attrs["class"], "limit-"):
				d.Lines[attrs["class"]] = ParsePolyline(t, attrs["d"])
			case name == "text" && strings.Contains(attrs["class"], "highlight-label"):
				d.Labels = append(d.Labels, "")
				text = &d.Labels[len(d.Labels)-1]
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			text = nil
			if cur != nil && len(stack) == cur.Depth {
				cur = nil
			}
		case xml.CharData:
			if text != nil {
				*text += string(tk)
			}
		}
	}
	return d
}

// shapeCentre is a circle's centre or a triangle path's centroid.
func shapeCentre(t testing.TB, name string, attrs map[string]string) (float64, float64) {
	t.Helper()
	if name == "circle" {
		return atof(t, attrs["cx"]), atof(t, attrs["cy"])
	}
	subs := ParsePolyline(t, attrs["d"])
	if len(subs) != 1 || len(subs[0]) != 3 {
		t.Fatalf("point path %q is not a triangle", attrs["d"])
	}
	var x, y float64
	for _, v := range subs[0] {
		x, y = x+v[0]/3, y+v[1]/3
	}
	return x, y
}

// ParsePolyline reads a path of M, L and Z commands with absolute x,y
// pairs, one slice per subpath.
func ParsePolyline(t testing.TB, d string) [][][2]float64 {
	t.Helper()
	var out [][][2]float64
	for i := 0; i < len(d); {
		switch d[i] {
		case 'M':
			out = append(out, nil)
		case 'L':
			if len(out) == 0 {
				t.Fatalf("path %q starts with L", d)
			}
		case 'Z':
			i++
			continue
		default:
			t.Fatalf("path %q: unexpected %q at %d", d, d[i], i)
		}
		i++
		j := i
		for j < len(d) && !strings.ContainsRune("MLZ", rune(d[j])) {
			j++
		}
		xs, ys, ok := strings.Cut(d[i:j], ",")
		if !ok {
			t.Fatalf("path %q: bad pair %q", d, d[i:j])
		}
		out[len(out)-1] = append(out[len(out)-1], [2]float64{atof(t, xs), atof(t, ys)})
		i = j
	}
	return out
}

func atof(t testing.TB, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("number %q: %v", s, err)
	}
	return v
}

// LineAt interpolates a polyline's y at x; ok is false where the line is
// not drawn.
func LineAt(subs [][][2]float64, x float64) (y float64, ok bool) {
	for _, s := range subs {
		for i := 1; i < len(s); i++ {
			a, b := s[i-1], s[i]
			if x < a[0] || x > b[0] {
				continue
			}
			if b[0] == a[0] {
				return a[1], true
			}
			return a[1] + (b[1]-a[1])*(x-a[0])/(b[0]-a[0]), true
		}
	}
	return 0, false
}

// CheckGeometry holds every drawn point to its band: beyond the drawn
// lines on the right side, in user units. Survival grows upwards, so a
// larger y is a lower survival. It returns how many points it checked
// (too_few points are not).
func (d *SVG) CheckGeometry(t testing.TB, name string) int {
	t.Helper()
	const tol = 0.25 // units: coordinates are rounded to 0.1
	line := func(class string, x float64) (float64, bool) { return LineAt(d.Lines[class], x) }
	checked := 0
	for _, pt := range d.Points {
		band := pt.Attrs["data-band"]
		if band == "too_few" {
			continue
		}
		low998, ok1 := line("limit-998 limit-low", pt.CX)
		low95, ok2 := line("limit-95 limit-low", pt.CX)
		high95, ok3 := line("limit-95 limit-high", pt.CX)
		high998, ok4 := line("limit-998 limit-high", pt.CX)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			t.Errorf("%s: point %s at x %v: limit lines not drawn there", name, pt.Attrs["data-unit-id"], pt.CX)
			continue
		}
		y := pt.CY
		var ok bool
		switch band {
		case "high_alarm":
			ok = y > low998-tol
		case "high_alert":
			ok = y > low95-tol && y < low998+tol
		case "within":
			ok = y > high95-tol && y < low95+tol
		case "low_alert":
			ok = y > high998-tol && y < high95+tol
		case "low_alarm":
			ok = y < high998+tol
		}
		if !ok {
			t.Errorf("%s: point %s (%s) at y %v; lines at its x %v: low 99.8%% %v, low 95%% %v, high 95%% %v, high 99.8%% %v",
				name, pt.Attrs["data-unit-id"], band, y, pt.CX, low998, low95, high95, high998)
		}
		checked++
	}
	return checked
}
