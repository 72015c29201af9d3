package provider_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/eim-byoi/eim/providers/provider"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt  int
		min, max time.Duration
		center   time.Duration
	}{
		{1, time.Second, time.Minute, time.Second},
		{2, time.Second, time.Minute, 2 * time.Second},
		{4, time.Second, time.Minute, 8 * time.Second},
		{20, time.Second, time.Minute, time.Minute},
	}
	for _, tt := range tests {
		for range 50 {
			d := provider.Backoff{Min: tt.min, Max: tt.max, Jitter: 0.2}.Delay(tt.attempt)
			assert.GreaterOrEqual(t, d, tt.center-tt.center/5, "attempt %d", tt.attempt)
			assert.LessOrEqual(t, d, min(tt.center+tt.center/5, tt.max), "attempt %d never exceeds max", tt.attempt)
		}
	}
}

func TestBackoffWithoutJitter(t *testing.T) {
	b := provider.Backoff{Min: 100 * time.Millisecond, Max: time.Second}
	got := []time.Duration{b.Delay(1), b.Delay(2), b.Delay(3), b.Delay(4), b.Delay(5)}
	assert.Equal(t, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second}, got)
}

func TestRetry(t *testing.T) {
	b := provider.Backoff{Min: time.Millisecond, Max: time.Millisecond}
	calls := 0
	err := provider.Retry(context.Background(), b, provider.IsUnavailable, func() error {
		calls++
		if calls < 3 {
			return provider.Errorf(provider.Unavailable, "down")
		}
		return nil
	})
	assert.NoError(t, err)
	assert.Equal(t, 3, calls, "retried until it succeeded")

	calls = 0
	err = provider.Retry(context.Background(), b, provider.IsUnavailable, func() error {
		calls++
		return provider.Errorf(provider.PermissionDenied, "denied")
	})
	assert.Equal(t, provider.PermissionDenied, provider.CodeOf(err))
	assert.Equal(t, 1, calls, "an error the predicate rejects is returned at once")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	down := provider.Errorf(provider.Unavailable, "down")
	err = provider.Retry(ctx, b, nil, func() error { return down })
	assert.ErrorIs(t, err, down, "the last error is kept")
	assert.ErrorContains(t, err, "gave up: context canceled")
	assert.True(t, errors.Is(provider.Sleep(ctx, time.Hour), context.Canceled))
}
