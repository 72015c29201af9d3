package messaging

import (
	"context"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// CapOrderedKeys is declared by adapters that deliver the messages of one key to a consumer
// group in publish order, one at a time across all the group's subscriptions: a message is not
// delivered while an earlier message of its key is unacknowledged or waiting to be retried.
// Subscribing with Ordered() on an adapter that does not declare it fails with Unimplemented.
const CapOrderedKeys provider.Capability = "OrderedKeys"

// Driver is what an adapter implements. Errors carry a provider.Code (drivers use
// provider.WithCode or provider.Errorf: Unavailable when the backend cannot be reached,
// PermissionDenied, Unauthenticated, ...); the Bus wraps them once. Topics and groups reaching
// a driver have been validated.
type Driver interface {
	// Publish stores msgs durably on topic, in order, and returns once the backend has
	// confirmed them all. IDs are set.
	Publish(ctx context.Context, topic string, msgs []Message) error
	// Declare creates the consumer group on topic, durably, when it does not exist: from then
	// on every message published to topic is kept for the group until it is acknowledged.
	Declare(ctx context.Context, topic, group string, opts GroupOptions) error
	// Receive starts receiving the group's messages; Declare has been called.
	Receive(ctx context.Context, topic, group string, opts GroupOptions) (Receiver, error)
	// Capabilities returns what the adapter declares (CapOrderedKeys).
	Capabilities() provider.Capabilities
	// MaxPayload is the largest payload the adapter accepts, in bytes.
	MaxPayload() int
	// CheckHealth does one bounded round trip to the backend.
	CheckHealth(ctx context.Context) error
	// Close releases the connection. It is called once, after every receiver is closed.
	Close() error
}

// GroupOptions are a subscription's settings that a driver needs.
type GroupOptions struct {
	// MaxDeliveries is how many deliveries a message gets before it is dead-lettered.
	MaxDeliveries int
	// Ordered asks for per-key ordering (only when the driver declares CapOrderedKeys).
	Ordered bool
	// Prefetch is how many unacknowledged deliveries the receiver may hold at once.
	Prefetch int
}

// Receiver delivers a group's messages to one subscription.
type Receiver interface {
	// Next returns the next delivery, blocking until there is one or ctx ends. When the
	// backend is unreachable it returns an error with a retryable Code; the Bus waits and
	// calls Next again, and the receiver re-establishes what it lost.
	Next(ctx context.Context) (Delivery, error)
	// Close stops receiving. Deliveries not yet acknowledged are left to be redelivered.
	Close() error
}

// Delivery is one delivery of a message to a subscription.
type Delivery interface {
	// Message returns the message, Topic and Attempt set.
	Message() Message
	// Ack acknowledges the message: the group will not receive it again.
	Ack(ctx context.Context) error
	// Nack gives the message back, to be delivered again (to any subscription of the group)
	// no sooner than delay from now.
	Nack(ctx context.Context, delay time.Duration) error
}
