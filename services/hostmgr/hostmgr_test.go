package hostmgr_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	pb "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
)

func heartbeat(guid string, st pb.InstanceStatus, detail string) *pb.UpdateInstanceStateStatusByHostGUIDRequest {
	return &pb.UpdateInstanceStateStatusByHostGUIDRequest{HostGuid: guid, InstanceState: pb.InstanceState_INSTANCE_STATE_RUNNING,
		InstanceStatus: st, ProviderStatusDetail: detail}
}

func hostStatus(guid string, st pb.HostStatus_HostStatus) *pb.UpdateHostStatusByHostGuidRequest {
	return &pb.UpdateHostStatusByHostGuidRequest{HostGuid: guid, HostStatus: &pb.HostStatus{HostStatus: st}}
}

// calls are the three RPCs with a request for guid, for the tests that expect the same answer
// from each.
func calls(guid string) map[string]func(pb.HostmgrClient, context.Context) error {
	return map[string]func(pb.HostmgrClient, context.Context) error{
		"UpdateHostStatusByHostGuid": func(c pb.HostmgrClient, ctx context.Context) error {
			_, err := c.UpdateHostStatusByHostGuid(ctx, hostStatus(guid, pb.HostStatus_RUNNING))
			return err
		},
		"UpdateInstanceStateStatusByHostGUID": func(c pb.HostmgrClient, ctx context.Context) error {
			_, err := c.UpdateInstanceStateStatusByHostGUID(ctx, heartbeat(guid, pb.InstanceStatus_INSTANCE_STATUS_RUNNING, "ok"))
			return err
		},
		"UpdateHostSystemInfoByGUID": func(c pb.HostmgrClient, ctx context.Context) error {
			_, err := c.UpdateHostSystemInfoByGUID(ctx, &pb.UpdateHostSystemInfoByGUIDRequest{HostGuid: guid,
				SystemInfo: &pb.SystemInfo{BiosInfo: &pb.BiosInfo{Vendor: "evil"}}})
			return err
		},
	}
}

func TestHostmgr(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			st := startStack(t, stackOptions{dialect: dialect})
			t.Run("empty or missing token is Unauthenticated", func(t *testing.T) { testUnauthenticated(t, st) })
			t.Run("unknown and foreign GUID are the same NotFound", func(t *testing.T) { testNotFound(t, st) })
			t.Run("a tenant's agent cannot touch another tenant's host", func(t *testing.T) { testIsolation(t, st) })
			t.Run("status change visible through the API", func(t *testing.T) { testStatusVisible(t, st) })
			t.Run("identical heartbeats write nothing", func(t *testing.T) { testCoalesced(t, st) })
			t.Run("system info lands in the host", func(t *testing.T) { testSystemInfo(t, st) })
			t.Run("an untrusted host is refused", func(t *testing.T) { testUntrusted(t, st) })
		})
	}
}

func testUnauthenticated(t *testing.T, st *stack) {
	tn := st.tenant(t)
	guid, _ := st.host(t, tn, false)
	for name, call := range calls(guid) {
		for _, tok := range []string{"", emptyToken} {
			c, ctx := st.call(tok)
			err := call(c, ctx)
			assert.Equal(t, codes.Unauthenticated, status.Code(err), "%s: %v", name, err)
		}
	}
}

func testNotFound(t *testing.T, st *stack) {
	a, b := st.tenant(t), st.tenant(t)
	guidA, _ := st.host(t, a, true)
	for name, call := range calls(guidA) {
		c, ctx := st.call(b.agent)
		foreign := call(c, ctx)
		unknown := calls(uuid.NewString())[name](c, ctx)
		require.Equal(t, codes.NotFound, status.Code(foreign), "%s: %v", name, foreign)
		assert.Equal(t, status.Convert(unknown).Proto(), status.Convert(foreign).Proto(), "%s: another tenant's GUID and an unknown one get the same answer", name)
	}
}

