package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/eim-byoi/eim/providers/messaging"
)

// block bounds one XREADGROUP wait, so that retries and reclaims are looked at in between.
const block = time.Second

func (d *driver) Receive(_ context.Context, topic, group string, o messaging.GroupOptions) (messaging.Receiver, error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &receiver{d: d, topic: topic, key: d.key(topic), group: group, consumer: "eim-" + hex.EncodeToString(b[:]),
		count: int64(max(o.Prefetch, 1)), retry: make(chan *delivery, 4096), done: make(chan struct{})}, nil
}

type receiver struct {
	d                           *driver
	topic, key, group, consumer string
	count                       int64

	buf       []*delivery
	lastClaim time.Time
	retry     chan *delivery // deliveries re-claimed after their backoff
	done      chan struct{}
	closeOnce sync.Once
	timers    sync.WaitGroup
}

func (r *receiver) Next(ctx context.Context) (messaging.Delivery, error) {
	for {
		if len(r.buf) > 0 {
			d := r.buf[0]
			r.buf = r.buf[1:]
			return d, nil
		}
		select {
		case d := <-r.retry:
			return d, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		default:
		}
		if err := r.fill(ctx); err != nil {
			return nil, err
		}
	}
}

// fill reclaims what crashed consumers left pending (every half claim timeout), else reads
// new entries.
func (r *receiver) fill(ctx context.Context) error {
	if time.Since(r.lastClaim) >= r.d.cfg.ClaimTimeout.Std()/2 {
		if err := r.reclaim(ctx); err != nil {
			return err
		}
		r.lastClaim = time.Now()
		if len(r.buf) > 0 {
			return nil
		}
	}
	res, err := r.d.rdb.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: r.group, Consumer: r.consumer,
		Streams: []string{r.key, ">"}, Count: r.count, Block: block}).Result()
	if errors.Is(err, goredis.Nil) {
		return nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return coded(err)
	}
	for _, s := range res {
		for _, x := range s.Messages {
			r.buf = append(r.buf, r.delivery(x, 1))
		}
	}
	return nil
}

// reclaim takes over entries idle longer than the claim timeout, with their delivery counts.
func (r *receiver) reclaim(ctx context.Context) error {
	msgs, _, err := r.d.rdb.XAutoClaim(ctx, &goredis.XAutoClaimArgs{Stream: r.key, Group: r.group, Consumer: r.consumer,
		MinIdle: r.d.cfg.ClaimTimeout.Std(), Start: "0-0", Count: r.count}).Result()
	if err != nil {
		return coded(err)
	}
	if len(msgs) == 0 {
		return nil
	}
	counts, err := r.deliveryCounts(ctx, msgs)
	if err != nil {
		return err
	}
	for _, x := range msgs {
		if x.Values == nil { // trimmed away: nothing left to deliver
			_ = r.d.rdb.XAck(ctx, r.key, r.group, x.ID).Err()
			continue
		}
		r.buf = append(r.buf, r.delivery(x, max(counts[x.ID], 2)))
	}
	return nil
}

func (r *receiver) deliveryCounts(ctx context.Context, msgs []goredis.XMessage) (map[string]int, error) {
	pend, err := r.d.rdb.XPendingExt(ctx, &goredis.XPendingExtArgs{Stream: r.key, Group: r.group,
		Start: msgs[0].ID, End: msgs[len(msgs)-1].ID, Count: int64(len(msgs)), Consumer: r.consumer}).Result()
	if err != nil {
		return nil, coded(err)
	}
	out := make(map[string]int, len(pend))
	for _, p := range pend {
		out[p.ID] = int(p.RetryCount)
	}
	return out, nil
}

func (r *receiver) delivery(x goredis.XMessage, attempt int) *delivery {
	m := messaging.Message{Topic: r.topic, Attempt: attempt}
	m.ID, _ = x.Values[fieldID].(string)
	m.Key, _ = x.Values[fieldKey].(string)
	if p, ok := x.Values[fieldPayload].(string); ok && p != "" {
		m.Payload = []byte(p)
	}
	if h, ok := x.Values[fieldHeaders].(string); ok {
		m.Headers, _ = messaging.DecodeHeaders(h)
	}
	return &delivery{r: r, entry: x.ID, m: m}
}

// reclaimAfter claims entry back for this consumer after delay (XCLAIM counts a delivery)
// and queues it again, unless another consumer took it meanwhile or the receiver closed.
func (r *receiver) reclaimAfter(d *delivery, delay time.Duration) {
	r.timers.Go(func() {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-r.done:
			return // left pending: another consumer claims it after the claim timeout
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		xs, err := r.d.rdb.XClaim(ctx, &goredis.XClaimArgs{Stream: r.key, Group: r.group, Consumer: r.consumer,
			MinIdle: delay * 9 / 10, Messages: []string{d.entry}}).Result()
		if err != nil || len(xs) == 0 || xs[0].Values == nil {
			return // gone, taken over, or Redis unreachable: the claim timeout brings it back
		}
		select {
		case r.retry <- r.delivery(xs[0], d.m.Attempt+1):
		case <-r.done:
		}
	})
}

func (r *receiver) Close() error {
	r.closeOnce.Do(func() { close(r.done) })
	r.timers.Wait()
	return nil
}

type delivery struct {
	r     *receiver
	entry string
	m     messaging.Message
}

func (d *delivery) Message() messaging.Message { return d.m }

// Ack queues the acknowledgement for the driver's acker, which writes it in the background
// (see newAcker).
func (d *delivery) Ack(context.Context) error {
	d.r.d.acks.Add(ack{stream: d.r.key, group: d.r.group, entry: d.entry})
	return nil
}

// Nack leaves the entry pending and claims it back after delay; with no delay (the
// subscription is closing) it stays pending for another consumer to claim.
func (d *delivery) Nack(_ context.Context, delay time.Duration) error {
	if delay > 0 {
		d.r.reclaimAfter(d, delay)
	}
	return nil
}
