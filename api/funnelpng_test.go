package api_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/chart"
)

// pngScale is the PNG's pixels per SVG user unit.
const pngScale = chart.PNGScale

// getPNG fetches path and decodes it as a PNG.
func getPNG(t *testing.T, srv *httptest.Server, path string) (image.Image, []byte) {
	t.Helper()
	resp, body := get(t, srv, http.MethodGet, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, want 200", path, resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "image/png" {
		t.Fatalf("GET %s: Content-Type = %q, want image/png", path, ct)
	}
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("GET %s: png.Decode: %v", path, err)
	}
	return img, body
}

func TestFunnelPNGHandler(t *testing.T) {
	srv := newServer(t, api.Config{})
	path := "/specialties/adult-cardiac/funnel.png?highlight=9000017"
	img, body := getPNG(t, srv, path)
	if got, want := img.Bounds().Size(), image.Pt(1440, 960); got != want {
		t.Errorf("GET %s: size = %v, want %v", path, got, want)
	}
	resp, again := get(t, srv, http.MethodGet, path)
	if !bytes.Equal(body, again) {
		t.Errorf("GET %s twice gave different bytes (%d and %d)", path, len(body), len(again))
	}
	for name, want := range map[string]string{
		"Cache-Control":          "public, max-age=300, stale-while-revalidate=86400",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("GET %s: %s = %q, want %q", path, name, got, want)
		}
	}
	if out := os.Getenv("FUNNEL_PNG_DEMO"); out != "" { // e.g. /tmp/funnel-demo.png, to look at
		_, svg := get(t, srv, http.MethodGet, strings.Replace(path, ".png", ".svg", 1))
		if err := os.WriteFile(out, body, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(strings.TrimSuffix(out, ".png")+".svg", svg, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFunnelPNGNotFound(t *testing.T) {
	srv := newServer(t, api.Config{})
	path := "/specialties/no-such/funnel.png"
	if resp, _ := get(t, srv, http.MethodGet, path); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET %s = %d, want 404", path, resp.StatusCode)
	}
}

var (
	reTarget    = regexp.MustCompile(`class="target"[^>]* d="M([-\d.]+),([-\d.]+)H([-\d.]+)"`)
	reAlarmID   = regexp.MustCompile(`class="point band-high_alarm" data-unit-id="([^"]+)"`)
	reUse       = regexp.MustCompile(`<use href="[^"]*" x="([-\d.]+)" y="([-\d.]+)"/>`)
	reLimit95Lo = regexp.MustCompile(`class="limit-95 limit-low"[^>]* d="([^"]+)"`)
	reLimit95Hi = regexp.MustCompile(`class="limit-95 limit-high"[^>]* d="([^"]+)"`)
	reLegend    = regexp.MustCompile(`<g class="legend-target">.*?<text x="([-\d.]+)" y="([-\d.]+)">National average</text>`)
)

func atof(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("ParseFloat(%q): %v", s, err)
	}
	return v
}

// polyline parses an SVG path of M and L commands.
func polyline(t *testing.T, d string) [][2]float64 {
	t.Helper()
	var ps [][2]float64
	for _, f := range strings.FieldsFunc(d, func(r rune) bool { return r == 'M' || r == 'L' }) {
		x, y, ok := strings.Cut(f, ",")
		if !ok {
			t.Fatalf("path %q: bad point %q", d, f)
		}
		ps = append(ps, [2]float64{atof(t, x), atof(t, y)})
	}
	return ps
}

// yAt interpolates a polyline at x.
func yAt(ps [][2]float64, x float64) (float64, bool) {
	for i := 1; i < len(ps); i++ {
		if a, b := ps[i-1], ps[i]; a[0] <= x && x <= b[0] && b[0] > a[0] {
			return a[1] + (b[1]-a[1])*(x-a[0])/(b[0]-a[0]), true
		}
	}
	return 0, false
}

// countColour counts the pixels of colour c within half user units of x, y.
func countColour(img image.Image, x, y, half float64, c color.RGBA) int {
	n := 0
	r := image.Rect(int((x-half)*pngScale), int((y-half)*pngScale), int((x+half)*pngScale)+1,
		int((y+half)*pngScale)+1).Intersect(img.Bounds())
	for py := r.Min.Y; py < r.Max.Y; py++ {
		for px := r.Min.X; px < r.Max.X; px++ {
			if color.RGBAModel.Convert(img.At(px, py)).(color.RGBA) == c {
				n++
			}
		}
	}
	return n
}

// TestFunnelPNGPixels checks the PNG against its SVG twin: the marks the
// SVG places are in the PNG at twice the coordinates, in the SVG's colours.
func TestFunnelPNGPixels(t *testing.T) {
	srv := newServer(t, api.Config{})
	_, plain := get(t, srv, http.MethodGet, "/specialties/adult-cardiac/funnel.svg")
	m := reAlarmID.FindSubmatch(plain)
	if m == nil {
		t.Fatal("the demo adult-cardiac funnel has no high_alarm point")
	}
	id := string(m[1])
	q := "?highlight=" + id
	_, svg := get(t, srv, http.MethodGet, "/specialties/adult-cardiac/funnel.svg"+q)
	img, _ := getPNG(t, srv, "/specialties/adult-cardiac/funnel.png"+q)

	ink := color.RGBA{0x1a, 0x1a, 0x1a, 0xff}
	high := color.RGBA{0x9a, 0x34, 0x12, 0xff}
	fill95 := color.RGBA{0xb3, 0xd3, 0xee, 0xff}

	tm := reTarget.FindSubmatch(svg)
	if tm == nil {
		t.Fatal("SVG has no target line")
	}
	x0, ty, x1 := atof(t, string(tm[1])), atof(t, string(tm[2])), atof(t, string(tm[3]))

	t.Run("target line", func(t *testing.T) {
		hits := 0
		for i := 1; i <= 10; i++ {
			x := x0 + (x1-x0)*float64(i)/11
			if countColour(img, x, ty, 0.5, ink) > 0 {
				hits++
			}
		}
		// A point may sit on the line at one or two of the ten places.
		if hits < 8 {
			t.Errorf("target colour %v at y=%g in %d of 10 places, want at least 8", ink, ty, hits)
		}
		if n := countColour(img, (x0+x1)/2, ty-4, 1, ink); n > 0 {
			t.Errorf("target colour %d times 4 units above the target line, want none", n)
		}
	})

	t.Run("highlighted high_alarm point", func(t *testing.T) {
		re := regexp.MustCompile(`class="point band-high_alarm highlight" data-unit-id="` + regexp.QuoteMeta(id) +
			`"><title>[^<]*</title><use href="[^"]*" x="([-\d.]+)" y="([-\d.]+)"/>`)
		pm := re.FindSubmatch(svg)
		if pm == nil {
			t.Fatalf("SVG has no highlighted high_alarm point %s", id)
		}
		px, py := atof(t, string(pm[1])), atof(t, string(pm[2]))
		if n := countColour(img, px, py, 2, high); n < 8 {
			t.Errorf("colour %v %d times within 2 units of the point (%g, %g), want at least 8", high, n, px, py)
		}
		// An empty spot in the plot: no point within 25 units.
		var pts [][2]float64
		for _, u := range reUse.FindAllSubmatch(svg, -1) {
			pts = append(pts, [2]float64{atof(t, string(u[1])), atof(t, string(u[2]))})
		}
		found := false
		for gy := 0.1; gy < 1 && !found; gy += 0.1 {
			for gx := 0.1; gx < 1 && !found; gx += 0.1 {
				ex, ey := x0+(x1-x0)*gx, ty+(ty-20)*(gy-0.5) // around the target
				clear := true
				for _, p := range pts {
					clear = clear && math.Hypot(p[0]-ex, p[1]-ey) > 25
				}
				if clear {
					found = true
					if n := countColour(img, ex, ey, 2, high); n > 0 {
						t.Errorf("colour %v %d times at the empty spot (%g, %g), want none", high, n, ex, ey)
					}
				}
			}
		}
		if !found {
			t.Log("no empty spot found to compare with")
		}
	})

	t.Run("95% band", func(t *testing.T) {
		lo, hi := reLimit95Lo.FindSubmatch(svg), reLimit95Hi.FindSubmatch(svg)
		if lo == nil || hi == nil {
			t.Fatal("SVG has no 95% lines")
		}
		los, his := polyline(t, string(lo[1])), polyline(t, string(hi[1]))
		hits := 0
		for _, f := range []float64{0.3, 0.5, 0.7, 0.9} {
			x := x0 + (x1-x0)*f
			ylo, ok1 := yAt(los, x)
			yhi, ok2 := yAt(his, x)
			if !ok1 || !ok2 || ylo-yhi < 6 {
				continue
			}
			// Halfway between the upper 95% line and the target, clear
			// of both lines.
			if countColour(img, x, (yhi+ty)/2, 1, fill95) > 0 || countColour(img, x, (ylo+ty)/2, 1, fill95) > 0 {
				hits++
			}
		}
		if hits == 0 {
			t.Errorf("95%% band colour %v found between the 95%% lines at none of the places tried", fill95)
		}
	})

	t.Run("legend text", func(t *testing.T) {
		lm := reLegend.FindSubmatch(svg)
		if lm == nil {
			t.Fatal("SVG has no legend entry National average")
		}
		lx, ly := atof(t, string(lm[1])), atof(t, string(lm[2]))
		dark := 0
		for py := int((ly - 10) * pngScale); py < int((ly+3)*pngScale); py++ {
			for px := int(lx * pngScale); px < int((lx+50)*pngScale); px++ {
				if r, g, b, _ := img.At(px, py).RGBA(); r+g+b < 3*0x6000 {
					dark++
				}
			}
		}
		if dark < 50 {
			t.Errorf("%d dark pixels where the legend's \"Expected\" is, want at least 50", dark)
		}
	})
}

// BenchmarkRenderFunnelPNG draws the PNG of 500 surgeons with some
// highlighted, through the handler (no network).
func BenchmarkRenderFunnelPNG(b *testing.B) {
	// A cache too small to hold a PNG: every request draws it, which is the
	// cost of a URL's first request (later ones come from the cache).
	srv := newServerOn(b, bigDB, api.Config{CacheBytes: 1})
	h := srv.Config.Handler
	req := httptest.NewRequest(http.MethodGet,
		"/specialties/adult-cardiac/funnel.png?highlight=8000000,8000100,8000200,8000300,8000400", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d", rec.Code)
	}
	size := rec.Body.Len()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
	b.ReportMetric(float64(size), "bytes/png")
}
