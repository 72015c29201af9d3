package inventory_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	commonv1 "github.com/eim-byoi/eim/api/gen/resources/common/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	locationv1 "github.com/eim-byoi/eim/api/gen/resources/location/v1"
	osv1 "github.com/eim-byoi/eim/api/gen/resources/os/v1"
	schedulev1 "github.com/eim-byoi/eim/api/gen/resources/schedule/v1"
	statusv1 "github.com/eim-byoi/eim/api/gen/resources/status/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/test/testenv"
)

// Kinds used by the suite.
const (
	kindRegion = inventoryv1.ResourceKind_RESOURCE_KIND_REGION
	kindSite   = inventoryv1.ResourceKind_RESOURCE_KIND_SITE
	kindHost   = inventoryv1.ResourceKind_RESOURCE_KIND_HOST
	kindInst   = inventoryv1.ResourceKind_RESOURCE_KIND_INSTANCE
)

// bed is one backend and transport under test: a client, and the database's change events.
type bed struct {
	client inventory.Client
}

// suite lists the client test suite: every case runs on every database and both transports.
// Each case uses tenants of its own, so the cases share one database.
func suite() map[string]func(t *testing.T, b *bed) {
	return map[string]func(t *testing.T, b *bed){
		"CreateGetAndIDs":         testCreateGet,
		"References":              testReferences,
		"Filters":                 testFilters,
		"FilterErrors":            testFilterErrors,
		"OrderAndPages":           testOrderAndPages,
		"UpdateMasks":             testUpdateMasks,
		"ConcurrentUpdates":       testConcurrentUpdates,
		"DeleteRules":             testDeleteRules,
		"BadInputWritesNothing":   testBadInput,
		"TenantIsolation":         testTenantIsolation,
		"UniqueKeysAndFind":       testUniqueKeys,
		"KeysFollowUpdates":       testKeysFollowUpdates,
		"BatchedUpdates":          testBatchedUpdates,
		"ChangeLog":               testChangeLog,
		"HostsSummary":            testHostsSummary,
		"InheritedMetadataTotals": testInherited,
		"Projects":                testProjects,
		"KindChecks":              testKindChecks,
		"FindAcrossTenants":       testFindAcrossTenants,
		"GlobalKeys":              testGlobalKeys,
		"GlobalKeysConcurrent":    testGlobalKeysConcurrent,
		"FindResources":           testFindResources,
		"FindResourcesErrors":     testFindResourcesErrors,
	}
}

func runSuite(t *testing.T, b *bed) {
	for name, tc := range suite() {
		t.Run(name, func(t *testing.T) { tc(t, b) })
	}
}

// tenant returns a tenant id of the test's own.
func tenant(t *testing.T) string { return testenv.Unique(t, "tenant") }

func region(name string) *inventoryv1.Resource {
	return &inventoryv1.Resource{Resource: &inventoryv1.Resource_Region{Region: &locationv1.RegionResource{Name: name}}}
}

func site(name, regionID string) *inventoryv1.Resource {
	return &inventoryv1.Resource{Resource: &inventoryv1.Resource_Site{Site: &locationv1.SiteResource{Name: name, RegionId: regionID}}}
}

func host(h *computev1.HostResource) *inventoryv1.Resource {
	return &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: h}}
}

func instance(i *computev1.InstanceResource) *inventoryv1.Resource {
	return &inventoryv1.Resource{Resource: &inventoryv1.Resource_Instance{Instance: i}}
}

func opsys(name string) *inventoryv1.Resource {
	return &inventoryv1.Resource{Resource: &inventoryv1.Resource_Os{Os: &osv1.OperatingSystemResource{Name: name}}}
}

func create(t *testing.T, b *bed, tenant string, r *inventoryv1.Resource) *inventoryv1.Stored {
	t.Helper()
	resp, err := b.client.CreateResource(context.Background(), &inventoryv1.CreateResourceRequest{TenantId: tenant, Resource: r})
	require.NoError(t, err)
	return resp.GetStored()
}

func get(b *bed, tenant, id string) (*inventoryv1.Stored, error) {
	resp, err := b.client.GetResource(context.Background(), &inventoryv1.GetResourceRequest{TenantId: tenant, ResourceId: id})
	return resp.GetStored(), err
}

func list(t *testing.T, b *bed, req *inventoryv1.ListResourcesRequest) *inventoryv1.ListResourcesResponse {
	t.Helper()
	resp, err := b.client.ListResources(context.Background(), req)
	require.NoError(t, err, "filter %q", req.GetFilter())
	return resp
}

// names lists the names of the hosts (or sites) of a page.
func names(resp *inventoryv1.ListResourcesResponse) []string {
	var out []string
	for _, s := range resp.GetResources() {
		switch r := s.GetResource().GetResource().(type) {
		case *inventoryv1.Resource_Host:
			out = append(out, r.Host.GetName())
		case *inventoryv1.Resource_Site:
			out = append(out, r.Site.GetName())
		case *inventoryv1.Resource_Region:
			out = append(out, r.Region.GetName())
		}
	}
	return out
}

func code(err error) provider.Code { return provider.CodeOf(err) }

