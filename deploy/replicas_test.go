// Package deploy_test runs the scale-out set-up of deploy/replicas for
// real: outcomes serve replicas, each reading its own copy of the release
// file, behind nginx as a caching reverse proxy (the CDN's stand-in).
package deploy_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const replicas = 2

// TestReplicasBehindNginx starts two replicas behind nginx
// (replicas/start.sh) on loopback, loads them with wrk (bounded: a few
// seconds, 8 connections), and checks that nginx's cache absorbs repeat
// requests (its access log's hit ratio), then publishes a new release
// (replicas/publish.sh: the file copied, renamed over each replica's,
// SIGHUP) while wrk runs, and checks that no request failed and every
// replica serves the new release. OUTCOMES_REQUIRE_REPLICAS=1 (CI) makes
// a missing nginx or wrk a failure; elsewhere the test skips.
func TestReplicasBehindNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("starts nginx and two servers")
	}
	for _, tool := range []string{"nginx", "wrk", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("OUTCOMES_REQUIRE_REPLICAS") == "1" {
				t.Fatalf("%s is not installed (apt-get install nginx-light wrk curl)", tool)
			}
			t.Skipf("%s is not installed (apt-get install nginx-light wrk curl); set OUTCOMES_REQUIRE_REPLICAS=1 to fail instead", tool)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "outcomes")
	run(t, "go", "build", "-o", bin, "../cmd/outcomes")
	master := filepath.Join(dir, "master.db")
	demo, err := filepath.Glob("../demo/*.csv")
	if err != nil || len(demo) == 0 {
		t.Fatalf("no demo files: %v", err)
	}
	run(t, bin, append([]string{"ingest", "--db", master, "--release", "first"}, demo...)...)

	port := freePorts(t, replicas+1)
	runDir := filepath.Join(dir, "run")
	env := append(os.Environ(), "OUTCOMES="+bin)
	// Stopped whatever happens, even if start.sh gives up half-way.
	t.Cleanup(func() {
		if out, err := exec.Command("replicas/stop.sh", runDir).CombinedOutput(); err != nil {
			t.Errorf("stop.sh: %v\n%s", err, out)
		}
	})
	start := exec.Command("replicas/start.sh", runDir, master, strconv.Itoa(replicas), strconv.Itoa(port))
	start.Env = env
	if out, err := start.CombinedOutput(); err != nil {
		t.Fatalf("start.sh: %v\n%s", err, out)
	}
	front := fmt.Sprintf("http://127.0.0.1:%d", port)

	// The cache absorbs repeat requests: a page and an API answer, each
	// built once by a replica and then answered by nginx.
	for _, path := range []string{"/specialties/vascular", "/api/v1/surgeons?specialty=vascular&limit=100"} {
		res := wrk(t, front+path, 2*time.Second)
		hits, total := cacheCounts(t, filepath.Join(runDir, "nginx-access.log"), path)
		t.Logf("%s through nginx: %.0f requests/s, %d of %d from the cache", path, res.rate, hits, total)
		if res.failed > 0 || res.requests == 0 || total < res.requests {
			t.Errorf("%s: wrk %+v, nginx logged %d", path, res, total)
		}
		if ratio := float64(hits) / float64(total); ratio < 0.99 {
			t.Errorf("%s: cache hit ratio %.4f (%d of %d), want ≥ 0.99: repeat requests reach the replicas", path, ratio, hits, total)
		}
	}
	direct := wrk(t, fmt.Sprintf("http://127.0.0.1:%d/specialties/vascular", port+1), 2*time.Second)
	t.Logf("/specialties/vascular from one replica directly: %.0f requests/s", direct.rate)

	// A new release reaches every replica with no failed request: wrk
	// loads a URL pinned to the first release through nginx meanwhile
	// (pinned, so its answer stays valid across the swap).
	run(t, bin, "ingest", "--db", master, "--release", "second", "--title", "Second release", "../demo/urology.csv")
	during := make(chan wrkResult, 1)
	go func() { during <- wrkRun(front+"/api/v1/releases/first/specialties", 3*time.Second) }()
	time.Sleep(500 * time.Millisecond)
	publish := exec.Command("replicas/publish.sh", runDir, master, strconv.Itoa(replicas))
	if out, err := publish.CombinedOutput(); err != nil {
		t.Fatalf("publish.sh: %v\n%s", err, out)
	}
	for i := 1; i <= replicas; i++ {
		url := fmt.Sprintf("http://127.0.0.1:%d/api/v1/", port+i)
		for start := time.Now(); latest(t, url) != "second"; time.Sleep(100 * time.Millisecond) {
			if time.Since(start) > 20*time.Second {
				log, _ := os.ReadFile(filepath.Join(runDir, fmt.Sprintf("replica-%d", i), "serve.log"))
				t.Fatalf("replica %d does not serve the new release 20 s after publish.sh; its log ends:\n%s", i, tail(log, 2000))
			}
		}
	}
	res := <-during
	if res.err != nil || res.failed > 0 || res.requests == 0 {
		t.Errorf("during the swap: %+v, want every request answered 2xx", res)
	}
	t.Logf("during the swap: %d requests, %d failed", res.requests, res.failed)
	// And through nginx, the new release's own URLs.
	if resp, err := http.Get(front + "/api/v1/releases/second/specialties"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("second release through nginx: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// freePorts finds n consecutive free loopback ports and returns the first.
func freePorts(t *testing.T, n int) int {
	t.Helper()
	for range 50 {
		base := 20000 + rand.IntN(40000)
		free := true
		for i := range n {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+i))
			if err != nil {
				free = false
				break
			}
			ln.Close()
		}
		if free {
			return base
		}
	}
	t.Fatal("no free ports")
	return 0
}

