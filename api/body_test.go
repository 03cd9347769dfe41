package api_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestBodyNotReceived sends request bodies that never fully arrive, over a
// raw connection: cut short (the client stops writing before its
// Content-Length, or in the middle of a chunk) or too slow for the
// server's read timeout. Each is the client's failure, so a 4xx (400 cut
// short, 408 too slow), never a 500; no ERROR line is logged and no 5xx
// counted.
func TestBodyNotReceived(t *testing.T) {
	var log syncBuffer
	srv := httptest.NewUnstartedServer(newHandler(t, demoDB, api.Config{}, &log))
	// As `outcomes serve` has, shorter: the time a request has to arrive.
	srv.Config.ReadTimeout = 500 * time.Millisecond
	srv.Start()
	defer srv.Close()

	const figures = `{"specialty":"adult-cardiac","cases":412,"events":11,"expected":7.9}`
	const boundary = "b0undary"
	form := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"specialty\"\r\n\r\nadult-cardiac\r\n" +
		"--" + boundary + "\r\nContent-Disposition: form-data; name=\"cases\"\r\n\r\n412\r\n" +
		"--" + boundary + "\r\nContent-Disposition: form-data; name=\"events\"\r\n\r\n11\r\n" +
		"--" + boundary + "--\r\n"
	formType := "multipart/form-data; boundary=" + boundary
	tests := []struct {
		name, path, contentType string
		// header is Content-Length or Transfer-Encoding; sent is the part
		// of the body that arrives.
		header, sent string
		// slow keeps the connection open, sending nothing more, where the
		// others close their side after sent.
		slow bool
		want int
	}{
		{"api json cut short", "/api/v1/self-check", "application/json",
			fmt.Sprintf("Content-Length: %d", len(figures)), figures[:20], false, http.StatusBadRequest},
		{"api csv cut short", "/api/v1/self-check", "text/csv",
			"Content-Length: 1000", "specialty,cases,events,expected\nadult-cardiac,41", false, http.StatusBadRequest},
		{"api chunk cut short", "/api/v1/self-check", "application/json",
			"Transfer-Encoding: chunked", fmt.Sprintf("%x\r\n%s", len(figures), figures[:20]), false, http.StatusBadRequest},
		{"api broken chunked encoding", "/api/v1/self-check", "application/json",
			"Transfer-Encoding: chunked", "zz\r\n" + figures + "\r\n0\r\n\r\n", false, http.StatusBadRequest},
		{"api json too slow", "/api/v1/self-check", "application/json",
			fmt.Sprintf("Content-Length: %d", len(figures)), figures[:20], true, http.StatusRequestTimeout},
		{"form cut short", "/self-check", formType,
			fmt.Sprintf("Content-Length: %d", len(form)), form[:len(form)/2], false, http.StatusBadRequest},
		{"form too slow", "/self-check", formType,
			fmt.Sprintf("Content-Length: %d", len(form)), form[:len(form)/2], true, http.StatusRequestTimeout},
		{"form svg cut short", "/self-check/funnel.svg", formType,
			fmt.Sprintf("Content-Length: %d", len(form)), form[:len(form)/2], false, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(time.Minute)) // a hang, not a speed
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: example.test\r\nContent-Type: %s\r\n%s\r\n\r\n%s",
				tc.path, tc.contentType, tc.header, tc.sent)
			if !tc.slow {
				_ = conn.(*net.TCPConn).CloseWrite()
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no response: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d; body:\n%.500s", resp.StatusCode, tc.want, body)
			}
			wantType, wantWords := "application/problem+json", "cut short"
			if tc.want == http.StatusRequestTimeout {
				wantWords = "did not arrive in time"
			}
			if tc.path == "/self-check" { // a page; the API and the SVG download answer problems
				wantType = "text/html"
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, wantType) {
				t.Errorf("Content-Type %q, want %s", ct, wantType)
			}
			if !strings.Contains(string(body), wantWords) {
				t.Errorf("body does not say %q:\n%.2000s", wantWords, body)
			}
			if resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", resp.Header.Get("Cache-Control"))
			}
		})
	}

	mfs, _ := scrapeMetrics(t, srv)
	for k := range series(mfs, "outcomes_http_requests_total") {
		if strings.Contains(k, "status=5") {
			t.Errorf("outcomes_http_requests_total{%s}: a 5xx counted for a body the client did not send", k)
		}
	}
	srv.Close() // waits for every request, and so its log line
	logged := log.String()
	if strings.Contains(logged, "level=ERROR") {
		t.Errorf("an ERROR logged for a body the client did not send:\n%s", logged)
	}
	for _, status := range []string{"status=400", "status=408"} {
		if !strings.Contains(logged, status) {
			t.Errorf("no request logged with %s:\n%s", status, logged)
		}
	}
}
