package redis_test

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/redis"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
	"github.com/eim-byoi/eim/test/conformance/messagingtest"
	"github.com/eim-byoi/eim/test/msgtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// namespace returns a configuration with a key prefix of the test's own, whose keys are
// deleted when the test ends.
func namespace(t msgtest.TB, srv *testenv.RedisServer) *redis.Config {
	t.Helper()
	c := redis.NewConfig()
	c.Address, c.Username, c.Password = srv.Addr(), srv.User, testenv.Ref(t, srv.Password)
	c.KeyPrefix = testenv.Unique(t, "eim") + ":"
	c.ClaimTimeout = provider.Duration(2 * time.Second)
	t.Cleanup(func() { deleteKeys(srv, c.KeyPrefix) })
	return c
}

func deleteKeys(srv *testenv.RedisServer, prefix string) {
	rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), Username: srv.User, Password: srv.Password})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	it := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for it.Next(ctx) {
		rdb.Del(ctx, it.Val())
	}
}

func open(t msgtest.TB, c *redis.Config) *messaging.Bus {
	t.Helper()
	bus, err := messaging.Open(context.Background(), "redis", c, messaging.Env{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close() })
	return bus
}

func through(c redis.Config, p *faultproxy.Proxy) *redis.Config {
	c.Address = p.Addr()
	return &c
}

func harness(t *testing.T) messagingtest.MessagingHarness {
	srv := testenv.Redis(t)
	return messagingtest.MessagingHarness{
		Open:   func(t messagingtest.T) *messaging.Bus { return open(t, namespace(t, srv)) },
		Prefix: "redis-",
		Hooks: messagingtest.MessagingHooks{
			Killable: func(t messagingtest.T) (*messaging.Bus, *messaging.Bus, func()) {
				c := namespace(t, srv)
				p := msgtest.Proxy(t, srv.Addr())
				return open(t, through(*c, p)), open(t, c), func() { msgtest.Set(t, p, faultproxy.Refuse) }
			},
			Interrupted: func(t messagingtest.T) (*messaging.Bus, func(), func()) {
				p := msgtest.Proxy(t, srv.Addr())
				return open(t, through(*namespace(t, srv), p)), func() { msgtest.Set(t, p, faultproxy.Refuse) }, func() { msgtest.Set(t, p, faultproxy.Forward) }
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
