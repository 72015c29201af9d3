package acks_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging/internal/acks"
	"github.com/eim-byoi/eim/providers/provider"
)

// recorder is a batch writer that records what it was given.
type recorder struct {
	mu      sync.Mutex
	batches [][]int
	fail    error
	delay   time.Duration
}

func (r *recorder) write(_ context.Context, batch []int) error {
	time.Sleep(r.delay)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, append([]int(nil), batch...))
	return r.fail
}

func TestWriterBatchesEveryItemOnce(t *testing.T) {
	rec := &recorder{delay: time.Millisecond}
	var written sync.WaitGroup
	calls := 0
	w := acks.New(50, rec.write, func() { calls++ }, slog.New(slog.DiscardHandler))
	for g := range 16 {
		written.Go(func() {
			for i := range 100 {
				w.Add(g*100 + i)
			}
		})
	}
	written.Wait()
	require.NoError(t, w.Flush(context.Background()))
	seen := map[int]int{}
	for _, b := range rec.batches {
		assert.LessOrEqual(t, len(b), 50, "a batch never exceeds the maximum")
		for _, v := range b {
			seen[v]++
		}
	}
	assert.Len(t, seen, 1600, "every item is written")
	for v, n := range seen {
		assert.Equal(t, 1, n, "item %d written once", v)
	}
	assert.Less(t, len(rec.batches), 1600, "items queued while a batch is written go together")
	assert.Equal(t, len(rec.batches), calls, "written is called after every batch written")
}

func TestWriterDropsWhatItCannotWrite(t *testing.T) {
	var logs bytes.Buffer
	rec := &recorder{fail: errors.New("backend down")}
	calls := 0
	w := acks.New(10, rec.write, func() { calls++ }, slog.New(slog.NewTextHandler(&logs, nil)))
	for i := range 25 {
		w.Add(i)
	}
	require.NoError(t, w.Flush(context.Background()))
	assert.Contains(t, logs.String(), "acknowledgements not written")
	assert.Contains(t, logs.String(), "backend down")
	assert.Zero(t, calls, "written is not called for a failed batch")
	total := 0
	for _, b := range rec.batches {
		total += len(b)
	}
	assert.Equal(t, 25, total, "each item is tried once, then dropped (its message is redelivered)")
}

func TestFlushHonoursItsDeadline(t *testing.T) {
	block := make(chan struct{})
	w := acks.New(10, func(context.Context, []int) error { <-block; return nil }, nil, slog.New(slog.DiscardHandler))
	w.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, w.Flush(ctx), context.DeadlineExceeded)
	close(block)
	require.NoError(t, w.Flush(context.Background()))
}

func TestDrainReportsWhatIsLeft(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	w := acks.New(10, func(context.Context, []int) error { <-block; return nil }, nil, slog.New(slog.DiscardHandler))
	require.NoError(t, w.Drain(), "nothing queued")
	w.Add(1)
	err := w.Drain()
	require.Error(t, err)
	assert.Equal(t, provider.DeadlineExceeded, provider.CodeOf(err), "%v", err)
	assert.Contains(t, err.Error(), "delivered again")
}
