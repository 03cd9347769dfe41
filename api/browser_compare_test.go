package api_test

// Browser test of the compare page as a patient on a phone uses it: what
// it shows for each surgeon, the chart's text size at 390 px, axe-core,
// and the picker of checkboxes with the keyboard alone.

import (
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// TestBrowserComparePage loads the compare page on a phone: no serious axe
// violation, nothing wider than the screen, every chart's text at least
// 12 CSS px, each surgeon's figures and words shown, the absent ones
// listed; then, with the keyboard alone, unticks a surgeon and submits.
func TestBrowserComparePage(t *testing.T) {
	srv := newServer(t, api.Config{})
	axeSource(t)
	// Two vascular surgeons who can be judged, one who cannot (too few
	// deaths expected), one with results only in an earlier period, and a
	// number no surgeon has.
	tooFew := tooFewSurgeons(t, srv, 1)[0]
	small := tooFew.UnitName
	names := []string{"Dr Ottilie Kestrelglade", "Dr Morwenna Larkwisp", small}
	slices.SortFunc(names, catalog.CompareNames)
	path := "/compare?ids=" + tooFew.UnitID + ",9001016,9001081,9000031,abc"
	ctx := newBrowser(t, phone)
	if status := navigate(t, ctx, srv, path); status != http.StatusOK {
		t.Fatalf("GET %s = %d, want 200", path, status)
	}
	runAxe(t, ctx)
	type state struct {
		Width    int      `json:"width"`
		MinFont  float64  `json:"minFont"`
		Texts    int      `json:"texts"`
		Units    []string `json:"units"`
		Verdicts []string `json:"verdicts"`
		Absent   string   `json:"absent"`
		Checked  []string `json:"checked"`
		Dots     int      `json:"dots"`
		Averages int      `json:"averages"`
	}
	// A chart's text size on screen is its font size times the SVG's
	// scale: the drawing shrinks to fit the phone.
	const measure = `(() => {
	let min = 1e9, n = 0;
	for (const t of document.querySelectorAll("svg.interval-chart text")) {
		const px = parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a;
		min = Math.min(min, px); n++;
	}
	return {
		width: document.documentElement.scrollWidth, minFont: min, texts: n,
		units: [...document.querySelectorAll('[data-group="vascular/aaa"] .compare-units > li')].map(li => li.innerText.replace(/\s+/g, " ").trim()),
		verdicts: [...document.querySelectorAll('[data-group="vascular/aaa"] .compare-units > li .verdict')].map(p => p.innerText.trim()),
		absent: (document.querySelector("section.absent") || {innerText: ""}).innerText.replace(/\s+/g, " "),
		checked: [...document.querySelectorAll("form.compare-picker input[type=checkbox]:checked")].map(c => c.value),
		dots: document.querySelectorAll('[data-group="vascular/aaa"] svg.interval-chart circle').length,
		averages: document.querySelectorAll('[data-group="vascular/aaa"] svg.interval-chart .average').length,
	};
})()`
	s := evalJS[state](t, ctx, measure)
	if s.Width > phone.width {
		t.Errorf("page is %d px wide at %d px, want no sideways scrolling", s.Width, phone.width)
	}
	if s.Texts == 0 || s.MinFont < 12 {
		t.Errorf("interval chart text: %d texts, smallest %.1f CSS px at 390 px, want at least 12", s.Texts, s.MinFont)
	}
	t.Logf("interval chart text at 390 px: %d texts, the smallest %.2f CSS px", s.Texts, s.MinFont)
	if len(s.Units) != 3 {
		t.Fatalf("%d surgeons shown, want 3: %q", len(s.Units), s.Units)
	}
	for i, want := range names {
		if !strings.HasPrefix(s.Units[i], want) {
			t.Errorf("surgeon %d is %q, want %s (A–Z by surname)", i+1, s.Units[i], want)
		}
	}
	for _, u := range s.Units {
		for _, want := range []string{"Operations", "Deaths", "Expected deaths"} {
			if !strings.Contains(u, want) {
				t.Errorf("surgeon %q lacks %q", u, want)
			}
		}
	}
	// Each surgeon's verdict is the band's sentence, from the one table.
	var sentences []string
	for _, w := range outcome.Bands() {
		sentences = append(sentences, w.Sentence+".")
	}
	if len(s.Verdicts) != len(s.Units) {
		t.Errorf("%d verdicts for %d surgeons", len(s.Verdicts), len(s.Units))
	}
	for _, v := range s.Verdicts {
		if !slices.Contains(sentences, v) {
			t.Errorf("verdict %q is not a band's sentence (outcome.Words)", v)
		}
	}
	for _, u := range s.Units {
		if strings.HasPrefix(u, small) == strings.Contains(u, "Risk-adjusted survival") {
			t.Errorf("want a survival figure for each surgeon who can be judged, and none for %s, who cannot: %q", small, u)
		}
	}
	if s.Dots != 2 || s.Averages != 1 {
		t.Errorf("interval chart: %d dots and %d national average lines, want 2 (the judged surgeons) and 1", s.Dots, s.Averages)
	}
	if !strings.Contains(s.Absent, "Barnaby Badgerdrift") || !strings.Contains(s.Absent, "April 2021 to March 2024") ||
		!strings.Contains(s.Absent, `registration number “abc”`) {
		t.Errorf("Not on these charts: %q; want the surgeon with earlier results only, and abc", s.Absent)
	}
	// The whole page, and its first group alone, which is easier to read.
	path = screenshot(t, ctx, "phone")
	if png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("section.result"))); err != nil {
		t.Errorf("screenshot of the first group: %v", err)
	} else if err := os.WriteFile(strings.TrimSuffix(path, ".png")+"-group.png", png, 0o644); err != nil {
		t.Error(err)
	}

	// The keyboard: Tab to the first ticked box, Space unticks it, Tab on
	// to the button and Enter submits. The surgeon is gone from the page.
	const first = "9001081" // Kestrelglade, the first surgeon shown
	var f focusInfo
	for range 80 {
		f = pressKey(t, ctx, kb.Tab)
		if f.Tag == "input" && evalJS[string](t, ctx, "document.activeElement.value") == first {
			break
		}
	}
	if evalJS[string](t, ctx, "document.activeElement.value") != first {
		t.Fatalf("Tab never reached the checkbox of %s; focus is on %v", first, f)
	}
	pressKey(t, ctx, " ")
	if evalJS[bool](t, ctx, "document.activeElement.checked") {
		t.Fatalf("Space on the checkbox of %s left it ticked", first)
	}
	for range 20 {
		if f = pressKey(t, ctx, kb.Tab); f.Tag == "button" {
			break
		}
	}
	if f.Tag != "button" {
		t.Fatalf("Tab from the checkboxes never reached the button; focus is on %v", f)
	}
	if status := submitAndWait(t, ctx, "press Enter on the button", chromedp.KeyEvent(kb.Enter)); status != http.StatusOK {
		t.Fatalf("compare page after the picker = %d, want 200", status)
	}
	after := evalJS[state](t, ctx, measure)
	want := slices.DeleteFunc(slices.Clone(s.Checked), func(id string) bool { return id == first })
	if !slices.Equal(after.Checked, want) {
		t.Errorf("after unticking %s: ticked %v, want %v", first, after.Checked, want)
	}
	if len(after.Units) != 2 {
		t.Errorf("after unticking %s: %d surgeons shown, want 2", first, len(after.Units))
	}
}

