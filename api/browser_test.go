package api_test

// Browser tests: the site in real headless Chromium (Debian's chromium
// package), driven over the DevTools protocol with chromedp, with
// axe-core (from npm, never committed) for the accessibility check.
//
// Where Chromium or axe-core is missing the tests skip, saying why, unless
// OUTCOMES_REQUIRE_BROWSER=1 (set by .ci/run), when they fail instead.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/surgeon-outcomes/outcomes/api"
)

// Environment variables read by the browser tests.
const (
	// requireBrowserEnv, when "1", turns a missing browser or axe-core from
	// a skip into a failure (CI).
	requireBrowserEnv = "OUTCOMES_REQUIRE_BROWSER"
	// chromiumEnv names the browser to run (a path or a name on $PATH)
	// instead of the first of chromiumNames found on $PATH.
	chromiumEnv = "CHROMIUM"
	// axeEnv is the path of axe.min.js; default defaultAxeJS under $HOME.
	axeEnv = "AXE_JS"
	// screenshotsEnv is a directory that keeps the screenshots; by default
	// they go to a temporary directory removed after the test.
	screenshotsEnv = "OUTCOMES_SCREENSHOTS"
)

// chromiumNames are the browser commands looked for on $PATH, in order.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// axeVersion is the axe-core release that .ci/run installs (it reads the
// version here), and defaultAxeJS where it puts it, relative to $HOME.
const (
	axeVersion   = "4.14.1"
	defaultAxeJS = ".cache/outcomes-axe/node_modules/axe-core/axe.min.js"
)

// axeTags are the axe-core rule tags run: WCAG 2.0 A and AA, and the AA
// criteria that WCAG 2.1 and 2.2 added.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"}

// browserTimeout bounds everything one test does in its browser, so a
// page that never loads fails the test instead of hanging the run.
const browserTimeout = 30 * time.Second

// viewport is the size of a page's viewport in CSS pixels, and whether it
// is a phone's (mobile: the page's <meta name=viewport> applies, and touch
// is on).
type viewport struct {
	name          string
	width, height int
	mobile        bool
}

// The two viewports the pages are tested at: a 6.1-inch phone held upright
// and a laptop.
var (
	phone   = viewport{"phone", 390, 844, true}
	desktop = viewport{"desktop", 1280, 900, false}
)

// skipOrFail skips the test because the browser harness lacks something,
// or fails it where OUTCOMES_REQUIRE_BROWSER=1.
func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(requireBrowserEnv) == "1" {
		t.Fatalf("%s (%s=1)", msg, requireBrowserEnv)
	}
	t.Skipf("%s (set %s=1 to fail instead)", msg, requireBrowserEnv)
}

// chromiumPath returns the browser to run: $CHROMIUM, or the first of
// chromiumNames on $PATH.
func chromiumPath(t testing.TB) string {
	t.Helper()
	if name := os.Getenv(chromiumEnv); name != "" {
		path, err := exec.LookPath(name)
		if err != nil {
			skipOrFail(t, "no browser: $%s=%s: %v", chromiumEnv, name, err)
		}
		return path
	}
	for _, name := range chromiumNames {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	skipOrFail(t, "no browser: none of %s on $PATH (Debian: apt-get install chromium)", strings.Join(chromiumNames, ", "))
	return ""
}

// newBrowser starts headless Chromium with a new empty profile and a tab
// whose viewport is vp, and returns the tab's context for chromedp.Run; the
// context ends after browserTimeout. The browser is stopped and its profile
// removed when the test ends.
//
// Each test gets its own browser: it starts in well under a second, and
// nothing (cookies, storage, cache, focus) leaks from one test to another.
func newBrowser(t testing.TB, vp viewport) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(startBrowser(t, vp), browserTimeout)
	t.Cleanup(cancel)
	return ctx
}

