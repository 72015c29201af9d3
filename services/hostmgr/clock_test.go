package hostmgr_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	pb "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/services/hostmgr"
	"github.com/eim-byoi/eim/test/apitest"
)

// clock is a time the test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// clockBed is a host manager over an inventory on SQLite, with a clock the test moves, and one
// registered host.
type clockBed struct {
	srv    *hostmgr.Server
	inv    inventoryv1.InventoryServiceClient
	clock  *clock
	tenant string
	guid   string
	id     string
}

func newClockBed(t testing.TB, dialect string) *clockBed {
	bed := apitest.New(t, apitest.Options{Dialect: dialect})
	_, tenant := bed.Project(t)
	c := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	b := &clockBed{inv: bed.Inventory, clock: c, tenant: tenant, guid: uuid.NewString()}
	b.srv = hostmgr.New(hostmgr.Options{Inventory: bed.Inventory, Role: "en-agent-rw", HeartbeatInterval: 10 * time.Second,
		MissedHeartbeats: 3, Now: c.Now})
	got, err := bed.Inventory.CreateResource(context.Background(), &inventoryv1.CreateResourceRequest{TenantId: tenant,
		Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: &computev1.HostResource{Name: "edge", Uuid: b.guid}}}})
	require.NoError(t, err)
	b.id = got.GetStored().GetResource().GetHost().GetResourceId()
	return b
}

func (b *clockBed) status(t *testing.T) string {
	got, err := b.inv.GetResource(context.Background(), &inventoryv1.GetResourceRequest{TenantId: b.tenant, ResourceId: b.id})
	require.NoError(t, err)
	return got.GetStored().GetResource().GetHost().GetHostStatus()
}

func (b *clockBed) revision(t *testing.T) int64 {
	resp, err := b.inv.ListChanges(context.Background(), &inventoryv1.ListChangesRequest{TenantId: b.tenant, PageSize: 1})
	require.NoError(t, err)
	return resp.GetCurrentRevision()
}

func TestSweeperClock(t *testing.T) {
	ctx := context.Background()
	b := newClockBed(t, "sqlite")
	beat := heartbeat(b.guid, pb.InstanceStatus_INSTANCE_STATUS_RUNNING, "")
	require.NoError(t, b.srv.Heartbeat(ctx, b.tenant, beat))
	require.Equal(t, "Running", b.status(t))

	for _, step := range []struct {
		advance time.Duration
		want    string
	}{
		{29 * time.Second, "Running"},  // 2.9 intervals: not yet
		{time.Second, "No Connection"}, // 3 intervals without a heartbeat
		{time.Minute, "No Connection"}, // stays so, written once
	} {
		b.clock.add(step.advance)
		b.srv.Sweep(ctx)
		assert.Equal(t, step.want, b.status(t), "after %s more", step.advance)
	}
	require.NoError(t, b.srv.Heartbeat(ctx, b.tenant, beat))
	assert.Equal(t, "Running", b.status(t), "the first heartbeat after it writes Running at once")
}

// TestSweeperLeavesOtherStatuses: a host whose status is not one that loses its connection
// (here Unknown, the agent having reported a provisioning phase) is left as it is.
func TestSweeperLeavesOtherStatuses(t *testing.T) {
	ctx := context.Background()
	b := newClockBed(t, "sqlite")
	require.NoError(t, b.srv.Heartbeat(ctx, b.tenant, heartbeat(b.guid, pb.InstanceStatus_INSTANCE_STATUS_PROVISIONING, "")))
	require.Equal(t, "Unknown", b.status(t))
	b.clock.add(time.Hour)
	b.srv.Sweep(ctx)
	assert.Equal(t, "Unknown", b.status(t))
}

// TestChangeBeforeOwnWriteIsNoticed: an operator invalidates the host, then this manager
// writes the agent's next change (a later revision) before it reads the change log: the
// operator's change is still applied at the next sweep and the agent is refused.
func TestChangeBeforeOwnWriteIsNoticed(t *testing.T) {
	ctx := context.Background()
	b := newClockBed(t, "sqlite")
	require.NoError(t, b.srv.Heartbeat(ctx, b.tenant, heartbeat(b.guid, pb.InstanceStatus_INSTANCE_STATUS_RUNNING, "")))
	_, err := b.inv.UpdateResource(ctx, &inventoryv1.UpdateResourceRequest{TenantId: b.tenant, ResourceId: b.id,
		Resource:  &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: &computev1.HostResource{DesiredState: computev1.HostState_HOST_STATE_UNTRUSTED}}},
		FieldMask: &fieldmaskpb.FieldMask{Paths: []string{"desired_state"}}})
	require.NoError(t, err)
	require.NoError(t, b.srv.Heartbeat(ctx, b.tenant, heartbeat(b.guid, pb.InstanceStatus_INSTANCE_STATUS_ERROR, "")),
		"not yet known: the change log was not read")
	b.srv.Sweep(ctx)
	err = b.srv.Heartbeat(ctx, b.tenant, heartbeat(b.guid, pb.InstanceStatus_INSTANCE_STATUS_ERROR, ""))
	assert.Equal(t, codes.Unauthenticated, status.Code(err), "%v", err)
}

