package maintenance

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

// TestTenantViewDropsWhatChangesTouch: each kind of change drops what embeds it, and a read
// that started before a change was applied is not kept.
func TestTenantViewDropsWhatChangesTouch(t *testing.T) {
	k := func(kind inventoryv1.ResourceKind, id string) *inventoryv1.Change {
		return &inventoryv1.Change{Revision: 1, Kind: kind, ResourceId: id, Operation: inventoryv1.Operation_OPERATION_UPDATED}
	}
	for _, tc := range []struct {
		name                            string
		change                          *inventoryv1.Change
		keepsA, keepsB, keepsSched, par bool
	}{
		{"host a", k(inventoryv1.ResourceKind_RESOURCE_KIND_HOST, "host-a"), false, true, true, true},
		{"instance b", k(inventoryv1.ResourceKind_RESOURCE_KIND_INSTANCE, "inst-b"), true, false, true, true},
		{"an unknown host", k(inventoryv1.ResourceKind_RESOURCE_KIND_HOST, "host-z"), true, true, true, true},
		{"os update policy", k(inventoryv1.ResourceKind_RESOURCE_KIND_OS_UPDATE_POLICY, "p"), false, false, true, true},
		{"os", k(inventoryv1.ResourceKind_RESOURCE_KIND_OS, "os"), false, false, true, true},
		{"single schedule", k(inventoryv1.ResourceKind_RESOURCE_KIND_SINGLE_SCHEDULE, "s"), true, true, false, true},
		{"repeated schedule", k(inventoryv1.ResourceKind_RESOURCE_KIND_REPEATED_SCHEDULE, "r"), true, true, false, true},
		{"region", k(inventoryv1.ResourceKind_RESOURCE_KIND_REGION, "reg"), false, false, false, false},
		{"site", k(inventoryv1.ResourceKind_RESOURCE_KIND_SITE, "site"), false, false, false, false},
		{"an OS update run", k(inventoryv1.ResourceKind_RESOURCE_KIND_OS_UPDATE_RUN, "run"), true, true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tv := newViews(0).of("tenant")
			e := tv.begin()
			tv.keepTarget(e, "a", &target{host: &computev1.HostResource{ResourceId: "host-a"}, inst: &computev1.InstanceResource{ResourceId: "inst-a"}})
			tv.keepTarget(e, "b", &target{host: &computev1.HostResource{ResourceId: "host-b"}, inst: &computev1.InstanceResource{ResourceId: "inst-b"}})
			tv.keepSchedules(e, newScheduleIndex())
			tv.keepParent(e, "reg", "root")
			tv.mu.Lock()
			tv.applyLocked(tc.change)
			tv.mu.Unlock()
			assert.Equal(t, tc.keepsA, tv.target("a") != nil, "host a")
			assert.Equal(t, tc.keepsB, tv.target("b") != nil, "host b")
			assert.Equal(t, tc.keepsSched, tv.scheduleIndex() != nil, "schedules")
			_, ok := tv.parent("reg")
			assert.Equal(t, tc.par, ok, "region parents")
		})
	}
	for _, cached := range []bool{true, false} {
		t.Run(fmt.Sprintf("a read older than a change is not kept (host cached before: %v)", cached), func(t *testing.T) {
			tv := newViews(0).of("tenant")
			if cached {
				tv.keepTarget(tv.begin(), "a", &target{host: &computev1.HostResource{ResourceId: "host-a"}, inst: &computev1.InstanceResource{ResourceId: "inst-a"}})
			}
			e := tv.begin()
			tv.mu.Lock()
			tv.applyLocked(k(inventoryv1.ResourceKind_RESOURCE_KIND_HOST, "host-a"))
			tv.mu.Unlock()
			tv.keepTarget(e, "a", &target{host: &computev1.HostResource{ResourceId: "host-a"}, inst: &computev1.InstanceResource{ResourceId: "inst-a"}})
			tv.keepSchedules(e, newScheduleIndex())
			assert.Nil(t, tv.target("a"))
			assert.NotNil(t, tv.scheduleIndex(), "a host's change does not drop the schedules")
		})
	}
	t.Run("a read is kept when only other hosts changed since it began", func(t *testing.T) {
		tv := newViews(0).of("tenant")
		e := tv.begin()
		tv.mu.Lock()
		tv.applyLocked(k(inventoryv1.ResourceKind_RESOURCE_KIND_HOST, "host-b"))
		tv.applyLocked(k(inventoryv1.ResourceKind_RESOURCE_KIND_INSTANCE, "inst-c"))
		tv.mu.Unlock()
		tv.keepTarget(e, "a", &target{host: &computev1.HostResource{ResourceId: "host-a"}, inst: &computev1.InstanceResource{ResourceId: "inst-a"}})
		tv.keepSchedules(e, newScheduleIndex())
		assert.NotNil(t, tv.target("a"))
		assert.NotNil(t, tv.scheduleIndex())
	})
	t.Run("a schedule read older than a schedule change is not kept", func(t *testing.T) {
		tv := newViews(0).of("tenant")
		e := tv.begin()
		tv.mu.Lock()
		tv.applyLocked(k(inventoryv1.ResourceKind_RESOURCE_KIND_SINGLE_SCHEDULE, "s"))
		tv.mu.Unlock()
		tv.keepSchedules(e, newScheduleIndex())
		assert.Nil(t, tv.scheduleIndex())
	})
}

