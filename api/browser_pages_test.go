package api_test

// Browser tests of the site's pages as a patient uses them: the highlight
// picker, the keyboard path through a funnel's points, the self-check form,
// and every page at phone and desktop sizes under axe-core, with
// screenshots. The harness (newBrowser, runAxe, screenshot…) is in
// browser_test.go.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/surgeon-outcomes/outcomes/api"
)

// pointsSelector matches a funnel's points, one per unit, in the order the
// chart draws them (A–Z by name, as the table lists them).
const pointsSelector = "svg.funnel [data-unit-id]"

// evalJS runs a JavaScript expression in the tab and decodes its value,
// failing the test if it cannot.
func evalJS[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// submitAndWait runs the steps, which must make the tab load a new page (a
// form's submission), waits for it to load and returns its HTTP status.
func submitAndWait(t testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) int {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if resp == nil {
		t.Fatalf("%s: no response", what)
	}
	return int(resp.Status)
}

// TestBrowserHighlightPicker chooses two surgeons in the specialty page's
// highlight picker, once as a browser with scripts does (site.js submits
// the form as soon as the choice changes) and once as one without (the
// Highlight button), and checks the new page marks both on the chart, in
// the table and in the Highlighted list; then that the address alone
// brings the same view back in a new tab, so it can be shared.
func TestBrowserHighlightPicker(t *testing.T) {
	const path = "/specialties/adult-cardiac"
	ids := []string{"9000017", "9000058"}
	srv := newServer(t, api.Config{})
	choose := fmt.Sprintf(`(() => {
	const ids = %s;
	const sel = document.querySelector("form.highlight-picker select[name=highlight]");
	for (const o of sel.options) o.selected = ids.includes(o.value);
	return sel.selectedOptions.length;
})()`, jsArray(ids))
	tests := []struct {
		name   string
		submit chromedp.Action[chromedp.Void]
	}{
		// The user's choice fires "change", which site.js turns into a
		// submission.
		{"script", chromedp.Evaluate[chromedp.Void](`document.querySelector("form.highlight-picker select[name=highlight]").dispatchEvent(new Event("change", {bubbles: true}))`)},
		// Without scripts, the user presses the form's button.
		{"button", chromedp.Click(chromedp.CSS("form.highlight-picker button[type=submit]"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := newBrowser(t, desktop)
			if status := navigate(t, ctx, srv, path); status != http.StatusOK {
				t.Fatalf("GET %s = %d, want 200", path, status)
			}
			if n := countElements(t, ctx, pointsSelector+".highlight"); n != 0 {
				t.Fatalf("highlighted points before choosing = %d, want 0", n)
			}
			if n := evalJS[int](t, ctx, choose); n != len(ids) {
				t.Fatalf("options selected in the picker = %d, want %d (%v)", n, len(ids), ids)
			}
			if status := submitAndWait(t, ctx, "submit the highlight picker", tt.submit); status != http.StatusOK {
				t.Fatalf("highlight picker's page = %d, want 200", status)
			}
			loc, err := chromedp.Run(ctx, chromedp.Location())
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(loc)
			if err != nil {
				t.Fatal(err)
			}
			if u.Path != path {
				t.Errorf("page after highlighting = %s, want %s", u.Path, path)
			}
			var got []string
			for _, v := range u.Query()["highlight"] {
				got = append(got, strings.Split(v, ",")...)
			}
			slices.Sort(got)
			if !slices.Equal(got, ids) {
				t.Errorf("address %s: highlight = %v, want %v", loc, got, ids)
			}
			checkHighlighted(t, ctx, ids)
			screenshot(t, ctx, "highlighted")
			t.Run("axe", func(t *testing.T) { runAxe(t, ctx) })

			// A new tab, sharing nothing but the address.
			tab, cancel := chromedp.NewContext(ctx)
			defer cancel()
			if status := navigate(t, tab, srv, strings.TrimPrefix(loc, srv.URL)); status != http.StatusOK {
				t.Fatalf("GET %s in a new tab = %d, want 200", loc, status)
			}
			t.Run("new tab", func(t *testing.T) { checkHighlighted(t, tab, ids) })
		})
	}
}

// TestBrowserHighlightPickerKeyboard chooses two surgeons in the picker
// with the keyboard alone: arrow keys move through the list without
// reloading the page (WCAG 2.2 SC 3.2.2, On Input), Shift+Down adds the
// next surgeon, and Tab and Enter on the Highlight button submit both.
func TestBrowserHighlightPickerKeyboard(t *testing.T) {
	const path = "/specialties/adult-cardiac"
	srv := newServer(t, api.Config{})
	ctx := newBrowser(t, desktop)
	if status := navigate(t, ctx, srv, path); status != http.StatusOK {
		t.Fatalf("GET %s = %d, want 200", path, status)
	}
	// Count the picker's submissions, and stop them, so that one that
	// should not happen leaves the page in place for the next key.
	evalJS[bool](t, ctx, `(() => {
	window.pickerSubmits = 0;
	window.stopPickerSubmit = e => { if (e.target.matches("form.highlight-picker")) { window.pickerSubmits++; e.preventDefault(); } };
	document.addEventListener("submit", window.stopPickerSubmit, true);
	return true;
})()`)
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#highlight"))); err != nil {
		t.Fatalf("focus the picker: %v", err)
	}
	shiftDown := chromedp.KeyEvent(kb.ArrowDown, chromedp.KeyModifiers(chromedp.ModifierShift))
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown), shiftDown); err != nil {
		t.Fatalf("press Down, Down, Shift+Down in the picker: %v", err)
	}
	type picker struct {
		Submits int      `json:"submits"`
		Focus   string   `json:"focus"`
		Picked  []string `json:"picked"`
	}
	p := evalJS[picker](t, ctx, `({
	submits: window.pickerSubmits, focus: document.activeElement.id,
	picked: [...document.querySelectorAll("#highlight option:checked")].map(o => o.value),
})`)
	if p.Submits != 0 {
		t.Errorf("arrow keys in the highlight picker submitted its form %d times, want 0: "+
			"site.js submits on every change, so each arrow key reloads the page and drops the focus, "+
			"and a keyboard user cannot choose a second surgeon (WCAG 3.2.2 On Input)", p.Submits)
	}
	if p.Focus != "highlight" || len(p.Picked) != 2 {
		t.Fatalf("after Down, Down, Shift+Down: focus on #%s, chosen %v; want focus on #highlight and two surgeons chosen", p.Focus, p.Picked)
	}
	evalJS[bool](t, ctx, `(document.removeEventListener("submit", window.stopPickerSubmit, true), true)`)
	// Tab passes the hospital picker on the way to the button.
	f := pressKey(t, ctx, kb.Tab)
	if f.Tag == "select" {
		f = pressKey(t, ctx, kb.Tab)
	}
	if f.Tag != "button" {
		t.Fatalf("Tab, Tab from the picker focuses %v, want its Highlight button", f)
	}
	if status := submitAndWait(t, ctx, "press Enter on the Highlight button", chromedp.KeyEvent(kb.Enter)); status != http.StatusOK {
		t.Fatalf("highlight picker's page = %d, want 200", status)
	}
	slices.Sort(p.Picked)
	checkHighlighted(t, ctx, p.Picked)
}

