package nats

import (
	"context"
	"encoding/hex"
	"errors"
	"hash/fnv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
)

// consumerName names the durable consumer of group on topic: readable, and unique by a hash
// of the topic (dots are not allowed in consumer names).
func consumerName(topic, group string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(topic))
	t := strings.ReplaceAll(topic, ".", "_")
	if len(t) > 100 {
		t = t[:100]
	}
	return group + "__" + t + "__" + hex.EncodeToString(h.Sum(nil))
}

func (d *driver) Declare(ctx context.Context, topic, group string, o messaging.GroupOptions) error {
	if err := d.connected(); err != nil {
		return err
	}
	if err := d.ensureStream(ctx); err != nil {
		return err
	}
	_, err := d.js.CreateOrUpdateConsumer(ctx, d.cfg.Stream, jetstream.ConsumerConfig{
		Durable:       consumerName(topic, group),
		Description:   "eim group " + group + " of topic " + topic,
		FilterSubject: d.subject(topic),
		DeliverPolicy: jetstream.DeliverNewPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       d.cfg.AckWait.Std(),
		// Unlimited: the Bus dead-letters after MaxDeliveries itself, with the error; JetStream's
		// own limit would drop the message with only an advisory.
		MaxDeliver:    -1,
		MaxAckPending: max(1000, 4*o.Prefetch),
	})
	return coded(err)
}

func (d *driver) Receive(ctx context.Context, topic, group string, o messaging.GroupOptions) (messaging.Receiver, error) {
	return &receiver{d: d, topic: topic, name: consumerName(topic, group), prefetch: max(o.Prefetch, 1)}, nil
}

type receiver struct {
	d        *driver
	topic    string
	name     string
	prefetch int

	mu     sync.Mutex
	iter   jetstream.MessagesContext
	closed bool
}

// messages returns the iterator, (re)creating it when there is none.
func (r *receiver) messages(ctx context.Context) (jetstream.MessagesContext, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, provider.Errorf(provider.FailedPrecondition, "receiver closed")
	}
	if r.iter != nil {
		return r.iter, nil
	}
	if err := r.d.connected(); err != nil {
		return nil, err
	}
	c, err := r.d.js.Consumer(ctx, r.d.cfg.Stream, r.name)
	if err != nil {
		return nil, coded(err)
	}
	it, err := c.Messages(jetstream.PullMaxMessages(r.prefetch))
	if err != nil {
		return nil, coded(err)
	}
	r.iter = it
	return it, nil
}

func (r *receiver) reset(it jetstream.MessagesContext) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.iter == it {
		r.iter.Stop()
		r.iter = nil
	}
}

func (r *receiver) Next(ctx context.Context) (messaging.Delivery, error) {
	it, err := r.messages(ctx)
	if err != nil {
		return nil, err
	}
	msg, err := it.Next(jetstream.NextContext(ctx))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) || errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) {
			r.reset(it)
		}
		return nil, coded(err)
	}
	return r.delivery(msg), nil
}

func (r *receiver) delivery(msg jetstream.Msg) *delivery {
	m := messaging.Message{Topic: r.topic, Payload: msg.Data(), Attempt: 1}
	for k, vs := range msg.Headers() {
		switch {
		case k == headerID:
			m.ID = vs[0]
		case k == headerKey:
			m.Key = vs[0]
		case k == jetstream.MsgIDHeader || len(vs) == 0:
		default:
			if m.Headers == nil {
				m.Headers = map[string]string{}
			}
			m.Headers[k] = vs[0]
		}
	}
	if md, err := msg.Metadata(); err == nil {
		m.Attempt = int(md.NumDelivered)
	}
	return &delivery{msg: msg, m: m}
}

func (r *receiver) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.iter != nil {
		r.iter.Stop()
		r.iter = nil
	}
	return nil
}

type delivery struct {
	msg jetstream.Msg
	m   messaging.Message
}

func (d *delivery) Message() messaging.Message { return d.m }

func (d *delivery) Ack(context.Context) error { return coded(d.msg.Ack()) }

func (d *delivery) Nack(_ context.Context, delay time.Duration) error {
	if delay <= 0 {
		return coded(d.msg.Nak())
	}
	return coded(d.msg.NakWithDelay(delay))
}
