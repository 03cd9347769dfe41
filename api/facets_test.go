package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// facetPage is what these tests read of a collection's JSON.
type facetPage struct {
	Data []map[string]any `json:"data"`
	Meta struct {
		Count  int    `json:"count"`
		Note   string `json:"note"`
		Facets map[string]struct {
			Values []struct {
				Value, Label string
				Count        int
			} `json:"values"`
			Truncated bool `json:"truncated"`
		} `json:"facets"`
	} `json:"meta"`
	Links struct {
		NDJSON string `json:"ndjson"`
	} `json:"links"`
}

// TestFacets counts a collection by band, specialty, period and hospital,
// as a journalist asks "how many of each?" in one call, and holds each
// count to what the rows themselves say: band, specialty and period
// counted from the CSV of the same filter, and each hospital's count to
// the collection filtered by that hospital.
func TestFacets(t *testing.T) {
	srv := newServer(t, api.Config{})
	for _, filter := range []string{"", "specialty=vascular", "band=high_alarm,high_alert", "min_cases=50&q=mr"} {
		path := "/api/v1/surgeons?limit=1&facet=band,specialty,period,hospital"
		if filter != "" {
			path += "&" + filter
		}
		var page facetPage
		getJSON(t, srv, path, &page)
		tab, _, _ := getCSV(t, srv, "/api/v1/surgeons.csv?"+filter)
		if len(tab.rows) != page.Meta.Count {
			t.Fatalf("GET %s: meta.count %d, the CSV %d rows", path, page.Meta.Count, len(tab.rows))
		}
		for _, field := range []string{"band", "specialty", "period"} {
			want := map[string]int{}
			for _, r := range tab.rows {
				want[r[tab.col[field]]]++
			}
			got := map[string]int{}
			f := page.Meta.Facets[field]
			for i, v := range f.Values {
				got[v.Value] = v.Count
				if i > 0 && (v.Count > f.Values[i-1].Count || v.Count == f.Values[i-1].Count && v.Value < f.Values[i-1].Value) {
					t.Errorf("GET %s: facet %s out of order at %q", path, field, v.Value)
				}
				if (field == "band") != (v.Label != "") {
					t.Errorf("GET %s: facet %s value %q has label %q; only bands have one", path, field, v.Value, v.Label)
				}
			}
			if !reflect.DeepEqual(got, want) || f.Truncated {
				t.Errorf("GET %s: facet %s = %v (truncated %v), the rows say %v", path, field, got, f.Truncated, want)
			}
		}
		hospitals := page.Meta.Facets["hospital"].Values
		if len(hospitals) == 0 && page.Meta.Count > 0 {
			t.Errorf("GET %s: no hospital facet", path)
		}
		for _, h := range hospitals {
			var one facetPage
			getJSON(t, srv, "/api/v1/surgeons?limit=1&hospital="+url.QueryEscape(h.Value)+"&"+filter, &one)
			if one.Meta.Count != h.Count {
				t.Errorf("GET %s: hospital %s counts %d; filtered by it the collection has %d", path, h.Value, h.Count, one.Meta.Count)
			}
		}
	}
	for path, param := range map[string]string{
		"/api/v1/surgeons?facet=surgeon":                 "facet",
		"/api/v1/surgeons.csv?facet=band":                "facet",
		"/api/v1/surgeons?facet=band&format=ndjson":      "facet",
		"/api/v1/surgeons.ndjson?bom=1":                  "bom",
		"/api/v1/surgeons.ndjson?format=csv":             "format",
		"/api/v1/surgeons/9001001/history?format=ndjson": "format",
	} {
		resp, body := get(t, srv, http.MethodGet, path)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"param":"`+param+`"`) {
			t.Errorf("GET %s = %d %.300s, want 400 naming %s", path, resp.StatusCode, body, param)
		}
	}
}

// TestLatestPeriodAndOverlapNote: the demo's specialties each have two
// three-year periods a year apart, so a collection of both says that
// their rows count the same operations twice, and period=latest keeps
// each specialty's newest alone, with no note.
func TestLatestPeriodAndOverlapNote(t *testing.T) {
	srv := newServer(t, api.Config{})
	var all, latest facetPage
	getJSON(t, srv, "/api/v1/surgeons?limit=1", &all)
	if !strings.Contains(all.Meta.Note, "overlap") || !strings.Contains(all.Meta.Note, "period=latest") {
		t.Errorf("rows of two overlapping periods: meta.note = %q, want the overlap said and period=latest offered", all.Meta.Note)
	}
	getJSON(t, srv, "/api/v1/surgeons?limit=1&period=latest", &latest)
	if latest.Meta.Note != "" {
		t.Errorf("period=latest: meta.note = %q, want none", latest.Meta.Note)
	}
	tab, _, _ := getCSV(t, srv, "/api/v1/surgeons.csv")
	newest := map[string]string{}
	for _, r := range tab.rows {
		if sp, p := r[tab.col["specialty"]], r[tab.col["period"]]; p > newest[sp] {
			newest[sp] = p
		}
	}
	want := 0
	for _, r := range tab.rows {
		if r[tab.col["period"]] == newest[r[tab.col["specialty"]]] {
			want++
		}
	}
	if latest.Meta.Count != want || want == 0 || want == len(tab.rows) {
		t.Errorf("period=latest: %d rows, want %d of %d (each specialty's newest period)", latest.Meta.Count, want, len(tab.rows))
	}
	var one facetPage
	getJSON(t, srv, "/api/v1/surgeons?limit=1&period=2022-04/2025-03", &one)
	if one.Meta.Note != "" {
		t.Errorf("one period: meta.note = %q, want none", one.Meta.Note)
	}
	// The national summary takes period=latest as the collections do.
	type summary struct {
		Data []struct {
			Specialty    string `json:"specialty"`
			Period       string `json:"period"`
			LatestPeriod bool   `json:"latest_period"`
		} `json:"data"`
	}
	var every, newestOnly summary
	getJSON(t, srv, "/api/v1/summary", &every)
	getJSON(t, srv, "/api/v1/summary?period=latest", &newestOnly)
	n := 0
	for _, r := range every.Data {
		if r.LatestPeriod {
			n++
		}
	}
	if len(newestOnly.Data) != n || n == 0 || n == len(every.Data) {
		t.Errorf("summary?period=latest: %d rows, want the %d of %d that are their specialty's newest", len(newestOnly.Data), n, len(every.Data))
	}
	for _, r := range newestOnly.Data {
		if !r.LatestPeriod || r.Period != newest[r.Specialty] {
			t.Errorf("summary?period=latest: %s %s is not its specialty's newest period", r.Specialty, r.Period)
		}
	}
}

// TestNDJSON streams a collection one JSON row a line: the same rows, in
// the same order, with the same keys and values as the JSON's data, and
// every matching row without a limit.
func TestNDJSON(t *testing.T) {
	srv := newServer(t, api.Config{})
	var page facetPage
	getJSON(t, srv, "/api/v1/specialties/vascular/surgeons?limit=1000&sort=-ramr", &page)
	for _, path := range []string{page.Links.NDJSON, "/api/v1/specialties/vascular/surgeons?limit=1000&sort=-ramr&format=ndjson",
		"/api/v1/specialties/vascular/surgeons.ndjson?sort=-ramr"} {
		resp, body := get(t, srv, http.MethodGet, path)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-ndjson" {
			t.Fatalf("GET %s = %d %s, want 200 application/x-ndjson", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var rows []map[string]any
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var r map[string]any
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("GET %s: line %d: %v", path, len(rows)+1, err)
			}
			rows = append(rows, r)
		}
		if !bytes.HasSuffix(body, []byte("}\n")) {
			t.Errorf("GET %s: the last line does not end with a newline", path)
		}
		if len(rows) != page.Meta.Count || !slices.EqualFunc(rows, page.Data, func(a, b map[string]any) bool { return reflect.DeepEqual(a, b) }) {
			t.Errorf("GET %s: %d rows, not the JSON's %d rows in its order", path, len(rows), page.Meta.Count)
		}
	}
}
