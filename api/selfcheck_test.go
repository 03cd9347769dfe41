package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/surgeon-outcomes/outcomes/api"
)

// scRow holds the fields a published unit row and a self-check result
// share. Figures are pointers: null (undefined) decodes to nil.
type scRow struct {
	UnitType     string   `json:"unit_type"`
	UnitID       string   `json:"unit_id"`
	UnitName     string   `json:"unit_name"`
	Specialty    string   `json:"specialty"`
	Procedure    string   `json:"procedure"`
	Period       string   `json:"period"`
	Cases        int      `json:"cases"`
	Events       int      `json:"events"`
	Expected     *float64 `json:"expected"`
	RiskAdjusted bool     `json:"risk_adjusted"`
	Scale        string   `json:"scale"`
	Target       *float64 `json:"target"`
	Ratio        *float64 `json:"ratio"`
	RAMR         *float64 `json:"ramr"`
	Survival     *float64 `json:"survival"`
	SurvivalLow  *float64 `json:"survival_low"`
	SurvivalHigh *float64 `json:"survival_high"`
	CILow        *float64 `json:"ci_low"`
	CIHigh       *float64 `json:"ci_high"`
	Lower95      *float64 `json:"lower_95"`
	Upper95      *float64 `json:"upper_95"`
	Lower998     *float64 `json:"lower_998"`
	Upper998     *float64 `json:"upper_998"`
	PHigh        *float64 `json:"p_high"`
	PLow         *float64 `json:"p_low"`
	FunnelX      *float64 `json:"funnel_x"`
	FunnelY      *float64 `json:"funnel_y"`
	Band         string   `json:"band"`
	Verdict      string   `json:"verdict"`
	Funnel       string   `json:"funnel"` // self-check results only
}

// figures lists a row's figures by JSON key, for comparison.
func (r scRow) figures() []struct {
	name string
	v    *float64
} {
	return []struct {
		name string
		v    *float64
	}{
		{"target", r.Target}, {"ratio", r.Ratio}, {"ramr", r.RAMR}, {"survival", r.Survival},
		{"survival_low", r.SurvivalLow}, {"survival_high", r.SurvivalHigh}, {"ci_low", r.CILow},
		{"ci_high", r.CIHigh}, {"lower_95", r.Lower95}, {"upper_95", r.Upper95}, {"lower_998", r.Lower998},
		{"upper_998", r.Upper998}, {"p_high", r.PHigh}, {"p_low", r.PLow}, {"funnel_x", r.FunnelX},
		{"funnel_y", r.FunnelY},
	}
}

// scResponse is a self-check's 200 body.
type scResponse struct {
	Data []scRow `json:"data"`
	Meta struct {
		Release string   `json:"release"`
		Count   int      `json:"count"`
		Periods []string `json:"periods"`
	} `json:"meta"`
}

