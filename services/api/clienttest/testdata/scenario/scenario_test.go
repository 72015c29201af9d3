// Package scenario drives the EIM northbound API through the Go client that oapi-codegen generates from
// the legacy apiv2 OpenAPI document into ./client (not committed: services/api/clienttest generates it
// into a copy of this module in a temporary directory, then runs this test there).
//
// It reads the API's base URL, a project name and an im-rw token of that project from EIM_API_URL,
// EIM_PROJECT and EIM_TOKEN; run it through TestGeneratedClientScenario:
//
//	go test -count=1 -run TestGeneratedClientScenario ./services/api/clienttest
package scenario

import (
	"context"
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"eimclientscenario/client"
)

// env returns environment variable name, failing the test when it is not set.
func env(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	require.NotEmpty(t, v, "%s is not set: this test runs inside TestGeneratedClientScenario "+
		"(go test -count=1 -run TestGeneratedClientScenario ./services/api/clienttest)", name)
	return v
}

// status requires that a call succeeded with 200 OK, showing the body otherwise.
func status(t *testing.T, step string, err error, resp *http.Response, body []byte) {
	t.Helper()
	require.NoError(t, err, step)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s %s answered %s", step, resp.Request.Method, resp.Request.URL.Path, body)
}

// ptr returns a pointer to v: the generated models take optional fields as pointers.
func ptr[T any](v T) *T { return &v }

