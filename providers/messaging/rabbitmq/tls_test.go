package rabbitmq_test

import (
	"net/url"
	"testing"

	"github.com/eim-byoi/eim/providers/messaging/internal/msgtest"
	"github.com/eim-byoi/eim/providers/messaging/rabbitmq"
	"github.com/eim-byoi/eim/test/testenv"
)

// TestTLS runs the adapter against the test bed's amqps listener, on a vhost of the test's
// own, with the CA given as a file reference, as bootstrap resolves it.
func TestTLS(t *testing.T) {
	srv := testenv.RabbitMQ(t)
	ca := msgtest.FileRef(t, srv.CA.CAFile)
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
		}, WantErr: "use an amqps:// URL or set tls.enabled"},
	})
}
