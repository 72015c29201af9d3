package nats_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/nats"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
	"github.com/eim-byoi/eim/test/conformance/messagingtest"
	"github.com/eim-byoi/eim/test/msgtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// namespace returns a configuration on a stream and subject prefix of the test's own, deleted
// when the test ends.
func namespace(t msgtest.TB, srv *testenv.NATSServer) *nats.Config {
	return msgtest.NATSNamespace(t, srv)
}

func open(t msgtest.TB, c *nats.Config) *messaging.Bus {
	t.Helper()
	bus, err := messaging.Open(context.Background(), "nats", c, messaging.Env{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close() })
	return bus
}

// through points c at p.
func through(c nats.Config, p *faultproxy.Proxy) *nats.Config {
	c.URL = "nats://" + p.Addr()
	return &c
}

func harness(t *testing.T) messagingtest.MessagingHarness {
	srv := testenv.NATS(t)
	return messagingtest.MessagingHarness{
		Open:   func(t messagingtest.T) *messaging.Bus { return open(t, namespace(t, srv)) },
		Prefix: "nats-",
		Hooks: messagingtest.MessagingHooks{
			Killable: func(t messagingtest.T) (*messaging.Bus, *messaging.Bus, func()) {
				c := namespace(t, srv)
				p := msgtest.Proxy(t, srv.Addr())
				return open(t, through(*c, p)), open(t, c), func() { msgtest.Set(t, p, faultproxy.Refuse) }
			},
			Interrupted: func(t messagingtest.T) (*messaging.Bus, func(), func()) {
				p := msgtest.Proxy(t, srv.Addr())
				bus := open(t, through(*namespace(t, srv), p))
				return bus, func() { msgtest.Set(t, p, faultproxy.Refuse) }, func() { msgtest.Set(t, p, faultproxy.Forward) }
			},
			DownAtStartup: func(t messagingtest.T) (*messaging.Bus, func()) {
				p := msgtest.Proxy(t, srv.Addr())
				msgtest.Set(t, p, faultproxy.Refuse)
				return open(t, through(*namespace(t, srv), p)), func() { msgtest.Set(t, p, faultproxy.Forward) }
			},
			Outbox: func(t messagingtest.T) (*storage.DB, *messaging.Bus, func(), func()) {
				p := msgtest.Proxy(t, srv.Addr())
				bus := open(t, through(*namespace(t, srv), p))
				return msgtest.Postgres(t), bus, func() { msgtest.Set(t, p, faultproxy.Refuse) }, func() { msgtest.Set(t, p, faultproxy.Forward) }
			},
		},
	}
}

func TestConformance(t *testing.T) {
	messagingtest.RunMessaging(t, harness(t))
}
