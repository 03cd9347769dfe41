package api_test

import (
	"context"
	"regexp"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestBrowserSelfCheckPrint prints a team self-check's result page, five
// surgeons on one funnel, as a governance lead would for a meeting: the
// browser, honouring the page's own page size, must lay it out on A4 in
// at most two pages; in print, the forms (the figures' form and the
// export buttons) and the navigation are gone, and the verdicts, the
// chart, the table (its head repeated on each page) and the line saying
// when and from what it was made are there. The result page, on a
// desktop, has no serious axe violation.
func TestBrowserSelfCheckPrint(t *testing.T) {
	srv := newServer(t, api.Config{})
	var surgeons teamFunnel
	for _, f := range releaseFunnels(t, srv) {
		if f.UnitType == "surgeon" {
			surgeons = f
			break
		}
	}
	names := []string{"Mr A Larkwisp", "Ms B Quill", "Mr C Bracken", "Dr D Spindle", "Ms E Glade"}
	ctx := newBrowser(t, desktop)
	uploadSelfCheck(t, ctx, srv, teamCSV([]teamFunnel{surgeons}, len(names), func(i int) string { return names[i] }))
	runAxe(t, ctx)

	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(func(p *page.PrintToPDFParams) {
		prefer := true // the page's @page size, A4
		p.PreferCSSPageSize = &prefer
	}))
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	boxes := regexp.MustCompile(`/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]`).FindAllSubmatch(pdf, -1)
	if len(boxes) == 0 {
		t.Fatal("printed PDF has no page")
	}
	for i, b := range boxes {
		w, _ := strconv.ParseFloat(string(b[1]), 64)
		h, _ := strconv.ParseFloat(string(b[2]), 64)
		// A4 is 210 × 297 mm: 595 × 842 points.
		if w < 590 || w > 600 || h < 837 || h > 847 {
			t.Errorf("printed page %d is %.0f × %.0f points, want A4 portrait, 595 × 842", i+1, w, h)
		}
	}
	t.Logf("result page of %d units prints on %d A4 pages (%d bytes of PDF)", len(names), len(boxes), len(pdf))
	if len(boxes) > 2 {
		t.Errorf("result page of %d units prints on %d pages, want at most 2", len(names), len(boxes))
	}

	if err := chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return chromedp.Void{}, err
	}); err != nil {
		t.Fatalf("emulate print: %v", err)
	}
	// The page as printed, at A4's width less its margins (186 mm, 703
	// CSS pixels), to look at.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(703, 1000)); err != nil {
		t.Fatalf("set the viewport to A4's width: %v", err)
	}
	saveScreenshot(t, ctx, "self-check-print")
	type printed struct {
		Forms    int    `json:"forms"`
		Shown    int    `json:"shown"`
		Nav      string `json:"nav"`
		Table    string `json:"table"`
		Head     string `json:"head"`
		Chart    string `json:"chart"`
		Made     string `json:"made"`
		Verdicts int    `json:"verdicts"`
	}
	p := evalJS[printed](t, ctx, `(() => {
	const d = el => el ? getComputedStyle(el).display : "absent";
	const forms = [...document.querySelectorAll("form")];
	return {forms: forms.length, shown: forms.filter(f => d(f) !== "none").length,
		nav: d(document.querySelector(".site-header nav")), table: d(document.querySelector("main table")),
		head: d(document.querySelector("main table thead")), chart: d(document.querySelector("main svg.funnel")),
		made: d(document.querySelector("main p.made")),
		verdicts: document.querySelectorAll("main table tbody td.b").length};
})()`)
	if p.Forms < 2 || p.Shown != 0 || p.Nav != "none" {
		t.Errorf("in print, %d of %d forms and the navigation (%s) show; want every form and the navigation hidden",
			p.Shown, p.Forms, p.Nav)
	}
	if p.Table != "table" || p.Head != "table-header-group" || p.Chart == "none" || p.Made == "none" ||
		p.Verdicts != len(names) {
		t.Errorf("in print: table %s, its head %s, chart %s, made line %s, %d verdicts; want the table with its head "+
			"repeated, the chart, the made line and %d verdicts", p.Table, p.Head, p.Chart, p.Made, p.Verdicts, len(names))
	}
}