func testIsolation(t *testing.T, st *stack) {
	a, b := st.tenant(t), st.tenant(t)
	guidA, idA := st.host(t, a, true)
	before := st.revision(t, a.id)
	hostBefore := st.getHost(t, a, idA)
	for name, call := range calls(guidA) {
		c, ctx := st.call(b.agent)
		assert.Equal(t, codes.NotFound, status.Code(call(c, ctx)), name)
		// Naming A's project in the proxy header does not help: B's token holds no role there.
		err := call(c, metadata.AppendToOutgoingContext(ctx, "activeprojectid", a.id))
		assert.Equal(t, codes.PermissionDenied, status.Code(err), "%s: %v", name, err)
	}
	assert.Equal(t, before, st.revision(t, a.id), "nothing was written in tenant A")
	assert.Equal(t, hostBefore, st.getHost(t, a, idA))
}

func testStatusVisible(t *testing.T, st *stack) {
	tn := st.tenant(t)
	guid, id := st.host(t, tn, true)
	c, ctx := st.call(tn.agent)
	_, err := c.UpdateInstanceStateStatusByHostGUID(ctx, heartbeat(guid, pb.InstanceStatus_INSTANCE_STATUS_RUNNING, "3 of 5 components running"))
	require.NoError(t, err)
	h := st.getHost(t, tn, id)
	assert.Equal(t, "Running", h["hostStatus"])
	assert.Equal(t, "STATUS_INDICATION_IDLE", h["hostStatusIndicator"])
	assert.NotZero(t, h["hostStatusTimestamp"])
	inst, _ := h["instance"].(map[string]any)
	require.NotNil(t, inst, "%v", h)
	assert.Equal(t, "Running", inst["instanceStatus"])
	assert.Equal(t, "STATUS_INDICATION_IDLE", inst["instanceStatusIndicator"])
	assert.Equal(t, "3 of 5 components running", inst["instanceStatusDetail"])
	assert.Equal(t, "INSTANCE_STATE_RUNNING", inst["currentState"])

	_, err = c.UpdateInstanceStateStatusByHostGUID(ctx, heartbeat(guid, pb.InstanceStatus_INSTANCE_STATUS_ERROR, "2 of 5 components running"))
	require.NoError(t, err)
	h = st.getHost(t, tn, id)
	assert.Equal(t, "Error", h["hostStatus"])
	assert.Equal(t, "STATUS_INDICATION_ERROR", h["hostStatusIndicator"])
	assert.Equal(t, "Error", h["instance"].(map[string]any)["instanceStatus"])

	_, err = c.UpdateHostStatusByHostGuid(ctx, hostStatus(guid, pb.HostStatus_BOOTING))
	require.NoError(t, err)
	h = st.getHost(t, tn, id)
	assert.Equal(t, "Booting", h["hostStatus"])
	assert.Equal(t, "STATUS_INDICATION_IN_PROGRESS", h["hostStatusIndicator"])
}

func testCoalesced(t *testing.T, st *stack) {
	tn := st.tenant(t)
	guid, _ := st.host(t, tn, true)
	c, ctx := st.call(tn.agent)
	req := heartbeat(guid, pb.InstanceStatus_INSTANCE_STATUS_RUNNING, "5 of 5 components running")
	before := st.revision(t, tn.id)
	_, err := c.UpdateInstanceStateStatusByHostGUID(ctx, req)
	require.NoError(t, err)
	first := st.revision(t, tn.id)
	require.Equal(t, before+2, first, "the first heartbeat writes the host status and the instance")
	for range 25 {
		_, err := c.UpdateInstanceStateStatusByHostGUID(ctx, req)
		require.NoError(t, err)
		_, err = c.UpdateHostStatusByHostGuid(ctx, hostStatus(guid, pb.HostStatus_RUNNING))
		require.NoError(t, err)
	}
	assert.Equal(t, first, st.revision(t, tn.id), "50 heartbeats that change nothing write nothing")
	req.ProviderStatusDetail = "4 of 5 components running"
	_, err = c.UpdateInstanceStateStatusByHostGUID(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, first+1, st.revision(t, tn.id), "a change is written at once")

	metrics := st.metrics(t)
	for _, series := range []string{`eim_hostmgr_heartbeats_total{outcome="coalesced"}`, `eim_hostmgr_heartbeats_total{outcome="written"}`,
		`eim_hostmgr_inventory_writes_total{what="host_status"}`, `eim_hostmgr_calls_total{code="OK",rpc="UpdateInstanceStateStatusByHostGUID"}`} {
		assert.Contains(t, metrics, series)
	}
	assert.NotContains(t, metrics, guid, "no host label")
	assert.NotContains(t, metrics, tn.id, "no tenant label")
}

