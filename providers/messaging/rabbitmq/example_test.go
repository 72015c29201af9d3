package rabbitmq_test

import (
	"context"
	"fmt"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/rabbitmq"
	"github.com/eim-byoi/eim/providers/provider"
)

// RabbitMQ over TLS on the vhost "eim".
func Example() {
	cfg := rabbitmq.NewConfig()
	cfg.URL = "amqps://rabbitmq.example.com:5671/eim"
	cfg.Username, cfg.Password = "eim", provider.SecretRef{Secret: "eim/rabbitmq#password"}
	if err := cfg.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	bus, err := messaging.Open(ctx, "rabbitmq", cfg, messaging.Env{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer bus.Close()
	_ = bus.Publish(ctx, "hosts.changed", messaging.Message{Key: "host-1", Payload: []byte("online")})
}
