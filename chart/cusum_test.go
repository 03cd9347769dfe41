package chart

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"io"
	"math"
	"strings"
	"testing"
)

// cusumCase is a short series with one signal of each chart.
func cusumCase(n int) CUSUM {
	cu := CUSUM{Title: "Our unit: RA-CUSUM", Description: "The deterioration chart signalled once, on 2025-01-07.",
		UpLimit: 4.5, DownLimit: 4, UpLabel: "h = 4.5: odds of death doubled", DownLabel: "−h = −4: odds halved"}
	up, down, vlad := 0.0, 0.0, 0.0
	for i := range n {
		cu.Dates = append(cu.Dates, fmt.Sprintf("2025-%02d-%02d", 1+i/28%12, 1+i%28))
		died := i < 7
		if died {
			up += 0.7
			vlad += 0.05 - 1
		} else {
			up = max(0, up-0.05)
			down -= 0.1
			vlad += 0.05
		}
		cu.Up, cu.Down, cu.VLAD = append(cu.Up, up), append(cu.Down, down), append(cu.VLAD, vlad)
		if up >= 4.5 {
			cu.Signals = append(cu.Signals, CUSUMSignal{Operation: i + 1, Up: true, Label: "Deterioration signal on " + cu.Dates[i]})
			up = 0
		}
		if down <= -4 {
			cu.Signals = append(cu.Signals, CUSUMSignal{Operation: i + 1, Label: "Improvement signal on " + cu.Dates[i]})
			down = 0
		}
	}
	return cu
}

// svgElements decodes an SVG, failing on any XML error, and returns its
// elements' names with their attributes, and each element's text.
type svgElem struct {
	name  string
	attrs map[string]string
	text  string
	depth int
}

func svgElements(t *testing.T, b []byte) []svgElem {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var out []svgElem
	var stack []int
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not XML: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			e := svgElem{name: tk.Name.Local, attrs: map[string]string{}, depth: len(stack)}
			for _, a := range tk.Attr {
				e.attrs[a.Name.Local] = a.Value
				if a.Name.Local == "style" {
					t.Errorf("style attribute on %s: not allowed under the CSP", e.name)
				}
			}
			stack = append(stack, len(out))
			out = append(out, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				out[stack[len(stack)-1]].text += string(tk)
			}
		}
	}
	return out
}

func TestCUSUMSVG(t *testing.T) {
	cu := cusumCase(60)
	if len(cu.Signals) != 2 {
		t.Fatalf("the case should hold one signal of each chart: %+v", cu.Signals)
	}
	var b bytes.Buffer
	if err := WriteSVG(&b, &cu, false); err != nil {
		t.Fatal(err)
	}
	els := svgElements(t, b.Bytes())
	if els[0].name != "svg" || els[0].attrs["role"] != "group" || els[0].attrs["aria-labelledby"] == "" ||
		els[0].attrs["aria-describedby"] == "" {
		t.Errorf("root %+v: want a group named by its title and described by its desc", els[0])
	}
	var title, desc string
	var signals, signalTitles []string
	classes := map[string]int{}
	for i, e := range els {
		switch {
		case e.name == "title" && e.depth == 1:
			title = e.text
		case e.name == "desc" && e.depth == 1:
			desc = e.text
		case e.attrs["class"] == "signal":
			signals = append(signals, e.attrs["data-operation"])
			if e.attrs["tabindex"] != "0" {
				t.Errorf("signal %d cannot be reached by Tab", i)
			}
			if els[i+1].name == "title" {
				signalTitles = append(signalTitles, els[i+1].text)
			}
		}
		classes[e.attrs["class"]]++
	}
	if title != cu.Title || desc != cu.Description {
		t.Errorf("title %q desc %q", title, desc)
	}
	if strings.Join(signals, ",") != "7,47" {
		t.Errorf("signals at operations %v, want 7 and 47", signals)
	}
	if strings.Join(signalTitles, "|") != "Deterioration signal on 2025-01-07|Improvement signal on 2025-02-19" {
		t.Errorf("signal titles %q", signalTitles)
	}
	for _, c := range []string{"cusum-up", "cusum-down", "vlad", "limit-labels"} {
		if classes[c] != 1 {
			t.Errorf("%d elements of class %s, want 1", classes[c], c)
		}
	}
	if classes["limit"] != 2 {
		t.Errorf("%d limit lines, want 2", classes["limit"])
	}
	for _, s := range []string{"h = 4.5:", "2025-01-07", "VLAD: statistical lives saved"} {
		if !bytes.Contains(b.Bytes(), []byte(s)) {
			t.Errorf("SVG does not say %q", s)
		}
	}
	// The limit lines are drawn at +h and −h: the upper above the zero
	// line, the lower below it.
	l := cu.layout()
	if !(l.py(cu.UpLimit) < l.mid && l.py(-cu.DownLimit) > l.mid) {
		t.Errorf("limits at %v and %v, zero at %v", l.py(cu.UpLimit), l.py(-cu.DownLimit), l.mid)
	}
}

// TestCUSUMLong keeps a long series' drawing bounded: 50,000 operations
// draw in well under a megabyte, with every signal still marked.
func TestCUSUMLong(t *testing.T) {
	short, long := cusumCase(2000), cusumCase(50_000)
	var bs, bl bytes.Buffer
	if err := WriteSVG(&bs, &short, false); err != nil {
		t.Fatal(err)
	}
	if err := WriteSVG(&bl, &long, false); err != nil {
		t.Fatal(err)
	}
	if bl.Len() > 600_000 {
		t.Errorf("50,000 operations: %d bytes of SVG", bl.Len())
	}
	if n := bytes.Count(bl.Bytes(), []byte(`class="signal"`)); n != len(long.Signals) {
		t.Errorf("%d signals marked, want %d", n, len(long.Signals))
	}
}

func TestCUSUMPNG(t *testing.T) {
	cu := cusumCase(60)
	cu.Heading = []string{"Our unit", "RA-CUSUM"}
	cu.Notes = []string{"Made 3 December 2026."}
	img, b := decodePNG(t, &cu)
	l := cu.layout()
	if got, want := img.Bounds().Size(), image.Pt(int(math.Round(cusumWidth*PNGScale)), int(math.Round(l.h*PNGScale))); got != want {
		t.Errorf("size %v, want %v", got, want)
	}
	if _, again := decodePNG(t, &cu); !bytes.Equal(b, again) {
		t.Error("WritePNG is not deterministic")
	}
	// The deterioration signal's marker is painted in its colour.
	x, y := l.px(7), l.py(cu.Up[6])
	if n := countColour(img, x, y, 3, high); n == 0 {
		t.Errorf("no signal marker at %v,%v", x, y)
	}
}

// TestCUSUMCompact draws the phone's chart 360 units wide, every limit
// still named in full.
func TestCUSUMCompact(t *testing.T) {
	cu := cusumCase(60)
	cu.Compact = true
	var b bytes.Buffer
	if err := WriteSVG(&b, &cu, false); err != nil {
		t.Fatal(err)
	}
	els := svgElements(t, b.Bytes())
	if vb := els[0].attrs["viewBox"]; !strings.HasPrefix(vb, "0 0 360 ") {
		t.Errorf("viewBox %q, want 360 wide", vb)
	}
	for _, s := range []string{cu.UpLabel, cu.DownLabel} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("compact chart does not name its limit %q on one line", s)
		}
	}
}