// startBrowser is newBrowser without the time limit, for a test that loads
// many pages in one browser and bounds each with its own
// context.WithTimeout(ctx, browserTimeout).
func startBrowser(t testing.TB, vp viewport) context.Context {
	t.Helper()
	exe := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		// Root (CI) needs no sandbox; the pages are our own, on loopback.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// The network is closed but for loopback: without these Chromium
		// keeps trying to reach Google's hosts.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(vp.width, vp.height),
		// No UserDataDir: chromedp makes a new empty one in os.TempDir and
		// removes it once the browser and its child processes are gone.
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	// Start the browser on a context without a deadline: the first Run
	// ties the browser's life to its context.
	start := time.Now()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	// --window-size alone does not set the viewport: headless Chromium
	// keeps windows at least 500 pixels wide, less its own frame.
	emulate := []chromedp.EmulateViewportOption{chromedp.EmulatePortrait}
	if vp.mobile {
		emulate = append(emulate, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(vp.width), int64(vp.height), emulate...)); err != nil {
		t.Fatalf("set the viewport to %dx%d: %v", vp.width, vp.height, err)
	}
	t.Logf("%s started in %v (%s, %dx%d)", filepath.Base(exe), time.Since(start).Round(time.Millisecond), vp.name, vp.width, vp.height)
	return ctx
}

// navigate loads srv.URL+path in the tab, waits for its load event and
// returns the document's HTTP status.
func navigate(t testing.TB, ctx context.Context, srv *httptest.Server, path string) int {
	t.Helper()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(srv.URL+path))
	if err != nil {
		t.Fatalf("navigate to %s: %v", path, err)
	}
	if resp == nil {
		t.Fatalf("navigate to %s: no response", path)
	}
	return int(resp.Status)
}

// countElements returns how many elements in the page match the CSS
// selector.
func countElements(t testing.TB, ctx context.Context, selector string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		fmt.Sprintf("document.querySelectorAll(%s).length", jsString(selector))))
	if err != nil {
		t.Fatalf("count %q: %v", selector, err)
	}
	return n
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a string always marshals
	}
	return string(b)
}

// screenshot saves a full-page PNG of the tab as <test>-<name>.png in
// $OUTCOMES_SCREENSHOTS (created if need be) or else a temporary directory,
// and logs its path.
func screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	return saveScreenshot(t, ctx, t.Name()+"-"+name)
}

// saveScreenshot is screenshot with the file's name, less ".png", given
// whole.
func saveScreenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if !strings.HasPrefix(string(png), "\x89PNG\r\n\x1a\n") {
		t.Fatalf("screenshot %s: not a PNG (%d bytes)", name, len(png))
	}
	file := strings.NewReplacer("/", "-", " ", "_").Replace(name + ".png")
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	t.Logf("screenshot: %s", path)
	return path
}

// axeViolation is one failed axe-core rule, with the elements that fail it.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"` // minor, moderate, serious or critical
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  []string `json:"target"`
		Summary string   `json:"summary"`
	} `json:"nodes"`
}

// axeResult is what axeScript returns.
type axeResult struct {
	Version    string         `json:"version"`
	Violations []axeViolation `json:"violations"`
}

// axeScript runs axe-core on the document with the rule tags %s and returns
// an axeResult. A target is a list of CSS selectors, nested for iframes and
// shadow roots, which this flattens to strings.
const axeScript = `axe.run(document, {runOnly: %s, resultTypes: ['violations']}).then(r => ({
	version: r.testEngine.version,
	violations: r.violations.map(v => ({
		id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
		nodes: v.nodes.map(n => ({
			target: n.target.map(s => typeof s === 'string' ? s : JSON.stringify(s)),
			summary: n.failureSummary,
		})),
	})),
}))`

// axeSource returns the contents of axe.min.js, from $AXE_JS or else
// ~/.cache/outcomes-axe.
func axeSource(t testing.TB) string {
	t.Helper()
	path := os.Getenv(axeEnv)
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			skipOrFail(t, "no axe-core: $%s is unset and %v", axeEnv, err)
		}
		path = filepath.Join(home, defaultAxeJS)
	}
	src, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		skipOrFail(t, "no axe-core at %s: npm install --prefix ~/.cache/outcomes-axe axe-core@%s, or set $%s", path, axeVersion, axeEnv)
	}
	if err != nil {
		t.Fatalf("axe-core: %v", err)
	}
	return string(src)
}

