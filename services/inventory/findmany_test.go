package inventory_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/testenv"
)

// testFindResources: FindResources answers every value as FindResource in the same tenant does
// (the resource expanded the same way, or not found), in the order of the values, repeats
// included; another tenant's host is never found, whatever the case of its GUID; the values are
// compared as FindResource compares them on this database (an upper-case GUID is found by
// exactly the values FindResource finds it by).
func testFindResources(t *testing.T, b *bed) {
	ctx := context.Background()
	ten, other := tenant(t), testenv.Unique(t, "other")
	reg := create(t, b, ten, region("r")).GetResource().GetRegion().GetResourceId()
	st := create(t, b, ten, site("s", reg)).GetResource().GetSite().GetResourceId()
	os := create(t, b, ten, opsys("ubuntu")).GetResource().GetOs().GetResourceId()
	withInst, plain, upper := uuid.NewString(), uuid.NewString(), strings.ToUpper(uuid.NewString())
	h := create(t, b, ten, host(&computev1.HostResource{Name: "a", Uuid: withInst, SiteId: st})).GetResource().GetHost().GetResourceId()
	create(t, b, ten, instance(&computev1.InstanceResource{Name: "i", HostID: h, OsID: os}))
	create(t, b, ten, host(&computev1.HostResource{Name: "b", Uuid: plain}))
	create(t, b, ten, host(&computev1.HostResource{Name: "c", Uuid: upper}))
	elsewhere := uuid.NewString()
	create(t, b, other, host(&computev1.HostResource{Name: "x", Uuid: elsewhere}))

	values := []string{plain, "nope", elsewhere, strings.ToUpper(elsewhere), withInst, upper, strings.ToLower(upper), plain, ""}
	got, err := b.client.FindResources(ctx, &inventoryv1.FindResourcesRequest{TenantId: ten, Kind: kindHost, Key: "uuid", Values: values})
	require.NoError(t, err)
	require.Len(t, got.GetStored(), len(values))
	for i, v := range values {
		one, err := b.client.FindResource(ctx, &inventoryv1.FindResourceRequest{TenantId: ten, Kind: kindHost, Key: "uuid", Value: v})
		if code(err) == provider.NotFound {
			assert.Nil(t, got.GetStored()[i].GetResource(), "value %d (%q): not found, as FindResource", i, v)
			continue
		}
		require.NoError(t, err)
		assert.True(t, proto.Equal(one.GetStored(), got.GetStored()[i]), "value %d (%q): FindResource's answer\n%v\n%v", i, v, one.GetStored(), got.GetStored()[i])
	}
	assert.Nil(t, got.GetStored()[2].GetResource(), "another tenant's host is not found")
	assert.Nil(t, got.GetStored()[3].GetResource(), "another tenant's host is not found, in either case")
	assert.Equal(t, "ubuntu", got.GetStored()[4].GetResource().GetHost().GetInstance().GetOs().GetName(), "the host's instance is expanded")
	assert.Equal(t, "r", got.GetStored()[4].GetResource().GetHost().GetSite().GetRegion().GetName(), "the host's site and its region are expanded")
	assert.Equal(t, "b", got.GetStored()[7].GetResource().GetHost().GetName(), "a repeated value is answered again")

	back, err := b.client.FindResources(ctx, &inventoryv1.FindResourcesRequest{TenantId: other, Kind: kindHost, Key: "uuid", Values: []string{withInst, elsewhere}})
	require.NoError(t, err)
	assert.Nil(t, back.GetStored()[0].GetResource(), "tenant A's host is not found from B")
	assert.Equal(t, "x", back.GetStored()[1].GetResource().GetHost().GetName())
}

// testFindResourcesErrors: FindResources refuses what FindResource refuses (no tenant: it never
// searches across tenants; a key that is not unique; a kind that is none), and an empty or too
// long list of values.
func testFindResourcesErrors(t *testing.T, b *bed) {
	ctx := context.Background()
	ten := tenant(t)
	for name, req := range map[string]*inventoryv1.FindResourcesRequest{
		"no tenant":      {Kind: kindHost, Key: "uuid", Values: []string{"a"}},
		"not unique":     {TenantId: ten, Kind: kindHost, Key: "name", Values: []string{"a"}},
		"no kind":        {TenantId: ten, Key: "uuid", Values: []string{"a"}},
		"no values":      {TenantId: ten, Kind: kindHost, Key: "uuid"},
		"too many value": {TenantId: ten, Kind: kindHost, Key: "uuid", Values: make([]string, 1001)},
	} {
		_, err := b.client.FindResources(ctx, req)
		assert.Equal(t, provider.InvalidArgument, code(err), "%s: %v", name, err)
	}
}
