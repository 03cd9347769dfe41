package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// floodRSSBudget is the most memory the server may hold at its peak while
// flooded with distinct chart images: its catalog and its response cache
// (64 MiB by default) with room to spare, and a fraction of the 19.8 GB an
// unbounded server reached.
const floodRSSBudget = 400 << 20

// TestRenderFlood floods `outcomes serve`, at its default rate limit,
// with distinct valid PNG funnel URLs from eight loopback addresses, each
// sending as fast as the limit lets it, as issue 11 did to a server that
// drew every request at once. Drawing is bounded, so the server's peak
// memory must stay under floodRSSBudget, /healthz must answer within a
// second throughout, every answer must be a 200, 429 or 503 (never a
// timeout or another 5xx, nothing logged as an error), and SIGTERM sent
// mid-flood must stop it within its shutdown timeout.
func TestRenderFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("floods a server process for some 15 s")
	}
	if raceEnabled {
		t.Skip("the race detector multiplies memory several times; the budget is for the binary as built")
	}
	db := filepath.Join(t.TempDir(), "demo.db")
	if err := loadDemo(context.Background(), db, environment{getenv: os.Getenv, stdout: io.Discard, stderr: io.Discard}); err != nil {
		t.Fatal(err)
	}
	srv := startServerProcess(t, "serve", "--db", db, "--addr", "127.0.0.1:0") // the default rate limit
	urls := distinctChartURLs(t, srv.base, 20000)

	stop := make(chan struct{})
	var stopOnce sync.Once
	halt := func() { stopOnce.Do(func() { close(stop) }) }
	defer halt()

	// Eight attackers, each from its own address and each with 8
	// connections, take the next URL in turn.
	var next atomic.Int64
	var terminating atomic.Bool
	var failure atomic.Pointer[error]
	var mu sync.Mutex
	statuses := map[string]int{}
	count := func(s string) { mu.Lock(); statuses[s]++; mu.Unlock() }
	var wg sync.WaitGroup
	for a := range 8 {
		client := clientFrom(t, fmt.Sprintf("127.0.0.%d", a+2), 15*time.Second)
		for range 8 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					u := urls[int(next.Add(1))%len(urls)]
					resp, err := client.Get(u)
					if err != nil {
						if !terminating.Load() { // after SIGTERM connections are refused
							count("no answer")
							failure.CompareAndSwap(nil, &err)
						}
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					count(strconv.Itoa(resp.StatusCode))
				}
			})
		}
	}

	// /healthz from an address of its own, ten times a second.
	var healthMax atomic.Int64
	var healthFails atomic.Int64
	healthDone := make(chan struct{})
	go func() {
		defer close(healthDone)
		client := clientFrom(t, "127.0.0.20", 5*time.Second)
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			start := time.Now()
			resp, err := client.Get(srv.base + "/healthz")
			d := time.Since(start)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if terminating.Load() {
				continue // after SIGTERM it may rightly refuse
			}
			if err != nil || resp.StatusCode != http.StatusOK {
				healthFails.Add(1)
			}
			if int64(d) > healthMax.Load() {
				healthMax.Store(int64(d))
			}
		}
	}()

	// Twelve seconds of flood, watching memory; then SIGTERM mid-flood.
	deadline := time.Now().Add(12 * time.Second)
	peak := 0
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		if peak = srv.peakRSS(t); peak > floodRSSBudget {
			break // fail now, before the machine runs out
		}
	}
	stopped := time.Now()
	terminating.Store(true)
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var exitErr error
	select {
	case exitErr = <-srv.exited:
	case <-time.After(12 * time.Second): // the shutdown timeout is 10 s
		t.Errorf("server still running %v after SIGTERM", time.Since(stopped).Round(time.Millisecond))
		srv.cmd.Process.Kill()
		exitErr = <-srv.exited
	}
	halt()
	wg.Wait()
	<-healthDone

	mu.Lock()
	defer mu.Unlock()
	t.Logf("peak RSS %.0f MB; /healthz slowest %v, %d failed; answers %v; stopped %v after SIGTERM (%v)",
		float64(peak)/(1<<20), time.Duration(healthMax.Load()).Round(time.Millisecond), healthFails.Load(), statuses,
		time.Since(stopped).Round(time.Millisecond), exitErr)
	if peak > floodRSSBudget {
		t.Errorf("peak RSS %d MB, want at most %d MB", peak>>20, floodRSSBudget>>20)
	}
	if d := time.Duration(healthMax.Load()); d > time.Second || healthFails.Load() > 0 {
		t.Errorf("/healthz: slowest answer %v and %d failures during the flood, want every answer a 200 within 1s", d, healthFails.Load())
	}
	if err := failure.Load(); err != nil {
		t.Errorf("%d requests had no answer before SIGTERM, first: %v", statuses["no answer"], *err)
	}
	if statuses["200"] == 0 {
		t.Errorf("no chart was drawn during the flood")
	}
	for s, n := range statuses {
		if s != "200" && s != "429" && s != "503" && s != "no answer" {
			t.Errorf("%d answers were %s, want only 200, 429 (rate limited) or 503 (busy)", n, s)
		}
	}
	if exitErr != nil {
		t.Errorf("server after SIGTERM: %v, want exit status 0", exitErr)
	}
	for _, line := range srv.logLines(t) {
		if strings.Contains(line, "level=ERROR") {
			t.Errorf("logged as an error during the flood: %s", line)
			break
		}
	}
}

