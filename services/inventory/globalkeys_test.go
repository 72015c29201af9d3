package inventory_test

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// findAcross looks a host up by uuid in every tenant.
func findAcross(b *bed, value string) (*inventoryv1.FindResourceResponse, error) {
	return b.client.FindResource(context.Background(), &inventoryv1.FindResourceRequest{Kind: kindHost, Key: "uuid", Value: value})
}

// hostID is the id of a stored host.
func hostID(st *inventoryv1.Stored) string { return st.GetResource().GetHost().GetResourceId() }

// testGlobalKeys: a host uuid another tenant holds is refused on create and on update, without
// a word about the tenant or the host holding it; within a tenant the unique-key error is the
// usual one; deleting the host, or moving its uuid, frees the value.
func testGlobalKeys(t *testing.T, b *bed) {
	ctx := context.Background()
	owner, attacker := tenant(t), testenv.Unique(t, "attacker")
	taken := uuid.NewString()
	victim := hostID(create(t, b, owner, host(&computev1.HostResource{Name: "victim-host", Uuid: taken})))
	own := hostID(create(t, b, attacker, host(&computev1.HostResource{Name: "own-host", Uuid: uuid.NewString()})))
	second := hostID(create(t, b, owner, host(&computev1.HostResource{Name: "second", Uuid: uuid.NewString()})))
	elsewhere := fmt.Sprintf(`host.uuid: %q is registered to another host; a host uuid can be registered once across all projects: remove that host first or correct the uuid`, taken)
	here := fmt.Sprintf(`host.uuid: a host with uuid %q already exists`, taken)

	tests := []struct {
		name  string
		write func() error
		want  string
	}{
		{name: "create in another tenant", want: elsewhere, write: func() error {
			_, err := b.client.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: attacker, Resource: host(&computev1.HostResource{Name: "x", Uuid: taken})})
			return err
		}},
		{name: "update to it in another tenant", want: elsewhere, write: func() error {
			_, err := patchHost(b, attacker, own, &computev1.HostResource{Uuid: taken}, 0, "uuid")
			return err
		}},
		{name: "replace with it in another tenant", want: elsewhere, write: func() error {
			_, err := patchHost(b, attacker, own, &computev1.HostResource{Name: "own-host", Uuid: taken}, 0)
			return err
		}},
		{name: "create it in upper case in another tenant", want: strings.ToUpper(taken), write: func() error {
			_, err := b.client.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: attacker, Resource: host(&computev1.HostResource{Name: "x", Uuid: strings.ToUpper(taken)})})
			return err
		}},
		{name: "create in the same tenant", want: here, write: func() error {
			_, err := b.client.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: owner, Resource: host(&computev1.HostResource{Name: "y", Uuid: taken})})
			return err
		}},
		{name: "update to it in the same tenant", want: here, write: func() error {
			_, err := patchHost(b, owner, second, &computev1.HostResource{Uuid: taken}, 0, "uuid")
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.write()
			require.Equal(t, provider.AlreadyExists, code(err), "%v", err)
			msg := err.Error()
			assert.Contains(t, msg, tc.want)
			assert.Contains(t, msg, "host.uuid: ")
			for _, secret := range []string{owner, attacker, victim, "victim-host"} {
				assert.NotContains(t, msg, secret, "the error tells nothing of the holder")
			}
		})
	}
	for _, v := range []string{taken, strings.ToUpper(taken)} {
		found, err := findAcross(b, v)
		require.NoError(t, err)
		assert.Equal(t, owner, found.GetTenantId(), "the holder keeps it")
		assert.Equal(t, victim, hostID(found.GetStored()))
	}
	got, err := get(b, attacker, own)
	require.NoError(t, err)
	assert.NotEqual(t, taken, got.GetResource().GetHost().GetUuid(), "the refused update wrote nothing")

	// Moving the uuid frees the old value; deleting the host frees its value.
	moved := uuid.NewString()
	_, err = patchHost(b, owner, victim, &computev1.HostResource{Uuid: moved}, 0, "uuid")
	require.NoError(t, err)
	_, err = patchHost(b, attacker, own, &computev1.HostResource{Uuid: taken}, 0, "uuid")
	require.NoError(t, err, "the value the owner moved away from is free")
	_, err = b.client.DeleteResource(ctx, &inventoryv1.DeleteResourceRequest{TenantId: owner, ResourceId: victim})
	require.NoError(t, err)
	_, err = findAcross(b, moved)
	assert.Equal(t, provider.NotFound, code(err), "%v", err)
	claimed := hostID(create(t, b, attacker, host(&computev1.HostResource{Name: "now-free", Uuid: moved})))
	found, err := findAcross(b, moved)
	require.NoError(t, err)
	assert.Equal(t, attacker, found.GetTenantId())
	assert.Equal(t, claimed, hostID(found.GetStored()))

	// Clearing a uuid frees it too.
	_, err = patchHost(b, attacker, claimed, &computev1.HostResource{}, 0, "uuid")
	require.NoError(t, err)
	create(t, b, owner, host(&computev1.HostResource{Name: "back", Uuid: moved}))
}

