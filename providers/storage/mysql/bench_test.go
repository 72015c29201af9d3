package mysql_test

import (
	"context"
	"crypto/tls"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/conformance/storagetest"
	"github.com/eim-byoi/eim/test/dbtest"
)

// benchDB opens a migrated database with 1000 counters through storage (as the runtime
// account) and through raw go-sql-driver/mysql as the migration account, both over TLS
// verified against the test CA, with the same driver settings (parseTime, UTC, time_zone).
func benchDB(b *testing.B) (*storage.DB, *sql.DB) {
	my := dbtest.NewMariaDB(b)
	d := my.Fresh(b)
	db := open(b, config(b, my.Server, d), storage.Env{})
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if err := db.Migrate(ctx, storagetest.StorageSchema()); err != nil {
		b.Fatal(err)
	}
	pool, err := my.Server.CA.CertPool()
	if err != nil {
		b.Fatal(err)
	}
	mc := gomysql.NewConfig()
	mc.Net, mc.Addr, mc.DBName = "tcp", fmt.Sprintf("%s:%d", my.Server.Host, my.Server.Port), d.Name
	mc.User, mc.Passwd = d.Migration.User, d.Migration.Password
	mc.ParseTime, mc.Loc = true, time.UTC
	mc.Params = map[string]string{"time_zone": "'+00:00'"}
	mc.TLS = &tls.Config{RootCAs: pool, ServerName: my.Server.Host, MinVersion: tls.VersionTLS12}
	conn, err := gomysql.NewConnector(mc)
	if err != nil {
		b.Fatal(err)
	}
	raw := sql.OpenDB(conn)
	b.Cleanup(func() { raw.Close() })
	values := make([]string, 1000)
	for i := range values {
		values[i] = fmt.Sprintf("('c%d', %d)", i+1, i+1)
	}
	if _, err := raw.ExecContext(ctx, "INSERT INTO counters (name, n) VALUES "+strings.Join(values, ", ")); err != nil {
		b.Fatal(err)
	}
	return db, raw
}

// The benchmarks run storage and raw database/sql side by side in each iteration
// (dbtest.Compare) and report ratio-vs-database-sql.

func BenchmarkPointSelect(b *testing.B) {
	db, raw := benchDB(b)
	ctx := context.Background()
	const q = "SELECT n FROM counters WHERE name = ?"
	var n int64
	dbtest.Compare(b,
		dbtest.Op{Name: "storage", Run: func() error { return db.SQL().QueryRowContext(ctx, q, "c500").Scan(&n) }},
		dbtest.Op{Name: "database-sql", Run: func() error { return raw.QueryRowContext(ctx, q, "c500").Scan(&n) }},
	)
}

func BenchmarkInsert(b *testing.B) {
	db, raw := benchDB(b)
	ctx := context.Background()
	const q = "INSERT INTO counters (name, n) VALUES (?, ?)"
	i := 0
	name := func() string { i++; return fmt.Sprintf("ins-%d", i) }
	dbtest.Compare(b,
		dbtest.Op{Name: "storage", Run: func() error { _, err := db.SQL().ExecContext(ctx, q, name(), 1); return err }},
		dbtest.Op{Name: "database-sql", Run: func() error { _, err := raw.ExecContext(ctx, q, name(), 1); return err }},
	)
}

func BenchmarkRange100(b *testing.B) {
	db, raw := benchDB(b)
	ctx := context.Background()
	read := func(db *sql.DB) func() error {
		return func() error {
			rows, err := db.QueryContext(ctx, "SELECT name, n FROM counters WHERE n BETWEEN ? AND ? ORDER BY n", 401, 500)
			if err != nil {
				return err
			}
			defer rows.Close()
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
	}
	dbtest.Compare(b, dbtest.Op{Name: "storage", Run: read(db.SQL())}, dbtest.Op{Name: "database-sql", Run: read(raw)})
}

// BenchmarkInTenant measures a point read of a tenant-scoped table in InTenant (the tenant's
// definer views) against the same read of a plain table in InTx, side by side:
// ratio-vs-no-tenant is the cost of tenant isolation on MySQL.
func BenchmarkInTenant(b *testing.B) {
	db, _ := benchDB(b)
	ctx := context.Background()
	if err := db.InTenant(ctx, "bench", func(tx *storage.Tx) error {
		for i := range 1000 {
			if _, err := tx.ExecContext(ctx, "INSERT INTO widgets (id, tenant_id, name, created_at) VALUES (UUID(), 'bench', ?, NOW(6))", fmt.Sprintf("w%d", i+1)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	var n string
	dbtest.Compare(b,
		dbtest.Op{Name: "tenant", Run: func() error {
			return db.InTenant(ctx, "bench", func(tx *storage.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT name FROM widgets WHERE name = ?", "w500").Scan(&n)
			})
		}},
		dbtest.Op{Name: "no-tenant", Run: func() error {
			return db.InTx(ctx, func(tx *storage.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT name FROM counters WHERE name = ?", "c500").Scan(&n)
			})
		}},
	)
}
