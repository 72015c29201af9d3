package rabbitmq

import (
	"context"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
)

// publisher returns the confirm-mode publishing channel, opening one when needed. pubMu is held.
func (d *driver) publisher() (*amqp.Channel, error) {
	if d.pub != nil && !d.pub.IsClosed() {
		return d.pub, nil
	}
	ch, err := d.channel()
	if err != nil {
		return nil, err
	}
	if err := d.declareExchange(ch); err != nil {
		_ = ch.Close()
		return nil, err
	}
	if err := ch.Confirm(false); err != nil {
		_ = ch.Close()
		return nil, coded(err)
	}
	d.pub = ch
	return ch, nil
}

// Publish sends msgs persistent to the exchange with the topic as routing key and waits for
// the broker's confirms.
func (d *driver) Publish(ctx context.Context, topic string, msgs []messaging.Message) error {
	d.pubMu.Lock()
	defer d.pubMu.Unlock()
	ch, err := d.publisher()
	if err != nil {
		return err
	}
	confirms := make([]*amqp.DeferredConfirmation, 0, len(msgs))
	for _, m := range msgs {
		c, err := ch.PublishWithDeferredConfirmWithContext(ctx, d.cfg.Exchange, topic, false, false, toAMQP(m))
		if err != nil {
			_ = ch.Close()
			return coded(err)
		}
		confirms = append(confirms, c)
	}
	for _, c := range confirms {
		ok, err := c.WaitContext(ctx)
		if err != nil {
			_ = ch.Close() // confirms of this channel are now unknown: start a new one
			return coded(err)
		}
		if !ok {
			return provider.Errorf(provider.Unavailable, "the broker refused (nacked) message %d of the batch", c.DeliveryTag)
		}
	}
	return nil
}

func toAMQP(m messaging.Message) amqp.Publishing {
	h := amqp.Table{}
	for k, v := range m.Headers {
		h[k] = v
	}
	if m.Key != "" {
		h[headerKey] = m.Key
	}
	return amqp.Publishing{MessageId: m.ID, Headers: h, Body: m.Payload, DeliveryMode: amqp.Persistent,
		ContentType: "application/octet-stream"}
}
