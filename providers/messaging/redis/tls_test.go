package redis_test

import (
	"testing"

	"github.com/eim-byoi/eim/providers/messaging/internal/msgtest"
	"github.com/eim-byoi/eim/providers/messaging/redis"
	"github.com/eim-byoi/eim/test/testenv"
)

// TestTLS runs the adapter against the test bed's Redis TLS port, with the CA given as a file
// reference, as bootstrap resolves it.
func TestTLS(t *testing.T) {
	srv := testenv.Redis(t)
	ca := msgtest.FileRef(t, srv.CA.CAFile)
	tlsAt := func(c *redis.Config) { c.Address, c.TLS.Enabled = srv.TLSAddr(), true }
	msgtest.RunTLS(t, "redis", func(t msgtest.TB) *redis.Config { return namespace(t, srv) }, []msgtest.TLSCase[*redis.Config]{
		{Name: "CA from a file reference", Configure: func(c *redis.Config) {
			tlsAt(c)
			c.TLS.CA = ca
		}},
		{Name: "serverName localhost", Configure: func(c *redis.Config) {
			tlsAt(c)
			c.TLS.CA, c.TLS.ServerName = ca, "localhost"
		}},
		{Name: "wrong server name", Configure: func(c *redis.Config) {
			tlsAt(c)
			c.TLS.CA, c.TLS.ServerName = ca, testenv.WrongServerName
		}, WantErr: "not " + testenv.WrongServerName},
		{Name: "CA not set: system roots do not trust the test CA", Configure: tlsAt,
			WantErr: "certificate signed by unknown authority"},
		// The TLS port drops a client that does not start a handshake.
		{Name: "TLS disabled against the TLS port", Configure: func(c *redis.Config) {
			c.Address = srv.TLSAddr()
		}, WantErr: "set tls.enabled"},
	})
}
