package messaging

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Handler processes one delivered message. Returning nil acknowledges it; an error (or a
// panic) has it delivered again after a backoff, or dead-lettered after MaxDeliveries. ctx is
// canceled when the subscription is closed and its drain deadline passes.
type Handler func(ctx context.Context, m Message) error

// Bus is an opened messaging provider: the portable type services use. It is safe for
// concurrent use. Close drains the subscriptions and is idempotent.
type Bus struct {
	adapter string
	drv     Driver
	log     *slog.Logger
	metrics *busMetrics

	mu      sync.Mutex
	subs    map[*Subscription]struct{}
	adopted []io.Closer
	closed  bool

	closeOnce sync.Once
	closeErr  error
}

// New wraps an adapter's driver. Open is the usual way; adapters' tests may use New.
func New(adapter string, d Driver, log *slog.Logger) *Bus {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Bus{adapter: adapter, drv: d, log: log.With("kind", Kind, "adapter", adapter), metrics: newBusMetrics(),
		subs: map[*Subscription]struct{}{}}
}

// Adapter returns the name of the adapter behind the bus.
func (b *Bus) Adapter() string { return b.adapter }

// Driver returns the adapter's driver, for adapter tests and benchmarks.
func (b *Bus) Driver() Driver { return b.drv }

// Capabilities returns what the adapter declares.
func (b *Bus) Capabilities() provider.Capabilities { return b.drv.Capabilities() }

// MaxPayload returns the largest payload the adapter accepts, in bytes.
func (b *Bus) MaxPayload() int { return b.drv.MaxPayload() }

func (b *Bus) err(op string, err error) error { return provider.Wrap(Kind, b.adapter, op, err) }

// Publish publishes msgs to topic, in order, and returns once the backend has stored them
// all. A message without an ID gets one. On error, some of msgs may have been published: a
// retry may duplicate them, which consumers absorb by deduplicating on the ID.
func (b *Bus) Publish(ctx context.Context, topic string, msgs ...Message) error {
	op := "publish " + strconv.Quote(topic)
	if err := ValidateTopic(topic); err != nil {
		return b.err(op, provider.WithCode(provider.InvalidArgument, err))
	}
	if len(msgs) == 0 {
		return nil
	}
	out := make([]Message, len(msgs))
	for i, m := range msgs {
		if m.ID == "" {
			m.ID = NewID()
		}
		m.Topic, m.Attempt = "", 0
		InjectTrace(ctx, topic, &m)
		if err := m.validate(b.drv.MaxPayload()); err != nil {
			return b.err(op, provider.WithCode(provider.InvalidArgument, err))
		}
		out[i] = m
	}
	if b.isClosed() {
		return b.err(op, provider.Errorf(provider.FailedPrecondition, "the bus is closed"))
	}
	start := time.Now()
	err := b.drv.Publish(ctx, topic, out)
	b.metrics.published(b.adapter, start, err)
	return b.err(op, err)
}

// Subscribe starts delivering the messages of topic for group to h and returns once the group
// exists durably on the backend: every message published after that is delivered to the group
// (at least once). Several subscriptions of one group, in one process or many, compete for its
// messages. It fails with Unimplemented for Ordered() when the adapter lacks CapOrderedKeys,
// and with a retryable Code when the backend is unreachable. Close the subscription (or the
// bus) to stop.
func (b *Bus) Subscribe(ctx context.Context, topic, group string, h Handler, opts ...SubscribeOption) (*Subscription, error) {
	op := "subscribe " + strconv.Quote(topic) + " as " + strconv.Quote(group)
	o := defaultSubOptions()
	for _, f := range opts {
		f(&o)
	}
	if err := errors.Join(ValidateTopic(topic), ValidateGroup(group), o.validate()); err != nil {
		return nil, b.err(op, provider.WithCode(provider.InvalidArgument, err))
	}
	if h == nil {
		return nil, b.err(op, provider.Errorf(provider.InvalidArgument, "handler is nil"))
	}
	if o.ordered && !b.Capabilities().Has(CapOrderedKeys) {
		return nil, b.err(op, provider.Unsupported(CapOrderedKeys))
	}
	if b.isClosed() {
		return nil, b.err(op, provider.Errorf(provider.FailedPrecondition, "the bus is closed"))
	}
	g := o.group()
	if err := b.drv.Declare(ctx, topic, group, g); err != nil {
		return nil, b.err(op, err)
	}
	if err := b.drv.Declare(ctx, DeadLetterTopic(topic), group, g); err != nil {
		return nil, b.err(op, err)
	}
	r, err := b.drv.Receive(ctx, topic, group, g)
	if err != nil {
		return nil, b.err(op, err)
	}
	s := newSubscription(b, topic, group, h, o, r)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		_ = r.Close()
		return nil, b.err(op, provider.Errorf(provider.FailedPrecondition, "the bus is closed"))
	}
	b.subs[s] = struct{}{}
	s.start()
	return s, nil
}

func (b *Bus) forget(s *Subscription) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs, s)
}

func (b *Bus) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// CheckHealth does one bounded round trip to the backend.
func (b *Bus) CheckHealth(ctx context.Context) error {
	return b.err("health", b.drv.CheckHealth(ctx))
}

// Adopt ties c to the bus: Close closes c first, before draining the subscriptions. The
// outbox relay is adopted this way, so that it stops publishing before the bus closes.
func (b *Bus) Adopt(c io.Closer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.adopted = append(b.adopted, c)
}

// Close closes what was adopted, drains every subscription (see Subscription.Close) within
// DefaultDrainTimeout and closes the connection. It is idempotent.
func (b *Bus) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultDrainTimeout)
	defer cancel()
	return b.Shutdown(ctx)
}

// Shutdown is Close with the drain deadline of ctx.
func (b *Bus) Shutdown(ctx context.Context) error {
	b.closeOnce.Do(func() {
		b.mu.Lock()
		b.closed = true
		adopted := b.adopted
		subs := make([]*Subscription, 0, len(b.subs))
		for s := range b.subs {
			subs = append(subs, s)
		}
		b.mu.Unlock()
		var errs []error
		for i := len(adopted) - 1; i >= 0; i-- {
			errs = append(errs, adopted[i].Close())
		}
		var wg sync.WaitGroup
		errCh := make(chan error, len(subs))
		for _, s := range subs {
			wg.Go(func() { errCh <- s.Close(ctx) })
		}
		wg.Wait()
		close(errCh)
		for e := range errCh {
			errs = append(errs, e)
		}
		errs = append(errs, b.err("close", b.drv.Close()))
		b.closeErr = errors.Join(errs...)
	})
	return b.closeErr
}