// testGlobalKeysConcurrent: tenants creating the same host uuid at once: exactly one wins, and
// FindResource across tenants names it.
func testGlobalKeysConcurrent(t *testing.T, b *bed) {
	const writers = 4
	for round := range 3 {
		value := uuid.NewString()
		tenants := make([]string, writers)
		for i := range tenants {
			tenants[i] = testenv.Unique(t, fmt.Sprintf("race%d-%d", round, i))
		}
		errs := make([]error, writers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				<-start
				_, errs[i] = b.client.CreateResource(context.Background(), &inventoryv1.CreateResourceRequest{TenantId: tenants[i],
					Resource: host(&computev1.HostResource{Name: "racer", Uuid: value})})
			})
		}
		close(start)
		wg.Wait()
		winner := ""
		for i, err := range errs {
			if err == nil {
				assert.Empty(t, winner, "a second writer won")
				winner = tenants[i]
				continue
			}
			assert.Equal(t, provider.AlreadyExists, code(err), "%v", err)
			assert.ErrorContains(t, err, "registered to another host")
		}
		require.NotEmpty(t, winner, "one writer wins")
		found, err := findAcross(b, value)
		require.NoError(t, err)
		assert.Equal(t, winner, found.GetTenantId())
	}
}

// schemaBefore is the inventory's schema without the migrations from version from on: a
// database of an earlier release.
func schemaBefore(t *testing.T, from string) storage.Schema {
	t.Helper()
	s := inventory.Schema()
	s.Migrations = filteredFS{FS: s.Migrations, drop: from}
	return s
}

// filteredFS hides the migration files whose name starts at or after drop.
type filteredFS struct {
	fs.FS
	drop string
}

// ReadDir lists dir without the hidden files.
func (f filteredFS) ReadDir(dir string) ([]fs.DirEntry, error) {
	all, err := fs.ReadDir(f.FS, dir)
	var out []fs.DirEntry
	for _, e := range all {
		if e.Name() < f.drop {
			out = append(out, e)
		}
	}
	return out, err
}

// projects registers a project of each id.
func projects(t *testing.T, b *bed, ids ...string) {
	t.Helper()
	for _, id := range ids {
		_, err := b.client.CreateProject(context.Background(), &inventoryv1.CreateProjectRequest{Name: testenv.Unique(t, "p"), Id: id})
		require.NoError(t, err)
	}
}

// legacyHost is a host written as a release without the global key index wrote it.
type legacyHost struct {
	tenant, id, uuid string
	created          int64
}

func writeLegacy(t *testing.T, db *storage.DB, hosts []legacyHost) {
	t.Helper()
	for _, h := range hosts {
		err := db.InTenant(context.Background(), h.tenant, func(tx *storage.Tx) error {
			body := fmt.Sprintf(`{"name":%q,"uuid":%q}`, h.id, h.uuid)
			if _, err := tx.ExecContext(context.Background(), db.Dialect().Rebind("INSERT INTO inv_resources (tenant_id, resource_id, kind, name, revision, created_us, updated_us, body)"+
				" VALUES (?, ?, 'host', ?, 1, ?, ?, ?)"), h.tenant, h.id, h.id, h.created, h.created, body); err != nil {
				return err
			}
			_, err := tx.ExecContext(context.Background(), db.Dialect().Rebind("INSERT INTO inv_keys (tenant_id, kind, key_name, key_value, resource_id) VALUES (?, 'host', 'uuid', ?, ?)"),
				h.tenant, h.uuid, h.id)
			return err
		})
		require.NoError(t, err)
	}
}