// TestScenario creates a region, a site in it, a host registered by serial number and onboarded (then
// placed in the site), an OS resource, a single schedule on the site and an OS update policy; finds the
// host by filter; deletes everything in reverse order and checks that every list is empty, all through
// the generated client.
func TestScenario(t *testing.T) {
	base, project, token := env(t, "EIM_API_URL"), env(t, "EIM_PROJECT"), env(t, "EIM_TOKEN")
	c, err := client.NewClientWithResponses(base, client.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+token)
		return nil
	}))
	require.NoError(t, err)
	ctx := t.Context()
	const serial = "SNCLIENTTEST0001"

	// Region, then a site in it.
	region, err := c.RegionServiceCreateRegionWithResponse(ctx, project, client.RegionResource{Name: ptr("clienttest-region")})
	status(t, "create region", err, region.HTTPResponse, region.Body)
	require.NotNil(t, region.JSON200)
	require.NotNil(t, region.JSON200.ResourceId)
	regionID := *region.JSON200.ResourceId
	assert.Regexp(t, `^region-[0-9a-f]{8}$`, regionID)
	assert.Equal(t, "clienttest-region", *region.JSON200.Name)
	require.NotNil(t, region.JSON200.Timestamps, "the created region carries its timestamps")
	require.NotNil(t, region.JSON200.Timestamps.CreatedAt)
	assert.False(t, region.JSON200.Timestamps.CreatedAt.IsZero())

	site, err := c.SiteServiceCreateSiteWithResponse(ctx, project, regionID,
		client.SiteResource{Name: ptr("clienttest-site"), RegionId: ptr(regionID)})
	status(t, "create site", err, site.HTTPResponse, site.Body)
	require.NotNil(t, site.JSON200)
	siteID := *site.JSON200.ResourceId
	assert.Regexp(t, `^site-[0-9a-f]{8}$`, siteID)
	require.NotNil(t, site.JSON200.Region, "the created site names its region")
	assert.Equal(t, regionID, *site.JSON200.Region.ResourceId)

	// A host registered by serial number, then onboarded.
	reg, err := c.HostServiceRegisterHostWithResponse(ctx, project, nil,
		client.HostRegister{Name: ptr("clienttest-host"), SerialNumber: ptr(serial), AutoOnboard: ptr(false)})
	status(t, "register host", err, reg.HTTPResponse, reg.Body)
	require.NotNil(t, reg.JSON200)
	hostID := *reg.JSON200.ResourceId
	assert.Regexp(t, `^host-[0-9a-f]{8}$`, hostID)
	assert.Equal(t, serial, *reg.JSON200.SerialNumber)
	require.NotNil(t, reg.JSON200.DesiredState)
	assert.Equal(t, client.HOSTSTATEREGISTERED, *reg.JSON200.DesiredState)

	onboard, err := c.HostServiceOnboardHostWithResponse(ctx, project, hostID)
	status(t, "onboard host", err, onboard.HTTPResponse, onboard.Body)
	host, err := c.HostServiceGetHostWithResponse(ctx, project, hostID)
	status(t, "get host", err, host.HTTPResponse, host.Body)
	require.NotNil(t, host.JSON200)
	require.NotNil(t, host.JSON200.DesiredState)
	assert.Equal(t, client.HOSTSTATEONBOARDED, *host.JSON200.DesiredState)
	assert.Equal(t, "clienttest-host", host.JSON200.Name)
	t.Logf("registered and onboarded host %s (serial number %s)", hostID, serial)

	// The host placed in the site: only the field the mask names changes.
	placed, err := c.HostServicePatchHostWithResponse(ctx, project, hostID, &client.HostServicePatchHostParams{FieldMask: ptr("siteId")},
		client.HostResource{Name: "ignored: not in the field mask", SiteId: ptr(siteID)})
	status(t, "place host in site", err, placed.HTTPResponse, placed.Body)
	require.NotNil(t, placed.JSON200)
	require.NotNil(t, placed.JSON200.Site, "the patched host names its site")
	assert.Equal(t, siteID, *placed.JSON200.Site.ResourceId)
	assert.Equal(t, "clienttest-host", placed.JSON200.Name)

	// An OS resource, a single schedule on the site and an OS update policy targeting the OS.
	osr, err := c.OperatingSystemServiceCreateOperatingSystemWithResponse(ctx, project, client.OperatingSystemResource{
		Name:            ptr("clienttest-os"),
		Architecture:    ptr("x86_64"),
		ProfileName:     ptr("clienttest-profile"),
		ImageUrl:        ptr("https://example.invalid/images/clienttest.raw.gz"),
		ImageId:         ptr("1.0.0"),
		Sha256:          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		OsType:          ptr(client.OSTYPEIMMUTABLE),
		OsProvider:      ptr(client.OSPROVIDERKINDINFRA),
		SecurityFeature: ptr(client.SECURITYFEATURENONE),
	})
	status(t, "create OS resource", err, osr.HTTPResponse, osr.Body)
	require.NotNil(t, osr.JSON200)
	osID := *osr.JSON200.ResourceId
	assert.Regexp(t, `^os-[0-9a-f]{8}$`, osID)

	// A fixed maintenance window (2033-05-18 03:33:20 UTC, one hour): nothing depends on the clock.
	const start = 2000000000
	sched, err := c.ScheduleServiceCreateSingleScheduleWithResponse(ctx, project, client.SingleScheduleResource{
		Name:           ptr("clienttest-window"),
		ScheduleStatus: client.SCHEDULESTATUSMAINTENANCE,
		StartSeconds:   start,
		EndSeconds:     ptr(start + 3600),
		TargetSiteId:   ptr(siteID),
	})
	status(t, "create single schedule", err, sched.HTTPResponse, sched.Body)
	require.NotNil(t, sched.JSON200)
	schedID := *sched.JSON200.ResourceId
	assert.Regexp(t, `^singlesche-[0-9a-f]{8}$`, schedID)
	require.NotNil(t, sched.JSON200.TargetSite, "the created schedule names its site")
	assert.Equal(t, siteID, *sched.JSON200.TargetSite.ResourceId)

	t.Logf("created OS resource %s and single schedule %s on site %s", osID, schedID, siteID)

	// The schedule applies to the site and, inherited, to the host in it.
	for _, p := range []client.ScheduleServiceListSingleSchedulesParams{{SiteId: ptr(siteID)}, {HostId: ptr(hostID)}} {
		scheds, err := c.ScheduleServiceListSingleSchedulesWithResponse(ctx, project, &p)
		status(t, "list single schedules", err, scheds.HTTPResponse, scheds.Body)
		require.NotNil(t, scheds.JSON200)
		require.Len(t, scheds.JSON200.SingleSchedules, 1, scheds.HTTPResponse.Request.URL.RawQuery)
		assert.Equal(t, schedID, *scheds.JSON200.SingleSchedules[0].ResourceId)
	}

	policy, err := c.OSUpdatePolicyCreateOSUpdatePolicyWithResponse(ctx, project, client.OSUpdatePolicy{
		Name:         "clienttest-policy",
		Description:  ptr("update to clienttest-os"),
		TargetOsId:   ptr(osID),
		UpdatePolicy: ptr(client.UPDATEPOLICYTARGET),
	})
	status(t, "create OS update policy", err, policy.HTTPResponse, policy.Body)
	require.NotNil(t, policy.JSON200)
	policyID := *policy.JSON200.ResourceId
	assert.Regexp(t, `^osupdatepolicy-[0-9a-f]{8}$`, policyID)
	require.NotNil(t, policy.JSON200.TargetOs, "the created policy names its OS")
	assert.Equal(t, osID, *policy.JSON200.TargetOs.ResourceId)
	t.Logf("created OS update policy %s", policyID)

	// The registered host is found by serial number and by name; another serial number finds nothing.
	for _, filter := range []string{`serialNumber="` + serial + `"`, `name="clienttest-host"`} {
		hosts, err := c.HostServiceListHostsWithResponse(ctx, project, &client.HostServiceListHostsParams{Filter: ptr(filter)})
		status(t, "list hosts "+filter, err, hosts.HTTPResponse, hosts.Body)
		require.NotNil(t, hosts.JSON200)
		require.Len(t, hosts.JSON200.Hosts, 1, filter)
		assert.Equal(t, hostID, *hosts.JSON200.Hosts[0].ResourceId, filter)
		assert.Equal(t, serial, *hosts.JSON200.Hosts[0].SerialNumber, filter)
		assert.EqualValues(t, 1, hosts.JSON200.TotalElements, filter)
	}
	none, err := c.HostServiceListHostsWithResponse(ctx, project,
		&client.HostServiceListHostsParams{Filter: ptr(`serialNumber="SNCLIENTTEST0002"`)})
	status(t, "list hosts of another serial number", err, none.HTTPResponse, none.Body)
	require.NotNil(t, none.JSON200)
	assert.Empty(t, none.JSON200.Hosts)

	// Everything deleted in reverse order.
	delPolicy, err := c.OSUpdatePolicyDeleteOSUpdatePolicyWithResponse(ctx, project, policyID)
	status(t, "delete OS update policy", err, delPolicy.HTTPResponse, delPolicy.Body)
	delSched, err := c.ScheduleServiceDeleteSingleScheduleWithResponse(ctx, project, schedID)
	status(t, "delete single schedule", err, delSched.HTTPResponse, delSched.Body)
	delOS, err := c.OperatingSystemServiceDeleteOperatingSystemWithResponse(ctx, project, osID)
	status(t, "delete OS resource", err, delOS.HTTPResponse, delOS.Body)
	delHost, err := c.HostServiceDeleteHostWithResponse(ctx, project, hostID)
	status(t, "delete host", err, delHost.HTTPResponse, delHost.Body)
	delSite, err := c.SiteServiceDeleteSiteWithResponse(ctx, project, regionID, siteID)
	status(t, "delete site", err, delSite.HTTPResponse, delSite.Body)
	delRegion, err := c.RegionServiceDeleteRegionWithResponse(ctx, project, regionID)
	status(t, "delete region", err, delRegion.HTTPResponse, delRegion.Body)

	t.Log("deleted the policy, schedule, OS resource, host, site and region")

	// Every list is empty.
	policies, err := c.OSUpdatePolicyListOSUpdatePolicyWithResponse(ctx, project, nil)
	status(t, "list OS update policies", err, policies.HTTPResponse, policies.Body)
	require.NotNil(t, policies.JSON200)
	assert.Empty(t, policies.JSON200.OsUpdatePolicies)
	assert.Zero(t, policies.JSON200.TotalElements)

	scheds, err := c.ScheduleServiceListSingleSchedulesWithResponse(ctx, project, nil)
	status(t, "list single schedules", err, scheds.HTTPResponse, scheds.Body)
	require.NotNil(t, scheds.JSON200)
	assert.Empty(t, scheds.JSON200.SingleSchedules)
	assert.Zero(t, scheds.JSON200.TotalElements)

	oses, err := c.OperatingSystemServiceListOperatingSystemsWithResponse(ctx, project, nil)
	status(t, "list OS resources", err, oses.HTTPResponse, oses.Body)
	require.NotNil(t, oses.JSON200)
	assert.Empty(t, oses.JSON200.OperatingSystemResources)
	assert.Zero(t, oses.JSON200.TotalElements)

	hosts, err := c.HostServiceListHostsWithResponse(ctx, project, nil)
	status(t, "list hosts", err, hosts.HTTPResponse, hosts.Body)
	require.NotNil(t, hosts.JSON200)
	assert.Empty(t, hosts.JSON200.Hosts)
	assert.Zero(t, hosts.JSON200.TotalElements)

	sites, err := c.SiteServiceListSites3WithResponse(ctx, project, nil)
	status(t, "list sites", err, sites.HTTPResponse, sites.Body)
	require.NotNil(t, sites.JSON200)
	assert.Empty(t, sites.JSON200.Sites)
	assert.Zero(t, sites.JSON200.TotalElements)

	regions, err := c.RegionServiceListRegionsWithResponse(ctx, project, nil)
	status(t, "list regions", err, regions.HTTPResponse, regions.Body)
	require.NotNil(t, regions.JSON200)
	assert.Empty(t, regions.JSON200.Regions)
	assert.Zero(t, regions.JSON200.TotalElements)
}
