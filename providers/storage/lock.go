package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// migrationLockKey is the PostgreSQL advisory lock key of migrations: "eim-migr" as an int64.
const migrationLockKey = 0x65696d2d6d696772

// MigrationLocker is implemented by drivers whose database has no lock of its own that
// survives across connections (SQLite: a lock file next to the database).
type MigrationLocker interface {
	LockMigrations(ctx context.Context) (unlock func() error, err error)
}

// lock takes the migration lock: a session-level advisory lock on PostgreSQL, a named lock on
// MySQL, the driver's lock elsewhere. It is held on a dedicated connection until unlock, and
// released by the server if the process dies.
func (db *DB) lock(ctx context.Context, m *sql.DB) (func() error, error) {
	if l, ok := db.drv.(MigrationLocker); ok {
		return l.LockMigrations(ctx)
	}
	conn, err := m.Conn(ctx)
	if err != nil {
		return nil, err
	}
	acquire, release := lockStatements(db.Dialect())
	for {
		var got sql.NullInt64
		if err := conn.QueryRowContext(ctx, acquire).Scan(&got); err != nil {
			conn.Close()
			return nil, err
		}
		if got.Valid && got.Int64 == 1 {
			break
		}
		if err := provider.Sleep(ctx, time.Second); err != nil {
			conn.Close()
			return nil, fmt.Errorf("another process holds it: %w", err)
		}
	}
	return func() error {
		_, err := conn.ExecContext(context.Background(), release)
		return errors.Join(err, conn.Close())
	}, nil
}

func lockStatements(d Dialect) (acquire, release string) {
	if d == Postgres {
		key := fmt.Sprint(int64(migrationLockKey))
		// Acquired as a boolean turned into 1, so both dialects scan alike; blocks until free.
		return "SELECT CASE WHEN pg_try_advisory_lock(" + key + ") THEN 1 ELSE 0 END", "SELECT pg_advisory_unlock(" + key + ")"
	}
	return "SELECT GET_LOCK('eim_migrations', 10)", "DO RELEASE_LOCK('eim_migrations')"
}
