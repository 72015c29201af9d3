// Package resync runs a module's periodic reconciliation in the background: one pass every
// interval, and after a failed pass the next one sooner, backing off from a second to a
// minute, so that a module whose backend was down catches up soon after it returns without
// hammering it meanwhile. The osresource and tenant modules use it.
package resync

import (
	"context"
	"log/slog"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Backoff paces the passes after a failure.
func Backoff() provider.Backoff {
	return provider.Backoff{Min: time.Second, Max: time.Minute, Jitter: 0.2}
}

// Loop is a running background reconciliation.
type Loop struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// Start runs pass every interval in a goroutine until Stop; the goroutine does not end with
// ctx (the context of a module's Start). failing says that the pass the module ran before Start
// failed, so that the first one comes soon. Failures are logged as what failed.
func Start(ctx context.Context, interval time.Duration, failing bool, log *slog.Logger, what string, pass func(context.Context) error) *Loop {
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l := &Loop{cancel: cancel, done: make(chan struct{})}
	go l.run(bg, interval, failing, log, what, pass)
	return l
}

func (l *Loop) run(ctx context.Context, interval time.Duration, failing bool, log *slog.Logger, what string, pass func(context.Context) error) {
	defer close(l.done)
	failures := 0
	if failing {
		failures = 1
	}
	backoff := Backoff()
	for {
		wait := interval
		if failures > 0 {
			wait = backoff.Delay(failures)
		}
		if provider.Sleep(ctx, wait) != nil {
			return
		}
		if err := pass(ctx); err != nil {
			failures++
			log.Warn(what+" failed", "error", err.Error(), "attempt", failures)
			continue
		}
		failures = 0
	}
}

// Stop ends the loop and waits for a pass in progress to return, or for ctx to end. A nil Loop
// is stopped already.
func (l *Loop) Stop(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.cancel()
	select {
	case <-l.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RetryAborted runs fn again while the database aborts its writes (a busy SQLite, a
// serialization failure, a revision that moved), for up to ten seconds; fn must be idempotent.
func RetryAborted(ctx context.Context, fn func() error) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return provider.Retry(ctx, provider.Backoff{Min: 10 * time.Millisecond, Max: time.Second, Jitter: 0.2},
		func(err error) bool { return provider.CodeOf(err) == provider.Aborted }, fn)
}
