package api_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestPlainWords checks the patient pages' plain English: periods and
// deaths counted in words, the glossary and the "choosing" page, terms
// linked to the glossary, and the specialty page's note on
// overdispersion in each of its three cases.
func TestPlainWords(t *testing.T) {
	srv := newServer(t, api.Config{})
	tests := []struct {
		path       string
		want, not  []string
		wantStatus int
	}{
		{"/surgeons/9001080", []string{"April 2022 to March 2025", "counts <a href=\"/glossary#deaths-counted\">deaths in hospital after the operation</a>"},
			[]string{">2022-04/2025-03", "outcome: in-hospital mortality"}, 200},
		{"/specialties", []string{"Deaths counted:</strong> deaths within 90 days of the operation", "April 2021 to March 2024; April 2022 to March 2025"}, nil, 200},
		{"/glossary", []string{`<dt id="overdispersion">Overdispersion</dt>`, `<dt id="risk-adjusted-survival">`, `<dt id="too-few">`, `<dt id="not-assessable">Not assessable</dt>`}, nil, 200},
		{"/choosing", []string{"Can these figures help me choose a surgeon?", "Most results are"}, nil, 200},
		{"/specialties/head-and-neck?unit=hospital", []string{"These hospitals vary more than chance alone predicts (overdispersion φ = 2.28, p = 0.014)",
			"none of the 2 hospitals outside the 95% limits would still be outside them", `href="/glossary#overdispersion"`}, nil, 200},
		{"/specialties/adult-cardiac", []string{"These surgeons vary about as much as chance alone predicts"}, nil, 200},
		{"/summary?period=2021-04%2F2024-03", []string{"Vascular surgery, April 2021 to March 2024</caption>", "April 2022 to March 2025</a>",
			`href="/glossary#limits"`, `href="/glossary#overdispersion"`, "Too few to tell", "Not assessable from the published figures"},
			[]string{">2022-04/2025-03", "high_alarm", "too_few"}, 200},
		{"/specialties/vascular", []string{"is not measured: that needs at least two surgeons with 5 or more expected deaths, and this chart has 1."}, nil, 200},
	}
	for _, tt := range tests {
		resp, body := get(t, srv, http.MethodGet, tt.path)
		if resp.StatusCode != tt.wantStatus {
			t.Errorf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.wantStatus)
			continue
		}
		page := string(body)
		for _, w := range tt.want {
			if !strings.Contains(page, w) {
				t.Errorf("GET %s lacks %q", tt.path, w)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(page, n) {
				t.Errorf("GET %s says %q", tt.path, n)
			}
		}
	}
	// Every glossary link on the pages above names a term that exists.
	_, glossary := get(t, srv, http.MethodGet, "/glossary")
	for _, tt := range tests {
		_, body := get(t, srv, http.MethodGet, tt.path)
		for _, m := range regexp.MustCompile(`href="/glossary#([a-z-]+)"`).FindAllStringSubmatch(string(body), -1) {
			if !strings.Contains(string(glossary), `id="`+m[1]+`"`) {
				t.Errorf("%s links /glossary#%s, which the glossary lacks", tt.path, m[1])
			}
		}
	}
}

// TestSurgeonPageWeight: a surgeon's page links each group's funnel as an
// image instead of drawing every surgeon in the country inline (a vascular
// surgeon with three procedures had 176 KB of page).
func TestSurgeonPageWeight(t *testing.T) {
	srv := newServer(t, api.Config{})
	for _, id := range []string{"9001080", "9000017"} {
		resp, body := get(t, srv, http.MethodGet, "/surgeons/"+id)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /surgeons/%s = %d", id, resp.StatusCode)
		}
		inline := regexp.MustCompile(`<svg[^>]*class="funnel`).Match(body)
		if len(body) > 60<<10 || inline ||
			!strings.Contains(string(body), `<img class="funnel" src="/specialties/`) {
			t.Errorf("GET /surgeons/%s: %d bytes, inline funnel %t, funnel image %t; want under 60 KB with the funnel as an image",
				id, len(body), inline,
				strings.Contains(string(body), `<img class="funnel"`))
		}
	}
}
