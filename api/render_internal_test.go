package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/surgeon-outcomes/outcomes/store"
)

// gatedServer serves the demo release with one drawing slot, the queue
// and wait given, logging into the returned buffer.
func gatedServer(t *testing.T, queue int, wait time.Duration) (*Server, *httptest.Server, *syncBuffer) {
	t.Helper()
	if demoDBPath == "" {
		t.Fatal("no demo database: TestMain did not call SetTestFiles")
	}
	db, err := store.Open(context.Background(), demoDBPath, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := &syncBuffer{}
	s, err := newServer(context.Background(), Config{Version: "test", Draws: 1, DrawQueue: queue, DrawWait: wait},
		db, slog.New(slog.NewTextHandler(log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.routes())
	t.Cleanup(srv.Close)
	return s, srv, log
}

// waitFor polls cond until it holds; a hang fails after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("still waiting for %s after 10s", what)
		}
	}
}

const pngPath = "/specialties/adult-cardiac/funnel.png?unit=hospital&highlight="

// TestDrawGateRefusesBeyondQueue: with the only drawing slot taken and
// the one queue place filled, another chart is refused at once with 503
// and Retry-After; the queued one is refused when its wait is up. Both are
// warnings in the log, not errors.
func TestDrawGateRefusesBeyondQueue(t *testing.T) {
	s, srv, log := gatedServer(t, 1, 300*time.Millisecond)
	release, err := s.draws.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()

	queued := make(chan *http.Response, 1)
	go func() {
		resp, err := http.Get(srv.URL + pngPath + "ZZ102")
		if err != nil {
			t.Error(err)
			close(queued)
			return
		}
		queued <- resp
	}()
	waitFor(t, "the first request to queue", func() bool { return s.draws.waiting() == 1 })

	resp, err := http.Get(srv.URL + pngPath + "ZZ107")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("beyond the queue: %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if r := <-queued; r == nil {
		t.Fatal("queued request failed")
	} else {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
			t.Errorf("queued past its wait: %d, Retry-After %q; want 503 with Retry-After", r.StatusCode, r.Header.Get("Retry-After"))
		}
	}
	if got := s.draws.refused.Load(); got != 2 {
		t.Errorf("refused = %d, want 2", got)
	}
	if s.drawn.Load() != 0 {
		t.Errorf("drew %d charts with no slot free", s.drawn.Load())
	}
	if strings.Contains(log.String(), "level=ERROR") || strings.Count(log.String(), "level=WARN") != 2 {
		t.Errorf("log, want two WARN lines and no ERROR:\n%s", log.String())
	}
}

// TestDrawGateClientGone: a request whose client leaves while it waits
// for a turn draws nothing, and is logged as 499 at INFO, not as an error.
func TestDrawGateClientGone(t *testing.T) {
	s, srv, log := gatedServer(t, 8, 10*time.Second)
	release, err := s.draws.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+pngPath+"ZZ108", nil)
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	waitFor(t, "the request to queue", func() bool { return s.draws.waiting() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("client: %v, want its own cancellation", err)
	}
	waitFor(t, "the queue to empty", func() bool { return s.draws.waiting() == 0 })
	release()
	waitFor(t, "the request's log line", func() bool { return strings.Contains(log.String(), "status=499") })
	if line := log.String(); !strings.Contains(line, "level=INFO") || strings.Contains(line, "level=ERROR") {
		t.Errorf("log: %s, want the 499 at INFO", line)
	}
	if s.drawn.Load() != 0 {
		t.Errorf("drew %d charts for a client that had gone", s.drawn.Load())
	}
}

// TestDrawOnceShared: forty identical requests arriving together while
// the drawing slot is busy are drawn once, and the leader leaving does not
// fail the others. The same highlights in another order are the same
// drawing.
func TestDrawOnceShared(t *testing.T) {
	s, srv, _ := gatedServer(t, 8, 10*time.Second)
	release, err := s.draws.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	// The first request (the one whose turn the drawing is) leaves.
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+pngPath+"ZZ102,ZZ109", nil)
	leader := make(chan struct{})
	go func() {
		defer close(leader)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, "the first request to queue", func() bool { return s.draws.waiting() == 1 })

	var wg sync.WaitGroup
	etags := make([]string, 40)
	for i := range etags {
		path := pngPath + "ZZ102,ZZ109"
		if i%2 == 1 {
			path = pngPath + "ZZ109&highlight=ZZ102"
		}
		wg.Go(func() {
			resp, err := http.Get(srv.URL + path)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %d", path, resp.StatusCode)
			}
			etags[i] = resp.Header.Get("ETag")
		})
	}
	time.Sleep(100 * time.Millisecond) // let the forty join the first one's drawing
	cancel()
	<-leader
	release()
	wg.Wait()
	for i, tag := range etags {
		if tag == "" || tag != etags[0] {
			t.Fatalf("ETag of request %d = %q, of the first %q: want one drawing", i, tag, etags[0])
		}
	}
	if got := s.drawn.Load(); got != 1 {
		t.Errorf("drew %d times for 41 identical requests, want 1", got)
	}
}