func testCreateGet(t *testing.T, b *bed) {
	ten := tenant(t)
	r := create(t, b, ten, region("eu-west"))
	reg := r.GetResource().GetRegion()
	assert.Regexp(t, `^region-[0-9a-f]{8}$`, reg.GetResourceId(), "the legacy id format")
	assert.Equal(t, reg.GetResourceId(), reg.GetRegionID(), "the deprecated alias repeats the id")
	assert.Equal(t, "eu-west", reg.GetName())
	assert.NotNil(t, reg.GetTimestamps().GetCreatedAt())
	assert.Positive(t, r.GetRevision())

	got, err := get(b, ten, reg.GetResourceId())
	require.NoError(t, err)
	assert.Equal(t, reg.GetName(), got.GetResource().GetRegion().GetName())
	assert.Equal(t, r.GetRevision(), got.GetRevision())

	_, err = get(b, ten, "region-00000000")
	assert.Equal(t, provider.NotFound, code(err))
	_, err = b.client.CreateResource(context.Background(), &inventoryv1.CreateResourceRequest{TenantId: ten, Resource: &inventoryv1.Resource{}})
	assert.Equal(t, provider.InvalidArgument, code(err))
}

func testReferences(t *testing.T, b *bed) {
	ten := tenant(t)
	reg := create(t, b, ten, region("r")).GetResource().GetRegion().GetResourceId()
	st := create(t, b, ten, site("s", reg)).GetResource().GetSite()
	assert.Equal(t, reg, st.GetRegion().GetResourceId(), "the site's region is expanded")
	assert.Equal(t, "r", st.GetRegion().GetName())
	assert.Equal(t, reg, st.GetRegionId())

	os := create(t, b, ten, opsys("ubuntu")).GetResource().GetOs().GetResourceId()
	h := create(t, b, ten, host(&computev1.HostResource{Name: "h", SiteId: st.GetResourceId()})).GetResource().GetHost()
	assert.Equal(t, "r", h.GetSite().GetRegion().GetName(), "two levels: the host's site and its region")
	in := create(t, b, ten, instance(&computev1.InstanceResource{Name: "i", HostID: h.GetResourceId(), OsID: os})).GetResource().GetInstance()
	assert.Regexp(t, `^inst-[0-9a-f]{8}$`, in.GetResourceId())
	assert.Equal(t, "ubuntu", in.GetOs().GetName())

	got, err := get(b, ten, h.GetResourceId())
	require.NoError(t, err)
	assert.Equal(t, in.GetResourceId(), got.GetResource().GetHost().GetInstance().GetResourceId(), "a host's instance is filled from the instance's reference")
	assert.Equal(t, "ubuntu", got.GetResource().GetHost().GetInstance().GetOs().GetName())

	_, err = b.client.CreateResource(context.Background(), &inventoryv1.CreateResourceRequest{TenantId: ten, Resource: site("x", "region-00000000")})
	assert.Equal(t, provider.NotFound, code(err))
	assert.ErrorContains(t, err, "site.region_id")
	_, err = b.client.CreateResource(context.Background(), &inventoryv1.CreateResourceRequest{TenantId: ten, Resource: site("x", st.GetResourceId())})
	assert.Equal(t, provider.InvalidArgument, code(err), "a site is not a region")
	_, err = b.client.UpdateResource(context.Background(), &inventoryv1.UpdateResourceRequest{TenantId: ten, ResourceId: reg,
		Resource:  &inventoryv1.Resource{Resource: &inventoryv1.Resource_Region{Region: &locationv1.RegionResource{ParentId: reg}}},
		FieldMask: &fieldmaskpb.FieldMask{Paths: []string{"parent_id"}}})
	assert.Equal(t, provider.InvalidArgument, code(err), "a region cannot be its own parent")
}

// hostBed creates two regions, three sites and hosts in them, for the filter cases.
func hostBed(t *testing.T, b *bed, ten string) (sites []string) {
	eu := create(t, b, ten, region("eu")).GetResource().GetRegion().GetResourceId()
	us := create(t, b, ten, region("us")).GetResource().GetRegion().GetResourceId()
	for _, s := range []struct{ name, region string }{{"paris", eu}, {"berlin", eu}, {"austin", us}} {
		sites = append(sites, create(t, b, ten, site(s.name, s.region)).GetResource().GetSite().GetResourceId())
	}
	hosts := []*computev1.HostResource{
		{Name: "edge-1", SiteId: sites[0], CurrentState: computev1.HostState_HOST_STATE_ONBOARDED, CpuCores: 4, SerialNumber: "SN-AAA"},
		{Name: "edge-2", SiteId: sites[0], CurrentState: computev1.HostState_HOST_STATE_REGISTERED, CpuCores: 8},
		{Name: "edge-3", SiteId: sites[1], CurrentState: computev1.HostState_HOST_STATE_ONBOARDED, CpuCores: 16,
			HostStatusIndicator: statusv1.StatusIndication_STATUS_INDICATION_ERROR},
		{Name: "gw-1", SiteId: sites[2], CurrentState: computev1.HostState_HOST_STATE_ONBOARDED, CpuCores: 2},
		{Name: "loose", CpuCores: 1},
	}
	for _, h := range hosts {
		create(t, b, ten, host(h))
	}
	return sites
}

