package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/surgeon-outcomes/outcomes/api"
)

// uploadSelfCheck opens the self-check form in the tab, chooses csv as
// its file, as a person does, and submits it: the results page must
// load.
func uploadSelfCheck(t *testing.T, ctx context.Context, srv *httptest.Server, csv []byte) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "ours.csv")
	if err := os.WriteFile(file, csv, 0o644); err != nil {
		t.Fatal(err)
	}
	if status := navigate(t, ctx, srv, "/self-check"); status != http.StatusOK {
		t.Fatalf("GET /self-check = %d, want 200", status)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file})); err != nil {
		t.Fatalf("choose the CSV file: %v", err)
	}
	if status := submitAndWait(t, ctx, "submit the CSV",
		chromedp.Click(chromedp.CSS("form.self-check button[type=submit]"))); status != http.StatusOK {
		t.Fatalf("POST /self-check with a CSV = %d, want 200", status)
	}
}

// TestBrowserSelfCheckTeam uploads a hospital's CSV on a phone, as its
// analyst would: 30 units on one funnel and one on each of ten others.
// The page must draw the first four funnels, the 30 units on one chart,
// name the rest, and list all 40 units in one table whose names and
// verdicts are in view at 390 px (checkPhoneLayout), with no serious axe
// violation; and the chart's download form, submitted as the browser
// builds it (its hidden units, line breaks and all), must get the chart
// with its 30 units.
func TestBrowserSelfCheckTeam(t *testing.T) {
	srv := newServer(t, api.Config{})
	funnels := releaseFunnels(t, srv)
	spread := make([]teamFunnel, 40)
	for i := range spread {
		spread[i] = funnels[max(0, i-29)]
	}
	ctx := newBrowser(t, phone)
	uploadSelfCheck(t, ctx, srv, teamCSV(spread, len(spread), func(i int) string {
		if i == 3 {
			return `Ward "B", east`
		}
		return ""
	}))
	type page struct {
		Charts  int `json:"charts"`
		Points  int `json:"points"`
		Undrawn int `json:"undrawn"`
		Rows    int `json:"rows"`
	}
	p := evalJS[page](t, ctx, `(() => ({
	charts: document.querySelectorAll("main svg.funnel").length,
	points: document.querySelectorAll('main svg.funnel [data-unit-id^="self-check-"]').length,
	undrawn: document.querySelectorAll("main ul.undrawn > li").length,
	rows: document.querySelectorAll("main table tbody tr").length,
}))()`)
	if p.Charts != 4 || p.Points != 33 || p.Undrawn != 7 || p.Rows != 40 {
		t.Errorf("page shows %d charts with %d of your units, names %d funnels not drawn, and %d table rows; "+
			"want 4 charts with 33 units (30 on the first), 7 named, 40 rows", p.Charts, p.Points, p.Undrawn, p.Rows)
	}
	if l := checkPhoneLayout(t, ctx, "/self-check"); l.Tables != 1 || l.Rows != 40 {
		t.Errorf("phone layout checked %d tables with %d rows, want the one table of 40 units", l.Tables, l.Rows)
	}
	saveScreenshot(t, ctx, "self-check-team-phone")
	runAxe(t, ctx)

	type download struct {
		Status int    `json:"status"`
		Type   string `json:"type"`
		Points int    `json:"points"`
		Named  bool   `json:"named"`
	}
	d, err := chromedp.Run(ctx, chromedp.Evaluate[download](`(async () => {
	const form = document.querySelector('form[action^="/self-check/funnel.svg"]');
	const r = await fetch(form.action, {method: "POST", body: new FormData(form)});
	const svg = await r.text();
	return {status: r.status, type: r.headers.get("Content-Type"),
		points: (svg.match(/data-unit-id="self-check-/g) || []).length,
		named: svg.includes("Ward &#34;B&#34;, east") || svg.includes("Ward &quot;B&quot;, east")};
})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("submit the first chart's download form: %v", err)
	}
	if d.Status != http.StatusOK || d.Type != "image/svg+xml" || d.Points != 30 || !d.Named {
		t.Errorf("download of the first chart = %d %s with %d units, named %v; want 200 image/svg+xml with its 30 units, "+
			`one named Ward "B", east`, d.Status, d.Type, d.Points, d.Named)
	}
}
