package maintenance_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/metadata"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/test/dbtest"
)

// BenchmarkNoChangePoll compares, in the same iterations, an agent's poll that changes nothing
// (PlatformUpdateStatus over the TLS southbound listener, token verified, answered from the
// view after one change-log read) with the inventory reads an uncached poll makes (the host by GUID, its instance, the parent region of its site's region, and
// the single and repeated schedules of its targets), called in process on the same database and
// over the inventory's gRPC API on loopback (a token verified per call). The process runs on PostgreSQL; the host has a policy, a single schedule and
// repeated schedules on its site and both regions.
func BenchmarkNoChangePoll(b *testing.B) {
	s, w, n := benchStack(b)
	remote, token := s.inventoryClient(b)
	remoteCtx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
	local := s.localInventory(b)
	tenant := w.id
	filter := `target_host.resource_id="` + n.host + `" OR target_site.resource_id="` + w.site +
		`" OR target_region.resource_id="` + w.sub + `" OR target_region.resource_id="` + w.root + `"`
	poll := func() error { _, err := s.poll(w.agent, n.guid, upToDate); return err }
	reads := func(ctx context.Context, inv inventoryv1.InventoryServiceClient) error {
		if _, err := inv.FindResource(ctx, &inventoryv1.FindResourceRequest{TenantId: tenant, Kind: inventoryv1.ResourceKind_RESOURCE_KIND_HOST, Key: "uuid", Value: n.guid}); err != nil {
			return err
		}
		if _, err := inv.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: tenant, ResourceId: n.inst}); err != nil {
			return err
		}
		if _, err := inv.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: tenant, ResourceId: w.root}); err != nil {
			return err
		}
		for _, k := range []inventoryv1.ResourceKind{inventoryv1.ResourceKind_RESOURCE_KIND_SINGLE_SCHEDULE, inventoryv1.ResourceKind_RESOURCE_KIND_REPEATED_SCHEDULE} {
			if _, err := inv.ListResources(ctx, &inventoryv1.ListResourcesRequest{TenantId: tenant, Kind: k, Filter: filter, OrderBy: "resource_id", PageSize: 100}); err != nil {
				return err
			}
		}
		return nil
	}
	if err := poll(); err != nil {
		b.Fatal(err)
	}
	dbtest.Compare(b, dbtest.Op{Name: "poll", Run: poll},
		dbtest.Op{Name: "reads-in-process", Run: func() error { return reads(context.Background(), local) }},
		dbtest.Op{Name: "reads-over-grpc", Run: func() error { return reads(remoteCtx, remote) }})
}

// benchStack runs the process on PostgreSQL with one host under a policy, in a site of a
// sub-region, with a single schedule on the host and repeated schedules on its site, region
// and parent region.
func benchStack(b *testing.B) (*stack, *world, node) {
	s := startStack(b, "postgres")
	w := newWorld(b, s)
	n := w.node(b, s, "bench", w.site, w.mutableOS, w.policy)
	w.create(b, s, "schedules/single", map[string]any{"name": "window", "scheduleStatus": "SCHEDULE_STATUS_OS_UPDATE",
		"startSeconds": 1893456000, "endSeconds": 1893459600, "targetHostId": n.host})
	w.create(b, s, "schedules/repeated", repeatedBody("site", 1, "targetSiteId", w.site))
	w.create(b, s, "schedules/repeated", repeatedBody("region", 2, "targetRegionId", w.sub))
	w.create(b, s, "schedules/repeated", repeatedBody("parent", 3, "targetRegionId", w.root))
	return s, w, n
}
