package messaging

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// DefaultDrainTimeout bounds how long Bus.Close waits for in-flight handlers.
const DefaultDrainTimeout = 30 * time.Second

// maxErrorHeader bounds the handler error kept in HeaderError.
const maxErrorHeader = 1024

// Subscription is a running subscription of a handler to a topic under a consumer group.
type Subscription struct {
	bus          *Bus
	topic, group string
	h            Handler
	o            subOptions
	r            Receiver

	fetchCtx    context.Context // canceled when Close starts: stop taking deliveries
	stopFetch   context.CancelFunc
	handlerCtx  context.Context // canceled when the drain deadline passes
	stopHandler context.CancelFunc

	lanes   []chan Delivery
	fetcher sync.WaitGroup
	workers sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

func newSubscription(b *Bus, topic, group string, h Handler, o subOptions, r Receiver) *Subscription {
	s := &Subscription{bus: b, topic: topic, group: group, h: h, o: o, r: r}
	s.fetchCtx, s.stopFetch = context.WithCancel(context.Background())
	s.handlerCtx, s.stopHandler = context.WithCancel(context.Background())
	if o.ordered {
		s.lanes = make([]chan Delivery, o.concurrency)
		for i := range s.lanes {
			s.lanes[i] = make(chan Delivery)
		}
	} else {
		s.lanes = []chan Delivery{make(chan Delivery)}
	}
	return s
}

// Topic returns the subscribed topic.
func (s *Subscription) Topic() string { return s.topic }

// Group returns the consumer group.
func (s *Subscription) Group() string { return s.group }

func (s *Subscription) start() {
	for i := range s.o.concurrency {
		lane := s.lanes[i%len(s.lanes)]
		s.workers.Go(func() {
			for d := range lane {
				s.process(d)
			}
		})
	}
	s.fetcher.Go(s.fetch)
}

// fetch takes deliveries from the receiver and hands them to the workers: any worker when
// unordered, the worker of the message's key when ordered.
func (s *Subscription) fetch() {
	defer func() {
		for _, l := range s.lanes {
			close(l)
		}
	}()
	failures := 0
	for {
		d, err := s.r.Next(s.fetchCtx)
		if s.fetchCtx.Err() != nil {
			if d != nil {
				s.giveBack(d)
			}
			return
		}
		if err != nil {
			failures++
			s.bus.log.Warn("receive failed; retrying", "topic", s.topic, "group", s.group, "error", err, "failures", failures)
			if provider.Sleep(s.fetchCtx, provider.Backoff{Min: 100 * time.Millisecond, Max: 5 * time.Second, Jitter: 0.2}.Delay(failures)) != nil {
				return
			}
			continue
		}
		failures = 0
		select {
		case s.lanes[s.laneOf(d.Message().Key)] <- d:
		case <-s.fetchCtx.Done():
			s.giveBack(d)
			return
		}
	}
}

func (s *Subscription) laneOf(key string) int {
	if len(s.lanes) == 1 {
		return 0
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return int(h.Sum32() % uint32(len(s.lanes)))
}

// giveBack returns a delivery that no handler will see, for immediate redelivery.
func (s *Subscription) giveBack(d Delivery) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = d.Nack(ctx, 0)
}

// process runs the handler on one delivery and settles it.
func (s *Subscription) process(d Delivery) {
	if s.fetchCtx.Err() != nil && s.handlerCtx.Err() != nil {
		s.giveBack(d)
		return
	}
	m := d.Message()
	ctx := s.handlerCtx
	if m.Attempt > s.o.maxDeliveries {
		s.deadLetter(ctx, d, m, fmt.Errorf("delivered %d times without being acknowledged: the consumer crashed or exceeded the acknowledgement deadline", m.Attempt-1))
		return
	}
	if m.Attempt <= 1 {
		s.bus.metrics.delivered(s.bus.adapter, s.group, m)
	}
	err := s.call(ctx, m)
	switch {
	case err == nil:
		s.ack(ctx, d, m)
	case m.Attempt >= s.o.maxDeliveries:
		s.deadLetter(ctx, d, m, err)
	default:
		s.bus.metrics.settled(s.bus.adapter, s.group, outcomeRetried)
		s.nack(ctx, d, m, provider.Backoff{Min: s.o.retryMin, Max: s.o.retryMax, Jitter: 0.2}.Delay(m.Attempt))
	}
}

// ack acknowledges a handled message, timing the broker's round trip.
func (s *Subscription) ack(ctx context.Context, d Delivery, m Message) {
	start := time.Now()
	if err := d.Ack(ctx); err != nil {
		s.bus.log.Warn("ack failed; the message will be redelivered", "topic", s.topic, "group", s.group, "id", m.ID, "error", err)
		return
	}
	s.bus.metrics.acked(s.bus.adapter, s.group, start)
	s.bus.metrics.settled(s.bus.adapter, s.group, outcomeAcked)
}

// call runs the handler in the delivery's span, turning a panic into an error.
func (s *Subscription) call(ctx context.Context, m Message) (err error) {
	ctx, end := startDelivery(ctx, s.topic, s.group, m)
	defer func() {
		if p := recover(); p != nil {
			s.bus.log.Error("handler panicked", "topic", s.topic, "group", s.group, "id", m.ID, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", p)
		}
		end(err)
	}()
	return s.h(ctx, m)
}

func (s *Subscription) nack(ctx context.Context, d Delivery, m Message, delay time.Duration) {
	if err := d.Nack(ctx, delay); err != nil {
		s.bus.log.Warn("nack failed; the message will be redelivered after its acknowledgement deadline", "topic", s.topic, "group", s.group, "id", m.ID, "error", err)
	}
}

// deadLetter publishes m to the dead-letter topic with the error, then acknowledges it. When
// the dead-letter topic cannot be written, the message is given back instead of being lost.
func (s *Subscription) deadLetter(ctx context.Context, d Delivery, m Message, cause error) {
	dl := m.Clone()
	if dl.Headers == nil {
		dl.Headers = map[string]string{}
	}
	msg := cause.Error()
	if len(msg) > maxErrorHeader {
		msg = msg[:maxErrorHeader]
	}
	dl.Headers[HeaderError] = msg
	dl.Headers[HeaderTopic] = s.topic
	dl.Headers[HeaderGroup] = s.group
	dl.Headers[HeaderAttempts] = strconv.Itoa(m.Attempt)
	dl.Topic, dl.Attempt = "", 0
	if err := s.bus.drv.Publish(ctx, DeadLetterTopic(s.topic), []Message{dl}); err != nil {
		s.bus.log.Warn("dead-letter publish failed; retrying later", "topic", s.topic, "group", s.group, "id", m.ID, "error", err)
		s.nack(ctx, d, m, s.o.retryMax)
		return
	}
	s.bus.metrics.settled(s.bus.adapter, s.group, outcomeDeadLettered)
	s.bus.log.Warn("message dead-lettered", "topic", s.topic, "group", s.group, "id", m.ID, "attempts", m.Attempt, "error", msg)
	if err := d.Ack(ctx); err != nil {
		s.bus.log.Warn("ack after dead-lettering failed", "topic", s.topic, "group", s.group, "id", m.ID, "error", err)
	}
}

// Close stops taking new deliveries, lets the handlers running finish within ctx's deadline
// (deliveries taken but not yet handled are given back at once), and stops the receiver.
// When the deadline passes, the handlers' context is canceled and Close returns
// DeadlineExceeded; their messages will be redelivered. It is idempotent.
func (s *Subscription) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.stopFetch()
		done := make(chan struct{})
		go func() {
			s.fetcher.Wait()
			s.workers.Wait()
			close(done)
		}()
		var err error
		select {
		case <-done:
		case <-ctx.Done():
			s.stopHandler()
			err = provider.Errorf(provider.DeadlineExceeded, "handlers still running when the drain deadline passed: %w", ctx.Err())
		}
		s.stopHandler()
		s.closeErr = errors.Join(err, s.r.Close())
		s.bus.forget(s)
		if s.closeErr != nil {
			s.closeErr = s.bus.err("close subscription "+strconv.Quote(s.topic)+" as "+strconv.Quote(s.group), s.closeErr)
		}
	})
	return s.closeErr
}

// CloseAll closes every subscription of subs (each as Close does, in order) and returns the
// first error.
func CloseAll(ctx context.Context, subs []*Subscription) error {
	var first error
	for _, s := range subs {
		if err := s.Close(ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}
