package invbatch

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/test/dbtest"
)

// gated is the real inventory whose writes wait until release is closed (each signals entered,
// while it has room), recording the number of updates of every write call.
type gated struct {
	inventoryv1.InventoryServiceClient
	entered chan struct{}
	release chan struct{}
	mu      sync.Mutex
	calls   []int
	batches [][]string // the resource ids of each UpdateResources call, in its order
}

func (g *gated) wait(n int) {
	g.mu.Lock()
	g.calls = append(g.calls, n)
	g.mu.Unlock()
	select {
	case g.entered <- struct{}{}:
	default:
	}
	<-g.release
}

func (g *gated) UpdateResource(ctx context.Context, in *inventoryv1.UpdateResourceRequest, opts ...grpc.CallOption) (*inventoryv1.UpdateResourceResponse, error) {
	g.wait(1)
	return g.InventoryServiceClient.UpdateResource(ctx, in, opts...)
}

func (g *gated) UpdateResources(ctx context.Context, in *inventoryv1.UpdateResourcesRequest, opts ...grpc.CallOption) (*inventoryv1.UpdateResourcesResponse, error) {
	ids := make([]string, len(in.GetUpdates()))
	for i, u := range in.GetUpdates() {
		ids[i] = u.GetResourceId()
	}
	g.mu.Lock()
	g.batches = append(g.batches, ids)
	g.mu.Unlock()
	g.wait(len(in.GetUpdates()))
	return g.InventoryServiceClient.UpdateResources(ctx, in, opts...)
}

// TestBatcherGroupsWritesAndLosesNone: writes go one by one while fewer than maxFlushes are in
// flight; those that arrive while maxFlushes are go together in one UpdateResources once one
// is done, in resource id order; every caller gets its own result, every write is in the
// inventory, and a write that fails (its host is gone) fails alone.
func TestBatcherGroupsWritesAndLosesNone(t *testing.T) {
	ctx := context.Background()
	const tenant, n = "batch-tenant", maxFlushes + 20
	inv, ids := hostsOf(t, tenant, n)
	ids = append(ids, "host-0badc0de") // no such host
	write := func(id string) *inventoryv1.UpdateResourceRequest { return running(tenant, id) }
	g := &gated{InventoryServiceClient: inv, entered: make(chan struct{}, maxFlushes), release: make(chan struct{})}
	b := New(g, nil)

	results := make([]error, len(ids))
	revs := make([]int64, len(ids))
	var wg sync.WaitGroup
	run := func(i int) {
		wg.Go(func() {
			got, err := b.Update(ctx, tenant, write(ids[i]))
			results[i] = err
			if err == nil {
				revs[i] = got[0].GetRevision()
			}
		})
	}
	for i := range maxFlushes {
		run(i)
		<-g.entered // write i is in flight, alone (nothing else was queued): the next starts its own call
	}
	for i := maxFlushes; i < len(ids); i++ {
		run(i)
	}
	queued := len(ids) - maxFlushes
	require.Eventually(t, func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.queues[tenant].pending) == queued
	}, 20*time.Second, 10*time.Millisecond) // waits for the goroutines to queue: no timing is asserted
	close(g.release)
	wg.Wait()

	// The queued writes went as one batch, which failed as a whole (the missing host): then one
	// by one.
	want := append(append(slicesOf(1, maxFlushes), queued), slicesOf(1, queued)...)
	assert.Equal(t, want, g.calls)
	require.Len(t, g.batches, 1)
	assert.True(t, slices.IsSorted(g.batches[0]), "a batch locks its rows in resource id order (no deadlock between batches): %v", g.batches[0])
	assert.ElementsMatch(t, ids[maxFlushes:], g.batches[0])
	seen := map[int64]bool{}
	for i, id := range ids[:n] {
		require.NoError(t, results[i], id)
		assert.False(t, seen[revs[i]], "each write has its own revision")
		seen[revs[i]] = true
		got, err := inv.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: tenant, ResourceId: id})
		require.NoError(t, err)
		assert.Equal(t, "Running", got.GetStored().GetResource().GetHost().GetHostStatus(), "write %d is in the inventory", i)
		assert.Equal(t, revs[i], got.GetStored().GetRevision())
	}
	assert.Equal(t, provider.NotFound, provider.CodeOf(results[n]), "the missing host's write fails alone")
	b.mu.Lock()
	defer b.mu.Unlock()
	assert.Empty(t, b.queues, "no queue is kept once drained")
}

