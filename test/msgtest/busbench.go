package msgtest

import (
	"context"
	"testing"
	"time"

	"github.com/eim-byoi/eim/providers/messaging"
)

// BusRun measures bus: a subscription with concurrency 16 on a fresh topic and group.
func BusRun(b *testing.B, bus *messaging.Bus, topic string) Result {
	b.Helper()
	ctx := context.Background()
	return Run(b, func(c *Clock) func() {
		s, err := bus.Subscribe(ctx, topic, "bench", func(_ context.Context, m messaging.Message) error {
			c.Received(m.Payload)
			return nil
		}, messaging.Concurrency(16))
		if err != nil {
			b.Fatalf("subscribe: %v", err)
		}
		return func() {
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			_ = s.Close(cctx)
		}
	}, func(batch [][]byte) error {
		msgs := make([]messaging.Message, len(batch))
		for i, p := range batch {
			msgs[i] = messaging.Message{Payload: p}
		}
		return bus.Publish(ctx, topic, msgs...)
	})
}
