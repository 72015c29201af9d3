package invbatch

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
)

// Coalescing of the lookups by a unique key (the managers' first read of a host by GUID): a
// lookup is sent at once while fewer than maxFindFlights of its tenant, kind and key are in
// flight; the lookups that arrive while maxFindFlights are queue, and each call that ends takes
// up to maxFind of them into one FindResources call (one transaction, one statement). A lookup
// is answered exactly as FindResource would answer it, NotFound included. Fewer calls are in
// flight than for the writes (maxFlushes): a read takes no lock, so nothing is gained by running
// many at once, and at the fleet's start (10 tenants of 1,000 nodes, southbound.maxInFlight 128)
// a tenant's first reads were rarely more than 8 at a time: with 8, every one went alone.
const (
	maxFindFlights = 2
	maxFind        = 100
)

// Finder coalesces the lookups of each tenant, kind and key.
type Finder struct {
	inv     inventoryv1.InventoryServiceClient
	mu      sync.Mutex
	queues  map[findQueueKey]*findQueue
	observe func(values int)
	// single is set once the inventory answered FindResources Unimplemented (an inventory of
	// release 0.2.0, docs/upgrade.md): every lookup then goes on its own, with FindResource.
	single atomic.Bool
}

// findQueueKey is what the lookups of one FindResources call share.
type findQueueKey struct {
	tenant string
	kind   inventoryv1.ResourceKind
	key    string
}

type findQueue struct {
	pending  []*pendingFind
	flushing int // calls in flight
}

// pendingFind is one lookup and, once answered, its result.
type pendingFind struct {
	ctx   context.Context
	value string
	done  chan struct{}
	got   *inventoryv1.Stored
	err   error
}

// NewFinder returns a Finder reading from inv; observe, when not nil, is told the number of
// values of every inventory call it makes (metrics, tests).
func NewFinder(inv inventoryv1.InventoryServiceClient, observe func(int)) *Finder {
	return &Finder{inv: inv, queues: map[findQueueKey]*findQueue{}, observe: observe}
}

// Find returns the resource of kind in tenant whose unique key has value, as FindResource does:
// its error (a gRPC status error, NotFound for a value no resource of tenant holds) is the one
// FindResource would answer.
func (f *Finder) Find(ctx context.Context, tenant string, kind inventoryv1.ResourceKind, key, value string) (*inventoryv1.Stored, error) {
	if f.single.Load() {
		// An inventory without FindResources: each caller reads on its own, in parallel, as
		// before the Finder.
		got, err := f.inv.FindResource(ctx, &inventoryv1.FindResourceRequest{TenantId: tenant, Kind: kind, Key: key, Value: value})
		return got.GetStored(), err
	}
	p := &pendingFind{ctx: ctx, value: value, done: make(chan struct{})}
	qk := findQueueKey{tenant: tenant, kind: kind, key: key}
	f.mu.Lock()
	q := f.queues[qk]
	if q == nil {
		q = &findQueue{}
		f.queues[qk] = q
	}
	q.pending = append(q.pending, p)
	start := q.flushing < maxFindFlights
	if start {
		q.flushing++
	}
	f.mu.Unlock()
	if start {
		go f.drain(qk, q)
	}
	select {
	case <-p.done:
		return p.got, p.err
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	}
}

// drain answers the queue's lookups, a batch at a time, until it is empty.
func (f *Finder) drain(qk findQueueKey, q *findQueue) {
	for {
		f.mu.Lock()
		n := min(len(q.pending), maxFind)
		if n == 0 {
			if q.flushing--; q.flushing == 0 {
				delete(f.queues, qk)
			}
			f.mu.Unlock()
			return
		}
		batch := q.pending[:n:n]
		q.pending = q.pending[n:]
		f.mu.Unlock()
		f.flush(qk, batch)
	}
}

// flush answers batch: with one FindResources call, or each lookup with its own FindResource
// when there is one lookup or the inventory has no FindResources. Lookups whose callers have
// given up are not sent.
func (f *Finder) flush(qk findQueueKey, all []*pendingFind) {
	defer func() {
		for _, p := range all {
			close(p.done)
		}
	}()
	batch := waitedFinds(all)
	if len(batch) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(batch[0].ctx), flushTimeout)
	defer cancel()
	if f.observe != nil {
		f.observe(len(batch))
	}
	if len(batch) > 1 && !f.single.Load() {
		if f.findMany(ctx, qk, batch) {
			return
		}
	}
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.err = status.FromContextError(err).Err()
			continue
		}
		got, err := f.inv.FindResource(p.ctx, &inventoryv1.FindResourceRequest{TenantId: qk.tenant, Kind: qk.kind, Key: qk.key, Value: p.value})
		p.got, p.err = got.GetStored(), err
	}
}

// findMany answers batch with one FindResources call; false when it is to be answered one by one
// (the inventory has no FindResources, or refused the batch for a reason that is not one lookup's).
func (f *Finder) findMany(ctx context.Context, qk findQueueKey, batch []*pendingFind) bool {
	values := make([]string, len(batch))
	for i, p := range batch {
		values[i] = p.value
	}
	slices.Sort(values) // one order of the values whatever the order of the callers
	values = slices.Compact(values)
	resp, err := f.inv.FindResources(ctx, &inventoryv1.FindResourcesRequest{TenantId: qk.tenant, Kind: qk.kind, Key: qk.key, Values: values})
	switch {
	case err == nil && len(resp.GetStored()) == len(values):
		for _, p := range batch {
			i, _ := slices.BinarySearch(values, p.value)
			p.got, p.err = found(resp.GetStored()[i], qk, p.value)
		}
		return true
	case status.Code(err) == codes.Unimplemented:
		f.single.Store(true)
	case status.Code(err) == codes.Unavailable, status.Code(err) == codes.DeadlineExceeded:
		// The inventory (or its database) is out of reach: each lookup alone would wait the
		// same way. Every caller gets the error; the agents send again.
		for _, p := range batch {
			p.err = err
		}
		return true
	}
	return false // another error, or an answer of another length: each on its own gets FindResource's answer
}

// found is one value's answer of FindResources, as FindResource would give it.
func found(st *inventoryv1.Stored, qk findQueueKey, value string) (*inventoryv1.Stored, error) {
	if st.GetResource().GetResource() == nil {
		return nil, status.Errorf(codes.NotFound, "no %s with %s %q", kindName(qk.kind), qk.key, value)
	}
	return st, nil
}

// kindName is kind as the inventory's messages name it (RESOURCE_KIND_HOST: host).
func kindName(kind inventoryv1.ResourceKind) string {
	return strings.ToLower(strings.TrimPrefix(kind.String(), "RESOURCE_KIND_"))
}

// waitedFinds returns the lookups of batch whose callers still wait for them; the others get
// their caller's error and are not sent.
func waitedFinds(batch []*pendingFind) []*pendingFind {
	out := make([]*pendingFind, 0, len(batch))
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.err = status.FromContextError(err).Err()
			continue
		}
		out = append(out, p)
	}
	return out
}
