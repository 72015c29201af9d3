package outbox

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/internal/pgnotify"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

// RelayOptions tunes a Relay; zero fields take the defaults.
type RelayOptions struct {
	// Batch is how many events of a partition one transaction publishes (100).
	Batch int
	// PollInterval is how often the outbox is checked when nothing woke the relay (1s). On
	// PostgreSQL, Append wakes it with NOTIFY.
	PollInterval time.Duration
	// RetryMin and RetryMax bound the backoff while publishing fails (100ms, 30s).
	RetryMin, RetryMax time.Duration
	// PublishTimeout bounds one batch's publication (30s).
	PublishTimeout time.Duration
	// Retention is how long sent events are kept before they are deleted (1h).
	Retention time.Duration
	// Logger receives outages and recoveries.
	Logger *slog.Logger
}

func (o RelayOptions) withDefaults() RelayOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.Batch <= 0 {
		o.Batch = 100
	}
	def(&o.PollInterval, time.Second)
	def(&o.RetryMin, 100*time.Millisecond)
	def(&o.RetryMax, 30*time.Second)
	def(&o.PublishTimeout, 30*time.Second)
	def(&o.Retention, time.Hour)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Relay publishes the outbox's events to a Bus.
type Relay struct {
	db   *storage.DB
	bus  *messaging.Bus
	o    RelayOptions
	wake chan struct{}

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	start  sync.Once
	stop   sync.Once
}

// NewRelay returns a relay from db's outbox to bus; Start starts it.
func NewRelay(db *storage.DB, bus *messaging.Bus, o RelayOptions) *Relay {
	r := &Relay{db: db, bus: bus, o: o.withDefaults(), wake: make(chan struct{}, 1)}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r
}

// Start starts relaying in the background, until Close.
func (r *Relay) Start() {
	r.start.Do(func() {
		if r.db.Dialect() == storage.Postgres {
			r.wg.Go(func() { pgnotify.Listen(r.ctx, r.db.SQL(), notifyChannel, func(string) { r.Wake() }, r.o.Logger) })
		}
		r.wg.Go(r.run)
	})
}

// Wake makes the relay look at the outbox now.
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Close stops the relay, letting the batch in progress finish or roll back. It is idempotent.
func (r *Relay) Close() error {
	r.stop.Do(func() {
		r.cancel()
		r.wg.Wait()
	})
	return nil
}

func (r *Relay) run() {
	failures := 0
	lastPrune := time.Time{}
	for r.ctx.Err() == nil {
		n, err := r.Flush(r.ctx)
		if err != nil && r.ctx.Err() == nil {
			failures++
			delay := provider.Backoff{Min: r.o.RetryMin, Max: r.o.RetryMax, Jitter: 0.2}.Delay(failures)
			r.o.Logger.Warn("outbox relay cannot publish; retrying", "error", err, "failures", failures, "retryIn", delay)
			r.sleep(delay, false)
			continue
		}
		if failures > 0 {
			r.o.Logger.Info("outbox relay recovered", "after", failures)
			failures = 0
		}
		if time.Since(lastPrune) > time.Minute {
			if err := r.prune(r.ctx); err != nil {
				r.o.Logger.Warn("outbox prune failed", "error", err)
			}
			lastPrune = time.Now()
		}
		if n == 0 {
			r.sleep(r.o.PollInterval, true)
		}
	}
}

func (r *Relay) sleep(d time.Duration, wakeable bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	var wake chan struct{}
	if wakeable {
		wake = r.wake
	}
	select {
	case <-r.ctx.Done():
	case <-t.C:
	case <-wake:
	}
}