func testFilters(t *testing.T, b *bed) {
	ten := tenant(t)
	sites := hostBed(t, b, ten)
	os := create(t, b, ten, opsys("emt")).GetResource().GetOs().GetResourceId()
	edge1 := list(t, b, &inventoryv1.ListResourcesRequest{TenantId: ten, Kind: kindHost, Filter: `name="edge-1"`}).GetResources()[0]
	create(t, b, ten, instance(&computev1.InstanceResource{Name: "i1", HostID: edge1.GetResource().GetHost().GetResourceId(), OsID: os,
		CurrentState: computev1.InstanceState_INSTANCE_STATE_RUNNING}))
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{`name="edge-1"`, []string{"edge-1"}},
		{`name = "edge-*"`, []string{"edge-1", "edge-2", "edge-3"}},
		{`name:"DGE"`, []string{"edge-1", "edge-2", "edge-3"}},
		{`currentState=HOST_STATE_ONBOARDED`, []string{"edge-1", "edge-3", "gw-1"}},
		{`current_state = HOST_STATE_ONBOARDED AND cpuCores >= 8`, []string{"edge-3"}},
		{`cpu_cores < 4 OR name = "edge-2"`, []string{"edge-2", "gw-1", "loose"}},
		{`NOT has(site)`, []string{"loose"}},
		{`has(instance)`, []string{"edge-1"}},
		{`currentState=HOST_STATE_ONBOARDED AND NOT has(instance)`, []string{"edge-3", "gw-1"}},
		{`instance.currentState=INSTANCE_STATE_RUNNING`, []string{"edge-1"}},
		{`instance.os.name="emt"`, []string{"edge-1"}},
		{fmt.Sprintf(`site.resourceId="%s"`, sites[0]), []string{"edge-1", "edge-2"}},
		{fmt.Sprintf(`site_id="%s"`, sites[2]), []string{"gw-1"}},
		{`site.name="berlin"`, []string{"edge-3"}},
		{`site.region.name="eu"`, []string{"edge-1", "edge-2", "edge-3"}},
		{`hostStatusIndicator=STATUS_INDICATION_ERROR`, []string{"edge-3"}},
		{`serialNumber != ""`, []string{"edge-1"}},
		{`-has(site)`, []string{"loose"}},
		{`timestamps.createdAt > "2000-01-01T00:00:00Z"`, []string{"edge-1", "edge-2", "edge-3", "gw-1", "loose"}},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			resp := list(t, b, &inventoryv1.ListResourcesRequest{TenantId: ten, Kind: kindHost, Filter: tc.filter, OrderBy: "name"})
			assert.Equal(t, tc.want, names(resp))
			assert.Equal(t, int32(len(tc.want)), resp.GetTotalElements())
		})
	}
}

