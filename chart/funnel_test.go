package chart

import (
	"bytes"
	"encoding/xml"
	"flag"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/chart/charttest"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

var update = flag.Bool("update", false, "rewrite testdata/svg/*.svg")

const hostileName = `<script>alert("x&y")</script> O'Brien–Ñúñez 名前`

// handCurve is a symmetric normal-approximation funnel around survival
// 0.98 (p0 = 0.02) with z = 1.96 and 3.09: hand-made, not a real limit.
func handCurve() []Curve {
	var cs []Curve
	for x := 20.0; x <= 1400; x *= 1.25 {
		cs = append(cs, handLimits(x))
	}
	return cs
}

func handLimits(x float64) Curve {
	sd := math.Sqrt(0.02 * 0.98 / x)
	return Curve{X: x, Low998: 0.98 - 3.09*sd, Low95: 0.98 - 1.96*sd, High95: min(1, 0.98+1.96*sd),
		High998: min(1, 0.98+3.09*sd)}
}

// handFunnel has one point of each band, a hostile name, a point with no
// x and one without a link.
func handFunnel() Funnel {
	at := func(x, z float64) float64 { return 0.98 + z*math.Sqrt(0.02*0.98/x) }
	f := Funnel{Title: "Funnel plot: test surgery, surgeons", Description: "A hand-made funnel for tests.",
		XLabel: "Risk-adjusted operations", YLabel: "Risk-adjusted survival", TargetSurvival: 0.98,
		Curve: handCurve(), IDPrefix: "t"}
	f.Points = []Point{
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
	for i := range f.Points {
		pt := &f.Points[i]
		pt.Summary = pt.Name + ": survival " + strconv.FormatFloat(pt.Survival*100, 'f', 1, 64) + "%, " + string(pt.Band) + "."
	}
	return f
}

func highlightFunnel() Funnel {
	f := handFunnel()
	f.IDPrefix = "hl"
	for _, i := range []int{0, 2, 7} {
		f.Points[i].Highlight = true
	}
	return f
}

var svgCases = []struct {
	name       string
	funnel     func() Funnel
	standalone bool
}{
	{"basic", handFunnel, true},
	{"highlight", highlightFunnel, false},
	{"compact", func() Funnel {
		f := highlightFunnel()
		f.Compact, f.IDPrefix = true, "c"
		return f
	}, true},
	{"adjusted", func() Funnel {
		f := handFunnel()
		f.IDPrefix = "adj"
		for _, c := range f.Curve {
			w := func(v float64) float64 { return min(1, 0.98+1.3*(v-0.98)) }
			f.Adjusted = append(f.Adjusted, Curve{X: c.X, Low998: w(c.Low998), Low95: w(c.Low95),
				High95: w(c.High95), High998: w(c.High998)})
		}
		return f
	}, false},
	{"empty", func() Funnel { return Funnel{TargetSurvival: math.NaN()} }, true},
}

func render(t testing.TB, ch Chart, standalone bool) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteSVG(&b, ch, standalone); err != nil {
		t.Fatalf("WriteSVG: %v", err)
	}
	return b.Bytes()
}

func TestWriteSVGGolden(t *testing.T) {
	for _, tc := range svgCases {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.funnel()
			got := render(t, &f, tc.standalone)
			path := filepath.Join("testdata", "svg", tc.name+".svg")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./chart -run SVG -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("WriteSVG(%s) differs from %s; run go test ./chart -run SVG -update and review the diff",
					tc.name, path)
			}
			if again := render(t, &f, tc.standalone); !bytes.Equal(got, again) {
				t.Errorf("WriteSVG(%s) is not deterministic", tc.name)
			}
		})
	}
}

