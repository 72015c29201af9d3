package rabbitmq

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
)

func (d *driver) queue(topic, group string) string { return d.cfg.Exchange + "." + topic + "." + group }

// deliveryLimit is the quorum queues' x-delivery-limit: a guard against crash loops only,
// since the Bus dead-letters after MaxDeliveries itself (and without running the handler once
// a message has had more deliveries than that).
const deliveryLimit = 2002

// Declare creates the group's durable quorum queue and binds it to the topic.
func (d *driver) Declare(_ context.Context, topic, group string, _ messaging.GroupOptions) error {
	ch, err := d.channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	if err := d.declareExchange(ch); err != nil {
		return err
	}
	q := d.queue(topic, group)
	_, err = ch.QueueDeclare(q, true, false, false, false, amqp.Table{
		"x-queue-type":              "quorum",
		"x-dead-letter-exchange":    d.cfg.Exchange,
		"x-dead-letter-routing-key": messaging.DeadLetterTopic(topic),
		"x-delivery-limit":          int64(deliveryLimit),
	})
	if err != nil {
		if provider.CodeOf(coded(err)) == provider.FailedPrecondition {
			return provider.Errorf(provider.FailedPrecondition, "queue %s exists with other arguments (not a quorum queue, or another dead-letter exchange): delete it or choose another exchange: %w", q, err)
		}
		return coded(err)
	}
	return coded(ch.QueueBind(q, topic, d.cfg.Exchange, false, nil))
}

func (d *driver) Receive(_ context.Context, topic, group string, o messaging.GroupOptions) (messaging.Receiver, error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &receiver{d: d, topic: topic, queue: d.queue(topic, group), tag: "eim-" + hex.EncodeToString(b[:]),
		prefetch: max(o.Prefetch, 1), done: make(chan struct{})}, nil
}

type receiver struct {
	d            *driver
	topic, queue string
	tag          string
	prefetch     int

	ch        *amqp.Channel
	deliver   <-chan amqp.Delivery
	done      chan struct{}
	closeOnce sync.Once
	timers    sync.WaitGroup
}

// consume opens a channel and starts consuming, on the live connection.
func (r *receiver) consume() error {
	ch, err := r.d.channel()
	if err != nil {
		return err
	}
	if err := ch.Qos(r.prefetch, 0, false); err != nil {
		_ = ch.Close()
		return coded(err)
	}
	deliveries, err := ch.Consume(r.queue, r.tag, false, false, false, false, nil)
	if err != nil {
		_ = ch.Close()
		return coded(err)
	}
	r.ch, r.deliver = ch, deliveries
	return nil
}

func (r *receiver) Next(ctx context.Context) (messaging.Delivery, error) {
	if r.deliver == nil {
		if err := r.consume(); err != nil {
			return nil, err
		}
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case d, ok := <-r.deliver:
		if !ok {
			r.ch, r.deliver = nil, nil
			return nil, provider.Errorf(provider.Unavailable, "the consumer's channel closed (connection lost); consuming again")
		}
		return r.delivery(d), nil
	}
}

func (r *receiver) delivery(d amqp.Delivery) *delivery {
	m := messaging.Message{ID: d.MessageId, Topic: r.topic, Payload: d.Body, Attempt: 1}
	if len(m.Payload) == 0 {
		m.Payload = nil
	}
	for k, v := range d.Headers {
		switch k {
		case headerKey:
			m.Key, _ = v.(string)
		case "x-delivery-count":
			m.Attempt = count(v) + 1
		default:
			if s, ok := v.(string); ok {
				if m.Headers == nil {
					m.Headers = map[string]string{}
				}
				m.Headers[k] = s
			}
		}
	}
	if m.Attempt == 1 && d.Redelivered {
		m.Attempt = 2
	}
	return &delivery{r: r, d: d, m: m}
}

func count(v any) int {
	switch n := v.(type) {
	case int64:
		return int(n)
	case int32:
		return int(n)
	case int:
		return n
	}
	return 0
}

func (r *receiver) Close() error {
	r.closeOnce.Do(func() { close(r.done) })
	r.timers.Wait()
	if r.ch != nil {
		_ = r.ch.Close() // unacknowledged deliveries go back to the queue
	}
	return nil
}

type delivery struct {
	r *receiver
	d amqp.Delivery
	m messaging.Message
}

func (d *delivery) Message() messaging.Message { return d.m }

func (d *delivery) Ack(context.Context) error { return coded(d.d.Ack(false)) }

// Nack requeues the message after delay; until then it holds a prefetch slot. When the
// receiver closes first, closing its channel requeues it.
func (d *delivery) Nack(_ context.Context, delay time.Duration) error {
	if delay <= 0 {
		return coded(d.d.Nack(false, true))
	}
	d.r.timers.Go(func() {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
			_ = d.d.Nack(false, true)
		case <-d.r.done:
		}
	})
	return nil
}
