package hostmgr_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	pb "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
)

// waitFor bounds the waits on a condition the sweeper brings about (never a timing assertion:
// the condition is polled until it holds).
const waitFor = 20 * time.Second

// shortHeartbeats is a stack whose sweeper runs every 50ms and marks a host after 3 silent
// intervals.
func shortHeartbeats(t *testing.T) *stack {
	return startStack(t, stackOptions{hostmgr: config.HostMgr{HeartbeatInterval: provider.Duration(50 * time.Millisecond), MissedHeartbeats: 3}})
}

func TestConnectionLostAfterMissedHeartbeats(t *testing.T) {
	st := shortHeartbeats(t)
	tn := st.tenant(t)
	guid, id := st.host(t, tn, true)
	c, ctx := st.call(tn.agent)
	_, err := c.UpdateInstanceStateStatusByHostGUID(ctx, heartbeat(guid, pb.InstanceStatus_INSTANCE_STATUS_RUNNING, "ok"))
	require.NoError(t, err)

	// The agent stops: the API shows the legacy No Connection status once the sweeper ran.
	require.Eventually(t, func() bool { return st.getHost(t, tn, id)["hostStatus"] == "No Connection" }, waitFor, 20*time.Millisecond)
	h := st.getHost(t, tn, id)
	assert.Equal(t, "STATUS_INDICATION_ERROR", h["hostStatusIndicator"])

	// The agent is back: its heartbeats show Running again (that the first one writes at once
	// is TestSweeperClock's, with a clock the test moves).
	require.Eventually(t, func() bool {
		_, err := c.UpdateInstanceStateStatusByHostGUID(ctx, heartbeat(guid, pb.InstanceStatus_INSTANCE_STATUS_RUNNING, "ok"))
		require.NoError(t, err)
		return st.getHost(t, tn, id)["hostStatus"] == "Running"
	}, waitFor, 20*time.Millisecond)
	assert.Equal(t, "STATUS_INDICATION_IDLE", st.getHost(t, tn, id)["hostStatusIndicator"])
}

// TestCacheFollowsDeleteAndReRegister: the host is deleted and registered again with the same
// GUID (a new resource id); the agent keeps sending the same heartbeat, which the new host
// shows once the host manager has read the change log.
func TestCacheFollowsDeleteAndReRegister(t *testing.T) {
	st := shortHeartbeats(t)
	tn := st.tenant(t)
	guid, id := st.host(t, tn, false)
	c, ctx := st.call(tn.agent)
	beat := func() {
		_, err := c.UpdateHostStatusByHostGuid(ctx, hostStatus(guid, pb.HostStatus_RUNNING))
		require.NoError(t, err)
	}
	beat()
	require.Equal(t, "Running", st.getHost(t, tn, id)["hostStatus"])

	_, err := st.inv.DeleteResource(context.Background(), &inventoryv1.DeleteResourceRequest{TenantId: tn.id, ResourceId: id})
	require.NoError(t, err)
	got, err := st.inv.CreateResource(context.Background(), &inventoryv1.CreateResourceRequest{TenantId: tn.id, Resource: &inventoryv1.Resource{
		Resource: &inventoryv1.Resource_Host{Host: &computev1.HostResource{Name: "again", Uuid: guid}}}})
	require.NoError(t, err)
	again := got.GetStored().GetResource().GetHost().GetResourceId()
	require.NotEqual(t, id, again)

	require.Eventually(t, func() bool {
		beat()
		return st.getHost(t, tn, again)["hostStatus"] == "Running"
	}, waitFor, 20*time.Millisecond)
}

// TestAnotherWriterInvalidatesTheCache: a status written by another writer (here: an operator
// tool through the inventory) is noticed from the change log, and the next heartbeat writes the
// agent's status again.
func TestAnotherWriterInvalidatesTheCache(t *testing.T) {
	st := startStack(t, stackOptions{hostmgr: config.HostMgr{HeartbeatInterval: provider.Duration(50 * time.Millisecond), MissedHeartbeats: 1000}})
	tn := st.tenant(t)
	guid, id := st.host(t, tn, false)
	c, ctx := st.call(tn.agent)
	beat := func() {
		_, err := c.UpdateHostStatusByHostGuid(ctx, hostStatus(guid, pb.HostStatus_RUNNING))
		require.NoError(t, err)
	}
	beat()
	_, err := st.inv.UpdateResource(context.Background(), &inventoryv1.UpdateResourceRequest{TenantId: tn.id, ResourceId: id,
		Resource:  &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: &computev1.HostResource{HostStatus: "Error"}}},
		FieldMask: fieldMask("host_status")})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		beat()
		return st.getHost(t, tn, id)["hostStatus"] == "Running"
	}, waitFor, 20*time.Millisecond)
}

// TestInvalidatedHostIsRefused: an operator invalidates a host (desired state UNTRUSTED) while
// its agent keeps reporting changes, which this manager writes after the operator's change: the
// operator's change is still noticed, and the agent's calls are refused from then on.
func TestInvalidatedHostIsRefused(t *testing.T) {
	st := startStack(t, stackOptions{hostmgr: config.HostMgr{HeartbeatInterval: provider.Duration(50 * time.Millisecond), MissedHeartbeats: 1000}})
	tn := st.tenant(t)
	guid, id := st.host(t, tn, true)
	c, ctx := st.call(tn.agent)
	statuses := []pb.InstanceStatus{pb.InstanceStatus_INSTANCE_STATUS_RUNNING, pb.InstanceStatus_INSTANCE_STATUS_ERROR}
	_, err := c.UpdateInstanceStateStatusByHostGUID(ctx, heartbeat(guid, statuses[0], "a"))
	require.NoError(t, err)

	_, err = st.inv.UpdateResource(context.Background(), &inventoryv1.UpdateResourceRequest{TenantId: tn.id, ResourceId: id,
		Resource:  &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: &computev1.HostResource{DesiredState: computev1.HostState_HOST_STATE_UNTRUSTED}}},
		FieldMask: fieldMask("desired_state")})
	require.NoError(t, err)
	i := 0
	require.Eventually(t, func() bool {
		i++ // a change each time: this manager writes after the operator did
		_, err := c.UpdateInstanceStateStatusByHostGUID(ctx, heartbeat(guid, statuses[i%2], "a"))
		return status.Code(err) == codes.Unauthenticated
	}, waitFor, 20*time.Millisecond)
}

// TestConcurrentHeartbeats: many agents' heartbeats at once, several per host, each host's
// change written exactly once.
func TestConcurrentHeartbeats(t *testing.T) {
	st := startStack(t, stackOptions{})
	tn := st.tenant(t)
	const hosts, perHost = 10, 8
	guids := make([]string, hosts)
	ids := make([]string, hosts)
	for i := range guids {
		guids[i], ids[i] = st.host(t, tn, true)
	}
	before := st.revision(t, tn.id)
	c, ctx := st.call(tn.agent)
	var wg sync.WaitGroup
	errs := make(chan error, hosts*perHost)
	for _, guid := range guids {
		for range perHost {
			wg.Go(func() {
				// The agents' connection retries what is Unavailable (SQLite refuses concurrent
				// writers with SQLITE_BUSY; the write is rolled back and retried).
				_, err := c.UpdateInstanceStateStatusByHostGUID(ctx, heartbeat(guid, pb.InstanceStatus_INSTANCE_STATUS_RUNNING, "5 of 5"))
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, before+2*hosts, st.revision(t, tn.id), "one host status and one instance write per host")
	for _, id := range ids {
		assert.Equal(t, "Running", st.getHost(t, tn, id)["hostStatus"])
	}
}
