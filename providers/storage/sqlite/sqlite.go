// Package sqlite is the embedded storage adapter: one SQLite file (pure Go, modernc.org/sqlite)
// in write-ahead-log mode with a busy timeout. It is the default when eim.yaml configures no
// database: enough for `make run` and small single-node installations, not for production
// fleets (one writer at a time, no replicas, no roles). It registers itself as "sqlite".
//
// Tenant isolation: every connection gets temporary views of the tenant-scoped tables,
// restricted to the tenant InTenant sets, with INSTEAD OF triggers that write through to the
// <name>_all tables and refuse another tenant's rows.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"modernc.org/sqlite"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

// Interface guards: the adapter's types implement the kind's driver interfaces.
var (
	_ storage.Driver        = (*liteDriver)(nil)
	_ storage.SchemaWatcher = (*liteDriver)(nil)
)

func init() { provider.Register(storage.Registry, "sqlite", NewConfig, Open) }

// Open opens the database file lazily: a file that cannot be opened yet makes CheckHealth
// fail with Unavailable until it can. With no path, the data directory is created.
func Open(_ context.Context, cfg *Config, env storage.Env) (*storage.DB, error) {
	path := cfg.Path
	if path == "" {
		if env.DataDir == "" {
			return nil, provider.Errorf(provider.InvalidArgument, "sqlite: no path and no data directory; set dataDir or path")
		}
		if err := os.MkdirAll(env.DataDir, 0o700); err != nil {
			return nil, provider.WithCode(provider.Unavailable, fmt.Errorf("create data directory: %w", err))
		}
		path = filepath.Join(env.DataDir, DefaultFile)
	}
	d := &liteDriver{path: path, gen: &schemaGen{}}
	dsn := "file:" + url.PathEscape(path) + fmt.Sprintf("?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_time_format=sqlite",
		cfg.BusyTimeout.Std().Milliseconds())
	d.db = sql.OpenDB(storage.NewConnector(&sqlite.Driver{}, d.dial(dsn), d.gen))
	d.db.SetMaxOpenConns(cfg.MaxOpen)
	d.db.SetMaxIdleConns(cfg.MaxOpen)
	return storage.New("sqlite", d), nil
}

// schemaGen is the connector's generation: bumped after migrations so that connections rebuild
// their tenant views. It carries no credentials.
type schemaGen struct{ n atomic.Uint64 }

func (g *schemaGen) Credentials(context.Context) (storage.Credentials, error) {
	return storage.Credentials{}, nil
}
func (g *schemaGen) Generation() uint64 { return g.n.Load() }

type liteDriver struct {
	path string
	db   *sql.DB
	gen  *schemaGen
}

func (d *liteDriver) dial(dsn string) storage.Dial {
	return func(ctx context.Context, _ storage.Credentials) (driver.Conn, error) {
		conn, err := (&sqlite.Driver{}).Open(dsn)
		if err != nil {
			return nil, err
		}
		if err := (session{conn}).setup(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		return conn, nil
	}
}

func (d *liteDriver) Dialect() storage.Dialect             { return storage.SQLite }
func (d *liteDriver) Primary() *sql.DB                     { return d.db }
func (d *liteDriver) Replica() *sql.DB                     { return nil }
func (d *liteDriver) Grantee() string                      { return "" }
func (d *liteDriver) Target() string                       { return d.path }
func (d *liteDriver) Code(err error) (provider.Code, bool) { return code(err) }
func (d *liteDriver) Close() error                         { return d.db.Close() }

// Migrator returns the pool itself: SQLite has no roles.
func (d *liteDriver) Migrator(context.Context) (*sql.DB, func() error, error) {
	return d.db, func() error { return nil }, nil
}

// AfterMigrate renews the connections, so that they rebuild their tenant views.
func (d *liteDriver) AfterMigrate(context.Context) error {
	d.gen.n.Add(1)
	return nil
}

// LockMigrations holds an exclusive lock on <path>.migrate.lock, so that two processes on the
// same file do not migrate at once.
func (d *liteDriver) LockMigrations(ctx context.Context) (func() error, error) {
	f, err := os.OpenFile(d.path+".migrate.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, provider.WithCode(provider.Unavailable, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, err
		}
		if err := provider.Sleep(ctx, 100*time.Millisecond); err != nil { // flock cannot wait on a context
			f.Close()
			return nil, err
		}
	}
	return func() error {
		return errors.Join(syscall.Flock(int(f.Fd()), syscall.LOCK_UN), f.Close())
	}, nil
}
