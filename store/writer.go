package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ErrWriterBusy is returned (inside a *WriterBusyError) when another
// process holds the database for writing.
var ErrWriterBusy = errors.New("store: another writer holds the database")

// WriterBusyError says which process holds the database for writing, as
// far as its lock file tells.
type WriterBusyError struct {
	Path  string
	PID   int       // 0 when the lock file does not say
	Since time.Time // zero when the lock file does not say
}

func (e *WriterBusyError) Error() string {
	var who []string
	if e.PID > 0 {
		who = append(who, "pid "+strconv.Itoa(e.PID))
	}
	if !e.Since.IsZero() {
		who = append(who, "since "+e.Since.UTC().Format(time.RFC3339))
	}
	msg := "another ingest is running on " + e.Path
	if len(who) > 0 {
		msg += " (" + strings.Join(who, ", ") + ")"
	}
	return msg + "; wait for it to finish"
}

func (e *WriterBusyError) Unwrap() error { return ErrWriterBusy }

// lockPath is the writer's lock file beside the database. It stays after
// the writer ends (removing it would race with the next writer); the lock
// is the operating system's, so a crashed writer holds nothing.
func lockPath(dbPath string) string { return dbPath + ".lock" }

// writerLock is one process's hold on the database for writing: SQLite's
// own lock is taken only when a transaction begins and only says "locked",
// so a second ingest would wait ten seconds and then fail in whatever it
// was doing first (a migration). The lock file is taken at open instead,
// at once or not at all, and names its holder.
type writerLock struct {
	f *os.File
}

// lockWriter takes the writer's lock on the database at dbPath, or returns
// a *WriterBusyError naming the process that holds it.
func lockWriter(dbPath string) (*writerLock, error) {
	f, err := os.OpenFile(lockPath(dbPath), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("writer lock: %w", err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("writer lock %s: %w", f.Name(), err)
	}
	if !held {
		busy := holder(f, dbPath)
		f.Close()
		return nil, busy
	}
	// Say who holds it, for the next writer's message; the lock itself
	// does not depend on what is written.
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "pid %d since %s\n", os.Getpid(), time.Now().UTC().Format(time.RFC3339))
	}
	return &writerLock{f: f}, nil
}

// holder reads the lock file's "pid N since T" line.
func holder(f *os.File, dbPath string) *WriterBusyError {
	e := &WriterBusyError{Path: dbPath}
	b := make([]byte, 128)
	n, _ := f.ReadAt(b, 0)
	var pid int
	var since string
	if _, err := fmt.Sscanf(string(b[:n]), "pid %d since %s", &pid, &since); err == nil {
		e.PID = pid
		e.Since, _ = time.Parse(time.RFC3339, since)
	}
	return e
}

// release empties the lock file and lets the lock go.
func (l *writerLock) release() error {
	if l == nil {
		return nil
	}
	l.f.Truncate(0)
	return l.f.Close() // closing the file releases the lock
}
