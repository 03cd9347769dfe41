package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/store"
)

// runCmd runs the program as main would, returning its exit status and
// output.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	code = exitCode(err, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodCSV = `specialty,period,unit_type,unit_id,unit_name,cases,events,expected
vascular,2024,surgeon,9000001,Dr Orla Fernwhistle,30,1,0.9
vascular,2024,surgeon,9000002,Mr Tobias Quillbrook,25,0,0.7
`

func TestUsage(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no command", nil, 2, "no command given"},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"no files", []string{"ingest"}, 2, "no input files"},
		{"unknown profile", []string{"ingest", "--profile", "nope", "x.csv"}, 2, `unknown profile "nope"`},
		{"profile and mapping", []string{"ingest", "--profile", "canonical", "--mapping", "m.toml", "x.csv"}, 2, "not both"},
		{"unknown flag", []string{"releases", "--nope"}, 2, "flag provided but not defined"},
		{"help", []string{"help"}, 0, "usage:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit status = %d, want %d (stderr %q)", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantErr)
			}
		})
	}
}

func TestIngestAndReleases(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	good := writeFile(t, dir, "good.csv", goodCSV)

	// Flags may follow the file.
	code, stdout, stderr := runCmd(t, "ingest", good, "--db", db, "--release", "r1", "--title", "First")
	if code != 0 {
		t.Fatalf("ingest: exit status %d, stderr %q", code, stderr)
	}
	if want := "good.csv: 2 rows loaded, 0 skipped, release r1 (utf-8)"; !strings.Contains(stdout, want) {
		t.Errorf("ingest stdout = %q, want %q", stdout, want)
	}

	code, stdout, _ = runCmd(t, "ingest", "--db", db, good)
	if code != 0 || !strings.Contains(stdout, "already loaded: release r1") {
		t.Errorf("second ingest = %d, %q; want 0 and already loaded: release r1", code, stdout)
	}

	bad := writeFile(t, dir, "bad.csv", goodCSV+"vascular,2024,surgeon,9000003,Ms Ada Reedling,10,11,0.3\n")
	code, _, stderr = runCmd(t, "ingest", "--db", db, bad)
	if code != 1 {
		t.Errorf("bad ingest exit status = %d, want 1", code)
	}
	for _, want := range []string{bad + ":4:7: events: events (11) exceed cases (10)", "the database is unchanged"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("bad ingest stderr = %q, want it to contain %q", stderr, want)
		}
	}

	code, stdout, _ = runCmd(t, "releases", "--db", db)
	if code != 0 {
		t.Fatalf("releases: exit status %d", code)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "r1 ") || !strings.Contains(lines[1], "First") {
		t.Errorf("releases = %q, want a header and release r1 only", stdout)
	}
}

// TestDemoServe loads the demo release and serves it on a free port, as
// `outcomes demo` does, then shuts down gracefully.
func TestDemoServe(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "demo.db")
	var stdout, stderr bytes.Buffer
	env := environment{getenv: func(string) string { return "" }, stdout: &stdout, stderr: &stderr}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := loadDemo(ctx, db, env); err != nil {
		t.Fatalf("loadDemo: %v", err)
	}
	if got := strings.Count(stdout.String(), "release demo"); got != 10 {
		t.Errorf("loadDemo summary has %d files, want 10:\n%s", got, stdout.String())
	}
	stdout.Reset()
	if err := loadDemo(ctx, db, env); err != nil {
		t.Fatalf("second loadDemo: %v", err)
	}
	if !strings.Contains(stdout.String(), "already loaded: release demo") {
		t.Errorf("second loadDemo = %q, want already loaded", stdout.String())
	}

	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- env.listenAndServe(ctx, &serverFlags{db: db, addr: "127.0.0.1:0"}, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("listenAndServe: %v", err)
	case <-time.After(time.Minute): // a hang, not a speed: start-up takes under a second, several under -race on a busy machine
		t.Fatal("server did not start")
	}

	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz = %d, want 200", resp.StatusCode)
	}

	resp, err = http.Get("http://" + addr + "/api/v1/releases")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var got struct {
		Data []struct {
			ID        string `json:"id"`
			Synthetic bool   `json:"synthetic"`
			Rows      int    `json:"rows"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("GET /api/v1/releases: %v in %s", err, body)
	}
	if len(got.Data) != 1 || got.Data[0].ID != "demo" || !got.Data[0].Synthetic || got.Data[0].Rows < 2000 {
		t.Errorf("GET /api/v1/releases = %s, want the synthetic demo release with its rows", body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("listenAndServe after cancel = %v, want nil (graceful shutdown)", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not shut down")
	}
}

func TestProgressLine(t *testing.T) {
	got := progressLine(ingest.Progress{File: "nys.csv", Rows: 123456, Bytes: 50, Size: 100}, 2*time.Second, 10)
	want := "nys.csv                        [#####.....]  50% 123,456 rows 61,728 rows/s "
	if got != want {
		t.Errorf("progressLine = %q, want %q", got, want)
	}
}

func TestGroupThousands(t *testing.T) {
	for in, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4321: "-4,321"} {
		if got := groupThousands(in); got != want {
			t.Errorf("groupThousands(%d) = %q, want %q", in, got, want)
		}
	}
}

