// Package sql is the messaging adapter without a broker: queue tables (eim_queue,
// eim_queue_groups from messaging.Schema) in the configured PostgreSQL or MySQL/MariaDB
// database. Publishing copies the message to every group of the topic in one transaction;
// consumers claim batches with SELECT ... FOR UPDATE SKIP LOCKED and a visibility timeout, and
// on PostgreSQL LISTEN/NOTIFY wakes them so that they do not poll. Per-key ordering is
// declared: a message is claimable only when it is the oldest of its key in the group.
package sql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/internal/acks"
	"github.com/eim-byoi/eim/providers/messaging/internal/pgnotify"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

// MaxPayload is the largest payload the adapter accepts (MariaDB's default
// max_allowed_packet is 16 MiB).
const MaxPayload = 8 << 20

// notifyChannel is the PostgreSQL channel publishers notify.
const notifyChannel = "eim_queue"

// Interface guards: the adapter's types implement the kind's driver interfaces.
var (
	_ messaging.Driver   = (*driver)(nil)
	_ messaging.Receiver = (*receiver)(nil)
	_ messaging.Delivery = (*delivery)(nil)
)

func init() { provider.Register(messaging.Registry, "sql", NewConfig, open) }

type driver struct {
	cfg     *Config
	db      *storage.DB
	q       queries
	log     *slog.Logger
	acks    *acks.Writer[ack]
	ordered atomic.Bool // a receiver claims in key order

	listenOnce sync.Once
	ctx        context.Context
	cancel     context.CancelFunc
	wg         sync.WaitGroup

	mu   sync.Mutex
	wake chan struct{} // closed and replaced on every notification
}

func open(_ context.Context, c *Config, env messaging.Env) (messaging.Driver, error) {
	if env.Storage == nil {
		return nil, provider.Errorf(provider.FailedPrecondition, "the sql messaging adapter keeps its queues in the configured database, and none is configured: configure providers.database (PostgreSQL or MySQL)")
	}
	d := env.Storage.Dialect()
	if d != storage.Postgres && d != storage.MySQL {
		return nil, provider.Errorf(provider.FailedPrecondition, "the sql messaging adapter needs PostgreSQL or MySQL/MariaDB, and the database is %s: use the memory adapter with SQLite", d)
	}
	drv := &driver{cfg: c, db: env.Storage, q: queriesFor(d), log: env.Log(), wake: make(chan struct{})}
	drv.ctx, drv.cancel = context.WithCancel(context.Background())
	drv.acks = drv.newAcker()
	return drv, nil
}

func (d *driver) Capabilities() provider.Capabilities {
	return provider.Capabilities{messaging.CapOrderedKeys}
}

func (d *driver) MaxPayload() int { return MaxPayload }

func (d *driver) CheckHealth(ctx context.Context) error {
	var n int
	err := d.db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM eim_queue_groups WHERE topic = ''").Scan(&n)
	return coded(d.db.Err("check queue tables", err))
}

// listen starts the PostgreSQL LISTEN the first time a consumer needs it.
func (d *driver) listen() {
	if d.db.Dialect() != storage.Postgres {
		return
	}
	d.listenOnce.Do(func() {
		d.wg.Go(func() { pgnotify.Listen(d.ctx, d.db.SQL(), notifyChannel, func(string) { d.notify() }, d.log) })
	})
}

func (d *driver) notify() {
	d.mu.Lock()
	defer d.mu.Unlock()
	close(d.wake)
	d.wake = make(chan struct{})
}

// acked is called once acknowledgements are deleted: with ordered receivers, it wakes them,
// since the next message of an acknowledged key may now be claimed.
func (d *driver) acked() {
	if d.ordered.Load() {
		d.notify()
	}
}

func (d *driver) waker() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.wake
}

func (d *driver) Declare(ctx context.Context, topic, group string, _ messaging.GroupOptions) error {
	_, err := d.db.SQL().ExecContext(ctx, d.q.declare, topic, group)
	return coded(d.db.Err("declare group", err))
}

// Close writes the acknowledgements still queued (see acks.Writer.Drain), then stops the
// listener.
func (d *driver) Close() error {
	err := d.acks.Drain()
	d.cancel()
	d.wg.Wait()
	return err
}

// coded turns the storage kind's wrapped error into a coded cause, so that the Bus wraps it
// once as a messaging error.
func coded(err error) error {
	var pe *provider.Error
	if errors.As(err, &pe) {
		return provider.WithCode(pe.Code, fmt.Errorf("%s: %w", pe.Op, pe.Err))
	}
	return err
}
