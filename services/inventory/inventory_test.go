package inventory_test

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/test/dbtest"
)

// openDB returns a fresh database of dialect with the inventory's schema.
func openDB(t *testing.T, dialect string) *storage.DB {
	return dbtest.Open(t, dialect, kinds.DatabaseSchemas(inventory.Schema())...)
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
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			m := newModule(t, openDB(t, dialect))
			for trName, client := range transports() {
				t.Run(trName, func(t *testing.T) { runSuite(t, &bed{client: client(t, m)}) })
			}
		})
	}
}
