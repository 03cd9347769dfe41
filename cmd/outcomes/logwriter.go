package main

import (
	"bytes"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// logWriter sits between the server's logger and stderr so that logging
// can never slow or stop serving. A request's log line is appended to a
// bounded buffer and the request goes on; one goroutine writes the buffer
// out, many lines per system call under load. When stderr cannot keep up
// (a pipe nobody reads, a stalled terminal) the buffer fills and further
// lines are dropped and counted, where a plain write to stderr would block
// every request once the pipe's 64 KiB were full.
type logWriter struct {
	out io.Writer
	// limit is the most bytes held waiting for out.
	limit int

	mu      sync.Mutex
	pending []byte
	closed  bool

	wake    chan struct{} // a line is pending or Close was called; capacity 1
	done    chan struct{} // closed when the writer goroutine returns
	dropped atomic.Uint64
}

// newLogWriter starts writing to out, holding at most limit bytes while
// out is busy.
func newLogWriter(out io.Writer, limit int) *logWriter {
	lw := &logWriter{out: out, limit: limit, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go lw.run()
	return lw
}

// Write queues p, one log line, or drops it when the buffer is full or the
// writer closed. It never blocks on out and never fails: a logger has
// nowhere to report a lost line but the dropped count.
func (lw *logWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	if lw.closed || len(lw.pending)+len(p) > lw.limit {
		lw.mu.Unlock()
		lw.dropped.Add(1)
		return len(p), nil
	}
	lw.pending = append(lw.pending, p...)
	lw.mu.Unlock()
	select {
	case lw.wake <- struct{}{}:
	default: // already woken
	}
	return len(p), nil
}

// run writes out whatever is pending until Close, swapping buffers so that
// Write is never held up by a write to out.
func (lw *logWriter) run() {
	defer close(lw.done)
	var spare []byte
	for range lw.wake {
		for {
			lw.mu.Lock()
			batch := lw.pending
			lw.pending = spare[:0]
			closed := lw.closed
			lw.mu.Unlock()
			if len(batch) > 0 {
				if _, err := lw.out.Write(batch); err != nil {
					// A broken pipe or full disk: those lines are lost too.
					lw.dropped.Add(uint64(bytes.Count(batch, []byte{'\n'})))
				}
			}
			spare = batch
			if len(batch) == 0 {
				if closed {
					return
				}
				break
			}
		}
	}
}

// Dropped is how many lines were lost: dropped because the buffer was full
// or the writer closed, or lost in a failed write.
func (lw *logWriter) Dropped() uint64 {
	return lw.dropped.Load()
}

// Close stops taking lines and waits up to wait for those pending to be
// written. When out is blocked it gives up then, so a stuck stderr cannot
// hold up the server's exit; the lines still pending are lost.
func (lw *logWriter) Close(wait time.Duration) {
	lw.mu.Lock()
	lw.closed = true
	lw.mu.Unlock()
	select {
	case lw.wake <- struct{}{}:
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-lw.done:
	case <-t.C:
	}
}
