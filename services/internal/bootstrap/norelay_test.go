package bootstrap_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/outbox"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/bootstrap"
)

// TestCommandsLeaveTheOutboxToTheServer: on the embedded defaults (SQLite, the process's own
// memory bus) a command opening the providers beside the serving process (eim token, doctor)
// relays nothing: an event pending in the shared database stays pending through the command and
// reaches the serving process's subscriber. A command's relay used to publish it into the
// command's own bus, and the serving process never saw it (a project created through the API
// while `eim token` ran got no OS resources).
func TestCommandsLeaveTheOutboxToTheServer(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	log := slog.New(slog.DiscardHandler)

	sec, _ := kinds.ByName(kinds.Secrets)
	st, _ := kinds.ByName(kinds.Storage)
	writer, err := bootstrap.OpenProviders(ctx, bootstrap.Options{Config: cfg, Logger: log, Kinds: []kinds.Kind{sec, st}})
	require.NoError(t, err)
	db := writer.Set().Storage
	require.NoError(t, db.InTx(ctx, func(tx *storage.Tx) error {
		return outbox.Append(ctx, db, tx, "projects.created", messaging.Message{Key: "p1", Payload: []byte("p1")})
	}))
	require.NoError(t, writer.Shutdown(ctx))

	cmd, err := bootstrap.OpenProviders(ctx, bootstrap.Options{Config: cfg, Logger: log, Kinds: kinds.All()})
	require.NoError(t, err)
	require.NotNil(t, cmd.Set().Messaging, "the command opened messaging")
	stolen := make(chan struct{}, 1)
	_, err = cmd.Set().Messaging.Subscribe(ctx, "projects.created", "osresource", func(context.Context, messaging.Message) error {
		stolen <- struct{}{}
		return nil
	})
	require.NoError(t, err)
	// a relay flushes at once when it starts, and then every second: two seconds of the command's
	// life are when it would have taken the event
	select {
	case <-stolen:
		t.Fatal("the command relayed the serving process's event into its own bus")
	case <-time.After(2 * time.Second):
	}
	require.NoError(t, cmd.Shutdown(ctx))

	server, closeServer, err := bootstrap.OpenDatabase(ctx, bootstrap.Options{Config: cfg, Logger: log})
	require.NoError(t, err)
	defer func() { _ = closeServer(ctx) }()
	pending, err := outbox.Pending(ctx, server)
	require.NoError(t, err)
	require.Equal(t, 1, pending, "the command relayed the event into its own bus")

	got := make(chan string, 1)
	bus, err := messaging.Open(ctx, "memory", nil, messaging.Env{Storage: server})
	require.NoError(t, err)
	defer bus.Close()
	_, err = bus.Subscribe(ctx, "projects.created", "osresource", func(_ context.Context, m messaging.Message) error {
		got <- string(m.Payload)
		return nil
	})
	require.NoError(t, err)
	relay := outbox.NewRelay(server, bus, outbox.RelayOptions{})
	relay.Start()
	defer relay.Close()
	select {
	case p := <-got:
		require.Equal(t, "p1", p)
	case <-time.After(time.Minute):
		t.Fatal("the serving process's relay did not deliver the command's pending event")
	}
}
