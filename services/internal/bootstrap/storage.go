package bootstrap

import (
	"context"
	"fmt"
	"time"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

// embeddedDatabase is the storage adapter used when eim.yaml has no providers.database block.
const embeddedDatabase = "sqlite"

// StorageSchemas are the schemas `eim serve` and `eim migrate db` apply, after the storage
// kind's own. Each service module with tables adds its schema here.
func StorageSchemas() []storage.Schema { return []storage.Schema{messaging.Schema()} }

// OpenStorage opens the configured database, or the embedded SQLite file under the data
// directory when providers.database is absent, without migrating it.
func OpenStorage(ctx context.Context, st *State) (*storage.DB, error) {
	env := storageEnv(st)
	e := st.Config.Providers.Database
	if e == nil || e.Type == "" {
		cfg, err := storage.Registry.NewConfig(embeddedDatabase)
		if err != nil {
			return nil, err
		}
		return storage.Open(ctx, embeddedDatabase, cfg, env)
	}
	return storage.Open(ctx, e.Type, e.Settings, env)
}

// openStorage is the storage step: open, then apply the migrations, waiting (within the
// startup timeout) for a database that is not reachable yet.
func openStorage(ctx context.Context, st *State) (Opened, error) {
	db, err := OpenStorage(ctx, st)
	if err != nil {
		return Opened{}, err
	}
	if err := migrateWhenUp(ctx, st, db); err != nil {
		db.Close()
		return Opened{}, err
	}
	return Opened{Adapter: db.Adapter(), Provider: db}, nil
}

func migrateWhenUp(ctx context.Context, st *State, db *storage.DB) error {
	delay := 200 * time.Millisecond
	for {
		err := db.Migrate(ctx, StorageSchemas()...)
		if provider.CodeOf(err) != provider.Unavailable {
			return err
		}
		st.Logger.Warn("database not reachable yet; retrying migrations", "target", db.Target(), "error", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (gave up: %v)", err, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// OpenDatabase opens the secrets provider (for the database's secret references) and the
// database, without migrating, for `eim migrate db`. close releases both.
func OpenDatabase(ctx context.Context, opts Options) (db *storage.DB, close func(context.Context) error, err error) {
	steps := map[string]OpenFunc{
		storage.Kind: func(ctx context.Context, st *State) (Opened, error) {
			d, err := OpenStorage(ctx, st)
			if err != nil {
				return Opened{}, err
			}
			db = d
			return Opened{Adapter: d.Adapter(), Provider: d}, nil
		},
	}
	if f := openers()["secrets"]; f != nil {
		steps["secrets"] = f
	}
	opts.Steps = StepsFor(steps)
	app, _, err := OpenProviders(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	return db, app.Shutdown, nil
}
