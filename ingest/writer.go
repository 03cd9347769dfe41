package ingest

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/store"
)

// writer stores batches of rows on a goroutine of its own, so that reading
// and checking the next rows overlaps with SQLite's work on the last ones:
// on two cores, a load then takes about as long as SQLite alone.
//
// The batches channel is small, so a slow database makes the reader wait
// rather than memory grow.
type writer struct {
	loader  *store.Loader
	files   []string
	batches chan []outcome.Row
	free    chan []outcome.Row
	done    chan struct{}
	failed  atomic.Bool

	// Written by the writer goroutine; read only after done is closed.
	err    error
	stored []int   // rows stored, by file ordinal - 1
	dups   []error // a *RowError for each duplicate key
}

// errWriterFailed stops the reader once the writer has failed; the
// writer's own error is what Load reports.
var errWriterFailed = errors.New("writer failed")

func startWriter(ctx context.Context, loader *store.Loader, files []string) *writer {
	w := &writer{
		loader:  loader,
		files:   files,
		batches: make(chan []outcome.Row, 4),
		free:    make(chan []outcome.Row, 6),
		done:    make(chan struct{}),
		stored:  make([]int, len(files)),
	}
	go w.run(ctx)
	return w
}

func (w *writer) run(ctx context.Context) {
	defer close(w.done)
	for batch := range w.batches {
		if w.err == nil {
			if err := w.store(ctx, batch); err != nil {
				w.err = err
				w.failed.Store(true)
			}
		}
		select {
		case w.free <- batch[:0]:
		default:
		}
	}
}

// store adds one batch, recording rows whose key is already held.
func (w *writer) store(ctx context.Context, batch []outcome.Row) error {
	dups, err := w.loader.AddRows(ctx, batch)
	if err != nil {
		return err
	}
	for _, r := range batch {
		w.stored[r.File-1]++
	}
	for _, d := range dups {
		r := batch[d.Index]
		w.stored[r.File-1]--
		w.dups = append(w.dups, duplicateKeyError(w.files, r, d.File, d.Line))
	}
	return nil
}

// send hands a full batch to the writer and returns an empty one to fill.
func (w *writer) send(batch []outcome.Row) ([]outcome.Row, error) {
	if w.failed.Load() {
		return batch[:0], errWriterFailed
	}
	w.batches <- batch
	select {
	case b := <-w.free:
		return b, nil
	default:
		return make([]outcome.Row, 0, store.BatchSize), nil
	}
}

// wait stops the writer once it has stored everything sent, and returns
// its error.
func (w *writer) wait() error {
	close(w.batches)
	<-w.done
	return w.err
}
