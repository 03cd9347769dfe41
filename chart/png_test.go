package chart

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/surgeon-outcomes/outcomes/chart/charttest"
)

// decodePNG writes ch as a PNG and decodes it.
func decodePNG(t *testing.T, ch Chart) (image.Image, []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := WritePNG(&b, ch); err != nil {
		t.Fatalf("WritePNG: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatalf("png.Decode: %v", err)
	}
	return img, b.Bytes()
}

// countColour counts the pixels of colour c within half units of x, y.
func countColour(img image.Image, x, y, half float64, c Colour) int {
	want := color.RGBAModel.Convert(parseColour(c, 1)).(color.RGBA)
	n := 0
	r := image.Rect(int((x-half)*PNGScale), int((y-half)*PNGScale), int((x+half)*PNGScale)+1,
		int((y+half)*PNGScale)+1).Intersect(img.Bounds())
	for py := r.Min.Y; py < r.Max.Y; py++ {
		for px := r.Min.X; px < r.Max.X; px++ {
			if color.RGBAModel.Convert(img.At(px, py)).(color.RGBA) == want {
				n++
			}
		}
	}
	return n
}

// TestWritePNGFunnel checks the PNG against its SVG twin: the same size at
// PNGScale, and each point's mark where the SVG places it, in its band's
// colour.
func TestWritePNGFunnel(t *testing.T) {
	for _, tc := range svgCases {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.funnel()
			img, b := decodePNG(t, &f)
			l := f.layout()
			if got, want := img.Bounds().Size(), image.Pt(int(l.w*PNGScale), int(l.h*PNGScale)); got != want {
				t.Errorf("size %v, want %v", got, want)
			}
			if _, again := decodePNG(t, &f); !bytes.Equal(b, again) {
				t.Errorf("WritePNG(%s) is not deterministic", tc.name)
			}
			if n := countColour(img, 2, 2, 1, white); n == 0 {
				t.Errorf("corner is not white: the background is missing")
			}
			byID := map[string]*Point{}
			for i := range f.Points {
				byID[f.Points[i].UnitID] = &f.Points[i]
			}
			d := charttest.Parse(t, render(t, &f, true))
			for _, pt := range d.Points {
				fp := byID[pt.Attrs["data-unit-id"]]
				want := markOf(fp.Band).colour
				if l.highlighted && !fp.Highlight {
					want = grey
				}
				if n := countColour(img, pt.CX, pt.CY, 3, want); n < 4 {
					t.Errorf("point %s: colour %s %d times within 3 units of (%g, %g), want at least 4",
						pt.Attrs["data-unit-id"], want, n, pt.CX, pt.CY)
				}
			}
		})
	}
}

func TestWritePNGBars(t *testing.T) {
	bs := testBars()
	img, _ := decodePNG(t, &bs)
	if got, want := img.Bounds().Size(), image.Pt(720, 2*(30+48*6+26)); got != want {
		t.Errorf("size %v, want %v", got, want)
	}
	// The first row's dot, at 97% on a scale from 85%: x = 12 + 328 × 0.12 / 0.15.
	if n := countColour(img, 12+328*0.8, 60, 3, barsDot); n < 8 {
		t.Errorf("dot colour %s %d times at the first row's estimate, want at least 8", barsDot, n)
	}
	if n := countColour(img, 2, 2, 1, barsDot); n > 0 {
		t.Errorf("dot colour in the corner")
	}
}

// noBegin is a chart that forgets to begin its drawing.
type noBegin struct{}

func (noBegin) Draw(c Canvas) {}

func TestWriteNoBegin(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSVG(&b, noBegin{}, false); !errors.Is(err, errBegin) {
		t.Errorf("WriteSVG(noBegin) = %v, want %v", err, errBegin)
	}
	if err := WritePNG(&b, noBegin{}); !errors.Is(err, errBegin) {
		t.Errorf("WritePNG(noBegin) = %v, want %v", err, errBegin)
	}
}

func BenchmarkRenderFunnelPNG(b *testing.B) {
	f := benchFunnel(500)
	b.ReportAllocs()
	var size int
	for b.Loop() {
		var w countWriter
		if err := WritePNG(&w, &f); err != nil {
			b.Fatal(err)
		}
		size = int(w)
	}
	b.ReportMetric(float64(size), "bytes/png")
}
