package api_test

import (
	"bytes"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestHospitalPageWeight holds every demo hospital's page under 300 KB
// before compression (PRODUCT.md: a phone on a slow connection), and checks
// that what was moved out of the page is still there: each specialty's
// surgeons' funnel is an image that loads, marks exactly the surgeons the
// page names, and has a text alternative and a caption counting them.
func TestHospitalPageWeight(t *testing.T) {
	srv := newServer(t, api.Config{})
	env, _ := getEnvelope(t, srv, "/api/v1/hospitals?limit=1000")
	ids := map[string]bool{}
	for _, row := range rowsOf(t, env) {
		ids[row["unit_id"].(string)] = true
	}
	figures := 0
	if len(ids) < 30 {
		t.Fatalf("the demo release has %d hospitals, want 30", len(ids))
	}
	const limit = 300 << 10
	largest, largestID := 0, ""
	img := regexp.MustCompile(`<img class="funnel" src="([^"]+)" alt="([^"]+)" loading="lazy">` +
		`<figcaption>This hospital&#39;s surgeons are marked among all (\d+) surgeons\. ([^<]+)`)
	count := regexp.MustCompile(`: (\d+)`)
	highlighted := regexp.MustCompile(`class="point [^"]*\bhighlight\b[^"]*" data-unit-id="([^"]+)"`)
	for id := range ids {
		resp, body := get(t, srv, http.MethodGet, "/hospitals/"+id)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /hospitals/%s = %d", id, resp.StatusCode)
		}
		if len(body) > limit {
			t.Errorf("GET /hospitals/%s: %d bytes, want at most %d", id, len(body), limit)
		}
		if len(body) > largest {
			largest, largestID = len(body), id
		}
		if bytes.Contains(body, []byte("<svg class=\"funnel")) {
			t.Errorf("GET /hospitals/%s: a funnel drawn inline, want it linked as an image", id)
		}
		for _, m := range img.FindAllSubmatch(body, -1) {
			figures++
			src := html.UnescapeString(string(m[1]))
			resp, svg := get(t, srv, http.MethodGet, src)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" {
				t.Errorf("hospital %s: funnel image %s = %d %q, want 200 image/svg+xml", id, src, resp.StatusCode,
					resp.Header.Get("Content-Type"))
				continue
			}
			want := strings.Split(regexp.MustCompile(`highlight=([^&]+)`).FindStringSubmatch(src)[1], "%2C")
			var got []string
			for _, h := range highlighted.FindAllSubmatch(svg, -1) {
				got = append(got, string(h[1]))
			}
			slices.Sort(got)
			slices.Sort(want)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("hospital %s: funnel image %s marks %v, want %v", id, src, got, want)
			}
			if alt := string(m[2]); !strings.Contains(alt, "of this hospital marked") {
				t.Errorf("hospital %s: funnel image alt = %q, want it to say which surgeons are marked", id, alt)
			}
			// The caption counts the marked surgeons by band: all of them.
			sum := 0
			for _, n := range count.FindAllSubmatch(m[4], -1) {
				k, _ := strconv.Atoi(string(n[1]))
				sum += k
			}
			if sum != len(want) {
				t.Errorf("hospital %s: caption %q counts %d surgeons, want %d", id, m[4], sum, len(want))
			}
			if all, _ := strconv.Atoi(string(m[3])); bytes.Count(svg, []byte("data-unit-id=")) != all {
				t.Errorf("hospital %s: funnel image has %d points, caption says all %d surgeons", id,
					bytes.Count(svg, []byte("data-unit-id=")), all)
			}
		}
	}
	if figures == 0 {
		t.Error("no hospital page links a funnel image")
	}
	t.Logf("largest hospital page: /hospitals/%s, %d bytes", largestID, largest)

}