func testFilterErrors(t *testing.T, b *bed) {
	ten := tenant(t)
	for _, tc := range []struct{ filter, want string }{
		{`nmae="x"`, `field "nmae" does not exist`},
		{`currentState=HOST_STATE_BOGUS`, `takes HostState values`},
		{`cpuCores="many"`, `is a number`},
		{`name=`, `filter`},
		{`site.region.nope=1`, `field "site.region.nope" does not exist`},
		{`hostNics.mac_addr="x"`, `is a list`},
		{`tenant_id="other"`, `field "tenant_id" does not exist`},
		{`inheritedMetadata="x"`, `is computed`},
		{`site = "x"`, `is a message`},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			_, err := b.client.ListResources(context.Background(), &inventoryv1.ListResourcesRequest{TenantId: ten, Kind: kindHost, Filter: tc.filter})
			require.Error(t, err)
			assert.Equal(t, provider.InvalidArgument, code(err))
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := b.client.ListResources(context.Background(), &inventoryv1.ListResourcesRequest{TenantId: ten, Kind: kindHost, Filter: strings.Repeat("a", 1001)})
	assert.Equal(t, provider.InvalidArgument, code(err), "filters over the legacy 1000 characters")
}

func testOrderAndPages(t *testing.T, b *bed) {
	ten := tenant(t)
	hostBed(t, b, ten)
	resp := list(t, b, &inventoryv1.ListResourcesRequest{TenantId: ten, Kind: kindHost, OrderBy: "name desc", PageSize: 2})
	assert.Equal(t, []string{"loose", "gw-1"}, names(resp))
	assert.Equal(t, int32(5), resp.GetTotalElements())
	assert.True(t, resp.GetHasNext())
	resp = list(t, b, &inventoryv1.ListResourcesRequest{TenantId: ten, Kind: kindHost, OrderBy: "name desc", PageSize: 2, Offset: 4})
	assert.Equal(t, []string{"edge-1"}, names(resp))
	assert.False(t, resp.GetHasNext())
	resp = list(t, b, &inventoryv1.ListResourcesRequest{TenantId: ten, Kind: kindHost, Offset: 10})
	assert.Empty(t, resp.GetResources())
	assert.Equal(t, int32(5), resp.GetTotalElements(), "the total is known past the last page")
	resp = list(t, b, &inventoryv1.ListResourcesRequest{TenantId: ten, Kind: kindHost, OrderBy: "cpuCores desc, name"})
	assert.Equal(t, []string{"edge-3", "edge-2", "edge-1", "gw-1", "loose"}, names(resp))
	resp = list(t, b, &inventoryv1.ListResourcesRequest{TenantId: ten, Kind: kindHost, OrderBy: "site.name, name", Filter: "has(site)"})
	assert.Equal(t, []string{"gw-1", "edge-3", "edge-1", "edge-2"}, names(resp), "ordered by the referenced site's name")
	for _, tc := range []struct {
		req  *inventoryv1.ListResourcesRequest
		want string
	}{
		{&inventoryv1.ListResourcesRequest{TenantId: ten, Kind: kindHost, PageSize: 101}, "pageSize"},
		{&inventoryv1.ListResourcesRequest{TenantId: ten, Kind: kindHost, Offset: 10001}, "offset"},
		{&inventoryv1.ListResourcesRequest{TenantId: ten, Kind: kindHost, OrderBy: "nmae"}, `field "nmae"`},
		{&inventoryv1.ListResourcesRequest{TenantId: ten, Kind: kindHost, OrderBy: "name sideways"}, "sideways"},
		{&inventoryv1.ListResourcesRequest{TenantId: ten}, "kind"},
	} {
		_, err := b.client.ListResources(context.Background(), tc.req)
		assert.Equal(t, provider.InvalidArgument, code(err), "%v", tc.req)
		assert.ErrorContains(t, err, tc.want)
	}
}

func patchHost(b *bed, ten, id string, h *computev1.HostResource, expected int64, paths ...string) (*inventoryv1.Stored, error) {
	resp, err := b.client.UpdateResource(context.Background(), &inventoryv1.UpdateResourceRequest{TenantId: ten, ResourceId: id,
		Resource: host(h), FieldMask: &fieldmaskpb.FieldMask{Paths: paths}, ExpectedRevision: expected})
	return resp.GetStored(), err
}

func testUpdateMasks(t *testing.T, b *bed) {
	ten := tenant(t)
	st := create(t, b, ten, host(&computev1.HostResource{Name: "h", Note: "keep", CpuCores: 4}))
	id := st.GetResource().GetHost().GetResourceId()

	up, err := patchHost(b, ten, id, &computev1.HostResource{Name: "renamed", CpuCores: 99}, 0, "name")
	require.NoError(t, err)
	assert.Equal(t, "renamed", up.GetResource().GetHost().GetName())
	assert.Equal(t, uint32(4), up.GetResource().GetHost().GetCpuCores(), "a PATCH merges: fields outside the mask stay")
	assert.Equal(t, "keep", up.GetResource().GetHost().GetNote())
	assert.Greater(t, up.GetRevision(), st.GetRevision())

	up, err = patchHost(b, ten, id, &computev1.HostResource{Name: "replaced"}, 0)
	require.NoError(t, err)
	assert.Equal(t, "replaced", up.GetResource().GetHost().GetName())
	assert.Zero(t, up.GetResource().GetHost().GetCpuCores(), "an empty mask replaces every field (a PUT)")
	assert.Empty(t, up.GetResource().GetHost().GetNote())

	_, err = patchHost(b, ten, id, &computev1.HostResource{}, 0, "nmae")
	assert.Equal(t, provider.InvalidArgument, code(err))
	assert.ErrorContains(t, err, `"nmae"`)
	_, err = patchHost(b, ten, id, &computev1.HostResource{}, 0, "inherited_metadata")
	assert.Equal(t, provider.InvalidArgument, code(err), "computed fields cannot be written")
	_, err = patchHost(b, ten, id, &computev1.HostResource{Name: "stale"}, st.GetRevision(), "name")
	assert.Equal(t, provider.Aborted, code(err), "a stale expected revision is refused")
	_, err = b.client.UpdateResource(context.Background(), &inventoryv1.UpdateResourceRequest{TenantId: ten, ResourceId: id, Resource: region("x")})
	assert.Equal(t, provider.NotFound, code(err), "an update names the kind: no region has the host's id")
}

// testConcurrentUpdates: 50 writers each add one metadata item to the same host by
// read-modify-write with the revision as precondition, retrying on Aborted: every item lands,
// and the conflicts are reported, never silently lost.
func testConcurrentUpdates(t *testing.T, b *bed) {
	ten := tenant(t)
	id := create(t, b, ten, host(&computev1.HostResource{Name: "hot"})).GetResource().GetHost().GetResourceId()
	const writers = 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	conflicts := 0
	for i := range writers {
		wg.Go(func() {
			for {
				cur, err := get(b, ten, id)
				if !assert.NoError(t, err) {
					return
				}
				h := cur.GetResource().GetHost()
				md := append(h.GetMetadata(), &commonv1.MetadataItem{Key: fmt.Sprintf("k%02d", i), Value: "v"})
				_, err = patchHost(b, ten, id, &computev1.HostResource{Metadata: md}, cur.GetRevision(), "metadata")
				if code(err) == provider.Aborted {
					mu.Lock()
					conflicts++
					mu.Unlock()
					continue
				}
				assert.NoError(t, err)
				return
			}
		})
	}
	wg.Wait()
	got, err := get(b, ten, id)
	require.NoError(t, err)
	assert.Len(t, got.GetResource().GetHost().GetMetadata(), writers, "no update is lost")
	t.Logf("%d writers, %d conflicts reported as Aborted", writers, conflicts)
}

func testDeleteRules(t *testing.T, b *bed) {
	ctx := context.Background()
	ten := tenant(t)
	parent := create(t, b, ten, region("parent")).GetResource().GetRegion().GetResourceId()
	child := create(t, b, ten, &inventoryv1.Resource{Resource: &inventoryv1.Resource_Region{Region: &locationv1.RegionResource{Name: "child", ParentId: parent}}})
	st := create(t, b, ten, site("s", child.GetResource().GetRegion().GetResourceId())).GetResource().GetSite().GetResourceId()
	h := create(t, b, ten, host(&computev1.HostResource{Name: "h", SiteId: st})).GetResource().GetHost().GetResourceId()
	os := create(t, b, ten, opsys("os")).GetResource().GetOs().GetResourceId()
	in := create(t, b, ten, instance(&computev1.InstanceResource{Name: "i", HostID: h, OsID: os})).GetResource().GetInstance().GetResourceId()
	sched := create(t, b, ten, &inventoryv1.Resource{Resource: &inventoryv1.Resource_SingleSchedule{SingleSchedule: &schedulev1.SingleScheduleResource{
		Name: "maint", TargetHostId: h, StartSeconds: 2000000000}}}).GetResource().GetSingleSchedule().GetResourceId()

	del := func(id string) (*inventoryv1.DeleteResourceResponse, error) {
		return b.client.DeleteResource(ctx, &inventoryv1.DeleteResourceRequest{TenantId: ten, ResourceId: id})
	}
	for _, tc := range []struct{ id, by string }{{parent, "region"}, {st, h}, {os, in}} {
		_, err := del(tc.id)
		assert.Equal(t, provider.FailedPrecondition, code(err), "%s is in use", tc.id)
		assert.ErrorContains(t, err, "in use by")
	}
	resp, err := del(h)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{in, sched}, resp.GetCascaded(), "a host takes its instance and its schedules along")
	for _, id := range []string{h, in, sched} {
		_, err := get(b, ten, id)
		assert.Equal(t, provider.NotFound, code(err))
	}
	_, err = del(st)
	assert.NoError(t, err, "the site is free once its host is gone")
	_, err = del(h)
	assert.Equal(t, provider.NotFound, code(err))
}

