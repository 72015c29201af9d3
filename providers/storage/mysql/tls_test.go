package mysql_test

import (
	"testing"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/dbtest"
)

// TestTLSModes runs the TLS modes against the test-bed MariaDB (TLS on its one port).
func TestTLSModes(t *testing.T) {
	my := dbtest.NewMariaDB(t)
	d := my.Fresh(t)
	dbtest.RunTLSModes(t, func(t *testing.T, tls provider.TLS) *storage.DB {
		c := config(t, my.Server, d)
		c.TLS = tls
		return open(t, c, storage.Env{})
	})
}
