package outbox_test

import (
	"context"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/outbox"
	"github.com/eim-byoi/eim/providers/storage"
)

// A state change and its event commit together; the relay publishes the event afterwards,
// and a consumer applies it once even if it is delivered twice.
func Example() {
	ctx := context.Background()
	var db *storage.DB     // the opened database (module.Deps)
	var bus *messaging.Bus // the opened messaging provider (module.Deps.Messaging)
	if db == nil || bus == nil {
		return
	}
	_ = db.InTenant(ctx, "project-1", func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE hosts SET status = $1 WHERE id = $2", "online", "host-1"); err != nil {
			return err
		}
		return outbox.Append(ctx, db, tx, "hosts.changed", messaging.Message{Key: "host-1", Payload: []byte(`{"status":"online"}`)})
	})
	inbox := outbox.NewInbox(db, "alerts")
	_, _ = bus.Subscribe(ctx, "hosts.changed", "alerts", inbox.Handle(func(ctx context.Context, tx *storage.Tx, m messaging.Message) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO alerts (host_id) VALUES ($1)", m.Key)
		return err
	}))
}
