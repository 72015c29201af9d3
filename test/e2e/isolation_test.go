package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	hostmgr "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	onboardingv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
	"github.com/eim-byoi/eim/services/edgesim"
	"github.com/eim-byoi/eim/test/proc"
	"github.com/eim-byoi/eim/test/testenv"
)

// isoTenant is one tenant of the isolation test: its project, users, agent and resources.
type isoTenant struct {
	name, id                   string
	operator, agent, onboarder string // tokens: im-rw, en-agent-rw, en-ob in its project
	region, regionName         string
	host, hostName, guid       string
	serial, mac, ip            string
	regionDoc, hostDoc         string // the resources as the tenant reads them, before the attacks
	ids                        []string
	shared                     map[string]bool // ids the other tenant has too
}

// isoBed is `eim serve --target all` on the embedded defaults with a plaintext southbound
// loopback listener, and two tenants.
type isoBed struct {
	p      *proc.Process
	api    rest
	id     *embedded
	admin  string
	inv    inventoryv1.InventoryServiceClient
	south  *grpc.ClientConn
	tokens []string // every token the test used (scanned for in the logs)
}

// TestTenantIsolation: two tenants (projects), each with its operator, agent and onboarding
// operator, a region and a registered host, on a real `eim serve --target all`. Each tries to
// read, list, update, delete and create in the other's project, and to reach the other's
// resources by id from its own, through the REST API (both path styles), the inventory's
// gRPC API (its change log is the subscription API) and the southbound services (host manager,
// maintenance manager, onboarding); every attempt is refused with the code an unknown resource
// or a project without the role gets, nothing of the other tenant (project name or id, resource
// ids, names, GUID, serial) appears in any answer, and the other tenant's resources are
// unchanged. The attacker cannot squat the victim's device UUID (it is unique across all
// projects), so the victim's device still onboards into its own project. The out-of-band dm-manager is off without MPS/RPS and not served. At the end no
// log line holds a token the test used.
func TestTenantIsolation(t *testing.T) {
	b := newIsoBed(t)
	a, c := b.tenant(t, "iso-a"), b.tenant(t, "iso-b")
	a.shared, c.shared = map[string]bool{}, map[string]bool{}
	for _, id := range a.ids {
		if slices.Contains(c.ids, id) {
			a.shared[id], c.shared[id] = true, true
		}
	}
	for _, pair := range [][2]*isoTenant{{a, c}, {c, a}} {
		attacker, victim := pair[0], pair[1]
		t.Run(attacker.name[:5]+"_attacks_"+victim.name[:5], func(t *testing.T) {
			t.Run("REST", func(t *testing.T) { b.restAttacks(t, attacker, victim) })
			t.Run("inventory gRPC", func(t *testing.T) { b.inventoryAttacks(t, attacker, victim) })
			t.Run("southbound", func(t *testing.T) { b.southboundAttacks(t, attacker, victim) })
			b.unchanged(t, victim)
		})
	}
	t.Run("device_UUID_squatting", func(t *testing.T) { b.squat(t, a, c) })
	scanTokens(t, b.p.Logs(), b.tokens)
}

func newIsoBed(t *testing.T) *isoBed {
	bin := proc.Build(t)
	dir := t.TempDir()
	plain := "127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	f := files{t: t, dir: dir}
	cfg := f.write("eim.yaml", fmt.Sprintf("target: all\nsouthbound: {plaintext: %q}\n", plain))
	env := proc.Env(dir, "EIM_CONFIG="+cfg)
	b := &isoBed{p: proc.Start(t, bin, dir, env, "serve"), id: &embedded{bin: bin, env: env}}
	b.p.AwaitSouthbound(t)
	b.api = rest{base: "http://" + b.p.HTTP}
	b.admin = b.use(b.id.admin(t))
	inv, err := grpc.NewClient("passthrough:///"+b.p.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = inv.Close() })
	b.inv = inventoryv1.NewInventoryServiceClient(inv)
	b.south, err = grpc.NewClient("passthrough:///"+plain, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.south.Close() })
	return b
}

