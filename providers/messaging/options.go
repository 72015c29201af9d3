package messaging

import (
	"fmt"
	"time"
)

// Subscription defaults.
const (
	DefaultConcurrency   = 8
	DefaultMaxDeliveries = 5
	DefaultRetryMin      = time.Second
	DefaultRetryMax      = time.Minute
)

// SubscribeOption tunes Subscribe.
type SubscribeOption func(*subOptions)

type subOptions struct {
	concurrency   int
	maxDeliveries int
	retryMin      time.Duration
	retryMax      time.Duration
	ordered       bool
}

func defaultSubOptions() subOptions {
	return subOptions{concurrency: DefaultConcurrency, maxDeliveries: DefaultMaxDeliveries,
		retryMin: DefaultRetryMin, retryMax: DefaultRetryMax}
}

// Concurrency sets how many handler calls the subscription runs at once (DefaultConcurrency).
func Concurrency(n int) SubscribeOption { return func(o *subOptions) { o.concurrency = n } }

// MaxDeliveries sets how many deliveries a message gets before it is dead-lettered
// (DefaultMaxDeliveries).
func MaxDeliveries(n int) SubscribeOption { return func(o *subOptions) { o.maxDeliveries = n } }

// Retry sets the redelivery backoff: min after the first failure, doubling up to max, with
// jitter (DefaultRetryMin, DefaultRetryMax).
func Retry(minDelay, maxDelay time.Duration) SubscribeOption {
	return func(o *subOptions) { o.retryMin, o.retryMax = minDelay, maxDelay }
}

// Ordered asks for per-key ordering: the handler gets the messages of one key in publish
// order, one at a time. It needs CapOrderedKeys.
func Ordered() SubscribeOption { return func(o *subOptions) { o.ordered = true } }

func (o subOptions) validate() error {
	switch {
	case o.concurrency < 1 || o.concurrency > 1024:
		return fmt.Errorf("concurrency %d is out of range 1..1024", o.concurrency)
	case o.maxDeliveries < 1 || o.maxDeliveries > 1000:
		return fmt.Errorf("maxDeliveries %d is out of range 1..1000", o.maxDeliveries)
	case o.retryMin <= 0 || o.retryMax < o.retryMin:
		return fmt.Errorf("retry backoff %s..%s is not valid: min must be positive and not above max", o.retryMin, o.retryMax)
	}
	return nil
}

func (o subOptions) group() GroupOptions {
	return GroupOptions{MaxDeliveries: o.maxDeliveries, Ordered: o.ordered, Prefetch: 2 * o.concurrency}
}