func testBadInput(t *testing.T, b *bed) {
	ctx := context.Background()
	ten := tenant(t)
	id := create(t, b, ten, host(&computev1.HostResource{Name: "ok"})).GetResource().GetHost().GetResourceId()
	before, _, err := changes(b, ten, 0)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		res  *inventoryv1.Resource
		want string
	}{
		{"name over the legacy limit", host(&computev1.HostResource{Name: strings.Repeat("n", 51)}), "host.name"},
		{"name with characters the legacy pattern refuses", region("bad\nname"), "region.name"},
		{"site latitude out of range", &inventoryv1.Resource{Resource: &inventoryv1.Resource_Site{Site: &locationv1.SiteResource{Name: "s", SiteLat: 1000000000}}}, "site.site_lat"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.client.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: ten, Resource: tc.res})
			assert.Equal(t, provider.InvalidArgument, code(err))
			assert.ErrorContains(t, err, tc.want)
		})
	}
	_, err = patchHost(b, ten, id, &computev1.HostResource{Name: strings.Repeat("n", 51)}, 0, "name")
	assert.Equal(t, provider.InvalidArgument, code(err))
	after, _, err := changes(b, ten, 0)
	require.NoError(t, err)
	assert.Equal(t, before, after, "nothing was written")
	got, err := get(b, ten, id)
	require.NoError(t, err)
	assert.Equal(t, "ok", got.GetResource().GetHost().GetName())
	_, err = b.client.CreateResource(ctx, &inventoryv1.CreateResourceRequest{Resource: region("r")})
	assert.Equal(t, provider.InvalidArgument, code(err), "a tenant is required")
}