func (b *isoBed) use(token string) string {
	b.tokens = append(b.tokens, token)
	return token
}

// tenant creates a project with a registered host and a region, and its
// users' tokens.
func (b *isoBed) tenant(t *testing.T, prefix string) *isoTenant {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	fleet := edgesim.NewFleet(1, []edgesim.Tenant{{Name: testenv.Unique(t, prefix)}}, testenv.Unique(t, prefix+"-node"))
	_, err := edgesim.Register(ctx, edgesim.Registration{APIURL: b.api.base, CreateProjects: true,
		Token: func(_ context.Context, project string) (string, error) {
			if project == "" {
				return b.admin, nil
			}
			return b.use(b.id.operator(t, projectUID(t, b.api, b.admin, project))), nil
		}}, fleet)
	require.NoError(t, err)
	n := fleet[0]
	tn := &isoTenant{name: n.Tenant.Name, id: n.Tenant.ID, guid: n.GUID, serial: n.Serial, mac: n.MAC, ip: n.IP,
		operator: b.use(b.id.operator(t, n.Tenant.ID)), agent: b.use(b.id.agent(t, n.Tenant.ID)),
		onboarder: b.use(b.id.token(t, "--project", n.Tenant.ID, "--role", "en-ob"))}
	tn.regionName = "region-of-" + tn.name
	tn.region = b.api.create(t, tn.name, tn.operator, "regions", map[string]any{"name": tn.regionName})
	hosts := b.api.list(t, tn.name, tn.operator, "compute/hosts", "hosts")
	require.Len(t, hosts, 1)
	tn.host, tn.hostName = str(hosts[0], "resourceId"), str(hosts[0], "name")
	tn.regionDoc, tn.hostDoc = b.read(t, tn, "regions/"+tn.region), b.read(t, tn, "compute/hosts/"+tn.host)
	tn.ids = []string{tn.name, tn.id, tn.region, tn.regionName, tn.host, tn.hostName, tn.guid, tn.serial}
	if inst, ok := hosts[0]["instance"].(map[string]any); ok && str(inst, "resourceId") != "" {
		tn.ids = append(tn.ids, str(inst, "resourceId"))
	}
	return tn
}

// read returns a resource of the tenant's own project as it reads it.
func (b *isoBed) read(t *testing.T, tn *isoTenant, path string) string {
	code, body := b.call(t, http.MethodGet, "/v1/projects/"+url.PathEscape(tn.name)+"/"+path, tn.operator, nil, nil)
	require.Equal(t, http.StatusOK, code, "%s: %s", path, body)
	return body
}

// call sends a request to the API and returns the status and body.
func (b *isoBed) call(t *testing.T, method, path, token string, body any, header http.Header) (int, string) {
	t.Helper()
	var in io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(t, err)
		in = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, b.api.base+path, in)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(raw)
}

