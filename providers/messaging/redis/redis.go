// Package redis is the messaging adapter for Redis Streams: one stream per topic (XADD), one
// consumer group per EIM group (XGROUP CREATE ... $ MKSTREAM), XREADGROUP to receive, XACK to
// acknowledge, and XAUTOCLAIM to take over the pending entries of a consumer that crashed.
// go-redis reconnects by itself; every call is retried on the next use after an outage.
package redis

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/internal/acks"
	"github.com/eim-byoi/eim/providers/provider"
)

// MaxPayload is the largest payload the adapter accepts (Redis itself takes up to 512 MiB).
const MaxPayload = 8 << 20

// Stream entry fields.
const (
	fieldID      = "id"
	fieldKey     = "key"
	fieldPayload = "payload"
	fieldHeaders = "headers"
)

// Interface guards: the adapter's types implement the kind's driver interfaces.
var (
	_ messaging.Driver   = (*driver)(nil)
	_ messaging.Receiver = (*receiver)(nil)
	_ messaging.Delivery = (*delivery)(nil)
)

func init() { provider.Register(messaging.Registry, "redis", NewConfig, open) }

type driver struct {
	cfg  *Config
	rdb  *goredis.Client
	env  messaging.Env
	acks *acks.Writer[ack]
}

func open(_ context.Context, c *Config, env messaging.Env) (messaging.Driver, error) {
	host, _, _ := net.SplitHostPort(c.Address)
	tc, err := c.TLS.Config(host, provider.TLSDisable)
	if err != nil {
		return nil, err
	}
	rdb := goredis.NewClient(&goredis.Options{
		Addr: c.Address, Username: c.Username, Password: c.Password.Value().Reveal(), DB: c.DB, TLSConfig: tc,
		DialTimeout: c.DialTimeout.Std(), ClientName: "eim", MaxRetries: 2,
	})
	d := &driver{cfg: c, rdb: rdb, env: env}
	d.acks = d.newAcker()
	return d, nil
}

func (d *driver) key(topic string) string { return d.cfg.KeyPrefix + topic }

func (d *driver) Capabilities() provider.Capabilities { return nil }

func (d *driver) MaxPayload() int { return MaxPayload }

func (d *driver) CheckHealth(ctx context.Context) error {
	err := d.rdb.Ping(ctx).Err()
	if te := messaging.TLSError(d.cfg.Address, err); te != nil {
		return te
	}
	if errors.Is(err, io.EOF) && d.cfg.TLS.ModeOr(provider.TLSDisable) == provider.TLSDisable {
		return provider.Errorf(provider.Unavailable, "%s closed the connection (%w): if it serves TLS on this port, set tls.mode: verify-full", d.cfg.Address, err)
	}
	return coded(err)
}

func (d *driver) Publish(ctx context.Context, topic string, msgs []messaging.Message) error {
	key := d.key(topic)
	cmds, err := d.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, m := range msgs {
			p.XAdd(ctx, &goredis.XAddArgs{Stream: key, MaxLen: d.cfg.MaxLen, Approx: d.cfg.MaxLen > 0, Values: []any{
				fieldID, m.ID, fieldKey, m.Key, fieldPayload, m.Payload, fieldHeaders, messaging.EncodeHeaders(m.Headers)}})
		}
		return nil
	})
	if err != nil {
		return coded(err)
	}
	for _, c := range cmds {
		if err := c.Err(); err != nil {
			return coded(err)
		}
	}
	return nil
}

func (d *driver) Declare(ctx context.Context, topic, group string, _ messaging.GroupOptions) error {
	err := d.rdb.XGroupCreateMkStream(ctx, d.key(topic), group, "$").Err()
	if err != nil && strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return nil
	}
	return coded(err)
}

// Close writes the acknowledgements still queued (see acks.Writer.Drain), then closes the
// client. Those it could not write stay pending and are claimed again after claimTimeout.
func (d *driver) Close() error {
	return errors.Join(d.acks.Drain(), coded(d.rdb.Close()))
}
