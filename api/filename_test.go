package api_test

import (
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestCSVFileNamesSayWhatWasFiltered saves filtered downloads as a
// journalist does, several side by side: each file's name says every
// filter that made it, so two different files never share a name, and a
// long or hostile search leaves a short, safe name that still ends with
// the period.
func TestCSVFileNamesSayWhatWasFiltered(t *testing.T) {
	srv := newServer(t, api.Config{})
	for _, tc := range []struct{ path, want string }{
		{"/api/v1/surgeons.csv", "demo-surgeons.csv"},
		{"/api/v1/surgeons.csv?specialty=vascular&period=2022-04/2025-03", "demo-vascular-surgeons-2022-04-2025-03.csv"},
		{"/api/v1/surgeons.csv?band=high_alert,high_alarm", "demo-surgeons-high_alarm-high_alert.csv"},
		{"/api/v1/surgeons.csv?hospital=ZZ101&band=low_alarm", "demo-surgeons-at-ZZ101-low_alarm.csv"},
		{"/api/v1/surgeons.csv?specialty=vascular&procedure=aaa&min_cases=20",
			"demo-vascular-aaa-surgeons-min-20-cases.csv"},
		{"/api/v1/hospitals.csv?q=north&period=2022-04/2025-03", "demo-hospitals-matching-north-2022-04-2025-03.csv"},
		{"/api/v1/specialties/vascular/surgeons.csv?band=within", "demo-vascular-surgeons-within.csv"},
		{"/api/v1/surgeons.csv?q=" + strings.Repeat("%22%3E%3Cscript%3E", 20) + "&period=2022-04/2025-03",
			"demo-surgeons-matching-script-script-script-script-2022-04-2025-03.csv"},
	} {
		resp, body := get(t, srv, http.MethodGet, tc.path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d %.200s", tc.path, resp.StatusCode, body)
			continue
		}
		_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
		if err != nil {
			t.Errorf("GET %s: Content-Disposition %q: %v", tc.path, resp.Header.Get("Content-Disposition"), err)
			continue
		}
		if got := params["filename"]; got != tc.want {
			t.Errorf("GET %s: saved as %q, want %q", tc.path, got, tc.want)
		}
	}
}