// TestSelfCheckFlood: one client at the default rate limit sends its
// whole burst of self-checks of 1,000 units each at once, again and
// again, as issue 11 did to a server that then held 3.58 GB. Drawing is
// bounded and each answer is small, so the server's peak memory must
// stay under floodRSSBudget, and every answer be a 200, 429 or 503.
func TestSelfCheckFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("floods a server process for some 10 s")
	}
	if raceEnabled {
		t.Skip("the race detector multiplies memory several times; the budget is for the binary as built")
	}
	db := filepath.Join(t.TempDir(), "demo.db")
	if err := loadDemo(context.Background(), db, environment{getenv: os.Getenv, stdout: io.Discard, stderr: io.Discard}); err != nil {
		t.Fatal(err)
	}
	srv := startServerProcess(t, "serve", "--db", db, "--addr", "127.0.0.1:0")
	body, contentType := selfCheckUpload(t, 1000)

	client := clientFrom(t, "127.0.0.2", 30*time.Second)
	var mu sync.Mutex
	statuses := map[int]int{}
	sizes := 0
	deadline := time.Now().Add(10 * time.Second)
	peak := 0
	for time.Now().Before(deadline) && peak <= floodRSSBudget {
		var wg sync.WaitGroup
		for range 40 { // the default burst
			wg.Go(func() {
				resp, err := client.Post(srv.base+"/self-check", contentType, bytes.NewReader(body))
				if err != nil {
					t.Errorf("POST /self-check: %v", err)
					return
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				statuses[resp.StatusCode]++
				if resp.StatusCode == http.StatusOK {
					sizes = max(sizes, int(n))
				}
				mu.Unlock()
			})
		}
		wg.Wait()
		peak = srv.peakRSS(t)
	}
	t.Logf("peak RSS %.0f MB; answers %v; largest page %d bytes", float64(peak)/(1<<20), statuses, sizes)
	if peak > floodRSSBudget {
		t.Errorf("peak RSS %d MB, want at most %d MB", peak>>20, floodRSSBudget>>20)
	}
	if statuses[http.StatusOK] == 0 {
		t.Error("no self-check was answered")
	}
	for code, n := range statuses {
		if code != http.StatusOK && code != http.StatusTooManyRequests && code != http.StatusServiceUnavailable {
			t.Errorf("%d answers were %d, want only 200, 429 or 503", n, code)
		}
	}
	if sizes > 2_000_000 {
		t.Errorf("a 1,000-unit self-check page is %d bytes, want at most 2 MB", sizes)
	}
}

