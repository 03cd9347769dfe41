package api

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
	"github.com/surgeon-outcomes/outcomes/store"
)

// The api_test package owns -update; these tests run in the same binary.
var (
	updateSVG  = flag.Bool("update-svg", false, "rewrite api/testdata/svg/*.svg")
	svgDemoDB  = flag.String("svg-demo-db", "", "a release database to draw every funnel of (TestFunnelSVGDemo)")
	svgDemoOut = flag.String("svg-demo-out", "", "a directory to write TestFunnelSVGDemo's SVGs to")
)

const hostileName = `<script>alert("x&y")</script> O'Brien–Ñúñez 名前`

// handCurve is a symmetric normal-approximation funnel around survival
// 0.98 (p0 = 0.02) with z = 1.96 and 3.09: hand-made, not a real limit.
func handCurve() []plotCurve {
	var cs []plotCurve
	for x := 20.0; x <= 1400; x *= 1.25 {
		cs = append(cs, handLimits(x))
	}
	return cs
}

func handLimits(x float64) plotCurve {
	sd := math.Sqrt(0.02 * 0.98 / x)
	return plotCurve{X: x, Low998: 0.98 - 3.09*sd, Low95: 0.98 - 1.96*sd, High95: min(1, 0.98+1.96*sd),
		High998: min(1, 0.98+3.09*sd)}
}

// handPlot has one point of each band, a hostile name, a point with no x
// and one without a link.
func handPlot() funnelPlot {
	at := func(x, z float64) float64 { return 0.98 + z*math.Sqrt(0.02*0.98/x) }
	p := funnelPlot{Title: "Funnel plot: test surgery, surgeons", Description: "A hand-made funnel for tests.",
		XLabel: "Risk-adjusted operations", YLabel: "Risk-adjusted survival", TargetSurvival: 0.98,
		Curve: handCurve(), IDPrefix: "t"}
	p.Points = []plotPoint{
		{UnitID: "1", Name: hostileName, Href: `/surgeons/1?a=1&b="2"`, X: 250, Survival: at(250, 0.4), Band: "within"},
		{UnitID: "2", Name: "Mr Beta Alert", Href: "/surgeons/2", X: 300, Survival: at(300, -2.5), Band: "high_alert"},
		{UnitID: "3", Name: "Dr Gamma Alarm", Href: "/surgeons/3", X: 600, Survival: at(600, -3.6), Band: "high_alarm"},
		{UnitID: "4", Name: "Prof Delta Better", Href: "/surgeons/4", X: 500, Survival: at(500, 2.4), Band: "low_alert"},
		{UnitID: "5", Name: "Ms Epsilon Best", Href: "/surgeons/5", X: 900, Survival: at(900, 3.3), Band: "low_alarm"},
		{UnitID: "6", Name: "Mr Zeta Small", X: 30, Survival: 1, Band: "too_few"},
		{UnitID: "7", Name: "Ms Eta Unplaced", Href: "/surgeons/7", X: math.NaN(), Survival: 0.97, Band: "within"},
		{UnitID: "8", Name: "Mx Theta Within With A Rather Long Double-Barrelled Name", Href: "/surgeons/8",
			X: 700, Survival: at(700, -1), Band: "within"},
	}
	for i := range p.Points {
		pt := &p.Points[i]
		pt.Summary = pt.Name + ": survival " + strconv.FormatFloat(pt.Survival*100, 'f', 1, 64) + "%, " + string(pt.Band) + "."
	}
	return p
}

func highlightPlot() funnelPlot {
	p := handPlot()
	p.IDPrefix = "hl"
	for _, i := range []int{0, 2, 7} {
		p.Points[i].Highlight = true
	}
	return p
}

var svgCases = []struct {
	name       string
	plot       func() funnelPlot
	standalone bool
}{
	{"basic", handPlot, true},
	{"highlight", highlightPlot, false},
	{"compact", func() funnelPlot {
		p := highlightPlot()
		p.Compact, p.IDPrefix = true, "c"
		return p
	}, true},
	{"adjusted", func() funnelPlot {
		p := handPlot()
		p.IDPrefix = "adj"
		for _, c := range p.Curve {
			w := func(v float64) float64 { return min(1, 0.98+1.3*(v-0.98)) }
			p.Adjusted = append(p.Adjusted, plotCurve{X: c.X, Low998: w(c.Low998), Low95: w(c.Low95),
				High95: w(c.High95), High998: w(c.High998)})
		}
		return p
	}, false},
	{"empty", func() funnelPlot { return funnelPlot{TargetSurvival: math.NaN()} }, true},
}

