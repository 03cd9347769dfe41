package api

import (
	"bytes"
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
