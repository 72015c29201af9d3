// Package rabbitmq is the messaging adapter for RabbitMQ (AMQP 0-9-1, amqp091-go): topics are
// routing keys on one durable topic exchange; each consumer group is a durable quorum queue
// bound to its topic, with the exchange as dead-letter exchange (routing key <topic>.dead)
// and a delivery limit as a guard against crash loops; publishing waits for publisher
// confirms. The connection is re-established on the next use after it is lost.
package rabbitmq

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
)

// MaxPayload is the largest payload the adapter accepts (RabbitMQ's own default limit is
// 128 MiB; large messages hurt quorum queues).
const MaxPayload = 8 << 20

const headerKey = "eim-key"

// Interface guards: the adapter's types implement the kind's driver interfaces.
var (
	_ messaging.Driver   = (*driver)(nil)
	_ messaging.Receiver = (*receiver)(nil)
	_ messaging.Delivery = (*delivery)(nil)
)

func init() { provider.Register(messaging.Registry, "rabbitmq", NewConfig, open) }

type driver struct {
	cfg  *Config
	log  *slog.Logger
	addr string // host:port, for messages
	url  string
	amq  amqp.Config

	mu    sync.Mutex
	conn  *amqp.Connection
	pub   *amqp.Channel // confirm-mode channel for publishing; guarded by pubMu
	pubMu sync.Mutex
}

func open(_ context.Context, c *Config, env messaging.Env) (messaging.Driver, error) {
	u, _ := url.Parse(c.URL)
	u.User = url.UserPassword(c.Username, c.Password.Value().Reveal())
	tc, err := c.TLS.Config(u.Hostname(), messaging.TLSDefault(u.Scheme == "amqps"))
	if err != nil {
		return nil, err
	}
	if tc != nil {
		// amqp091 speaks TLS for amqps:// URLs only: tls.mode with an amqp:// URL means amqps.
		u.Scheme = "amqps"
	}
	timeout := c.ConnectTimeout.Std()
	d := &driver{cfg: c, log: env.Log(), url: u.String(), addr: u.Host, amq: amqp.Config{
		Heartbeat: c.Heartbeat.Std(), TLSClientConfig: tc, Locale: "en_US",
		Properties: amqp.Table{"connection_name": "eim"},
		Dial: func(network, addr string) (net.Conn, error) {
			conn, err := net.DialTimeout(network, addr, timeout)
			if err != nil {
				return nil, err
			}
			return conn, conn.SetDeadline(time.Now().Add(timeout)) // cleared by amqp091 after the handshake
		},
	}}
	return d, nil
}

// connection returns the live connection, dialing a new one when there is none.
func (d *driver) connection() (*amqp.Connection, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil && !d.conn.IsClosed() {
		return d.conn, nil
	}
	conn, err := amqp.DialConfig(d.url, d.amq)
	if err != nil {
		var ae *amqp.Error
		if errors.As(err, &ae) && ae.Code == amqp.AccessRefused {
			return nil, provider.WithCode(provider.Unauthenticated, errors.New(redact(err.Error(), d.cfg.Password.Value().Reveal())))
		}
		red := errors.New(redact(err.Error(), d.cfg.Password.Value().Reveal()))
		if te := messaging.TLSError(d.addr, red); te != nil {
			return nil, te
		}
		if d.amq.TLSClientConfig == nil && ((errors.As(err, &ae) && ae.Code == amqp.FrameError) || errors.Is(err, io.EOF)) {
			// e.g. a TLS listener answering the plain AMQP header with a TLS alert
			return nil, provider.Errorf(provider.Unavailable, "%s did not answer in AMQP (%w): if it serves TLS on this port, use an amqps:// URL or set tls.mode: verify-full", d.addr, red)
		}
		return nil, coded(red)
	}
	if d.conn != nil {
		d.log.Info("RabbitMQ connection restored")
	}
	d.conn = conn
	go func() {
		if err := <-conn.NotifyClose(make(chan *amqp.Error, 1)); err != nil {
			d.log.Warn("RabbitMQ connection lost; reconnecting on next use", "error", err)
		}
	}()
	return conn, nil
}

// channel opens a channel on the live connection.
func (d *driver) channel() (*amqp.Channel, error) {
	conn, err := d.connection()
	if err != nil {
		return nil, err
	}
	ch, err := conn.Channel()
	return ch, coded(err)
}

func (d *driver) Capabilities() provider.Capabilities { return nil }

func (d *driver) MaxPayload() int { return MaxPayload }

func (d *driver) CheckHealth(context.Context) error {
	ch, err := d.channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	return d.declareExchange(ch)
}

func (d *driver) declareExchange(ch *amqp.Channel) error {
	return coded(ch.ExchangeDeclare(d.cfg.Exchange, amqp.ExchangeTopic, true, false, false, false, nil))
}

func (d *driver) Close() error {
	d.pubMu.Lock()
	if d.pub != nil {
		_ = d.pub.Close()
	}
	d.pubMu.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil && !d.conn.IsClosed() {
		return coded(d.conn.Close())
	}
	return nil
}

// redact removes the password from a message that may quote the URL.
func redact(msg, password string) string {
	if password == "" {
		return msg
	}
	return strings.ReplaceAll(msg, password, provider.Redacted)
}
