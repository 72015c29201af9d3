package redis_test

import (
	"testing"

	"github.com/eim-byoi/eim/providers/messaging/redis"
	"github.com/eim-byoi/eim/test/msgtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// TestTLS runs the adapter against the test bed's Redis TLS port, with the CA, client
// certificate and key given as file references, as bootstrap resolves them.
func TestTLS(t *testing.T) {
	srv := testenv.Redis(t)
	ca := testenv.FileRef(t, srv.CA.CAFile)
	tlsAt := func(c *redis.Config) { c.Address, c.TLS.Enabled = srv.TLSAddr(), true }
	cert, key := msgtest.ClientCert(t, srv.CA.ClientCertFile, srv.CA.ClientKeyFile)
	foreignCert, foreignKey := msgtest.ClientCert(t, srv.CA.ForeignClientCertFile, srv.CA.ForeignClientKeyFile)
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
		// The TLS port asks for a client certificate (tls-auth-clients optional): one signed by
		// the test CA is accepted, one from a foreign CA fails the handshake.
		{Name: "client certificate and key from file references", Configure: func(c *redis.Config) {
			tlsAt(c)
			c.TLS.CA, c.TLS.Cert, c.TLS.Key = ca, cert, key
		}},
		{Name: "client certificate from a foreign CA is rejected", Configure: func(c *redis.Config) {
			tlsAt(c)
			c.TLS.CA, c.TLS.Cert, c.TLS.Key = ca, foreignCert, foreignKey
		}, WantErr: "TLS handshake with " + srv.TLSAddr() + " failed: remote error: tls: unknown certificate authority",
			AlsoWant: []string{msgtest.ClientCertHint}},
		// The TLS port drops a client that does not start a handshake.
		{Name: "TLS disabled against the TLS port", Configure: func(c *redis.Config) {
			c.Address = srv.TLSAddr()
		}, WantErr: "set tls.mode: verify-full"},
	})
}
