package kinds

import (
	"context"
	"time"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/outbox"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/storage"
)

// openSecrets opens providers.secrets: one adapter ({type, config}) or a store and a keeper;
// with no block at all the embedded local adapter keeps encrypted files under the data
// directory.
func openSecrets(ctx context.Context, env *Env) (Opened, error) {
	var sel secrets.Selection
	for _, b := range env.Blocks {
		switch b.Role {
		case RoleStore:
			sel.Store = b.Envelope
		case RoleKeeper:
			sel.Keeper = b.Envelope
		default:
			sel.One = b.Envelope
		}
	}
	if sel == (secrets.Selection{}) && !secrets.Registry.Has(secrets.DefaultAdapter) {
		return Opened{}, nil // no block and no embedded default in this build: the kind is absent
	}
	p, err := secrets.Open(ctx, sel, secrets.Env{DataDir: env.DataDir, Logger: env.Logger})
	if err != nil {
		return Opened{}, err
	}
	env.Set.Secrets = p
	return Opened{Adapter: p.Adapter(), Provider: p}, nil
}

// openStorage opens providers.database (the embedded SQLite file under the data directory when
// absent), then applies the messaging schema and env.Schemas, waiting within ctx for a database
// that is not reachable yet.
func openStorage(ctx context.Context, env *Env) (Opened, error) {
	db, err := OpenDatabase(ctx, env)
	if err != nil {
		return Opened{}, err
	}
	if err := migrateWhenUp(ctx, env, db); err != nil {
		db.Close()
		return Opened{}, err
	}
	env.Set.Storage = db
	return Opened{Adapter: db.Adapter(), Provider: db}, nil
}

// OpenDatabase opens the database the storage kind's block configures (the embedded SQLite file
// when there is none) without migrating it, with rotating credentials followed through
// env.Set.Secrets: `eim migrate db` uses it.
func OpenDatabase(ctx context.Context, env *Env) (*storage.DB, error) {
	k, _ := ByName(Storage)
	typ, cfg, _ := env.open(k)
	return storage.Open(ctx, typ, cfg, storageEnv(env))
}

// DatabaseSchemas are the schemas the storage kind applies: the messaging schema (outbox, inbox,
// sql adapter queues), then extra (the modules' tables).
func DatabaseSchemas(extra ...storage.Schema) []storage.Schema {
	return append([]storage.Schema{messaging.Schema()}, extra...)
}

func migrateWhenUp(ctx context.Context, env *Env, db *storage.DB) error {
	schemas := DatabaseSchemas(env.Schemas...)
	return provider.Retry(ctx, provider.Backoff{Min: 200 * time.Millisecond, Max: 5 * time.Second}, provider.IsUnavailable, func() error {
		err := db.Migrate(ctx, schemas...)
		if provider.CodeOf(err) == provider.Unavailable {
			env.Log().Warn("database not reachable yet; retrying migrations", "target", db.Target(), "error", err)
		}
		return err
	})
}

// openIdentity opens providers.identity; with no block the embedded local issuer is used
// (served by `eim serve` under /oidc, keys and clients kept in the secrets provider). An
// unreachable issuer does not fail it: the provider reports not ready until its keys are
// fetched.
func openIdentity(ctx context.Context, env *Env) (Opened, error) {
	k, _ := ByName(Identity)
	typ, cfg, ok := env.open(k)
	if !ok {
		return Opened{}, nil
	}
	ienv := identity.Env{Logger: env.Logger, HTTPAddr: env.HTTPAddr}
	if env.Set.Secrets != nil {
		ienv.Secrets = env.Set.Secrets.Store()
	}
	p, err := identity.Open(ctx, typ, cfg, ienv)
	if err != nil {
		return Opened{}, err
	}
	env.Set.Identity = p
	return Opened{Adapter: p.Adapter(), Provider: p}, nil
}

// openMessaging opens providers.messaging; with no block the embedded memory adapter serves.
// When a database is open (migrated with the messaging schema) and env.NoRelay is not set, an
// outbox relay publishes the events services append; it stops before the bus closes.
func openMessaging(ctx context.Context, env *Env) (Opened, error) {
	k, _ := ByName(Messaging)
	typ, cfg, ok := env.open(k)
	if !ok {
		return Opened{}, nil
	}
	db := env.Set.Storage
	bus, err := messaging.Open(ctx, typ, cfg, messaging.Env{Logger: env.Logger, Storage: db})
	if err != nil {
		return Opened{}, err
	}
	if db != nil && !env.NoRelay {
		relay := outbox.NewRelay(db, bus, outbox.RelayOptions{Logger: env.Log().With("component", "outbox")})
		relay.Start()
		bus.Adopt(relay)
	}
	env.Set.Messaging = bus
	return Opened{Adapter: bus.Adapter(), Provider: bus}, nil
}

// WatchSecret follows a credential of a kind opened after secrets that may rotate, e.g. the
// database password: a {secret: "path#key"} reference is watched in the secrets provider
// (re-read every refresh interval, renewed and re-read with its lease when dynamic), and
// Changes delivers each new value; an {env} or {file} reference gives a watch holding the
// value resolved at startup. The caller stops the watch.
func WatchSecret(ctx context.Context, set *Set, ref *provider.SecretRef) (*secrets.Watch, error) {
	p := set.Secrets
	if p == nil {
		if ref.Secret != "" {
			return nil, provider.Errorf(provider.FailedPrecondition, "%s needs a secrets provider, and none is configured or built in", ref)
		}
		p = secrets.New(nil, nil)
	}
	return p.WatchRef(ctx, ref)
}
