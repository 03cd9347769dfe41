package chart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// testBars has a hostile label, a low interval cut at the scale's end, no
// national average, no interval, a unit too small to compare with a note
// and one without, and two national averages (so a line in each row drawn
// as a result).
func testBars() Bars {
	nan := math.NaN()
	return Bars{Low: 0.85, Rows: []Bar{
		{Label: hostileName, Band: "within", Survival: 0.97, Low: 0.95, High: 0.985, Average: 0.98},
		{Label: "Low clamp", Band: "high_alarm", Survival: 0.80, Low: 0.7, High: 0.9, Average: 0.98},
		{Label: "No target", Band: "low_alert", Survival: 0.995, Low: 0.99, High: 0.999, Average: nan},
		{Label: "No interval", Band: "within", Survival: 0.96, Low: nan, High: nan, Average: 0.97},
		{Label: "Too few", Band: "too_few", Survival: 0.99, Low: 0.9, High: 1, Average: 0.98,
			Note: "Too few to tell: 21 operations, 4 deaths"},
		{Label: "Too few, no note", Band: "too_few", Survival: 1, Low: 0.9, High: 1, Average: 0.98},
	}}
}

func TestWriteSVGBarsGolden(t *testing.T) {
	bs := testBars()
	got := render(t, &bs, false)
	path := filepath.Join("testdata", "svg", "bars.svg")
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
		t.Errorf("WriteSVG(bars) differs from %s; run go test ./chart -run SVG -update and review the diff", path)
	}
}

// TestWriteSVGBars reads the bars back: valid XML, one picture with an
// accessible name, the labels escaped, and words instead of a bar where
// there is nothing to compare.
func TestWriteSVGBars(t *testing.T) {
	bs := testBars()
	out := render(t, &bs, false)
	if bytes.Contains(out, []byte("<script")) || bytes.Contains(out, []byte("style")) {
		t.Errorf("output holds a raw <script or a style")
	}
	marks := svgMarks(t, out)
	counts := map[string]int{}
	for _, m := range marks {
		counts[m.name]++
	}
	texts := svgTexts(t, out)
	attrs := marks[0].attrs // the root
	if attrs["role"] != "img" || !strings.Contains(attrs["aria-label"], "national average") ||
		attrs["class"] != "interval-chart" {
		t.Errorf("root %v: want role img, the aria-label and class interval-chart", attrs)
	}
	// A dot for each row with a band assessed and a survival.
	if counts["circle"] != 4 {
		t.Errorf("%d circles, want 4 (every assessed row with a survival)", counts["circle"])
	}
	found := map[string]bool{}
	for _, s := range texts {
		found[s] = true
	}
	// Each row with a national average has its own line, as they differ,
	// and the key names them; no diamond.
	averages := 0
	for _, m := range marks {
		if m.attrs["class"] == "average" {
			averages++
		}
	}
	if averages != 2+1 || counts["polygon"] != 0 {
		t.Errorf("%d average lines and %d polygons, want a line for the first two rows (one average), one for the fourth, and the key's; no diamond",
			averages, counts["polygon"])
	}
	w, _ := outcome.Words("too_few")
	for _, want := range []string{hostileName, "Too few", "Too few to tell: 21 operations, 4 deaths", w.Label,
		"National average in each row's period", "100%", "85%"} {
		if !found[want] {
			t.Errorf("no text %q in %q", want, texts)
		}
	}
}

// svgMark is a drawn element of an interval chart, in document (paint)
// order.
type svgMark struct {
	name  string
	attrs map[string]string
}

func svgMarks(t *testing.T, out []byte) []svgMark {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(out))
	var marks []svgMark
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return marks
		}
		if err != nil {
			t.Fatalf("XML does not parse: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			m := svgMark{name: se.Name.Local, attrs: map[string]string{}}
			for _, a := range se.Attr {
				m.attrs[a.Name.Local] = a.Value
			}
			marks = append(marks, m)
		}
	}
}

