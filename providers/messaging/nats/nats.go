// Package nats is the messaging adapter for NATS JetStream: one stream holds every topic's
// messages (subject <subjectPrefix><topic>), each consumer group is a durable pull consumer
// filtered on its topic, with explicit acks, an ack wait, and delayed naks for the backoff.
// The connection reconnects by itself, forever; a server that is down at startup is waited for,
// but a TLS failure at startup (certificate not trusted, wrong name, no TLS, client certificate
// rejected or missing where required) fails Open.
package nats

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
)

// Header names the adapter uses besides the message's own headers.
const (
	headerKey = "eim-key"
	headerID  = "eim-id"
)

// payloadHeadroom is kept free of the server's max_payload for headers.
const payloadHeadroom = 16 << 10

// defaultServerMaxPayload is NATS's default max_payload, assumed until the server says.
const defaultServerMaxPayload = 1 << 20

// Interface guards: the adapter's types implement the kind's driver interfaces.
var (
	_ messaging.Driver   = (*driver)(nil)
	_ messaging.Receiver = (*receiver)(nil)
	_ messaging.Delivery = (*delivery)(nil)
)

func init() { provider.Register(messaging.Registry, "nats", NewConfig, open) }

type driver struct {
	cfg *Config
	nc  *nats.Conn
	js  jetstream.JetStream
	log *slog.Logger

	mu          sync.Mutex
	streamReady bool
}

func open(_ context.Context, c *Config, env messaging.Env) (messaging.Driver, error) {
	d := &driver{cfg: c, log: env.Log()}
	opts, err := d.options()
	if err != nil {
		return nil, err
	}
	urls := joinURLs(c.urls())
	// A first attempt without retries tells a TLS misconfiguration, which retrying cannot cure,
	// from a server that is merely down, which is waited for.
	nc, err := nats.Connect(urls, append(slices.Clip(opts), nats.RetryOnFailedConnect(false))...)
	if err != nil {
		if te := messaging.TLSError(urls, err); te != nil {
			return nil, te
		}
		nc, err = nats.Connect(urls, opts...)
	}
	if err != nil {
		return nil, coded(err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(10*time.Second))
	if err != nil {
		nc.Close()
		return nil, coded(err)
	}
	d.nc, d.js = nc, js
	return d, nil
}

func (d *driver) options() ([]nats.Option, error) {
	c := d.cfg
	opts := []nats.Option{
		nats.Name(c.Name), nats.Timeout(c.ConnectTimeout.Std()),
		nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectJitter(100*time.Millisecond, time.Second),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if nc.IsClosed() {
				return // closed by Close, not lost
			}
			d.log.Warn("NATS connection lost; reconnecting", "error", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { d.log.Info("NATS connection restored", "server", nc.ConnectedUrlRedacted()) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { d.log.Warn("NATS error", "error", err) }),
	}
	if c.Username != "" {
		opts = append(opts, nats.UserInfo(c.Username, c.Password.Value().Reveal()))
	}
	if !c.Token.IsZero() {
		opts = append(opts, nats.Token(c.Token.Value().Reveal()))
	}
	tc, err := c.TLS.Config("", messaging.TLSDefault(c.tlsScheme()))
	if err != nil {
		return nil, err
	}
	if tc != nil {
		opts = append(opts, nats.Secure(tc))
	}
	return opts, nil
}

func joinURLs(us []string) string {
	s := ""
	for i, u := range us {
		if i > 0 {
			s += ","
		}
		s += u
	}
	return s
}

func (d *driver) Capabilities() provider.Capabilities { return nil }

// MaxPayload is the server's max_payload less room for headers.
func (d *driver) MaxPayload() int {
	if m := int(d.nc.MaxPayload()); m > 0 {
		return m - payloadHeadroom
	}
	return defaultServerMaxPayload - payloadHeadroom
}

func (d *driver) connected() error {
	if d.nc.IsConnected() {
		return nil
	}
	if err := d.nc.LastError(); err != nil {
		return provider.Errorf(provider.Unavailable, "not connected to NATS (status %s, last error: %v); reconnecting", d.nc.Status(), err)
	}
	return provider.Errorf(provider.Unavailable, "not connected to NATS (status %s); reconnecting", d.nc.Status())
}

func (d *driver) CheckHealth(ctx context.Context) error {
	if err := d.connected(); err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	if err := d.nc.FlushWithContext(ctx); err != nil {
		return coded(err)
	}
	return d.ensureStream(ctx)
}

// ensureStream creates the stream when it is missing and checks that an existing one holds
// the adapter's subjects. It is done once per driver.
func (d *driver) ensureStream(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.streamReady {
		return nil
	}
	want := d.cfg.SubjectPrefix + ">"
	s, err := d.js.Stream(ctx, d.cfg.Stream)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		_, err = d.js.CreateStream(ctx, jetstream.StreamConfig{
			Name: d.cfg.Stream, Subjects: []string{want}, MaxAge: d.cfg.MaxAge.Std(), Replicas: d.cfg.Replicas,
			Storage: jetstream.FileStorage, Duplicates: 2 * time.Minute, Discard: jetstream.DiscardOld,
		})
		if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return coded(err)
		}
	case err != nil:
		return coded(err)
	default:
		if !covers(s.CachedInfo().Config.Subjects, want) {
			return provider.Errorf(provider.FailedPrecondition, "stream %s exists without subject %s (it has %v): add the subject to the stream or choose another stream or subjectPrefix",
				d.cfg.Stream, want, s.CachedInfo().Config.Subjects)
		}
	}
	d.streamReady = true
	return nil
}

func covers(subjects []string, want string) bool {
	for _, s := range subjects {
		if s == want || s == ">" {
			return true
		}
	}
	return false
}

func (d *driver) subject(topic string) string { return d.cfg.SubjectPrefix + topic }

func (d *driver) Publish(ctx context.Context, topic string, msgs []messaging.Message) error {
	if err := d.connected(); err != nil {
		return err
	}
	if err := d.ensureStream(ctx); err != nil {
		return err
	}
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	for _, m := range msgs {
		f, err := d.js.PublishMsgAsync(d.toNATS(topic, m), jetstream.WithMsgID(topic+"/"+m.ID)) // deduplicated per topic: a dead letter keeps its ID
		if err != nil {
			return coded(err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return coded(err)
		case <-ctx.Done():
			return coded(ctx.Err())
		}
	}
	return nil
}

func (d *driver) toNATS(topic string, m messaging.Message) *nats.Msg {
	msg := nats.NewMsg(d.subject(topic))
	msg.Data = m.Payload
	for k, v := range m.Headers {
		msg.Header[k] = []string{v}
	}
	msg.Header[headerID] = []string{m.ID}
	if m.Key != "" {
		msg.Header[headerKey] = []string{m.Key}
	}
	return msg
}

func (d *driver) Close() error {
	if d.nc.IsClosed() {
		return nil
	}
	if d.nc.IsConnected() {
		_ = d.nc.Flush()
	}
	d.nc.Close()
	return nil
}
