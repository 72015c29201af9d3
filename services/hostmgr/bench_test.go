package hostmgr_test

import (
	"context"
	"testing"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	pb "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	"github.com/eim-byoi/eim/test/dbtest"
)

// BenchmarkHostmgr compares, on PostgreSQL, a coalesced heartbeat (the node agent's
// UpdateInstanceStateStatusByHostGUID once the caller's project is known, changing nothing)
// with the inventory FindResource call by GUID that an uncached host manager would make for
// every heartbeat: ratio-vs-find is what coalescing costs relative to one database read.
func BenchmarkHostmgr(b *testing.B) {
	ctx := context.Background()
	bed := newClockBed(b, "postgres")
	beat := heartbeat(bed.guid, pb.InstanceStatus_INSTANCE_STATUS_RUNNING, "5 of 5 components running")
	if err := bed.srv.Heartbeat(ctx, bed.tenant, beat); err != nil {
		b.Fatal(err)
	}
	find := &inventoryv1.FindResourceRequest{TenantId: bed.tenant, Kind: inventoryv1.ResourceKind_RESOURCE_KIND_HOST, Key: "uuid", Value: bed.guid}
	b.Run("coalesced-heartbeat", func(b *testing.B) {
		dbtest.Compare(b,
			dbtest.Op{Name: "heartbeat", Run: func() error { return bed.srv.Heartbeat(ctx, bed.tenant, beat) }},
			dbtest.Op{Name: "find", Run: func() error { _, err := bed.inv.FindResource(ctx, find); return err }},
		)
	})
}
