package rabbitmq_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging/rabbitmq"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/msgtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// TestTLS runs the adapter against the test bed's amqps listener, on a vhost of the test's
// own, with the CA, client certificate and key given as file references, as bootstrap resolves
// them. The listener asks for a client certificate (verify_peer) but does not require one.
func TestTLS(t *testing.T) {
	srv := testenv.RabbitMQ(t)
	ca := testenv.FileRef(t, srv.CA.CAFile)
	cert, key := msgtest.ClientCert(t, srv.CA.ClientCertFile, srv.CA.ClientKeyFile)
	// at points c's URL at the amqps listener with scheme.
	at := func(c *rabbitmq.Config, scheme string) {
		u, _ := url.Parse(c.URL)
		u.Scheme, u.Host = scheme, srv.TLSAddr()
		c.URL = u.String()
	}
	msgtest.RunTLS(t, "rabbitmq", func(t msgtest.TB) *rabbitmq.Config { return namespace(t, srv) }, []msgtest.TLSCase[*rabbitmq.Config]{
		{Name: "amqps:// URL, CA from a file reference", Configure: func(c *rabbitmq.Config) {
			at(c, "amqps")
			c.TLS.CA = ca
		}},
		{Name: "tls.enabled with an amqp:// URL", Configure: func(c *rabbitmq.Config) {
			at(c, "amqp")
			c.TLS.Enabled, c.TLS.CA = true, ca
		}},
		{Name: "serverName localhost", Configure: func(c *rabbitmq.Config) {
			at(c, "amqps")
			c.TLS.CA, c.TLS.ServerName = ca, "localhost"
		}},
		{Name: "wrong server name", Configure: func(c *rabbitmq.Config) {
			at(c, "amqps")
			c.TLS.CA, c.TLS.ServerName = ca, testenv.WrongServerName
		}, WantErr: "not " + testenv.WrongServerName},
		{Name: "CA not set: system roots do not trust the test CA", Configure: func(c *rabbitmq.Config) {
			at(c, "amqps")
		}, WantErr: "certificate signed by unknown authority"},
		{Name: "TLS disabled against the TLS port", Configure: func(c *rabbitmq.Config) {
			at(c, "amqp")
		}, WantErr: "use an amqps:// URL or set tls.mode: verify-full"},
		// The listener verifies a presented certificate against the test CA. The broker saw this
		// one: its management API reports the connection's peer certificate subject and issuer.
		{Name: "client certificate and key from file references", Configure: func(c *rabbitmq.Config) {
			at(c, "amqps")
			c.TLS.CA, c.TLS.Cert, c.TLS.Key = ca, cert, key
		}, Verify: func(t *testing.T, c *rabbitmq.Config) {
			assertPeerCert(t, srv, c, "CN="+testenv.ClientCN, "CN=EIM test bed CA")
		}},
	})
}

// TestTLSForeignClientCertificate: the amqps listener rejects a client certificate that the test
// CA did not sign. In TLS 1.3 the broker checks it only after the client's side of the handshake
// is done, answers with an unknown_ca alert and hangs up; a client reads that alert only if it
// reads before its first write fails. A raw client that always reads shows the broker's verdict;
// amqp091 reports whichever of its reader and writer fails first, so the adapter's message is the
// alert (with the client-certificate hint) in most runs, and otherwise a connection reset or
// "channel/connection is not open": only its code is certain.
func TestTLSForeignClientCertificate(t *testing.T) {
	srv := testenv.RabbitMQ(t)
	t.Run("the broker answers with unknown_ca", func(t *testing.T) {
		pair, err := tls.LoadX509KeyPair(srv.CA.ForeignClientCertFile, srv.CA.ForeignClientKeyFile)
		require.NoError(t, err)
		pool, err := srv.CA.CertPool()
		require.NoError(t, err)
		err = amqpsHello(t, srv.TLSAddr(), &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS12,
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "remote error: tls: unknown certificate authority")
	})
	t.Run("the adapter fails with unavailable", func(t *testing.T) {
		c := namespace(t, srv)
		u, err := url.Parse(c.URL)
		require.NoError(t, err)
		u.Scheme, u.Host = "amqps", srv.TLSAddr()
		c.URL = u.String()
		c.TLS.CA = testenv.FileRef(t, srv.CA.CAFile)
		c.TLS.Cert, c.TLS.Key = msgtest.ClientCert(t, srv.CA.ForeignClientCertFile, srv.CA.ForeignClientKeyFile)
		err = msgtest.OpenOrHealthErr(t, "rabbitmq", c)
		require.Error(t, err)
		assert.Equal(t, provider.Unavailable, provider.CodeOf(err), "code of %v", err)
		if strings.Contains(err.Error(), "remote error: tls:") {
			assert.Contains(t, err.Error(), "TLS handshake with "+srv.TLSAddr()+" failed")
			assert.Contains(t, err.Error(), msgtest.ClientCertHint)
		}
	})
}

// amqpsHello completes a TLS handshake with addr, sends the AMQP 0-9-1 protocol header and reads
// the answer, whatever became of the write: it returns the first read error, or nil when the
// broker answered.
func amqpsHello(t *testing.T, addr string, cfg *tls.Config) error {
	t.Helper()
	raw, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer raw.Close()
	require.NoError(t, raw.SetDeadline(time.Now().Add(10*time.Second)))
	conn := tls.Client(raw, cfg)
	if err := conn.Handshake(); err != nil {
		return err
	}
	_, _ = conn.Write([]byte("AMQP\x00\x00\x09\x01"))
	_, err = conn.Read(make([]byte, 64))
	return err
}

// mgmtConnection is the part of a management API connection record the TLS test reads.
type mgmtConnection struct {
	VHost           string `json:"vhost"`
	User            string `json:"user"`
	SSL             bool   `json:"ssl"`
	PeerCertSubject string `json:"peer_cert_subject"`
	PeerCertIssuer  string `json:"peer_cert_issuer"`
}

// assertPeerCert asks the management API (GET /api/connections) for the connections of c's
// vhost and user, and requires one over TLS whose peer certificate subject and issuer contain
// subject and issuer. The management API may list a new connection only after its statistics
// interval, so the list is polled.
func assertPeerCert(t *testing.T, srv *testenv.RabbitMQServer, c *rabbitmq.Config, subject, issuer string) {
	t.Helper()
	u, err := url.Parse(c.URL)
	require.NoError(t, err)
	vhost := strings.TrimPrefix(u.Path, "/")
	assert.EventuallyWithT(t, func(ct *assert.CollectT) {
		seen, err := connections(srv, vhost, c.Username)
		require.NoError(ct, err)
		found := slices.ContainsFunc(seen, func(conn mgmtConnection) bool {
			return conn.SSL && strings.Contains(conn.PeerCertSubject, subject) && strings.Contains(conn.PeerCertIssuer, issuer)
		})
		assert.True(ct, found, "no TLS connection of user %s on vhost %s with peer certificate %q issued by %q; seen %+v",
			c.Username, vhost, subject, issuer, seen)
	}, 30*time.Second, 200*time.Millisecond)
}

// connections returns the broker's connections on vhost by user, from the management API.
func connections(srv *testenv.RabbitMQServer, vhost, user string) ([]mgmtConnection, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.ManagementURL()+"/api/connections", nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(srv.User, srv.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /api/connections: %s", resp.Status)
	}
	var all []mgmtConnection
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		return nil, fmt.Errorf("GET /api/connections: %w", err)
	}
	return slices.DeleteFunc(all, func(conn mgmtConnection) bool { return conn.VHost != vhost || conn.User != user }), nil
}
