package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strconv"

	"github.com/eim-byoi/eim/providers/provider"
)

// The names the tenant isolation machinery shares with migrations and adapters.
const (
	// TenantColumn is the column holding the tenant of every tenant-scoped row.
	TenantColumn = "tenant_id"
	// BaseSuffix is appended to a tenant-scoped table's name for the table that holds every
	// tenant's rows on MySQL and SQLite; the plain name is the tenant view.
	BaseSuffix = "_all"
	// PostgresSetting is the PostgreSQL setting InTenant sets and RLS policies read.
	PostgresSetting = "eim.tenant_id"
	// MySQLVariable is the MySQL session variable InTenant sets and tenant views read.
	MySQLVariable = "@eim_tenant_id"
	// SQLiteSession is the per-connection temporary table InTenant writes and tenant views read.
	SQLiteSession = "temp.eim_session"
)

// TxOption tunes InTx and InTenant.
type TxOption func(*txConfig)

type txConfig struct {
	opts     sql.TxOptions
	attempts int
	replica  bool
}

// Serializable runs the transaction at SERIALIZABLE isolation; combine it with WithRetry.
func Serializable() TxOption {
	return func(c *txConfig) { c.opts.Isolation = sql.LevelSerializable }
}

// ReadOnly runs a read-only transaction.
func ReadOnly() TxOption { return func(c *txConfig) { c.opts.ReadOnly = true } }

// OnReplica runs a read-only transaction on the read replica (the primary when none).
func OnReplica() TxOption {
	return func(c *txConfig) { c.opts.ReadOnly, c.replica = true, true }
}

// WithRetry reruns the whole transaction, up to DefaultAttempts times, when it fails with a
// retryable error (serialization failure, deadlock, lost connection). fn must then have no
// effects outside the transaction.
func WithRetry() TxOption { return WithRetryAttempts(DefaultAttempts) }

// WithRetryAttempts is WithRetry with its own budget of attempts, for transactions expected to
// conflict often.
func WithRetryAttempts(n int) TxOption { return func(c *txConfig) { c.attempts = max(n, 1) } }

// InTx runs fn in a transaction that is not scoped to a tenant: tenant-scoped tables show no
// rows in it. It commits when fn returns nil and rolls back otherwise. The error is mapped to
// a Code (see Err).
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error, opts ...TxOption) error {
	return db.run(ctx, "", fn, opts)
}

// InTenant runs fn in a transaction scoped to tenantID: tenant-scoped tables show, and accept,
// only that tenant's rows, whatever the statements' WHERE clauses say. It commits when fn
// returns nil and rolls back otherwise; the error is mapped to a Code (see Err).
func (db *DB) InTenant(ctx context.Context, tenantID string, fn func(*Tx) error, opts ...TxOption) error {
	if tenantID == "" {
		return provider.Wrap(Kind, db.adapter, "transaction", provider.Errorf(provider.InvalidArgument, "tenant id is empty"))
	}
	return db.run(ctx, tenantID, fn, opts)
}

func (db *DB) run(ctx context.Context, tenant string, fn func(*Tx) error, opts []TxOption) error {
	cfg := txConfig{attempts: 1}
	for _, o := range opts {
		o(&cfg)
	}
	op := "transaction"
	if tenant != "" {
		op = "transaction for tenant " + strconv.Quote(tenant)
	}
	return Retry(ctx, cfg.attempts, func(ctx context.Context) error {
		return db.Err(op, db.once(ctx, tenant, fn, cfg))
	})
}

func (db *DB) once(ctx context.Context, tenant string, fn func(*Tx) error, cfg txConfig) error {
	pool := db.SQL()
	if cfg.replica {
		pool = db.Replica()
	}
	if db.Dialect() == MySQL && tenant != "" {
		return db.onceMySQL(ctx, pool, tenant, fn, cfg)
	}
	sqlTx, err := pool.BeginTx(ctx, &cfg.opts)
	if err != nil {
		return err
	}
	return finish(db.scoped(ctx, sqlTx, tenant, fn), sqlTx)
}

// scoped sets the tenant (PostgreSQL, SQLite), runs fn and clears the tenant again (SQLite).
func (db *DB) scoped(ctx context.Context, sqlTx *sql.Tx, tenant string, fn func(*Tx) error) error {
	tx := &Tx{Tx: sqlTx, tenant: tenant, countChanges: db.Dialect() == SQLite}
	if tenant == "" {
		return fn(tx)
	}
	switch db.Dialect() {
	case Postgres:
		if _, err := sqlTx.ExecContext(ctx, "SELECT set_config('"+PostgresSetting+"', $1, true)", tenant); err != nil {
			return err
		}
	case SQLite:
		if _, err := sqlTx.ExecContext(ctx, "INSERT OR REPLACE INTO "+SQLiteSession+"(k, tenant_id) VALUES (1, ?)", tenant); err != nil {
			return err
		}
	}
	if err := fn(tx); err != nil {
		return err
	}
	if db.Dialect() == SQLite {
		_, err := sqlTx.ExecContext(ctx, "DELETE FROM "+SQLiteSession)
		return err
	}
	return nil
}

// onceMySQL pins a connection: the tenant is a session variable, set before the transaction
// and cleared after it, or the connection is discarded.
func (db *DB) onceMySQL(ctx context.Context, pool *sql.DB, tenant string, fn func(*Tx) error, cfg txConfig) error {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer releaseMySQL(conn)
	if _, err := conn.ExecContext(ctx, "SET "+MySQLVariable+" = ?", tenant); err != nil {
		return err
	}
	sqlTx, err := conn.BeginTx(ctx, &cfg.opts)
	if err != nil {
		return err
	}
	return finish(fn(&Tx{Tx: sqlTx, tenant: tenant}), sqlTx)
}

// releaseMySQL clears the tenant variable and returns the connection to the pool; when the
// variable cannot be cleared the connection is closed instead, so no later statement sees it.
func releaseMySQL(conn *sql.Conn) {
	_, err := conn.ExecContext(context.Background(), "SET "+MySQLVariable+" = NULL")
	if err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = conn.Close()
}

// finish commits when err is nil and rolls back otherwise.
func finish(err error, tx *sql.Tx) error {
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
