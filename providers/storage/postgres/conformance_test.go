package postgres_test

import (
	"context"
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/postgres"
	"github.com/eim-byoi/eim/providers/storage/remote"
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
	"github.com/eim-byoi/eim/test/conformance/storagetest"
	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// config returns the adapter configuration for d on srv, connected as the runtime role, with
// the migration role set.
func config(t testenv.TB, srv *testenv.PostgresServer, d dbtest.Database) *postgres.Config {
	c := postgres.NewConfig()
	c.Host, c.Port, c.Database = srv.Host, srv.Port, d.Name
	c.User, c.Password = d.Runtime.User, testenv.Ref(t, d.Runtime.Password)
	c.Migration = &remote.Migration{User: d.Migration.User, Password: testenv.Ref(t, d.Migration.Password)}
	c.TLS = provider.TLS{Mode: provider.TLSDisable}
	if srv.TLS {
		c.TLS = provider.TLS{Mode: provider.TLSVerifyFull, CA: testenv.FileRef(t, srv.CA.CAFile)}
	}
	return c
}

func open(t testenv.TB, c *postgres.Config, env storage.Env) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), "postgres", c, env)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return db
}

// through points c at addr (a fault proxy).
func through(c *postgres.Config, addr string) {
	host, port, _ := net.SplitHostPort(addr)
	c.Host = host
	c.Port, _ = strconv.Atoi(port)
}

func harness(t *testing.T) storagetest.StorageHarness {
	pg := dbtest.NewPostgres(t, false)
	tlsPG := dbtest.NewPostgres(t, true)
	return storagetest.StorageHarness{
		Open: func(ct storagetest.T) *storage.DB {
			return open(ct, config(ct, pg.Server, pg.Fresh(ct)), storage.Env{})
		},
		Hooks: storagetest.StorageHooks{
			Shared: func(ct storagetest.T) func() *storage.DB {
				c := config(ct, pg.Server, pg.Fresh(ct))
				return func() *storage.DB { return open(ct, c, storage.Env{}) }
			},
			Rotating: func(ct storagetest.T) (*storage.DB, *storage.Rotating, func() storage.Credentials, func(string) int) {
				d := pg.Fresh(ct)
				src := storage.NewRotating(d.Runtime.User, d.Runtime.Secret())
				c := config(ct, pg.Server, d)
				c.RuntimeRole = d.Runtime.User
				newLogin := func() storage.Credentials {
					l := pg.NewLogin(ct, d.Runtime.User)
					return storage.Credentials{User: l.User, Password: l.Secret()}
				}
				return open(ct, c, storage.Env{Credentials: src}), src, newLogin, func(u string) int { return pg.Sessions(ct, u) }
			},
			Interrupted: func(ct storagetest.T) (*storage.DB, func(), func()) {
				p, err := faultproxy.New(pg.Server.Addr())
				require.NoError(ct, err)
				ct.Cleanup(func() { p.Close() })
				c := config(ct, pg.Server, pg.Fresh(ct))
				through(c, p.Addr())
				return open(ct, c, storage.Env{}), func() { require.NoError(ct, p.Set(faultproxy.Refuse)) }, func() { require.NoError(ct, p.Set(faultproxy.Forward)) }
			},
			DownAtStartup: func(ct storagetest.T) (*storage.DB, func()) {
				p, err := faultproxy.NewDown(pg.Server.Addr())
				require.NoError(ct, err)
				ct.Cleanup(func() { p.Close() })
				c := config(ct, pg.Server, pg.Fresh(ct))
				through(c, p.Addr())
				return open(ct, c, storage.Env{}), func() { require.NoError(ct, p.Set(faultproxy.Forward)) }
			},
			WrongPassword: func(ct storagetest.T) (*storage.DB, string, []string) {
				d := pg.Fresh(ct)
				c := config(ct, pg.Server, d)
				wrong := "wrong-" + d.Runtime.Password
				c.Password = testenv.Ref(ct, wrong)
				return open(ct, c, storage.Env{}), wrong, []string{pg.Server.Addr(), d.Runtime.User, d.Name}
			},
			WrongHost: func(ct storagetest.T) (*storage.DB, *storage.DB) {
				d := tlsPG.Fresh(ct)
				wrong := config(ct, tlsPG.Server, d)
				wrong.TLS.ServerName = testenv.WrongServerName
				return open(ct, wrong, storage.Env{}), open(ct, config(ct, tlsPG.Server, d), storage.Env{})
			},
		},
	}
}

func TestConformance(t *testing.T) {
	storagetest.RunStorage(t, harness(t))
}
