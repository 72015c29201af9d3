// Package acks writes acknowledgements in the background, in batches, the way broker clients
// send theirs: an adapter's Ack queues an item and returns, and one goroutine writes what has
// queued up with one call per batch, so handlers do not wait for the backend and one
// connection does the work of their many. An item that cannot be written is dropped with a
// warning: its message is delivered again once its acknowledgement deadline passes, which
// at-least-once delivery allows.
package acks

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Time limits: of one batch write, and of Drain.
const (
	WriteTimeout = 10 * time.Second
	DrainTimeout = 5 * time.Second
)

// Writer queues acknowledgements of type T and writes them in batches.
type Writer[T any] struct {
	max     int
	write   func(context.Context, []T) error
	written func()
	log     *slog.Logger

	mu      sync.Mutex
	pending []T
	idle    chan struct{} // closed while nothing is queued or being written
}

// New returns a Writer that writes up to max items per call of write, and calls written (when
// not nil) after each batch it wrote.
func New[T any](max int, write func(context.Context, []T) error, written func(), log *slog.Logger) *Writer[T] {
	idle := make(chan struct{})
	close(idle)
	return &Writer[T]{max: max, write: write, written: written, log: log, idle: idle}
}

// Add queues item, starting the writer when it is not running.
func (w *Writer[T]) Add(item T) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(w.pending, item)
	select {
	case <-w.idle:
		w.idle = make(chan struct{})
		go w.run() // ends when nothing is queued; Flush waits for it
	default: // running: it takes this one with its next batch
	}
}

// run writes batches until nothing is queued.
func (w *Writer[T]) run() {
	for {
		runtime.Gosched() // let the handlers that are finishing queue theirs into this batch
		batch := w.take()
		if batch == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), WriteTimeout)
		err := w.write(ctx, batch)
		cancel()
		if err != nil {
			w.log.Warn("acknowledgements not written; their messages will be delivered again after their deadline",
				"messages", len(batch), "error", err)
			continue
		}
		if w.written != nil {
			w.written()
		}
	}
}

// take removes the next batch, or marks the writer idle and returns nil when none is queued.
func (w *Writer[T]) take() []T {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := min(len(w.pending), w.max)
	if n == 0 {
		close(w.idle)
		return nil
	}
	batch := w.pending[:n:n]
	w.pending = w.pending[n:]
	return batch
}

// Flush waits until every queued acknowledgement is written or dropped, or ctx ends.
func (w *Writer[T]) Flush(ctx context.Context) error {
	w.mu.Lock()
	idle := w.idle
	w.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Drain waits up to DrainTimeout for the queued acknowledgements to be written, as an adapter's
// Close does before it disconnects. It fails with DeadlineExceeded when some are still queued:
// their messages will be delivered again.
func (w *Writer[T]) Drain() error {
	ctx, cancel := context.WithTimeout(context.Background(), DrainTimeout)
	defer cancel()
	if err := w.Flush(ctx); err != nil {
		return provider.Errorf(provider.DeadlineExceeded,
			"acknowledgements still being written after %s; their messages will be delivered again: %w", DrainTimeout, err)
	}
	return nil
}
