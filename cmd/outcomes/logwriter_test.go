package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe to read while the writer writes.
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

func TestLogWriterKeepsEveryLine(t *testing.T) {
	var out lockedBuffer
	lw := newLogWriter(&out, 1<<20)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				fmt.Fprintf(lw, "goroutine %d line %d\n", g, i)
			}
		})
	}
	wg.Wait()
	lw.Close(time.Minute) // a hang, not a speed
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 800 {
		t.Fatalf("%d lines after Close, want 800", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "goroutine ") || strings.Count(l, "line") != 1 {
			t.Fatalf("interleaved line %q", l)
		}
	}
	if n := lw.Dropped(); n != 0 {
		t.Errorf("Dropped() = %d with room for every line, want 0", n)
	}
	fmt.Fprintln(lw, "after Close")
	if n := lw.Dropped(); n != 1 {
		t.Errorf("Dropped() = %d after a line written to a closed writer, want 1", n)
	}
}

// stuckWriter is stderr on a pipe nobody reads: Write blocks until
// release is closed.
type stuckWriter struct {
	release chan struct{}
	writes  chan []byte
}

func (s *stuckWriter) Write(p []byte) (int, error) {
	s.writes <- bytes.Clone(p)
	<-s.release
	return len(p), nil
}

func TestLogWriterNeverBlocks(t *testing.T) {
	out := &stuckWriter{release: make(chan struct{}), writes: make(chan []byte, 10)}
	defer close(out.release)
	const limit = 1000
	lw := newLogWriter(out, limit)
	line := strings.Repeat("x", 99) + "\n"
	fmt.Fprint(lw, line)
	if got := string(<-out.writes); got != line {
		t.Fatalf("first write = %q, want the line", got)
	}
	// The writer goroutine is now stuck in out.Write. Every further Write
	// must return at once: 10 lines fill the buffer, the rest are dropped.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 5000 {
			fmt.Fprint(lw, line)
		}
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a hang, not a speed
		t.Fatal("Write blocked behind a stuck stderr")
	}
	if got, want := lw.Dropped(), uint64(5000-limit/len(line)); got != want {
		t.Errorf("Dropped() = %d, want %d (what did not fit in %d bytes)", got, want, limit)
	}
	start := time.Now()
	lw.Close(100 * time.Millisecond)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Close took %v with stderr stuck, want about its wait of 100ms", d)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestLogWriterCountsFailedWrites(t *testing.T) {
	lw := newLogWriter(failingWriter{}, 1<<20)
	for range 3 {
		fmt.Fprintln(lw, "lost")
	}
	lw.Close(time.Minute)
	if n := lw.Dropped(); n != 3 {
		t.Errorf("Dropped() = %d after 3 lines failed to write, want 3", n)
	}
}