// TestTwoReplicas: the agent moves from replica A to replica B (its connection broke). A marks
// the host No Connection after the missed heartbeats; B learns it from the change log at its
// next sweep, and the agent's next heartbeat through B writes Running again.
func TestTwoReplicas(t *testing.T) {
	ctx := context.Background()
	b := newClockBed(t, "sqlite")
	a := b.srv
	replicaB := hostmgr.New(hostmgr.Options{Inventory: b.inv, Role: "en-agent-rw", HeartbeatInterval: 10 * time.Second,
		MissedHeartbeats: 3, Now: b.clock.Now})
	beat := heartbeat(b.guid, pb.InstanceStatus_INSTANCE_STATUS_RUNNING, "")
	require.NoError(t, a.Heartbeat(ctx, b.tenant, beat))
	require.NoError(t, replicaB.Heartbeat(ctx, b.tenant, beat)) // the agent reconnected to B
	require.Equal(t, "Running", b.status(t))

	b.clock.add(30 * time.Second)
	require.NoError(t, replicaB.Heartbeat(ctx, b.tenant, beat))
	a.Sweep(ctx)
	assert.Equal(t, "No Connection", b.status(t), "A has not heard from the agent for three intervals")

	require.NoError(t, replicaB.Heartbeat(ctx, b.tenant, beat))
	assert.Equal(t, "No Connection", b.status(t), "B does not know yet: its cache says Running")
	replicaB.Sweep(ctx)
	require.NoError(t, replicaB.Heartbeat(ctx, b.tenant, beat))
	assert.Equal(t, "Running", b.status(t), "B read A's change from the change log and wrote the agent's status")

	b.clock.add(time.Minute)
	a.Sweep(ctx)
	assert.Equal(t, "Running", b.status(t), "A marks a host once per silence: it does not fight B")
}

// TestProjectDeleted: the project of a cached host is deleted; the next sweep notices, and the
// agent's next heartbeat is NotFound instead of being answered from memory.
func TestProjectDeleted(t *testing.T) {
	ctx := context.Background()
	b := newClockBed(t, "sqlite")
	beat := heartbeat(b.guid, pb.InstanceStatus_INSTANCE_STATUS_RUNNING, "")
	require.NoError(t, b.srv.Heartbeat(ctx, b.tenant, beat))
	_, err := b.inv.DeleteProject(ctx, &inventoryv1.DeleteProjectRequest{NameOrId: b.tenant})
	require.NoError(t, err)
	b.srv.Sweep(ctx)
	assert.Equal(t, codes.NotFound, status.Code(b.srv.Heartbeat(ctx, b.tenant, beat)))
}

// TestReRegisteredBeforeTheChangeLogIsRead: the host is deleted and registered again with the
// same GUID while this manager still caches the old one, and the agent's heartbeat brings a
// change: the write to the vanished host is made again on the new one, in the same call.
func TestReRegisteredBeforeTheChangeLogIsRead(t *testing.T) {
	ctx := context.Background()
	b := newClockBed(t, "sqlite")
	beat := heartbeat(b.guid, pb.InstanceStatus_INSTANCE_STATUS_RUNNING, "")
	require.NoError(t, b.srv.Heartbeat(ctx, b.tenant, beat))
	b.clock.add(time.Minute)
	b.srv.Sweep(ctx)
	require.Equal(t, "No Connection", b.status(t))

	_, err := b.inv.DeleteResource(ctx, &inventoryv1.DeleteResourceRequest{TenantId: b.tenant, ResourceId: b.id})
	require.NoError(t, err)
	got, err := b.inv.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: b.tenant,
		Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: &computev1.HostResource{Name: "again", Uuid: b.guid}}}})
	require.NoError(t, err)
	b.id = got.GetStored().GetResource().GetHost().GetResourceId()

	require.NoError(t, b.srv.Heartbeat(ctx, b.tenant, beat))
	assert.Equal(t, "Running", b.status(t))
}