// checkHighlighted checks that the specialty page in the tab highlights
// exactly the units ids (sorted): points, table rows, the picker's
// choice, and the Highlighted list, which names them as the table does.
func checkHighlighted(t testing.TB, ctx context.Context, ids []string) {
	t.Helper()
	type state struct {
		Points   []string `json:"points"`
		Rows     []string `json:"rows"`
		RowNames []string `json:"rowNames"`
		Picked   []string `json:"picked"`
		Listed   []string `json:"listed"`
		Names    []string `json:"names"`
	}
	s := evalJS[state](t, ctx, `(() => {
	const id = a => a.pathname.split("/").pop();
	const rows = [...document.querySelectorAll("table.units tbody tr.highlight th a")];
	const h = [...document.querySelectorAll("main h3")].find(h => h.textContent.trim() === "Highlighted");
	const list = h && h.nextElementSibling ? [...h.nextElementSibling.querySelectorAll("li a")] : [];
	return {
		points: [...document.querySelectorAll("svg.funnel [data-unit-id].highlight")].map(p => p.dataset.unitId),
		rows: rows.map(id),
		rowNames: rows.map(a => a.textContent.trim()),
		picked: [...document.querySelectorAll("form.highlight-picker select[name=highlight] option:checked")].map(o => o.value),
		listed: list.map(id),
		names: list.map(a => a.textContent.trim()),
	};
})()`)
	for _, c := range []struct {
		what string
		got  []string
	}{
		{"points with class highlight (" + pointsSelector + ".highlight)", s.Points},
		{"table rows with class highlight (table.units tr.highlight)", s.Rows},
		{"picker's selected options", s.Picked},
		{`links in the "Highlighted" list`, s.Listed},
	} {
		got := slices.Sorted(slices.Values(c.got))
		if !slices.Equal(got, ids) {
			t.Errorf("%s = %v, want %v", c.what, c.got, ids)
		}
	}
	// The list is in the table's order; either way it names each unit as
	// the table does.
	if !slices.Equal(slices.Sorted(slices.Values(s.Names)), slices.Sorted(slices.Values(s.RowNames))) {
		t.Errorf(`"Highlighted" list names %q, want the table's %q`, s.Names, s.RowNames)
	}
}

