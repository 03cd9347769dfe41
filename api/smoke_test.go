package api_test

import (
	"net/http"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

func TestHealthz(t *testing.T) {
	srv := newServer(t, api.Config{})
	resp, body := get(t, srv, http.MethodGet, "/healthz")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz = %d %s, want 200", resp.StatusCode, body)
	}
}
