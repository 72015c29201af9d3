package postgres_test

import (
	"context"
	"fmt"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/postgres"
	"github.com/eim-byoi/eim/providers/storage/remote"
)

// A managed PostgreSQL with TLS verify-full, a separate migration role, and a tenant-scoped
// query. Secret references are resolved by bootstrap before Open.
func Example() {
	cfg := postgres.NewConfig()
	cfg.Host, cfg.Database, cfg.User = "db.example.com", "eim", "eim_app"
	cfg.Migration = &remote.Migration{User: "eim_owner"}
	cfg.TLS.Mode = provider.TLSVerifyFull
	ctx := context.Background()
	db, err := storage.Open(ctx, "postgres", cfg, storage.Env{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	_ = db.InTenant(ctx, "project-1", func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE hosts SET name = $1 WHERE id = $2", "edge-1", "42")
		return err // only project-1's rows can be touched, WHERE or not
	})
}
