package api_test

// Browser tests of the pages on a 390 px phone (issue 10, point 6): the
// page never scrolls sideways, a table's name and verdict are in view
// without scrolling it, chart text is at least 12 px as drawn, and nothing
// tells a phone user to hold Ctrl or ⌘, or shows a verdict as an arrow
// that looks like a drop-down. The harness is in browser_test.go.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/surgeon-outcomes/outcomes/api"
)

// phonePages are the pages checked at 390 px: a surgeon too small to judge
// with 4 deaths (9001080), a flagged surgeon (9000017), a specialty whose
// surgeons are mostly too small to judge, the largest demo hospital's page
// a search listing many surgeons, and the data dictionary's tables.
var phonePages = []struct{ name, path string }{
	{"surgeon-too-few", "/surgeons/9001080"},
	{"surgeon-flagged", "/surgeons/9000017"},
	{"specialty", "/specialties/vascular"},
	{"specialty-hospitals", "/specialties/vascular?unit_type=hospital"},
	{"hospital", "/hospitals/ZZ125"},
	{"search", "/search?q=pebbleton"},
	{"dictionary", "/data/dictionary"},
}

// minChartTextPx is the smallest chart text allowed on a phone, in CSS
// pixels as drawn (the SVG's font size times its scale on the page).
const minChartTextPx = 12

// phoneLayout is what phoneLayoutJS measures in a page.
type phoneLayout struct {
	Viewport    float64 `json:"viewport"`
	ScrollWidth float64 `json:"scrollWidth"`
	// Wide names the first elements reaching past the viewport that do
	// not scroll inside a box of their own: the culprits.
	Wide []string `json:"wide"`
	// ChartTexts counts the SVG texts drawn; Small lists those under
	// minChartTextPx, with their size; MinText is the smallest.
	ChartTexts int      `json:"chartTexts"`
	MinText    float64  `json:"minText"`
	Small      []string `json:"small"`
	// Tables counts the tables with a "Compared with expected" column,
	// Rows their body rows; Hidden lists cells of the key column or the
	// verdict not wholly in view while the table is scrolled to its start.
	Tables int      `json:"tables"`
	Rows   int      `json:"rows"`
	Hidden []string `json:"hidden"`
	// Ctrl is any text telling the reader to hold Ctrl or ⌘.
	Ctrl []string `json:"ctrl"`
	// Arrows lists verdicts drawn with a ▼ or ▲ glyph.
	Arrows []string `json:"arrows"`
}

// phoneLayoutJS opens every <details> (a chart inside one must be readable
// when opened) and measures the page.
const phoneLayoutJS = `(() => {
	document.querySelectorAll("details").forEach(d => d.open = true);
	const vw = document.documentElement.clientWidth;
	const out = {viewport: vw, scrollWidth: document.documentElement.scrollWidth,
		wide: [], chartTexts: 0, minText: 1e9, small: [], tables: 0, rows: 0, hidden: [], ctrl: [], arrows: []};
	for (const e of document.body.querySelectorAll("*")) {
		const r = e.getBoundingClientRect();
		if (r.right > vw + 0.5 && !e.closest(".table-wrap") && !(e.parentElement && e.parentElement.closest("svg")) && out.wide.length < 5) {
			out.wide.push(e.tagName.toLowerCase() + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "") + " (right " + Math.round(r.right) + ")");
		}
	}
	for (const t of document.querySelectorAll("main svg text")) {
		const r = t.getBoundingClientRect();
		const m = t.getScreenCTM();
		if (!m || r.width === 0 || !t.textContent.trim()) continue;
		const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
		out.chartTexts++;
		out.minText = Math.min(out.minText, px);
		if (px < ` + "%d" + ` - 0.01) {
			out.small.push(t.closest("svg").getAttribute("class") + ": " + JSON.stringify(t.textContent.trim()) + " " + px.toFixed(1) + " px");
		}
	}
	for (const table of document.querySelectorAll("main table")) {
		const heads = [...table.querySelectorAll("thead th")];
		const verdict = heads.findIndex(h => h.textContent.trim() === "Compared with expected");
		if (verdict < 0) continue;
		out.tables++;
		const wrap = table.closest(".table-wrap");
		if (wrap) wrap.scrollLeft = 0;
		for (const tr of table.querySelectorAll("tbody tr")) {
			out.rows++;
			for (const [what, cell] of [["name", tr.children[0]], ["verdict", tr.children[verdict]]]) {
				const r = cell ? cell.getBoundingClientRect() : null;
				if (!r || r.width === 0 || r.left < -0.5 || r.right > vw + 0.5) {
					if (out.hidden.length < 5) out.hidden.push(what + " of " + JSON.stringify(tr.children[0].textContent.trim()) +
						(r ? " spans x " + Math.round(r.left) + " to " + Math.round(r.right) : " missing"));
				}
			}
		}
	}
	const text = document.body.innerText;
	for (const w of ["Ctrl", "⌘"]) if (text.includes(w)) out.ctrl.push(w);
	for (const e of document.querySelectorAll(".band, td.b")) {
		const c = getComputedStyle(e, "::before").content + getComputedStyle(e, "::after").content + e.textContent;
		if (/[▼▲▽△]/.test(c) && out.arrows.length < 5) out.arrows.push(e.className + ": " + c);
	}
	return out;
})()`

