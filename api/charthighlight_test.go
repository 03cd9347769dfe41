package api_test

import (
	"net/http"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestChartHighlightValidated: the chart images draw a new picture for
// each distinct URL, so a highlight must name a unit on that chart; any
// other value is a 400 before anything is drawn (issue 11, point 1).
func TestChartHighlightValidated(t *testing.T) {
	srv := newServer(t, api.Config{})
	for _, tt := range []struct {
		path   string
		status int
	}{
		{"/specialties/adult-cardiac/funnel.png?highlight=9000017", http.StatusOK},
		{"/specialties/adult-cardiac/funnel.svg?highlight=9000017", http.StatusOK},
		{"/specialties/adult-cardiac/funnel.png?highlight=nobody-1", http.StatusBadRequest},
		{"/specialties/adult-cardiac/funnel.svg?highlight=9000017,nobody-2", http.StatusBadRequest},
		// A hospital id is not a surgeon on the surgeons' chart.
		{"/specialties/adult-cardiac/funnel.png?highlight=ZZ114", http.StatusBadRequest},
		{"/specialties/adult-cardiac/funnel.png?unit=hospital&highlight=ZZ114", http.StatusOK},
	} {
		resp, body := get(t, srv, http.MethodGet, tt.path)
		if resp.StatusCode != tt.status {
			t.Errorf("GET %s = %d, want %d: %.200s", tt.path, resp.StatusCode, tt.status, body)
		}
	}
}