// selfCheckUpload is the self-check form with a canonical CSV of n adult
// cardiac hospitals' figures (the demo's, repeated) as its file.
func selfCheckUpload(t *testing.T, n int) ([]byte, string) {
	t.Helper()
	var csv bytes.Buffer
	csv.WriteString("specialty,unit_type,unit_name,cases,events,expected\n")
	for i := range n {
		cases := 200 + i%700
		fmt.Fprintf(&csv, "adult-cardiac,hospital,Unit %d,%d,%d,%.2f\n", i+1, cases, cases/40+i%5, float64(cases)/40)
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile("file", "units.csv")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(csv.Bytes())
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), mw.FormDataContentType()
}

// distinctChartURLs lists up to n distinct, valid PNG funnel URLs: each
// specialty's default funnels with every pair of their units highlighted,
// with and without the adjusted lines.
func distinctChartURLs(t *testing.T, base string, n int) []string {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/specialties")
	if err != nil {
		t.Fatal(err)
	}
	var specialties struct {
		Data []struct{ Slug string } `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&specialties)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, sp := range specialties.Data {
		resp, err := http.Get(base + "/api/v1/specialties/" + sp.Slug + "/funnel")
		if err != nil {
			t.Fatal(err)
		}
		var funnels struct {
			Data []struct {
				Procedure string
				Period    string
				UnitType  string `json:"unit_type"`
				Points    []struct {
					UnitID string `json:"unit_id"`
				} `json:"points"`
			} `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&funnels)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range funnels.Data {
			for i, a := range f.Points {
				for _, b := range f.Points[i+1:] {
					for _, adjusted := range []string{"0", "1"} {
						q := url.Values{"procedure": {f.Procedure}, "period": {f.Period}, "unit": {f.UnitType},
							"highlight": {a.UnitID + "," + b.UnitID}, "adjusted": {adjusted}}
						urls = append(urls, base+"/specialties/"+sp.Slug+"/funnel.png?"+q.Encode())
						if len(urls) == n {
							return urls
						}
					}
				}
			}
		}
	}
	if len(urls) < 1000 {
		t.Fatalf("only %d distinct chart URLs in the demo release", len(urls))
	}
	return urls
}

// clientFrom is an HTTP client whose connections come from the loopback
// address addr, so the server sees a client of its own.
func clientFrom(t *testing.T, addr string, timeout time.Duration) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(addr)}}
	tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 16}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Timeout: timeout, Transport: tr}
}

// serverProcess is `outcomes serve` running as a child process, its stderr
// in a file.
type serverProcess struct {
	base   string
	cmd    *exec.Cmd
	exited chan error
	log    string
}

// startServerProcess starts the outcomes command with args in a child process
// and waits until it listens.
func startServerProcess(t *testing.T, args ...string) *serverProcess {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "stderr.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	p := &serverProcess{cmd: exec.Command(exe, args...), exited: make(chan error, 1), log: logPath}
	p.cmd.Env = append(os.Environ(), asOutcomes+"=1")
	p.cmd.Stderr = logFile
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
		}
	})
	addr := regexp.MustCompile(`addr=http://(\S+)`)
	for start := time.Now(); time.Since(start) < 30*time.Second; time.Sleep(50 * time.Millisecond) {
		for _, line := range p.logLines(t) {
			if m := addr.FindStringSubmatch(line); m != nil {
				p.base = "http://" + m[1]
				return p
			}
		}
		select {
		case err := <-p.exited:
			t.Fatalf("server exited before listening: %v; log: %q", err, p.logLines(t))
		default:
		}
	}
	t.Fatalf("server not listening after 30s; log: %q", p.logLines(t))
	return nil
}

// logLines is what the server has logged so far.
func (p *serverProcess) logLines(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(p.log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// peakRSS is the most resident memory the process has held (VmHWM).
func (p *serverProcess) peakRSS(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Skipf("no /proc to read the server's memory from: %v", err)
	}
	m := regexp.MustCompile(`(?m)^VmHWM:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		t.Skipf("/proc/%d/status has no VmHWM", p.cmd.Process.Pid)
	}
	kb, _ := strconv.Atoi(string(m[1]))
	return kb << 10
}
