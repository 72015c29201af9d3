package dbtest

import (
	"context"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/mysql"
	"github.com/eim-byoi/eim/providers/storage/postgres"
	"github.com/eim-byoi/eim/providers/storage/remote"
	"github.com/eim-byoi/eim/providers/storage/sqlite"
	"github.com/eim-byoi/eim/test/testenv"
)

// Dialects are the databases module tests run on: the embedded SQLite, and PostgreSQL and
// MariaDB of the test bed.
func Dialects() []string { return []string{"sqlite", "postgres", "mariadb"} }

// TB is what Open needs of a test or benchmark.
type TB interface {
	testenv.TB
	TempDir() string
}

// Open returns a fresh database of dialect (one of Dialects) migrated with schemas, connected as
// a runtime role that does not own the tables, so that the tenant isolation of the database
// applies as it does in production. It is closed when the test ends.
func Open(t TB, dialect string, schemas ...storage.Schema) *storage.DB {
	t.Helper()
	var (
		typ string
		cfg provider.AdapterConfig
		env storage.Env
	)
	switch dialect {
	case "sqlite":
		typ, cfg = "sqlite", sqlite.NewConfig()
		env.DataDir = t.TempDir()
	case "postgres":
		pg := NewPostgres(t, false)
		d := pg.Fresh(t)
		c := postgres.NewConfig()
		c.Host, c.Port, c.Database = pg.Server.Host, pg.Server.Port, d.Name
		runtimeRole(t, &c.Common, d)
		typ, cfg = "postgres", c
	case "mariadb":
		m := NewMariaDB(t)
		d := m.Fresh(t)
		c := mysql.NewConfig()
		c.Host, c.Port, c.Database = m.Server.Host, m.Server.Port, d.Name
		runtimeRole(t, &c.Common, d)
		typ, cfg = "mysql", c
	default:
		t.Fatalf("dbtest: unknown dialect %q: use one of %v", dialect, Dialects())
	}
	db, err := storage.Open(context.Background(), typ, cfg, env)
	if err != nil {
		t.Fatalf("dbtest: open %s: %v", dialect, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background(), schemas...); err != nil {
		t.Fatalf("dbtest: migrate %s: %v", dialect, err)
	}
	return db
}

// runtimeRole connects c as d's runtime role, with d's migration role for migrations, in plain
// TCP on loopback.
func runtimeRole(t testenv.TB, c *remote.Common, d Database) {
	c.User, c.Password = d.Runtime.User, testenv.Ref(t, d.Runtime.Password)
	c.Migration = &remote.Migration{User: d.Migration.User, Password: testenv.Ref(t, d.Migration.Password)}
	c.TLS = provider.TLS{Mode: provider.TLSDisable}
}
