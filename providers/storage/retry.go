package storage

import (
	"context"
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
		if werr := provider.Sleep(ctx, provider.Backoff{Min: retryBase, Max: retryMax, Jitter: 0.5}.Delay(i+1)); werr != nil {
			return err
		}
	}
	return err
}