// axeCheck injects axe-core into the page and runs it.
//
// The script goes in through the DevTools protocol (Runtime.evaluate),
// which a page's Content-Security-Policy does not govern, so it works
// under the site's CSP without inline scripts (TestBrowserAxeUnderCSP).
func axeCheck(t testing.TB, ctx context.Context) axeResult {
	t.Helper()
	src := axeSource(t)
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](src+"\n;typeof axe === 'object'"))
	if err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	if !ok {
		t.Fatal("inject axe-core: no global axe after the script ran")
	}
	tags, err := json.Marshal(axeTags)
	if err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[axeResult](fmt.Sprintf(axeScript, tags), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	return res
}

// runAxe runs axe-core's WCAG 2.2 AA rules on the page in the tab and fails
// the test for each serious or critical violation, naming the rule, its help
// and the elements; minor and moderate ones are logged.
func runAxe(t testing.TB, ctx context.Context) {
	t.Helper()
	res := axeCheck(t, ctx)
	page, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		page = "the page"
	}
	bad := 0
	for _, v := range res.Violations {
		serious := v.Impact == "serious" || v.Impact == "critical"
		msg := fmt.Sprintf("axe %s %s: %s (%s)", v.Impact, v.ID, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			msg += fmt.Sprintf("\n\t%s\n\t\t%s", strings.Join(n.Target, " "), strings.ReplaceAll(n.Summary, "\n", "\n\t\t"))
		}
		if serious {
			bad++
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
	t.Logf("axe-core %s on %s: %d violations, %d serious or critical", res.Version, page, len(res.Violations), bad)
}

// TestBrowserAPIDocs loads the Swagger UI page, which exists already, to
// prove the harness: Chromium runs, loads a page from newServer, runs its
// scripts (the UI fetches /api/v1/openapi.json and renders it) and takes a
// screenshot.
func TestBrowserAPIDocs(t *testing.T) {
	srv := newServer(t, api.Config{})
	ctx := newBrowser(t, desktop)
	if status := navigate(t, ctx, srv, "/api/docs/index.html"); status != http.StatusOK {
		t.Fatalf("GET /api/docs/index.html = %d, want 200", status)
	}
	const sel = chromedp.CSS(".swagger-ui .info .title")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(sel)); err != nil {
		t.Fatalf("wait for the Swagger UI title: %v", err)
	}
	title, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("read the Swagger UI title: %v", err)
	}
	if !strings.Contains(title, "Surgeon outcomes API") {
		t.Errorf("Swagger UI title = %q, want it to contain %q", title, "Surgeon outcomes API")
	}
	// The page's inline style element and style attribute were allowed
	// (by hash): the body has the page's background and the icon sprite
	// takes no room.
	if styled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`getComputedStyle(document.body).backgroundColor === "rgb(250, 250, 250)" &&
getComputedStyle(document.querySelector("body > svg")).position === "absolute"`)); err != nil || !styled {
		t.Errorf("docs UI: the page's inline styles were not applied (%v): is the policy's style hash current?", err)
	}
	// Under the docs UI's own Content-Security-Policy (its inline script
	// allowed by hash) the UI works: an operation opens, "Try it out" runs
	// it against this origin and shows the answer, and nothing the UI does
	// meanwhile is blocked.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.cspViolations = [];
