// Package msgtest prepares what the messaging adapters' tests need on the test bed: resolved
// secret references, fault proxies, and fresh PostgreSQL and MariaDB databases migrated with
// the messaging schema.
package msgtest

import (
	"context"
	"net"
	"strconv"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/mysql"
	"github.com/eim-byoi/eim/providers/storage/postgres"
	"github.com/eim-byoi/eim/providers/storage/sqlite"
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
	"github.com/eim-byoi/eim/test/testenv"
)

// TB is what the helpers need of a test; conformance.T and *testing.T satisfy it.
type TB interface {
	testenv.TB
	require.TestingT
}

// Proxy starts a fault proxy to target, closed when the test ends.
func Proxy(t TB, target string) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.New(target)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// Set switches p's mode, failing the test on error.
func Set(t TB, p *faultproxy.Proxy, m faultproxy.Mode) {
	t.Helper()
	require.NoError(t, p.Set(m))
}

// Postgres returns a fresh database on the test-bed PostgreSQL, opened with the postgres
// adapter (as the superuser: these tests are about messaging, not privileges) and migrated
// with the messaging schema.
func Postgres(t TB) *storage.DB {
	t.Helper()
	c := postgresConfig(t)
	return openMigrated(t, "postgres", c)
}

// PostgresVia is Postgres opened twice on one database: via connects through p, direct does
// not. The database is created and migrated directly, so p may already refuse connections.
func PostgresVia(t TB, p *faultproxy.Proxy) (via, direct *storage.DB) {
	t.Helper()
	c := postgresConfig(t)
	direct = openMigrated(t, "postgres", c)
	v := *c
	v.Host, v.Port = splitAddr(t, p.Addr())
	return openPlain(t, "postgres", &v), direct
}

func postgresConfig(t TB) *postgres.Config {
	t.Helper()
	srv := testenv.Postgres(t)
	c := postgres.NewConfig()
	c.Host, c.Port, c.Database = srv.Host, srv.Port, srv.CreateDatabase(t, "msg")
	c.User, c.Password = srv.User, testenv.Ref(t, srv.Password)
	c.TLS = provider.TLS{Mode: provider.TLSDisable}
	return c
}

// MariaDB returns a fresh database on the test-bed MariaDB, as Postgres does.
func MariaDB(t TB) *storage.DB {
	t.Helper()
	return openMigrated(t, "mysql", mariaDBConfig(t))
}

// MariaDBVia is MariaDB opened twice on one database, as PostgresVia.
func MariaDBVia(t TB, p *faultproxy.Proxy) (via, direct *storage.DB) {
	t.Helper()
	c := mariaDBConfig(t)
	direct = openMigrated(t, "mysql", c)
	v := *c
	v.Host, v.Port = splitAddr(t, p.Addr())
	return openPlain(t, "mysql", &v), direct
}

func mariaDBConfig(t TB) *mysql.Config {
	t.Helper()
	srv := testenv.MariaDB(t)
	c := mysql.NewConfig()
	c.Host, c.Port, c.Database = srv.Host, srv.Port, srv.CreateDatabase(t, "msg")
	c.User, c.Password = srv.User, testenv.Ref(t, srv.Password)
	c.TLS = provider.TLS{Mode: provider.TLSDisable}
	return c
}

// SQLite returns a fresh SQLite database in dir, migrated.
func SQLite(t TB, dir string) *storage.DB {
	t.Helper()
	c := sqlite.NewConfig()
	c.Path = dir + "/eim.db"
	return openMigrated(t, "sqlite", c)
}

func splitAddr(t TB, addr string) (string, int) {
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	return host, n
}

func openPlain(t TB, typ string, c provider.AdapterConfig) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), typ, c, storage.Env{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func openMigrated(t TB, typ string, c provider.AdapterConfig) *storage.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := openPlain(t, typ, c)
	require.NoError(t, db.Migrate(ctx, messaging.Schema()))
	return db
}
