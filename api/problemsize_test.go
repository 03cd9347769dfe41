package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestProblemListsAFewErrors sends 10,000 unknown parameters (issue 11: the
// answer was 1.73 MB, 21 times the request). The 400 still names the first
// ones and counts them all, in a body of a few kilobytes; a query with a
// few bad parameters still lists each of them, with no count.
func TestProblemListsAFewErrors(t *testing.T) {
	srv := newServer(t, api.Config{})
	var q strings.Builder
	for i := range 10000 {
		if i > 0 {
			q.WriteByte('&')
		}
		fmt.Fprintf(&q, "p%05d=1", i)
	}
	path := "/api/v1/surgeons?" + q.String()
	resp, body := get(t, srv, http.MethodGet, path)
	p := problemOf(t, http.MethodGet, path, resp, body, http.StatusBadRequest)
	if len(body) > 8<<10 {
		t.Errorf("GET with 10,000 unknown parameters: problem body is %d bytes, want at most 8 KiB", len(body))
	}
	t.Logf("10,000 unknown parameters (a %d-byte query): a %d-byte problem", q.Len(), len(body))
	if len(p.Errors) != 20 || p.Errors[0].Param != "p00000" || p.Errors[19].Param != "p00019" {
		t.Errorf("errors = %d, from %q; want the first 20, p00000 to p00019", len(p.Errors), firstParam(p))
	}
	var extra struct {
		ErrorsTotal int `json:"errors_total"`
	}
	if err := json.Unmarshal(body, &extra); err != nil || extra.ErrorsTotal != 10000 {
		t.Errorf("errors_total = %d (%v), want 10000", extra.ErrorsTotal, err)
	}
	if !strings.Contains(p.Detail, "10000 problems") || !strings.Contains(p.Detail, "9980 more") {
		t.Errorf("detail = %q, want it to count 10000 problems and 9980 more", p.Detail)
	}

	path = "/api/v1/surgeons?colour=red&limit=0"
	resp, body = get(t, srv, http.MethodGet, path)
	p = problemOf(t, http.MethodGet, path, resp, body, http.StatusBadRequest)
	if len(p.Errors) != 2 || strings.Contains(string(body), "errors_total") || strings.Contains(p.Detail, "more") {
		t.Errorf("two bad parameters: %s; want both listed, with no count", body)
	}
}

func firstParam(p problemJSON) string {
	if len(p.Errors) == 0 {
		return ""
	}
	return p.Errors[0].Param
}