func TestWriteSVGStructure(t *testing.T) {
	for _, tc := range svgCases {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.funnel()
			out := render(t, &f, tc.standalone)
			d := charttest.Parse(t, out)

			if d.Root.Name.Local != "svg" {
				t.Fatalf("root element %q, want svg", d.Root.Name.Local)
			}
			if d.XMLDecl != tc.standalone || (d.RootNS == "http://www.w3.org/2000/svg") != tc.standalone {
				t.Errorf("standalone %v: XML declaration %v, namespace %q", tc.standalone, d.XMLDecl, d.RootNS)
			}
			attrs := map[string]string{}
			for _, a := range d.Root.Attr {
				attrs[a.Name.Local] = a.Value
			}
			if attrs["viewBox"] == "" || attrs["width"] != "100%" {
				t.Errorf("svg viewBox %q width %q, want a viewBox and width 100%%", attrs["viewBox"], attrs["width"])
			}
			if d.IDs[attrs["aria-labelledby"]] != "title" || d.IDs[attrs["aria-describedby"]] != "desc" {
				t.Errorf("aria-labelledby %q, aria-describedby %q: want the ids of <title> and <desc> (ids %v)",
					attrs["aria-labelledby"], attrs["aria-describedby"], d.IDs)
			}
			if want := cmpOr(f.Title, "Funnel plot"); d.Title != want || d.Desc != f.Description {
				t.Errorf("title %q desc %q, want %q and %q", d.Title, d.Desc, want, f.Description)
			}
			if bytes.Contains(out, []byte("<script")) {
				t.Errorf("output holds a raw <script")
			}

			var want []Point
			for _, pt := range f.Points {
				if drawable(&pt) {
					want = append(want, pt)
				}
			}
			if len(d.Points) != len(want) || bytes.Count(out, []byte("data-unit-id=")) != len(want) {
				t.Fatalf("%d points with data-unit-id (%d in the text), want %d drawn (NaN skipped)",
					len(d.Points), bytes.Count(out, []byte("data-unit-id=")), len(want))
			}
			for i, got := range d.Points {
				w := want[i]
				if got.Attrs["data-unit-id"] != w.UnitID || got.Attrs["data-band"] != string(w.Band) ||
					got.Title != w.Summary {
					t.Errorf("point %d = %v title %q, want unit %s band %s summary %q", i, got.Attrs, got.Title,
						w.UnitID, w.Band, w.Summary)
				}
				wantClass := "point band-" + string(w.Band)
				if w.Highlight {
					wantClass += " highlight"
				}
				if got.Attrs["class"] != wantClass {
					t.Errorf("point %s class %q, want %q", w.UnitID, got.Attrs["class"], wantClass)
				}
				switch {
				case w.Href != "" && (got.Elem != "a" || got.Attrs["href"] != w.Href):
					t.Errorf("point %s: <%s href=%q>, want <a href=%q>", w.UnitID, got.Elem, got.Attrs["href"], w.Href)
				case w.Href == "" && (got.Elem != "g" || got.Attrs["tabindex"] != "0"):
					t.Errorf("point %s: <%s tabindex=%q>, want <g tabindex=\"0\">", w.UnitID, got.Elem,
						got.Attrs["tabindex"])
				}
				if got.Shape == "" {
					t.Errorf("point %s has no shape", w.UnitID)
				}
			}
			var hl []string
			for _, pt := range want {
				if pt.Highlight {
					hl = append(hl, ShortName(pt.Name, 28))
				}
			}
			if !slices.Equal(d.Labels, hl) {
				t.Errorf("highlight labels %q, want %q", d.Labels, hl)
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

// TestWriteSVGShapes holds each band to its shape, so bands never differ
// by colour alone.
func TestWriteSVGShapes(t *testing.T) {
	f := handFunnel()
	d := charttest.Parse(t, render(t, &f, true))
	want := map[string]string{"within": "circle", "too_few": "circle", "high_alert": "path", "high_alarm": "path",
		"low_alert": "path", "low_alarm": "path"}
	down := map[string]bool{"high_alert": true, "high_alarm": true}
	filled := map[string]bool{"within": true, "high_alarm": true, "low_alarm": true}
	for _, pt := range d.Points {
		band := pt.Attrs["data-band"]
		if pt.Shape != want[band] {
			t.Errorf("band %s drawn as <%s>, want <%s>", band, pt.Shape, want[band])
		}
		if (pt.ShapeFill != "#ffffff") != filled[band] {
			t.Errorf("band %s fill %s, want filled %v", band, pt.ShapeFill, filled[band])
		}
	}
	// The tip of a downward triangle lies below its centroid (the mark is
	// drawn with its centroid at the origin).
	for _, pt := range d.Points {
		band := pt.Attrs["data-band"]
		if pt.Shape != "path" {
			continue
		}
		tip := charttest.ParsePolyline(t, pt.ShapeD)[0][2]
		if (tip[1] > 0) != down[band] {
			t.Errorf("band %s: tip y %v; want pointing down %v", band, tip[1], down[band])
		}
	}
}

func TestWriteSVGGeometry(t *testing.T) {
	f := handFunnel()
	d := charttest.Parse(t, render(t, &f, true))
	if n := d.CheckGeometry(t, "hand"); n != 6 {
		t.Errorf("checked %d hand-made points, want 6", n)
	}
	// The high_alarm point lies below the lower 99.8% line.
	for _, pt := range d.Points {
		if pt.Attrs["data-band"] == "high_alarm" {
			y, _ := charttest.LineAt(d.Lines["limit-998 limit-low"], pt.CX)
			if !(pt.CY > y) {
				t.Errorf("high_alarm point at y %v, lower 99.8%% line at %v: want below it", pt.CY, y)
			}
		}
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
		if got := ShortName(tc.in, tc.n); got != tc.want {
			t.Errorf("ShortName(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

// benchFunnel is n points around a 200-point curve.
func benchFunnel(n int) Funnel {
	rng := rand.New(rand.NewPCG(3, 4))
	f := Funnel{Title: "Benchmark", Description: "Benchmark funnel", TargetSurvival: 0.98, IDPrefix: "b"}
	for i := range 200 {
		f.Curve = append(f.Curve, handLimits(10*math.Pow(1.03, float64(i))))
	}
	bands := []outcome.Band{"within", "within", "within", "high_alert", "low_alert", "too_few", "high_alarm"}
	for i := range n {
		x := 20 + 3000*rng.Float64()
		f.Points = append(f.Points, Point{UnitID: strconv.Itoa(9000000 + i), Name: "Surgeon " + strconv.Itoa(i),
			Href: "/surgeons/" + strconv.Itoa(9000000+i), X: x, Survival: 0.98 + rng.NormFloat64()*math.Sqrt(0.02*0.98/x),
			Band: bands[i%len(bands)], Highlight: i%100 == 0,
			Summary: "Mr Surgeon " + strconv.Itoa(i) + ": 412 operations, 11 deaths (7.9 expected), risk-adjusted survival 97.1%. As expected."})
	}
	return f
}

func BenchmarkRenderFunnelSVG(b *testing.B) {
	for _, n := range []int{50, 500, 5000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) { benchSVG(b, benchFunnel(n), false) })
	}
}

// benchSVG draws f's SVG in a b.Loop and reports its size.
func benchSVG(b *testing.B, f Funnel, standalone bool) {
	b.ReportAllocs()
	var size int
	for b.Loop() {
		var w countWriter
		if err := WriteSVG(&w, &f, standalone); err != nil {
			b.Fatal(err)
		}
		size = int(w)
	}
	b.ReportMetric(float64(size), "bytes/svg")
}

// nationalFunnel is n points shaped like a national funnel: spread by
// chance alone around survival 0.98, each point's band the side of the
// 95% and 99.8% limits it lies on (so about 5% lie outside the 95%
// limits), those under 50 operations too few to tell, one in every 20,000
// highlighted.
func nationalFunnel(n int) Funnel {
	rng := rand.New(rand.NewPCG(14, 100))
	f := Funnel{Title: "Benchmark", Description: "Benchmark funnel", TargetSurvival: 0.98, IDPrefix: "b",
		Units: "surgeons"}
	for i := range 200 {
		f.Curve = append(f.Curve, handLimits(10*math.Pow(1.03, float64(i))))
	}
	for i := range n {
		x := 20 + 3000*rng.Float64()
		z := rng.NormFloat64()
		band := outcome.Within
		switch {
		case x < 50:
			band = outcome.TooFew
		case z < -3.09:
			band = outcome.HighAlarm
		case z < -1.96:
			band = outcome.HighAlert
		case z > 3.09:
			band = outcome.LowAlarm
		case z > 1.96:
			band = outcome.LowAlert
		}
		f.Points = append(f.Points, Point{UnitID: strconv.Itoa(9000000 + i), Name: "Surgeon " + strconv.Itoa(i),
			Href: "/surgeons/" + strconv.Itoa(9000000+i), X: x, Survival: min(1, 0.98+z*math.Sqrt(0.02*0.98/x)),
			Band: band, Highlight: i%20_000 == 0,
			Summary: "Mr Surgeon " + strconv.Itoa(i) + ": 412 operations, 11 deaths (7.9 expected), risk-adjusted survival 97.1%. As expected."})
	}
	return f
}

// BenchmarkRenderNationalFunnelSVG draws a national funnel's SVG
// (nationalFunnel): issue 14 asks for under 1 MB at 100,000 units.
func BenchmarkRenderNationalFunnelSVG(b *testing.B) {
	for _, n := range []int{2_000, 100_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) { benchSVG(b, nationalFunnel(n), true) })
	}
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

// TestWriteSVGHideLabels draws highlighted points without their names: no
// label is written, and each point is still highlighted, with its summary.
func TestWriteSVGHideLabels(t *testing.T) {
	f := highlightFunnel()
	named := charttest.Parse(t, render(t, &f, false))
	f.HideLabels = true
	d := charttest.Parse(t, render(t, &f, false))
	if len(named.Labels) == 0 {
		t.Fatal("the highlighted funnel names no point; the test needs one that does")
	}
	if len(d.Labels) != 0 {
		t.Errorf("HideLabels: labels %q, want none", d.Labels)
	}
	highlighted := 0
	for _, p := range d.Points {
		if slices.Contains(strings.Fields(p.Attrs["class"]), "highlight") {
			highlighted++
			if p.Title == "" {
				t.Errorf("highlighted point %s has no summary", p.Attrs["data-unit-id"])
			}
		}
	}
	if highlighted != len(named.Labels) {
		t.Errorf("HideLabels: %d points highlighted, want %d, as with their names", highlighted, len(named.Labels))
	}
}

// TestFunnelHeadingNotes checks the text a chart carries to stand alone:
// the Heading's and Notes' lines are drawn, long ones wrapped within the
// width, the drawing grows to hold them and the plot keeps its height,
// and the PNG, drawn from the same Canvas calls, grows with it.
func TestFunnelHeadingNotes(t *testing.T) {
	plain := handFunnel()
	f := handFunnel()
	long := strings.Repeat("Release: a long title that must wrap. ", 6)
	f.Heading = []string{"Team self-check: Adult cardiac surgery", "Your 3 units"}
	f.Notes = []string{long, "Made 25 November 2026 12:00 UTC"}
	svg := string(render(t, &f, true))
	for _, want := range []string{">Team self-check: Adult cardiac surgery<", ">Your 3 units<",
		">Made 25 November 2026 12:00 UTC<", `class="chart-heading"`, `class="chart-note"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %s", want)
		}
	}
	if n := strings.Count(svg, `class="chart-note"`); n < 3 {
		t.Errorf("notes drawn as %d lines; the long one should wrap onto several", n)
	}
	for _, line := range regexp.MustCompile(`class="chart-note"[^>]*>([^<]*)<`).FindAllStringSubmatch(svg, -1) {
		if w := textWidth(line[1], 12); w > 720-16 {
			t.Errorf("note line %q is %.0f wide, over the chart's 704", line[1], w)
		}
	}
	lp, lf := plain.layout(), f.layout()
	if !(lf.h > lp.h) {
		t.Errorf("drawing is %.0f high with heading and notes, %.0f without; want it taller", lf.h, lp.h)
	}
	if got, want := lf.y1-lf.y0, lp.y1-lp.y0; math.Abs(got-want) > 1 {
		t.Errorf("plot is %.0f high with heading and notes, %.0f without; want the same", got, want)
	}
	var a, b bytes.Buffer
	if err := WritePNG(&a, &plain); err != nil {
		t.Fatal(err)
	}
	if err := WritePNG(&b, &f); err != nil {
		t.Fatal(err)
	}
	ia, err := png.Decode(&a)
	if err != nil {
		t.Fatal(err)
	}
	ib, err := png.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	if ib.Bounds().Dy() <= ia.Bounds().Dy() || ib.Bounds().Dx() != ia.Bounds().Dx() {
		t.Errorf("PNG %v with heading and notes, %v without; want it as wide and taller", ib.Bounds(), ia.Bounds())
	}
}