// jsArray quotes ss as a JavaScript array of strings.
func jsArray(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = jsString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// focusInfo describes document.activeElement.
type focusInfo struct {
	Tag      string `json:"tag"`
	ID       string `json:"id"`
	Class    string `json:"class"`
	Href     string `json:"href"`
	UnitID   string `json:"unitID"`
	Summary  string `json:"summary"` // the point's <title>, which site.js shows
	InMain   bool   `json:"inMain"`
	InFunnel bool   `json:"inFunnel"`
}

func (f focusInfo) String() string {
	s := "<" + f.Tag
	if f.ID != "" {
		s += " id=" + f.ID
	}
	if f.Class != "" {
		s += " class=" + jsString(f.Class)
	}
	if f.Href != "" {
		s += " href=" + f.Href
	}
	return s + ">"
}

const focusJS = `(() => {
	const e = document.activeElement || document.body;
	return {
		tag: e.tagName.toLowerCase(), id: e.id, class: e.getAttribute("class") || "",
		href: e.getAttribute("href") || "", unitID: e.getAttribute("data-unit-id") || "",
		summary: ((e.querySelector(":scope > title") || {}).textContent || e.getAttribute("data-summary") || "").trim(),
		inMain: !!e.closest("#main"), inFunnel: !!e.closest("svg.funnel"),
	};
})()`

// tooltipInfo describes site.js's tooltip.
type tooltipInfo struct {
	Exists   bool    `json:"exists"`
	Visible  bool    `json:"visible"`
	Text     string  `json:"text"`
	Role     string  `json:"role"`
	Left     float64 `json:"left"`
	Right    float64 `json:"right"`
	Viewport float64 `json:"viewport"`
}

const tooltipJS = `(() => {
	const t = document.querySelector(".tooltip");
	if (!t) return {exists: false};
	const r = t.getBoundingClientRect();
	return {
		exists: true, visible: !t.hidden && getComputedStyle(t).display !== "none" && r.width > 0,
		text: t.textContent.trim(), role: t.getAttribute("role") || "",
		left: r.left, right: r.right, viewport: document.documentElement.clientWidth,
	};
})()`

// pressKey sends one key press to the focused element and returns what has
// the focus afterwards.
func pressKey(t testing.TB, ctx context.Context, key string) focusInfo {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(key)); err != nil {
		t.Fatalf("press %q: %v", key, err)
	}
	return evalJS[focusInfo](t, ctx, focusJS)
}

