package api_test

// Browser tests of finding people on a phone: the hospital index's letter
// links, and a search typed on the home page that a strict search would
// not answer. The harness is in browser_test.go.

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestBrowserHospitalLetters taps a letter of the hospital index on a
// phone and checks its heading comes to the top of the screen, does the
// same from the keyboard, then follows a hospital's link to its page.
func TestBrowserHospitalLetters(t *testing.T) {
	srv := newServer(t, api.Config{})
	ctx := newBrowser(t, phone)
	if status := navigate(t, ctx, srv, "/hospitals"); status != http.StatusOK {
		t.Fatalf("GET /hospitals = %d", status)
	}
	type place struct {
		Hash string
		Top  int
	}
	at := func(id string) place {
		v := evalJS[[]any](t, ctx, `(() => { const r = document.getElementById("`+id+`").getBoundingClientRect(); return [location.hash, Math.round(r.top)]; })()`)
		return place{Hash: v[0].(string), Top: int(v[1].(float64))}
	}
	before := at("letter-w")
	if before.Top < phone.height {
		t.Fatalf("the W heading is on the first screen (top %d px); the test needs it below", before.Top)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`nav ul.letters a[href="#letter-w"]`))); err != nil {
		t.Fatalf("tap W: %v", err)
	}
	if p := at("letter-w"); p.Hash != "#letter-w" || p.Top < 0 || p.Top > 100 {
		t.Errorf("after tapping W: hash %q, heading at %d px; want #letter-w at the top", p.Hash, p.Top)
	}
	// From the keyboard: focus the P link and press Enter.
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(`nav ul.letters a[href="#letter-p"]`)), chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatalf("Enter on P: %v", err)
	}
	if p := at("letter-p"); p.Hash != "#letter-p" || p.Top < 0 || p.Top > 100 {
		t.Errorf("after Enter on P: hash %q, heading at %d px; want #letter-p at the top", p.Hash, p.Top)
	}
	status := submitAndWait(t, ctx, "tap Little Pebbleton Hospital", chromedp.Click(chromedp.CSS(`a[href="/hospitals/ZZ124"]`)))
	if h1 := evalJS[string](t, ctx, `document.querySelector("h1").textContent`); status != http.StatusOK || h1 != "Little Pebbleton Hospital" {
		t.Errorf("following the link: %d, h1 %q", status, h1)
	}
}

// TestBrowserSearchHeart types "pebbleton heart" into the home page's
// search on a phone, as a patient would, and checks the answer leads with
// the hospital and reaches its heart surgeons.
func TestBrowserSearchHeart(t *testing.T) {
	srv := newServer(t, api.Config{})
	ctx := newBrowser(t, phone)
	navigate(t, ctx, srv, "/")
	status := submitAndWait(t, ctx, "search from the home page",
		chromedp.SendKeys(chromedp.CSS("#q"), "pebbleton heart"), chromedp.KeyEvent(kb.Enter))
	if status != http.StatusOK {
		t.Fatalf("search = %d", status)
	}
	first := evalJS[string](t, ctx, `document.querySelector("main ul.results-list a").getAttribute("href")`)
	if first != "/hospitals/ZZ124" {
		t.Errorf("first result %q, want Little Pebbleton Hospital", first)
	}
	status = submitAndWait(t, ctx, "its surgeons on the chart",
		chromedp.Click(chromedp.CSS(`a[href="/specialties/adult-cardiac?hospital=ZZ124"]`)))
	marked := evalJS[int](t, ctx, `document.querySelectorAll("table.units tr.highlight").length`)
	if status != http.StatusOK || marked == 0 {
		t.Errorf("Little Pebbleton's heart surgeons: %d, %d rows marked", status, marked)
	}
}
