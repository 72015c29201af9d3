package outbox

import (
	"context"
	"time"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/storage"
)

// Inbox deduplicates a consumer group's messages by ID: it records each processed ID in the
// same transaction as the handler's own changes, so a redelivered message changes nothing.
type Inbox struct {
	db    *storage.DB
	group string
}

// NewInbox returns the inbox of group in db.
func NewInbox(db *storage.DB, group string) *Inbox { return &Inbox{db: db, group: group} }

// TxHandler handles a message inside the transaction that records it as processed.
type TxHandler func(ctx context.Context, tx *storage.Tx, m messaging.Message) error

// Handle returns a messaging.Handler that runs fn in a transaction together with the record of
// the message's ID. A message whose ID the group has already processed is acknowledged
// without calling fn; when fn fails, neither its changes nor the record are kept.
func (i *Inbox) Handle(fn TxHandler, opts ...storage.TxOption) messaging.Handler {
	return func(ctx context.Context, m messaging.Message) error {
		return i.db.InTx(ctx, func(tx *storage.Tx) error { return i.once(ctx, tx, m, fn) }, opts...)
	}
}

// HandleInTenant is Handle with the transaction scoped to the tenant tenantOf returns for
// the message.
func (i *Inbox) HandleInTenant(tenantOf func(messaging.Message) string, fn TxHandler, opts ...storage.TxOption) messaging.Handler {
	return func(ctx context.Context, m messaging.Message) error {
		return i.db.InTenant(ctx, tenantOf(m), func(tx *storage.Tx) error { return i.once(ctx, tx, m, fn) }, opts...)
	}
}

func (i *Inbox) once(ctx context.Context, tx *storage.Tx, m messaging.Message, fn TxHandler) error {
	first, err := i.Record(ctx, tx, m.ID)
	if err != nil || !first {
		return err
	}
	return fn(ctx, tx, m)
}

// Record records id as processed by the group in tx and reports whether it is the first
// time; false means a duplicate.
func (i *Inbox) Record(ctx context.Context, tx *storage.Tx, id string) (bool, error) {
	q := map[storage.Dialect]string{
		storage.Postgres: "INSERT INTO eim_inbox (grp, message_id, processed_us) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
		storage.MySQL:    "INSERT IGNORE INTO eim_inbox (grp, message_id, processed_us) VALUES (?, ?, ?)",
		storage.SQLite:   "INSERT OR IGNORE INTO eim_inbox (grp, message_id, processed_us) VALUES (?, ?, ?)",
	}[i.db.Dialect()]
	res, err := tx.ExecContext(ctx, q, i.group, id, time.Now().UnixMicro())
	if err != nil {
		return false, i.db.Err("inbox: record "+id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, i.db.Err("inbox: record "+id, err)
}

// Prune forgets IDs processed more than olderThan ago: a redelivery later than that would be
// processed again. Keep olderThan well above the broker's redelivery horizon.
func (i *Inbox) Prune(ctx context.Context, olderThan time.Duration) (int64, error) {
	res, err := i.db.SQL().ExecContext(ctx, i.db.Dialect().Rebind("DELETE FROM eim_inbox WHERE grp = ? AND processed_us < ?"),
		i.group, time.Now().Add(-olderThan).UnixMicro())
	if err != nil {
		return 0, i.db.Err("inbox: prune", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
