package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/apitest"
)

// host is the part of a host the tests read.
type host struct {
	ResourceID         string `json:"resourceId"`
	Name               string `json:"name"`
	UUID               string `json:"uuid"`
	SerialNumber       string `json:"serialNumber"`
	DesiredState       string `json:"desiredState"`
	DesiredPowerState  string `json:"desiredPowerState"`
	PowerCommandPolicy string `json:"powerCommandPolicy"`
	DesiredAmtState    string `json:"desiredAmtState"`
	Note               string `json:"note"`
	Site               *struct {
		ResourceID string `json:"resourceId"`
	} `json:"site"`
}

// project is a project's path prefix and token.
type project struct {
	bed   *apitest.Bed
	base  string
	token string
}

func newProject(t *testing.T, bed *apitest.Bed) *project {
	name, id := bed.Project(t)
	return &project{bed: bed, base: "/v1/projects/" + name, token: bed.Token(t, id)}
}

// ok sends a request that must succeed and decodes the answer into out (when not nil).
func (c *project) ok(t *testing.T, method, path string, body, out any) {
	t.Helper()
	r := c.bed.Do(t, method, c.base+path, c.token, body)
	require.Equal(t, http.StatusOK, r.Status, "%s %s: %s", method, path, r.Body)
	if out != nil {
		r.JSON(t, out)
	}
}

// TestHostLifecycle: the legacy API's host calls beyond CRUD: forced states on create,
// registration by serial number, onboarding, invalidation with a note, the summary, a PUT that
// keeps what its mask leaves out, and consecutive power resets.
func TestHostLifecycle(t *testing.T) {
	c := newProject(t, apitest.New(t, apitest.Options{}))
	var created host
	c.ok(t, "POST", "/compute/hosts", map[string]any{"name": "h1", "uuid": "0e5a4f4e-6f5c-4e4e-9c7e-0d1a2b3c4d5e",
		"desiredState": "HOST_STATE_UNTRUSTED", "serialNumber": "SN000001"}, &created)
	assert.Equal(t, "HOST_STATE_ONBOARDED", created.DesiredState, "create forces the desired state")
	assert.Equal(t, "POWER_STATE_ON", created.DesiredPowerState)
	assert.Equal(t, "POWER_COMMAND_POLICY_ORDERED", created.PowerCommandPolicy)
	assert.Equal(t, "SN000001", created.SerialNumber, "the serial number is kept though OUTPUT_ONLY")

	var reg host
	c.ok(t, "POST", "/compute/hosts/register", map[string]any{"name": "h2", "serialNumber": "SN000002", "enableVpro": true}, &reg)
	assert.Equal(t, "HOST_STATE_REGISTERED", reg.DesiredState)
	assert.Equal(t, "AMT_STATE_PROVISIONED", reg.DesiredAmtState)
	r := c.bed.Do(t, "POST", c.base+"/compute/hosts/register", c.token, map[string]any{"name": "h3"})
	failure(t, r, http.StatusBadRequest, "InvalidArgument", "UUID or SerialNumber")

	c.ok(t, "PATCH", "/compute/hosts/"+reg.ResourceID+"/register", map[string]any{"name": "h2b", "autoOnboard": true}, &reg)
	assert.Equal(t, "h2b", reg.Name)
	assert.Equal(t, "HOST_STATE_ONBOARDED", reg.DesiredState)

	c.ok(t, "PUT", "/compute/hosts/"+created.ResourceID+"/invalidate?note=stolen", nil, nil)
	var got host
	c.ok(t, "GET", "/compute/hosts/"+created.ResourceID, nil, &got)
	assert.Equal(t, "HOST_STATE_UNTRUSTED", got.DesiredState)
	assert.Equal(t, "stolen", got.Note)

	c.ok(t, "PUT", "/compute/hosts/"+created.ResourceID, map[string]any{"name": "renamed", "desiredPowerState": "POWER_STATE_RESET"}, &got)
	assert.Equal(t, "renamed", got.Name)
	assert.Equal(t, "0e5a4f4e-6f5c-4e4e-9c7e-0d1a2b3c4d5e", got.UUID, "a PUT keeps the fields of the legacy mask's complement")
	assert.Equal(t, "POWER_STATE_RESET", got.DesiredPowerState)
	c.ok(t, "PATCH", "/compute/hosts/"+created.ResourceID, map[string]any{"desiredPowerState": "POWER_STATE_RESET"}, &got)
	assert.Equal(t, "POWER_STATE_RESET_REPEAT", got.DesiredPowerState, "a reset while resetting is a repeated reset")

	var summary struct {
		Total, Error, Running, Unallocated int
	}
	c.ok(t, "GET", "/compute/hosts/summary", nil, &summary)
	assert.Equal(t, 2, summary.Total)
	assert.Equal(t, 2, summary.Unallocated)
	c.ok(t, "GET", "/compute/hosts_summary?filter=name%3D%22renamed%22", nil, &summary)
	assert.Equal(t, 1, summary.Total)

	var inst struct {
		ResourceID   string `json:"resourceId"`
		DesiredState string `json:"desiredState"`
	}
	var os struct {
		ResourceID string `json:"resourceId"`
	}
	c.ok(t, "POST", "/compute/os", map[string]any{"name": "ubuntu", "sha256": "a3b5c0d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4",
		"profileName": "ubuntu-22.04", "osType": "OS_TYPE_MUTABLE", "osProvider": "OS_PROVIDER_KIND_INFRA"}, &os)
	c.ok(t, "POST", "/compute/instances", map[string]any{"name": "i1", "kind": "INSTANCE_KIND_METAL", "hostID": reg.ResourceID,
		"osID": os.ResourceID}, &inst)
	assert.Equal(t, "INSTANCE_STATE_RUNNING", inst.DesiredState)
	c.ok(t, "PUT", "/compute/instances/"+inst.ResourceID+"/invalidate", nil, nil)
	c.ok(t, "GET", "/compute/instances/"+inst.ResourceID, nil, &inst)
	assert.Equal(t, "INSTANCE_STATE_UNTRUSTED", inst.DesiredState)

	c.ok(t, "DELETE", "/compute/hosts/"+reg.ResourceID, nil, nil)
	failure(t, c.bed.Do(t, "GET", c.base+"/compute/instances/"+inst.ResourceID, c.token, nil), http.StatusNotFound, "NotFound")
	failure(t, c.bed.Do(t, "GET", c.base+"/regions/"+created.ResourceID, c.token, nil), http.StatusNotFound, "NotFound")
}
