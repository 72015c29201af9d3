package sql_test

import (
	"context"
	"fmt"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/sql"
	"github.com/eim-byoi/eim/providers/storage"
)

// Messaging with no broker: queues in the configured database (opened by the storage step,
// migrated with messaging.Schema()).
func Example() {
	var db *storage.DB // the opened PostgreSQL or MySQL database
	if db == nil {
		return
	}
	ctx := context.Background()
	bus, err := messaging.Open(ctx, "sql", sql.NewConfig(), messaging.Env{Storage: db})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer bus.Close()
	_, _ = bus.Subscribe(ctx, "hosts.changed", "alerts", func(ctx context.Context, m messaging.Message) error {
		return nil
	}, messaging.Ordered()) // the sql adapter declares per-key ordering
}
