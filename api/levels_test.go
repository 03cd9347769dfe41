package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// TestPublisherLevelsServed serves a release whose publisher rates
// hospitals by a 98% interval (testdata/publishers/state-cabg-98) and
// checks the level is said wherever the units' own intervals are: the
// release and the specialty's method in the API, the table heading and
// the methodology on the site, never "95% interval"; and that a self-check
// is placed at the release's levels. The demo release, at the default,
// still says 95%.
func TestPublisherLevelsServed(t *testing.T) {
	fixture := filepath.Join("..", "testdata", "publishers", "state-cabg-98")
	db := filepath.Join(t.TempDir(), "levels.db")
	if out, err := exec.Command(outcomesBin, "ingest", "--db", db, "--release", "levels", "--mapping",
		filepath.Join(fixture, "mapping.toml"), filepath.Join(fixture, "ratings.csv")).CombinedOutput(); err != nil {
		t.Fatalf("outcomes ingest: %v\n%s", err, out)
	}
	srv := newServerOn(t, db, api.Config{})

	var rel struct {
		Data struct {
			IntervalLevel float64 `json:"interval_level"`
			FlagLevel     float64 `json:"flag_level"`
		} `json:"data"`
	}
	getJSON(t, srv, "/api/v1/releases/levels", &rel)
	if rel.Data.IntervalLevel != 98 || rel.Data.FlagLevel != 98 {
		t.Errorf("release: interval_level %g, flag_level %g; want 98 and 98", rel.Data.IntervalLevel, rel.Data.FlagLevel)
	}
	var sp struct {
		Data struct {
			Method struct {
				IntervalLevel float64 `json:"interval_level"`
				FlagLevel     float64 `json:"flag_level"`
			} `json:"method"`
		} `json:"data"`
	}
	getJSON(t, srv, "/api/v1/specialties/adult-cardiac", &sp)
	if m := sp.Data.Method; m.IntervalLevel != 98 || m.FlagLevel != 98 {
		t.Errorf("specialty method: interval_level %g, flag_level %g; want 98 and 98", m.IntervalLevel, m.FlagLevel)
	}

	for path, want := range map[string]string{
		"/specialties/adult-cardiac?procedure=cabg&period=2022": "Risk-adjusted survival (98% interval)",
		"/methodology": "(statisticians' 98% interval)",
	} {
		resp, body := get(t, srv, http.MethodGet, path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("GET %s does not say %q", path, want)
		}
		if bytes.Contains(body, []byte("95% interval")) {
			t.Errorf("GET %s calls the release's 98%% intervals 95%% intervals", path)
		}
	}

	// O = 20 at E = 11.5: the 95% interval lies above 1 (lower end
	// 12.22/11.5), the 98% one does not (11.08/11.5), so the verdict tells
	// the levels apart.
	resp, body := sendBody(t, srv, http.MethodPost, "/api/v1/self-check",
		[]byte(`{"specialty":"adult-cardiac","procedure":"cabg","period":"2023","cases":400,"events":20,"expected":11.5}`),
		"Content-Type", "application/json")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("self-check: %s: %s", resp.Status, body)
	}
	var placed struct {
		Data []struct {
			CILow   float64 `json:"ci_low"`
			CIHigh  float64 `json:"ci_high"`
			Verdict string  `json:"verdict"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &placed); err != nil || len(placed.Data) != 1 {
		t.Fatalf("self-check answer %s: %v", body, err)
	}
	lo, hi := stats.GarwoodInterval(20, 0.98)
	u := placed.Data[0]
	if !scalar.EqualWithinAbsOrRel(u.CILow, lo/11.5, 0, 1e-15) || !scalar.EqualWithinAbsOrRel(u.CIHigh, hi/11.5, 0, 1e-15) {
		t.Errorf("self-check interval [%g, %g], want the 98%% one [%g, %g]", u.CILow, u.CIHigh, lo/11.5, hi/11.5)
	}
	if u.Verdict != "not_different" {
		t.Errorf("self-check verdict %s, want not_different (its 98%% interval [%g, %g] holds 1)", u.Verdict, u.CILow, u.CIHigh)
	}

	demo := newServer(t, api.Config{})
	_, body = get(t, demo, http.MethodGet, "/methodology")
	if !strings.Contains(string(body), "(statisticians' 95% interval)") {
		t.Error("the demo release's methodology does not say its intervals are 95% intervals")
	}
}
