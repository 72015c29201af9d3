package redis

import (
	"context"

	"github.com/eim-byoi/eim/providers/messaging/internal/acks"
)

// maxAckBatch bounds how many entries one round trip of XACKs carries.
const maxAckBatch = 512

// ack is an acknowledged entry of a group's stream.
type ack struct{ stream, group, entry string }

// newAcker returns the writer of the driver's acknowledgements (see package acks): one
// pipelined round trip per batch, one XACK per stream and group with all its entries. An
// entry whose XACK is lost stays pending, and XAUTOCLAIM hands it out again after claimTimeout.
func (d *driver) newAcker() *acks.Writer[ack] {
	return acks.New(maxAckBatch, d.xack, nil, d.env.Log())
}

func (d *driver) xack(ctx context.Context, batch []ack) error {
	type group struct{ stream, group string }
	entries := map[group][]string{}
	var order []group
	for _, a := range batch {
		g := group{a.stream, a.group}
		if _, ok := entries[g]; !ok {
			order = append(order, g)
		}
		entries[g] = append(entries[g], a.entry)
	}
	pipe := d.rdb.Pipeline()
	for _, g := range order {
		pipe.XAck(ctx, g.stream, g.group, entries[g]...)
	}
	_, err := pipe.Exec(ctx)
	return coded(err)
}
