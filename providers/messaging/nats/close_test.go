package nats_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/testlog"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/test/testenv"
)

// TestCloseIsNotALostConnection: closing the bus does not log a lost connection, so that
// operators see that warning only when the server goes away.
func TestCloseIsNotALostConnection(t *testing.T) {
	var logs testlog.Buffer
	bus, err := messaging.Open(context.Background(), "nats", namespace(t, testenv.NATS(t)),
		messaging.Env{Logger: logs.Logger()})
	require.NoError(t, err)
	require.NoError(t, bus.CheckHealth(context.Background()))
	require.NoError(t, bus.Close())
	assert.NotContains(t, logs.String(), "connection lost")
}
