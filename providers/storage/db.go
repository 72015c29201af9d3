package storage

import (
	"context"
	"database/sql"
	"sync"
)

// DB is an opened database: the portable type services use.
type DB struct {
	adapter   string
	drv       Driver
	closeOnce sync.Once
	closeErr  error
}

// New wraps an adapter's driver. Adapters' Open functions return it; tests of adapters use it
// directly.
func New(adapter string, d Driver) *DB {
	return &DB{adapter: adapter, drv: d}
}

// Adapter returns the name of the adapter that opened the database.
func (db *DB) Adapter() string { return db.adapter }

// Dialect returns the SQL dialect.
func (db *DB) Dialect() Dialect { return db.drv.Dialect() }

// SQL returns the read-write pool. Statements on tenant-scoped tables belong in InTenant.
func (db *DB) SQL() *sql.DB { return db.drv.Primary() }

// Replica returns the read replica pool, or the primary pool when no replica is configured.
// Replicas lag: read your own writes from SQL.
func (db *DB) Replica() *sql.DB {
	if r := db.drv.Replica(); r != nil {
		return r
	}
	return db.drv.Primary()
}

// HasReplica reports whether a separate read replica is configured.
func (db *DB) HasReplica() bool { return db.drv.Replica() != nil }

// Target describes the database as user@host:port/database, without credentials.
func (db *DB) Target() string { return db.drv.Target() }

// Driver returns the adapter's driver, for the migration machinery and adapter tests.
func (db *DB) Driver() Driver { return db.drv }

// CheckHealth does one round trip to the primary and, when configured, the replica. The error
// names the database target and carries a Code: Unavailable when the server cannot be reached,
// Unauthenticated when the credentials are refused.
func (db *DB) CheckHealth(ctx context.Context) error {
	if err := db.drv.Primary().PingContext(ctx); err != nil {
		return db.Err("ping "+db.Target(), err)
	}
	if r := db.drv.Replica(); r != nil {
		if err := r.PingContext(ctx); err != nil {
			return db.Err("ping replica of "+db.Target(), err)
		}
	}
	if v, ok := db.drv.(Verifier); ok {
		return db.Err("verify "+db.Target(), v.Verify(ctx))
	}
	return nil
}

// Verifier is implemented by drivers whose health check verifies more than reachability: the
// postgres adapter refuses a runtime role that could bypass Row Level Security.
type Verifier interface {
	Verify(ctx context.Context) error
}

// Close closes the pools. It is idempotent.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		if err := db.drv.Close(); err != nil {
			db.closeErr = db.Err("close", err)
		}
	})
	return db.closeErr
}