func render(t testing.TB, p funnelPlot, standalone bool) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := renderFunnelSVG(&b, p, standalone); err != nil {
		t.Fatalf("renderFunnelSVG: %v", err)
	}
	return b.Bytes()
}

func TestRenderFunnelSVGGolden(t *testing.T) {
	for _, tc := range svgCases {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.plot(), tc.standalone)
			path := filepath.Join("testdata", "svg", tc.name+".svg")
			if *updateSVG {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./api -run SVG -update-svg)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("renderFunnelSVG(%s) differs from %s; run go test ./api -run SVG -update-svg and review the diff",
					tc.name, path)
			}
			if again := render(t, tc.plot(), tc.standalone); !bytes.Equal(got, again) {
				t.Errorf("renderFunnelSVG(%s) is not deterministic", tc.name)
			}
		})
	}
}

// svgDoc is what the tests read back from a rendered SVG.
type svgDoc struct {
	root       xml.StartElement
	title      string
	desc       string
	ids        map[string]string // id → element name
	points     []svgPoint
	lines      map[string][][][2]float64 // class → subpaths
	labels     []string                  // highlight labels
	elements   int
	xmlDecl    bool
	rootNS     string
	shapeCount int
}

type svgPoint struct {
	elem             string // a or g
	depth            int    // of its element
	attrs            map[string]string
	title            string
	cx, cy           float64
	shapeFill, shape string
	shapeD           string // a triangle's path, drawn at the origin
}

// svgMark is a mark drawn once in <defs>, at the origin, for <use>.
type svgMark struct {
	name  string
	attrs map[string]string
}

