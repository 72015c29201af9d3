package nats_test

import (
	"context"
	"fmt"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/nats"
	"github.com/eim-byoi/eim/providers/provider"
)

// NATS JetStream with a user whose password is a secret reference (bootstrap resolves it
// before Open), TLS verified against a private CA.
func Example() {
	cfg := nats.NewConfig()
	cfg.URL = "tls://nats.example.com:4222"
	cfg.Username, cfg.Password = "eim", provider.SecretRef{Secret: "eim/nats#password"}
	cfg.TLS.CA = provider.SecretRef{File: "/etc/eim/nats-ca.pem"}
	if err := cfg.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	bus, err := messaging.Open(ctx, "nats", cfg, messaging.Env{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer bus.Close()
	_ = bus.Publish(ctx, "hosts.changed", messaging.Message{Key: "host-1", Payload: []byte("online")})
}
