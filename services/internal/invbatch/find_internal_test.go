package invbatch

import (
	"context"
	"fmt"
	"net"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/test/dbtest"
)

const kindHost = inventoryv1.ResourceKind_RESOURCE_KIND_HOST

// gatedReads is the real inventory whose lookups by key wait until release is closed (each
// signals entered, while it has room), recording the number of values of every call.
type gatedReads struct {
	inventoryv1.InventoryServiceClient
	entered chan struct{}
	release chan struct{}
	mu      sync.Mutex
	singles int
	batches []int
}

func (g *gatedReads) wait() {
	select {
	case g.entered <- struct{}{}:
	default:
	}
	<-g.release
}

func (g *gatedReads) FindResource(ctx context.Context, in *inventoryv1.FindResourceRequest, opts ...grpc.CallOption) (*inventoryv1.FindResourceResponse, error) {
	g.mu.Lock()
	g.singles++
	g.mu.Unlock()
	g.wait()
	return g.InventoryServiceClient.FindResource(ctx, in, opts...)
}

func (g *gatedReads) FindResources(ctx context.Context, in *inventoryv1.FindResourcesRequest, opts ...grpc.CallOption) (*inventoryv1.FindResourcesResponse, error) {
	g.mu.Lock()
	g.batches = append(g.batches, len(in.GetValues()))
	g.mu.Unlock()
	g.wait()
	return g.InventoryServiceClient.FindResources(ctx, in, opts...)
}

// TestFinderCoalescesFirstReads: of many concurrent lookups of one tenant (the fleet's start),
// maxFindFlights go one by one and the others, queued behind them, go in FindResources calls of at
// most maxFind values: far fewer inventory reads than lookups. Every caller gets FindResource's
// answer: its own host, NotFound for a GUID no host of the tenant has, and NotFound for another
// tenant's host.
func TestFinderCoalescesFirstReads(t *testing.T) {
	ctx := context.Background()
	const tenant, n = "finder-tenant", 150
	inv, guids, ids := hostsWithGUIDs(t, tenant, n)
	foreign, _ := createHosts(t, inv, "finder-other", 1)
	guids = append(guids, uuid.NewString(), foreign[0]) // no such host; another tenant's host
	g := &gatedReads{InventoryServiceClient: inv, entered: make(chan struct{}, maxFindFlights), release: make(chan struct{})}
	f := NewFinder(g, nil)

	got := make([]*inventoryv1.Stored, len(guids))
	errs := make([]error, len(guids))
	var wg sync.WaitGroup
	run := func(i int) {
		wg.Go(func() { got[i], errs[i] = f.Find(ctx, tenant, kindHost, "uuid", guids[i]) })
	}
	for i := range maxFindFlights {
		run(i)
		<-g.entered // lookup i is in flight, alone: the next starts its own call
	}
	for i := maxFindFlights; i < len(guids); i++ {
		run(i)
	}
	queued := len(guids) - maxFindFlights
	require.Eventually(t, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.queues[findQueueKey{tenant, kindHost, "uuid"}].pending) == queued
	}, 20*time.Second, 10*time.Millisecond) // waits for the goroutines to queue: no timing is asserted
	close(g.release)
	wg.Wait()

	assert.Equal(t, maxFindFlights, g.singles, "the lookups sent while few were in flight went alone")
	sort.Sort(sort.Reverse(sort.IntSlice(g.batches)))
	assert.Equal(t, []int{maxFind, queued - maxFind}, g.batches, "the queued lookups went in FindResources calls of at most %d", maxFind)
	t.Logf("%d lookups, %d inventory reads", len(guids), g.singles+len(g.batches))
	for i := range n {
		require.NoError(t, errs[i], guids[i])
		assert.Equal(t, ids[i], got[i].GetResource().GetHost().GetResourceId(), "lookup %d answers its own host", i)
		assert.Equal(t, guids[i], got[i].GetResource().GetHost().GetUuid())
		assert.NotZero(t, got[i].GetRevision())
	}
	assert.Equal(t, codes.NotFound, grpcstatus.Code(errs[n]), "an unknown GUID: %v", errs[n])
	assert.Equal(t, codes.NotFound, grpcstatus.Code(errs[n+1]), "another tenant's GUID is not found: %v", errs[n+1])
	assert.Nil(t, got[n+1])
	f.mu.Lock()
	defer f.mu.Unlock()
	assert.Empty(t, f.queues, "no queue is kept once drained")
}

