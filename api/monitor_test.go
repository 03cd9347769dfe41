package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// monitorFile is a hospital's file of two surgeons: S1's first seven
// operations, at 5% predicted risk, all die (each adds ln 2 − ln 1.05 =
// 0.644 to S1's deterioration chart, which signals at the seventh,
// 4.51 ≥ 4.5); S2's 60 operations at 30% risk all survive (each takes
// ln(1 − 0.15) = −0.1625 off the improvement chart: −4.06 at the 25th).
func monitorFile() []byte {
	var b bytes.Buffer
	b.WriteString("date,died,risk,surgeon_id\r\n")
	for i := range 60 {
		day := fmt.Sprintf("2025-%02d-%02d", 1+i/28, 1+i%28)
		died := 0
		if i < 7 {
			died = 1
		}
		fmt.Fprintf(&b, "%s,%d,0.05,S1\r\n%s,0,0.3,S2\r\n", day, died, day)
	}
	return b.Bytes()
}

type monitorJSON struct {
	Data struct {
		Settings map[string]float64 `json:"settings"`
		Charts   []struct {
			SurgeonID  *string `json:"surgeon_id"`
			Operations int     `json:"operations"`
			Deaths     int     `json:"deaths"`
			Expected   float64 `json:"expected"`
			UpperLimit float64 `json:"upper_limit"`
			LowerLimit float64 `json:"lower_limit"`
			Signals    []struct {
				Date, Chart     string
				Operation, Line int
			} `json:"signals"`
			Points []struct {
				Date               string   `json:"date"`
				Died               int      `json:"died"`
				Risk               float64  `json:"risk"`
				ScoreDeterioration float64  `json:"score_deterioration"`
				ScoreImprovement   float64  `json:"score_improvement"`
				CUSUMDeterioration float64  `json:"cusum_deterioration"`
				CUSUMImprovement   float64  `json:"cusum_improvement"`
				VLAD               float64  `json:"vlad"`
				Signals            []string `json:"signals"`
			} `json:"points"`
		} `json:"charts"`
	} `json:"data"`
}

func TestMonitorJSON(t *testing.T) {
	srv := newServer(t, api.Config{})
	resp, body := post(t, srv, "/api/v1/monitor", "text/csv", monitorFile())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/v1/monitor = %d %s", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	var m monitorJSON
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"r_deterioration": 2, "h_deterioration": 4.5, "r_improvement": 0.5, "h_improvement": 4}
	if fmt.Sprint(m.Data.Settings) != fmt.Sprint(want) {
		t.Errorf("settings %v, want %v", m.Data.Settings, want)
	}
	ch := m.Data.Charts
	if len(ch) != 3 || ch[0].SurgeonID != nil || *ch[1].SurgeonID != "S1" || *ch[2].SurgeonID != "S2" {
		t.Fatalf("charts: want the whole file, then S1, then S2; got %d", len(ch))
	}
	if ch[0].Operations != 120 || ch[0].Deaths != 7 || math.Abs(ch[0].Expected-(60*0.05+60*0.3)) > 1e-9 ||
		ch[0].UpperLimit != 4.5 || ch[0].LowerLimit != -4 || len(ch[0].Points) != 120 {
		t.Errorf("whole file: %d operations, %d deaths, %v expected, limits %v %v", ch[0].Operations, ch[0].Deaths,
			ch[0].Expected, ch[0].UpperLimit, ch[0].LowerLimit)
	}
	s1 := ch[1]
	if len(s1.Signals) != 1 || s1.Signals[0].Date != "2025-01-07" || s1.Signals[0].Chart != "deterioration" ||
		s1.Signals[0].Operation != 7 || s1.Signals[0].Line != 14 {
		t.Errorf("S1 signals %+v, want deterioration on 2025-01-07, operation 7, line 14", s1.Signals)
	}
	p := s1.Points[6]
	w := math.Log(2) - math.Log(1.05)
	if math.Abs(p.ScoreDeterioration-w) > 1e-12 || math.Abs(p.CUSUMDeterioration-7*w) > 1e-12 ||
		!slices.Equal(p.Signals, []string{"deterioration"}) || s1.Points[7].CUSUMDeterioration != 0 {
		t.Errorf("S1 at the signal %+v, then %v", p, s1.Points[7].CUSUMDeterioration)
	}
	if v := s1.Points[59].VLAD; math.Abs(v-(60*0.05-7)) > 1e-9 {
		t.Errorf("S1 VLAD at the end %v, want %v", v, 60*0.05-7)
	}
	var dates []string
	for _, s := range ch[2].Signals {
		if s.Chart != "improvement" {
			t.Errorf("S2 signal %+v: want improvement", s)
		}
		dates = append(dates, s.Date)
	}
	if !slices.Equal(dates, []string{"2025-01-25", "2025-02-22"}) {
		t.Errorf("S2 improvement signals on %v, want operations 25 and 50", dates)
	}
	if ip := ch[2].Points[24]; ip.CUSUMImprovement > -4 || ip.ScoreImprovement <= 0 {
		t.Errorf("S2 at its signal %+v: want at or below −4, a survival scoring above 0", ip)
	}

	// A lower limit signals sooner: at the fourth death (4 × 0.644 ≥ 2),
	// and the three after it (1.93) do not reach it again.
	_, body = post(t, srv, "/api/v1/monitor?h_deterioration=2", "text/csv", monitorFile())
	m = monitorJSON{}
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if s := m.Data.Charts[1].Signals; len(s) != 1 || s[0].Operation != 4 || m.Data.Settings["h_deterioration"] != 2 {
		t.Errorf("h = 2: S1 signals %+v, want one, at operation 4", s)
	}
}