// scProblem is a problem+json body.
type scProblem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Param   string `json:"param"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (p scProblem) params() []string {
	var ps []string
	for _, e := range p.Errors {
		ps = append(ps, e.Param)
	}
	return ps
}

// post sends body to srv with the given Content-Type and header pairs
// (name, value, ...) and returns the response with its body read.
func post(t testing.TB, srv *httptest.Server, path, contentType string, body []byte, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("NewRequest(POST %s): %v", path, err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept-Encoding", "identity")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatalf("POST %s: read body: %v", path, err)
	}
	return resp, b.Bytes()
}

// selfCheck posts body to path and decodes the 200 answer.
func selfCheck(t testing.TB, srv *httptest.Server, path, contentType string, body []byte) scResponse {
	t.Helper()
	resp, b := post(t, srv, path, contentType, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s (%s) = %d %s, want 200", path, contentType, resp.StatusCode, b)
	}
	var r scResponse
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("POST %s: decode: %v\n%s", path, err, b)
	}
	return r
}

// getJSON fetches path, wants 200, and decodes the body into v.
func getJSON(t testing.TB, srv *httptest.Server, path string, v any) {
	t.Helper()
	resp, body := get(t, srv, http.MethodGet, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d %s, want 200", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: decode: %v", path, err)
	}
}

// scSpecialty is what the tests need of /api/v1/specialties/{slug}.
type scSpecialty struct {
	Periods []string `json:"periods"`
	Funnels []struct {
		Procedure string `json:"procedure"`
		Period    string `json:"period"`
		UnitType  string `json:"unit_type"`
		Scale     string `json:"scale"`
		Units     int    `json:"units"`
	} `json:"funnels"`
}

// specialtySlugs lists the release's specialties, through the API.
func specialtySlugs(t testing.TB, srv *httptest.Server) []string {
	t.Helper()
	var list struct {
		Data []struct {
			Slug string `json:"slug"`
		} `json:"data"`
	}
	getJSON(t, srv, "/api/v1/specialties", &list)
	var slugs []string
	for _, sp := range list.Data {
		slugs = append(slugs, sp.Slug)
	}
	return slugs
}

func specialty(t testing.TB, srv *httptest.Server, slug string) scSpecialty {
	t.Helper()
	var env struct {
		Data scSpecialty `json:"data"`
	}
	getJSON(t, srv, "/api/v1/specialties/"+url.PathEscape(slug), &env)
	return env.Data
}

// checkedSpecialties picks the specialties whose published rows the
// self-check must reproduce: adult-cardiac (risk-adjusted) and the first
// crude specialty, or, when the release has none (the demo release has
// expected deaths everywhere), orthopaedic, which has every kind of band
// but low_alarm.
func checkedSpecialties(t *testing.T, srv *httptest.Server) []string {
	t.Helper()
	for _, slug := range specialtySlugs(t, srv) {
		for _, f := range specialty(t, srv, slug).Funnels {
			if f.Scale == "proportion" {
				return []string{"adult-cardiac", slug}
			}
		}
	}
	t.Logf("no crude (proportion-scale) specialty in the release: checking orthopaedic, risk-adjusted")
	return []string{"adult-cardiac", "orthopaedic"}
}

// publishedRows returns every row of a specialty's collection of unitType
// (hospitals or surgeons), period by period.
func publishedRows(t *testing.T, srv *httptest.Server, slug, unitType string) []scRow {
	t.Helper()
	var rows []scRow
	for _, period := range specialty(t, srv, slug).Periods {
		var env struct {
			Data []scRow `json:"data"`
			Meta struct {
				Count int `json:"count"`
			} `json:"meta"`
		}
		path := "/api/v1/specialties/" + slug + "/" + unitType + "?" +
			url.Values{"period": {period}, "limit": {"1000"}}.Encode()
		getJSON(t, srv, path, &env)
		if env.Meta.Count != len(env.Data) || len(env.Data) == 0 {
			t.Fatalf("GET %s: %d rows of %d, want all of them, at least one", path, len(env.Data), env.Meta.Count)
		}
		rows = append(rows, env.Data...)
	}
	return rows
}

// unitsJSON is the self-check JSON body for rows.
func unitsJSON(t *testing.T, rows []scRow) []byte {
	t.Helper()
	type unit struct {
		Specialty string   `json:"specialty"`
		Procedure string   `json:"procedure"`
		Period    string   `json:"period"`
		UnitType  string   `json:"unit_type"`
		UnitID    string   `json:"unit_id"`
		UnitName  string   `json:"unit_name"`
		Cases     int      `json:"cases"`
		Events    int      `json:"events"`
		Expected  *float64 `json:"expected,omitempty"`
	}
	var req struct {
		Units []unit `json:"units"`
	}
	for _, r := range rows {
		req.Units = append(req.Units, unit{r.Specialty, r.Procedure, r.Period, r.UnitType, r.UnitID, r.UnitName,
			r.Cases, r.Events, r.Expected})
	}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// unitsCSV is the canonical CSV self-check body for rows.
func unitsCSV(t *testing.T, rows []scRow) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"specialty", "procedure", "period", "unit_type", "unit_id", "unit_name", "cases", "events",
		"expected"})
	for _, r := range rows {
		expected := ""
		if r.Expected != nil {
			expected = strconv.FormatFloat(*r.Expected, 'g', -1, 64)
		}
		_ = w.Write([]string{r.Specialty, r.Procedure, r.Period, r.UnitType, r.UnitID, r.UnitName,
			strconv.Itoa(r.Cases), strconv.Itoa(r.Events), expected})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// compareWithPublished checks that each self-check result equals the
// published row it was built from: the same stats code at the same target
// gives the same figures, to 1e-12 relative.
func compareWithPublished(t *testing.T, how string, published []scRow, got scResponse) {
	t.Helper()
	const tol = 1e-12 // relative; the same float operations in the same order give 0
	if len(got.Data) != len(published) || got.Meta.Count != len(published) {
		t.Fatalf("%s: %d results, meta.count %d, want %d", how, len(got.Data), got.Meta.Count, len(published))
	}
	for i, want := range published {
		res := got.Data[i]
		id := fmt.Sprintf("%s: units[%d] (%s %s %s %s %s)", how, i, want.Specialty, want.Procedure, want.Period,
			want.UnitType, want.UnitID)
		if res.UnitID != want.UnitID || res.UnitName != want.UnitName || res.UnitType != want.UnitType ||
			res.Specialty != want.Specialty || res.Procedure != want.Procedure || res.Period != want.Period {
			t.Errorf("%s: result labelled %s %s %s %s %s %q, want the submitted labels", id, res.Specialty,
				res.Procedure, res.Period, res.UnitType, res.UnitID, res.UnitName)
			continue
		}
		if res.Cases != want.Cases || res.Events != want.Events || res.RiskAdjusted != want.RiskAdjusted ||
			res.Scale != want.Scale {
			t.Errorf("%s: cases %d events %d risk_adjusted %v scale %s, want %d %d %v %s", id, res.Cases,
				res.Events, res.RiskAdjusted, res.Scale, want.Cases, want.Events, want.RiskAdjusted, want.Scale)
		}
		gotFig, wantFig := res.figures(), want.figures()
		for j, w := range wantFig {
			g := gotFig[j]
			switch {
			case w.v == nil && g.v == nil:
			case w.v == nil || g.v == nil:
				t.Errorf("%s: %s = %v, want %v (null is nil)", id, w.name, fmtPtr(g.v), fmtPtr(w.v))
			case !scalar.EqualWithinRel(*g.v, *w.v, tol):
				t.Errorf("%s: %s = %v, want published %v (rel tol %g)", id, w.name, *g.v, *w.v, tol)
			}
		}
		if res.Band != want.Band || res.Verdict != want.Verdict {
			t.Errorf("%s: band %s verdict %s, want published %s %s", id, res.Band, res.Verdict, want.Band,
				want.Verdict)
		}
	}
}

func fmtPtr(p *float64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}

// TestSelfCheckMatchesPublished submits published rows' own counts as a
// self-check and expects the published figures back.
func TestSelfCheckMatchesPublished(t *testing.T) {
	srv := newServer(t, api.Config{})
	var hospitals []scRow
	for _, slug := range checkedSpecialties(t, srv) {
		hospitals = append(hospitals, publishedRows(t, srv, slug, "hospitals")...)
	}
	bands := map[string]bool{}
	for _, r := range hospitals {
		bands[r.Band] = true
	}
	t.Logf("%d hospital rows; bands %v", len(hospitals), bands)

	t.Run("hospitals/json", func(t *testing.T) {
		got := selfCheck(t, srv, "/api/v1/self-check", "application/json", unitsJSON(t, hospitals))
		compareWithPublished(t, "JSON", hospitals, got)
	})
	t.Run("hospitals/csv", func(t *testing.T) {
		got := selfCheck(t, srv, "/api/v1/self-check", "text/csv", unitsCSV(t, hospitals))
		compareWithPublished(t, "CSV", hospitals, got)
	})
	t.Run("surgeons/json", func(t *testing.T) {
		// Surgeons too: their funnel has every band, too_few included.
		surgeons := publishedRows(t, srv, "adult-cardiac", "surgeons")
		got := selfCheck(t, srv, "/api/v1/self-check", "application/json", unitsJSON(t, surgeons))
		compareWithPublished(t, "JSON", surgeons, got)
	})
}

// TestSelfCheckDefaults leaves out period, procedure and unit type: the
// procedure is then adult cardiac's headline "all", beside cabg and valve.
func TestSelfCheckDefaults(t *testing.T) {
	srv := newServer(t, api.Config{})
	sp := specialty(t, srv, "adult-cardiac")
	latest := sp.Periods[len(sp.Periods)-1]
	var procedures []string
	for _, f := range sp.Funnels {
		if f.Period == latest && f.UnitType == "hospital" && !slices.Contains(procedures, f.Procedure) {
			procedures = append(procedures, f.Procedure)
		}
	}
	slices.Sort(procedures)
	if !slices.Equal(procedures, []string{"all", "cabg", "valve"}) {
		t.Fatalf("adult-cardiac's latest period %s has hospital procedures %v, want all, cabg and valve", latest, procedures)
	}
	procedures = []string{"all"}
	explicit := selfCheck(t, srv, "/api/v1/self-check", "application/json", fmt.Appendf(nil,
		`{"specialty":"adult-cardiac","procedure":%q,"period":%q,"unit_type":"hospital","cases":1018,"events":20,"expected":21.506}`,
		procedures[0], latest)).Data[0]

	for _, tc := range []struct {
		name, body string
	}{
		{"no period, no procedure", `{"specialty":"adult-cardiac","cases":1018,"events":20,"expected":21.506}`},
		{"no period", `{"specialty":"adult-cardiac","procedure":"` + procedures[0] + `","cases":1018,"events":20,"expected":21.506}`},
		{"no procedure", `{"specialty":"adult-cardiac","period":"` + latest + `","unit_type":"hospital","cases":1018,"events":20,"expected":21.506}`},
		{"csv", "specialty,cases,events,expected\nadult-cardiac,1018,20,21.506\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct := "application/json"
			if tc.name == "csv" {
				ct = "text/csv"
			}
			got := selfCheck(t, srv, "/api/v1/self-check", ct, []byte(tc.body))
			if len(got.Data) != 1 {
				t.Fatalf("POST %s: %d results, want 1", tc.body, len(got.Data))
			}
			res := got.Data[0]
			if res.Period != latest || res.Procedure != procedures[0] || res.UnitType != "hospital" {
				t.Errorf("POST %s: period %q procedure %q unit_type %q, want %q %q hospital", tc.body, res.Period,
					res.Procedure, res.UnitType, latest, procedures[0])
			}
			if !slices.Equal(got.Meta.Periods, []string{latest}) {
				t.Errorf("POST %s: meta.periods %v, want [%s]", tc.body, got.Meta.Periods, latest)
			}
			compareWithPublished(t, tc.name, []scRow{explicit}, got)

			// The funnel link resolves to the one funnel the unit was placed on.
			var funnel struct {
				Data []struct {
					Procedure string   `json:"procedure"`
					Period    string   `json:"period"`
					UnitType  string   `json:"unit_type"`
					Target    *float64 `json:"target"`
				} `json:"data"`
			}
			getJSON(t, srv, res.Funnel, &funnel)
			if len(funnel.Data) != 1 {
				t.Fatalf("GET %s: %d funnels, want 1", res.Funnel, len(funnel.Data))
			}
			f := funnel.Data[0]
			if f.Procedure != res.Procedure || f.Period != res.Period || f.UnitType != res.UnitType ||
				f.Target == nil || res.Target == nil || *f.Target != *res.Target {
				t.Errorf("GET %s = %+v, want the funnel of %s %s %s at target %v", res.Funnel, f, res.Procedure,
					res.Period, res.UnitType, fmtPtr(res.Target))
			}
		})
	}
}

// scUnit is a valid risk-adjusted unit, as JSON, for the error tests.
const scUnit = `{"specialty":"adult-cardiac","cases":100,"events":3,"expected":2.5}`

// TestSelfCheckErrors checks that each kind of bad submission is refused
// with a problem naming the field.
func TestSelfCheckErrors(t *testing.T) {
	srv := newServer(t, api.Config{})
	many := func(n int) string {
		return `{"units":[` + strings.TrimSuffix(strings.Repeat(scUnit+",", n), ",") + `]}`
	}
	const csvHead = "specialty,cases,events,expected\n"
	for _, tc := range []struct {
		name, contentType, body string
		wantStatus              int
		wantParam               string // "" for errors about the request as a whole
	}{
		{"missing cases", "application/json", `{"specialty":"adult-cardiac","events":3,"expected":2.5}`, 400, "cases"},
		{"events over cases", "application/json", `{"specialty":"adult-cardiac","cases":3,"events":4,"expected":2.5}`, 400, "events"},
		{"negative events", "application/json", `{"specialty":"adult-cardiac","cases":3,"events":-1,"expected":2.5}`, 400, "events"},
		{"zero cases", "application/json", `{"specialty":"adult-cardiac","cases":0,"events":0,"expected":2.5}`, 400, "cases"},
		{"zero expected", "application/json", `{"specialty":"adult-cardiac","cases":10,"events":1,"expected":0}`, 400, "expected"},
		{"negative expected", "application/json", `{"specialty":"adult-cardiac","cases":10,"events":1,"expected":-2}`, 400, "expected"},
		{"missing expected, risk-adjusted", "application/json", `{"specialty":"adult-cardiac","cases":10,"events":1}`, 400, "expected"},
		{"null expected, risk-adjusted", "application/json", `{"specialty":"vascular","cases":10,"events":1,"expected":null}`, 400, "expected"},
		{"missing specialty", "application/json", `{"cases":10,"events":1,"expected":1}`, 400, "specialty"},
		{"unknown specialty", "application/json", `{"specialty":"cardiac","cases":10,"events":1,"expected":1}`, 400, "specialty"},
		{"unknown period", "application/json", `{"specialty":"adult-cardiac","period":"1999","cases":10,"events":1,"expected":1}`, 400, "period"},
		{"unknown procedure", "application/json", `{"specialty":"adult-cardiac","procedure":"tavi","cases":10,"events":1,"expected":1}`, 400, "procedure"},
		{"unknown unit type", "application/json", `{"specialty":"adult-cardiac","unit_type":"ward","cases":10,"events":1,"expected":1}`, 400, "unit_type"},
		{"unknown field", "application/json", `{"specialty":"adult-cardiac","cases":10,"events":1,"expectd":1}`, 400, "expectd"},
		// A string is a cell, as in a CSV file ("1,000" is 1000), so it
		// must hold a number; other JSON types are refused.
		{"cases a string", "application/json", `{"specialty":"adult-cardiac","cases":"twelve","events":1,"expected":1}`, 400, "cases"},
		{"cases a boolean", "application/json", `{"specialty":"adult-cardiac","cases":true,"events":1,"expected":1}`, 400, "cases"},
		{"cases an object", "application/json", `{"specialty":"adult-cardiac","cases":{"n":12},"events":1,"expected":1}`, 400, "cases"},
		{"cases 1,0,0", "application/json", `{"specialty":"adult-cardiac","cases":"1,0,0","events":1,"expected":1}`, 400, "cases"},
		{"cases NA", "application/json", `{"specialty":"adult-cardiac","cases":"NA","events":1,"expected":1}`, 400, "cases"},
		{"expected over cases", "application/json", `{"specialty":"adult-cardiac","cases":10,"events":1,"expected":50}`, 400, "expected"},
		{"expected and expected_rate", "application/json", `{"specialty":"adult-cardiac","cases":10,"events":1,"expected":1,"expected_rate":10}`, 400, "expected_rate"},
		{"cases a fraction", "application/json", `{"specialty":"adult-cardiac","cases":12.5,"events":1,"expected":1}`, 400, "cases"},
		{"malformed JSON", "application/json", `{"specialty":"adult-cardiac","cases":12`, 400, "body"},
		{"JSON array", "application/json", `[` + scUnit + `]`, 400, "body"},
		{"empty body", "application/json", ``, 400, "body"},
		{"empty units", "application/json", `{"units":[]}`, 400, "units"},
		{"null units", "application/json", `{"units":null}`, 400, "units"},
		{"1001 units", "application/json", many(1001), 400, "units"},
		{"units: second bad", "application/json",
			`{"units":[` + scUnit + `,{"specialty":"adult-cardiac","cases":3,"events":4,"expected":1}]}`, 400, "units[1].events"},
		{"units: third unknown specialty", "application/json",
			`{"units":[` + scUnit + `,` + scUnit + `,{"specialty":"x","cases":3,"events":1,"expected":1}]}`, 400, "units[2].specialty"},
		// encoding/json's errors do not say which element failed: the
		// handler must, like every other multi-unit error.
		{"units: second cases a string", "application/json",
			`{"units":[` + scUnit + `,{"specialty":"adult-cardiac","cases":"three","events":1,"expected":1}]}`, 400, "units[1].cases"},
		{"units: second not an object", "application/json", `{"units":[` + scUnit + `,3]}`, 400, "units[1]"},
		{"units not a list", "application/json", `{"units":` + scUnit + `}`, 400, "units"},
		{"units: second unknown field", "application/json",
			`{"units":[` + scUnit + `,{"specialty":"adult-cardiac","cases":3,"events":1,"expectd":1}]}`, 400, "units[1].expectd"},
		{"units and a unit", "application/json",
			`{"units":[` + scUnit + `],"specialty":"adult-cardiac"}`, 400, "specialty"},

		// CSV errors name the line and column as ingest does (the header
		// is line 1).
		{"csv unknown column", "text/csv", "specialty,cases,events,expected,deaths\nadult-cardiac,10,1,1,1\n", 400, "line 1, column 5"},
		{"csv missing events column", "text/csv", "specialty,cases,expected\nadult-cardiac,10,1\n", 400, "line 1"},
		{"csv missing specialty column", "text/csv", "cases,events,expected\n10,1,1\n", 400, "line 1"},
		{"csv non-numeric cases", "text/csv", csvHead + "adult-cardiac,10,1,1\nadult-cardiac,ten,1,1\n", 400, "line 3, column 2: cases"},
		{"csv non-numeric expected", "text/csv", csvHead + "adult-cardiac,10,1,two\n", 400, "line 2, column 4: expected"},
		{"csv events over cases", "text/csv", csvHead + "adult-cardiac,10,1,1\nadult-cardiac,10,11,1\n", 400, "line 3, column 3: events"},
		{"csv expected over cases", "text/csv", csvHead + "adult-cardiac,10,1,50\n", 400, "line 2, column 4: expected"},
		{"csv cases 1,0,0", "text/csv", csvHead + "adult-cardiac,\"1,0,0\",1,1\n", 400, "line 2, column 2: cases"},
		{"csv unknown period", "text/csv", "specialty,period,cases,events,expected\nadult-cardiac,1999,10,1,1\n", 400, "line 2, column 2: period"},
		{"csv period missing, unknown procedure", "text/csv", "specialty,procedure,cases,events,expected\nadult-cardiac,tavi,10,1,1\n", 400, "line 2, column 2: procedure"},
		{"csv ragged row", "text/csv", csvHead + "adult-cardiac,10,1\n", 400, "line 2"},
		{"csv binary", "text/csv", csvHead + "adult-cardiac,10,1,1\x00\n", 400, "line 2, column 21"},
		{"csv no rows", "text/csv", csvHead, 400, "line 2"},
		{"csv empty", "text/csv", "", 400, "line 1"},
		{"csv 1001 rows", "text/csv", csvHead + strings.Repeat("adult-cardiac,10,1,1\n", 1001), 400, "body"},
		// A blank line is skipped, but lines are still counted: the
		// error names the line of the file the bad cell is on.
		{"csv line after a blank line", "text/csv", csvHead + "adult-cardiac,10,1,1\n\nadult-cardiac,ten,1,1\n", 400, "line 4, column 2: cases"},
		{"csv line after a quoted newline", "text/csv",
			"specialty,unit_name,cases,events,expected\nadult-cardiac,\"Two\nlines\",10,1,1\nadult-cardiac,x,ten,1,1\n", 400, "line 4, column 3: cases"},
		{"csv line after CRLF and a quoted CRLF", "text/csv",
			"specialty,unit_name,cases,events,expected\r\nadult-cardiac,\"Two\r\nlines\",10,1,1\r\nadult-cardiac,x,ten,1,1\r\n", 400, "line 4, column 3: cases"},

		{"text/plain", "text/plain", scUnit, 415, ""},
		{"no content type", "", scUnit, 415, ""},
		{"form", "application/x-www-form-urlencoded", "cases=1", 415, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(t, srv, "/api/v1/self-check", tc.contentType, []byte(tc.body))
			p := checkProblem(t, resp, body, tc.wantStatus)
			if tc.wantStatus != http.StatusBadRequest {
				return
			}
			if !slices.Contains(p.params(), tc.wantParam) {
				t.Errorf("POST %.80s: errors name %q, want %q\n%s", tc.body, p.params(), tc.wantParam, body)
			}
		})
	}
}

// checkProblem checks a problem+json answer and decodes it.
func checkProblem(t *testing.T, resp *http.Response, body []byte, wantStatus int) scProblem {
	t.Helper()
	if resp.StatusCode != wantStatus {
		t.Fatalf("status %d %s, want %d", resp.StatusCode, body, wantStatus)
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", resp.Header.Get("Content-Type"))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	var p scProblem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem body %s does not decode: %v", body, err)
	}
	if p.Status != wantStatus || p.Type == "" || p.Title != http.StatusText(wantStatus) {
		t.Errorf("problem %s, want type, title %q, status %d", body, http.StatusText(wantStatus), wantStatus)
	}
	if wantStatus == http.StatusBadRequest {
		if len(p.Errors) == 0 {
			t.Fatalf("problem %s has no errors[], want each bad field named", body)
		}
		for _, e := range p.Errors {
			if e.Param == "" || e.Message == "" {
				t.Errorf("problem %s: error %+v, want a param and a message", body, e)
			}
		}
	}
	return p
}

// TestSelfCheckTooLarge sends bodies either side of the limit: "1M" in
// echo's BodyLimit is 1 MB, 1,000,000 bytes. Over it is a 413 whether or
// not the request says its length.
func TestSelfCheckTooLarge(t *testing.T) {
	srv := newServer(t, api.Config{})
	h := srv.Config.Handler
	const limit = 1_000_000
	// padded is a valid one-unit list of exactly n bytes.
	padded := func(n int) string {
		head, tail := `{"units":[`, scUnit+`]}`
		return head + strings.Repeat(" ", n-len(head)-len(tail)) + tail
	}
	for _, tc := range []struct {
		name          string
		size          int
		contentLength bool
		wantStatus    int
	}{
		{"at the limit", limit, true, http.StatusOK},
		{"at the limit, chunked", limit, false, http.StatusOK},
		{"one byte over", limit + 1, true, http.StatusRequestEntityTooLarge},
		{"one byte over, chunked", limit + 1, false, http.StatusRequestEntityTooLarge},
		{"2 MB", 2 * limit, true, http.StatusRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := padded(tc.size)
			req := httptest.NewRequest(http.MethodPost, "/api/v1/self-check", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if !tc.contentLength {
				req.ContentLength = -1
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if tc.wantStatus == http.StatusOK {
				if rec.Code != http.StatusOK {
					t.Fatalf("POST %d bytes = %d %s, want 200", len(body), rec.Code, rec.Body.Bytes())
				}
				return
			}
			checkProblem(t, rec.Result(), rec.Body.Bytes(), tc.wantStatus)
		})
	}
}

// syncBuffer is a bytes.Buffer that the server's goroutines may write
// while a test reads it (export_test.go).
type syncBuffer = api.SyncBuffer

// TestSelfCheckFiguresNotLogged checks that a refused submission's figures
// go nowhere but back to the submitter: its problems say what ingest would
// say, echoing the submitted value as ingest does, but the answer is not
// to be cached and the server's log has the request, not the figures.
func TestSelfCheckFiguresNotLogged(t *testing.T) {
	var log syncBuffer
	srv := newServerLogging(t, demoDB, api.Config{}, &log)
	tests := []struct {
		name, contentType, body string
	}{
		{"json events over cases", "application/json", `{"specialty":"adult-cardiac","cases":987654,"events":987655,"expected":98765.4}`},
		{"json list", "application/json", `{"units":[` + scUnit + `,{"specialty":"adult-cardiac","cases":987654,"events":987655,"expected":98765.4}]}`},
		{"json negative", "application/json", `{"specialty":"adult-cardiac","cases":987654,"events":-987654,"expected":-98765.4}`},
		{"json too many cases", "application/json", `{"specialty":"adult-cardiac","cases":9876540000,"events":1,"expected":1}`},
		{"json cases a string", "application/json", `{"specialty":"adult-cardiac","cases":"987654x","events":1,"expected":1}`},
		{"json cases a fraction", "application/json", `{"specialty":"adult-cardiac","cases":987654.5,"events":1,"expected":1}`},
		{"json cases overflow", "application/json", `{"specialty":"adult-cardiac","cases":98765400000000000000000,"events":1,"expected":1}`},
		{"json expected too big", "application/json", `{"specialty":"adult-cardiac","cases":10,"events":1,"expected":9.87654e400}`},
		{"json syntax", "application/json", `{"specialty":"adult-cardiac","cases":987654,"events":987655,`},
		{"json crude field on ratio funnel", "application/json", `{"specialty":"bariatric","cases":987654,"events":987655}`},
		{"csv events over cases", "text/csv", "specialty,cases,events,expected\nadult-cardiac,987654,987655,98765.4\n"},
		{"csv non-numeric", "text/csv", "specialty,cases,events,expected\nadult-cardiac,987654x,987655,98765.4\n"},
		{"csv expected_rate", "text/csv", "specialty,cases,events,expected,expected_rate\nadult-cardiac,987654,1,98765.4,9.87654\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(t, srv, "/api/v1/self-check", tc.contentType, []byte(tc.body))
			checkProblem(t, resp, body, http.StatusBadRequest) // no-store
		})
	}
	srv.Close() // waits for every request, and so its log line
	logged := log.String()
	if n := strings.Count(logged, "status=400"); n != len(tests) {
		t.Errorf("log has %d lines with status=400, want one per request (%d):\n%s", n, len(tests), logged)
	}
	if strings.Contains(logged, "987654") || strings.Contains(logged, "98765.4") {
		t.Errorf("log holds a submitted figure:\n%s", logged)
	}
}

// TestSelfCheckStoresNothing checks that a self-check adds no unit to the
// release and is not cached.
func TestSelfCheckStoresNothing(t *testing.T) {
	srv := newServer(t, api.Config{})
	count := func(srv *httptest.Server, path string) int {
		t.Helper()
		var env struct {
			Meta struct {
				Count int `json:"count"`
			} `json:"meta"`
		}
		getJSON(t, srv, path, &env)
		return env.Meta.Count
	}
	const hospitals = "/api/v1/hospitals?specialty=adult-cardiac"
	const search = "/api/v1/hospitals?q=zzselfcheck"
	before := count(srv, hospitals)

	body := []byte(`{"units":[{"specialty":"adult-cardiac","unit_id":"ZZSELFCHECK","unit_name":"Zzselfcheck Hospital",` +
		`"cases":500,"events":40,"expected":10},` +
		`{"specialty":"adult-cardiac","unit_type":"surgeon","unit_id":"ZZSELFCHECK2","cases":50,"events":0,"expected":1}]}`)
	resp, b := post(t, srv, "/api/v1/self-check", "application/json", body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST self-check = %d %s, want 200", resp.StatusCode, b)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("POST self-check: Cache-Control %q, want no-store", cc)
	}
	if etag := resp.Header.Get("ETag"); etag != "" {
		t.Errorf("POST self-check: ETag %q, want none", etag)
	}
	post(t, srv, "/api/v1/self-check", "text/csv",
		[]byte("specialty,unit_id,cases,events,expected\nadult-cardiac,ZZSELFCHECK3,500,40,10\n"))

	for _, s := range []*httptest.Server{srv, newServer(t, api.Config{})} { // this server, and one started afresh
		if after := count(s, hospitals); after != before {
			t.Errorf("GET %s: count %d after self-checks, want %d as before", hospitals, after, before)
		}
		if n := count(s, search); n != 0 {
			t.Errorf("GET %s: count %d, want 0: a self-checked unit was kept", search, n)
		}
		for _, path := range []string{"/api/v1/hospitals/ZZSELFCHECK", "/api/v1/surgeons/ZZSELFCHECK2",
			"/api/v1/hospitals/ZZSELFCHECK3"} {
			if resp, body := get(t, s, http.MethodGet, path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s = %d %s, want 404", path, resp.StatusCode, body)
			}
		}
	}
}

// TestSelfCheckPinned self-checks against a named release.
func TestSelfCheckPinned(t *testing.T) {
	srv := newServer(t, api.Config{})
	for _, path := range []string{"/api/v1/releases/demo/self-check", "/api/v1/self-check?release=demo",
		"/api/v1/self-check?release=latest"} {
		t.Run(path, func(t *testing.T) {
			got := selfCheck(t, srv, path, "application/json", []byte(scUnit))
			if got.Meta.Release != "demo" || len(got.Data) != 1 {
				t.Fatalf("POST %s: release %q, %d results, want demo, 1", path, got.Meta.Release, len(got.Data))
			}
			if f := got.Data[0].Funnel; !strings.HasPrefix(f, "/api/v1/releases/demo/") {
				t.Errorf("POST %s: funnel %q, want the release-pinned URL", path, f)
			}
		})
	}
	for _, tc := range []struct {
		path       string
		wantStatus int
	}{
		{"/api/v1/releases/nope/self-check", http.StatusNotFound},
		{"/api/v1/self-check?release=nope", http.StatusNotFound},
		{"/api/v1/releases/demo/self-check?release=other", http.StatusBadRequest},
		{"/api/v1/self-check?specialty=adult-cardiac", http.StatusBadRequest},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := post(t, srv, tc.path, "application/json", []byte(scUnit))
			checkProblem(t, resp, body, tc.wantStatus)
		})
	}
}

// TestSelfCheckEdgeUnits checks that a self-check result's figures are
// numbers or null, never a string or an infinity, for units at the edges:
// no events, all events, tiny expected.
func TestSelfCheckEdgeUnits(t *testing.T) {
	srv := newServer(t, api.Config{})
	body := []byte(`{"units":[` +
		`{"specialty":"adult-cardiac","cases":1,"events":0,"expected":0.0001},` +
		`{"specialty":"adult-cardiac","cases":1,"events":1,"expected":0.0001},` +
		`{"specialty":"adult-cardiac","cases":1000000000,"events":1000000000,"expected":1000000000},` +
		`{"specialty":"bariatric","unit_type":"surgeon","cases":5,"events":0,"expected":0.02}]}`)
	got := selfCheck(t, srv, "/api/v1/self-check", "application/json", body)
	for i, r := range got.Data {
		for _, f := range r.figures() {
			if f.v != nil && (math.IsNaN(*f.v) || math.IsInf(*f.v, 0)) {
				t.Errorf("units[%d].%s = %v, want a finite number or null", i, f.name, *f.v)
			}
		}
		if r.Survival != nil && r.SurvivalLow != nil && r.SurvivalHigh != nil &&
			!(0 <= *r.SurvivalLow && *r.SurvivalLow <= *r.SurvivalHigh && *r.SurvivalHigh <= 1) {
			t.Errorf("units[%d]: survival interval [%v, %v], want 0 ≤ low ≤ high ≤ 1", i, *r.SurvivalLow,
				*r.SurvivalHigh)
		}
		if !slices.Contains(fuzzBands, r.Band) {
			t.Errorf("units[%d].band = %q, want one of %v", i, r.Band, fuzzBands)
		}
	}
}

// TestSelfCheckFreeTextLabel: a self-check's unit_id is the hospital's own
// label, shown and never linked, so the release's id rule does not apply.
func TestSelfCheckFreeTextLabel(t *testing.T) {
	srv := newServer(t, api.Config{})
	body := []byte(`{"units":[{"specialty":"adult-cardiac","unit_id":"Smith J / team 2","cases":300,"events":6,"expected":6.2}]}`)
	got := selfCheck(t, srv, "/api/v1/self-check", "application/json", body)
	if len(got.Data) != 1 || got.Data[0].UnitID != "Smith J / team 2" {
		t.Errorf("self-check with a free-text label = %+v, want one result labelled as sent", got.Data)
	}
}