// parseSVG decodes the SVG to EOF, failing on any XML error, on a style
// element or attribute, and on a duplicate id.
func parseSVG(t *testing.T, b []byte) *svgDoc {
	marks := map[string]svgMark{}
	var markID string
	t.Helper()
	d := &svgDoc{ids: map[string]string{}, lines: map[string][][][2]float64{}}
	d.xmlDecl = bytes.HasPrefix(b, []byte("<?xml "))
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []string
	var cur *svgPoint
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
			d.elements++
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
				if _, dup := d.ids[id]; dup {
					t.Errorf("duplicate id %q", id)
				}
				d.ids[id] = name
			}
			if len(stack) == 0 {
				d.root = tk
				d.rootNS = tk.Name.Space
			}
			switch {
			case name == "title" && len(stack) == 1:
				text = &d.title
			case name == "desc" && len(stack) == 1:
				text = &d.desc
			case attrs["data-unit-id"] != "":
				// The band is the class band-<code>; keep it where the
				// checks below look for it.
				for c := range strings.FieldsSeq(attrs["class"]) {
					if b, ok := strings.CutPrefix(c, "band-"); ok {
						attrs["data-band"] = b
					}
				}
				d.points = append(d.points, svgPoint{elem: name, attrs: attrs, depth: len(stack)})
				cur = &d.points[len(d.points)-1]
			case name == "title" && cur != nil:
				text = &cur.title
			case name == "g" && strings.Contains(attrs["id"], "-m-"):
				markID = attrs["id"]
			case (name == "circle" || name == "path") && markID != "":
				marks[markID] = svgMark{name: name, attrs: attrs}
				markID = ""
			case name == "use" && cur != nil && cur.shape == "":
				m, ok := marks[strings.TrimPrefix(attrs["href"], "#")]
				if !ok {
					t.Fatalf("point %s uses %q, which is not defined before it", cur.attrs["data-unit-id"], attrs["href"])
				}
				cur.shape, cur.shapeFill, cur.shapeD = m.name, m.attrs["fill"], m.attrs["d"]
				cx, cy := shapeCentre(t, m.name, m.attrs)
				cur.cx, cur.cy = cx+atof(t, attrs["x"]), cy+atof(t, attrs["y"])
				d.shapeCount++
			case name == "path" && strings.Contains(attrs["class"], "limit-"):
				d.lines[attrs["class"]] = parsePolyline(t, attrs["d"])
			case name == "text" && strings.Contains(attrs["class"], "highlight-label"):
				d.labels = append(d.labels, "")
				text = &d.labels[len(d.labels)-1]
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			text = nil
			if cur != nil && len(stack) == cur.depth {
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
func shapeCentre(t *testing.T, name string, attrs map[string]string) (float64, float64) {
	t.Helper()
	if name == "circle" {
		return atof(t, attrs["cx"]), atof(t, attrs["cy"])
	}
	subs := parsePolyline(t, attrs["d"])
	if len(subs) != 1 || len(subs[0]) != 3 {
		t.Fatalf("point path %q is not a triangle", attrs["d"])
	}
	var x, y float64
	for _, v := range subs[0] {
		x, y = x+v[0]/3, y+v[1]/3
	}
	return x, y
}

// parsePolyline reads a path of M, L and Z commands with absolute x,y pairs.
func parsePolyline(t *testing.T, d string) [][][2]float64 {
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

func atof(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("number %q: %v", s, err)
	}
	return v
}

// lineAt interpolates a polyline's y at pixel x; ok is false where the
// line is not drawn.
func lineAt(subs [][][2]float64, x float64) (y float64, ok bool) {
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

func TestRenderFunnelSVGStructure(t *testing.T) {
	for _, tc := range svgCases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.plot()
			out := render(t, p, tc.standalone)
			d := parseSVG(t, out)

			if d.root.Name.Local != "svg" {
				t.Fatalf("root element %q, want svg", d.root.Name.Local)
			}
			if d.xmlDecl != tc.standalone || (d.rootNS == "http://www.w3.org/2000/svg") != tc.standalone {
				t.Errorf("standalone %v: XML declaration %v, namespace %q", tc.standalone, d.xmlDecl, d.rootNS)
			}
			attrs := map[string]string{}
			for _, a := range d.root.Attr {
				attrs[a.Name.Local] = a.Value
			}
			if attrs["viewBox"] == "" || attrs["width"] != "100%" {
				t.Errorf("svg viewBox %q width %q, want a viewBox and width 100%%", attrs["viewBox"], attrs["width"])
			}
			if d.ids[attrs["aria-labelledby"]] != "title" || d.ids[attrs["aria-describedby"]] != "desc" {
				t.Errorf("aria-labelledby %q, aria-describedby %q: want the ids of <title> and <desc> (ids %v)",
					attrs["aria-labelledby"], attrs["aria-describedby"], d.ids)
			}
			if want := cmpOr(p.Title, "Funnel plot"); d.title != want || d.desc != p.Description {
				t.Errorf("title %q desc %q, want %q and %q", d.title, d.desc, want, p.Description)
			}
			if bytes.Contains(out, []byte("<script")) {
				t.Errorf("output holds a raw <script")
			}

			var want []plotPoint
			for _, pt := range p.Points {
				if drawable(&pt) {
					want = append(want, pt)
				}
			}
			if len(d.points) != len(want) || bytes.Count(out, []byte("data-unit-id=")) != len(want) {
				t.Fatalf("%d points with data-unit-id (%d in the text), want %d drawn (NaN skipped)",
					len(d.points), bytes.Count(out, []byte("data-unit-id=")), len(want))
			}
			for i, got := range d.points {
				w := want[i]
				if got.attrs["data-unit-id"] != w.UnitID || got.attrs["data-band"] != string(w.Band) ||
					got.title != w.Summary {
					t.Errorf("point %d = %v title %q, want unit %s band %s summary %q", i, got.attrs, got.title,
						w.UnitID, w.Band, w.Summary)
				}
				wantClass := "point band-" + string(w.Band)
				if w.Highlight {
					wantClass += " highlight"
				}
				if got.attrs["class"] != wantClass {
					t.Errorf("point %s class %q, want %q", w.UnitID, got.attrs["class"], wantClass)
				}
				switch {
				case w.Href != "" && (got.elem != "a" || got.attrs["href"] != w.Href):
					t.Errorf("point %s: <%s href=%q>, want <a href=%q>", w.UnitID, got.elem, got.attrs["href"], w.Href)
				case w.Href == "" && (got.elem != "g" || got.attrs["tabindex"] != "0"):
					t.Errorf("point %s: <%s tabindex=%q>, want <g tabindex=\"0\">", w.UnitID, got.elem,
						got.attrs["tabindex"])
				}
				if got.shape == "" {
					t.Errorf("point %s has no shape", w.UnitID)
				}
			}
			var hl []string
			for _, pt := range want {
				if pt.Highlight {
					hl = append(hl, shortName(pt.Name, 28))
				}
			}
			if !slices.Equal(d.labels, hl) {
				t.Errorf("highlight labels %q, want %q", d.labels, hl)
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestRenderFunnelSVGShapes holds each band to its shape, so bands never
// differ by colour alone.
func TestRenderFunnelSVGShapes(t *testing.T) {
	d := parseSVG(t, render(t, handPlot(), true))
	want := map[string]string{"within": "circle", "too_few": "circle", "high_alert": "path", "high_alarm": "path",
		"low_alert": "path", "low_alarm": "path"}
	down := map[string]bool{"high_alert": true, "high_alarm": true}
	filled := map[string]bool{"within": true, "high_alarm": true, "low_alarm": true}
	for _, pt := range d.points {
		band := pt.attrs["data-band"]
		if pt.shape != want[band] {
			t.Errorf("band %s drawn as <%s>, want <%s>", band, pt.shape, want[band])
		}
		if (pt.shapeFill != "#ffffff") != filled[band] {
			t.Errorf("band %s fill %s, want filled %v", band, pt.shapeFill, filled[band])
		}
	}
	// The tip of a downward triangle lies below its centroid (the mark is
	// drawn with its centroid at the origin).
	for _, pt := range d.points {
		band := pt.attrs["data-band"]
		if pt.shape != "path" {
			continue
		}
		tip := parsePolyline(t, pt.shapeD)[0][2]
		if (tip[1] > 0) != down[band] {
			t.Errorf("band %s: tip y %v; want pointing down %v", band, tip[1], down[band])
		}
	}
}

// checkGeometry holds every drawn point to its band: beyond the drawn
// lines on the right side, in pixels. Survival grows upwards, so a larger
// pixel y is a lower survival.
// It returns how many points it checked (too_few points are not).
func checkGeometry(t *testing.T, name string, d *svgDoc) int {
	t.Helper()
	const tol = 0.25 // px: coordinates are rounded to 0.1
	line := func(class string, x float64) (float64, bool) { return lineAt(d.lines[class], x) }
	checked := 0
	for _, pt := range d.points {
		band := pt.attrs["data-band"]
		if band == "too_few" {
			continue
		}
		low998, ok1 := line("limit-998 limit-low", pt.cx)
		low95, ok2 := line("limit-95 limit-low", pt.cx)
		high95, ok3 := line("limit-95 limit-high", pt.cx)
		high998, ok4 := line("limit-998 limit-high", pt.cx)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			t.Errorf("%s: point %s at x %v: limit lines not drawn there", name, pt.attrs["data-unit-id"], pt.cx)
			continue
		}
		y := pt.cy
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
			t.Errorf("%s: point %s (%s) at pixel y %v; lines at its x %v: low 99.8%% %v, low 95%% %v, high 95%% %v, high 99.8%% %v",
				name, pt.attrs["data-unit-id"], band, y, pt.cx, low998, low95, high95, high998)
		}
		checked++
	}
	return checked
}

func TestRenderFunnelSVGGeometry(t *testing.T) {
	d := parseSVG(t, render(t, handPlot(), true))
	if n := checkGeometry(t, "hand", d); n != 6 {
		t.Errorf("checked %d hand-made points, want 6", n)
	}
	// The high_alarm point lies below the lower 99.8% line.
	for _, pt := range d.points {
		if pt.attrs["data-band"] == "high_alarm" {
			y, _ := lineAt(d.lines["limit-998 limit-low"], pt.cx)
			if !(pt.cy > y) {
				t.Errorf("high_alarm point at pixel y %v, lower 99.8%% line at %v: want below it", pt.cy, y)
			}
		}
	}

	// A real funnel: stats.Funnel on 300 synthetic surgeons, through the
	// catalog types, newFunnelPlot and the renderer.
	for _, crude := range []bool{false, true} {
		r, f := syntheticRelease(300, crude)
		p := newFunnelPlot(r, f, map[string]bool{r.rows[f.first].UnitID: true}, nil, nil)
		d := parseSVG(t, render(t, p, false))
		if n := checkGeometry(t, "synthetic "+string(f.Scale), d); n < 250 {
			t.Errorf("synthetic %s: checked %d points, want most of 300", f.Scale, n)
		}
		bands := map[string]int{}
		for _, pt := range d.points {
			bands[pt.attrs["data-band"]]++
		}
		if bands["within"] == 0 || bands["high_alert"]+bands["high_alarm"] == 0 {
			t.Errorf("synthetic %s funnel bands %v: want within and high units to check", f.Scale, bands)
		}
	}
}

// syntheticRelease is one funnel of n surgeons with a few high outliers,
// computed by stats.Funnel and mapped as the ingest command maps it.
func syntheticRelease(n int, crude bool) (*release, *funnel) {
	rng := rand.New(rand.NewPCG(1, 2))
	set := outcome.UnitSet{Type: outcome.Surgeon}
	for i := range n {
		cases := 20 + rng.IntN(600)
		risk := 0.005 + 0.04*rng.Float64()
		e := float64(cases) * risk
		lambda := e
		if i%25 == 0 {
			lambda *= 2.5
		}
		// Poisson by inversion; a unit never has more deaths than cases.
		o, p, u := 0, math.Exp(-lambda), rng.Float64()
		for c := p; u > c && o < cases; c += p {
			o++
			p *= lambda / float64(o)
		}
		if crude {
			e = math.NaN()
		}
		set.Units = append(set.Units, outcome.Unit{Type: outcome.Surgeon, ID: strconv.Itoa(9000000 + i),
			Name: "Surgeon " + strconv.Itoa(i), Cases: cases, Events: o, Expected: e})
	}
	m := outcome.Method{Options: stats.Options{Target: math.NaN()}}
	g := m.Place(outcome.Group{Specialty: "vascular", Procedure: "aaa", Period: "2022-04/2025-03"}, set)
	r := &release{}
	f := &funnel{Funnel: g}
	for i := range g.Units {
		r.rows = append(r.rows, newUnitRow(&g, &g.Units[i], "in-hospital mortality", hospitalRef{}, nil))
	}
	f.end = int32(len(r.rows))
	r.funnels = []*funnel{f}
	return r, f
}

func TestNewFunnelPlot(t *testing.T) {
	nan := number(math.NaN())
	row := func(id, name string, x, y number, band outcome.Band) unitRow {
		return unitRow{UnitType: "surgeon", UnitID: id, UnitName: name, FunnelX: x, FunnelY: y, Band: band,
			Lower95: 0.5, Upper95: 1.5, Lower998: 0.25, Upper998: 2, Expected: 5, Survival: 0.9, RiskAdjusted: true}
	}
	r := &release{rows: []unitRow{
		row("3", "Émile Zola", 100, 1, "within"),
		row("1", "adam Smith", 50, 0.5, "within"),
		row("2", "Bob", 200, 30, "high_alarm"), // survival 1 − 30·0.05 < 0: clamped to 0
		row("4", "Bob", 10, 1, "too_few"),
		row("5", "Nobody", nan, nan, "too_few"),
	}}
	r.rows[4].Lower95 = nan
	g := outcome.Funnel{Group: outcome.Group{Specialty: "vascular", Procedure: "aaa", Period: "2022-04/2025-03"},
		UnitType: "surgeon", Scale: "ratio", Target: 0.05,
		Curve: []outcome.CurvePoint{
			{X: 10, Lower95: 0.2, Upper95: 2.5, Lower998: 0.05, Upper998: 4},
			{X: 100, Lower95: 0.6, Upper95: 1.5, Lower998: 0.4, Upper998: 1.9},
			{X: 300, Lower95: 0.8, Upper95: 1.2, Lower998: math.NaN(), Upper998: 30},
		}}
	f := &funnel{Funnel: g, first: 0, end: int32(len(r.rows))}
	var gotSummary []string
	p := newFunnelPlot(r, f, map[string]bool{"2": true},
		func(id string) string { return "/surgeons/" + id },
		func(u *unitRow) string { gotSummary = append(gotSummary, u.UnitID); return "about " + u.UnitID })

	const tol = 1e-12
	near := func(a, b float64) bool { return math.Abs(a-b) <= tol || math.IsNaN(a) && math.IsNaN(b) }
	if !near(p.TargetSurvival, 0.95) {
		t.Errorf("TargetSurvival = %v, want 1 − p0 = 0.95", p.TargetSurvival)
	}
	// The curve: f.Curve turned over (survival high = 1 − lower·p0, low =
	// 1 − upper·p0), merged with the own limits of each unit near a line
	// (unit 1 sits on its lower 95% limit; unit 2, far beyond its 99.8%
	// limit, adds nothing; x = 100 is in both: the curve's point is kept),
	// ascending.
	wantCurve := []plotCurve{
		{X: 10, Low998: 1 - 4*0.05, Low95: 1 - 2.5*0.05, High95: 1 - 0.2*0.05, High998: 1 - 0.05*0.05},
		{X: 50, Low998: 0.9, Low95: 0.925, High95: 0.975, High998: 0.9875},
		{X: 100, Low998: 1 - 1.9*0.05, Low95: 1 - 1.5*0.05, High95: 1 - 0.6*0.05, High998: 1 - 0.4*0.05},
		{X: 300, Low998: 0, Low95: 1 - 1.2*0.05, High95: 1 - 0.8*0.05, High998: math.NaN()},
	}
	if len(p.Curve) != len(wantCurve) {
		t.Fatalf("Curve = %v, want %v", p.Curve, wantCurve)
	}
	for i, w := range wantCurve {
		c := p.Curve[i]
		if !near(c.X, w.X) || !near(c.Low998, w.Low998) || !near(c.Low95, w.Low95) || !near(c.High95, w.High95) ||
			!near(c.High998, w.High998) {
			t.Errorf("Curve[%d] = %+v, want %+v", i, c, w)
		}
	}
	// Points: A–Z by folded name, then id; survival 1 − y·p0, clamped.
	wantPts := []struct {
		id       string
		survival float64
		hl       bool
	}{{"1", 1 - 0.5*0.05, false}, {"2", 0, true}, {"4", 0.95, false}, {"3", 0.95, false}, {"5", math.NaN(), false}}
	if len(p.Points) != len(wantPts) {
		t.Fatalf("%d points, want %d", len(p.Points), len(wantPts))
	}
	for i, w := range wantPts {
		pt := p.Points[i]
		if pt.UnitID != w.id || !near(pt.Survival, w.survival) || pt.Highlight != w.hl ||
			pt.Href != "/surgeons/"+w.id || pt.Summary != "about "+w.id {
			t.Errorf("Points[%d] = %+v, want unit %s survival %v highlight %v", i, pt, w.id, w.survival, w.hl)
		}
	}
	if len(gotSummary) != 5 {
		t.Errorf("summary called for %v, want every unit", gotSummary)
	}
	if p.XLabel != "Risk-adjusted operations" || p.YLabel != "Risk-adjusted survival" {
		t.Errorf("labels %q, %q", p.XLabel, p.YLabel)
	}
	if !strings.Contains(p.Title, "Vascular surgery") || !strings.Contains(p.Title, "Elective abdominal aortic") ||
		!strings.Contains(p.Description, "5 surgeons") || !strings.Contains(p.Description, "95.0%") {
		t.Errorf("Title %q, Description %q", p.Title, p.Description)
	}

	// Proportion scale: survival = 1 − y, limits turned over the same way.
	f.Scale, f.Target = "proportion", 0.1
	f.Curve = []outcome.CurvePoint{{X: 40, Lower95: 0.02, Upper95: 0.3, Lower998: 0, Upper998: 0.4}}
	r.rows = r.rows[:2]
	r.rows[0].FunnelY, r.rows[1].FunnelY = 0.2, 0.05
	f.end = 2
	p = newFunnelPlot(r, f, nil, nil, nil)
	if !near(p.TargetSurvival, 0.9) || !near(p.Curve[0].Low95, 0.7) || !near(p.Curve[0].High95, 0.98) ||
		!near(p.Curve[0].Low998, 0.6) || !near(p.Curve[0].High998, 1) {
		t.Errorf("proportion: target %v, curve %+v; want 0.9 and {40 0.6 0.7 0.98 1}", p.TargetSurvival, p.Curve[0])
	}
	if p.Points[0].UnitID != "1" || !near(p.Points[0].Survival, 0.95) || !near(p.Points[1].Survival, 0.8) ||
		p.Points[0].Href != "" || p.Points[0].Summary == "" {
		t.Errorf("proportion points %+v", p.Points)
	}
	if p.XLabel != "Operations" || p.YLabel != "Survival" {
		t.Errorf("proportion labels %q, %q", p.XLabel, p.YLabel)
	}
}

func TestAdjustedCurve(t *testing.T) {
	g := outcome.Funnel{Scale: "ratio", Target: 0.05, Phi: 4, Tau2: 0.01,
		Curve: []outcome.CurvePoint{{X: 100, Lower95: 0.6, Upper95: 1.5, Lower998: 0.4, Upper998: 1.9}}}
	f := &funnel{Funnel: g}
	const tol = 1e-12
	// Multiplicative, √φ = 2: 1 + 2(l − 1), then survival 1 − v·p0.
	c := adjustedCurve(f, stats.AdjustMultiplicative)
	want := plotCurve{X: 100, Low998: 1 - 2.8*0.05, Low95: 1 - 2*0.05, High95: 1 - 0.2*0.05, High998: 1}
	if len(c) != 1 || math.Abs(c[0].Low998-want.Low998) > tol || math.Abs(c[0].Low95-want.Low95) > tol ||
		math.Abs(c[0].High95-want.High95) > tol || math.Abs(c[0].High998-want.High998) > tol {
		t.Errorf("adjustedCurve(multiplicative) = %+v, want [%+v]", c, want)
	}
	lo, hi := stats.SqrtLimits(100*0.05, 0.998, 0.01)
	c = adjustedCurve(f, stats.AdjustAdditive)
	if len(c) != 1 || math.Abs(c[0].Low998-(1-hi*0.05)) > tol || math.Abs(c[0].High998-(1-lo*0.05)) > tol {
		t.Errorf("adjustedCurve(additive) = %+v, want 99.8%% survival %v to %v", c, 1-hi*0.05, 1-lo*0.05)
	}
	f.Phi = 0.9
	if c := adjustedCurve(f, stats.AdjustMultiplicative); c != nil {
		t.Errorf("adjustedCurve(multiplicative, φ = 0.9) = %v, want nil", c)
	}
	if c := adjustedCurve(f, stats.AdjustNone); c != nil {
		t.Errorf("adjustedCurve(none) = %v, want nil", c)
	}
}

func TestAppendXMLEscaped(t *testing.T) {
	for _, s := range []string{"", "plain", hostileName, "a\tb\nc\rd", "\x00\x1f\x7f", "bad \xff utf-8", "\uFFFE\uFFFF",
		"emoji 🫀 and ‘quotes’", `"'&<>`, "]]>"} {
		var want bytes.Buffer
		if err := xml.EscapeText(&want, []byte(s)); err != nil {
			t.Fatal(err)
		}
		if got := appendXMLEscaped(nil, s); string(got) != want.String() {
			t.Errorf("appendXMLEscaped(%q) = %q, want %q (xml.EscapeText)", s, got, want.String())
		}
	}
}

func TestAppendCoord(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{{0, "0"}, {-0.04, "0"}, {1.25, "1.3"}, {12, "12"}, {12.04, "12"}, {-3.46, "-3.5"}, {math.NaN(), "0"}} {
		if got := string(appendCoord(nil, tc.in)); got != tc.want {
			t.Errorf("appendCoord(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNiceStep(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{{0.7, 1}, {1, 1}, {1.1, 2}, {2.2, 2.5}, {3, 5}, {60, 100},
		{0.0042, 0.005}, {0, 1}} {
		if got := niceStep(tc.in); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("niceStep(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestShortName(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{{"Ann", 5, "Ann"}, {"Ann Bee Cee", 5, "Ann…"}, {"Ñúñez Ñúñez", 7, "Ñúñez…"}} {
		if got := shortName(tc.in, tc.n); got != tc.want {
			t.Errorf("shortName(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

// TestFunnelSVGDemo draws every funnel of a real release database, checks
// each, and writes a few to -svg-demo-out. It is opt-in:
//
//	go run ./cmd/outcomes ingest --db /tmp/svgdemo.db --release demo demo/*.csv
//	go test ./api -run FunnelSVGDemo -args -svg-demo-db=/tmp/svgdemo.db -svg-demo-out=/tmp
func TestFunnelSVGDemo(t *testing.T) {
	if *svgDemoDB == "" {
		t.Skip("no -svg-demo-db")
	}
	db, err := store.Open(context.Background(), *svgDemoDB, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := loadCatalog(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	r := c.latest()
	var biggest *funnel
	for _, f := range r.funnels {
		p := newFunnelPlot(r, f, nil, func(id string) string { return "/surgeons/" + id }, nil)
		checkGeometry(t, f.Specialty+"/"+f.Procedure+"/"+f.Period+"/"+string(f.UnitType), parseSVG(t, render(t, p, true)))
		if f.UnitType == "surgeon" && (biggest == nil || f.end-f.first > biggest.end-biggest.first) {
			biggest = f
		}
	}
	if *svgDemoOut == "" || biggest == nil {
		return
	}
	hl := map[string]bool{}
	for i := biggest.first; i < biggest.end; i++ {
		if u := &r.rows[i]; u.Band == "high_alarm" || u.Band == "high_alert" || i == biggest.first+7 {
			hl[u.UnitID] = true
		}
	}
	link := func(id string) string { return "/surgeons/" + id }
	write := func(name string, p funnelPlot) {
		if err := os.WriteFile(filepath.Join(*svgDemoOut, name), render(t, p, true), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("funnel-demo.svg", newFunnelPlot(r, biggest, nil, link, nil))
	write("funnel-demo-highlight.svg", newFunnelPlot(r, biggest, hl, link, nil))
	p := newFunnelPlot(r, biggest, hl, link, nil)
	p.Compact = true
	write("funnel-demo-compact.svg", p)
	for _, f := range r.funnels {
		if f.UnitType == "surgeon" && f.Phi > 1 {
			p = newFunnelPlot(r, f, nil, link, nil)
			p.Adjusted = adjustedCurve(f, stats.AdjustMultiplicative)
			write("funnel-demo-adjusted.svg", p)
			break
		}
	}
	t.Logf("wrote %s: %s/%s/%s, %d units", *svgDemoOut, biggest.Specialty, biggest.Procedure, biggest.Period,
		biggest.end-biggest.first)
}

// benchPlot is n points around a 200-point curve.
func benchPlot(n int) funnelPlot {
	rng := rand.New(rand.NewPCG(3, 4))
	p := funnelPlot{Title: "Benchmark", Description: "Benchmark funnel", TargetSurvival: 0.98, IDPrefix: "b"}
	for i := range 200 {
		p.Curve = append(p.Curve, handLimits(10*math.Pow(1.03, float64(i))))
	}
	bands := []outcome.Band{"within", "within", "within", "high_alert", "low_alert", "too_few", "high_alarm"}
	for i := range n {
		x := 20 + 3000*rng.Float64()
		p.Points = append(p.Points, plotPoint{UnitID: strconv.Itoa(9000000 + i), Name: "Surgeon " + strconv.Itoa(i),
			Href: "/surgeons/" + strconv.Itoa(9000000+i), X: x, Survival: 0.98 + rng.NormFloat64()*math.Sqrt(0.02*0.98/x),
			Band: bands[i%len(bands)], Highlight: i%100 == 0,
			Summary: "Mr Surgeon " + strconv.Itoa(i) + ": 412 operations, 11 deaths (7.9 expected), risk-adjusted survival 97.1%. As expected."})
	}
	return p
}

func BenchmarkRenderFunnelSVG(b *testing.B) {
	for _, n := range []int{50, 500, 5000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			p := benchPlot(n)
			b.ReportAllocs()
			var size int
			for b.Loop() {
				var w countWriter
				if err := renderFunnelSVG(&w, p, false); err != nil {
					b.Fatal(err)
				}
				size = int(w)
			}
			b.ReportMetric(float64(size), "bytes/svg")
		})
	}
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}
