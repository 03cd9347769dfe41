package api

import (
	"bytes"
	"net/http"
	"sync"
)

// demoDBPath is the demo release's database that TestMain (package
// api_test, main_test.go) builds for every test, and outcomesBinPath the
// outcomes binary it built; SetTestFiles hands them to the package's
// internal tests.
var demoDBPath, outcomesBinPath string

// SetTestFiles tells the internal tests where the demo database and the
// outcomes binary are.
func SetTestFiles(db, bin string) { demoDBPath, outcomesBinPath = db, bin }

// SyncBuffer is a bytes.Buffer that the server's goroutines may write
// while a test reads it: a server's log.
type SyncBuffer = syncBuffer

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// DiscardWriter is a ResponseWriter that keeps the status and headers
// and drops the body, for benchmarks.
type DiscardWriter = discardWriter

// NewDiscardWriter returns an empty DiscardWriter.
func NewDiscardWriter() *DiscardWriter { return &discardWriter{header: http.Header{}} }

// Reset empties w for the next response.
func (w *discardWriter) Reset() { clear(w.header); w.status = 0 }

// Status is the status written.
func (w *discardWriter) Status() int { return w.status }