func testTenantIsolation(t *testing.T, b *bed) {
	ctx := context.Background()
	a, other := tenant(t), testenv.Unique(t, "other")
	sites := hostBed(t, b, a)
	hosts := list(t, b, &inventoryv1.ListResourcesRequest{TenantId: a, Kind: kindHost})
	require.NotEmpty(t, hosts.GetResources())
	id := hosts.GetResources()[0].GetResource().GetHost().GetResourceId()

	_, err := get(b, other, id)
	assert.Equal(t, provider.NotFound, code(err), "another tenant's resource does not exist for this one")
	assert.Empty(t, list(t, b, &inventoryv1.ListResourcesRequest{TenantId: other, Kind: kindHost}).GetResources())
	_, err = patchHost(b, other, id, &computev1.HostResource{Name: "stolen"}, 0, "name")
	assert.Equal(t, provider.NotFound, code(err))
	_, err = b.client.DeleteResource(ctx, &inventoryv1.DeleteResourceRequest{TenantId: other, ResourceId: id})
	assert.Equal(t, provider.NotFound, code(err))
	_, err = b.client.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: other, Resource: host(&computev1.HostResource{Name: "x", SiteId: sites[0]})})
	assert.Equal(t, provider.NotFound, code(err), "a reference to another tenant's site")
	_, err = b.client.ListResources(ctx, &inventoryv1.ListResourcesRequest{TenantId: other, Kind: kindHost, Filter: fmt.Sprintf(`tenant_id=%q`, a)})
	assert.Equal(t, provider.InvalidArgument, code(err), "the tenant is not a field")
	sum, err := b.client.GetHostsSummary(ctx, &inventoryv1.GetHostsSummaryRequest{TenantId: other})
	require.NoError(t, err)
	assert.Zero(t, sum.GetTotal())
	ch, _, err := changes(b, other, 0)
	require.NoError(t, err)
	assert.Empty(t, ch, "no change of tenant A is visible to B")
	got, err := get(b, a, id)
	require.NoError(t, err)
	assert.NotEqual(t, "stolen", got.GetResource().GetHost().GetName())
}

func testUniqueKeys(t *testing.T, b *bed) {
	ctx := context.Background()
	ten, other := tenant(t), testenv.Unique(t, "other")
	devUUID := uuid.NewString()
	id := create(t, b, ten, host(&computev1.HostResource{Name: "a", Uuid: devUUID})).GetResource().GetHost().GetResourceId()
	_, err := b.client.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: ten, Resource: host(&computev1.HostResource{Name: "b", Uuid: devUUID})})
	assert.Equal(t, provider.AlreadyExists, code(err))
	assert.ErrorContains(t, err, "host.uuid: a host with uuid")
	_, err = b.client.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: other, Resource: host(&computev1.HostResource{Name: "b", Uuid: devUUID})})
	assert.Equal(t, provider.AlreadyExists, code(err), "a host uuid is unique across tenants (see GlobalKeys)")
	found, err := b.client.FindResource(ctx, &inventoryv1.FindResourceRequest{TenantId: ten, Kind: kindHost, Key: "uuid", Value: devUUID})
	require.NoError(t, err)
	assert.Equal(t, id, found.GetStored().GetResource().GetHost().GetResourceId())
	_, err = b.client.FindResource(ctx, &inventoryv1.FindResourceRequest{TenantId: ten, Kind: kindHost, Key: "name", Value: "a"})
	assert.Equal(t, provider.InvalidArgument, code(err))
	_, err = b.client.FindResource(ctx, &inventoryv1.FindResourceRequest{TenantId: ten, Kind: kindHost, Key: "uuid", Value: "nope"})
	assert.Equal(t, provider.NotFound, code(err))
}

// testKeysFollowUpdates: an update that changes no key (a status) keeps the host findable by
// its key, one that changes the key moves it, and every write answers the revision stored and
// logged.
func testKeysFollowUpdates(t *testing.T, b *bed) {
	ctx := context.Background()
	ten := tenant(t)
	devUUID, devUUID2 := uuid.NewString(), uuid.NewString()
	id := create(t, b, ten, host(&computev1.HostResource{Name: "a", Uuid: devUUID})).GetResource().GetHost().GetResourceId()
	update := func(h *computev1.HostResource, paths ...string) int64 {
		t.Helper()
		got, err := b.client.UpdateResource(ctx, &inventoryv1.UpdateResourceRequest{TenantId: ten, ResourceId: id, Resource: host(h),
			FieldMask: &fieldmaskpb.FieldMask{Paths: paths}})
		require.NoError(t, err)
		stored, err := b.client.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: ten, ResourceId: id})
		require.NoError(t, err)
		assert.Equal(t, stored.GetStored().GetRevision(), got.GetStored().GetRevision(), "the answer's revision is the stored one")
		_, cur, err := changes(b, ten, 0)
		require.NoError(t, err)
		assert.Equal(t, cur, got.GetStored().GetRevision(), "the write is the tenant's last change")
		return got.GetStored().GetRevision()
	}
	find := func(v string) (string, error) {
		found, err := b.client.FindResource(ctx, &inventoryv1.FindResourceRequest{TenantId: ten, Kind: kindHost, Key: "uuid", Value: v})
		return found.GetStored().GetResource().GetHost().GetResourceId(), err
	}
	r1 := update(&computev1.HostResource{HostStatus: "Running"}, "host_status")
	got, err := find(devUUID)
	require.NoError(t, err, "a status update keeps the key")
	assert.Equal(t, id, got)
	r2 := update(&computev1.HostResource{Uuid: devUUID2}, "uuid")
	assert.Greater(t, r2, r1)
	_, err = find(devUUID)
	assert.Equal(t, provider.NotFound, code(err), "the old key is gone")
	got, err = find(devUUID2)
	require.NoError(t, err)
	assert.Equal(t, id, got)
}

