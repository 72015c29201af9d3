package invbatch

import (
	"context"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	osv1 "github.com/eim-byoi/eim/api/gen/resources/os/v1"
)

// benchFleet is how many hosts start at once in BenchmarkFirstReads.
const benchFleet = 1000

// BenchmarkFirstReads: the fleet's start as the managers see it, on PostgreSQL: benchFleet
// concurrent first reads of a host by GUID (each host with its instance and OS, expanded as the
// managers read them), one FindResource each (one-by-one, the managers before the Finder), and
// through a Finder (coalesced). One op is the whole start; reads/op counts the inventory calls,
// cpu-ms/op the process's CPU time (inventory, database driver and the Finder; PostgreSQL's own
// time is not in it).
func BenchmarkFirstReads(b *testing.B) {
	inv, guids := fleetOf(b, "bench-tenant", benchFleet)
	ctx := context.Background()
	for _, mode := range []string{"one-by-one", "coalesced"} {
		b.Run(mode, func(b *testing.B) {
			var reads atomic.Int64
			f := NewFinder(inv, func(int) { reads.Add(1) })
			find := func(g string) error {
				_, err := f.Find(ctx, "bench-tenant", kindHost, "uuid", g)
				return err
			}
			if mode == "one-by-one" {
				find = func(g string) error {
					reads.Add(1)
					_, err := inv.FindResource(ctx, &inventoryv1.FindResourceRequest{TenantId: "bench-tenant", Kind: kindHost, Key: "uuid", Value: g})
					return err
				}
			}
			cpu0 := cpuTime()
			for b.Loop() {
				var wg sync.WaitGroup
				var failed atomic.Pointer[error]
				for _, g := range guids {
					wg.Go(func() {
						if err := find(g); err != nil {
							failed.Store(&err)
						}
					})
				}
				wg.Wait()
				if err := failed.Load(); err != nil {
					b.Fatal(*err)
				}
			}
			b.ReportMetric(float64(reads.Load())/float64(b.N), "reads/op")
			b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the process's CPU time so far (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fleetOf creates n hosts of tenant with GUIDs, each with an instance of one OS, in a real
// inventory on PostgreSQL.
func fleetOf(b *testing.B, tenant string, n int) (inventoryv1.InventoryServiceClient, []string) {
	inv, guids, ids := hostsWithGUIDs(b, tenant, n)
	ctx := context.Background()
	os, err := inv.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: tenant,
		Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_Os{Os: &osv1.OperatingSystemResource{Name: "ubuntu"}}}})
	if err != nil {
		b.Fatal(err)
	}
	for _, id := range ids {
		if _, err := inv.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: tenant,
			Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_Instance{Instance: &computev1.InstanceResource{Name: "i", HostID: id,
				OsID: os.GetStored().GetResource().GetOs().GetResourceId()}}}}); err != nil {
			b.Fatal(err)
		}
	}
	return inv, guids
}