func testSystemInfo(t *testing.T, st *stack) {
	tn := st.tenant(t)
	guid, id := st.host(t, tn, false)
	g := loadGolden(t)["sysinfo-full"]
	raw := strings.ReplaceAll(string(g.Request), "$GUID", guid)
	c, ctx := st.call(tn.agent)
	_, err := invoke(ctx, c, g.Method, []byte(raw))
	require.NoError(t, err)
	h := st.getHost(t, tn, id)
	for k, want := range g.Host {
		assert.Equal(t, want, h[k], k)
	}
	body, err := json.Marshal(h)
	require.NoError(t, err)
	for _, secret := range []string{"bmc-secret-do-not-store", "kube-secret-do-not-store", "admin"} {
		assert.NotContains(t, string(body), secret, "BMC credentials and the kubeconfig are never stored")
	}
	rev := st.revision(t, tn.id)
	for range 5 {
		_, err = invoke(ctx, c, g.Method, []byte(raw))
		require.NoError(t, err)
	}
	assert.Equal(t, rev, st.revision(t, tn.id), "the same report again writes nothing")
	assert.NotContains(t, st.logs.String(), "bmc-secret-do-not-store")

	// A NIC unplugged and the GPU gone: the lists are the host's devices as reported.
	_, err = c.UpdateHostSystemInfoByGUID(ctx, &pb.UpdateHostSystemInfoByGUIDRequest{HostGuid: guid, SystemInfo: &pb.SystemInfo{
		HwInfo: &pb.HWInfo{Network: []*pb.SystemNetwork{{Name: "enp86s0", Mac: "48:21:0b:3c:5d:7e", LinkState: true}}}}})
	require.NoError(t, err)
	h = st.getHost(t, tn, id)
	require.Len(t, h["hostNics"], 1)
	assert.Equal(t, "enp86s0", h["hostNics"].([]any)[0].(map[string]any)["deviceName"])
	assert.Empty(t, h["hostGpus"])
	assert.Equal(t, g.Host["biosVendor"], h["biosVendor"], "a report without BIOS information leaves it")
	assert.Equal(t, g.Host["cpuModel"], h["cpuModel"], "a report without CPU information leaves it")
}

func testUntrusted(t *testing.T, st *stack) {
	tn := st.tenant(t)
	guid, id := st.host(t, tn, false)
	_, err := st.inv.UpdateResource(context.Background(), &inventoryv1.UpdateResourceRequest{TenantId: tn.id, ResourceId: id,
		Resource:  &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: &computev1.HostResource{CurrentState: computev1.HostState_HOST_STATE_UNTRUSTED}}},
		FieldMask: fieldMask("current_state")})
	require.NoError(t, err)
	before := st.revision(t, tn.id)
	for name, call := range calls(guid) {
		c, ctx := st.call(tn.agent)
		assert.Equal(t, codes.Unauthenticated, status.Code(call(c, ctx)), name)
	}
	assert.Equal(t, before, st.revision(t, tn.id))
}
