package api_test

import (
	"encoding/csv"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestRatesOnlyPublisher loads a publisher that prints, for each hospital,
// only its own figures: a volume, a risk-standardised death rate with its
// interval, and its comparison with the national rate; no deaths
// (testdata/publishers/rates-only, figures = "published"). Every unit
// must carry exactly what the publisher printed, as compute.R lists it, in
// the JSON and the CSV; its deaths must be null, never 0; nothing of ours
// may be computed for it; and the pages must show the publisher's figures
// as the publisher's, with no chart.
func TestRatesOnlyPublisher(t *testing.T) {
	srv := newServerOn(t, loadPublisher(t, "rates-only", "hospital-mortality.csv"), api.Config{})
	fetch := func(path string) (*http.Response, []byte) { return get(t, srv, http.MethodGet, path) }
	rows := publisherRows(t, fetch)
	want := readExpected(t, "rates-only")
	if len(rows) != len(want) || len(want) != 6 {
		t.Errorf("%d hospital rows, want the %d of expected.csv (6)", len(rows), len(want))
	}
	ours := []string{"expected", "target", "rate", "ratio", "ramr", "survival", "survival_low", "survival_high",
		"ci_low", "ci_high", "lower_95", "upper_95", "p_high", "p_low", "detectable_ratio", "funnel_x", "funnel_y"}
	for _, w := range want {
		key := "2021-07/2024-06/" + w["unit_id"]
		r, ok := rows[key]
		if !ok {
			t.Errorf("no row for %s", key)
			continue
		}
		if r["unit_name"] != w["unit_name"] || r["band"] != w["band"] || r["verdict"] != w["verdict"] ||
			r["published_rating"] != w["published_rating"] {
			t.Errorf("%s: %v, %v, %v, %q; want %s, %s, %s, the publisher's %q", key, r["unit_name"], r["band"],
				r["verdict"], r["published_rating"], w["unit_name"], w["band"], w["verdict"], w["published_rating"])
		}
		// The publisher's figures exactly as printed: the decimal R read
		// is the float64 we stored, with no rounding or scaling of ours.
		for _, f := range []string{"cases", "events", "published_rate", "published_low", "published_high"} {
			checkExact(t, key, f, r[f], w[f])
		}
		for _, f := range ours {
			if r[f] != nil {
				t.Errorf("%s %s = %v, want null: nothing is computed from the publisher's figures only", key, f, r[f])
			}
		}
	}

	// The CSV carries the same, with empty cells (never 0) for the deaths.
	resp, body := fetch("/api/v1/hospitals.csv")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET hospitals.csv: %d", resp.StatusCode)
	}
	recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	byID := map[string][]string{}
	for _, rec := range recs[1:] {
		byID[rec[col["unit_id"]]] = rec
	}
	for _, w := range want {
		rec := byID[w["unit_id"]]
		if rec == nil {
			t.Errorf("CSV: no row for %s", w["unit_id"])
			continue
		}
		for _, f := range []string{"cases", "events", "expected", "band", "verdict", "published_rate", "published_low",
			"published_high", "published_rating"} {
			if got := rec[col[f]]; got != w[f] {
				t.Errorf("CSV %s %s = %q, want %q", w["unit_id"], f, got, w[f])
			}
		}
	}

	// The release says whose comparison it is; the funnel places no one
	// and totals no deaths.
	resp, body = fetch("/api/v1/releases/rates-only")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"comparison":"published","target_source":"published"`) {
		t.Errorf("release: %d %s; want comparison and target_source published", resp.StatusCode, body)
	}
	f := funnels(t, fetch, "/api/v1/specialties/adult-cardiac/funnel?unit_type=hospital")[0]
	if len(f["points"].([]any)) != 0 || f["events"] != nil || f["cases"] != nil || f["target"] != nil || f["assessed"] != 0.0 ||
		f["band_counts"].(map[string]any)["not_assessable"] != 6.0 {
		t.Errorf("funnel: %d points, events %v, cases %v, target %v, assessed %v, bands %v; want none placed, null totals, 6 not assessable",
			len(f["points"].([]any)), f["events"], f["cases"], f["target"], f["assessed"], f["band_counts"])
	}
	for _, format := range []string{"svg", "png"} {
		if resp, _ := fetch("/specialties/adult-cardiac/funnel." + format); resp.StatusCode != http.StatusNotFound {
			t.Errorf("funnel.%s: %d, want 404: there is no chart of the publisher's figures only", format, resp.StatusCode)
		}
	}

	// The specialty page: the publisher's figures in a table of their own,
	// no chart, no "overall" rate of ours.
	resp, page := fetch("/specialties/adult-cardiac")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("specialty page: %d", resp.StatusCode)
	}
	html := string(page)
	if strings.Contains(html, "<svg") || strings.Contains(html, "Overall,") ||
		!strings.Contains(html, "the publisher gave only its own figures") {
		t.Errorf("specialty page draws a chart or an overall rate, or does not say the figures are the publisher's")
	}
	table, _, _ := strings.Cut(html[strings.Index(html, "<table"):], "</table>")
	for _, w := range want {
		cells := []string{w["published_rating"]}
		if w["published_rate"] != "" {
			cells = append(cells, w["published_rate"]+"%", w["published_low"]+"% to "+w["published_high"]+"%")
		}
		row, _, _ := strings.Cut(table[strings.Index(table, ">"+w["unit_name"]+"<"):], "\n")
		for _, c := range cells {
			if !strings.Contains(row, c) {
				t.Errorf("specialty page: %s's row %q lacks the publisher's %q", w["unit_name"], row, c)
			}
		}
	}

	// A hospital's page: the publisher's figures, deaths not given.
	resp, page = fetch("/hospitals/010011")
	html = string(page)
	for _, s := range []string{"Worse Than the National Rate", "5.9%", "4% to 8.6%", "<dt>Deaths</dt><dd>—", "/glossary#not-assessable"} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(html, s) {
			t.Errorf("hospital page 010011: %d, lacks %q", resp.StatusCode, s)
		}
	}
	if strings.Contains(html, "<dt>Deaths</dt><dd>0") {
		t.Errorf("hospital page 010011 says 0 deaths; the publisher gave none")
	}
	// Its summary compares nothing of the publisher's figures, and says so.
	if !regexp.MustCompile(`None of this hospital's results in the latest period, [^<]*, could be compared with expected\. `+
		`\d+ results? could not be assessed from the published figures\.`).MatchString(html) || strings.Contains(html, "outside the 95% limits:") {
		t.Errorf("hospital page 010011: the summary does not say that none of its results could be compared")
	}
}

// checkExact compares one of the publisher's figures with R's reading of
// it: both absent (null, an empty cell), or the same float64.
func checkExact(t *testing.T, unit, field string, got any, want string) {
	t.Helper()
	if want == "" {
		if got != nil {
			t.Errorf("%s %s = %v, want null", unit, field, got)
		}
		return
	}
	w, err := strconv.ParseFloat(want, 64)
	if err != nil {
		t.Fatalf("%s %s: expected.csv holds %q", unit, field, want)
	}
	if g, ok := got.(float64); !ok || g != w {
		t.Errorf("%s %s = %v, want the publisher's %v", unit, field, got, w)
	}
}
