package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/internal/dbtest"
	"github.com/eim-byoi/eim/test/conformance"
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
	if err := db.Migrate(ctx, conformance.StorageSchema()); err != nil {
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

func BenchmarkPointSelect(b *testing.B) {
	db, raw, pool := benchDB(b)
	ctx := context.Background()
	const q = "SELECT n FROM counters WHERE name = $1"
	var n int64
	b.Run("storage", func(b *testing.B) {
		for b.Loop() {
			if err := db.SQL().QueryRowContext(ctx, q, "c500").Scan(&n); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("database-sql", func(b *testing.B) {
		for b.Loop() {
			if err := raw.QueryRowContext(ctx, q, "c500").Scan(&n); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pgx", func(b *testing.B) {
		for b.Loop() {
			if err := pool.QueryRow(ctx, q, "c500").Scan(&n); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkInsert(b *testing.B) {
	db, raw, pool := benchDB(b)
	ctx := context.Background()
	const q = "INSERT INTO counters (name, n) VALUES ($1, $2)"
	i := 0
	run := func(b *testing.B, exec func(name string) error) {
		for b.Loop() {
			i++
			if err := exec(fmt.Sprintf("ins-%d", i)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("storage", func(b *testing.B) {
		run(b, func(n string) error { _, err := db.SQL().ExecContext(ctx, q, n, 1); return err })
	})
	b.Run("database-sql", func(b *testing.B) {
		run(b, func(n string) error { _, err := raw.ExecContext(ctx, q, n, 1); return err })
	})
	b.Run("pgx", func(b *testing.B) {
		run(b, func(n string) error { _, err := pool.Exec(ctx, q, n, 1); return err })
	})
}

func BenchmarkRange100(b *testing.B) {
	db, raw, pool := benchDB(b)
	ctx := context.Background()
	const q = "SELECT name, n FROM counters WHERE n BETWEEN $1 AND $2 ORDER BY n"
	scan := func(rows interface {
		Next() bool
		Scan(...any) error
		Err() error
	}) error {
		var name string
		var n int64
		c := 0
		for rows.Next() {
			if err := rows.Scan(&name, &n); err != nil {
				return err
			}
			c++
		}
		if c != 100 {
			return fmt.Errorf("%d rows", c)
		}
		return rows.Err()
	}
	b.Run("storage", func(b *testing.B) {
		for b.Loop() {
			rows, err := db.SQL().QueryContext(ctx, q, 401, 500)
			if err != nil {
				b.Fatal(err)
			}
			if err := scan(rows); err != nil {
				b.Fatal(err)
			}
			rows.Close()
		}
	})
	b.Run("database-sql", func(b *testing.B) {
		for b.Loop() {
			rows, err := raw.QueryContext(ctx, q, 401, 500)
			if err != nil {
				b.Fatal(err)
			}
			if err := scan(rows); err != nil {
				b.Fatal(err)
			}
			rows.Close()
		}
	})
	b.Run("pgx", func(b *testing.B) {
		for b.Loop() {
			rows, err := pool.Query(ctx, q, 401, 500)
			if err != nil {
				b.Fatal(err)
			}
			if err := scan(rows); err != nil {
				b.Fatal(err)
			}
			rows.Close()
		}
	})
}

// BenchmarkInTenant measures a point read of a tenant-scoped table in InTenant (RLS, tenant
// set in the transaction) against the same read of a plain table in InTx.
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
	b.Run("rls", func(b *testing.B) {
		for b.Loop() {
			if err := db.InTenant(ctx, "bench", func(tx *storage.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT name FROM widgets WHERE name = $1", "w500").Scan(&n)
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("no-rls", func(b *testing.B) {
		for b.Loop() {
			if err := db.InTx(ctx, func(tx *storage.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT name FROM counters WHERE name = $1", "c500").Scan(&n)
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
