package chart

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/chart/charttest"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// TestDenseFunnel draws a funnel of more than DenseAbove points: every
// point outside the limits and every highlighted one is drawn as its own
// mark (at most maxLinked of them as links with their sentence, the
// highlighted first), the rest are shaded hexagons that the key and the
// text alternative count; at DenseAbove points nothing is shaded.
func TestDenseFunnel(t *testing.T) {
	small := nationalFunnel(DenseAbove)
	if small.Dense() || small.Shaded() != 0 || small.ShadedText() != "" {
		t.Fatalf("%d points: drawn dense, want every point its own", DenseAbove)
	}
	if b := render(t, &small, true); bytes.Contains(b, []byte(`class="density"`)) {
		t.Errorf("%d points: the SVG has shaded hexagons", DenseAbove)
	}

	f := nationalFunnel(20_000)
	b := render(t, &f, true)
	d := charttest.Parse(t, b)
	alone := map[outcome.Band]int{}
	shaded, highlighted := 0, map[string]bool{}
	for i := range f.Points {
		switch pt := &f.Points[i]; {
		case pt.Alone():
			alone[pt.Band]++
			if pt.Highlight {
				highlighted[pt.UnitID] = true
			}
		default:
			shaded++
		}
	}
	if shaded == 0 || len(highlighted) == 0 || alone[outcome.HighAlarm] == 0 || alone[outcome.LowAlert] == 0 {
		t.Fatalf("shaded %d, alone %v, highlighted %d: the test needs some of each", shaded, alone, len(highlighted))
	}
	if f.Shaded() != shaded {
		t.Errorf("Shaded() = %d, want %d", f.Shaded(), shaded)
	}
	// Every mark drawn alone is a use of its band's symbol (the key and
	// the highlights' copies draw theirs directly).
	for _, m := range bandMarks {
		if got := bytes.Count(b, []byte(`href="#b-m-`+string(m.band)+`-`)); got != alone[m.band] {
			t.Errorf("%s: %d marks drawn, want %d (every one alone)", m.band, got, alone[m.band])
		}
	}
	linked := map[string]bool{}
	for _, p := range d.Points {
		linked[p.Attrs["data-unit-id"]] = true
		if p.Title == "" || p.Attrs["href"] == "" {
			t.Errorf("linked point %s: no sentence or link", p.Attrs["data-unit-id"])
		}
	}
	if len(linked) != maxLinked {
		t.Errorf("%d points linked, want maxLinked (%d)", len(linked), maxLinked)
	}
	for id := range highlighted {
		if !linked[id] {
			t.Errorf("highlighted point %s is not linked", id)
		}
	}
	words := formatCount(float64(shaded)) + " surgeons"
	if !strings.Contains(d.Desc, words+" within the expected range") {
		t.Errorf("desc %q does not say %q are shaded", d.Desc, words)
	}
	if !bytes.Contains(b, []byte(">Shaded: "+words+" within range or too few to tell<")) {
		t.Errorf("the key does not count the %s shaded", words)
	}
	if hexes := bytes.Count(b, []byte(`href="#b-d-`)); hexes == 0 || hexes > shaded {
		t.Errorf("%d hexagons for %d shaded points", hexes, shaded)
	}
	if len(b) > 1<<20 {
		t.Errorf("%d points: %d bytes, over 1 MB", len(f.Points), len(b))
	}
	t.Logf("%d points: %d bytes, %d linked, %s", len(f.Points), len(b), len(linked), strconv.Itoa(shaded)+" shaded")
}
