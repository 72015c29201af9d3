package memory_test

import (
	"context"
	"fmt"

	"github.com/eim-byoi/eim/providers/messaging"
	_ "github.com/eim-byoi/eim/providers/messaging/memory"
)

// The embedded default: publish to a topic and handle it in a consumer group.
func Example() {
	ctx := context.Background()
	bus, err := messaging.Open(ctx, "memory", nil, messaging.Env{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer bus.Close()
	got := make(chan string, 1)
	sub, err := bus.Subscribe(ctx, "hosts.changed", "inventory", func(_ context.Context, m messaging.Message) error {
		got <- string(m.Payload)
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sub.Close(ctx)
	if err := bus.Publish(ctx, "hosts.changed", messaging.Message{Key: "host-1", Payload: []byte("online")}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(<-got)
	// Output: online
}
