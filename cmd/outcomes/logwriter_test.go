package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe to read while the flusher writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLogWriter(t *testing.T) {
	var out lockedBuffer
	lw := newLogWriter(&out, time.Hour) // only Close flushes
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				fmt.Fprintf(lw, "goroutine %d line %d\n", g, i)
			}
		})
	}
	wg.Wait()
	if got := out.String(); got != "" {
		t.Errorf("output before Close with an hour's interval: %d bytes, want none (buffered)", len(got))
	}
	if err := lw.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 800 {
		t.Fatalf("%d lines after Close, want 800", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "goroutine ") || strings.Count(l, "line") != 1 {
			t.Fatalf("interleaved line %q", l)
		}
	}

	out2 := &lockedBuffer{}
	lw2 := newLogWriter(out2, 10*time.Millisecond)
	defer lw2.Close()
	fmt.Fprintln(lw2, "flushed by the ticker")
	deadline := time.Now().Add(5 * time.Second)
	for out2.String() == "" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := out2.String(); got != "flushed by the ticker\n" {
		t.Errorf("after the interval the output is %q, want the line", got)
	}
}
