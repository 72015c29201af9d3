package redis_test

import (
	"context"
	"fmt"
	"time"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/redis"
	"github.com/eim-byoi/eim/providers/provider"
)

// Redis Streams with an ACL user; a crashed consumer's messages are reclaimed after 30s.
func Example() {
	cfg := redis.NewConfig()
	cfg.Address, cfg.Username = "redis.example.com:6379", "eim"
	cfg.Password = provider.SecretRef{Env: "EIM_REDIS_PASSWORD"}
	cfg.ClaimTimeout = provider.Duration(30 * time.Second)
	if err := cfg.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	bus, err := messaging.Open(ctx, "redis", cfg, messaging.Env{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer bus.Close()
	_, _ = bus.Subscribe(ctx, "hosts.changed", "alerts", func(ctx context.Context, m messaging.Message) error {
		return nil // acknowledged; an error would redeliver it after a backoff
	}, messaging.MaxDeliveries(10))
}