// noLeak fails when answer holds an identifier of victim the attacker did not send itself
// (identifiers both tenants have, such as the simulator's host names, are no evidence).
func noLeak(t *testing.T, what, answer string, victim *isoTenant, sent ...string) {
	t.Helper()
	for _, id := range victim.ids {
		if id == "" || contains(sent, id) || victim.shared[id] {
			continue
		}
		assert.NotContains(t, answer, id, "%s: the answer leaks the other tenant's %q", what, id)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

// restAttacks: the attacker's operator against the victim's project and resources.
func (b *isoBed) restAttacks(t *testing.T, at, vi *isoTenant) {
	own, other := "/v1/projects/"+url.PathEscape(at.name), "/v1/projects/"+url.PathEscape(vi.name)
	unknownRegion, unknownHost := "region-"+uuid.NewString()[:8], "host-"+uuid.NewString()[:8]
	rename := map[string]any{"name": "taken-over"}
	foreign := []struct {
		method, path string
		body         any
		want         int
	}{
		// The victim's project: the attacker holds no role in it.
		{http.MethodGet, other + "/regions", nil, http.StatusForbidden},
		{http.MethodGet, other + "/regions/" + vi.region, nil, http.StatusForbidden},
		{http.MethodPatch, other + "/regions/" + vi.region, rename, http.StatusForbidden},
		{http.MethodPut, other + "/regions/" + vi.region, rename, http.StatusForbidden},
		{http.MethodDelete, other + "/regions/" + vi.region, nil, http.StatusForbidden},
		{http.MethodPost, other + "/regions", rename, http.StatusForbidden},
		{http.MethodGet, other + "/compute/hosts", nil, http.StatusForbidden},
		{http.MethodGet, other + "/compute/hosts/" + vi.host, nil, http.StatusForbidden},
		{http.MethodDelete, other + "/compute/hosts/" + vi.host, nil, http.StatusForbidden},
		{http.MethodGet, other + "/compute/hosts/summary", nil, http.StatusForbidden},
		{http.MethodPost, other + "/compute/hosts/register", map[string]any{"name": "mine", "uuid": uuid.NewString()}, http.StatusForbidden},
		{http.MethodPatch, other + "/compute/hosts/" + vi.host + "/onboard", nil, http.StatusForbidden},
	}
	for _, c := range foreign {
		code, body := b.call(t, c.method, c.path, at.operator, c.body, nil)
		assert.Equal(t, c.want, code, "%s %s: %s", c.method, c.path, body)
		noLeak(t, c.method+" "+c.path, body, vi, c.path)
	}
	// The victim's resources by id from the attacker's own project: the answer of an unknown id.
	byID := []struct{ method, path, unknown string }{
		{http.MethodGet, "/regions/" + vi.region, "/regions/" + unknownRegion},
		{http.MethodPatch, "/regions/" + vi.region, "/regions/" + unknownRegion},
		{http.MethodPut, "/regions/" + vi.region, "/regions/" + unknownRegion},
		{http.MethodDelete, "/regions/" + vi.region, "/regions/" + unknownRegion},
		{http.MethodGet, "/compute/hosts/" + vi.host, "/compute/hosts/" + unknownHost},
		{http.MethodPatch, "/compute/hosts/" + vi.host, "/compute/hosts/" + unknownHost},
		{http.MethodDelete, "/compute/hosts/" + vi.host, "/compute/hosts/" + unknownHost},
		{http.MethodPatch, "/compute/hosts/" + vi.host + "/onboard", "/compute/hosts/" + unknownHost + "/onboard"},
		{http.MethodPut, "/compute/hosts/" + vi.host + "/invalidate", "/compute/hosts/" + unknownHost + "/invalidate"},
	}
	for _, c := range byID {
		code, body := b.call(t, c.method, own+c.path, at.operator, rename, nil)
		ucode, ubody := b.call(t, c.method, own+c.unknown, at.operator, rename, nil)
		assert.Contains(t, []int{http.StatusNotFound, http.StatusBadRequest}, code, "%s %s: %s", c.method, c.path, body)
		assert.Equal(t, ucode, code, "%s %s: the answer of an unknown id (%s)", c.method, c.path, ubody)
		noLeak(t, c.method+" "+c.path, body, vi, c.path)
	}
	// Lists and summaries of the attacker's own project, and the legacy path naming the victim's
	// project in the ActiveProjectID header.
	for _, path := range []string{"/regions", "/compute/hosts", "/compute/hosts/summary", "/locations?name=region-of&showRegions=true", "/compute/instances"} {
		code, body := b.call(t, http.MethodGet, own+path, at.operator, nil, nil)
		assert.Equal(t, http.StatusOK, code, "%s: %s", path, body)
		noLeak(t, "GET "+path, body, vi)
	}
	hdr := http.Header{"Activeprojectid": {vi.id}}
	for _, path := range []string{"regions", "regions/" + vi.region, "hosts", "hosts/" + vi.host} {
		code, body := b.call(t, http.MethodGet, "/edge-infra.orchestrator.apis/v2/"+path, at.operator, nil, hdr)
		assert.Equal(t, http.StatusForbidden, code, "legacy %s: %s", path, body)
		noLeak(t, "legacy GET "+path, body, vi, path, vi.id)
	}
	// The projects: the list shows the attacker's own only; the victim's project reads as one
	// that does not exist.
	code, body := b.call(t, http.MethodGet, "/v1/projects", at.operator, nil, nil)
	assert.Equal(t, http.StatusOK, code, "/v1/projects: %s", body)
	assert.Contains(t, body, at.id, "the attacker's own project is listed")
	noLeak(t, "GET /v1/projects", body, vi)
	code, body = b.call(t, http.MethodGet, "/v1/projects/"+url.PathEscape(vi.name), at.operator, nil, nil)
	unknown := testenv.Unique(t, "no-such-project")
	ucode, ubody := b.call(t, http.MethodGet, "/v1/projects/"+unknown, at.operator, nil, nil)
	assert.Equal(t, http.StatusNotFound, code, "the other project: %s", body)
	assert.Equal(t, ucode, code)
	assert.Equal(t, strings.ReplaceAll(ubody, unknown, vi.name), body, "the answer of a project that does not exist")
}

// inventoryAttacks: the inventory's gRPC API takes the service role only: the tenants' users
// and agents are refused for the victim's tenant (and for their own), its change log included.
func (b *isoBed) inventoryAttacks(t *testing.T, at, vi *isoTenant) {
	calls := map[string]func(context.Context) error{
		"GetResource": func(ctx context.Context) error {
			_, err := b.inv.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: vi.id, ResourceId: vi.region})
			return err
		},
		"ListResources": func(ctx context.Context) error {
			_, err := b.inv.ListResources(ctx, &inventoryv1.ListResourcesRequest{TenantId: vi.id, Kind: inventoryv1.ResourceKind_RESOURCE_KIND_HOST})
			return err
		},
		"FindResource": func(ctx context.Context) error {
			_, err := b.inv.FindResource(ctx, &inventoryv1.FindResourceRequest{Kind: inventoryv1.ResourceKind_RESOURCE_KIND_HOST, Key: "uuid", Value: vi.guid})
			return err
		},
		"DeleteResource": func(ctx context.Context) error {
			_, err := b.inv.DeleteResource(ctx, &inventoryv1.DeleteResourceRequest{TenantId: vi.id, ResourceId: vi.region})
			return err
		},
		"ListChanges": func(ctx context.Context) error {
			_, err := b.inv.ListChanges(ctx, &inventoryv1.ListChangesRequest{TenantId: vi.id, PageSize: 100})
			return err
		},
		"ListProjects": func(ctx context.Context) error {
			_, err := b.inv.ListProjects(ctx, &inventoryv1.ListProjectsRequest{})
			return err
		},
		"GetProject": func(ctx context.Context) error {
			_, err := b.inv.GetProject(ctx, &inventoryv1.GetProjectRequest{NameOrId: vi.id})
			return err
		},
	}
	for name, call := range calls {
		for who, tok := range map[string]string{"operator": at.operator, "agent": at.agent, "onboarder": at.onboarder} {
			ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tok), 10*time.Second)
			err := call(ctx)
			cancel()
			assert.Equal(t, codes.PermissionDenied, status.Code(err), "%s by the %s: %v", name, who, err)
			noLeak(t, name, status.Convert(err).Message(), vi)
		}
	}
}