// testBatchedUpdates: UpdateResources applies its updates in one transaction with consecutive
// revisions, logged in order (a resource updated twice keeps the later revision), and a batch
// with one failing update writes nothing.
func testBatchedUpdates(t *testing.T, b *bed) {
	ctx := context.Background()
	ten := tenant(t)
	a := create(t, b, ten, host(&computev1.HostResource{Name: "a"})).GetResource().GetHost().GetResourceId()
	c := create(t, b, ten, host(&computev1.HostResource{Name: "c"})).GetResource().GetHost().GetResourceId()
	_, mark, err := changes(b, ten, 0)
	require.NoError(t, err)
	status := func(id, st string) *inventoryv1.UpdateResourceRequest {
		return &inventoryv1.UpdateResourceRequest{ResourceId: id, Resource: host(&computev1.HostResource{HostStatus: st}),
			FieldMask: &fieldmaskpb.FieldMask{Paths: []string{"host_status"}}}
	}
	resp, err := b.client.UpdateResources(ctx, &inventoryv1.UpdateResourcesRequest{TenantId: ten,
		Updates: []*inventoryv1.UpdateResourceRequest{status(a, "Booting"), status(c, "Running"), status(a, "Running")}})
	require.NoError(t, err)
	require.Len(t, resp.GetStored(), 3)
	var revs []int64
	for _, st := range resp.GetStored() {
		revs = append(revs, st.GetRevision())
	}
	assert.Equal(t, []int64{mark + 1, mark + 2, mark + 3}, revs, "consecutive revisions, in order")
	assert.Equal(t, "Booting", resp.GetStored()[0].GetResource().GetHost().GetHostStatus())
	ch, cur, err := changes(b, ten, mark)
	require.NoError(t, err)
	require.Len(t, ch, 3)
	assert.Equal(t, mark+3, cur)
	for i, id := range []string{a, c, a} {
		assert.Equal(t, id, ch[i].GetResourceId())
		assert.Equal(t, mark+int64(i)+1, ch[i].GetRevision())
	}
	for id, want := range map[string]int64{a: mark + 3, c: mark + 2} {
		got, err := b.client.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: ten, ResourceId: id})
		require.NoError(t, err)
		assert.Equal(t, want, got.GetStored().GetRevision(), "a resource keeps the revision of its last update")
		assert.Equal(t, "Running", got.GetStored().GetResource().GetHost().GetHostStatus())
	}

	_, err = b.client.UpdateResources(ctx, &inventoryv1.UpdateResourcesRequest{TenantId: ten,
		Updates: []*inventoryv1.UpdateResourceRequest{status(a, "Error"), status("host-0000000f", "Error")}})
	assert.Equal(t, provider.NotFound, code(err))
	got, err := b.client.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: ten, ResourceId: a})
	require.NoError(t, err)
	assert.Equal(t, "Running", got.GetStored().GetResource().GetHost().GetHostStatus(), "a failed batch writes nothing")
	_, cur2, err := changes(b, ten, 0)
	require.NoError(t, err)
	assert.Equal(t, cur, cur2, "a failed batch logs nothing")

	// revision_only answers the revision alone, in a batch or not; the write is made all the same.
	only := status(a, "Booting")
	only.RevisionOnly = true
	resp, err = b.client.UpdateResources(ctx, &inventoryv1.UpdateResourcesRequest{TenantId: ten, Updates: []*inventoryv1.UpdateResourceRequest{only}})
	require.NoError(t, err)
	assert.Equal(t, cur+1, resp.GetStored()[0].GetRevision())
	assert.Nil(t, resp.GetStored()[0].GetResource(), "no resource read back")
	only.TenantId, only.Resource = ten, host(&computev1.HostResource{HostStatus: "Running"})
	single, err := b.client.UpdateResource(ctx, only)
	require.NoError(t, err)
	assert.Equal(t, cur+2, single.GetStored().GetRevision())
	assert.Nil(t, single.GetStored().GetResource())
	got, err = b.client.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: ten, ResourceId: a})
	require.NoError(t, err)
	assert.Equal(t, cur+2, got.GetStored().GetRevision())
	assert.Equal(t, "Running", got.GetStored().GetResource().GetHost().GetHostStatus())

	other := status(a, "Error")
	other.TenantId = tenant(t)
	_, err = b.client.UpdateResources(ctx, &inventoryv1.UpdateResourcesRequest{TenantId: ten, Updates: []*inventoryv1.UpdateResourceRequest{other}})
	assert.Equal(t, provider.InvalidArgument, code(err))
	_, err = b.client.UpdateResources(ctx, &inventoryv1.UpdateResourcesRequest{TenantId: ten})
	assert.Equal(t, provider.InvalidArgument, code(err))
}

func changes(b *bed, ten string, after int64) ([]*inventoryv1.Change, int64, error) {
	resp, err := b.client.ListChanges(context.Background(), &inventoryv1.ListChangesRequest{TenantId: ten, AfterRevision: after})
	return resp.GetChanges(), resp.GetCurrentRevision(), err
}

