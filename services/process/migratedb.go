package process

import (
	"context"
	"log/slog"

	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/bootstrap"
)

// MigrateDB opens the configured database (the embedded SQLite file when none is configured)
// and applies every schema of this binary under the migration lock; with statusOnly it changes
// nothing. It returns each schema's state after the run and the database's description.
func MigrateDB(ctx context.Context, cfg *config.Config, log *slog.Logger, r *Redactor, statusOnly bool) ([]storage.SchemaStatus, string, error) {
	db, closeAll, err := bootstrap.OpenDatabase(ctx, bootstrap.Options{Config: cfg, Logger: log, Redactor: r})
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = closeAll(context.Background()) }()
	schemas := bootstrap.StorageSchemas()
	if !statusOnly {
		if err := db.Migrate(ctx, schemas...); err != nil {
			return nil, db.Target(), err
		}
	}
	st, err := db.Status(ctx, schemas...)
	return st, db.Target(), err
}