// TestBrowserKeyboard goes through the specialty page with the keyboard
// alone, on a phone and a desktop: the first Tab reaches the skip link,
// which leads into the main content; further Tabs reach the funnel's
// points in the table's A–Z order, each showing its figures in the tooltip
// (a status region) until Escape hides it.
func TestBrowserKeyboard(t *testing.T) {
	const path, steps = "/specialties/adult-cardiac", 5
	srv := newServer(t, api.Config{})
	for _, vp := range []viewport{phone, desktop} {
		t.Run(vp.name, func(t *testing.T) {
			ctx := newBrowser(t, vp)
			if status := navigate(t, ctx, srv, path); status != http.StatusOK {
				t.Fatalf("GET %s = %d, want 200", path, status)
			}
			// The points must be in the order of the A–Z table, for the
			// keyboard and for screen readers.
			points := evalJS[[]string](t, ctx, `[...document.querySelectorAll("svg.funnel [data-unit-id]")].map(p => p.dataset.unitId)`)
			rows := evalJS[[]string](t, ctx, `[...document.querySelectorAll("table.units tbody tr th a")].map(a => a.pathname.split("/").pop())`)
			if len(points) < steps+1 {
				t.Fatalf("funnel has %d points, want at least %d", len(points), steps+1)
			}
			if !slices.Equal(points, rows) {
				t.Errorf("funnel points' order = %v…, want the A–Z table's %v…", points[:steps+1], rows[:min(len(rows), steps+1)])
			}

			f := pressKey(t, ctx, kb.Tab)
			if f.Tag != "a" || f.Class != "skip" || f.Href != "#main" {
				t.Errorf("first Tab focuses %v, want the skip link <a class=skip href=#main>", f)
			}
			if shown := evalJS[bool](t, ctx, `(() => { const r = document.activeElement.getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth && r.width > 0; })()`); !shown {
				t.Errorf("focused skip link is off screen, want it visible")
			}
			pressKey(t, ctx, kb.Enter)
			if h := evalJS[string](t, ctx, "location.hash"); h != "#main" {
				t.Errorf("after Enter on the skip link, location.hash = %q, want #main", h)
			}
			if f = pressKey(t, ctx, kb.Tab); !f.InMain {
				t.Errorf("Tab after the skip link focuses %v, want the first control in #main", f)
			}

			const maxTabs = 60
			for i := 0; !(f.InFunnel && f.UnitID != ""); i++ {
				if i == maxTabs {
					t.Fatalf("no funnel point focused after %d Tabs (last %v)", maxTabs, f)
				}
				f = pressKey(t, ctx, kb.Tab)
			}
			for i := 0; ; i++ {
				if f.UnitID != points[i] {
					t.Errorf("Tab %d in the funnel focuses point %s, want %s (the next in A–Z order)", i, f.UnitID, points[i])
				}
				tip := evalJS[tooltipInfo](t, ctx, tooltipJS)
				switch {
				case !tip.Exists:
					t.Fatal("no .tooltip in the page after focusing a point")
				case !tip.Visible:
					t.Errorf("point %s focused: tooltip hidden, want it visible", f.UnitID)
				case tip.Text != f.Summary || tip.Text == "":
					t.Errorf("point %s focused: tooltip says %q, want its summary (<title>) %q", f.UnitID, tip.Text, f.Summary)
				}
				if tip.Role != "status" {
					t.Errorf("tooltip role = %q, want status", tip.Role)
				}
				if tip.Left < 0 || tip.Right > tip.Viewport+0.5 {
					t.Errorf("point %s focused: tooltip spans x %.0f to %.0f, outside the %.0f px viewport", f.UnitID, tip.Left, tip.Right, tip.Viewport)
				}
				if i == 0 {
					screenshot(t, ctx, "tooltip")
				}
				if i == steps {
					break
				}
				f = pressKey(t, ctx, kb.Tab)
			}
			if f = pressKey(t, ctx, kb.Escape); f.UnitID != points[steps] {
				t.Errorf("Escape moved the focus to %v, want it to stay on point %s", f, points[steps])
			}
			if tip := evalJS[tooltipInfo](t, ctx, tooltipJS); tip.Visible {
				t.Errorf("after Escape the tooltip is visible (%q), want it hidden", tip.Text)
			}
		})
	}
}

