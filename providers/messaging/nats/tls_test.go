package nats_test

import (
	"context"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eim-byoi/eim/providers/messaging/nats"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/msgtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// TestTLS runs the adapter against the test bed's TLS-only NATS server (its own JetStream),
// which requires a client certificate signed by the test CA. The CA, client certificate and key
// are given as file references, as bootstrap resolves them; every row presents the test CA's
// client certificate unless it says otherwise.
func TestTLS(t *testing.T) {
	srv := testenv.NATS(t)
	ca := testenv.FileRef(t, srv.CA.CAFile)
	foreignCert, foreignKey := msgtest.ClientCert(t, srv.CA.ForeignClientCertFile, srv.CA.ForeignClientKeyFile)
	plainURL := "nats://" + srv.TLSAddr()
	msgtest.RunTLS(t, "nats", func(t msgtest.TB) *nats.Config { return tlsNamespace(t, srv) }, []msgtest.TLSCase[*nats.Config]{
		{Name: "tls:// URL, CA and client certificate from file references", Configure: func(c *nats.Config) {
			c.URL, c.TLS.CA = srv.TLSURL(), ca
		}},
		{Name: "tls.enabled with a nats:// URL", Configure: func(c *nats.Config) {
			c.URL, c.TLS.Enabled, c.TLS.CA = plainURL, true, ca
		}},
		{Name: "serverName localhost", Configure: func(c *nats.Config) {
			c.URL, c.TLS.CA, c.TLS.ServerName = srv.TLSURL(), ca, "localhost"
		}},
		{Name: "wrong server name", Configure: func(c *nats.Config) {
			c.URL, c.TLS.CA, c.TLS.ServerName = srv.TLSURL(), ca, testenv.WrongServerName
		}, WantErr: "not " + testenv.WrongServerName},
		{Name: "CA not set: system roots do not trust the test CA", Configure: func(c *nats.Config) {
			c.URL = srv.TLSURL()
		}, WantErr: "certificate signed by unknown authority"},
		// The server requires TLS, so the client upgrades anyway and cannot verify the
		// certificate without the test CA: Open fails instead of waiting forever.
		{Name: "TLS disabled against the TLS port", Configure: func(c *nats.Config) {
			c.URL = plainURL
		}, WantErr: "TLS handshake with " + plainURL + " failed"},
		// The server verifies client certificates against the test CA only. It answers a foreign
		// one (sent although its issuer is not among the CAs the server names) and none alike: a
		// bad_certificate alert, then it hangs up. In TLS 1.3 that comes after the client's side
		// of the handshake, so the client sees either the alert or the hang-up ("connection closed
		// by remote after TLS handshake"), whichever its first write or read meets; both fail Open
		// at once, with the hint, instead of retrying.
		{Name: "client certificate from a foreign CA is rejected", Configure: func(c *nats.Config) {
			c.URL, c.TLS.CA = srv.TLSURL(), ca
			c.TLS.Cert, c.TLS.Key = foreignCert, foreignKey
		}, WantErr: "TLS handshake with " + srv.TLSURL() + " failed", AlsoWant: []string{msgtest.ClientCertHint}},
		{Name: "no client certificate: the server requires one", Configure: func(c *nats.Config) {
			c.URL, c.TLS.CA = srv.TLSURL(), ca
			c.TLS.Cert, c.TLS.Key = provider.SecretRef{}, provider.SecretRef{}
		}, WantErr: "TLS handshake with " + srv.TLSURL() + " failed", AlsoWant: []string{msgtest.ClientCertHint}},
	})
}

// tlsNamespace is namespace on the TLS server: a stream of the test's own there, deleted when
// the test ends, and the test CA's client certificate (the server requires one).
func tlsNamespace(t msgtest.TB, srv *testenv.NATSServer) *nats.Config {
	t.Helper()
	name := strings.ReplaceAll(testenv.UniqueIdent(t, "s"), "_", "-")
	c := nats.NewConfig()
	c.Username, c.Password = srv.User, testenv.Ref(t, srv.Password)
	c.TLS.Cert, c.TLS.Key = msgtest.ClientCert(t, srv.CA.ClientCertFile, srv.CA.ClientKeyFile)
	c.Stream, c.SubjectPrefix = name, name+"."
	c.AckWait = provider.Duration(2 * time.Second)
	t.Cleanup(func() {
		nc, err := natsgo.Connect(srv.TLSURL(), natsgo.UserInfo(srv.User, srv.Password), natsgo.RootCAs(srv.CA.CAFile),
			natsgo.ClientCert(srv.CA.ClientCertFile, srv.CA.ClientKeyFile))
		if err != nil {
			return
		}
		defer nc.Close()
		js, _ := jetstream.New(nc)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = js.DeleteStream(ctx, name)
	})
	return c
}