// TestGlobalKeysBackfill: the migration that adds the global key index fills it from a database
// whose tenants already share host uuids: the first registered keeps each, the others are still
// served and answered FailedPrecondition across tenants until the duplicates are removed.
func TestGlobalKeysBackfill(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.Open(t, dialect, kinds.DatabaseSchemas(schemaBefore(t, "00003"))...)
			t1, t2, t3, t4 := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
			shared, single := uuid.NewString(), uuid.NewString()
			writeLegacy(t, db, []legacyHost{
				{tenant: t2, id: "host-00000002", uuid: shared, created: 200},
				{tenant: t1, id: "host-00000001", uuid: shared, created: 100},
				{tenant: t3, id: "host-00000003", uuid: strings.ToUpper(shared), created: 300},
				{tenant: t1, id: "host-00000004", uuid: single, created: 400},
			})
			require.NoError(t, db.Migrate(ctx, kinds.DatabaseSchemas(inventory.Schema())...), "the fill does not fail on duplicates")
			b := &bed{client: newModule(t, db).InventoryClient()}
			projects(t, b, t1, t2, t3, t4)

			tests := []struct {
				name, value string
				code        provider.Code
				msg         string
				tenant, id  string
			}{
				{name: "a value one tenant held", value: single, tenant: t1, id: "host-00000004"},
				{name: "a value three tenants held", value: shared, code: provider.FailedPrecondition, msg: "name the project (tenant_id), or remove the duplicates"},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					got, err := findAcross(b, tc.value)
					require.Equal(t, tc.code, code(err), "%v", err)
					if tc.msg != "" {
						assert.ErrorContains(t, err, tc.msg)
					}
					assert.Equal(t, tc.tenant, got.GetTenantId())
					assert.Equal(t, tc.id, hostID(got.GetStored()))
				})
			}
			for _, v := range []string{shared, single, strings.ToUpper(single)} {
				_, err := b.client.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: t4, Resource: host(&computev1.HostResource{Name: "new", Uuid: v})})
				assert.Equal(t, provider.AlreadyExists, code(err), "the first holder keeps %s: %v", v, err)
			}

			// A duplicate still takes writes that rewrite its keys (a new site).
			site := create(t, b, t2, site("s", create(t, b, t2, region("r")).GetResource().GetRegion().GetResourceId()))
			_, err := patchHost(b, t2, "host-00000002", &computev1.HostResource{SiteId: site.GetResource().GetSite().GetResourceId()}, 0, "site_id")
			require.NoError(t, err, "a duplicate older than the index keeps its uuid")

			// Once the duplicates are gone the one left is found.
			for _, d := range []legacyHost{{tenant: t2, id: "host-00000002"}, {tenant: t3, id: "host-00000003"}} {
				_, err := b.client.DeleteResource(ctx, &inventoryv1.DeleteResourceRequest{TenantId: d.tenant, ResourceId: d.id})
				require.NoError(t, err)
			}
			got, err := findAcross(b, shared)
			require.NoError(t, err)
			assert.Equal(t, t1, got.GetTenantId())
			assert.Equal(t, "host-00000001", hostID(got.GetStored()))
		})
	}
}

// TestGlobalKeysLoserClaimsAfterTheHolderGoes: when the first holder of a value shared before
// the index is deleted, the remaining duplicate claims the value on its next key write.
func TestGlobalKeysLoserClaimsAfterTheHolderGoes(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t, "sqlite", kinds.DatabaseSchemas(schemaBefore(t, "00003"))...)
	t1, t2, t3 := uuid.NewString(), uuid.NewString(), uuid.NewString()
	shared := uuid.NewString()
	writeLegacy(t, db, []legacyHost{{tenant: t1, id: "host-00000001", uuid: shared, created: 1}, {tenant: t2, id: "host-00000002", uuid: shared, created: 2}})
	require.NoError(t, db.Migrate(ctx, kinds.DatabaseSchemas(inventory.Schema())...))
	b := &bed{client: newModule(t, db).InventoryClient()}
	projects(t, b, t1, t2, t3)

	_, err := b.client.DeleteResource(ctx, &inventoryv1.DeleteResourceRequest{TenantId: t1, ResourceId: "host-00000001"})
	require.NoError(t, err)
	got, err := findAcross(b, shared)
	require.NoError(t, err, "the value is looked up tenant by tenant")
	assert.Equal(t, t2, got.GetTenantId())
	_, err = patchHost(b, t2, "host-00000002", &computev1.HostResource{Uuid: uuid.NewString()}, 0, "uuid")
	require.NoError(t, err)
	_, err = patchHost(b, t2, "host-00000002", &computev1.HostResource{Uuid: shared}, 0, "uuid")
	require.NoError(t, err)
	_, err = b.client.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: t3, Resource: host(&computev1.HostResource{Name: "x", Uuid: shared})})
	assert.Equal(t, provider.AlreadyExists, code(err), "the remaining duplicate holds the value now: %v", err)
}
