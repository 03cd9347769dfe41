package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestCorrections ingests a release with its publication dates, a newer
// release, and then a correction of the first, through the outcomes
// command, and checks what the API says of each: the dates; the
// correction and what it corrects, in both releases and in the log; the
// superseded release still served, each of its answers naming the
// correction; the correction of last year's figures not becoming the
// latest; and the refusals (a second correction of the same release, a
// note without a correction, an impossible date).
func TestCorrections(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	vascular, err := os.ReadFile("../demo/vascular.csv")
	if err != nil {
		t.Fatal(err)
	}
	fixed := filepath.Join(dir, "vascular-fixed.csv")
	// The correction changes one count: a death that was missed.
	lines := strings.SplitN(string(vascular), "\n", 3)
	f := strings.Split(lines[1], ",")
	header := strings.Split(lines[0], ",")
	for i, h := range header {
		if h == "events" {
			f[i] = f[i] + "1" // 2 → 21, a big enough change to see
		}
	}
	if err := os.WriteFile(fixed, []byte(lines[0]+"\n"+strings.Join(f, ",")+"\n"+lines[2]), 0o644); err != nil {
		t.Fatal(err)
	}
	ingest := func(wantCode int, args ...string) string {
		t.Helper()
		out, err := exec.Command(outcomesBin, append([]string{"ingest", "--db", db}, args...)...).CombinedOutput()
		code := 0
		if e, ok := err.(*exec.ExitError); ok {
			code = e.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != wantCode {
			t.Fatalf("ingest %v = %d, want %d\n%s", args, code, wantCode, out)
		}
		return string(out)
	}
	ingest(0, "--release", "2024", "--published", "2024-03-28", "--next-update", "2025-03-27", "../demo/vascular.csv")
	ingest(0, "--release", "2025", "../demo/urology.csv")
	ingest(0, "--release", "2024-r2", "--corrects", "2024", "--note", "A death at one trust was missed.", fixed)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--corrects", "2024", "--note", "Again.", "../demo/colorectal.csv"}, 1, "--corrects 2024: it was already corrected by release 2024-r2; correct that one instead"},
		{[]string{"--corrects", "2023", "--note", "No such.", "../demo/colorectal.csv"}, 1, "--corrects 2023: no such release"},
		{[]string{"--note", "Why?", "../demo/colorectal.csv"}, 2, "--note says what a correction corrects: give --corrects RELEASE with it"},
		{[]string{"--corrects", "2025", "../demo/colorectal.csv"}, 2, "--corrects 2025 needs --note saying what was wrong"},
		{[]string{"--published", "2025-02-29", "../demo/colorectal.csv"}, 2, `--published "2025-02-29": want a date written YYYY-MM-DD`},
		{[]string{"--published", "2025-03-01", "--next-update", "2025-02-01", "../demo/colorectal.csv"}, 2, "--next-update 2025-02-01 is before --published 2025-03-01"},
	} {
		if out := ingest(tc.code, tc.args...); !strings.Contains(out, tc.want) {
			t.Errorf("ingest %v: %q, want %q", tc.args, out, tc.want)
		}
	}

	srv := newServerOn(t, db, api.Config{})
	fetch := func(path string) (http.Header, map[string]any) {
		t.Helper()
		resp, body := get(t, srv, http.MethodGet, path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		var env map[string]any
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatal(err)
		}
		return resp.Header, env
	}
	_, index := fetch("/api/v1/")
	if got := index["data"].(map[string]any)["latest_release"]; got != "2025" {
		t.Errorf("latest release = %v, want 2025: a correction of 2024's figures takes 2024's place, not the newest's", got)
	}
	_, old := fetch("/api/v1/releases/2024")
	d := old["data"].(map[string]any)
	if d["published_on"] != "2024-03-28" || d["next_update"] != "2025-03-27" || d["corrects"] != nil {
		t.Errorf("release 2024: published %v, next update %v, corrects %v", d["published_on"], d["next_update"], d["corrects"])
	}
	sup, _ := d["superseded_by"].(map[string]any)
	if sup["release"] != "2024-r2" || sup["note"] != "A death at one trust was missed." || sup["link"] != "/api/v1/releases/2024-r2" {
		t.Errorf("release 2024 superseded_by = %v", d["superseded_by"])
	}
	if c := d["citation"].(string); !strings.Contains(c, "Release 2024, published 2024-03-28") ||
		!strings.Contains(c, d["sha256"].(string)) || !strings.Contains(c, "Superseded by release 2024-r2") {
		t.Errorf("release 2024 citation = %q", c)
	}
	// Every answer of the superseded release says so, and is not cached
	// as immutable: it changed when the correction came.
	h, units := fetch("/api/v1/releases/2024/specialties/vascular/hospitals")
	meta := units["meta"].(map[string]any)
	if sup, _ := meta["superseded_by"].(map[string]any); sup["release"] != "2024-r2" {
		t.Errorf("pinned answer of 2024: meta.superseded_by = %v", meta["superseded_by"])
	}
	if cc := h.Get("Cache-Control"); cc != "public, max-age=86400" {
		t.Errorf("pinned Cache-Control = %q, want a day, not immutable", cc)
	}
	_, fix := fetch("/api/v1/releases/2024-r2")
	d = fix["data"].(map[string]any)
	corr, _ := d["corrects"].(map[string]any)
	if corr["corrects"] != "2024" || corr["release"] != "2024-r2" || corr["note"] != "A death at one trust was missed." ||
		d["superseded_by"] != nil || fix["meta"].(map[string]any)["superseded_by"] != nil {
		t.Errorf("release 2024-r2: corrects %v, superseded_by %v", d["corrects"], d["superseded_by"])
	}
	_, log := fetch("/api/v1/corrections")
	entries := log["data"].([]any)
	if len(entries) != 1 || entries[0].(map[string]any)["corrects"] != "2024" {
		t.Errorf("corrections log = %v, want the one correction of 2024", entries)
	}
	_, latest := fetch("/api/v1/releases/2025/specialties")
	if latest["meta"].(map[string]any)["superseded_by"] != nil {
		t.Errorf("release 2025 says it was superseded")
	}

	// What the correction changed: the one row's unit, in its own period,
	// its deaths as corrected; every other change is a unit summed from
	// it (a hospital summed from its surgeons' rows), in the same group.
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	_, ch := fetch("/api/v1/releases/2024-r2/changes?since=2024")
	changes := ch["data"].(map[string]any)["changes"].([]any)
	var found bool
	for _, x := range changes {
		c := x.(map[string]any)
		if c["period"] != c["since_period"] || c["period"] != f[col["period"]] || c["specialty"] != "vascular" ||
			c["kind"] == "added" || c["kind"] == "gone" {
			t.Errorf("change %v: a correction of one row changes only its own period's units", c)
		}
		if c["unit_id"] == f[col["unit_id"]] && c["unit_type"] == f[col["unit_type"]] {
			found = true
			old, _ := strconv.Atoi(strings.TrimSuffix(f[col["events"]], "1"))
			if c["since_events"] != float64(old) || c["events"] != float64(old*10+1) {
				t.Errorf("change of %s: events %v from %v, want %d from %d", c["unit_id"], c["events"], c["since_events"], old*10+1, old)
			}
		}
	}
	if !found || len(changes) > 3 {
		t.Errorf("changes since 2024: %d, the corrected unit found %v; want it, and at most its hospital and procedure sums beside it", len(changes), found)
	}
	// The same as CSV, a row for each.
	resp, body := get(t, srv, http.MethodGet, "/api/v1/releases/2024-r2/changes.csv?since=2024")
	if lines := strings.Split(strings.TrimSpace(string(body)), "\r\n"); resp.StatusCode != http.StatusOK ||
		len(lines) != len(changes)+1 || !strings.HasPrefix(lines[0], "kind,specialty,procedure,unit_type,unit_id") {
		t.Errorf("changes.csv: %d, %d lines, want %d", resp.StatusCode, len(lines), len(changes)+1)
	}
	// Across releases with no period in common, every unit of a funnel one
	// has and the other has not is added or gone.
	_, ch = fetch("/api/v1/releases/2025/changes?since=2024")
	for _, x := range ch["data"].(map[string]any)["summary"].([]any) {
		sum := x.(map[string]any)
		switch sum["specialty"] {
		case "vascular":
			if sum["gone"] == 0.0 || sum["added"] != 0.0 || sum["band"] != 0.0 {
				t.Errorf("2025 since 2024, vascular: %v; want every unit gone", sum)
			}
		case "urology":
			if sum["added"] == 0.0 || sum["gone"] != 0.0 {
				t.Errorf("2025 since 2024, urology: %v; want every unit added", sum)
			}
		default:
			t.Errorf("2025 since 2024: %v", sum)
		}
	}
	if resp, _ := get(t, srv, http.MethodGet, "/api/v1/releases/2025/changes?since=1999"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("changes since a release that does not exist: %d, want 400", resp.StatusCode)
	}

	// The corrected unit's history: its period in both releases, the
	// superseded one first and naming the correction, with the caution.
	path := "/api/v1/" + f[col["unit_type"]] + "s/" + f[col["unit_id"]] + "/history"
	_, hist := fetch(path)
	hd := hist["data"].(map[string]any)
	var releases []string
	for _, x := range hd["points"].([]any) {
		p := x.(map[string]any)
		if p["specialty"] == "vascular" && p["procedure"] == f[col["procedure"]] && p["period"] == f[col["period"]] {
			releases = append(releases, p["release"].(string)+"/"+fmt.Sprint(p["superseded_by"])+"/"+fmt.Sprint(p["events"]))
		}
	}
	was, _ := strconv.Atoi(strings.TrimSuffix(f[col["events"]], "1"))
	if want := []string{fmt.Sprintf("2024/2024-r2/%d", was), fmt.Sprintf("2024-r2/<nil>/%d", was*10+1)}; !slices.Equal(releases, want) ||
		!strings.Contains(hd["caution"].(string), "share patients") {
		t.Errorf("history %s: %v, want %v, and the caution", path, releases, want)
	}
	resp, body = get(t, srv, http.MethodGet, path+".csv")
	if lines := strings.Split(strings.TrimSpace(string(body)), "\r\n"); resp.StatusCode != http.StatusOK ||
		len(lines) != len(hd["points"].([]any))+1 || !strings.HasPrefix(lines[0], "release,superseded_by,unit_type,unit_id") {
		t.Errorf("history.csv: %d, %d lines, want %d", resp.StatusCode, len(lines), len(hd["points"].([]any))+1)
	}
	if resp, _ := get(t, srv, http.MethodGet, "/api/v1/surgeons/0000000/history"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("history of no one: %d, want 404", resp.StatusCode)
	}

	// The pages: the index lists every release and the correction; the
	// superseded release's page says so and links the correction; the
	// correction's page counts what it changed, as the API does.
	pages := []struct{ path, want string }{
		{"/releases", `<a href="/releases/2024-r2">2024-r2</a> corrects <a href="/releases/2024">2024</a>: A death at one trust was missed.`},
		{"/releases", "Corrected by <a href=\"/releases/2024-r2\">2024-r2</a>."},
		{"/releases/2024", `This release was corrected.</strong> Release <a href="/releases/2024-r2">2024-r2</a> replaces it: A death at one trust was missed.`},
		{"/releases/2024", "28 March 2024"},
		{"/releases/2024-r2", "This release corrects release"},
		{"/releases/2024-r2", "This is an older release. The latest is <a href=\"/releases/2025\">2025</a>"},
		// Any release's pages: said to be older, or corrected, with a link
		// to the same page in the latest, and their links kept in it.
		{"/specialties/vascular?release=2024-r2", "<strong>You are looking at an older release</strong>"},
		{"/specialties/vascular?release=2024-r2", `href="/specialties/vascular">See this page in the latest release</a> (2025)`},
		{"/specialties/vascular?release=2024-r2", `?release=2024-r2"`},
		{"/specialties/vascular?release=2024", `<strong>This release was corrected.</strong> Release <a href="/releases/2024-r2">2024-r2</a> replaces it`},
		{"/surgeons/" + f[col["unit_id"]] + "?release=2024", "&amp;release=2024"},
		// The unit's page: its result in every release, the corrected one
		// said to be.
		{"/" + f[col["unit_type"]] + "s/" + f[col["unit_id"]] + "?release=2024-r2", "This result in every release"},
		{"/" + f[col["unit_type"]] + "s/" + f[col["unit_id"]] + "?release=2024-r2", `(corrected by <a href="/releases/2024-r2">2024-r2</a>)`},
	}
	// A unit the latest release does not have is sent to the newest
	// release that has it, not lost.
	unitPath := "/" + f[col["unit_type"]] + "s/" + f[col["unit_id"]]
	if resp, body := get(t, srv, http.MethodGet, unitPath); resp.StatusCode != http.StatusOK ||
		resp.Request.URL.RequestURI() != unitPath+"?release=2024-r2" || !strings.Contains(string(body), "older release") {
		t.Errorf("a unit only in older releases: %d at %s, want its page in its newest release", resp.StatusCode, resp.Request.URL)
	}
	if resp, _ := get(t, srv, http.MethodGet, "/specialties/vascular?release=1999"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a page of a release that does not exist: %d, want 404", resp.StatusCode)
	}
	if _, body := get(t, srv, http.MethodGet, "/specialties/urology"); strings.Contains(string(body), "older release") {
		t.Errorf("the latest release's page says it is older")
	}
	for _, p := range pages {
		resp, body := get(t, srv, http.MethodGet, p.path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), p.want) {
			t.Errorf("GET %s: %d, want %q on it", p.path, resp.StatusCode, p.want)
		}
	}
	_, page := get(t, srv, http.MethodGet, "/releases/2024-r2")
	_, fixChanges := fetch("/api/v1/releases/2024-r2/changes?since=2024")
	s0 := fixChanges["data"].(map[string]any)["summary"].([]any)[0].(map[string]any)
	want := fmt.Sprintf(`<th scope="row">Vascular surgery</th><td class="num">0</td><td class="num">0</td><td class="num">%v</td><td class="num">%v</td>`, s0["band"], s0["figures"])
	if !strings.Contains(string(page), want) {
		t.Errorf("release page 2024-r2 does not count the changes as the API does: want %s", want)
	}
	// and lists them unit by unit, the corrected unit among them.
	if !strings.Contains(string(page), ">"+f[col["unit_name"]]+"</a></th>") || !strings.Contains(string(page), "changed</td>") {
		t.Errorf("release page 2024-r2 does not list the corrected unit %s", f[col["unit_name"]])
	}
}
