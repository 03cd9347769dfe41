package api_test

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// Publisher fixtures (testdata/publishers/<name>): the publisher's CSV as
// it would print it, its mapping, and expected.csv, each unit's figures
// computed once by compute.R beside them, independently of this code.
const publishersDir = "../testdata/publishers"

// relTol is how close our figures must be to R's: both compute in
// float64 from the same printed decimals, R's written to 15 digits.
const relTol = 1e-9

// loadPublisher ingests a publisher fixture through the outcomes command,
// as a journalist would, into a new database file, and serves it.
func loadPublisher(t *testing.T, name, csvName string) (dbPath string) {
	t.Helper()
	return loadPublisherWith(t, name, filepath.Join(publishersDir, name, "mapping.toml"), csvName)
}

// loadPublisherWith is loadPublisher through another mapping: a copy of
// the fixture's, changed.
func loadPublisherWith(t *testing.T, name, mapping, csvName string) (dbPath string) {
	t.Helper()
	dbPath = filepath.Join(t.TempDir(), name+".db")
	out, err := exec.Command(outcomesBin, "ingest", "--db", dbPath, "--release", name,
		"--mapping", mapping, filepath.Join(publishersDir, name, csvName)).CombinedOutput()
	if err != nil {
		t.Fatalf("outcomes ingest %s: %v\n%s", name, err, out)
	}
	return dbPath
}

