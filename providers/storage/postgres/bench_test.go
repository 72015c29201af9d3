package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/conformance/storagetest"
	"github.com/eim-byoi/eim/test/dbtest"
)

// benchDB opens a migrated database with 1000 widgets of one tenant, through storage (as the
// runtime role), raw database/sql (pgx stdlib) and a raw pgx pool, both as the owner, so that
// the raw paths carry no RLS cost. Point and range reads use the tenant-free counters table so
// that all three do the same work.
func benchDB(b *testing.B) (*storage.DB, *sql.DB, *pgxpool.Pool) {
	pg := dbtest.NewPostgres(b, false)
	d := pg.Fresh(b)
	db := open(b, config(b, pg.Server, d), storage.Env{})
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if err := db.Migrate(ctx, storagetest.StorageSchema()); err != nil {
		b.Fatal(err)
	}
	url := fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", d.Migration.User, d.Migration.Password, pg.Server.Addr(), d.Name)
	raw, err := sql.Open("pgx", url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Close() })
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	if _, err := raw.ExecContext(ctx, "INSERT INTO counters (name, n) SELECT 'c' || i, i FROM generate_series(1, 1000) i"); err != nil {
		b.Fatal(err)
	}
	return db, raw, pool
}

// The benchmarks run storage, raw database/sql and a raw pgx pool side by side in each
// iteration (dbtest.Compare) and report ratio-vs-database-sql and ratio-vs-pgx.

func BenchmarkPointSelect(b *testing.B) {
	db, raw, pool := benchDB(b)
	ctx := context.Background()
	const q = "SELECT n FROM counters WHERE name = $1"
	var n int64
	dbtest.Compare(b,
		dbtest.Op{Name: "storage", Run: func() error { return db.SQL().QueryRowContext(ctx, q, "c500").Scan(&n) }},
		dbtest.Op{Name: "database-sql", Run: func() error { return raw.QueryRowContext(ctx, q, "c500").Scan(&n) }},
		dbtest.Op{Name: "pgx", Run: func() error { return pool.QueryRow(ctx, q, "c500").Scan(&n) }},
	)
}

func BenchmarkInsert(b *testing.B) {
	db, raw, pool := benchDB(b)
	ctx := context.Background()
	const q = "INSERT INTO counters (name, n) VALUES ($1, $2)"
	i := 0
	name := func() string { i++; return fmt.Sprintf("ins-%d", i) }
	dbtest.Compare(b,
		dbtest.Op{Name: "storage", Run: func() error { _, err := db.SQL().ExecContext(ctx, q, name(), 1); return err }},
		dbtest.Op{Name: "database-sql", Run: func() error { _, err := raw.ExecContext(ctx, q, name(), 1); return err }},
		dbtest.Op{Name: "pgx", Run: func() error { _, err := pool.Exec(ctx, q, name(), 1); return err }},
	)
}

// rows is what range100 reads: *sql.Rows and pgx.Rows.
type rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}

// range100 reads the 100 rows of a range query and closes them.
func range100(r rows, err error, closeRows func()) error {
	if err != nil {
		return err
	}
	defer closeRows()
	var name string
	var n int64
	c := 0
	for r.Next() {
		if err := r.Scan(&name, &n); err != nil {
			return err
		}
		c++
	}
	if c != 100 {
		return fmt.Errorf("%d rows", c)
	}
	return r.Err()
}

func BenchmarkRange100(b *testing.B) {
	db, raw, pool := benchDB(b)
	ctx := context.Background()
	const q = "SELECT name, n FROM counters WHERE n BETWEEN $1 AND $2 ORDER BY n"
	viaSQL := func(db *sql.DB) func() error {
		return func() error {
			r, err := db.QueryContext(ctx, q, 401, 500)
			if err != nil {
				return err
			}
			return range100(r, nil, func() { r.Close() })
		}
	}
	dbtest.Compare(b,
		dbtest.Op{Name: "storage", Run: viaSQL(db.SQL())},
		dbtest.Op{Name: "database-sql", Run: viaSQL(raw)},
		dbtest.Op{Name: "pgx", Run: func() error {
			r, err := pool.Query(ctx, q, 401, 500)
			if err != nil {
				return err
			}
			return range100(r, nil, r.Close)
		}},
	)
}

// BenchmarkInTenant measures a point read of a tenant-scoped table in InTenant (RLS, tenant
// set in the transaction) against the same read of a plain table in InTx, side by side:
// ratio-vs-no-rls is the cost of tenant isolation.
func BenchmarkInTenant(b *testing.B) {
	db, _, _ := benchDB(b)
	ctx := context.Background()
	if err := db.InTenant(ctx, "bench", func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO widgets (id, tenant_id, name, created_at) SELECT gen_random_uuid(), 'bench', 'w' || i, now() FROM generate_series(1, 1000) i")
		return err
	}); err != nil {
		b.Fatal(err)
	}
	var n string
	dbtest.Compare(b,
		dbtest.Op{Name: "rls", Run: func() error {
			return db.InTenant(ctx, "bench", func(tx *storage.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT name FROM widgets WHERE name = $1", "w500").Scan(&n)
			})
		}},
		dbtest.Op{Name: "no-rls", Run: func() error {
			return db.InTx(ctx, func(tx *storage.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT name FROM counters WHERE name = $1", "c500").Scan(&n)
			})
		}},
	)
}