// TestBrowserSelfCheckForm fills in the self-check form on a phone, as a
// hospital's analyst would, and reads the result; then enters more deaths
// than operations and checks the error summary, which must be announced
// and lead to the field.
func TestBrowserSelfCheckForm(t *testing.T) {
	srv := newServer(t, api.Config{})
	ctx := newBrowser(t, phone)
	if status := navigate(t, ctx, srv, "/self-check"); status != http.StatusOK {
		t.Fatalf("GET /self-check = %d, want 200", status)
	}
	const submit = chromedp.CSS("form.self-check button[type=submit]")
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#specialty"), "adult-cardiac"),
		chromedp.SetValue(chromedp.CSS("#unit_type"), "hospital"),
		chromedp.SendKeys(chromedp.CSS("#unit_name"), "Our unit"),
		chromedp.SendKeys(chromedp.CSS("#cases"), "412"),
		chromedp.SendKeys(chromedp.CSS("#events"), "11"),
		chromedp.SendKeys(chromedp.CSS("#expected"), "7.9"),
	); err != nil {
		t.Fatalf("fill in the self-check form: %v", err)
	}
	if status := submitAndWait(t, ctx, "submit the self-check form", chromedp.Click(submit)); status != http.StatusOK {
		t.Fatalf("POST /self-check = %d, want 200", status)
	}
	type result struct {
		Verdict  string `json:"verdict"`
		Heading  string `json:"heading"`
		Points   int    `json:"points"`
		Class    string `json:"class"`
		Download bool   `json:"download"`
		Cases    string `json:"cases"`
	}
	r := evalJS[result](t, ctx, `(() => {
	const p = document.querySelector('.result svg.funnel [data-unit-id="self-check-1"]');
	return {
		verdict: (document.querySelector(".result .verdict") || {textContent: ""}).textContent.trim(),
		heading: (document.querySelector(".result h2") || {textContent: ""}).textContent.trim(),
		points: document.querySelectorAll('svg.funnel [data-unit-id="self-check-1"]').length,
		class: p ? p.getAttribute("class") : "",
		download: [...document.querySelectorAll(".result form button")].some(b => b.textContent.trim() === "Download this chart (SVG)"),
		cases: document.querySelector("#cases").value,
	};
})()`)
	if !strings.Contains(r.Verdict, "No evidence that survival differed") {
		t.Errorf("result verdict = %q, want the band sentence %q", r.Verdict, "No evidence that survival differed…")
	}
	if !strings.HasPrefix(r.Heading, "Our unit") {
		t.Errorf("result heading = %q, want it to start with the label %q", r.Heading, "Our unit")
	}
	if r.Points != 1 || !slices.Contains(strings.Fields(r.Class), "highlight") {
		t.Errorf(`funnel points [data-unit-id="self-check-1"] = %d with class %q, want 1 with class highlight`, r.Points, r.Class)
	}
	if !r.Download {
		t.Error(`no "Download this chart (SVG)" button in the result`)
	}
	if r.Cases != "412" {
		t.Errorf("form's operations after submitting = %q, want the figure entered, 412", r.Cases)
	}
	saveScreenshot(t, ctx, "self-check-result-phone")
	t.Run("axe result", func(t *testing.T) { runAxe(t, ctx) })

	// More deaths than operations.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#events"), ""),
		chromedp.SendKeys(chromedp.CSS("#events"), "500"),
	); err != nil {
		t.Fatalf("enter 500 deaths: %v", err)
	}
	if status := submitAndWait(t, ctx, "submit 500 deaths of 412 operations", chromedp.Click(submit)); status != http.StatusBadRequest {
		t.Errorf("POST /self-check with deaths > operations = %d, want 400", status)
	}
	type problem struct {
		Summary bool     `json:"summary"`
		Role    string   `json:"role"`
		Visible bool     `json:"visible"`
		Text    string   `json:"text"`
		Links   []string `json:"links"`
		Fields  []bool   `json:"fields"`
		Focused bool     `json:"focused"`
		Results int      `json:"results"`
	}
	p := evalJS[problem](t, ctx, `(() => {
	const s = document.querySelector(".error-summary");
	if (!s) return {summary: false, results: document.querySelectorAll(".result").length};
	const links = [...s.querySelectorAll('a[href^="#"]')].map(a => a.getAttribute("href"));
	return {
		summary: true, role: s.getAttribute("role") || "", visible: s.getBoundingClientRect().height > 0,
		text: s.textContent.replace(/\s+/g, " ").trim(), links: links,
		fields: links.map(h => !!document.getElementById(h.slice(1))),
		focused: document.activeElement === s, results: document.querySelectorAll(".result").length,
	};
})()`)
	if !p.Summary {
		t.Fatalf("no .error-summary after deaths > operations (%d results shown)", p.Results)
	}
	if p.Role != "alert" || !p.Visible {
		t.Errorf("error summary role = %q, visible %v; want role=alert, visible", p.Role, p.Visible)
	}
	if !strings.Contains(p.Text, "There is a problem") {
		t.Errorf("error summary = %q, want %q and the problem", p.Text, "There is a problem")
	}
	if !slices.Contains(p.Links, "#events") {
		t.Errorf("error summary links %v, want #events, the deaths field", p.Links)
	}
	for i, ok := range p.Fields {
		if !ok {
			t.Errorf("error summary links to %s, which is no element's id", p.Links[i])
		}
	}
	if p.Results != 0 {
		t.Errorf("page with the error shows %d results, want none", p.Results)
	}
	if !p.Focused {
		// GOV.UK's pattern moves the focus to the summary, so that screen
		// readers read it at once; role=alert on a new page alone is not
		// reliably announced.
		t.Logf("error summary is not focused on load (focus on %v)", evalJS[focusInfo](t, ctx, focusJS))
	}
	saveScreenshot(t, ctx, "self-check-error-phone")
	if slices.Contains(p.Links, "#events") {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.error-summary a[href="#events"]`))); err != nil {
			t.Fatalf("follow the error's link: %v", err)
		}
		f := evalJS[focusInfo](t, ctx, focusJS)
		inView := evalJS[bool](t, ctx, `(() => { const r = document.getElementById("events").getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()`)
		if !inView {
			t.Error("after following the error's link, the deaths field is not in view")
		}
		if f.ID != "events" {
			t.Logf("after following the error's link the focus is on %v, not the field #events", f)
		}
	}
	t.Run("axe error", func(t *testing.T) { runAxe(t, ctx) })
}

// consoleWatch keeps what the pages in a tab write to the console: calls of
// the console API, uncaught exceptions, and the browser's own log, where
// Chromium reports CSP violations and failed loads.
type consoleWatch struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

// watchConsole starts collecting the tab's console messages until the test
// ends.
func watchConsole(t testing.TB, ctx context.Context) *consoleWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	w := &consoleWatch{}
	msgs := chromedp.Console(ctx) // subscribed from here on
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			w.mu.Lock()
			w.msgs = append(w.msgs, m)
			w.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return w
}

// take returns the messages collected since the last take.
func (w *consoleWatch) take() []chromedp.ConsoleMessage {
	w.mu.Lock()
	defer w.mu.Unlock()
	msgs := w.msgs
	w.msgs = nil
	return msgs
}

// isCSPViolation reports whether m is Chromium's report of a blocked
// script, style or other resource.
func isCSPViolation(m chromedp.ConsoleMessage) bool {
	return strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Content-Security-Policy")
}

// checkConsole fails the test for each error, exception or CSP violation
// in msgs, but for the failed load of the document itself where the page
// is meant to be an error (status ≥ 400).
func checkConsole(t testing.TB, msgs []chromedp.ConsoleMessage, pageURL string, status int) {
	t.Helper()
	for _, m := range msgs {
		if status >= 400 && m.URL == pageURL && strings.Contains(m.Text, fmt.Sprintf("status of %d", status)) {
			continue
		}
		switch {
		case isCSPViolation(m):
			t.Errorf("CSP violation: %s (%s:%d)", m.Text, m.URL, m.Line)
		case m.Type == chromedp.ConsoleError || m.IsException():
			t.Errorf("console %s (%s:%d)", m, m.URL, m.Line)
		default:
			t.Logf("console %s (%s:%d)", m, m.URL, m.Line)
		}
	}
}

// TestBrowserConsoleSeesCSP checks the console watch itself: under the
// site's kind of CSP, a page's inline script and style attribute are
// blocked, and the watch reports both as CSP violations.
func TestBrowserConsoleSeesCSP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>CSP</title></head>
<body><main><h1 style="color: red">CSP</h1><script>console.log("inline ran")</script></main></body></html>`)
	}))
	t.Cleanup(srv.Close)
	ctx := newBrowser(t, phone)
	console := watchConsole(t, ctx)
	navigate(t, ctx, srv, "/")
	evalJS[int](t, ctx, "1") // a round trip, after the page's messages
	var csp int
	for _, m := range console.take() {
		if strings.Contains(m.Text, "inline ran") {
			t.Fatal("the inline script ran: the CSP is not enforced, so this test proves nothing")
		}
		if isCSPViolation(m) {
			csp++
		}
	}
	if csp != 2 {
		t.Errorf("CSP violations seen = %d, want 2 (inline script, style attribute)", csp)
	}
}

