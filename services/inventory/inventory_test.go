package inventory_test

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/mysql"
	"github.com/eim-byoi/eim/providers/storage/postgres"
	"github.com/eim-byoi/eim/providers/storage/remote"
	_ "github.com/eim-byoi/eim/providers/storage/sqlite"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// databases opens, for each database of the test bed, a fresh database migrated with the
// inventory's schema, connected as a runtime role that is not the tables' owner (so that
// PostgreSQL's row-level security and MariaDB's tenant views apply, as in production).
func databases() map[string]func(t *testing.T) *storage.DB {
	return map[string]func(t *testing.T) *storage.DB{
		"sqlite":   openSQLite,
		"postgres": openPostgres,
		"mariadb":  openMariaDB,
	}
}

func migrated(t *testing.T, db *storage.DB, err error) *storage.DB {
	t.Helper()
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, db.Migrate(context.Background(), kinds.DatabaseSchemas(inventory.Schema())...))
	return db
}

func openSQLite(t *testing.T) *storage.DB {
	db, err := storage.Open(context.Background(), "sqlite", nil, storage.Env{DataDir: t.TempDir()})
	return migrated(t, db, err)
}

func openPostgres(t *testing.T) *storage.DB {
	pg := dbtest.NewPostgres(t, false)
	d := pg.Fresh(t)
	c := postgres.NewConfig()
	c.Host, c.Port, c.Database = pg.Server.Host, pg.Server.Port, d.Name
	c.User, c.Password = d.Runtime.User, testenv.Ref(t, d.Runtime.Password)
	c.Migration = &remote.Migration{User: d.Migration.User, Password: testenv.Ref(t, d.Migration.Password)}
	c.TLS = provider.TLS{Mode: provider.TLSDisable}
	db, err := storage.Open(context.Background(), "postgres", c, storage.Env{})
	return migrated(t, db, err)
}

func openMariaDB(t *testing.T) *storage.DB {
	m := dbtest.NewMariaDB(t)
	d := m.Fresh(t)
	c := mysql.NewConfig()
	c.Host, c.Port, c.Database = m.Server.Host, m.Server.Port, d.Name
	c.User, c.Password = d.Runtime.User, testenv.Ref(t, d.Runtime.Password)
	c.Migration = &remote.Migration{User: d.Migration.User, Password: testenv.Ref(t, d.Migration.Password)}
	c.TLS = provider.TLS{Mode: provider.TLSDisable}
	db, err := storage.Open(context.Background(), "mysql", c, storage.Env{})
	return migrated(t, db, err)
}

// newModule builds the inventory module over db, without a gRPC server.
func newModule(t *testing.T, db *storage.DB) *inventory.Module {
	t.Helper()
	m, err := inventory.Factory(module.Deps{Set: kinds.Set{Storage: db}})
	require.NoError(t, err)
	return m.(*inventory.Module)
}

// transports gives the client suite's two transports over one module: in process, and gRPC on
// loopback through the generated client.
func transports() map[string]func(t *testing.T, m *inventory.Module) inventory.Client {
	return map[string]func(t *testing.T, m *inventory.Module) inventory.Client{
		"local": func(_ *testing.T, m *inventory.Module) inventory.Client { return m.InventoryClient() },
		"grpc":  serveGRPC,
	}
}

func serveGRPC(t *testing.T, m *inventory.Module) inventory.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	inventoryv1.RegisterInventoryServiceServer(srv, m.Server())
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	c, err := inventory.Dial(ln.Addr().String(), nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestClientSuite runs the client suite on SQLite, PostgreSQL and MariaDB, in process and over
// gRPC.
func TestClientSuite(t *testing.T) {
	for dbName, open := range databases() {
		t.Run(dbName, func(t *testing.T) {
			m := newModule(t, open(t))
			for trName, client := range transports() {
				t.Run(trName, func(t *testing.T) { runSuite(t, &bed{client: client(t, m)}) })
			}
		})
	}
}
