// Package invbatch group-commits inventory writes: the status writes of the southbound managers
// (host manager, maintenance manager) go through a Batcher, which sends a write at once while
// few of its tenant are in flight and gathers the others into one UpdateResources transaction,
// answering each caller only once its own write has committed.
package invbatch

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
)

// Batching of the status writes (group commit): a write is sent at once while fewer than
// maxFlushes calls of its tenant are in flight; the writes that arrive while maxFlushes are
// queue, and each call that ends takes up to maxBatch of them into one UpdateResources
// transaction. So writes go one by one, in parallel, while the inventory keeps up, and in
// batches (fewer transactions, one revision lock for many) when it does not. A caller is
// answered once its own write has committed: a status change is never acknowledged before it
// is in the inventory.
const (
	maxFlushes = 8
	maxBatch   = 32
	// flushTimeout bounds one batch's calls. A write whose caller has given up by the time it
	// would be sent is not sent (the caller was answered with its error; the agent sends its
	// status again): after an outage the queue does not replay writes nobody waits for while
	// the agents' new calls wait behind them.
	flushTimeout = 30 * time.Second
)

// Batcher queues the writes of each tenant.
type Batcher struct {
	inv    inventoryv1.InventoryServiceClient
	mu     sync.Mutex
	queues map[string]*writeQueue
	// batches counts the UpdateResources calls and their updates (metrics, tests).
	observe func(updates int)
	// single is set once the inventory answered UpdateResources Unimplemented (an inventory
	// of release 0.2.0, docs/upgrade.md): every write then goes on its own.
	single atomic.Bool
}

type writeQueue struct {
	pending  []*pendingWrite
	flushing int // calls in flight
}

// pendingWrite is one update and, once written, its result.
type pendingWrite struct {
	ctx  context.Context
	req  *inventoryv1.UpdateResourceRequest
	done chan struct{}
	got  *inventoryv1.Stored
	err  error
}

// New returns a Batcher writing to inv; observe, when not nil, is told the number of updates of
// every write call (metrics, tests).
func New(inv inventoryv1.InventoryServiceClient, observe func(int)) *Batcher {
	return &Batcher{inv: inv, queues: map[string]*writeQueue{}, observe: observe}
}

// Update writes reqs (all of tenant) and returns the resources after them, in order; the error
// is the first failed write's (each is written on its own when a batch fails, so that one
// write's failure is not another's).
func (b *Batcher) Update(ctx context.Context, tenant string, reqs ...*inventoryv1.UpdateResourceRequest) ([]*inventoryv1.Stored, error) {
	ws := make([]*pendingWrite, len(reqs))
	for i, r := range reqs {
		ws[i] = &pendingWrite{ctx: ctx, req: r, done: make(chan struct{})}
	}
	b.mu.Lock()
	q := b.queues[tenant]
	if q == nil {
		q = &writeQueue{}
		b.queues[tenant] = q
	}
	q.pending = append(q.pending, ws...)
	start := q.flushing < maxFlushes
	if start {
		q.flushing++
	}
	b.mu.Unlock()
	if start {
		go b.drain(tenant, q)
	}
	out := make([]*inventoryv1.Stored, len(ws))
	for i, w := range ws {
		select {
		case <-w.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if w.err != nil {
			return nil, w.err
		}
		out[i] = w.got
	}
	return out, nil
}

// drain writes the tenant's queue, a batch at a time, until it is empty.
func (b *Batcher) drain(tenant string, q *writeQueue) {
	for {
		b.mu.Lock()
		n := min(len(q.pending), maxBatch)
		if n == 0 {
			if q.flushing--; q.flushing == 0 {
				delete(b.queues, tenant)
			}
			b.mu.Unlock()
			return
		}
		batch := q.pending[:n:n]
		q.pending = q.pending[n:]
		b.mu.Unlock()
		b.flush(tenant, batch)
	}
}

// flush writes batch: in one call, or each on its own when there is one or the call failed
// for one of its writes. Writes whose callers have given up are dropped.
func (b *Batcher) flush(tenant string, all []*pendingWrite) {
	defer func() {
		for _, w := range all {
			close(w.done)
		}
	}()
	batch := waited(all)
	if len(batch) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(batch[0].ctx), flushTimeout)
	defer cancel()
	if b.observe != nil {
		b.observe(len(batch))
	}
	if len(batch) > 1 && !b.single.Load() {
		// One order of row locks for every batch (by resource id; a resource's own updates keep
		// theirs): two batches touching the same rows (the host manager's and the maintenance
		// manager's writes of one instance) then wait for each other instead of deadlocking,
		// which PostgreSQL would detect only after deadlock_timeout (1 s) before one is retried.
		slices.SortStableFunc(batch, func(x, y *pendingWrite) int { return strings.Compare(x.req.GetResourceId(), y.req.GetResourceId()) })
		reqs := make([]*inventoryv1.UpdateResourceRequest, len(batch))
		for i, w := range batch {
			reqs[i] = w.req
		}
		resp, err := b.inv.UpdateResources(ctx, &inventoryv1.UpdateResourcesRequest{TenantId: tenant, Updates: reqs})
		if err == nil && len(resp.GetStored()) == len(batch) {
			for i, w := range batch {
				w.got = resp.GetStored()[i]
			}
			return
		}
		switch status.Code(err) {
		case codes.Unimplemented:
			b.single.Store(true)
		case codes.Unavailable, codes.DeadlineExceeded:
			// The inventory (or its database) is out of reach: each write alone would wait the
			// same way. Every caller gets the error; the agents send again.
			for _, w := range batch {
				w.err = err
			}
			return
		}
	}
	for _, w := range batch {
		if err := w.ctx.Err(); err != nil {
			w.err = status.FromContextError(err).Err()
			continue
		}
		resp, err := b.inv.UpdateResource(ctx, w.req)
		w.got, w.err = resp.GetStored(), err
	}
}

// waited returns the writes of batch whose callers still wait for them; the others get their
// caller's error and are not sent.
func waited(batch []*pendingWrite) []*pendingWrite {
	out := make([]*pendingWrite, 0, len(batch))
	for _, w := range batch {
		if err := w.ctx.Err(); err != nil {
			w.err = status.FromContextError(err).Err()
			continue
		}
		out = append(out, w)
	}
	return out
}
