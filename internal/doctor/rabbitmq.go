package doctor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/url"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/eim-byoi/eim/internal/prereq"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/rabbitmq"
	"github.com/eim-byoi/eim/providers/provider"
)

func (b *brokerCheck) rabbitmq(ctx context.Context, c *rabbitmq.Config) {
	u, err := url.Parse(c.URL)
	if err != nil || u.Hostname() == "" {
		b.c.fail("reach", c.URL, "not an amqp:// or amqps:// URL", "write providers.messaging.config.url as amqp://host:5672/vhost")
		return
	}
	mode := c.TLS.ModeOr(messaging.TLSDefault(u.Scheme == "amqps"))
	port := u.Port()
	if port == "" {
		port = map[bool]string{true: "5671", false: "5672"}[mode != provider.TLSDisable]
	}
	ep := endpoint{host: u.Hostname(), port: port, tlsPath: "providers.messaging.config.tls", tls: c.TLS, mode: mode}
	if !ep.check(ctx, &b.c, b.o) {
		b.skipGrants("the server is not reachable securely")
		return
	}
	if b.unresolved(&c.Password, "providers.messaging.config.password") {
		return
	}
	conn, err := amqpDial(c, u, mode)
	if err != nil {
		b.rabbitLoginFailed(c, err)
		return
	}
	defer conn.Close()
	b.c.ok("auth", c.Username, "vhost "+prereq.RabbitMQVHost(c))
	p := &amqpProber{conn: conn, c: c, queue: c.Exchange + ".eim-doctor." + randomHex(), key: "eim-doctor." + randomHex()}
	for i, g := range prereq.RabbitMQGrants(c) {
		subject := g.Action + " " + g.Object
		decided, err := p.probe(ctx, i)
		switch {
		case !decided:
			b.c.skip("permissions", subject, "not decidable: "+err.Error())
		case err != nil:
			b.c.fail("permissions", subject, redact(err.Error(), c)+" (needed to "+g.Why+")", prereq.RabbitMQFix(c))
		default:
			b.c.ok("permissions", subject, g.Why)
		}
	}
}

func amqpDial(c *rabbitmq.Config, u *url.URL, mode string) (*amqp.Connection, error) {
	tc, err := c.TLS.Config(u.Hostname(), mode)
	if err != nil {
		return nil, err
	}
	d := *u
	d.User = url.UserPassword(c.Username, c.Password.Value().Reveal())
	if tc != nil {
		d.Scheme = "amqps"
	}
	timeout := c.ConnectTimeout.Std()
	return amqp.DialConfig(d.String(), amqp.Config{TLSClientConfig: tc, Locale: "en_US", Heartbeat: c.Heartbeat.Std(),
		Properties: amqp.Table{"connection_name": "eim-doctor"},
		Dial: func(network, addr string) (net.Conn, error) {
			conn, err := net.DialTimeout(network, addr, timeout)
			if err != nil {
				return nil, err
			}
			return conn, conn.SetDeadline(time.Now().Add(timeout))
		}})
}

func (b *brokerCheck) rabbitLoginFailed(c *rabbitmq.Config, err error) {
	var ae *amqp.Error
	msg := redact(err.Error(), c)
	switch {
	case errors.As(err, &ae) && ae.Code == amqp.NotAllowed:
		b.c.fail("permissions", "vhost "+prereq.RabbitMQVHost(c), msg, prereq.RabbitMQFix(c))
	case errors.As(err, &ae) && ae.Code == amqp.AccessRefused:
		b.c.fail("auth", c.Username, msg, "set providers.messaging.config.password to the password of RabbitMQ user "+c.Username+
			" (or rabbitmqctl change_password '"+c.Username+"' <the password at "+c.Password.String()+">)")
	case provider.IsTLSError(err):
		b.c.fail("tls", c.URL, msg, "fix providers.messaging.config.tls (ca: the CA of the server certificate; cert and key when the server verifies clients)")
	default:
		b.c.fail("auth", c.Username, msg, "check that "+c.URL+" is a RabbitMQ AMQP 0-9-1 listener and that its TLS setting matches providers.messaging.config.tls")
	}
	b.skipGrants("EIM's login failed")
}

