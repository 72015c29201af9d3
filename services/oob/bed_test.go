package oob_test

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	dmv1 "github.com/eim-byoi/eim/api/gen/device_management"
	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/internal/servetest"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/services/oob"
	"github.com/eim-byoi/eim/services/oob/dmttest"
)

// wait is how long a test waits for the module to reconcile.
const wait = time.Minute

// bed is an EIM process with target oob (inventory, api, oob) driving a spec-driven MPS/RPS
// stand-in, with its southbound listener's plaintext twin for the agent.
type bed struct {
	p     *servetest.Process
	dmt   *dmttest.Stand
	agent dmv1.DeviceManagementClient
	cfg   string // the extra configuration
}

type bedOptions struct {
	tokenTTL    time.Duration
	settleReads int    // power state reads before a device reaches the state of an action
	retryMax    string // oob.retryMax; default 300ms
	scenario    string // api.scenario; default fulleim
}

// oobConfig returns the oob block for the stand-in, with MPS's login from files and the
// longest retry delay retryMax (300ms when empty).
func oobConfig(t *testing.T, s *dmttest.Stand, retryMax string) string {
	t.Helper()
	dir := t.TempDir()
	user, pass := filepath.Join(dir, "user"), filepath.Join(dir, "pass")
	require.NoError(t, os.WriteFile(user, []byte("admin\n"), 0o600))
	require.NoError(t, os.WriteFile(pass, []byte("Adm1n!pass\n"), 0o600))
	return fmt.Sprintf(`oob:
  mps: {url: %s, auth: {username: {file: %s}, password: {file: %s}}}
  rps: {url: %s}
  ciraAddress: 127.0.0.1:4433
  reconcileInterval: 200ms
  retryMin: 20ms
  retryMax: %s
`, s.MPSURL, user, pass, s.RPSURL, cmp.Or(retryMax, "300ms"))
}

func newBed(t *testing.T, o bedOptions) *bed {
	t.Helper()
	s := dmttest.Start(t, dmttest.Options{TokenTTL: o.tokenTTL, SettleReads: o.settleReads})
	extra := oobConfig(t, s, o.retryMax)
	if o.scenario != "" {
		extra += "api: {scenario: " + o.scenario + "}\n"
	}
	p := servetest.Start(t, servetest.Config(t, "sqlite", "oob", extra), nil)
	conn, err := grpc.NewClient(p.Plaintext, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return &bed{p: p, dmt: s, agent: dmv1.NewDeviceManagementClient(conn), cfg: extra}
}

func (b *bed) module(t *testing.T) *oob.Module {
	t.Helper()
	m, ok := b.p.Modules[module.OOB].(*oob.Module)
	require.True(t, ok, "the process runs the oob module")
	return m
}

// project creates a project through the REST API and returns its id.
func (b *bed) project(t *testing.T, name string) string {
	t.Helper()
	admin := b.p.Token(t, "project-write-role", "project-read-role", "project-delete-role")
	status, body := b.p.Do(t, http.MethodPut, "/v1/projects/"+name, admin, map[string]string{"description": "d"})
	require.Equal(t, http.StatusOK, status, string(body))
	resp, err := b.p.Inventory.GetProject(context.Background(), &inventoryv1.GetProjectRequest{NameOrId: name})
	require.NoError(t, err)
	return resp.GetProject().GetId()
}

// host registers a host in project tenant (AMT activated when activated) and returns it.
func (b *bed) host(t *testing.T, tenant string, h *computev1.HostResource) *computev1.HostResource {
	t.Helper()
	if h.Uuid == "" {
		h.Uuid = uuid.NewString()
	}
	if h.Name == "" {
		h.Name = "edge-" + h.Uuid[:8]
	}
	var got *inventoryv1.CreateResourceResponse
	err := provider.Retry(context.Background(), provider.Backoff{Min: 10 * time.Millisecond, Max: time.Second}, aborted, func() error {
		var err error
		got, err = b.p.Inventory.CreateResource(context.Background(), &inventoryv1.CreateResourceRequest{TenantId: tenant,
			Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: h}}})
		return err
	})
	require.NoError(t, err)
	return got.GetStored().GetResource().GetHost()
}

func aborted(err error) bool { return provider.CodeOf(err) == provider.Aborted }

// activated is a host whose AMT the agent activated.
func activated(guid string) *computev1.HostResource {
	return &computev1.HostResource{Uuid: guid, DesiredAmtState: computev1.AmtState_AMT_STATE_PROVISIONED,
		CurrentAmtState: computev1.AmtState_AMT_STATE_PROVISIONED}
}

// read returns a host as the inventory holds it.
func (b *bed) read(t *testing.T, tenant, id string) *computev1.HostResource {
	t.Helper()
	resp, err := b.p.Inventory.GetResource(context.Background(), &inventoryv1.GetResourceRequest{TenantId: tenant, ResourceId: id})
	require.NoError(t, err)
	return resp.GetStored().GetResource().GetHost()
}

// userToken is a token of a user with the API's read and write roles in project tenant.
func (b *bed) userToken(t *testing.T, tenant string) string {
	t.Helper()
	return b.p.Token(t, tenant+"_im-rw", tenant+"_im-r")
}

// power asks for a power state through the REST API (PATCH .../compute/hosts/{id}).
func (b *bed) power(t *testing.T, token, project, hostID string, state computev1.PowerState) (int, string) {
	t.Helper()
	status, body := b.p.Do(t, http.MethodPatch, "/v1/projects/"+project+"/compute/hosts/"+hostID, token,
		map[string]any{"desiredPowerState": state.String()})
	return status, string(body)
}

// agentCtx carries an agent token of project tenant.
func (b *bed) agentCtx(t *testing.T, tenant string) context.Context {
	t.Helper()
	tok := b.p.Token(t, tenant+"_en-agent-rw")
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tok)
}

// eventually waits for cond on the host, reporting the host's last state when it times out.
func (b *bed) eventually(t *testing.T, tenant, id string, cond func(h *computev1.HostResource) bool, msg string) *computev1.HostResource {
	t.Helper()
	var h *computev1.HostResource
	require.Eventually(t, func() bool {
		h = b.read(t, tenant, id)
		return cond(h)
	}, wait, 20*time.Millisecond, "%s; the host: power %s %q, amt %s %q", msg, h.GetCurrentPowerState(), h.GetPowerStatus(),
		h.GetCurrentAmtState(), h.GetAmtStatus())
	return h
}

// assertTenantHeaders: every MPS/RPS call but the login carried a project id in the tenant
// header, and every call about a device carried its own project's.
func assertTenantHeaders(t *testing.T, s *dmttest.Stand, devices map[string]string) {
	t.Helper()
	n := 0
	for _, r := range s.Requests() {
		if r.Path == "/api/v1/authorize" {
			continue
		}
		n++
		assert.NotEmpty(t, r.Tenant, "%s %s %s carries no tenant header", r.Server, r.Method, r.Path)
		for guid, tenant := range devices {
			if strings.HasSuffix(r.Path, "/"+guid) {
				assert.Equal(t, tenant, r.Tenant, "%s %s carries its device's project", r.Method, r.Path)
			}
		}
	}
	assert.Positive(t, n, "the module called MPS/RPS")
}

// actionsOn returns the power actions a device received (nil when MPS does not know it).
func actionsOn(s *dmttest.Stand, guid string) []int {
	d, _ := s.Device(guid)
	return d.Actions
}