// sitePage is a page TestBrowserPagesAccessible loads, with its status
// and the name its screenshots get.
type sitePage struct {
	name, path string
	status     int
}

// sitePages are the demo release's pages TestBrowserPagesAccessible loads.
var sitePages = []sitePage{
	{"home", "/", http.StatusOK},
	{"specialties", "/specialties", http.StatusOK},
	{"summary", "/summary", http.StatusOK},
	{"summary-period", "/summary?period=2021-04%2F2024-03", http.StatusOK},
	{"summary-unknown-period", "/summary?period=1999", http.StatusNotFound},
	{"specialty", "/specialties/adult-cardiac", http.StatusOK},
	{"specialty-hospitals", "/specialties/adult-cardiac?unit_type=hospital", http.StatusOK},
	{"surgeon", "/surgeons/9000017", http.StatusOK},
	{"hospital", "/hospitals/ZZ101", http.StatusOK},
	{"hospitals", "/hospitals", http.StatusOK},
	{"compare", "/compare?ids=9000017,9000058", http.StatusOK},
	{"search", "/search?q=heron", http.StatusOK},
	{"search-capped", "/search?q=pebbleton", http.StatusOK},
	{"search-specialty-word", "/search?q=pebbleton+heart", http.StatusOK},
	{"search-suggestions", "/search?q=Acornburow", http.StatusOK},
	{"self-check", "/self-check", http.StatusOK},
	{"methodology", "/methodology", http.StatusOK},
	{"data", "/data", http.StatusOK},
	{"dictionary", "/data/dictionary", http.StatusOK},
	{"about", "/about", http.StatusOK},
	{"releases", "/releases", http.StatusOK},
	{"release", "/releases/demo", http.StatusOK},
	{"not-found", "/no-such-page", http.StatusNotFound},
	{"unknown-surgeon", "/surgeons/0000000", http.StatusNotFound},
	{"unknown-period", "/specialties/adult-cardiac?period=1999-01/2000-01", http.StatusNotFound},
}

