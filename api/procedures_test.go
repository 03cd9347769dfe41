package api_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// procedureOptions reads the specialty page's procedure choices.
func procedureOptions(t *testing.T, body []byte) []string {
	t.Helper()
	sel := regexp.MustCompile(`(?s)<select id="procedure" name="procedure">(.*?)</select>`).FindSubmatch(body)
	if sel == nil {
		t.Fatal("specialty page has no procedure choice")
	}
	var out []string
	for _, m := range regexp.MustCompile(`<option value="([^"]+)"`).FindAllSubmatch(sel[1], -1) {
		out = append(out, string(m[1]))
	}
	slices.Sort(out)
	return out
}

// TestSpecialtyProcedures holds the specialty page and the API to the
// procedures a release has: the demo has results for every procedure the
// specialty table lists, and the page offers each and says what it
// includes; a release with only adult cardiac "all" offers only that, and
// the API says it has no periods for the others.
func TestSpecialtyProcedures(t *testing.T) {
	demo := newServer(t, api.Config{})
	for _, sp := range outcome.Specialties() {
		path := "/specialties/" + sp.Slug
		resp, body := get(t, demo, http.MethodGet, path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d", path, resp.StatusCode)
		}
		var want []string
		for _, p := range sp.Procedures {
			want = append(want, p.Slug)
		}
		slices.Sort(want)
		if got := procedureOptions(t, body); !slices.Equal(got, want) {
			t.Errorf("GET %s: procedure choices %v, want every listed procedure %v", path, got, want)
		}
		// The page shows the headline procedure first, and says what it includes.
		first := sp.Procedures[0]
		if !strings.Contains(string(body), "<strong>What this includes:</strong> "+htmlEscape(first.Includes)) {
			t.Errorf("GET %s: page does not say what %q includes (%q)", path, first.Slug, first.Includes)
		}
		for _, p := range sp.Procedures[1:] {
			q := path + "?procedure=" + p.Slug
			_, body := get(t, demo, http.MethodGet, q)
			if !strings.Contains(string(body), "<h2>"+htmlEscape(p.Name)+", ") ||
				!strings.Contains(string(body), htmlEscape(p.Includes)) {
				t.Errorf("GET %s: want the heading %q and what it includes", q, p.Name)
			}
		}
	}

	var spec struct {
		Data struct {
			Procedures []struct {
				Slug     string   `json:"slug"`
				Includes string   `json:"includes"`
				Periods  []string `json:"periods"`
			} `json:"procedures"`
		} `json:"data"`
	}
	getJSON(t, demo, "/api/v1/specialties/adult-cardiac", &spec)
	if len(spec.Data.Procedures) != 3 {
		t.Fatalf("GET /api/v1/specialties/adult-cardiac: %d procedures, want 3", len(spec.Data.Procedures))
	}
	for _, p := range spec.Data.Procedures {
		if p.Includes == "" || len(p.Periods) != 2 {
			t.Errorf("demo adult-cardiac procedure %s: includes %q, periods %v; want words and both periods", p.Slug, p.Includes, p.Periods)
		}
	}

	big := newServerOn(t, bigDB, api.Config{})
	_, body := get(t, big, http.MethodGet, "/specialties/adult-cardiac")
	if got := procedureOptions(t, body); !slices.Equal(got, []string{"all"}) {
		t.Errorf("a release with only adult cardiac all: procedure choices %v, want [all]", got)
	}
	getJSON(t, big, "/api/v1/specialties/adult-cardiac", &spec)
	for _, p := range spec.Data.Procedures {
		if want := p.Slug == "all"; (len(p.Periods) > 0) != want || p.Periods == nil {
			t.Errorf("release with only all: procedure %s periods %v, want results %v (an empty list, not null, when none)",
				p.Slug, p.Periods, want)
		}
	}
}

// htmlEscape escapes as html/template does text in an element.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
