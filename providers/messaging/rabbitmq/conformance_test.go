package rabbitmq_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/rabbitmq"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
	"github.com/eim-byoi/eim/test/conformance/messagingtest"
	"github.com/eim-byoi/eim/test/msgtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// namespace returns a configuration on a vhost of the test's own, deleted when it ends.
func namespace(t msgtest.TB, srv *testenv.RabbitMQServer) *rabbitmq.Config {
	t.Helper()
	c := rabbitmq.NewConfig()
	c.URL = "amqp://" + srv.Addr() + "/" + url.PathEscape(srv.CreateVHost(t, "eim"))
	c.Username, c.Password = srv.User, testenv.Ref(t, srv.Password)
	return c
}

func open(t msgtest.TB, c *rabbitmq.Config) *messaging.Bus {
	t.Helper()
	bus, err := messaging.Open(context.Background(), "rabbitmq", c, messaging.Env{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close() })
	return bus
}

func through(c rabbitmq.Config, srv *testenv.RabbitMQServer, p *faultproxy.Proxy) *rabbitmq.Config {
	u, _ := url.Parse(c.URL)
	u.Host = p.Addr()
	c.URL = u.String()
	return &c
}

func harness(t *testing.T) messagingtest.MessagingHarness {
	srv := testenv.RabbitMQ(t)
	proxied := func(t messagingtest.T) (*messaging.Bus, *faultproxy.Proxy) {
		p := msgtest.Proxy(t, srv.Addr())
		return open(t, through(*namespace(t, srv), srv, p)), p
	}
	return messagingtest.MessagingHarness{
		Open:   func(t messagingtest.T) *messaging.Bus { return open(t, namespace(t, srv)) },
		Prefix: "amqp-",
		Hooks: messagingtest.MessagingHooks{
			Killable: func(t messagingtest.T) (*messaging.Bus, *messaging.Bus, func()) {
				c := namespace(t, srv)
				p := msgtest.Proxy(t, srv.Addr())
				return open(t, through(*c, srv, p)), open(t, c), func() { msgtest.Set(t, p, faultproxy.Refuse) }
			},
			Interrupted: func(t messagingtest.T) (*messaging.Bus, func(), func()) {
				bus, p := proxied(t)
				return bus, func() { msgtest.Set(t, p, faultproxy.Refuse) }, func() { msgtest.Set(t, p, faultproxy.Forward) }
			},
			DownAtStartup: func(t messagingtest.T) (*messaging.Bus, func()) {
				p := msgtest.Proxy(t, srv.Addr())
				msgtest.Set(t, p, faultproxy.Refuse)
				return open(t, through(*namespace(t, srv), srv, p)), func() { msgtest.Set(t, p, faultproxy.Forward) }
			},
			Outbox: func(t messagingtest.T) (*storage.DB, *messaging.Bus, func(), func()) {
				bus, p := proxied(t)
				return msgtest.Postgres(t), bus, func() { msgtest.Set(t, p, faultproxy.Refuse) }, func() { msgtest.Set(t, p, faultproxy.Forward) }
			},
		},
	}
}

func TestConformance(t *testing.T) {
	messagingtest.RunMessaging(t, harness(t))
}