// TestBrowserPhoneLayout loads each of phonePages on a 390 px phone and
// checks that the page does not scroll sideways, that every chart text is
// at least 12 px as drawn, that each table's name and verdict ("Compared
// with expected") are in view with the table scrolled to its start, and
// that no text says to hold Ctrl or ⌘ and no verdict wears an arrow; and
// runs axe-core on it, its <details> open. It saves a full-page screenshot
// of each, <details> open, as phone-<page>.png.
func TestBrowserPhoneLayout(t *testing.T) {
	srv := newServer(t, api.Config{})
	axeSource(t) // skip before starting a browser for nothing
	browser := startBrowser(t, phone)
	for _, p := range phonePages {
		t.Run(p.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(browser, browserTimeout)
			defer cancel()
			if status := navigate(t, ctx, srv, p.path); status != http.StatusOK {
				t.Fatalf("GET %s = %d, want 200", p.path, status)
			}
			checkPhoneLayout(t, ctx, p.path)
			saveScreenshot(t, ctx, "phone-"+p.name)
			runAxe(t, ctx) // with every <details> open
		})
	}
}

// checkPhoneLayout measures the page in the tab (phoneLayoutJS), a 390 px
// phone's, and fails the test for what TestBrowserPhoneLayout checks:
// sideways scrolling, chart text under minChartTextPx, a table's name or
// verdict out of view, Ctrl or ⌘, verdicts with arrows. It returns the
// measurements.
func checkPhoneLayout(t *testing.T, ctx context.Context, path string) phoneLayout {
	t.Helper()
	measure := fmt.Sprintf(phoneLayoutJS, minChartTextPx)
	l := evalJS[phoneLayout](t, ctx, measure)
	// Under a loaded machine the first layout after the viewport
	// emulation can be stale; a real overflow persists.
	for try := 0; try < 3 && l.ScrollWidth > l.Viewport; try++ {
		time.Sleep(300 * time.Millisecond)
		l = evalJS[phoneLayout](t, ctx, measure)
	}
	if l.Viewport != float64(phone.width) {
		t.Fatalf("viewport is %.0f px wide, want %d: the measurements would not be a phone's", l.Viewport, phone.width)
	}
	if l.ScrollWidth > l.Viewport {
		t.Errorf("page is %.0f px wide at %.0f px, want no sideways scrolling; wide: %v", l.ScrollWidth, l.Viewport, l.Wide)
	}
	if len(l.Small) > 0 {
		t.Errorf("%d of %d chart texts are under %d px as drawn (smallest %.1f px), e.g. %s",
			len(l.Small), l.ChartTexts, minChartTextPx, l.MinText, strings.Join(l.Small[:min(len(l.Small), 5)], "; "))
	}
	if len(l.Hidden) > 0 {
		t.Errorf("in %d tables (%d rows), cells of the key column or the verdict are out of view at 390 px: %s",
			l.Tables, l.Rows, strings.Join(l.Hidden, "; "))
	}
	if len(l.Ctrl) > 0 {
		t.Errorf("page tells the reader to use %v, which a phone has not", l.Ctrl)
	}
	if len(l.Arrows) > 0 {
		t.Errorf("verdicts drawn with arrows, which look like drop-downs: %s", strings.Join(l.Arrows, "; "))
	}
	t.Logf("%s: %.0f px wide; %d chart texts, smallest %.1f px; %d tables, %d rows", path, l.ScrollWidth,
		l.ChartTexts, l.MinText, l.Tables, l.Rows)
	return l
}
