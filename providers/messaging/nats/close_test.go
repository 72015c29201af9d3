package nats_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/test/testenv"
)

// lockedBuffer is a bytes.Buffer safe for a logger's goroutines and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestCloseIsNotALostConnection: closing the bus does not log a lost connection, so that
// operators see that warning only when the server goes away.
func TestCloseIsNotALostConnection(t *testing.T) {
	var logs lockedBuffer
	bus, err := messaging.Open(context.Background(), "nats", namespace(t, testenv.NATS(t)),
		messaging.Env{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	require.NoError(t, bus.CheckHealth(context.Background()))
	require.NoError(t, bus.Close())
	assert.NotContains(t, logs.String(), "connection lost")
}