// TestBrowserIntervalChartText loads every page with interval bars on a
// phone: the charts' text is at least 12 CSS px at 390 px wide.
func TestBrowserIntervalChartText(t *testing.T) {
	srv := newServer(t, api.Config{})
	ctx := newBrowser(t, phone)
	for _, path := range []string{"/surgeons/9000017", "/hospitals/ZZ101", "/compare?ids=9000017,9000058,9001016"} {
		if status := navigate(t, ctx, srv, path); status != http.StatusOK {
			t.Fatalf("GET %s = %d, want 200", path, status)
		}
		type size struct {
			Min   float64 `json:"min"`
			Texts int     `json:"texts"`
		}
		got := evalJS[size](t, ctx, `(() => {
	let min = 1e9, n = 0;
	for (const t of document.querySelectorAll("svg.interval-chart text")) {
		min = Math.min(min, parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a); n++;
	}
	return {min: min, texts: n};
})()`)
		if got.Texts == 0 || got.Min < 12 {
			t.Errorf("%s: interval chart text %d texts, smallest %.2f CSS px at 390 px, want at least 12", path, got.Texts, got.Min)
		}
		t.Logf("%s: %d interval chart texts, the smallest %.2f CSS px at 390 px", path, got.Texts, got.Min)
	}
}
