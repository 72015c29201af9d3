package resync_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/testlog"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/internal/resync"
)

// TestLoopRunsPassesUntilStopped: passes repeat, a failure is logged and followed by another
// pass, and Stop waits for the loop to end.
func TestLoopRunsPassesUntilStopped(t *testing.T) {
	var logs testlog.Buffer
	passes := make(chan int, 100)
	n := 0
	l := resync.Start(context.Background(), time.Millisecond, false, logs.Logger(), "test pass", func(context.Context) error {
		n++
		passes <- n
		if n == 2 {
			return errors.New("backend down")
		}
		return nil
	})
	for range 3 {
		<-passes // the third pass follows the failed second one
	}
	require.NoError(t, l.Stop(context.Background()))
	assert.Contains(t, logs.String(), "test pass failed")
	assert.Contains(t, logs.String(), "backend down")
	assert.NoError(t, (*resync.Loop)(nil).Stop(context.Background()), "a loop never started is stopped")
}

// TestStartDoesNotEndWithItsContext: the loop outlives the context of the module's Start.
func TestStartDoesNotEndWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	passes := make(chan struct{}, 10)
	l := resync.Start(ctx, time.Millisecond, true, new(testlog.Buffer).Logger(), "pass", func(context.Context) error {
		passes <- struct{}{}
		return nil
	})
	cancel()
	<-passes
	<-passes
	require.NoError(t, l.Stop(context.Background()))
}

func TestRetryAborted(t *testing.T) {
	calls := 0
	err := resync.RetryAborted(context.Background(), func() error {
		calls++
		if calls < 3 {
			return provider.Errorf(provider.Aborted, "database is locked")
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 3, calls, "aborted writes are retried")

	calls = 0
	err = resync.RetryAborted(context.Background(), func() error {
		calls++
		return provider.Errorf(provider.NotFound, "gone")
	})
	assert.Equal(t, provider.NotFound, provider.CodeOf(err))
	assert.Equal(t, 1, calls, "other errors are not retried")
}
