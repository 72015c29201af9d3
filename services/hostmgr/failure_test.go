package hostmgr_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	"github.com/eim-byoi/eim/services/hostmgr"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
)

// TestInventoryDownIsUnavailableAndNothingIsLost: a host manager reaching the inventory over
// gRPC through a proxy the test cuts. While the inventory is unreachable a heartbeat that
// changes nothing is still answered (from memory), a status change is Unavailable (the agent
// retries), and once the inventory is back the retried change is written.
func TestInventoryDownIsUnavailableAndNothingIsLost(t *testing.T) {
	st := startStack(t, stackOptions{})
	tn := st.tenant(t)
	guid, id := st.host(t, tn, true)
	proxy, err := faultproxy.New(st.grpc)
	require.NoError(t, err)
	t.Cleanup(func() { _ = proxy.Close() })
	inv, err := inventory.Dial(proxy.Addr(), nil, bearer(st.svc))
	require.NoError(t, err)
	t.Cleanup(func() { _ = inv.Close() })
	srv := hostmgr.New(hostmgr.Options{Inventory: inv, Role: "en-agent-rw", HeartbeatInterval: 10 * time.Second, MissedHeartbeats: 3})

	ctx := context.Background()
	running := heartbeat(guid, pb.InstanceStatus_INSTANCE_STATUS_RUNNING, "5 of 5 components running")
	failing := heartbeat(guid, pb.InstanceStatus_INSTANCE_STATUS_ERROR, "1 of 5 components running")
	require.NoError(t, srv.Heartbeat(ctx, tn.id, running))

	require.NoError(t, proxy.Set(faultproxy.Refuse))
	assert.NoError(t, srv.Heartbeat(ctx, tn.id, running), "a heartbeat changing nothing needs no inventory")
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err = srv.Heartbeat(cctx, tn.id, failing)
	require.Equal(t, codes.Unavailable, status.Code(err), "%v", err)
	assert.Equal(t, "Running", st.getHost(t, tn, id)["hostStatus"])

	require.NoError(t, proxy.Set(faultproxy.Forward))
	require.Eventually(t, func() bool { return srv.Heartbeat(ctx, tn.id, failing) == nil }, waitFor, 50*time.Millisecond, "the agent's retries")
	h := st.getHost(t, tn, id)
	assert.Equal(t, "Error", h["hostStatus"])
	assert.Equal(t, "1 of 5 components running", h["instance"].(map[string]any)["instanceStatusDetail"])
}
