package rabbitmq_test

import (
	"context"
	"net/url"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/eim-byoi/eim/test/msgtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// BenchmarkThroughput compares publish+consume through the adapter with raw amqp091-go (a
// quorum queue, publisher confirms, manual acks) on the same broker, in the same run.
func BenchmarkThroughput(b *testing.B) {
	srv := testenv.RabbitMQ(b)
	for b.Loop() {
		c := namespace(b, srv)
		adapter := msgtest.BusRun(b, open(b, c), "bench")
		u, _ := url.Parse(c.URL)
		conn, err := amqp.Dial("amqp://" + url.UserPassword(srv.User, srv.Password).String() + "@" + srv.Addr() + u.Path)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = conn.Close() })
		raw := msgtest.Run(b, rawConsumer(b, conn), rawPublisher(b, conn))
		msgtest.Report(b, adapter, raw)
	}
}

func rawConsumer(b *testing.B, conn *amqp.Connection) func(*msgtest.Clock) func() {
	return func(clock *msgtest.Clock) func() {
		ch, err := conn.Channel()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ch.QueueDeclare("raw", true, false, false, false, amqp.Table{"x-queue-type": "quorum"}); err != nil {
			b.Fatal(err)
		}
		if err := ch.Qos(32, 0, false); err != nil {
			b.Fatal(err)
		}
		ds, err := ch.Consume("raw", "raw", false, false, false, false, nil)
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			for d := range ds {
				clock.Received(d.Body)
				_ = d.Ack(false)
			}
		}()
		return func() { _ = ch.Close() }
	}
}

func rawPublisher(b *testing.B, conn *amqp.Connection) func([][]byte) error {
	ch, err := conn.Channel()
	if err != nil {
		b.Fatal(err)
	}
	if err := ch.Confirm(false); err != nil {
		b.Fatal(err)
	}
	return func(batch [][]byte) error {
		ctx := context.Background()
		var cs []*amqp.DeferredConfirmation
		for _, p := range batch {
			c, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", "raw", false, false, amqp.Publishing{Body: p, DeliveryMode: amqp.Persistent})
			if err != nil {
				return err
			}
			cs = append(cs, c)
		}
		for _, c := range cs {
			if _, err := c.WaitContext(ctx); err != nil {
				return err
			}
		}
		return nil
	}
}
