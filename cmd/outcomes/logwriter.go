package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// logWriter buffers the server's log lines and writes them out every
// interval and on Close. One line per request written straight to stderr
// is a system call per request, the largest cost left on a response served
// from the cache; a line is at most interval late.
type logWriter struct {
	mu   sync.Mutex
	buf  *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

func newLogWriter(w io.Writer, interval time.Duration) *logWriter {
	lw := &logWriter{buf: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(lw.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				lw.flush()
			case <-lw.stop:
				lw.flush()
				return
			}
		}
	}()
	return lw
}

func (lw *logWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.buf.Write(p)
}

func (lw *logWriter) flush() {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	lw.buf.Flush() // nowhere to report a failed log write
}

// Close writes out what is buffered and stops the flusher.
func (lw *logWriter) Close() error {
	close(lw.stop)
	<-lw.done
	return nil
}