// southboundAttacks: the attacker's agent and onboarding operator against the victim's host.
func (b *isoBed) southboundAttacks(t *testing.T, at, vi *isoTenant) {
	hm, mm := hostmgr.NewHostmgrClient(b.south), maintmgrv1.NewMaintmgrServiceClient(b.south)
	ob := onboardingv1.NewInteractiveOnboardingServiceClient(b.south)
	unknown := uuid.NewString()
	agentCalls := map[string]func(context.Context, string) error{
		"UpdateInstanceStateStatusByHostGUID": func(ctx context.Context, guid string) error {
			_, err := hm.UpdateInstanceStateStatusByHostGUID(ctx, &hostmgr.UpdateInstanceStateStatusByHostGUIDRequest{HostGuid: guid,
				InstanceState: hostmgr.InstanceState_INSTANCE_STATE_RUNNING, InstanceStatus: hostmgr.InstanceStatus_INSTANCE_STATUS_ERROR})
			return err
		},
		"UpdateHostStatusByHostGuid": func(ctx context.Context, guid string) error {
			_, err := hm.UpdateHostStatusByHostGuid(ctx, &hostmgr.UpdateHostStatusByHostGuidRequest{HostGuid: guid,
				HostStatus: &hostmgr.HostStatus{HostStatus: hostmgr.HostStatus_ERROR}})
			return err
		},
		"UpdateHostSystemInfoByGUID": func(ctx context.Context, guid string) error {
			_, err := hm.UpdateHostSystemInfoByGUID(ctx, &hostmgr.UpdateHostSystemInfoByGUIDRequest{HostGuid: guid,
				SystemInfo: &hostmgr.SystemInfo{BiosInfo: &hostmgr.BiosInfo{Vendor: "taken-over"}}})
			return err
		},
		"PlatformUpdateStatus": func(ctx context.Context, guid string) error {
			_, err := mm.PlatformUpdateStatus(ctx, &maintmgrv1.PlatformUpdateStatusRequest{HostGuid: guid,
				UpdateStatus: &maintmgrv1.UpdateStatus{StatusType: maintmgrv1.UpdateStatus_STATUS_TYPE_FAILED}})
			return err
		},
	}
	for name, call := range agentCalls {
		ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+at.agent)
		foreign, unknownErr := call(ctx, vi.guid), call(ctx, unknown)
		assert.Equal(t, codes.NotFound, status.Code(foreign), "%s on the other tenant's host: %v", name, foreign)
		assert.Equal(t, status.Code(unknownErr), status.Code(foreign), "%s: the answer of an unknown GUID", name)
		assert.Equal(t, strings.ReplaceAll(status.Convert(unknownErr).Message(), unknown, vi.guid), status.Convert(foreign).Message(),
			"%s: the message of an unknown GUID", name)
		noLeak(t, name, status.Convert(foreign).Message(), vi, vi.guid)
		// Naming the victim's project as a proxy would: the token holds no role there.
		err := call(metadata.AppendToOutgoingContext(ctx, "activeprojectid", vi.id), vi.guid)
		assert.Equal(t, codes.PermissionDenied, status.Code(err), "%s with the other project's header: %v", name, err)
		noLeak(t, name+" (header)", status.Convert(err).Message(), vi, vi.id, vi.guid)
	}
	// Onboarding into the victim's project: CreateNodes with the attacker's en-ob token naming it.
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+at.onboarder, "activeprojectid", vi.id)
	_, err := ob.CreateNodes(ctx, &onboardingv1.CreateNodesRequest{Payload: []*onboardingv1.NodeData{{Hwdata: []*onboardingv1.HwData{{
		Uuid: uuid.NewString(), Serialnum: "ATTACK1", MacId: "aa:bb:cc:dd:ee:01", SutIp: "10.0.0.1"}}}}})
	assert.Equal(t, codes.PermissionDenied, status.Code(err), "CreateNodes in the other project: %v", err)
	noLeak(t, "CreateNodes", status.Convert(err).Message(), vi, vi.id)
	// The agent's token is not an onboarding operator's, in any project.
	ctx = metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+at.agent, "activeprojectid", vi.id)
	_, err = ob.CreateNodes(ctx, &onboardingv1.CreateNodesRequest{Payload: []*onboardingv1.NodeData{{Hwdata: []*onboardingv1.HwData{{
		Uuid: uuid.NewString(), Serialnum: "ATTACK2", MacId: "aa:bb:cc:dd:ee:02", SutIp: "10.0.0.2"}}}}})
	assert.Equal(t, codes.PermissionDenied, status.Code(err), "CreateNodes by an agent: %v", err)
	noLeak(t, "CreateNodes by an agent", status.Convert(err).Message(), vi, vi.id)
}