func TestMonitorCSV(t *testing.T) {
	srv := newServer(t, api.Config{})
	resp, body := post(t, srv, "/api/v1/monitor", "text/csv", monitorFile(), "Accept", "text/csv")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHead := []string{"surgeon_id", "operation", "date", "died", "risk", "score_deterioration", "score_improvement",
		"cusum_deterioration", "cusum_improvement", "vlad", "signal"}
	if !slices.Equal(recs[0], wantHead) || len(recs) != 1+120+60+60 {
		t.Fatalf("header %v, %d rows", recs[0], len(recs))
	}
	var signals []string
	for _, r := range recs[1:] {
		if r[10] != "" {
			signals = append(signals, r[0]+" "+r[1]+" "+r[2]+" "+r[10])
		}
	}
	want := []string{"S1 7 2025-01-07 deterioration", "S2 25 2025-01-25 improvement", "S2 50 2025-02-22 improvement"}
	// The whole file's charts: the deaths of S1 among S2's survivals.
	got := slices.DeleteFunc(slices.Clone(signals), func(s string) bool { return strings.HasPrefix(s, " ") })
	if !slices.Equal(got, want) {
		t.Errorf("surgeons' signals %q, want %q", got, want)
	}
}

func TestMonitorImages(t *testing.T) {
	srv := newServer(t, api.Config{})
	resp, body := post(t, srv, "/api/v1/monitor?surgeon=S1", "text/csv", monitorFile(), "Accept", "image/svg+xml")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("SVG: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `inline; filename="monitoring-S1-`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	var title, desc string
	signals := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "title", "desc":
				var s string
				if err := dec.DecodeElement(&s, &se); err != nil {
					t.Fatal(err)
				}
				if se.Name.Local == "title" && title == "" {
					title = s
				} else if se.Name.Local == "desc" && desc == "" {
					desc = s
				}
			case "g":
				for _, a := range se.Attr {
					if a.Name.Local == "class" && a.Value == "signal" {
						signals++
					}
				}
			}
		}
	}
	if title != "Risk-adjusted CUSUM and VLAD: Surgeon S1" || signals != 1 ||
		!strings.Contains(desc, "signalled once, on 7 January 2025") {
		t.Errorf("title %q, %d signals, desc %q", title, signals, desc)
	}

	resp, body = post(t, srv, "/api/v1/monitor", "text/csv", monitorFile(), "Accept", "image/png")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("PNG: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil || img.Bounds().Dx() < 1000 {
		t.Errorf("PNG: %v, %v", err, img.Bounds())
	}

	resp, body = post(t, srv, "/api/v1/monitor?surgeon=S9", "text/csv", monitorFile(), "Accept", "image/png")
	if p := checkProblem(t, resp, body, http.StatusBadRequest); p.Errors[0].Param != "surgeon" {
		t.Errorf("unknown surgeon: %s", body)
	}
}

func TestMonitorErrors(t *testing.T) {
	srv := newServer(t, api.Config{})
	resp, body := post(t, srv, "/api/v1/monitor", "text/csv",
		[]byte("\ufeffdate,died,risk\n2025-01-02,0,0.1\n2025-01-01,2,1.5\n2025-13-01,0,0\n2025-02-01,0\n"))
	p := checkProblem(t, resp, body, http.StatusBadRequest)
	var got []string
	for _, e := range p.Errors {
		got = append(got, e.Param+": "+e.Message)
	}
	want := []string{
		"line 3, column 1: date: dates out of order: 2025-01-01 is before 2025-01-02 on line 2; sort the rows by date",
		`line 3, column 2: died: must be 0 (survived) or 1 (died), not "2"`,
		"line 3, column 3: risk: 1.5 is not between 0 and 1: give the risk as a probability (1.5% is 0.015)",
		`line 4, column 1: date: "2025-13-01" is not a date written YYYY-MM-DD (for example 2025-03-31)`,
		"line 4, column 3: risk: 0 is not between 0 and 1 (a predicted risk of exactly 0 or 1 cannot be charted)",
		"line 5: has 2 fields, the header has 3",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	resp, body = post(t, srv, "/api/v1/monitor?h_deterioration=0&r_improvement=2", "text/csv", monitorFile())
	if p := checkProblem(t, resp, body, http.StatusBadRequest); !slices.Equal(p.params(), []string{"h_deterioration", "r_improvement"}) {
		t.Errorf("settings: %s", body)
	}
	resp, body = post(t, srv, "/api/v1/monitor", "application/json", []byte(`{}`))
	checkProblem(t, resp, body, http.StatusUnsupportedMediaType)
	resp, body = post(t, srv, "/api/v1/monitor", "text/csv", bytes.Repeat([]byte("2025-01-01,0,0.1\n"), 70_000))
	checkProblem(t, resp, body, http.StatusRequestEntityTooLarge)
}

// TestMonitorNotLogged checks that an uploaded file goes nowhere but back
// to its sender: the log has each request, none of the file.
func TestMonitorNotLogged(t *testing.T) {
	var log syncBuffer
	srv := newServerLogging(t, demoDB, api.Config{}, &log)
	secret := []byte("date,died,risk,surgeon_id\n2031-07-19,0,0.0987654,ZZSECRETSURGEON\n")
	bad := []byte("date,died,risk\n2031-07-19,7,0.0987654\n")
	for _, c := range []struct {
		body   []byte
		accept string
		status int
	}{{secret, "", 200}, {secret, "text/csv", 200}, {secret, "image/svg+xml", 200}, {bad, "", 400}} {
		resp, body := post(t, srv, "/api/v1/monitor", "text/csv", c.body, "Accept", c.accept)
		if resp.StatusCode != c.status || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%d %q %s", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
		}
	}
	form, ct := multipartBody(t, "file", "ours.csv", secret)
	resp, body := post(t, srv, "/monitor", ct, form)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" ||
		!bytes.Contains(body, []byte("ZZSECRETSURGEON")) {
		t.Errorf("page: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	srv.Close()
	logged := log.String()
	if n := strings.Count(logged, "path=/api/v1/monitor"); n != 4 {
		t.Errorf("log has %d monitor requests, want 4:\n%s", n, logged)
	}
	for _, s := range []string{"ZZSECRETSURGEON", "0.0987654", "2031-07-19"} {
		if strings.Contains(logged, s) {
			t.Errorf("log holds %q from the file:\n%s", s, logged)
		}
	}
}

// TestMonitorPage uploads a file through the page's form and follows its
// exports.
func TestMonitorPage(t *testing.T) {
	srv := newServer(t, api.Config{})
	resp, body := get(t, srv, http.MethodGet, "/monitor")
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`name="file"`)) {
		t.Fatalf("GET /monitor = %d", resp.StatusCode)
	}
	form, ct := multipartBody(t, "file", "ours.csv", monitorFile())
	resp, body = post(t, srv, "/monitor", ct, form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /monitor = %d %s", resp.StatusCode, body)
	}
	page := string(body)
	for _, s := range []string{"<h2 id=\"chart-0\">All operations in the file</h2>", "<h2 id=\"chart-1\">Surgeon S1</h2>",
		"<td>1</td><td>2025-01-07</td><td>Worse than predicted</td><td>7</td><td>14</td>", "<svg", "A signal is a prompt to look, not proof",
		"signalled once, on 7 January 2025"} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if n := strings.Count(page, `class="signal"`); n < 3 {
		t.Errorf("%d signal markers on the page", n)
	}
	// The export forms carry the operations back.
	m := regexp.MustCompile(`<input type="hidden" name="operations" value="([^"]*)">`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no export form")
	}
	ops := strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#43;", "+").Replace(m[1])
	for _, path := range []string{"/monitor/results.csv", "/monitor/chart.svg", "/monitor/chart.png"} {
		form, ct := multipartBody(t, "operations", "", []byte(ops))
		resp, body := post(t, srv, path, ct, form)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
			t.Errorf("POST %s = %d %q %.200s", path, resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
		}
		if path == "/monitor/results.csv" && !bytes.Contains(body, []byte("S1,7,2025-01-07,1,0.05,")) {
			t.Errorf("results CSV lacks S1's signal row")
		}
	}
	// A bad file is the form again, its problems linked to the upload.
	form, ct = multipartBody(t, "paste", "", []byte("date,died,risk\n2025-01-01,0,5\n"))
	resp, body = post(t, srv, "/monitor", ct, form)
	if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte(`<a href="#file">Your operations</a>: line 2, column 3: risk: 5 is not between 0 and 1`)) {
		t.Errorf("bad paste: %d %s", resp.StatusCode, body)
	}
}