// TestBrowserPagesAccessible loads every page on a phone (390 px) and a
// desktop, in one browser for each, and checks what a patient's browser
// would show: no serious or critical axe-core violation of WCAG 2.2 AA, no
// page wider than the screen (a wide table scrolls inside its .table-wrap),
// no console error and no CSP violation. It saves a full-page screenshot of
// each as <page>-<size>.png in $OUTCOMES_SCREENSHOTS.
func TestBrowserPagesAccessible(t *testing.T) {
	checkPagesAccessible(t, newServer(t, api.Config{}), sitePages, true)
}

// checkPagesAccessible loads pages from srv as TestBrowserPagesAccessible
// says; screenshots false takes none, for pages too tall (a paged table's
// 500 rows) to photograph whole within browserTimeout on a loaded machine.
func checkPagesAccessible(t *testing.T, srv *httptest.Server, pages []sitePage, screenshots bool) {
	axeSource(t) // skip before starting browsers for nothing
	for _, vp := range []viewport{phone, desktop} {
		t.Run(vp.name, func(t *testing.T) {
			t.Parallel()
			browser := startBrowser(t, vp)
			console := watchConsole(t, browser)
			for _, p := range pages {
				t.Run(p.name, func(t *testing.T) {
					ctx, cancel := context.WithTimeout(browser, browserTimeout)
					defer cancel()
					console.take() // the previous page's
					if status := navigate(t, ctx, srv, p.path); status != p.status {
						t.Errorf("GET %s = %d, want %d", p.path, status, p.status)
					}
					runAxe(t, ctx)
					type overflow struct {
						Width int      `json:"width"`
						Wide  []string `json:"wide"`
					}
					// The elements wider than the viewport that do not
					// scroll inside a box of their own name the culprit.
					const measure = `(() => {
	const vw = document.documentElement.clientWidth;
	const wide = [];
	for (const e of document.body.querySelectorAll("*")) {
		const r = e.getBoundingClientRect();
		if (r.right > vw + 0.5 && !e.closest(".table-wrap") && !(e.parentElement && e.parentElement.closest("svg"))) {
			wide.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "") + " (right " + Math.round(r.right) + ")");
		}
	}
	return {width: document.documentElement.scrollWidth, wide: wide.slice(0, 5)};
})()`
					// Measured again after a pause when too wide: under a
					// loaded machine the first layout after the viewport
					// emulation can be stale; a real overflow persists.
					o := evalJS[overflow](t, ctx, measure)
					for try := 0; try < 3 && o.Width > vp.width; try++ {
						time.Sleep(300 * time.Millisecond)
						o = evalJS[overflow](t, ctx, measure)
					}
					if o.Width > vp.width {
						t.Errorf("page is %d px wide at %d px (document.documentElement.scrollWidth), want no horizontal scrolling; wide: %v", o.Width, vp.width, o.Wide)
					}
					if screenshots {
						saveScreenshot(t, ctx, p.name+"-"+vp.name)
					}
					evalJS[int](t, ctx, "1") // a round trip, after the page's messages
					checkConsole(t, console.take(), srv.URL+p.path, p.status)
				})
			}
		})
	}
}
