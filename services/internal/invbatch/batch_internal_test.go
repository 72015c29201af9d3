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
	db := dbtest.Open(t, "postgres", kinds.DatabaseSchemas(inventory.Schema())...)
	m, err := inventory.Factory(module.Deps{Set: kinds.Set{Storage: db}})
	require.NoError(t, err)
	inv := m.(module.InventoryProvider).InventoryClient()
	ctx := context.Background()
	const tenant, n = "batch-tenant", maxFlushes + 20
	ids := make([]string, n)
	for i := range ids {
		got, err := inv.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: tenant,
			Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: &computev1.HostResource{Name: fmt.Sprintf("h%d", i)}}}})
		require.NoError(t, err)
		ids[i] = got.GetStored().GetResource().GetHost().GetResourceId()
	}
	ids = append(ids, "host-0badc0de") // no such host
	write := func(id string) *inventoryv1.UpdateResourceRequest {
		return &inventoryv1.UpdateResourceRequest{TenantId: tenant, ResourceId: id,
			Resource:  &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: &computev1.HostResource{HostStatus: "Running"}}},
			FieldMask: &fieldmaskpb.FieldMask{Paths: []string{"host_status"}}}
	}
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
