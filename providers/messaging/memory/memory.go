// Package memory is the embedded messaging adapter: an in-process broker with the semantics of
// the others — consumer groups, a visibility timeout, redelivery with backoff and per-key
// ordering — for a single process. Messages do not survive a restart.
package memory

import (
	"context"
	"time"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
)

// MaxPayload is the largest payload the adapter accepts.
const MaxPayload = 4 << 20

// Interface guards: the adapter's types implement the kind's driver interfaces.
var (
	_ messaging.Driver   = driver{}
	_ messaging.Receiver = (*receiver)(nil)
	_ messaging.Delivery = (*delivery)(nil)
)

func init() { provider.Register(messaging.Registry, "memory", NewConfig, open) }

func open(_ context.Context, c *Config, _ messaging.Env) (messaging.Driver, error) {
	return newBroker(c.VisibilityTimeout.Std(), c.MaxQueued), nil
}

type driver struct{ *broker }

func newBroker(visibility time.Duration, maxQueued int) driver {
	return driver{&broker{visibility: visibility, maxQueued: maxQueued, topics: map[string]map[string]*queue{}, now: time.Now}}
}

func (d driver) Capabilities() provider.Capabilities {
	return provider.Capabilities{messaging.CapOrderedKeys}
}

func (d driver) MaxPayload() int { return MaxPayload }

func (d driver) CheckHealth(context.Context) error { return d.check() }

func (d driver) Declare(_ context.Context, topic, group string, _ messaging.GroupOptions) error {
	return d.declare(topic, group)
}

func (d driver) Publish(_ context.Context, topic string, msgs []messaging.Message) error {
	return d.publish(topic, msgs)
}

func (d driver) Receive(_ context.Context, topic, group string, o messaging.GroupOptions) (messaging.Receiver, error) {
	q, err := d.queueOf(topic, group)
	if err != nil {
		return nil, err
	}
	return &receiver{b: d.broker, q: q, topic: topic, ordered: o.Ordered, done: make(chan struct{})}, nil
}

func (d driver) Close() error { d.close(); return nil }