type wrkResult struct {
	requests, failed int
	rate             float64
	err              error
}

var (
	wrkTotal  = regexp.MustCompile(`(\d+) requests in`)
	wrkNon2xx = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkSocket = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkRate   = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
)

// wrkRun loads url with wrk for d: 2 threads, 8 connections.
func wrkRun(url string, d time.Duration) wrkResult {
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "wrk", "-t2", "-c8", "-d"+strconv.Itoa(int(d.Seconds()))+"s", url).CombinedOutput()
	if err != nil {
		return wrkResult{err: fmt.Errorf("wrk: %v\n%s", err, out)}
	}
	s := string(out)
	var r wrkResult
	if m := wrkTotal.FindStringSubmatch(s); m != nil {
		r.requests, _ = strconv.Atoi(m[1])
	}
	if m := wrkNon2xx.FindStringSubmatch(s); m != nil {
		r.failed, _ = strconv.Atoi(m[1])
	}
	if m := wrkSocket.FindStringSubmatch(s); m != nil {
		for _, x := range m[1:] {
			n, _ := strconv.Atoi(x)
			r.failed += n
		}
	}
	if m := wrkRate.FindStringSubmatch(s); m != nil {
		r.rate, _ = strconv.ParseFloat(m[1], 64)
	}
	if r.requests == 0 {
		r.err = fmt.Errorf("wrk gave no count:\n%s", s)
	}
	return r
}

func wrk(t *testing.T, url string, d time.Duration) wrkResult {
	t.Helper()
	r := wrkRun(url, d)
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r
}

// cacheCounts counts the requests for path in nginx's access log (format
// "cache" of start.sh) and those answered from its cache (HIT).
func cacheCounts(t *testing.T, log, path string) (hits, total int) {
	t.Helper()
	f, err := os.Open(log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || fields[3] != path {
			continue
		}
		total++
		if fields[1] == "HIT" {
			hits++
		}
	}
	return hits, total
}

// latest is the release a replica's API index names as its latest.
func latest(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var env struct {
		Data struct {
			LatestRelease string `json:"latest_release"`
		} `json:"data"`
	}
	if json.NewDecoder(resp.Body).Decode(&env) != nil {
		return ""
	}
	return env.Data.LatestRelease
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
