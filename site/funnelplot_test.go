package site

import (
	"bytes"
	"context"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/chart"
	"github.com/surgeon-outcomes/outcomes/chart/charttest"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
	"github.com/surgeon-outcomes/outcomes/store"
)

var (
	svgDemoDB  = flag.String("svg-demo-db", "", "a release database to draw every funnel of (TestFunnelSVGDemo)")
	svgDemoOut = flag.String("svg-demo-out", "", "a directory to write TestFunnelSVGDemo's SVGs to")
)

// TestFunnelPlotGeometry draws a real funnel: stats.Funnel on 300
// synthetic surgeons, through the catalog types, newFunnelPlot and
// chart.WriteSVG, and holds every point to its band against the lines as
// drawn (newFunnelPlot adds the limits of units near a line, so the
// interpolated lines agree with the bands to the pixel).
func TestFunnelPlotGeometry(t *testing.T) {
	for _, crude := range []bool{false, true} {
		r, f := syntheticRelease(t, 300, crude)
		p := newFunnelPlot(r, f, map[string]bool{r.Rows[f.First].UnitID: true}, nil, nil)
		d := charttest.Parse(t, render(t, p, false))
		if n := d.CheckGeometry(t, "synthetic "+string(f.Scale)); n < 250 {
			t.Errorf("synthetic %s: checked %d points, want most of 300", f.Scale, n)
		}
		bands := map[string]int{}
		for _, pt := range d.Points {
			bands[pt.Attrs["data-band"]]++
		}
		if bands["within"] == 0 || bands["high_alert"]+bands["high_alarm"] == 0 {
			t.Errorf("synthetic %s funnel bands %v: want within and high units to check", f.Scale, bands)
		}
	}
}

func render(t testing.TB, p chart.Funnel, standalone bool) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := chart.WriteSVG(&b, &p, standalone); err != nil {
		t.Fatalf("chart.WriteSVG: %v", err)
	}
	return b.Bytes()
}

// syntheticRelease is one funnel of n surgeons with a few high outliers,
// computed by stats.Funnel and indexed as catalog.Load indexes it.
func syntheticRelease(t *testing.T, n int, crude bool) (*catalog.Release, *catalog.Funnel) {
	t.Helper()
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
	r, err := catalog.NewRelease(store.Release{ID: "synthetic"}, []outcome.Funnel{g}, nil)
	if err != nil {
		t.Fatalf("catalog.NewRelease: %v", err)
	}
	return r, r.Funnels[0]
}

