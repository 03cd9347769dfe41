package api_test

import (
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestSmallUnitsTested checks STATS.md §8.3 end to end on the demo
// release: below one expected death the exact one-sided test decides a
// high band, too_few is only an unflagged small unit, and every unit's
// point lies where its band says against its own lines (dot and band
// agree), for every surgeon and hospital row of every specialty.
func TestSmallUnitsTested(t *testing.T) {
	srv := newServer(t, api.Config{})
	var list struct {
		Data []struct {
			Slug string `json:"slug"`
		} `json:"data"`
	}
	getJSON(t, srv, "/api/v1/specialties", &list)
	var small, smallFlagged, tooFewWithDeaths int
	for _, sp := range list.Data {
		for _, unitType := range []string{"surgeons", "hospitals"} {
			for _, r := range publishedRows(t, srv, sp.Slug, unitType) {
				if r.Expected == nil || r.PHigh == nil || r.FunnelY == nil {
					continue
				}
				e, pHigh, y := *r.Expected, *r.PHigh, *r.FunnelY
				if e >= 1 {
					if r.Band == "too_few" {
						t.Errorf("%s %s (%s %s): too_few with %.2f expected deaths", r.UnitType, r.UnitID, r.Specialty, r.Period, e)
					}
					continue
				}
				small++
				want := "too_few"
				switch {
				case pHigh < 0.001:
					want = "high_alarm"
				case pHigh < 0.025:
					want = "high_alert"
				}
				if r.Band != want {
					t.Errorf("%s %s (%s %s): %d deaths, %.3f expected, p_high %.3g: band %s, want %s",
						r.UnitType, r.UnitID, r.Specialty, r.Period, r.Events, e, pHigh, r.Band, want)
				}
				if want != "too_few" {
					smallFlagged++
				} else if r.Events >= 2 {
					tooFewWithDeaths++
				}
				// Dot and band agree: strictly above the upper lines is
				// flagged, on or below them is not.
				above95, above998 := y > *r.Upper95, y > *r.Upper998
				if above998 != (r.Band == "high_alarm") || above95 != (r.Band != "too_few") {
					t.Errorf("%s %s: y %.4f against lines %.4f / %.4f, band %s", r.UnitID, r.Specialty, y,
						*r.Upper95, *r.Upper998, r.Band)
				}
			}
		}
	}
	if small == 0 || smallFlagged == 0 {
		t.Fatalf("%d small units, %d of them flagged: the demo release does not exercise the rule", small, smallFlagged)
	}
	t.Logf("%d units below one expected death: %d flagged by the exact test; %d too_few ones had 2 or more deaths",
		small, smallFlagged, tooFewWithDeaths)
}

// TestSmallUnitPage is the surgeon the first version called "too few to
// tell": vascular surgeon 9001080, 21 operations, 4 deaths, 0.29 expected,
// P(X ≥ 4) = 0.00023.
func TestSmallUnitPage(t *testing.T) {
	srv := newServer(t, api.Config{})
	var env struct {
		Data struct {
			Results []struct {
				Procedure    string   `json:"procedure"`
				Period       string   `json:"period"`
				Events       int      `json:"events"`
				Expected     *float64 `json:"expected"`
				PHigh        *float64 `json:"p_high"`
				Band         string   `json:"band"`
				BandLabel    string   `json:"band_label"`
				Verdict      string   `json:"verdict"`
				VerdictLabel string   `json:"verdict_label"`
			} `json:"results"`
		} `json:"data"`
	}
	getJSON(t, srv, "/api/v1/surgeons/9001080", &env)
	found := false
	for _, r := range env.Data.Results {
		if r.Events != 4 || r.Expected == nil || math.Abs(*r.Expected-0.3) > 0.05 {
			continue
		}
		found = true
		if r.Band != "high_alarm" || r.BandLabel != "Survival lower than expected (strong evidence)" ||
			r.Verdict != "higher" || !strings.Contains(r.VerdictLabel, "More deaths than expected") {
			t.Errorf("9001080 %s %s: band %s %q, verdict %s %q; want high_alarm, survival lower, more deaths",
				r.Procedure, r.Period, r.Band, r.BandLabel, r.Verdict, r.VerdictLabel)
		}
		// P(X ≥ 4) for X ~ Poisson(E), by hand.
		e := *r.Expected
		want := 1 - math.Exp(-e)*(1+e+e*e/2+e*e*e/6)
		if r.PHigh == nil || math.Abs(*r.PHigh-want) > 1e-12 || want > 0.001 {
			t.Errorf("9001080: p_high %v, want %.6g (< 0.001)", r.PHigh, want)
		}
	}
	if !found {
		t.Fatalf("no result of surgeon 9001080 with 4 deaths and 0.3 expected: %+v", env.Data.Results)
	}
	resp, body := get(t, srv, http.MethodGet, "/surgeons/9001080")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /surgeons/9001080 = %d", resp.StatusCode)
	}
	page := string(body)
	for _, want := range []string{
		"Strong evidence that survival was lower than expected",
		"Of 21 operations, 4 patients died; about 0.3 deaths would be expected for patients like these.",
		"Chance alone would give 4 deaths or more less than 1 in 2,000 times.",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("surgeon page lacks %q", want)
		}
	}
	for _, never := range []string{"a single death, or none", "Too few deaths expected"} {
		if strings.Contains(page, never) {
			t.Errorf("surgeon page with 4 deaths says %q", never)
		}
	}
	// The chart draws the point with its band's mark, as the page says.
	resp, body = get(t, srv, http.MethodGet, "/specialties/vascular/funnel.svg?procedure=aaa")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET funnel.svg = %d", resp.StatusCode)
	}
	if want := `class="point band-high_alarm" data-unit-id="9001080"`; !strings.Contains(string(body), want) {
		t.Errorf("funnel.svg lacks %s", want)
	}
}

// TestSelfCheckSmallUnit: a hospital's own 500 operations, 3 deaths and
// 0.6 expected (P(X ≥ 3) = 0.023) is some evidence of lower survival, not
// "too few to tell".
func TestSelfCheckSmallUnit(t *testing.T) {
	srv := newServer(t, api.Config{})
	body := []byte(`{"units":[{"specialty":"adult-cardiac","cases":500,"events":3,"expected":0.6},` +
		`{"specialty":"adult-cardiac","cases":500,"events":2,"expected":0.6}]}`)
	got := selfCheck(t, srv, "/api/v1/self-check", "application/json", body)
	if len(got.Data) != 2 || got.Data[0].Band != "high_alert" || got.Data[1].Band != "too_few" {
		var bands []string
		for _, r := range got.Data {
			bands = append(bands, r.Band)
		}
		t.Errorf("self-check bands = %v, want [high_alert too_few]", bands)
	}
}
