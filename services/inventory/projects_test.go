package inventory_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/test/testenv"
)

func testProjects(t *testing.T, b *bed) {
	ctx := context.Background()
	name := testenv.Unique(t, "p")
	created, err := b.client.CreateProject(ctx, &inventoryv1.CreateProjectRequest{Name: name, Description: "first"})
	require.NoError(t, err)
	p := created.GetProject()
	assert.Equal(t, name, p.GetName())
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, p.GetId())
	assert.Equal(t, "STATUS_INDICATION_IDLE", p.GetStatusIndicator())

	_, err = b.client.CreateProject(ctx, &inventoryv1.CreateProjectRequest{Name: name})
	assert.Equal(t, provider.AlreadyExists, code(err), "%v", err)
	for _, bad := range []string{"", "Upper", "-lead", "trail-", "under_score", string(make([]byte, 64))} {
		_, err = b.client.CreateProject(ctx, &inventoryv1.CreateProjectRequest{Name: bad})
		assert.Equal(t, provider.InvalidArgument, code(err), "name %q: %v", bad, err)
	}
	_, err = b.client.CreateProject(ctx, &inventoryv1.CreateProjectRequest{Name: name + "x", Id: "not-a-uuid"})
	assert.Equal(t, provider.InvalidArgument, code(err), "%v", err)

	byName, err := b.client.GetProject(ctx, &inventoryv1.GetProjectRequest{NameOrId: name})
	require.NoError(t, err)
	byID, err := b.client.GetProject(ctx, &inventoryv1.GetProjectRequest{NameOrId: p.GetId()})
	require.NoError(t, err)
	assert.Equal(t, byName.GetProject().GetId(), byID.GetProject().GetId())

	all, err := b.client.ListProjects(ctx, &inventoryv1.ListProjectsRequest{})
	require.NoError(t, err)
	assert.Contains(t, projectNames(all.GetProjects()), name)

	upd, err := b.client.UpdateProject(ctx, &inventoryv1.UpdateProjectRequest{NameOrId: name,
		Project:   &inventoryv1.Project{Description: "second", StatusMessage: "ignored"},
		FieldMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
	require.NoError(t, err)
	assert.Equal(t, "second", upd.GetProject().GetDescription())
	assert.Empty(t, upd.GetProject().GetStatusMessage(), "a field outside the mask is kept")
	_, err = b.client.UpdateProject(ctx, &inventoryv1.UpdateProjectRequest{NameOrId: name,
		Project: &inventoryv1.Project{Name: "renamed"}, FieldMask: &fieldmaskpb.FieldMask{Paths: []string{"name"}}})
	assert.Equal(t, provider.InvalidArgument, code(err), "%v", err)

	// The project's id is its tenant: deleting the project deletes the tenant's resources.
	create(t, b, p.GetId(), region("r1"))
	create(t, b, p.GetId(), region("r2"))
	del, err := b.client.DeleteProject(ctx, &inventoryv1.DeleteProjectRequest{NameOrId: name})
	require.NoError(t, err)
	assert.EqualValues(t, 2, del.GetResourcesDeleted())
	_, err = b.client.GetProject(ctx, &inventoryv1.GetProjectRequest{NameOrId: name})
	assert.Equal(t, provider.NotFound, code(err), "%v", err)
	left := list(t, b, &inventoryv1.ListResourcesRequest{TenantId: p.GetId(), Kind: kindRegion})
	assert.Zero(t, left.GetTotalElements())
	_, err = b.client.DeleteProject(ctx, &inventoryv1.DeleteProjectRequest{NameOrId: name})
	assert.Equal(t, provider.NotFound, code(err), "%v", err)
}

func projectNames(ps []*inventoryv1.Project) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.GetName())
	}
	return out
}

// testKindChecks: a read, update or delete naming a kind does not reach another kind's resource.
func testKindChecks(t *testing.T, b *bed) {
	ctx := context.Background()
	ten := tenant(t)
	r := create(t, b, ten, region("r"))
	id := r.GetResource().GetRegion().GetResourceId()
	_, err := b.client.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: ten, ResourceId: id, Kind: kindSite})
	assert.Equal(t, provider.NotFound, code(err), "%v", err)
	got, err := b.client.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: ten, ResourceId: id, Kind: kindRegion})
	require.NoError(t, err)
	assert.Equal(t, id, got.GetStored().GetResource().GetRegion().GetResourceId())
	_, err = b.client.UpdateResource(ctx, &inventoryv1.UpdateResourceRequest{TenantId: ten, ResourceId: id, Resource: site("s", "")})
	assert.Equal(t, provider.NotFound, code(err), "%v", err)
	_, err = b.client.DeleteResource(ctx, &inventoryv1.DeleteResourceRequest{TenantId: ten, ResourceId: id, Kind: kindHost})
	assert.Equal(t, provider.NotFound, code(err), "%v", err)
	_, err = b.client.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: ten, ResourceId: id})
	require.NoError(t, err, "the region is still there")
	_, err = b.client.DeleteResource(ctx, &inventoryv1.DeleteResourceRequest{TenantId: ten, ResourceId: id, Kind: kindRegion})
	require.NoError(t, err)
}

// TestDefaultProjectIsCreatedAtStart: with tenancy.defaultProject, starting the module creates
// the project once; starting again (another replica, a restart) keeps it.
func TestDefaultProjectIsCreatedAtStart(t *testing.T) {
	db := openDB(t, "sqlite")
	cfg := config.Default()
	cfg.Tenancy.DefaultProject = "default"
	var ids []string
	for range 2 {
		m, err := inventory.Factory(module.Deps{Set: kinds.Set{Storage: db}, Config: cfg})
		require.NoError(t, err)
		require.NoError(t, m.Start(context.Background()))
		p, err := m.(*inventory.Module).InventoryClient().GetProject(context.Background(), &inventoryv1.GetProjectRequest{NameOrId: "default"})
		require.NoError(t, err)
		ids = append(ids, p.GetProject().GetId())
	}
	assert.Equal(t, ids[0], ids[1], "the project is created once")
}
