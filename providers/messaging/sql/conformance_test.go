package sql_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/sql"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
	"github.com/eim-byoi/eim/test/conformance/messagingtest"
	"github.com/eim-byoi/eim/test/msgtest"
	"github.com/eim-byoi/eim/test/testenv"
)

const noOutboxFault = "with the sql adapter the broker is the database itself: while it is down, state changes cannot commit either; the outbox is tested with the other brokers and in package outbox"

func open(t msgtest.TB, db *storage.DB) *messaging.Bus {
	t.Helper()
	c := sql.NewConfig()
	c.VisibilityTimeout = provider.Duration(2 * time.Second)
	c.PollInterval = provider.Duration(200 * time.Millisecond)
	bus, err := messaging.Open(context.Background(), "sql", c, messaging.Env{Storage: db})
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close() })
	return bus
}

// database is one test-bed server: a fresh database, or one reached through a proxy.
type database struct {
	name   string
	prefix string // of the conformance suite's topics
	fresh  func(t msgtest.TB) *storage.DB
	via    func(t msgtest.TB, p *faultproxy.Proxy) (via, direct *storage.DB)
	addr   func(t msgtest.TB) string
}

func harness(d database, prefix string) messagingtest.MessagingHarness {
	proxied := func(t messagingtest.T) (*messaging.Bus, *faultproxy.Proxy) {
		p := msgtest.Proxy(t, d.addr(t))
		via, _ := d.via(t, p)
		return open(t, via), p
	}
	return messagingtest.MessagingHarness{
		Open:   func(t messagingtest.T) *messaging.Bus { return open(t, d.fresh(t)) },
		Prefix: prefix,
		Hooks: messagingtest.MessagingHooks{
			Killable: func(t messagingtest.T) (*messaging.Bus, *messaging.Bus, func()) {
				p := msgtest.Proxy(t, d.addr(t))
				via, direct := d.via(t, p)
				return open(t, via), open(t, direct), func() { msgtest.Set(t, p, faultproxy.Refuse) }
			},
			Interrupted: func(t messagingtest.T) (*messaging.Bus, func(), func()) {
				bus, p := proxied(t)
				return bus, func() { msgtest.Set(t, p, faultproxy.Refuse) }, func() { msgtest.Set(t, p, faultproxy.Forward) }
			},
			DownAtStartup: func(t messagingtest.T) (*messaging.Bus, func()) {
				p := msgtest.Proxy(t, d.addr(t))
				msgtest.Set(t, p, faultproxy.Refuse)
				via, _ := d.via(t, p)
				return open(t, via), func() { msgtest.Set(t, p, faultproxy.Forward) }
			},
		},
		Absent: map[string]string{messagingtest.HookOutbox: noOutboxFault},
	}
}

// databases are the test-bed servers the adapter runs on.
func databases() []database {
	return []database{
		{name: "PostgreSQL", prefix: "pg-", fresh: msgtest.Postgres, via: msgtest.PostgresVia,
			addr: func(t msgtest.TB) string { return testenv.Postgres(t).Addr() }},
		{name: "MariaDB", prefix: "my-", fresh: msgtest.MariaDB, via: msgtest.MariaDBVia,
			addr: func(t msgtest.TB) string { return testenv.MariaDB(t).Addr() }},
	}
}

func TestConformance(t *testing.T) {
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) {
			messagingtest.RunMessaging(t, harness(d, d.prefix))
		})
	}
}