// squat: the attacker's operator registers the victim's device UUID in its own project (as
// sent, in upper case, or by updating its own host): refused with 409 and nothing of the victim;
// the victim's device then onboards by the stream, which names no project, into the victim's.
func (b *isoBed) squat(t *testing.T, at, vi *isoTenant) {
	own := "/v1/projects/" + url.PathEscape(at.name)
	upper := strings.ToUpper(vi.guid)
	attempts := []struct {
		method, path string
		body         map[string]any
	}{
		{http.MethodPost, "/compute/hosts/register", map[string]any{"name": "squat", "uuid": vi.guid, "autoOnboard": true}},
		{http.MethodPost, "/compute/hosts/register", map[string]any{"name": "squat", "uuid": upper, "autoOnboard": true}},
		{http.MethodPost, "/compute/hosts", map[string]any{"name": "squat", "uuid": vi.guid}},
		{http.MethodPatch, "/compute/hosts/" + at.host, map[string]any{"uuid": vi.guid}},
	}
	for _, c := range attempts {
		code, body := b.call(t, c.method, own+c.path, at.operator, c.body, nil)
		assert.Equal(t, http.StatusConflict, code, "%s %s: %s", c.method, c.path, body)
		assert.Contains(t, body, "is registered to another host; a host uuid can be registered once across all projects", "%s %s", c.method, c.path)
		noLeak(t, c.method+" "+c.path, body, vi, vi.guid, upper)
	}
	hosts := b.api.list(t, at.name, at.operator, "compute/hosts", "hosts")
	require.Len(t, hosts, 1, "the attacker's project holds its own host only")
	assert.Equal(t, at.guid, str(hosts[0], "uuid"), "the refused update wrote nothing")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stream, err := onboardingv1.NewNonInteractiveOnboardingServiceClient(b.south).OnboardNodeStream(ctx)
	require.NoError(t, err)
	require.NoError(t, stream.Send(&onboardingv1.OnboardNodeStreamRequest{Uuid: vi.guid, Serialnum: vi.serial, MacId: vi.mac, HostIp: vi.ip}))
	resp, err := stream.Recv()
	require.NoError(t, err)
	_ = stream.CloseSend()
	require.Equal(t, int32(codes.OK), resp.GetStatus().GetCode(), "the victim's device onboards: %s", resp.GetStatus().GetMessage())
	b.use(resp.GetClientSecret())
	assert.Equal(t, onboardingv1.OnboardNodeStreamResponse_NODE_STATE_ONBOARDED, resp.GetNodeState())
	assert.Equal(t, vi.id, resp.GetProjectId(), "into the victim's project")
	assert.NotEmpty(t, resp.GetClientId())
}

// unchanged checks that the victim's region and host read as before the attacks.
func (b *isoBed) unchanged(t *testing.T, vi *isoTenant) {
	assert.JSONEq(t, vi.regionDoc, b.read(t, vi, "regions/"+vi.region), "the other tenant's region is unchanged")
	assert.JSONEq(t, vi.hostDoc, b.read(t, vi, "compute/hosts/"+vi.host), "the other tenant's host is unchanged")
}