// TestBarsDotOnTheAverageIsVisible draws units whose survival equals the
// national average, exactly where the line runs: each dot is still drawn,
// after the line (so on top of it), wider than the line, and outlined in
// white, so the line can never hide it. One average for every row gives
// one line across the chart, named in the key.
func TestBarsDotOnTheAverageIsVisible(t *testing.T) {
	bs := Bars{Low: 0.9, Rows: []Bar{
		{Label: "On the line", Band: "within", Survival: 0.976, Low: 0.95, High: 0.99, Average: 0.976},
		{Label: "Also on it", Band: "within", Survival: 0.976, Low: 0.96, High: 0.985, Average: 0.976},
		{Label: "Below", Band: "high_alert", Survival: 0.93, Low: 0.91, High: 0.95, Average: 0.976},
	}}
	marks := svgMarks(t, render(t, &bs, false))
	lineAt, dots := -1, 0
	var lineX string
	for i, m := range marks {
		switch {
		case m.attrs["class"] == "average" && lineAt < 0:
			lineAt = i
			// A vertical line: "M<x>,<y>v<length>".
			if d := m.attrs["d"]; strings.HasPrefix(d, "M") && strings.Contains(d, "v") && !strings.ContainsAny(d, "hHL") {
				lineX = d[1:strings.Index(d, ",")]
			}
			if lineX == "" || m.attrs["stroke-width"] != "2" {
				t.Errorf("average line %v: want vertical, 2 wide", m.attrs)
			}
		case m.name == "circle":
			dots++
			if lineAt < 0 || i < lineAt {
				t.Errorf("dot %d drawn before the average line: the line would cover it", dots)
			}
			r, _ := strconv.ParseFloat(m.attrs["r"], 64)
			if r < 5 || m.attrs["stroke"] != string(white) || m.attrs["fill"] != string(barsDot) {
				t.Errorf("dot %v: want radius at least 5 (the line is 2 wide), dark fill, white outline", m.attrs)
			}
			if dots <= 2 && m.attrs["cx"] != lineX {
				t.Errorf("dot %d at x %s, want on the line at %s (survival equals the average)", dots, m.attrs["cx"], lineX)
			}
		}
	}
	if dots != 3 {
		t.Errorf("%d dots, want 3", dots)
	}
	n := 0
	for _, m := range marks {
		if m.attrs["class"] == "average" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d average lines, want one across the chart", n)
	}
	// And in the PNG: the first dot's colour where survival and the line
	// meet, x = 12 + 328 × (0.976 − 0.9) / 0.1, y = 60.
	img, _ := decodePNG(t, &bs)
	if n := countColour(img, 12+328*0.76, 60, 3, barsDot); n < 8 {
		t.Errorf("PNG: dot colour %s %d times where the dot meets the line, want at least 8", barsDot, n)
	}
	if texts := svgTexts(t, render(t, &bs, false)); !slices.Contains(texts, "National average 97.6%") {
		t.Errorf("texts %q: want the key \"National average 97.6%%\"", texts)
	}
}

// TestBarsTooFewHasNoDot: a unit that cannot be judged gets words, not a
// survival dot styled like a result, whatever its survival.
func TestBarsTooFewHasNoDot(t *testing.T) {
	bs := Bars{Low: 0.9, Rows: []Bar{
		{Label: "Small", Band: "too_few", Survival: 1, Low: 0.8, High: 1, Average: 0.98, Note: "Too few to tell: 12 operations, 0 deaths"},
	}}
	out := render(t, &bs, false)
	for _, m := range svgMarks(t, out) {
		if m.name == "circle" || (m.name == "path" && m.attrs["stroke"] == string(barsLine)) {
			t.Errorf("a too-few row has a %s %v, want words only", m.name, m.attrs)
		}
	}
	if !slices.Contains(svgTexts(t, out), "Too few to tell: 12 operations, 0 deaths") {
		t.Errorf("the note is not drawn")
	}
}

func svgTexts(t *testing.T, out []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(out))
	var texts []string
	in := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return texts
		}
		if err != nil {
			t.Fatalf("XML does not parse: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			in = tk.Name.Local == "text"
		case xml.EndElement:
			in = false
		case xml.CharData:
			if in {
				texts = append(texts, string(tk))
			}
		}
	}
}