document.addEventListener("securitypolicyviolation", e => window.cspViolations.push(e.violatedDirective + " " + e.blockedURI));`)); err != nil {
		t.Fatal(err)
	}
	const op = `#operations-operations-get_healthz`
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(op+" .opblock-summary-control")),
		chromedp.Click(chromedp.CSS(op+" .try-out__btn")),
		chromedp.Click(chromedp.CSS(op+" .execute")),
		chromedp.WaitVisible(chromedp.CSS(op+" .live-responses-table tr.response .response-col_status")),
	); err != nil {
		t.Fatalf("try GET /healthz in the docs UI: %v", err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(op+" .live-responses-table tr.response .response-col_status")))
	if err != nil || !strings.Contains(status, "200") {
		t.Errorf("docs UI: GET /healthz answered %q (%v), want 200", status, err)
	}
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.cspViolations`))
	if err != nil || len(violations) > 0 {
		t.Errorf("docs UI: Content-Security-Policy violations %q (%v), want none", violations, err)
	}
	screenshot(t, ctx, "docs")
}

// TestBrowserAxeUnderCSP checks the harness itself on a page served with a
// strict Content-Security-Policy (no inline script, no eval): the policy is
// enforced (the page's inline script does not run), axe-core is injected
// and runs anyway, and it reports a page's critical violations.
func TestBrowserAxeUnderCSP(t *testing.T) {
	const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>CSP</title></head>
<body><main><h1>CSP</h1><img src="/missing.png"><script>document.documentElement.dataset.inline = "ran"</script></main></body></html>`)
	}))
	t.Cleanup(srv.Close)
	axeSource(t) // skip before starting a browser for nothing
	ctx := newBrowser(t, phone)
	if status := navigate(t, ctx, srv, "/"); status != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", status)
	}
	ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.dataset.inline === "ran"`))
	if err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Fatal("the page's inline script ran: the CSP is not enforced, so this test proves nothing")
	}
	res := axeCheck(t, ctx)
	if res.Version != axeVersion {
		// .ci/run installs axeVersion; elsewhere any 4.x will do.
		if os.Getenv(requireBrowserEnv) == "1" {
			t.Errorf("axe-core version = %s, want %s (axeVersion)", res.Version, axeVersion)
		} else {
			t.Logf("axe-core %s, not the pinned %s", res.Version, axeVersion)
		}
	}
	i := slices.IndexFunc(res.Violations, func(v axeViolation) bool { return v.ID == "image-alt" })
	if i < 0 {
		t.Fatalf("axe violations = %+v, want image-alt for the img without alt", res.Violations)
	}
	if v := res.Violations[i]; v.Impact != "critical" || len(v.Nodes) != 1 || v.Nodes[0].Target[0] != "img" {
		t.Errorf("axe image-alt = %+v, want critical on img", v)
	}
}

// TestBrowserSpecialtyPage loads a specialty's page on a phone and on a
// desktop: its funnel has one point per surgeon of the latest period and
// the procedure it shows first ("all"), as the API counts them, and it has
// no serious accessibility violation.
func TestBrowserSpecialtyPage(t *testing.T) {
	const slug = "adult-cardiac"
	srv := newServer(t, api.Config{})
	period := latestPeriod(t, srv, slug)
	want := surgeonCount(t, srv, slug, period)
	if want == 0 {
		t.Fatalf("%s has no surgeons in %s: nothing to compare", slug, period)
	}
	for _, vp := range []viewport{phone, desktop} {
		t.Run(vp.name, func(t *testing.T) {
			ctx := newBrowser(t, vp)
			path := "/specialties/" + slug
			switch status := navigate(t, ctx, srv, path); status {
			case http.StatusOK:
			case http.StatusNotFound:
				t.Skip("page not built yet")
			default:
				t.Fatalf("GET %s = %d, want 200", path, status)
			}
			if got := countElements(t, ctx, "svg.funnel [data-unit-id]"); got != want {
				t.Errorf("funnel points (svg.funnel [data-unit-id]) = %d, want %d (API meta.count, %s)", got, want, period)
			}
			if got := countElements(t, ctx, "table.units tbody tr"); got != want {
				t.Errorf("A-Z table rows (table.units tbody tr) = %d, want %d (API meta.count, %s)", got, want, period)
			}
			screenshot(t, ctx, slug)
			t.Run("axe", func(t *testing.T) { runAxe(t, ctx) })
		})
	}
}

// latestPeriod returns the specialty's latest period, from the API.
func latestPeriod(t testing.TB, srv *httptest.Server, slug string) string {
	t.Helper()
	var sp struct {
		Data struct {
			Periods []string `json:"periods"`
		} `json:"data"`
	}
	getJSON(t, srv, "/api/v1/specialties/"+slug, &sp)
	if len(sp.Data.Periods) == 0 {
		t.Fatalf("specialty %s has no periods", slug)
	}
	return sp.Data.Periods[len(sp.Data.Periods)-1] // oldest first
}

// surgeonCount returns the API's count of the specialty's surgeons in
// period.
func surgeonCount(t testing.TB, srv *httptest.Server, slug, period string) int {
	t.Helper()
	var page struct {
		Meta struct {
			Count int `json:"count"`
		} `json:"meta"`
	}
	getJSON(t, srv, "/api/v1/specialties/"+slug+"/surgeons?limit=1000&procedure=all&period="+url.QueryEscape(period), &page)
	return page.Meta.Count
}
