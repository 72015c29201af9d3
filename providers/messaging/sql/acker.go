package sql

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/eim-byoi/eim/providers/messaging/internal/acks"
	"github.com/eim-byoi/eim/providers/storage"
)

// maxAckBatch bounds how many acknowledgements one DELETE carries.
const maxAckBatch = 256

// ack is an acknowledged delivery: the claimed row and the claim token it was delivered under
// (a row claimed again since, after its visibility timeout passed, is not deleted).
type ack struct{ id, token int64 }

// newAcker returns the writer of the driver's acknowledgements (see package acks): one DELETE
// per batch, on one connection, beside the claims rather than in their way (carrying the
// deletes in the claim statement measured slower: it lengthens the claim, which is what
// consumers wait on).
func (d *driver) newAcker() *acks.Writer[ack] {
	return acks.New(maxAckBatch, d.deleteAcked, d.acked, d.log)
}

// deleteAcked deletes batch, retrying while the database reports a deadlock or a lost
// connection (on MySQL, InnoDB picks the DELETE as the victim of a deadlock with a concurrent
// claim now and then).
func (d *driver) deleteAcked(ctx context.Context, batch []ack) error {
	slices.SortFunc(batch, func(x, y ack) int { return cmp.Compare(x.id, y.id) }) // one lock order
	return coded(storage.Retry(ctx, storage.DefaultAttempts, func(ctx context.Context) error {
		var err error
		if d.db.Dialect() == storage.Postgres {
			ids, tokens := ackArrays(batch)
			_, err = d.db.SQL().ExecContext(ctx, pgAckDelete, ids, tokens)
		} else {
			q, args := mysqlAckDelete(batch)
			_, err = d.db.SQL().ExecContext(ctx, q, args...)
		}
		return d.db.Err("ack", err)
	}))
}

// pgAckDelete deletes the acknowledged rows given as two arrays, ids and claim tokens: one
// statement text, prepared once, for every batch size.
const pgAckDelete = "DELETE FROM eim_queue q USING unnest($1::bigint[], $2::bigint[]) AS a(id, claim) " +
	"WHERE q.id = a.id AND q.claim = a.claim"

func ackArrays(batch []ack) (ids, tokens []int64) {
	ids, tokens = make([]int64, len(batch)), make([]int64, len(batch))
	for i, k := range batch {
		ids[i], tokens[i] = k.id, k.token
	}
	return ids, tokens
}

// mysqlAckDelete is the DELETE of batch on MySQL: a row-value IN list, which InnoDB reads
// as primary-key ranges.
func mysqlAckDelete(batch []ack) (string, []any) {
	args := make([]any, 0, 2*len(batch))
	for _, k := range batch {
		args = append(args, k.id, k.token)
	}
	pairs := strings.TrimSuffix(strings.Repeat("(?, ?), ", len(batch)), ", ")
	return "DELETE FROM eim_queue WHERE (id, claim) IN (" + pairs + ")", args
}
