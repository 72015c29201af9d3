package storage

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// DefaultAttempts is how many times WithRetry() runs a transaction that keeps failing with a
// retryable error (serialization failure, deadlock, lost connection).
const DefaultAttempts = 5

const (
	retryBase = 5 * time.Millisecond
	retryMax  = 500 * time.Millisecond
)

// Retry calls fn until it succeeds, fails with an error that is not retryable (see
// provider.IsRetryable), has been called attempts times, or ctx ends. Between attempts it
// waits with exponential backoff and jitter. It returns fn's last error.
func Retry(ctx context.Context, attempts int, fn func(context.Context) error) error {
	var err error
	for i := range max(attempts, 1) {
		if err = fn(ctx); err == nil || !provider.IsRetryable(err) || i == attempts-1 {
			return err
		}
		if werr := wait(ctx, backoff(i)); werr != nil {
			return err
		}
	}
	return err
}

func backoff(attempt int) time.Duration {
	d := retryBase << min(attempt, 10)
	d = min(d, retryMax)
	return d/2 + rand.N(d/2+1)
}

func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