func testChangeLog(t *testing.T, b *bed) {
	ten := tenant(t)
	reg := create(t, b, ten, region("r"))
	_, mark, err := changes(b, ten, 0)
	require.NoError(t, err)
	id := reg.GetResource().GetRegion().GetResourceId()
	_, err = b.client.UpdateResource(context.Background(), &inventoryv1.UpdateResourceRequest{TenantId: ten, ResourceId: id, Resource: region("r2"),
		FieldMask: &fieldmaskpb.FieldMask{Paths: []string{"name"}}})
	require.NoError(t, err)
	_, err = b.client.DeleteResource(context.Background(), &inventoryv1.DeleteResourceRequest{TenantId: ten, ResourceId: id})
	require.NoError(t, err)
	ch, cur, err := changes(b, ten, mark)
	require.NoError(t, err)
	require.Len(t, ch, 2, "resuming after a revision returns what followed it")
	assert.Equal(t, inventoryv1.Operation_OPERATION_UPDATED, ch[0].GetOperation())
	assert.Equal(t, inventoryv1.Operation_OPERATION_DELETED, ch[1].GetOperation())
	assert.Equal(t, []int64{mark + 1, mark + 2}, []int64{ch[0].GetRevision(), ch[1].GetRevision()}, "no gaps")
	assert.Equal(t, cur, ch[1].GetRevision())
	for _, c := range ch {
		assert.Equal(t, ten, c.GetTenantId())
		assert.Equal(t, id, c.GetResourceId())
		assert.Equal(t, kindRegion, c.GetKind())
	}
}

func testHostsSummary(t *testing.T, b *bed) {
	ten := tenant(t)
	hostBed(t, b, ten)
	os := create(t, b, ten, opsys("emt")).GetResource().GetOs().GetResourceId()
	gw := list(t, b, &inventoryv1.ListResourcesRequest{TenantId: ten, Kind: kindHost, Filter: `name="gw-1"`}).GetResources()[0]
	create(t, b, ten, instance(&computev1.InstanceResource{Name: "i", HostID: gw.GetResource().GetHost().GetResourceId(), OsID: os,
		CurrentState: computev1.InstanceState_INSTANCE_STATE_RUNNING}))
	sum, err := b.client.GetHostsSummary(context.Background(), &inventoryv1.GetHostsSummaryRequest{TenantId: ten})
	require.NoError(t, err)
	assert.Equal(t, [4]uint32{5, 1, 1, 1}, counts(sum), "total, error, running, unallocated")
	sum, err = b.client.GetHostsSummary(context.Background(), &inventoryv1.GetHostsSummaryRequest{TenantId: ten, Filter: `site.region.name="eu"`})
	require.NoError(t, err)
	assert.Equal(t, [4]uint32{3, 1, 0, 0}, counts(sum), "total, error, running, unallocated")
}

func counts(s *inventoryv1.GetHostsSummaryResponse) [4]uint32 {
	return [4]uint32{s.GetTotal(), s.GetError(), s.GetRunning(), s.GetUnallocated()}
}

func testInherited(t *testing.T, b *bed) {
	ten := tenant(t)
	md := func(kv ...string) []*commonv1.MetadataItem {
		var out []*commonv1.MetadataItem
		for i := 0; i < len(kv); i += 2 {
			out = append(out, &commonv1.MetadataItem{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	top := create(t, b, ten, &inventoryv1.Resource{Resource: &inventoryv1.Resource_Region{Region: &locationv1.RegionResource{Name: "top", Metadata: md("geo", "eu", "tier", "1")}}})
	sub := create(t, b, ten, &inventoryv1.Resource{Resource: &inventoryv1.Resource_Region{Region: &locationv1.RegionResource{Name: "sub",
		ParentId: top.GetResource().GetRegion().GetResourceId(), Metadata: md("tier", "2")}}}).GetResource().GetRegion().GetResourceId()
	st := create(t, b, ten, &inventoryv1.Resource{Resource: &inventoryv1.Resource_Site{Site: &locationv1.SiteResource{Name: "s", RegionId: sub, Metadata: md("rack", "7")}}})
	h := create(t, b, ten, host(&computev1.HostResource{Name: "h", SiteId: st.GetResource().GetSite().GetResourceId()})).GetResource().GetHost()
	got, err := get(b, ten, h.GetResourceId())
	require.NoError(t, err)
	assert.Equal(t, []string{"rack=7", "tier=2", "geo=eu"}, pairs(got.GetResource().GetHost().GetInheritedMetadata()), "closest ancestor wins, each key once")
	r, err := get(b, ten, sub)
	require.NoError(t, err)
	assert.Equal(t, int32(1), r.GetResource().GetRegion().GetTotalSites())
	assert.Equal(t, []string{"geo=eu"}, pairs(r.GetResource().GetRegion().GetInheritedMetadata()), "a key the region sets itself is not inherited")
}

func pairs(items []*commonv1.MetadataItem) []string {
	out := []string{}
	for _, i := range items {
		out = append(out, i.GetKey()+"="+i.GetValue())
	}
	return out
}
