package api_test

import (
	"html"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestPinnedPagesLinkWithinTheirRelease browses an older release as a
// journalist checking last year's figures would: from its search, its
// comparison, a surgeon, a hospital and a specialty, every link to a page
// or API answer that shows a release's data keeps that release, and every
// form that leads to one carries it; only the notice's "see this page in
// the latest release" leaves it. A link that lost the release would show
// this year's figures under last year's question.
func TestPinnedPagesLinkWithinTheirRelease(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	for _, args := range [][]string{
		{"--release", "older", "../demo/vascular.csv", "../demo/colorectal.csv"},
		{"--release", "newer", "../demo/vascular.csv", "../demo/urology.csv"},
	} {
		if out, err := exec.Command(outcomesBin, append([]string{"ingest", "--db", db}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ingest %v: %v\n%s", args, err, out)
		}
	}
	srv := newServerOn(t, db, api.Config{})
	links := regexp.MustCompile(`(?:href|src)="(/[^"]*)"`)
	forms := regexp.MustCompile(`(?s)<form[^>]*action="(/[^"]*)"[^>]*>(.*?)</form>`)
	answered := map[string]bool{}
	hidden := regexp.MustCompile(`<input type="hidden" name="release" value="older">`)
	for _, path := range []string{
		"/search?q=zz1&release=older",
		"/search?q=brackentarn&release=older",
		"/search?q=mr&all=1&release=older",
		"/search?q=acornburow&release=older", // suggestions
		"/search?q=zz1+vascular&release=older",
		"/compare?ids=9001001,9001002&release=older",
		"/compare?ids=9001001&q=mr&release=older",
		"/surgeons/9001001?release=older",
		"/hospitals/ZZ104?release=older",
		"/specialties/vascular?release=older",
		"/specialties?release=older",
		"/hospitals?release=older",
	} {
		resp, body := get(t, srv, http.MethodGet, path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", path, resp.StatusCode)
			continue
		}
		latest := strings.Replace(strings.Replace(path, "&release=older", "", 1), "?release=older", "", 1)
		checked := 0
		for _, m := range links.FindAllSubmatch(body, -1) {
			link := html.UnescapeString(string(m[1]))
			u, err := url.Parse(link)
			if err != nil {
				t.Errorf("GET %s: link %q: %v", path, link, err)
				continue
			}
			if !showsReleaseData(u.Path) || sameAddress(link, latest) {
				continue
			}
			checked++
			if got := u.Query()["release"]; len(got) != 1 || got[0] != "older" {
				t.Errorf("GET %s: link %s leaves release older", path, link)
			} else if strings.HasPrefix(u.Path, "/api/") && !answered[link] {
				// The API takes the release it is given.
				if resp, body := get(t, srv, http.MethodGet, link); resp.StatusCode != http.StatusOK {
					t.Errorf("GET %s: its link %s = %d %.200s", path, link, resp.StatusCode, body)
				}
				answered[link] = true
			}
		}
		for _, m := range forms.FindAllSubmatch(body, -1) {
			if showsReleaseData(string(m[1])) && !hidden.Match(m[2]) {
				t.Errorf("GET %s: the form to %s does not carry release older", path, m[1])
			}
		}
		if checked == 0 {
			t.Errorf("GET %s: no link to a release's data found; the test reads nothing", path)
		}
	}
}

// showsReleaseData reports whether the page or API answer at path shows
// one release's data, so that a link to it from a pinned page must keep
// the release. The release pages name theirs in the path; the API's
// index and documents, and the site's pages about it, show none.
func showsReleaseData(path string) bool {
	for _, p := range []string{"/search", "/compare", "/specialties", "/surgeons", "/hospitals"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return strings.HasPrefix(path, "/api/v1/") && path != "/api/v1/" && !strings.HasPrefix(path, "/api/v1/releases")
}

// sameAddress reports whether link is the page at latest, in any order
// of its query: the notice's way out of the older release.
func sameAddress(link, latest string) bool {
	a, errA := url.Parse(link)
	b, errB := url.Parse(latest)
	return errA == nil && errB == nil && a.Path == b.Path && a.Query().Encode() == b.Query().Encode()
}