// Flush publishes a batch of every partition with pending events that no other relay holds,
// and returns how many events it published.
func (r *Relay) Flush(ctx context.Context) (int, error) {
	parts, err := r.pendingParts(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, p := range parts {
		n, err := r.relayPartition(ctx, p)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (r *Relay) pendingParts(ctx context.Context) ([]int, error) {
	rows, err := r.db.SQL().QueryContext(ctx, "SELECT DISTINCT part FROM eim_outbox WHERE sent_us IS NULL")
	if err != nil {
		return nil, r.db.Err("outbox: list pending partitions", err)
	}
	defer rows.Close()
	var parts []int
	for rows.Next() {
		var p int
		if err := rows.Scan(&p); err != nil {
			return nil, r.db.Err("outbox: list pending partitions", err)
		}
		parts = append(parts, p)
	}
	return parts, r.db.Err("outbox: list pending partitions", rows.Err())
}

// Pending counts the events not yet sent.
func (r *Relay) Pending(ctx context.Context) (int, error) { return Pending(ctx, r.db) }

// Pending counts the events of db's outbox not yet sent (the backlog the relay works through).
func Pending(ctx context.Context, db *storage.DB) (int, error) {
	var n int
	err := db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM eim_outbox WHERE sent_us IS NULL").Scan(&n)
	return n, db.Err("outbox: count pending", err)
}

var errHeld = errors.New("partition held by another relay")

type event struct {
	id  int64
	msg messaging.Message
	top string
}

// relayPartition publishes one batch of partition p in id order and marks it sent, in one
// transaction that holds the partition's row lock.
func (r *Relay) relayPartition(ctx context.Context, p int) (int, error) {
	var n int
	err := r.db.InTx(ctx, func(tx *storage.Tx) error {
		if err := r.lockPartition(ctx, tx, p); err != nil {
			return err
		}
		evs, err := r.batch(ctx, tx, p)
		if err != nil || len(evs) == 0 {
			return err
		}
		if err := r.publish(ctx, evs); err != nil {
			return err
		}
		n = len(evs)
		return r.markSent(ctx, tx, evs)
	})
	if errors.Is(err, errHeld) {
		return 0, nil
	}
	return n, err
}

func (r *Relay) lockPartition(ctx context.Context, tx *storage.Tx, p int) error {
	if r.db.Dialect() == storage.SQLite {
		// No row locks: a write takes the database's write lock first, so another relay
		// waits here until this transaction ends and then sees the batch sent.
		_, err := tx.ExecContext(ctx, "UPDATE eim_outbox_partitions SET part = part WHERE part = ?", p)
		return err
	}
	var got int
	err := tx.QueryRowContext(ctx, r.db.Dialect().Rebind("SELECT part FROM eim_outbox_partitions WHERE part = ? FOR UPDATE SKIP LOCKED"), p).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return errHeld
	}
	return err
}

func (r *Relay) batch(ctx context.Context, tx *storage.Tx, p int) ([]event, error) {
	rows, err := tx.QueryContext(ctx, r.db.Dialect().Rebind(
		"SELECT id, topic, message_id, msg_key, payload, headers FROM eim_outbox WHERE part = ? AND sent_us IS NULL ORDER BY id LIMIT ?"), p, r.o.Batch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var evs []event
	for rows.Next() {
		var e event
		var headers string
		if err := rows.Scan(&e.id, &e.top, &e.msg.ID, &e.msg.Key, &e.msg.Payload, &headers); err != nil {
			return nil, err
		}
		if e.msg.Headers, err = messaging.DecodeHeaders(headers); err != nil {
			return nil, err
		}
		evs = append(evs, e)
	}
	return evs, rows.Err()
}

// publish sends the events in order, one Publish per run of one topic.
func (r *Relay) publish(ctx context.Context, evs []event) error {
	ctx, cancel := context.WithTimeout(ctx, r.o.PublishTimeout)
	defer cancel()
	for i := 0; i < len(evs); {
		j := i
		var run []messaging.Message
		for ; j < len(evs) && evs[j].top == evs[i].top; j++ {
			run = append(run, evs[j].msg)
		}
		if err := r.bus.Publish(ctx, evs[i].top, run...); err != nil {
			return err
		}
		i = j
	}
	return nil
}

func (r *Relay) markSent(ctx context.Context, tx *storage.Tx, evs []event) error {
	args := []any{time.Now().UnixMicro()}
	marks := make([]string, len(evs))
	for i, e := range evs {
		marks[i] = "?"
		args = append(args, e.id)
	}
	q := "UPDATE eim_outbox SET sent_us = ? WHERE id IN (" + strings.Join(marks, ", ") + ")"
	_, err := tx.ExecContext(ctx, r.db.Dialect().Rebind(q), args...)
	return err
}

// prune deletes events sent more than Retention ago.
func (r *Relay) prune(ctx context.Context) error {
	cutoff := time.Now().Add(-r.o.Retention).UnixMicro()
	_, err := r.db.SQL().ExecContext(ctx, r.db.Dialect().Rebind("DELETE FROM eim_outbox WHERE sent_us IS NOT NULL AND sent_us < ?"), cutoff)
	return r.db.Err("outbox: prune", err)
}