// TestReadmeMappingExample loads the BUGS data with the worked example of
// README.md § Mapping files, so the documentation cannot drift from the code.
func TestReadmeMappingExample(t *testing.T) {
	data := filepath.Join("..", "..", "..", "shared", "data", "bugs-surgical-12-hospitals", "surgical.csv")
	if _, err := os.Stat(data); err != nil {
		t.Skipf("%s not found (../shared/data is not beside the checkout): %v", data, err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "`surgical.toml`:\n\n```toml\n")
	if !ok {
		t.Fatal("README.md has no surgical.toml example")
	}
	example, _, _ := strings.Cut(rest, "```")
	dir := t.TempDir()
	mapping := writeFile(t, dir, "surgical.toml", example)
	code, stdout, stderr := runCmd(t, "ingest", "--db", filepath.Join(dir, "o.db"), "--mapping", mapping, data)
	if code != 0 {
		t.Fatalf("ingest with the README mapping: exit status %d, stderr %s", code, stderr)
	}
	if !strings.Contains(stdout, "12 rows loaded, 0 skipped") {
		t.Errorf("ingest stdout = %q, want 12 rows loaded", stdout)
	}
}

// TestIngestStoresResults ingests New York's real file and checks the
// results stored beside its rows: one funnel per group, and the publisher's
// own comparison reproduced for every hospital (NY: 2,535 not different,
// 129 higher, 93 lower, counted in the file).
func TestIngestStoresResults(t *testing.T) {
	matches, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "data", "nys-cardiac-hospital", "*_20250726.csv"))
	if len(matches) == 0 {
		t.Skip("New York's file not found: ../shared/data is not beside the checkout")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	if code, _, stderr := runCmd(t, "ingest", "--db", db, "--profile", "nydoh-cardiac", "--release", "ny", matches[0]); code != 0 {
		t.Fatalf("ingest: exit status %d: %s", code, stderr)
	}
	s, err := store.Open(context.Background(), db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	results, err := s.Results(context.Background(), "ny")
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 55 {
		t.Errorf("funnels = %d, want 55 (one per procedure and period)", len(results))
	}
	verdicts := map[string]int{}
	units := 0
	for _, g := range results {
		if g.UnitType != "hospital" || g.Scale != "ratio" || g.TargetSource != "national" || len(g.Curve) == 0 {
			t.Errorf("funnel %+v: want hospitals on the ratio scale with a national target and curves", g.Group)
		}
		for _, u := range g.Units {
			verdicts[string(u.Verdict)]++
			units++
		}
	}
	want := map[string]int{"not_different": 2535, "higher": 129, "lower": 93}
	if fmt.Sprint(verdicts) != fmt.Sprint(want) || units != 2757 {
		t.Errorf("verdicts = %v over %d units, want %v over 2757", verdicts, units, want)
	}
}

// TestDemoResults checks that the demo release carries surgeon funnels and
// hospital funnels summed from the surgeons' rows, for all ten specialties.
func TestDemoResults(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "demo.db")
	env := environment{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard}
	if err := loadDemo(context.Background(), db, env); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	results, err := s.Results(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	specialties := map[string]bool{}
	for _, g := range results {
		specialties[g.Specialty] = true
		kinds[fmt.Sprintf("%s aggregated=%v", g.UnitType, len(g.Units) > 0 && g.Units[0].Aggregated)]++
	}
	// 15 procedures (ten specialties; adult cardiac and vascular three
	// each, interventional cardiology two) × two periods.
	if len(specialties) != 10 || kinds["surgeon aggregated=false"] != 30 || kinds["hospital aggregated=true"] != 30 {
		t.Errorf("demo funnels: %d specialties, kinds %v; want 10 specialties, 30 surgeon funnels and 30 hospital funnels summed from surgeons", len(specialties), kinds)
	}
}

// TestFunnelCommand runs `outcomes funnel` on a demo file: the DESIGN.md
// columns in order, one row per unit, and a JSON form that parses.
func TestFunnelCommand(t *testing.T) {
	path := filepath.Join("..", "..", "demo", "vascular.csv")
	code, stdout, stderr := runCmd(t, "funnel", path)
	if code != 0 {
		t.Fatalf("funnel: exit status %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if want := strings.Join(funnelColumns, ","); lines[0] != want {
		t.Errorf("header = %q, want %q", lines[0], want)
	}
	// The file's 807 rows are 739 distinct (procedure, period, surgeon)
	// triples, a surgeon's rows at two hospitals being summed, and 120
	// distinct (procedure, period, hospital) triples (counted with awk):
	// one row each.
	if got, want := len(lines)-1, 739+120; got != want {
		t.Errorf("funnel printed %d units, want %d", got, want)
	}
	code, stdout, stderr = runCmd(t, "funnel", "--format", "json", "--ci", "byar", "--overdispersion", "additive", path)
	if code != 0 {
		t.Fatalf("funnel --format json: exit status %d: %s", code, stderr)
	}
	var got struct {
		Groups []struct {
			Specialty string           `json:"specialty"`
			Units     []map[string]any `json:"units"`
		} `json:"groups"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("funnel --format json: %v", err)
	}
	if len(got.Groups) != 12 || got.Groups[0].Specialty != "vascular" || len(got.Groups[0].Units) == 0 {
		t.Errorf("funnel --format json = %d groups, want 12 (3 procedures × 2 periods × surgeons, hospitals)", len(got.Groups))
	}
	if code, _, stderr := runCmd(t, "funnel", "--ci", "wald", path); code != 2 {
		t.Errorf("funnel --ci wald: exit status %d (%s), want 2", code, stderr)
	}
}

// TestFunnelCommandSmallUnits: below one expected death `outcomes funnel`
// prints the exact test's band and its boundaries as the upper limits
// (STATS.md §8.3): with E = 0.29, three deaths are the first the 95% test
// flags (P(X ≥ 3) = 0.0032) and four the first the 99.8% one does
// (P(X ≥ 4) = 0.00017), so the lines are 2/E and 3/E.
func TestFunnelCommandSmallUnits(t *testing.T) {
	path := writeFile(t, t.TempDir(), "small.csv", `specialty,period,unit_type,unit_id,unit_name,cases,events,expected
vascular,2024,surgeon,9000001,Dr Big,10000,300,300
vascular,2024,surgeon,9000002,Mr Four,21,4,0.29
vascular,2024,surgeon,9000003,Ms Two,21,2,0.29
`)
	code, stdout, stderr := runCmd(t, "funnel", path)
	if code != 0 {
		t.Fatalf("funnel: exit status %d: %s", code, stderr)
	}
	records, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil || len(records) != 4 {
		t.Fatalf("funnel printed %d records (%v), want a header and 3 units:\n%s", len(records), err, stdout)
	}
	col := map[string]int{}
	for i, name := range records[0] {
		col[name] = i
	}
	for _, tt := range []struct {
		id, band string
	}{{"9000002", "high_alarm"}, {"9000003", "too_few"}} {
		for _, r := range records[1:] {
			if r[col["unit_id"]] != tt.id {
				continue
			}
			if r[col["band"]] != tt.band {
				t.Errorf("%s: band %s, want %s", tt.id, r[col["band"]], tt.band)
			}
			for name, want := range map[string]float64{"upper95": 2 / 0.29, "upper998": 3 / 0.29, "lower95": 0} {
				got, err := strconv.ParseFloat(r[col[name]], 64)
				if err != nil || math.Abs(got-want) > 1e-12 {
					t.Errorf("%s: %s = %q, want %v", tt.id, name, r[col[name]], want)
				}
			}
		}
	}
}

// TestFunnelNeedsNoDatabase runs `outcomes funnel` where no temporary file
// can be made (DESIGN.md: it needs no database), on text that CSV must
// quote, and holds its JSON form to its CSV cell by cell.
func TestFunnelNeedsNoDatabase(t *testing.T) {
	path := writeFile(t, t.TempDir(), "quoted.csv", `specialty,period,unit_type,unit_id,unit_name,hospital_id,hospital_name,cases,events,expected
vascular,2024,surgeon,9000001,Dr Orla Fernwhistle,H1,"The ""Old"" Infirmary",30,1,0.9
vascular,2024,surgeon,9000002,Mr Tobias Quillbrook,H1,"The ""Old"" Infirmary",25,0,0.7
vascular,"2023, late",surgeon,9000002,Mr Tobias Quillbrook,H1,"The ""Old"" Infirmary",25,3,0.7
`)
	t.Setenv("TMPDIR", "/nonexistent")
	code, stdout, stderr := runCmd(t, "funnel", path)
	if code != 0 {
		t.Fatalf("funnel with TMPDIR=/nonexistent: exit status %d: %s", code, stderr)
	}
	records, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatalf("funnel printed CSV that does not parse: %v\n%s", err, stdout)
	}
	// Groups in order ("2023, late" < "2024"); in each, surgeons then the
	// hospital their rows sum to.
	want := [][2]string{{"9000002", "2023, late"}, {"H1", "2023, late"}, {"9000001", "2024"},
		{"9000002", "2024"}, {"H1", "2024"}}
	if len(records) != len(want)+1 {
		t.Fatalf("funnel printed %d records, want a header and %d units:\n%s", len(records), len(want), stdout)
	}
	for i, w := range want {
		if r := records[i+1]; r[0] != w[0] || r[4] != w[1] {
			t.Errorf("unit %d = %s in %q, want %s in %q", i, r[0], r[4], w[0], w[1])
		}
	}

	code, stdout, stderr = runCmd(t, "funnel", "--format", "json", path)
	if code != 0 {
		t.Fatalf("funnel --format json: exit status %d: %s", code, stderr)
	}
	var got struct {
		Groups []struct {
			Units []map[string]any `json:"units"`
		} `json:"groups"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("funnel --format json: %v\n%s", err, stdout)
	}
	row := 1
	for _, g := range got.Groups {
		for _, u := range g.Units {
			for c, name := range funnelColumns {
				cell := records[row][c]
				switch v := u[name].(type) {
				case string:
					if v != cell {
						t.Errorf("JSON %s = %q, CSV %q", name, v, cell)
					}
				case float64:
					if x, err := strconv.ParseFloat(cell, 64); err != nil || x != v {
						t.Errorf("JSON %s = %v, CSV %q", name, v, cell)
					}
				case nil:
					if cell != "" {
						t.Errorf("JSON %s = null, CSV %q", name, cell)
					}
				}
			}
			row++
		}
	}
	if row != len(records) {
		t.Errorf("JSON has %d units, CSV %d", row-1, len(records)-1)
	}

	bad := writeFile(t, filepath.Dir(path), "bad.csv", "specialty,period,unit_type,unit_id,unit_name,cases,events,expected\n"+
		"vascular,2024,surgeon,9000001,Dr Orla Fernwhistle,10,11,0.9\n")
	code, _, stderr = runCmd(t, "funnel", bad)
	if code != 1 || !strings.Contains(stderr, "bad.csv:2:7: events") {
		t.Errorf("funnel on events > cases: exit %d, stderr %q; want 1 and the row's position", code, stderr)
	}
}

// TestFunnelInterleavedGroups gives `outcomes funnel` a file whose groups
// are interleaved, so groups computed while the file was read get more
// rows later: the output must be the same as for the file in group order.
func TestFunnelInterleavedGroups(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "demo", "vascular.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var odd, even []string
	for i, l := range lines[1:] {
		if i%2 == 0 {
			even = append(even, l)
		} else {
			odd = append(odd, l)
		}
	}
	// The file is in group order; take every other row, then the rest,
	// so each group's rows come in two runs.
	shuffled := lines[0] + "\n" + strings.Join(append(even, odd...), "\n") + "\n"
	dir := t.TempDir()
	_, want, _ := runCmd(t, "funnel", writeFile(t, dir, "ordered.csv", string(data)))
	code, got, stderr := runCmd(t, "funnel", writeFile(t, dir, "interleaved.csv", shuffled))
	if code != 0 || got != want || len(strings.Split(want, "\n")) < 100 {
		t.Errorf("funnel on interleaved groups: exit %d (%s), %d bytes differ from the ordered file's %d",
			code, stderr, len(got), len(want))
	}
}