// TestTenantViewKeepsItsOwnWrites: a target this manager wrote replaces the one it read, and the
// change log's entry of that write drops nothing, while any other change of the host does; the
// written target is not kept when the view dropped the host meanwhile or has applied the log
// past the write already.
func TestTenantViewKeepsItsOwnWrites(t *testing.T) {
	read := &target{host: &computev1.HostResource{ResourceId: "host-a"}, inst: &computev1.InstanceResource{ResourceId: "inst-a"}}
	written := &target{host: read.host, inst: &computev1.InstanceResource{ResourceId: "inst-a", UpdateStatus: StatusUpToDate}}
	change := func(rev int64, kind inventoryv1.ResourceKind, id string) *inventoryv1.Change {
		return &inventoryv1.Change{Revision: rev, Kind: kind, ResourceId: id, Operation: inventoryv1.Operation_OPERATION_UPDATED}
	}
	inst, host := inventoryv1.ResourceKind_RESOURCE_KIND_INSTANCE, inventoryv1.ResourceKind_RESOURCE_KIND_HOST
	for _, tc := range []struct {
		name    string
		applied int64 // the log applied up to here when the write is kept
		dropped bool  // the view dropped the host between the read and the write
		log     []*inventoryv1.Change
		want    *target
	}{
		{name: "own write seen in the log", applied: 5, log: []*inventoryv1.Change{change(10, inst, "inst-a")}, want: written},
		{name: "own write, then another writer's change of the host", applied: 5,
			log: []*inventoryv1.Change{change(10, inst, "inst-a"), change(11, host, "host-a")}},
		{name: "another writer's change before the own write", applied: 5,
			log: []*inventoryv1.Change{change(9, inst, "inst-a"), change(10, inst, "inst-a")}},
		{name: "another writer's change with the own write's revision but another resource", applied: 5,
			log: []*inventoryv1.Change{change(10, host, "host-a")}},
		{name: "log applied past the write already", applied: 10},
		{name: "host dropped before the write", applied: 5, dropped: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tv := newViews(0).of("tenant")
			tv.rev, tv.following = tc.applied, true
			tv.keepTarget(tv.begin(), "a", read)
			if tc.dropped {
				tv.drop("a")
			}
			tv.wrote("a", read, written, 10)
			tv.mu.Lock()
			for _, ch := range tc.log {
				tv.applyLocked(ch)
			}
			tv.mu.Unlock()
			if tc.want == nil {
				assert.Nil(t, tv.target("a"))
			} else {
				assert.Same(t, tc.want, tv.target("a"))
				assert.Empty(t, tv.own, "the own write was seen")
			}
		})
	}
}

// changeLog is an inventory whose ListChanges counts its calls and answers an empty log at
// revision 7 (or fails with err).
type changeLog struct {
	inventoryv1.InventoryServiceClient
	calls int
	err   error
}

func (c *changeLog) ListChanges(context.Context, *inventoryv1.ListChangesRequest, ...grpc.CallOption) (*inventoryv1.ListChangesResponse, error) {
	c.calls++
	if c.err != nil {
		return nil, c.err
	}
	return &inventoryv1.ListChangesResponse{CurrentRevision: 7}, nil
}

// TestSyncReusesAFreshRead: a poll is answered after the last read of the change log when that
// read succeeded less than maxAge before the poll arrived; an older read, or a failed one, makes
// the poll read again; with maxAge 0 every poll reads.
func TestSyncReusesAFreshRead(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	v := newViews(time.Second)
	v.clock = func() time.Time { return now }
	tv := v.of("tenant")
	inv := &changeLog{}
	require.NoError(t, tv.sync(ctx, inv, "tenant"))
	require.NoError(t, tv.sync(ctx, inv, "tenant"))
	now = now.Add(999 * time.Millisecond)
	require.NoError(t, tv.sync(ctx, inv, "tenant"))
	assert.Equal(t, 1, inv.calls, "reads less than a second old are reused")
	now = now.Add(time.Millisecond)
	require.NoError(t, tv.sync(ctx, inv, "tenant"))
	assert.Equal(t, 2, inv.calls, "a read a second old is not")

	inv.err = provider.Errorf(provider.Unavailable, "down")
	now = now.Add(time.Second)
	require.Error(t, tv.sync(ctx, inv, "tenant"))
	inv.err = nil
	require.NoError(t, tv.sync(ctx, inv, "tenant"))
	assert.Equal(t, 4, inv.calls, "a failed read is not reused")

	strict := newViews(0).of("tenant")
	inv = &changeLog{}
	for range 3 {
		require.NoError(t, strict.sync(ctx, inv, "tenant"))
	}
	assert.Equal(t, 3, inv.calls, "maxAge 0: every poll reads")
}
