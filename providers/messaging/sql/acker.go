package sql

import (
	"cmp"
	"context"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/eim-byoi/eim/providers/storage"
)

// Acknowledgement batching: rows per DELETE, and how long one DELETE may take.
const (
	maxAckBatch   = 256
	ackStatementT = 10 * time.Second
)

// ack is an acknowledged delivery: the claimed row and the claim token it was delivered under
// (a row claimed again since, after its visibility timeout passed, is not deleted).
type ack struct{ id, token int64 }

// acker writes acknowledgements in the background, the way a broker client sends them: Ack
// queues the row and returns, so handlers do not wait for the database, and one goroutine
// deletes what has queued up with one statement per batch, on one connection, beside the
// claims rather than in their way (carrying the deletes in the claim statement measured
// slower: it lengthens the claim, which is what consumers wait on). An acknowledgement
// that cannot be written (the database is down) is dropped with a warning: its message is
// delivered again once its visibility timeout passes, which at-least-once delivery allows.
type acker struct {
	db      *storage.DB
	log     *slog.Logger
	wg      *sync.WaitGroup
	written func() // called after a batch is deleted: the next message of a key may be claimable

	mu      sync.Mutex
	pending []ack
	idle    chan struct{} // closed while nothing is queued or being written
}

func newAcker(db *storage.DB, log *slog.Logger, wg *sync.WaitGroup, written func()) *acker {
	idle := make(chan struct{})
	close(idle)
	return &acker{db: db, log: log, wg: wg, written: written, idle: idle}
}

// add queues an acknowledgement, starting the writer when it is not running.
func (a *acker) add(k ack) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending = append(a.pending, k)
	select {
	case <-a.idle:
		a.idle = make(chan struct{})
		a.wg.Go(a.run)
	default: // running: it takes this one with its next batch
	}
}

// run writes batches until nothing is queued.
func (a *acker) run() {
	for {
		runtime.Gosched() // let the handlers that are finishing queue theirs into this batch
		a.mu.Lock()
		n := min(len(a.pending), maxAckBatch)
		batch := a.pending[:n:n]
		a.pending = a.pending[n:]
		if n == 0 {
			close(a.idle)
			a.mu.Unlock()
			return
		}
		a.mu.Unlock()
		if err := a.delete(batch); err != nil {
			a.log.Warn("acknowledgements not written; their messages will be delivered again after the visibility timeout",
				"messages", len(batch), "error", err)
			continue
		}
		a.written()
	}
}

// flush waits until every queued acknowledgement is written or dropped, or ctx ends.
func (a *acker) flush(ctx context.Context) error {
	a.mu.Lock()
	idle := a.idle
	a.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// delete deletes batch, retrying while the database reports a deadlock or a lost connection
// (on MySQL, InnoDB picks the DELETE as the victim of a deadlock with a concurrent claim).
func (a *acker) delete(batch []ack) error {
	ctx, cancel := context.WithTimeout(context.Background(), ackStatementT)
	defer cancel()
	slices.SortFunc(batch, func(x, y ack) int { return cmp.Compare(x.id, y.id) }) // one lock order
	return coded(storage.Retry(ctx, storage.DefaultAttempts, func(ctx context.Context) error {
		var err error
		if a.db.Dialect() == storage.Postgres {
			ids, tokens := ackArrays(batch)
			_, err = a.db.SQL().ExecContext(ctx, pgAckDelete, ids, tokens)
		} else {
			q, args := mysqlAckDelete(batch)
			_, err = a.db.SQL().ExecContext(ctx, q, args...)
		}
		return a.db.Err("ack", err)
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