// TestFinderFallsBackOnUnimplemented: against an inventory of release 0.2.0 (no FindResources: a
// real gRPC server answering it Unimplemented), a batch is answered by FindResource one by one,
// and the Finder remembers it: the next batches go one by one without asking again, and a lookup
// made after that is its caller's own FindResource, not queued.
func TestFinderFallsBackOnUnimplemented(t *testing.T) {
	ctx := context.Background()
	inv, guids, ids := hostsWithGUIDs(t, "old-tenant", 4)
	old := &counting{InventoryServiceClient: serveOld(t, inv)}
	f := NewFinder(old, nil)
	for round := range 2 {
		batch := make([]*pendingFind, len(guids))
		for i, g := range guids {
			batch[i] = &pendingFind{ctx: ctx, value: g, done: make(chan struct{})}
		}
		f.flush(findQueueKey{"old-tenant", kindHost, "uuid"}, batch)
		for i, p := range batch {
			require.NoError(t, p.err)
			assert.Equal(t, ids[i], p.got.GetResource().GetHost().GetResourceId())
		}
		assert.Equal(t, 1, old.batches, "round %d: FindResources was asked once, then remembered Unimplemented", round)
		assert.Equal(t, (round+1)*len(guids), old.singles)
	}
	assert.True(t, f.single.Load())
	got, err := f.Find(ctx, "old-tenant", kindHost, "uuid", guids[0])
	require.NoError(t, err)
	assert.Equal(t, ids[0], got.GetResource().GetHost().GetResourceId())
	assert.Equal(t, 1, old.batches, "once known, a lookup goes straight to FindResource")
	assert.Equal(t, 2*len(guids)+1, old.singles)
	f.mu.Lock()
	defer f.mu.Unlock()
	assert.Empty(t, f.queues, "nothing queued: the caller read on its own")
}

// TestFinderOutageFailsTheBatchAtOnce: a batch answered Unavailable is not read again one by one.
func TestFinderOutageFailsTheBatchAtOnce(t *testing.T) {
	inv, guids, _ := hostsWithGUIDs(t, "outage-finder", 3)
	o := &counting{InventoryServiceClient: inv, unavailable: true}
	f := NewFinder(o, nil)
	batch := make([]*pendingFind, len(guids))
	for i, g := range guids {
		batch[i] = &pendingFind{ctx: context.Background(), value: g, done: make(chan struct{})}
	}
	f.flush(findQueueKey{"outage-finder", kindHost, "uuid"}, batch)
	for _, p := range batch {
		assert.Equal(t, codes.Unavailable, grpcstatus.Code(p.err))
	}
	assert.Zero(t, o.singles, "no lookup was tried on its own")
}

// counting counts the lookups by key of the inventory it wraps; unavailable makes its
// FindResources answer Unavailable (the database out of reach).
type counting struct {
	inventoryv1.InventoryServiceClient
	unavailable      bool
	singles, batches int
}

func (c *counting) FindResource(ctx context.Context, in *inventoryv1.FindResourceRequest, opts ...grpc.CallOption) (*inventoryv1.FindResourceResponse, error) {
	c.singles++
	return c.InventoryServiceClient.FindResource(ctx, in, opts...)
}

func (c *counting) FindResources(ctx context.Context, in *inventoryv1.FindResourcesRequest, opts ...grpc.CallOption) (*inventoryv1.FindResourcesResponse, error) {
	c.batches++
	if c.unavailable {
		return nil, grpcstatus.Error(codes.Unavailable, "storage/postgres: transaction: unavailable")
	}
	return c.InventoryServiceClient.FindResources(ctx, in, opts...)
}

// oldInventory serves the inventory's API as release 0.2.0 did: without FindResources.
type oldInventory struct {
	inventoryv1.UnimplementedInventoryServiceServer
	inv inventoryv1.InventoryServiceClient
}

func (o oldInventory) FindResource(ctx context.Context, in *inventoryv1.FindResourceRequest) (*inventoryv1.FindResourceResponse, error) {
	return o.inv.FindResource(ctx, in)
}

// serveOld serves oldInventory over inv on loopback and returns its client.
func serveOld(t *testing.T, inv inventoryv1.InventoryServiceClient) inventoryv1.InventoryServiceClient {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	inventoryv1.RegisterInventoryServiceServer(srv, oldInventory{inv: inv})
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	c, err := inventory.Dial(ln.Addr().String(), nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// hostsWithGUIDs creates n hosts with GUIDs of tenant in a real inventory on PostgreSQL.
func hostsWithGUIDs(t testing.TB, tenant string, n int) (inventoryv1.InventoryServiceClient, []string, []string) {
	db := dbtest.Open(t, "postgres", kinds.DatabaseSchemas(inventory.Schema())...)
	m, err := inventory.Factory(module.Deps{Set: kinds.Set{Storage: db}})
	require.NoError(t, err)
	inv := m.(module.InventoryProvider).InventoryClient()
	guids, ids := createHosts(t, inv, tenant, n)
	return inv, guids, ids
}

// createHosts creates n hosts with new GUIDs in tenant.
func createHosts(t testing.TB, inv inventoryv1.InventoryServiceClient, tenant string, n int) (guids, ids []string) {
	guids, ids = make([]string, n), make([]string, n)
	for i := range n {
		guids[i] = uuid.NewString()
		got, err := inv.CreateResource(context.Background(), &inventoryv1.CreateResourceRequest{TenantId: tenant,
			Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: &computev1.HostResource{Name: fmt.Sprintf("h%d", i), Uuid: guids[i]}}}})
		require.NoError(t, err)
		ids[i] = got.GetStored().GetResource().GetHost().GetResourceId()
	}
	return guids, ids
}
