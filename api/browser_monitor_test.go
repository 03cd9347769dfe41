package api_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestBrowserMonitor uploads a hospital's file of two surgeons on a phone,
// as its clinical lead would: the form and the result page have no
// serious axe violation; the result draws three charts (the whole file,
// then each surgeon), each an SVG named by its title and described by a
// desc that says its result, with S1's deterioration signal marked,
// reachable by Tab and named by its date, and listed in the table beside
// it; and nothing on the page is wider than the phone.
func TestBrowserMonitor(t *testing.T) {
	srv := newServer(t, api.Config{})
	ctx := newBrowser(t, phone)
	if status := navigate(t, ctx, srv, "/monitor"); status != http.StatusOK {
		t.Fatalf("GET /monitor = %d, want 200", status)
	}
	runAxe(t, ctx)
	file := filepath.Join(t.TempDir(), "ours.csv")
	if err := os.WriteFile(file, monitorFile(), 0o644); err != nil {
		t.Fatal(err)
	}
	uploadMonitor(t, ctx, file)
	type result struct {
		Charts       int      `json:"charts"`
		Named        int      `json:"named"`
		Desc         string   `json:"desc"`
		Signals      []string `json:"signals"`
		Focusable    int      `json:"focusable"`
		TableRows    []string `json:"tableRows"`
		ScrollWidth  int      `json:"scrollWidth"`
		ClientWidth  int      `json:"clientWidth"`
		ExportForms  int      `json:"exportForms"`
		Explanations string   `json:"explanations"`
	}
	js := `(() => {
	  const svgs = [...document.querySelectorAll("figure svg.cusum")];
	  const named = svgs.filter(s => {
	    const t = document.getElementById(s.getAttribute("aria-labelledby"));
	    const d = document.getElementById(s.getAttribute("aria-describedby"));
	    return t && t.textContent && d && d.textContent;
	  }).length;
	  const s1 = svgs[1];
	  return {
	    charts: svgs.length, named,
	    desc: s1 ? document.getElementById(s1.getAttribute("aria-describedby")).textContent : "",
	    signals: s1 ? [...s1.querySelectorAll("g.signal > title")].map(e => e.textContent) : [],
	    focusable: s1 ? s1.querySelectorAll("g.signal[tabindex='0']").length : 0,
	    tableRows: [...document.querySelectorAll("section.result")[1].querySelectorAll("table.signals tbody tr")].map(r => r.innerText.replace(/\s+/g, " ").trim()),
	    scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,
	    exportForms: document.querySelectorAll("button[form=monitor-export]").length,
	    explanations: document.querySelector("section.explain").innerText,
	  };
	})()`
	got := evalJS[result](t, ctx, js)
	if got.Charts != 3 || got.Named != 3 {
		t.Errorf("%d charts, %d named and described, want 3 and 3", got.Charts, got.Named)
	}
	if !strings.Contains(got.Desc, "signalled once, on 7 January 2025") {
		t.Errorf("S1's chart description %q does not say its signal", got.Desc)
	}
	if len(got.Signals) != 1 || !strings.Contains(got.Signals[0], "7 January 2025") || got.Focusable != 1 {
		t.Errorf("S1's signal markers %q (%d reachable by Tab), want one named by its date", got.Signals, got.Focusable)
	}
	if len(got.TableRows) != 1 || !strings.HasPrefix(got.TableRows[0], "1 2025-01-07 Worse than predicted 7 14") {
		t.Errorf("S1's signals table %q", got.TableRows)
	}
	if got.ScrollWidth > got.ClientWidth {
		t.Errorf("the page is %d px wide on a %d px phone", got.ScrollWidth, got.ClientWidth)
	}
	if got.ExportForms != 7 {
		t.Errorf("%d download buttons, want SVG and PNG for each of 3 charts, and the CSV", got.ExportForms)
	}
	for _, s := range []string{"A signal is a prompt to look, not proof", "only as good as the risk model", "false alarms"} {
		if !strings.Contains(got.Explanations, s) {
			t.Errorf("the page does not say %q", s)
		}
	}
	runAxe(t, ctx)
	screenshot(t, ctx, "result")

	// S1's SVG button, as the browser submits it: the one download form,
	// with the button's surgeon.
	type download struct {
		Status int    `json:"status"`
		Type   string `json:"type"`
		Title  string `json:"title"`
	}
	d, err := chromedp.Run(ctx, chromedp.Evaluate[download](`(async () => {
	const button = document.querySelectorAll("button[form=monitor-export]")[3]; // the whole file SVG, PNG, CSV; then S1;
	const form = document.getElementById("monitor-export");
	const body = new FormData(form);
	body.set(button.name, button.value);
	const r = await fetch(button.getAttribute("formaction") || form.action, {method: "POST", body});
	const svg = await r.text();
	return {status: r.status, type: r.headers.get("Content-Type"), title: (svg.match(/<title[^>]*>([^<]*)/) || ["", ""])[1]};
})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download S1's chart: %v", err)
	}
	if d.Status != http.StatusOK || d.Type != "image/svg+xml" || d.Title != "Risk-adjusted CUSUM and VLAD: Surgeon S1" {
		t.Errorf("S1's download = %d %s titled %q", d.Status, d.Type, d.Title)
	}
}

// uploadMonitor submits file through the /monitor page's form.
func uploadMonitor(t *testing.T, ctx context.Context, file string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file})); err != nil {
		t.Fatalf("choose the CSV file: %v", err)
	}
	if status := submitAndWait(t, ctx, "submit the file",
		chromedp.Click(chromedp.CSS("form.self-check button[type=submit]"))); status != http.StatusOK {
		t.Fatalf("POST /monitor = %d, want 200", status)
	}
}

// TestBrowserMonitorDesktop uploads the same file on a desktop: no
// serious axe violation, nothing wider than the window.
func TestBrowserMonitorDesktop(t *testing.T) {
	srv := newServer(t, api.Config{})
	ctx := newBrowser(t, desktop)
	if status := navigate(t, ctx, srv, "/monitor"); status != http.StatusOK {
		t.Fatalf("GET /monitor = %d, want 200", status)
	}
	file := filepath.Join(t.TempDir(), "ours.csv")
	if err := os.WriteFile(file, monitorFile(), 0o644); err != nil {
		t.Fatal(err)
	}
	uploadMonitor(t, ctx, file)
	runAxe(t, ctx)
	if w := evalJS[[]int](t, ctx, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`); w[0] > w[1] {
		t.Errorf("the page is %d px wide in a %d px window", w[0], w[1])
	}
	screenshot(t, ctx, "result")
}
