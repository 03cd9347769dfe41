package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// asOutcomes, set in a child's environment, makes the test binary run as
// the outcomes command itself, so a test can start a real server process
// with its own stderr.
const asOutcomes = "OUTCOMES_TEST_RUN_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asOutcomes) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// TestServeWithUnreadStderr runs `outcomes serve` with stderr on a pipe
// nobody reads. Once the pipe's buffer (64 KiB, some 380 request lines) is
// full, every request must still be answered promptly, its log line
// dropped and counted; when the pipe's reader goes away the server must
// not die of SIGPIPE, and SIGTERM must still stop it.
func TestServeWithUnreadStderr(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	db := filepath.Join(t.TempDir(), "demo.db")
	if err := loadDemo(context.Background(), db, environment{getenv: os.Getenv, stdout: io.Discard, stderr: io.Discard}); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(exe, "serve", "--db", db, "--addr", "127.0.0.1:0", "--rate-limit", "0")
	cmd.Env = append(os.Environ(), asOutcomes+"=1")
	cmd.Stderr = w // the child's fd 2 is the pipe itself
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	}()

	// The first line says where it listens; after it, nothing reads the
	// pipe. A byte at a time, so no later line is taken off the pipe.
	first, err := readLine(r)
	if err != nil {
		t.Fatalf("reading the server's first line: %v", err)
	}
	m := regexp.MustCompile(`addr=http://(\S+)`).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("first line %q names no address", first)
	}
	base := "http://" + m[1]
	client := &http.Client{Timeout: 2 * time.Second}

	get := func(path string) (int, string, error) {
		resp, err := client.Get(base + path)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	// flood sends n requests from 8 clients; each must be a prompt 200.
	flood := func(n int) {
		t.Helper()
		var wg sync.WaitGroup
		var mu sync.Mutex
		var failures []string
		next := make(chan int)
		for range 8 {
			wg.Go(func() {
				for i := range next {
					mu.Lock()
					failed := len(failures) > 0
					mu.Unlock()
					if failed {
						continue // fail fast: a hung server fails every request at the client's timeout
					}
					path := "/api/v1/releases"
					if i%10 == 0 {
						path = "/healthz"
					}
					if code, _, err := get(path); err != nil || code != http.StatusOK {
						mu.Lock()
						failures = append(failures, fmt.Sprintf("GET %s: %d %v", path, code, err))
						mu.Unlock()
					}
				}
			})
		}
		for i := range n {
			next <- i
		}
		close(next)
		wg.Wait()
		if len(failures) > 0 {
			t.Fatalf("%d of %d requests failed before the flood stopped, first: %s", len(failures), n, failures[0])
		}
	}

	start := time.Now()
	flood(8000)
	t.Logf("8000 requests with stderr unread: %v", time.Since(start))
	code, metrics, err := get("/metrics")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", code, err)
	}
	dropped := regexp.MustCompile(`(?m)^outcomes_log_lines_dropped_total (\S+)$`).FindStringSubmatch(metrics)
	if dropped == nil {
		t.Fatalf("/metrics has no outcomes_log_lines_dropped_total")
	}
	// 8,000 lines of some 190 bytes overflow the 64 KiB pipe and the
	// 1 MiB buffer behind it.
	if d, _ := strconv.ParseFloat(dropped[1], 64); d < 1 {
		t.Errorf("outcomes_log_lines_dropped_total = %s after 8000 requests logged to a full pipe, want more than 0", dropped[1])
	}
	t.Logf("log lines dropped with the pipe full: %s", dropped[1])

	// The log collector exits: writes to fd 2 now fail with EPIPE.
	r.Close()
	flood(500)
	select {
	case err := <-exited:
		t.Fatalf("server exited after its stderr's reader closed: %v", err)
	default:
	}
	_, metrics, _ = get("/metrics")
	after := regexp.MustCompile(`(?m)^outcomes_log_lines_dropped_total (\S+)$`).FindStringSubmatch(metrics)
	if a, _ := strconv.ParseFloat(after[1], 64); a < 500 {
		t.Errorf("outcomes_log_lines_dropped_total = %s after 500 requests logged to a closed pipe, want at least 500", after[1])
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("server after SIGTERM: %v, want exit status 0", err)
		}
	case <-time.After(15 * time.Second): // the shutdown timeout is 10 s
		t.Fatal("server did not stop on SIGTERM")
	}
}

// readLine reads one line from r a byte at a time.
func readLine(r io.Reader) (string, error) {
	var b strings.Builder
	one := make([]byte, 1)
	for {
		if _, err := io.ReadFull(r, one); err != nil {
			return b.String(), err
		}
		if one[0] == '\n' {
			return b.String(), nil
		}
		b.WriteByte(one[0])
	}
}
