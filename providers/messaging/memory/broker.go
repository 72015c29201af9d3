package memory

import (
	"context"
	"sync"
	"time"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
)

// broker holds every group's queue. One mutex guards it all: the adapter is for one process.
type broker struct {
	visibility time.Duration
	maxQueued  int
	now        func() time.Time

	mu     sync.Mutex
	topics map[string]map[string]*queue // topic → group → queue
	closed bool
	token  uint64
}

// queue is one group's messages, in publish order.
type queue struct {
	entries []*entry
	wake    chan struct{} // closed and replaced whenever the queue changes
}

type entry struct {
	msg       messaging.Message
	attempts  int
	visibleAt time.Time
	token     uint64 // the current claim; 0 when not claimed
}

func (b *broker) check() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return provider.Errorf(provider.FailedPrecondition, "the in-process broker is closed")
	}
	return nil
}

func (b *broker) declare(topic, group string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return provider.Errorf(provider.FailedPrecondition, "the in-process broker is closed")
	}
	groups := b.topics[topic]
	if groups == nil {
		groups = map[string]*queue{}
		b.topics[topic] = groups
	}
	if groups[group] == nil {
		groups[group] = &queue{wake: make(chan struct{})}
	}
	return nil
}

func (b *broker) queueOf(topic, group string) (*queue, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.topics[topic][group]
	if q == nil {
		return nil, provider.Errorf(provider.FailedPrecondition, "group %q of topic %q is not declared", group, topic)
	}
	return q, nil
}

func (b *broker) publish(topic string, msgs []messaging.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return provider.Errorf(provider.FailedPrecondition, "the in-process broker is closed")
	}
	groups := b.topics[topic]
	for g, q := range groups {
		if len(q.entries)+len(msgs) > b.maxQueued {
			return provider.Errorf(provider.ResourceExhausted, "group %q of topic %q holds %d messages, the maximum is %d (maxQueued)", g, topic, len(q.entries), b.maxQueued)
		}
	}
	now := b.now()
	for _, q := range groups {
		for _, m := range msgs {
			q.entries = append(q.entries, &entry{msg: m.Clone(), visibleAt: now})
		}
		q.notify()
	}
	return nil
}

func (q *queue) notify() {
	close(q.wake)
	q.wake = make(chan struct{})
}

// claim returns the first visible entry (the first of its key when ordered) claimed for the
// visibility timeout, or nil with the time the next entry becomes visible (zero: none).
func (b *broker) claim(q *queue, ordered bool) (*entry, messaging.Message, time.Time, <-chan struct{}, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, messaging.Message{}, time.Time{}, nil, provider.Errorf(provider.FailedPrecondition, "the in-process broker is closed")
	}
	now := b.now()
	var next time.Time
	seen := map[string]bool{}
	for _, e := range q.entries {
		key := e.msg.Key
		blocked := ordered && key != "" && seen[key]
		if ordered && key != "" {
			seen[key] = true
		}
		if blocked {
			continue
		}
		if e.visibleAt.After(now) {
			if next.IsZero() || e.visibleAt.Before(next) {
				next = e.visibleAt
			}
			continue
		}
		b.token++
		e.token, e.attempts, e.visibleAt = b.token, e.attempts+1, now.Add(b.visibility)
		m := e.msg.Clone()
		m.Attempt = e.attempts
		return e, m, time.Time{}, nil, nil
	}
	return nil, messaging.Message{}, next, q.wake, nil
}

func (b *broker) settle(q *queue, e *entry, token uint64, ack bool, delay time.Duration) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e.token != token {
		return provider.Errorf(provider.FailedPrecondition, "message %s was redelivered after its visibility timeout", e.msg.ID)
	}
	e.token = 0
	if ack {
		for i, x := range q.entries {
			if x == e {
				q.entries = append(q.entries[:i], q.entries[i+1:]...)
				break
			}
		}
	} else {
		e.visibleAt = b.now().Add(delay)
	}
	q.notify()
	return nil
}

func (b *broker) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for _, groups := range b.topics {
		for _, q := range groups {
			q.notify()
		}
	}
}

type receiver struct {
	b       *broker
	q       *queue
	topic   string
	ordered bool
	done    chan struct{}
	once    sync.Once
}

func (r *receiver) Next(ctx context.Context) (messaging.Delivery, error) {
	for {
		e, m, next, wake, err := r.b.claim(r.q, r.ordered)
		if err != nil {
			return nil, err
		}
		if e != nil {
			m.Topic = r.topic
			return &delivery{r: r, e: e, m: m, token: e.token}, nil
		}
		if err := r.wait(ctx, next, wake); err != nil {
			return nil, err
		}
	}
}

// wait blocks until the queue changes, next passes (when set), ctx ends or r closes.
func (r *receiver) wait(ctx context.Context, next time.Time, wake <-chan struct{}) error {
	var timer <-chan time.Time
	if !next.IsZero() {
		t := time.NewTimer(time.Until(next))
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-r.done:
		return provider.Errorf(provider.FailedPrecondition, "receiver closed")
	case <-wake:
	case <-timer:
	}
	return nil
}

func (r *receiver) Close() error {
	r.once.Do(func() { close(r.done) })
	return nil
}

type delivery struct {
	r     *receiver
	e     *entry
	m     messaging.Message
	token uint64
}

func (d *delivery) Message() messaging.Message { return d.m }

func (d *delivery) Ack(context.Context) error { return d.r.b.settle(d.r.q, d.e, d.token, true, 0) }

func (d *delivery) Nack(_ context.Context, delay time.Duration) error {
	return d.r.b.settle(d.r.q, d.e, d.token, false, delay)
}
