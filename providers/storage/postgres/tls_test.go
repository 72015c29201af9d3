package postgres_test

import (
	"testing"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/dbtest"
)

// TestTLSModes runs the TLS modes against the TLS-only test-bed PostgreSQL.
func TestTLSModes(t *testing.T) {
	pg := dbtest.NewPostgres(t, true)
	d := pg.Fresh(t)
	dbtest.RunTLSModes(t, func(t *testing.T, tls provider.TLS) *storage.DB {
		c := config(t, pg.Server, d)
		c.TLS = tls
		return open(t, c, storage.Env{})
	})
}
