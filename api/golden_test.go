package api_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

var update = flag.Bool("update", false, "rewrite api/testdata/*.golden")

// volatile matches the only values that legitimately differ between runs:
// the ingest time (a new SQLite file is ingested for every test run) and
// the per-request id.
var volatile = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`("(?:generated_at|ingested_at)": )"[^"]*"`), `${1}"<ingest time>"`},
	{regexp.MustCompile(`("request_id": )"[^"]*"`), `${1}"<request id>"`},
}

// normaliseGolden pretty-prints a JSON body and replaces its volatile
// values with fixed placeholders; a CSV body is kept byte for byte.
func normaliseGolden(t *testing.T, contentType string, body []byte) []byte {
	t.Helper()
	if strings.HasPrefix(contentType, "text/csv") {
		return body
	}
	var b bytes.Buffer
	if err := json.Indent(&b, body, "", "  "); err != nil {
		t.Fatalf("json.Indent(body) = %v, want nil; body:\n%s", err, body)
	}
	b.WriteByte('\n')
	out := b.Bytes()
	for _, v := range volatile {
		out = v.re.ReplaceAll(out, []byte(v.repl))
	}
	return out
}

// checkGolden compares got with testdata/name.golden, or rewrites the
// file under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("os.WriteFile(%s) = %v, want nil", path, err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("os.ReadFile(%s) = %v, want nil (run go test ./api -run Golden -update)", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("body differs from %s (run go test ./api -run Golden -update and review the diff):\n%s",
			path, firstDifference(got, want))
	}
}

// firstDifference shows the first line where got and want part.
func firstDifference(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl || i >= len(g) || i >= len(w) {
			return "line " + strconv.Itoa(i+1) + ":\n  got:  " + strings.TrimRight(gl, "\r") + "\n  want: " +
				strings.TrimRight(wl, "\r")
		}
	}
	return "(no line differs: line ends or trailing bytes differ)"
}

// TestGolden holds one response of every endpoint to a reviewed golden
// file, so that any change to the API's output shows up as a diff.
func TestGolden(t *testing.T) {
	srv := newServer(t, api.Config{})
	selfCheck := `{"specialty": "adult-cardiac", "unit_id": "RXX", "unit_name": "Our cardiac unit",
		"cases": 412, "events": 11, "expected": 7.9}`
	// Two surgeons, five operations each: A's three deaths at 10% risk
	// signal deterioration at h = 1.5 (3 × 0.598), B's five survivals at
	// 40% risk improvement at h = 1 (5 × 0.223).
	const monitorGolden = "date,died,risk,surgeon_id\n" +
		"2025-01-06,1,0.1,A\n2025-01-06,0,0.4,B\n2025-01-07,1,0.1,A\n2025-01-07,0,0.4,B\n2025-01-08,1,0.1,A\n" +
		"2025-01-08,0,0.4,B\n2025-01-09,0,0.1,A\n2025-01-09,0,0.4,B\n2025-01-10,0,0.1,A\n2025-01-10,0,0.4,B\n"
	tests := []struct {
		name        string
		method      string
		path        string
		body        string // sent as application/json when not empty, unless bodyType says
		status      int
		contentType string
		bodyType    string
	}{
		{"index", http.MethodGet, "/api/v1/", "", 200, "application/json", ""},
		{"releases", http.MethodGet, "/api/v1/releases", "", 200, "application/json", ""},
		{"release-demo", http.MethodGet, "/api/v1/releases/demo", "", 200, "application/json", ""},
		{"specialties", http.MethodGet, "/api/v1/specialties", "", 200, "application/json", ""},
		{"specialty-vascular", http.MethodGet, "/api/v1/specialties/vascular", "", 200, "application/json", ""},
		{"funnel-vascular-hospitals", http.MethodGet,
			"/api/v1/specialties/vascular/funnel?period=2022-04/2025-03&procedure=aaa&unit_type=hospital", "", 200,
			"application/json", ""},
		{"adult-cardiac-surgeons-limit-3", http.MethodGet, "/api/v1/specialties/adult-cardiac/surgeons?procedure=all&limit=3", "",
			200, "application/json", ""},
		{"surgeons-adult-cardiac-high-alarm", http.MethodGet,
			"/api/v1/surgeons?specialty=adult-cardiac&band=high_alarm", "", 200, "application/json", ""},
		{"surgeon-9000017", http.MethodGet, "/api/v1/surgeons/9000017", "", 200, "application/json", ""},
		{"hospital-ZZ101-pinned", http.MethodGet, "/api/v1/hospitals/ZZ101?release=demo", "", 200,
			"application/json", ""},
		{"vascular-surgeons-csv", http.MethodGet,
			"/api/v1/specialties/vascular/surgeons.csv?period=2022-04/2025-03&procedure=aaa&limit=5", "", 200, "text/csv", ""},
		{"summary-vascular", http.MethodGet, "/api/v1/summary?specialty=vascular", "", 200, "application/json", ""},
		{"summary-csv", http.MethodGet, "/api/v1/summary.csv", "", 200, "text/csv", ""},
		{"problem-400", http.MethodGet, "/api/v1/surgeons?colour=red&limit=0&band=within,red", "", 400,
			"application/problem+json", ""},
		{"problem-404", http.MethodGet, "/api/v1/surgeons/0000000", "", 404, "application/problem+json", ""},
		{"self-check-adult-cardiac", http.MethodPost, "/api/v1/self-check", selfCheck, 200, "application/json", ""},
		{"monitor", http.MethodPost, "/api/v1/monitor?h_deterioration=1.5&h_improvement=1", monitorGolden, 200,
			"application/json", "text/csv"},
		{"monitor-problem-400", http.MethodPost, "/api/v1/monitor", "date,died,risk\n2025-01-02,1,0.2\n2025-01-01,0,20\n",
			400, "application/problem+json", "text/csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			var header []string
			if tt.body != "" {
				body = []byte(tt.body)
				header = []string{"Content-Type", cmp.Or(tt.bodyType, "application/json")}
			}
			resp, got := sendBody(t, srv, tt.method, tt.path, body, header...)
			if resp.StatusCode != tt.status {
				t.Fatalf("%s %s = %d, want %d; body:\n%s", tt.method, tt.path, resp.StatusCode, tt.status, got)
			}
			ct := resp.Header.Get("Content-Type")
			if !strings.HasPrefix(ct, tt.contentType) {
				t.Errorf("%s %s: Content-Type = %q, want %s", tt.method, tt.path, ct, tt.contentType)
			}
			checkGolden(t, tt.name, normaliseGolden(t, ct, got))
		})
	}
}