// readExpected reads a fixture's expected.csv as one map a row.
func readExpected(t *testing.T, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(publishersDir, name, "expected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// publisherRows fetches every hospital row of the release as the API's
// JSON gives them, by period and unit id.
func publisherRows(t *testing.T, srvURL func(string) (*http.Response, []byte)) map[string]map[string]any {
	t.Helper()
	resp, body := srvURL("/api/v1/hospitals?limit=1000")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET hospitals: %d %s", resp.StatusCode, body)
	}
	var env struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	rows := map[string]map[string]any{}
	for _, r := range env.Data {
		rows[r["period"].(string)+"/"+r["unit_id"].(string)] = r
	}
	return rows
}

// checkFigure compares one of our figures with R's: both undefined (null,
// an empty cell), or equal within relTol.
func checkFigure(t *testing.T, unit, field string, got any, want string) {
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
	g, ok := got.(float64)
	if !ok {
		t.Errorf("%s %s = %v, want %v", unit, field, got, w)
		return
	}
	if math.Abs(g-w) > relTol*math.Max(math.Abs(w), 1e-12) && !(w == 0 && g == 0) {
		t.Errorf("%s %s = %v, want %v (R)", unit, field, g, w)
	}
}

// checkPublisher compares every unit's p0, E, ratio, RAMR, interval and
// verdict with expected.csv, and returns the rows.
func checkPublisher(t *testing.T, name, csvName string) (map[string]map[string]any, func(string) (*http.Response, []byte)) {
	t.Helper()
	srv := newServerOn(t, loadPublisher(t, name, csvName), api.Config{})
	fetch := func(path string) (*http.Response, []byte) { return get(t, srv, http.MethodGet, path) }
	rows := publisherRows(t, fetch)
	want := readExpected(t, name)
	if len(rows) != len(want) {
		t.Errorf("%s: %d hospital rows, want %d", name, len(rows), len(want))
	}
	for _, w := range want {
		key := w["period"] + "/" + w["unit_id"]
		r, ok := rows[key]
		if !ok {
			t.Errorf("%s: no row for %s", name, key)
			continue
		}
		for _, f := range []string{"cases", "observed"} {
			field := map[string]string{"cases": "cases", "observed": "events"}[f]
			checkFigure(t, key, field, r[field], w[f])
		}
		for _, f := range []string{"target", "expected", "ratio", "ramr", "ci_low", "ci_high"} {
			checkFigure(t, key, f, r[f], w[f])
		}
		if r["verdict"] != w["verdict"] {
			t.Errorf("%s verdict = %v, want %s (R)", key, r["verdict"], w["verdict"])
		}
		if r["published_rating"] != w["published_rating"] {
			t.Errorf("%s published_rating = %v, want the publisher's %q", key, r["published_rating"], w["published_rating"])
		}
	}
	return rows, fetch
}

// TestPrintedTargetPublisher loads a publisher whose statewide rows give
// both counts and the printed statewide rate it computes with (2.27% in
// 2023, where the counts give 2.2741%): the target is the printed rate,
// so every risk-adjusted rate is the publisher's, not off by the rounding.
func TestPrintedTargetPublisher(t *testing.T) {
	rows, fetch := checkPublisher(t, "printed-target", "cabg-hospitals.csv")
	// Each year's funnel says its target is the publisher's printed rate.
	for _, f := range funnels(t, fetch, "/api/v1/specialties/adult-cardiac/funnel?unit_type=hospital") {
		want := map[any]float64{"2022": 0.0231, "2023": 0.0227}[f["period"]]
		if f["target"] != want || f["target_source"] != "national" {
			t.Errorf("funnel %v: target %v from %v, want %v from national", f["period"], f["target"], f["target_source"], want)
		}
	}
	want := readExpected(t, "printed-target")
	differ := 0
	for _, w := range want {
		r := rows[w["period"]+"/"+w["unit_id"]]
		// The publisher's own RAMR, printed to 2 decimals per 100, is
		// ours rounded so; with the counts' rate it would not always be.
		pub, _ := r["published_rate"].(float64)
		if ours := r["ramr"].(float64) * 100; math.Abs(ours-pub) > 0.005+1e-9 {
			t.Errorf("%s/%s ramr %v%%, publisher printed %v%%", w["period"], w["unit_id"], ours, pub)
		}
		if w["ramr"] != w["ramr_counts"] {
			differ++
		}
	}
	// The test can tell the printed rate from the counts' rate.
	if differ == 0 {
		t.Errorf("expected.csv's RAMR with the printed target never differs from the counts' target")
	}
}

// funnels fetches the API's funnels at path.
func funnels(t *testing.T, fetch func(string) (*http.Response, []byte), path string) []map[string]any {
	t.Helper()
	resp, body := fetch(path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	var env struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	if len(env.Data) == 0 {
		t.Fatalf("GET %s: no funnels", path)
	}
	return env.Data
}

// TestRAMROnlyPublisher loads a publisher that prints deaths, operations,
// each hospital's risk-adjusted rate and the statewide rate, but no
// expected deaths: E = O·p0/RAMR for every hospital with deaths, as R
// computes it, and the three with none are not assessable everywhere: in
// the JSON and the CSV (no expected, ratio, interval or verdict), on the
// funnel (no point) and on the specialty page (listed apart, with the
// reason and the publisher's rating, not drawn).
func TestRAMROnlyPublisher(t *testing.T) {
	rows, fetch := checkPublisher(t, "ramr-only", "isolated-cabg.csv")
	notAssessable := map[string]string{"F02": "Birchwood Medical Center", "F04": "Dunmore Regional",
		"F08": "Hawthorn Memorial"}
	for id := range notAssessable {
		r := rows["2021-2023/"+id]
		if r["band"] != "not_assessable" || r["verdict"] != "not_assessed" ||
			r["band_label"] != "Not assessable from the published figures" || r["verdict_label"] != "Not assessed" {
			t.Errorf("%s: band %v (%v), verdict %v (%v); want not_assessable, not_assessed", id, r["band"],
				r["band_label"], r["verdict"], r["verdict_label"])
		}
		for _, f := range []string{"expected", "ratio", "ramr", "survival", "ci_low", "ci_high", "lower_95",
			"upper_95", "p_high", "p_low", "funnel_x", "funnel_y"} {
			if r[f] != nil {
				t.Errorf("%s %s = %v, want null: a unit not assessable has no comparison", id, f, r[f])
			}
		}
		if r["cases"] == nil || r["events"] != 0.0 || r["published_rating"] == "" {
			t.Errorf("%s: cases %v, events %v, rating %q; want the publisher's counts and rating shown",
				id, r["cases"], r["events"], r["published_rating"])
		}
	}

	// The CSV says the same.
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
	for _, rec := range recs[1:] {
		_, na := notAssessable[rec[col["unit_id"]]]
		if got := rec[col["band"]] == "not_assessable"; got != na {
			t.Errorf("CSV %s: band %s", rec[col["unit_id"]], rec[col["band"]])
		}
		if na && (rec[col["expected"]] != "" || rec[col["ratio"]] != "" || rec[col["funnel_y"]] != "") {
			t.Errorf("CSV %s: expected %q, ratio %q, funnel_y %q; want empty", rec[col["unit_id"]],
				rec[col["expected"]], rec[col["ratio"]], rec[col["funnel_y"]])
		}
	}

	// Not on the funnel, and not counted as judged.
	f := funnels(t, fetch, "/api/v1/specialties/adult-cardiac/funnel?unit_type=hospital")[0]
	points := f["points"].([]any)
	if len(points) != 11 {
		t.Errorf("funnel has %d points, want the 11 hospitals with deaths", len(points))
	}
	for _, p := range points {
		if _, na := notAssessable[p.(map[string]any)["unit_id"].(string)]; na {
			t.Errorf("funnel point %v: a unit not assessable is on the funnel", p)
		}
	}
	// Assessed: every unit but the not assessable and the too_few (F06, F09).
	if f["assessed"] != 9.0 || f["target"] != 0.0227 {
		t.Errorf("funnel assessed %v, target %v; want 9 and the printed 0.0227", f["assessed"], f["target"])
	}

	// The specialty page lists them apart, with the reason, and its chart
	// does not draw them.
	resp, page := fetch("/specialties/adult-cardiac?procedure=cabg&period=2021-2023&unit=hospital")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("specialty page: %d", resp.StatusCode)
	}
	html := string(page)
	table, _, ok := strings.Cut(html[strings.Index(html, `id="too-few"`):], "</table>")
	if !ok || !strings.Contains(html, "3 could not be assessed from the published figures") ||
		!strings.Contains(table, "none could be worked out from what it gave") {
		t.Errorf("specialty page does not say which hospitals are not assessable, and why")
	}
	svg, _, _ := strings.Cut(html[strings.Index(html, "<svg"):], "</svg>")
	if !strings.Contains(svg, "Alder General") {
		t.Errorf("specialty page: the chart does not name the hospitals it draws, so the test below tells nothing")
	}
	for id, name := range notAssessable {
		if !strings.Contains(table, name) || !strings.Contains(table, "Not assessable from the published figures") {
			t.Errorf("specialty page: %s (%s) is not listed apart as not assessable", name, id)
		}
		if strings.Contains(svg, name) {
			t.Errorf("specialty page: the chart draws %s, which is not assessable", name)
		}
	}
}
