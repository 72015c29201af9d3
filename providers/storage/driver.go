package storage

import (
	"context"
	"database/sql"

	"github.com/eim-byoi/eim/providers/provider"
)

// Driver is what an adapter opens: the connection pools and the dialect-specific knowledge
// the portable DB needs. Adapters implement it; services never see it.
type Driver interface {
	// Dialect returns the SQL dialect.
	Dialect() Dialect
	// Primary returns the read-write pool, connected as the runtime role.
	Primary() *sql.DB
	// Replica returns the read-only replica pool, or nil when none is configured.
	Replica() *sql.DB
	// Target describes the database for messages: user@host:port/database. It never holds a
	// credential.
	Target() string
	// Code maps a driver error to a Code; ok is false when err is not the driver's.
	Code(err error) (code provider.Code, ok bool)
	// Migrator opens a connection as the migration role (the runtime role when no separate
	// one is configured). done releases it.
	Migrator(ctx context.Context) (db *sql.DB, done func() error, err error)
	// Grantee is the role that migrations grant runtime privileges to, or "" when the
	// migration role is the runtime role (no grants needed). On MySQL it is 'user'@'host'
	// already quoted; on PostgreSQL an unquoted role name.
	Grantee() string
	// Close releases the pools. It is idempotent.
	Close() error
}

// SchemaWatcher is implemented by drivers whose connections cache schema-dependent state
// (the SQLite adapter's per-connection tenant views): AfterMigrate tells them to rebuild it.
type SchemaWatcher interface {
	AfterMigrate(ctx context.Context) error
}
