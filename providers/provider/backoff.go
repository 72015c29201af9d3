package provider

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// Backoff is exponential backoff with jitter, the one way EIM waits between attempts: Min after
// the first failure, doubled per further failure, capped at Max; Jitter (0 to 1) spreads each
// delay by up to that fraction either way (0.2: ±20%), never above Max.
type Backoff struct {
	Min, Max time.Duration
	Jitter   float64
}

// Delay returns the wait after the attempt-th consecutive failure (1 for the first).
func (b Backoff) Delay(attempt int) time.Duration {
	d := b.Min
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	if b.Jitter <= 0 || d <= 0 {
		return d
	}
	spread := time.Duration(float64(d) * min(b.Jitter, 1))
	return min(d-spread+rand.N(2*spread+1), b.Max)
}

// Sleep waits for d, or until ctx ends; it returns ctx's error then.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Retry calls fn until it returns nil or an error that retryable rejects (every error is
// retried when retryable is nil), waiting b.Delay after each failure. When ctx ends first it
// returns fn's last error, noting that it gave up and why.
func Retry(ctx context.Context, b Backoff, retryable func(error) bool, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || (retryable != nil && !retryable(err)) {
			return err
		}
		if werr := Sleep(ctx, b.Delay(attempt)); werr != nil {
			return fmt.Errorf("%w (gave up: %v)", err, werr)
		}
	}
}

// IsUnavailable reports whether err is coded Unavailable: the backend is not reachable yet.
func IsUnavailable(err error) bool { return CodeOf(err) == Unavailable }
