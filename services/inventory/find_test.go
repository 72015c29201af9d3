package inventory_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/testenv"
)

// testFindAcrossTenants: FindResource without a tenant searches every project and says which
// one holds the resource (a value several projects share is TestGlobalKeysBackfill's).
func testFindAcrossTenants(t *testing.T, b *bed) {
	ctx := context.Background()
	project := func(name string) string {
		p, err := b.client.CreateProject(ctx, &inventoryv1.CreateProjectRequest{Name: testenv.Unique(t, name)})
		require.NoError(t, err)
		return p.GetProject().GetId()
	}
	first, second := project("fa"), project("fb")
	only, other := uuid.NewString(), uuid.NewString()
	id := create(t, b, second, host(&computev1.HostResource{Name: "only", Uuid: only})).GetResource().GetHost().GetResourceId()
	create(t, b, first, host(&computev1.HostResource{Name: "t1", Uuid: other}))

	tests := []struct {
		name, value string
		code        provider.Code
		tenant, id  string
	}{
		{name: "in one project", value: only, tenant: second, id: id},
		{name: "in none", value: uuid.NewString(), code: provider.NotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := b.client.FindResource(ctx, &inventoryv1.FindResourceRequest{Kind: kindHost, Key: "uuid", Value: tc.value})
			require.Equal(t, tc.code, code(err), "%v", err)
			assert.Equal(t, tc.tenant, got.GetTenantId())
			assert.Equal(t, tc.id, got.GetStored().GetResource().GetHost().GetResourceId())
		})
	}
	scoped, err := b.client.FindResource(ctx, &inventoryv1.FindResourceRequest{TenantId: first, Kind: kindHost, Key: "uuid", Value: other})
	require.NoError(t, err)
	assert.Equal(t, first, scoped.GetTenantId(), "a scoped find names its tenant too")
	_, err = b.client.FindResource(ctx, &inventoryv1.FindResourceRequest{TenantId: first, Kind: kindHost, Key: "uuid", Value: only})
	assert.Equal(t, provider.NotFound, code(err), "a scoped find looks in its tenant only")
}