// slicesOf returns n copies of v.
func slicesOf(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestBatcherDropsWritesWhoseCallersGaveUp: writes queued behind maxFlushes calls in flight
// whose callers give up (their agents' deadline passes during an outage) are not sent once the
// inventory answers again; the writes still waited for go in one batch and land.
func TestBatcherDropsWritesWhoseCallersGaveUp(t *testing.T) {
	inv, ids := hostsOf(t, "gaveup-tenant", maxFlushes+6)
	g := &gated{InventoryServiceClient: inv, entered: make(chan struct{}, maxFlushes), release: make(chan struct{})}
	b := New(g, nil)
	var wg sync.WaitGroup
	results := make([]error, len(ids))
	run := func(ctx context.Context, i int) {
		wg.Go(func() {
			_, results[i] = b.Update(ctx, "gaveup-tenant", running("gaveup-tenant", ids[i]))
		})
	}
	for i := range maxFlushes {
		run(context.Background(), i)
		<-g.entered
	}
	gaveUp, cancel := context.WithCancel(context.Background())
	for i := maxFlushes; i < len(ids); i++ {
		if i%2 == 0 {
			run(gaveUp, i)
		} else {
			run(context.Background(), i)
		}
	}
	require.Eventually(t, func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.queues["gaveup-tenant"].pending) == len(ids)-maxFlushes
	}, 20*time.Second, 10*time.Millisecond) // waits for the goroutines to queue: no timing is asserted
	cancel()
	close(g.release)
	wg.Wait()

	var live []string
	for i := maxFlushes; i < len(ids); i++ {
		status := hostStatus(t, inv, "gaveup-tenant", ids[i])
		if i%2 == 0 {
			assert.ErrorIs(t, results[i], context.Canceled)
			assert.Empty(t, status, "write %d, whose caller gave up, was not sent", i)
			continue
		}
		require.NoError(t, results[i])
		assert.Equal(t, "Running", status)
		live = append(live, ids[i])
	}
	require.Len(t, g.batches, 1)
	assert.ElementsMatch(t, live, g.batches[0], "one batch of the writes still waited for")
}

// outage is the real inventory whose UpdateResources answers Unavailable (its database out of
// reach), counting the single writes tried after it.
type outage struct {
	inventoryv1.InventoryServiceClient
	singles int
}

func (o *outage) UpdateResources(context.Context, *inventoryv1.UpdateResourcesRequest, ...grpc.CallOption) (*inventoryv1.UpdateResourcesResponse, error) {
	return nil, grpcstatus.Error(codes.Unavailable, "storage/postgres: transaction: unavailable")
}

func (o *outage) UpdateResource(ctx context.Context, in *inventoryv1.UpdateResourceRequest, opts ...grpc.CallOption) (*inventoryv1.UpdateResourceResponse, error) {
	o.singles++
	return o.InventoryServiceClient.UpdateResource(ctx, in, opts...)
}

// TestBatcherOutageFailsTheBatchAtOnce: a batch answered Unavailable is not written again one
// by one (each would wait for the same outage): every caller gets Unavailable.
func TestBatcherOutageFailsTheBatchAtOnce(t *testing.T) {
	inv, ids := hostsOf(t, "outage-tenant", 5)
	o := &outage{InventoryServiceClient: inv}
	b := New(o, nil)
	ws := make([]*pendingWrite, len(ids))
	for i, id := range ids {
		ws[i] = &pendingWrite{ctx: context.Background(), req: running("outage-tenant", id), done: make(chan struct{})}
	}
	b.flush("outage-tenant", ws)
	for _, w := range ws {
		assert.Equal(t, codes.Unavailable, grpcstatus.Code(w.err))
	}
	assert.Zero(t, o.singles, "no write was tried on its own")
}

// hostsOf creates n hosts of tenant in a real inventory on PostgreSQL.
func hostsOf(t *testing.T, tenant string, n int) (inventoryv1.InventoryServiceClient, []string) {
	db := dbtest.Open(t, "postgres", kinds.DatabaseSchemas(inventory.Schema())...)
	m, err := inventory.Factory(module.Deps{Set: kinds.Set{Storage: db}})
	require.NoError(t, err)
	inv := m.(module.InventoryProvider).InventoryClient()
	ids := make([]string, n)
	for i := range ids {
		got, err := inv.CreateResource(context.Background(), &inventoryv1.CreateResourceRequest{TenantId: tenant,
			Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: &computev1.HostResource{Name: fmt.Sprintf("h%d", i)}}}})
		require.NoError(t, err)
		ids[i] = got.GetStored().GetResource().GetHost().GetResourceId()
	}
	return inv, ids
}

// running is the status write of host id.
func running(tenant, id string) *inventoryv1.UpdateResourceRequest {
	return &inventoryv1.UpdateResourceRequest{TenantId: tenant, ResourceId: id,
		Resource:  &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: &computev1.HostResource{HostStatus: "Running"}}},
		FieldMask: &fieldmaskpb.FieldMask{Paths: []string{"host_status"}}}
}

// hostStatus reads host id's status.
func hostStatus(t *testing.T, inv inventoryv1.InventoryServiceClient, tenant, id string) string {
	got, err := inv.GetResource(context.Background(), &inventoryv1.GetResourceRequest{TenantId: tenant, ResourceId: id})
	require.NoError(t, err)
	return got.GetStored().GetResource().GetHost().GetHostStatus()
}
