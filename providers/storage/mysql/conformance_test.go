package mysql_test

import (
	"context"
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/mysql"
	"github.com/eim-byoi/eim/providers/storage/remote"
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
	"github.com/eim-byoi/eim/test/conformance/storagetest"
	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// config returns the adapter configuration for d, connected as the runtime account, with the
// migration account set, over TLS verified against the test CA.
func config(t testenv.TB, srv *testenv.MariaDBServer, d dbtest.Database) *mysql.Config {
	c := mysql.NewConfig()
	c.Host, c.Port, c.Database = srv.Host, srv.Port, d.Name
	c.User, c.Password = d.Runtime.User, testenv.Ref(t, d.Runtime.Password)
	c.Migration = &remote.Migration{User: d.Migration.User, Password: testenv.Ref(t, d.Migration.Password)}
	c.TLS = provider.TLS{Mode: provider.TLSVerifyFull, CA: testenv.FileRef(t, srv.CA.CAFile)}
	return c
}

func open(t testenv.TB, c *mysql.Config, env storage.Env) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), "mysql", c, env)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return db
}

// through points c at addr (a fault proxy); TLS still verifies the server's real name.
func through(c *mysql.Config, addr string) {
	host, port, _ := net.SplitHostPort(addr)
	c.Host = host
	c.Port, _ = strconv.Atoi(port)
}

func harness(t *testing.T) storagetest.StorageHarness {
	my := dbtest.NewMariaDB(t)
	return storagetest.StorageHarness{
		Open: func(ct storagetest.T) *storage.DB {
			return open(ct, config(ct, my.Server, my.Fresh(ct)), storage.Env{})
		},
		Hooks: storagetest.StorageHooks{
			Shared: func(ct storagetest.T) func() *storage.DB {
				c := config(ct, my.Server, my.Fresh(ct))
				return func() *storage.DB { return open(ct, c, storage.Env{}) }
			},
			Rotating: func(ct storagetest.T) (*storage.DB, *storage.Rotating, func() storage.Credentials, func(string) int) {
				d := my.Fresh(ct)
				src := storage.NewRotating(d.Runtime.User, d.Runtime.Secret())
				newLogin := func() storage.Credentials {
					l := my.NewLogin(ct, d.Name, d.Runtime.User)
					return storage.Credentials{User: l.User, Password: l.Secret()}
				}
				return open(ct, config(ct, my.Server, d), storage.Env{Credentials: src}), src, newLogin, func(u string) int { return my.Sessions(ct, u) }
			},
			Interrupted: func(ct storagetest.T) (*storage.DB, func(), func()) {
				p, err := faultproxy.New(my.Server.Addr())
				require.NoError(ct, err)
				ct.Cleanup(func() { p.Close() })
				c := config(ct, my.Server, my.Fresh(ct))
				through(c, p.Addr())
				return open(ct, c, storage.Env{}), func() { require.NoError(ct, p.Set(faultproxy.Refuse)) }, func() { require.NoError(ct, p.Set(faultproxy.Forward)) }
			},
			DownAtStartup: func(ct storagetest.T) (*storage.DB, func()) {
				p, err := faultproxy.NewDown(my.Server.Addr())
				require.NoError(ct, err)
				ct.Cleanup(func() { p.Close() })
				c := config(ct, my.Server, my.Fresh(ct))
				through(c, p.Addr())
				return open(ct, c, storage.Env{}), func() { require.NoError(ct, p.Set(faultproxy.Forward)) }
			},
			WrongPassword: func(ct storagetest.T) (*storage.DB, string, []string) {
				d := my.Fresh(ct)
				c := config(ct, my.Server, d)
				wrong := "wrong-" + d.Runtime.Password
				c.Password = testenv.Ref(ct, wrong)
				return open(ct, c, storage.Env{}), wrong, []string{my.Server.Addr(), d.Runtime.User, d.Name}
			},
			WrongHost: func(ct storagetest.T) (*storage.DB, *storage.DB) {
				d := my.Fresh(ct)
				wrong := config(ct, my.Server, d)
				wrong.TLS.ServerName = testenv.WrongServerName
				return open(ct, wrong, storage.Env{}), open(ct, config(ct, my.Server, d), storage.Env{})
			},
		},
	}
}

func TestConformance(t *testing.T) {
	storagetest.RunStorage(t, harness(t))
}
