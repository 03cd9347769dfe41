package api_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/store"
)

// TestDownloadConcurrent fetches the database file from several clients
// at once, one of them a range, while the file on disk is replaced: every
// client gets the bytes hashed at start, since requests read the one open
// file at offsets rather than through its shared seek position.
func TestDownloadConcurrent(t *testing.T) {
	want, err := os.ReadFile(store.DownloadPath(demoDB))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "copy.sqlite")
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, api.Config{DownloadFile: path})
	if err := os.WriteFile(path+".new", []byte("a later ingest's copy"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
	// fetch is get without t.Fatal, which must not run off the test's goroutine.
	fetch := func(header ...string) (*http.Response, []byte, error) {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/data/outcomes.sqlite", nil)
		if err != nil {
			return nil, nil, err
		}
		if len(header) == 2 {
			req.Header.Set(header[0], header[1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp, body, err
	}
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 0 {
				resp, body, err := fetch("Range", "bytes=100-199")
				if err != nil {
					t.Error(err)
					return
				}
				if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, want[100:200]) {
					t.Errorf("range 100-199 = %d, %d bytes; want 206 and the file's bytes 100-199", resp.StatusCode, len(body))
				}
				return
			}
			resp, body, err := fetch()
			if err != nil {
				t.Error(err)
				return
			}
			if resp.StatusCode != 200 || !bytes.Equal(body, want) {
				t.Errorf("download %d = %d, %d bytes; want 200 and the %d bytes hashed at start", i, resp.StatusCode, len(body), len(want))
			}
			if got := resp.Header.Get("ETag"); got != `"`+sha256Hex(want)+`"` {
				t.Errorf("download %d ETag = %s, want the file's SHA-256", i, got)
			}
		}()
	}
	wg.Wait()
}
