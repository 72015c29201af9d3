package sql

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/storage"
)

func (d *driver) Receive(_ context.Context, topic, group string, o messaging.GroupOptions) (messaging.Receiver, error) {
	d.listen()
	if o.Ordered {
		d.ordered.Store(true)
	}
	return &receiver{d: d, topic: topic, group: group, ordered: o.Ordered, batch: max(o.Prefetch, 1)}, nil
}

type receiver struct {
	d            *driver
	topic, group string
	ordered      bool
	batch        int
	buf          []*delivery
}

func (r *receiver) Next(ctx context.Context) (messaging.Delivery, error) {
	for {
		if len(r.buf) > 0 {
			d := r.buf[0]
			r.buf = r.buf[1:]
			return d, nil
		}
		wake := r.d.waker()
		if err := r.claim(ctx); err != nil {
			return nil, err
		}
		if len(r.buf) > 0 {
			continue
		}
		t := time.NewTimer(r.d.cfg.PollInterval.Std())
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// claim takes up to batch visible messages (the oldest of each key when ordered), makes them
// invisible for the visibility timeout under a new claim token, and buffers them.
func (r *receiver) claim(ctx context.Context) error {
	token := rand.Int64N(1<<62) + 1
	if r.d.db.Dialect() == storage.Postgres {
		return r.claimReturning(ctx, token)
	}
	var out []*delivery
	err := r.d.db.InTx(ctx, func(tx *storage.Tx) error {
		ids, err := r.claimIDs(ctx, tx)
		if err != nil || len(ids) == 0 {
			return err
		}
		marks, args := placeholders(ids)
		mark := r.d.db.Dialect().Rebind(fmt.Sprintf(r.d.q.mark, marks))
		if _, err := tx.ExecContext(ctx, mark, append([]any{r.d.cfg.VisibilityTimeout.Std().Microseconds(), token}, args...)...); err != nil {
			return err
		}
		out, err = r.fetch(ctx, tx, marks, args, token)
		return err
	}, storage.WithRetry()) // a deadlock with an acknowledgement rolls the claim back: claim again
	if err != nil {
		return coded(err)
	}
	r.buf = append(r.buf, out...)
	return nil
}

func (r *receiver) claimIDs(ctx context.Context, tx *storage.Tx) ([]int64, error) {
	q := r.d.q.claim
	if r.ordered {
		q = r.d.q.claimOrdered
	}
	rows, err := tx.QueryContext(ctx, q, r.topic, r.group, r.batch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func (r *receiver) fetch(ctx context.Context, tx *storage.Tx, marks string, args []any, token int64) ([]*delivery, error) {
	rows, err := tx.QueryContext(ctx, r.d.db.Dialect().Rebind(fmt.Sprintf(r.d.q.fetch, marks)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*delivery
	for rows.Next() {
		d := &delivery{r: r, token: token, m: messaging.Message{Topic: r.topic}}
		var headers string
		if err := rows.Scan(&d.id, &d.m.ID, &d.m.Key, &d.m.Payload, &headers, &d.m.Attempt); err != nil {
			return nil, err
		}
		if len(d.m.Payload) == 0 {
			d.m.Payload = nil
		}
		if d.m.Headers, err = messaging.DecodeHeaders(headers); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func placeholders(ids []int64) (string, []any) {
	marks := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		marks[i], args[i] = "?", id
	}
	return strings.Join(marks, ", "), args
}

func (r *receiver) Close() error { return nil }

type delivery struct {
	r     *receiver
	id    int64
	token int64
	m     messaging.Message
}

func (d *delivery) Message() messaging.Message { return d.m }

// Ack queues the acknowledgement for the driver's acker, which writes it in the background
// (see newAcker).
func (d *delivery) Ack(context.Context) error {
	d.r.d.acks.Add(ack{id: d.id, token: d.token})
	return nil
}

func (d *delivery) Nack(ctx context.Context, delay time.Duration) error {
	_, err := d.r.d.db.SQL().ExecContext(ctx, d.r.d.q.settle, delay.Microseconds(), d.id, d.token)
	if err == nil && delay == 0 {
		d.r.d.notify()
	}
	return coded(d.r.d.db.Err("nack", err))
}

// claimReturning claims in one statement on PostgreSQL: UPDATE ... WHERE id = ANY(ARRAY(SELECT
// ... FOR UPDATE SKIP LOCKED)) RETURNING, then orders the batch by id. ARRAY makes the planner
// look the claimed rows up by primary key rather than hash-join them with the whole queue.
func (r *receiver) claimReturning(ctx context.Context, token int64) error {
	sel := r.d.q.claim
	if r.ordered {
		sel = r.d.q.claimOrdered
	}
	q := "UPDATE eim_queue SET attempts = attempts + 1, visible_us = " + pgNow + " + $4, claim = $5 WHERE id = ANY(ARRAY(" + sel +
		")) RETURNING id, message_id, msg_key, payload, headers, attempts"
	rows, err := r.d.db.SQL().QueryContext(ctx, q, r.topic, r.group, r.batch, r.d.cfg.VisibilityTimeout.Std().Microseconds(), token)
	if err != nil {
		return coded(r.d.db.Err("claim", err))
	}
	defer rows.Close()
	var out []*delivery
	for rows.Next() {
		d := &delivery{r: r, token: token, m: messaging.Message{Topic: r.topic}}
		var headers string
		if err := rows.Scan(&d.id, &d.m.ID, &d.m.Key, &d.m.Payload, &headers, &d.m.Attempt); err != nil {
			return coded(r.d.db.Err("claim", err))
		}
		if len(d.m.Payload) == 0 {
			d.m.Payload = nil
		}
		d.m.Headers, _ = messaging.DecodeHeaders(headers)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return coded(r.d.db.Err("claim", err))
	}
	slices.SortFunc(out, func(a, b *delivery) int { return cmp.Compare(a.id, b.id) })
	r.buf = append(r.buf, out...)
	return nil
}