func TestNewFunnelPlot(t *testing.T) {
	nan := math.NaN()
	row := func(id, name string, x, y float64, band outcome.Band) catalog.Row {
		return catalog.Row{UnitType: "surgeon", UnitID: id, UnitName: name, FunnelX: x, FunnelY: y, Band: band,
			Lower95: 0.5, Upper95: 1.5, Lower998: 0.25, Upper998: 2, Expected: 5, Survival: 0.9, RiskAdjusted: true}
	}
	r := &catalog.Release{Rows: []catalog.Row{
		row("3", "Émile Zola", 100, 1, "within"),
		row("1", "adam Smith", 50, 0.5, "within"),
		row("2", "Bob", 200, 30, "high_alarm"), // survival 1 − 30·0.05 < 0: clamped to 0
		row("4", "Bob", 10, 1, "too_few"),
		row("5", "Nobody", nan, nan, "too_few"),
	}}
	r.Rows[4].Lower95 = nan
	g := outcome.Funnel{Group: outcome.Group{Specialty: "vascular", Procedure: "aaa", Period: "2022-04/2025-03"},
		UnitType: "surgeon", Scale: "ratio", Target: 0.05,
		Curve: []outcome.CurvePoint{
			{X: 10, Lower95: 0.2, Upper95: 2.5, Lower998: 0.05, Upper998: 4},
			{X: 100, Lower95: 0.6, Upper95: 1.5, Lower998: 0.4, Upper998: 1.9},
			{X: 300, Lower95: 0.8, Upper95: 1.2, Lower998: math.NaN(), Upper998: 30},
		}}
	f := &catalog.Funnel{Funnel: g, First: 0, End: int32(len(r.Rows))}
	var gotSummary []string
	p := newFunnelPlot(r, f, map[string]bool{"2": true},
		func(id string) string { return "/surgeons/" + id },
		func(u *catalog.Row) string { gotSummary = append(gotSummary, u.UnitID); return "about " + u.UnitID })

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
	wantCurve := []chart.Curve{
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
	// Points: the units judged, then those too few to judge (4 and 5),
	// each A–Z by surname (catalog.NameKey: "Bob", "Smith, adam", "Zola,
	// Émile"), then id; survival 1 − y·p0, clamped.
	wantPts := []struct {
		id       string
		survival float64
		hl       bool
	}{{"2", 0, true}, {"1", 1 - 0.5*0.05, false}, {"3", 0.95, false}, {"4", 0.95, false}, {"5", math.NaN(), false}}
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
	if p.XLabel != "Operations, weighted by patient risk" || p.YLabel != "Risk-adjusted survival" || p.TargetLabel != "National average" {
		t.Errorf("labels %q, %q", p.XLabel, p.YLabel)
	}
	if !strings.Contains(p.Title, "Vascular surgery") || !strings.Contains(p.Title, "Elective abdominal aortic") ||
		!strings.Contains(p.Description, "5 surgeons") || !strings.Contains(p.Description, "95.0%") {
		t.Errorf("Title %q, Description %q", p.Title, p.Description)
	}

	// Proportion scale: survival = 1 − y, limits turned over the same way.
	f.Scale, f.Target = "proportion", 0.1
	f.Curve = []outcome.CurvePoint{{X: 40, Lower95: 0.02, Upper95: 0.3, Lower998: 0, Upper998: 0.4}}
	r.Rows = r.Rows[:2]
	r.Rows[0].FunnelY, r.Rows[1].FunnelY = 0.2, 0.05
	f.End = 2
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
	f := &catalog.Funnel{Funnel: g}
	const tol = 1e-12
	// Multiplicative, √φ = 2: 1 + 2(l − 1), then survival 1 − v·p0.
	c := adjustedCurve(f, stats.AdjustMultiplicative)
	want := chart.Curve{X: 100, Low998: 1 - 2.8*0.05, Low95: 1 - 2*0.05, High95: 1 - 0.2*0.05, High998: 1}
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

// TestFunnelSVGDemo draws every funnel of a real release database, checks
// each, and writes a few to -svg-demo-out. It is opt-in:
//
//	go run ./cmd/outcomes ingest --db /tmp/svgdemo.db --release demo demo/*.csv
//	go test ./site -run FunnelSVGDemo -args -svg-demo-db=/tmp/svgdemo.db -svg-demo-out=/tmp
func TestFunnelSVGDemo(t *testing.T) {
	if *svgDemoDB == "" {
		t.Skip("no -svg-demo-db")
	}
	db, err := store.Open(context.Background(), *svgDemoDB, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := catalog.Load(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Latest()
	var biggest *catalog.Funnel
	for _, f := range r.Funnels {
		p := newFunnelPlot(r, f, nil, func(id string) string { return "/surgeons/" + id }, nil)
		charttest.Parse(t, render(t, p, true)).CheckGeometry(t, f.Specialty+"/"+f.Procedure+"/"+f.Period+"/"+string(f.UnitType))
		if f.UnitType == "surgeon" && (biggest == nil || f.Len() > biggest.Len()) {
			biggest = f
		}
	}
	if *svgDemoOut == "" || biggest == nil {
		return
	}
	hl := map[string]bool{}
	for i := biggest.First; i < biggest.End; i++ {
		if u := &r.Rows[i]; u.Band == "high_alarm" || u.Band == "high_alert" || i == biggest.First+7 {
			hl[u.UnitID] = true
		}
	}
	link := func(id string) string { return "/surgeons/" + id }
	write := func(name string, p chart.Funnel) {
		if err := os.WriteFile(filepath.Join(*svgDemoOut, name), render(t, p, true), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("funnel-demo.svg", newFunnelPlot(r, biggest, nil, link, nil))
	write("funnel-demo-highlight.svg", newFunnelPlot(r, biggest, hl, link, nil))
	p := newFunnelPlot(r, biggest, hl, link, nil)
	p.Compact = true
	write("funnel-demo-compact.svg", p)
	for _, f := range r.Funnels {
		if f.UnitType == "surgeon" && f.Phi > 1 {
			p = newFunnelPlot(r, f, nil, link, nil)
			p.Adjusted = adjustedCurve(f, stats.AdjustMultiplicative)
			write("funnel-demo-adjusted.svg", p)
			break
		}
	}
	t.Logf("wrote %s: %s/%s/%s, %d units", *svgDemoOut, biggest.Specialty, biggest.Procedure, biggest.Period,
		biggest.Len())
}
