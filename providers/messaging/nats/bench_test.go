package nats_test

import (
	"context"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/test/msgtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// BenchmarkThroughput compares publish+consume through the adapter with the raw nats.go
// jetstream client on the same server, in the same run, against two baselines:
//
//   - same-message: the raw client publishing what the adapter publishes for a message — its
//     id in a header and as Nats-Msg-Id, so that JetStream deduplicates a retried publish.
//     The adapter's overhead is this ratio.
//   - payload-only: bare payloads, no headers, no deduplication.
func BenchmarkThroughput(b *testing.B) {
	srv := testenv.NATS(b)
	for _, sameMessage := range []bool{true, false} {
		name := map[bool]string{true: "same-message", false: "payload-only"}[sameMessage]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				c := namespace(b, srv)
				adapter := msgtest.BusRun(b, open(b, c), "bench")
				raw := msgtest.Run(b, rawConsumer(b, srv, c.Stream, c.SubjectPrefix+"raw"), rawPublisher(b, srv, c.SubjectPrefix+"raw", sameMessage))
				msgtest.Report(b, adapter, raw)
			}
		})
	}
}

func connect(b *testing.B, srv *testenv.NATSServer) jetstream.JetStream {
	nc, err := natsgo.Connect(srv.URL(), natsgo.UserInfo(srv.User, srv.Password))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	return js
}

func rawConsumer(b *testing.B, srv *testenv.NATSServer, stream, subject string) func(*msgtest.Clock) func() {
	return func(clock *msgtest.Clock) func() {
		js := connect(b, srv)
		ctx := context.Background()
		cons, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{Durable: "raw", FilterSubject: subject,
			AckPolicy: jetstream.AckExplicitPolicy, AckWait: 30 * time.Second, DeliverPolicy: jetstream.DeliverNewPolicy, MaxAckPending: 1000})
		if err != nil {
			b.Fatal(err)
		}
		cc, err := cons.Consume(func(m jetstream.Msg) {
			clock.Received(m.Data())
			_ = m.Ack()
		}, jetstream.PullMaxMessages(32))
		if err != nil {
			b.Fatal(err)
		}
		return cc.Stop
	}
}

func rawPublisher(b *testing.B, srv *testenv.NATSServer, subject string, sameMessage bool) func([][]byte) error {
	js := connect(b, srv)
	return func(batch [][]byte) error {
		var futures []jetstream.PubAckFuture
		for _, p := range batch {
			msg := natsgo.NewMsg(subject)
			msg.Data = p
			var opts []jetstream.PublishOpt
			if sameMessage {
				id := messaging.NewID()
				msg.Header.Set("eim-id", id)
				opts = append(opts, jetstream.WithMsgID(id))
			}
			f, err := js.PublishMsgAsync(msg, opts...)
			if err != nil {
				return err
			}
			futures = append(futures, f)
		}
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				return err
			}
		}
		return nil
	}
}