func redact(s string, c *rabbitmq.Config) string {
	if pw := c.Password.Value().Reveal(); pw != "" {
		s = strings.ReplaceAll(s, pw, "***")
	}
	return s
}

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// amqpProber runs the AMQP operations whose permission checks are the grants', each on a
// channel of its own (a refusal closes the channel). RabbitMQ checks permissions before it
// looks the objects up: ACCESS_REFUSED (403) is a missing permission, NOT_FOUND (404) a granted
// one on an object that does not exist yet. The probe queue is exclusive (gone with the
// connection) and the probe message is routed to it only.
type amqpProber struct {
	conn       *amqp.Connection
	c          *rabbitmq.Config
	queue, key string
	bindErr    error // the bind's refusal, which names the permission it lacked
	bound      bool
}

// probe runs the operation of grant i of prereq.RabbitMQGrants; decided is false when the
// outcome says nothing about the permission.
func (p *amqpProber) probe(ctx context.Context, i int) (decided bool, err error) {
	ex := p.c.Exchange
	switch i {
	case 0: // configure exchange
		return classify(p.on(func(ch *amqp.Channel) error {
			return ch.ExchangeDeclare(ex, amqp.ExchangeTopic, true, false, false, false, nil)
		}))
	case 1: // configure queues
		return classify(p.on(func(ch *amqp.Channel) error {
			_, err := ch.QueueDeclare(p.queue, false, true, true, false, nil)
			return err
		}))
	case 2, 3: // write queues, read exchange: one bind checks both, the queue first
		if !p.bound {
			p.bound, p.bindErr = true, p.on(func(ch *amqp.Channel) error { return ch.QueueBind(p.queue, p.key, ex, false, nil) })
		}
		// The refusal names the object: "access to queue '...'" or "access to exchange '...'".
		want := map[int]string{2: "to queue '", 3: "to exchange '"}[i]
		if p.bindErr != nil && i == 3 && strings.Contains(p.bindErr.Error(), "to queue '") {
			return false, errors.New("the bind was refused for the queue first")
		}
		if p.bindErr != nil && !strings.Contains(p.bindErr.Error(), want) && refused(p.bindErr) {
			return true, nil
		}
		return classify(p.bindErr)
	case 4: // write exchange
		return classify(p.on(func(ch *amqp.Channel) error { return publishConfirmed(ctx, ch, ex, p.key) }))
	default: // read queues
		return classify(p.on(func(ch *amqp.Channel) error { _, _, err := ch.Get(p.queue, true); return err }))
	}
}

// on runs op on a new channel and closes it.
func (p *amqpProber) on(op func(*amqp.Channel) error) error {
	ch, err := p.conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	return op(ch)
}

// publishConfirmed publishes one probe message and waits for the broker's confirmation or the
// channel's closing (how a refused publication is told).
func publishConfirmed(ctx context.Context, ch *amqp.Channel, exchange, key string) error {
	closed := ch.NotifyClose(make(chan *amqp.Error, 1))
	if err := ch.Confirm(false); err != nil {
		return err
	}
	dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, exchange, key, false, false, amqp.Publishing{Body: []byte("eim doctor probe")})
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	select {
	case e := <-closed:
		if e == nil {
			return errors.New("the channel closed")
		}
		return e
	case <-dc.Done():
		if dc.Acked() {
			return nil
		}
		// The channel's shutdown tells the close listeners before it ends the confirmations.
		select {
		case e := <-closed:
			if e != nil {
				return e
			}
		default:
		}
		return errors.New("the broker did not accept the message")
	case <-wctx.Done():
		return wctx.Err()
	}
}

func refused(err error) bool {
	var ae *amqp.Error
	return errors.As(err, &ae) && ae.Code == amqp.AccessRefused
}

// classify maps an operation's outcome to the permission's: granted unless refused.
func classify(err error) (decided bool, _ error) {
	var ae *amqp.Error
	switch {
	case err == nil:
		return true, nil
	case refused(err):
		return true, err
	case errors.As(err, &ae) && ae.Code == amqp.NotFound:
		return true, nil // allowed; the object does not exist yet
	default:
		return false, err
	}
}
