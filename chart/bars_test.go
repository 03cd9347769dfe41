package chart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testBars has a hostile label, a low interval cut at the scale's end, no
// expected survival, no interval, and a unit too small to compare.
func testBars() Bars {
	nan := math.NaN()
	return Bars{Low: 0.85, Rows: []Bar{
		{Label: hostileName, Band: "within", Survival: 0.97, Low: 0.95, High: 0.985, Expected: 0.98},
		{Label: "Low clamp", Band: "high_alarm", Survival: 0.80, Low: 0.7, High: 0.9, Expected: 0.98},
		{Label: "No target", Band: "low_alert", Survival: 0.995, Low: 0.99, High: 0.999, Expected: nan},
		{Label: "No interval", Band: "within", Survival: 0.96, Low: nan, High: nan, Expected: 0.97},
		{Label: "Too few", Band: "too_few", Survival: 0.99, Low: 0.9, High: 1, Expected: 0.98},
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
	dec := xml.NewDecoder(bytes.NewReader(out))
	var texts []string
	counts := map[string]int{}
	var root xml.StartElement
	inText := false
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
			if root.Name.Local == "" {
				root = tk
			}
			counts[tk.Name.Local]++
			inText = tk.Name.Local == "text"
		case xml.EndElement:
			inText = false
		case xml.CharData:
			if inText {
				texts = append(texts, string(tk))
			}
		}
	}
	attrs := map[string]string{}
	for _, a := range root.Attr {
		attrs[a.Name.Local] = a.Value
	}
	if attrs["role"] != "img" || !strings.Contains(attrs["aria-label"], "95% intervals") ||
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
	for _, want := range []string{hostileName, "Too few", "too few deaths expected to compare", "100%", "85%"} {
		if !found[want] {
			t.Errorf("no text %q in %q", want, texts)
		}
	}
}
