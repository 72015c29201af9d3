package maintenance_test

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
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

// BenchmarkFirstPoll times the first poll of hosts the manager has not seen (the agent's first
// "up to date": the host and its instance read, the schedule chosen, the status written), one
// host per iteration (hosts are created with the timer stopped: run it with -benchtime=200x or
// so), and, for each host in the same iteration, the two schedule reads an uncached poll makes
// (single and repeated schedules of the host's targets, in process): reads-ns/op. The host has
// the schedules of BenchmarkNoChangePoll's; the other hosts share its site.
func BenchmarkFirstPoll(b *testing.B) {
	s, w, first := benchStack(b)
	local := s.localInventory(b)
	if _, err := s.poll(w.agent, first.guid, upToDate); err != nil {
		b.Fatal(err)
	}
	var polls, reads time.Duration
	schedReads0 := s.counter(b, `eim_maintenance_lookups_total{result="read",what="schedules"}`)
	for i := range b.N {
		b.StopTimer()
		n := w.node(b, s, fmt.Sprintf("first-%d", i), w.site, w.mutableOS, w.policy)
		b.StartTimer()
		start := time.Now()
		if _, err := s.poll(w.agent, n.guid, upToDate); err != nil {
			b.Fatal(err)
		}
		polls += time.Since(start)
		b.StopTimer()
		start = time.Now()
		filter := `target_host.resource_id="` + n.host + `" OR target_site.resource_id="` + w.site +
			`" OR target_region.resource_id="` + w.sub + `" OR target_region.resource_id="` + w.root + `"`
		for _, k := range []inventoryv1.ResourceKind{inventoryv1.ResourceKind_RESOURCE_KIND_SINGLE_SCHEDULE, inventoryv1.ResourceKind_RESOURCE_KIND_REPEATED_SCHEDULE} {
			if _, err := local.ListResources(context.Background(), &inventoryv1.ListResourcesRequest{TenantId: w.id, Kind: k, Filter: filter, OrderBy: "resource_id", PageSize: 100}); err != nil {
				b.Fatal(err)
			}
		}
		reads += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(float64(polls.Nanoseconds())/float64(b.N), "poll-ns/op")
	b.ReportMetric(float64(reads.Nanoseconds())/float64(b.N), "reads-ns/op")
	b.ReportMetric(float64(polls)/float64(reads), "ratio-vs-reads")
	b.ReportMetric((s.counter(b, `eim_maintenance_lookups_total{result="read",what="schedules"}`)-schedReads0)/float64(b.N), "schedule-reads/op")
}

// counter returns the value of the process's metric series (its exposition line's name and
// labels, as /metrics prints them), 0 when it is not there yet.
func (s *stack) counter(t testing.TB, series string) float64 {
	t.Helper()
	resp, err := s.client.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	return 0
}

// BenchmarkPollAfterStatusChange times, per iteration, a poll that changes the host's status
// (up to date ↔ download complete: the instance written, no run), then the next poll, which
// reports the same status (next-ns/op), and, in the same iteration, the reads of the host and
// its instance an uncached poll makes (in process: reads-ns/op). ratio-next-vs-reads is the
// next poll's time over those reads'.
func BenchmarkPollAfterStatusChange(b *testing.B) {
	s, w, n := benchStack(b)
	local := s.localInventory(b)
	downloaded := &maintmgrv1.UpdateStatus{StatusType: maintmgrv1.UpdateStatus_STATUS_TYPE_DOWNLOADED}
	if _, err := s.poll(w.agent, n.guid, upToDate); err != nil {
		b.Fatal(err)
	}
	var changes, nexts, reads time.Duration
	i := 0
	for b.Loop() {
		st := downloaded
		if i%2 == 1 {
			st = upToDate
		}
		i++
		start := time.Now()
		if _, err := s.poll(w.agent, n.guid, st); err != nil {
			b.Fatal(err)
		}
		changes += time.Since(start)
		start = time.Now()
		if _, err := s.poll(w.agent, n.guid, st); err != nil {
			b.Fatal(err)
		}
		nexts += time.Since(start)
		start = time.Now()
		if _, err := local.FindResource(context.Background(), &inventoryv1.FindResourceRequest{TenantId: w.id, Kind: inventoryv1.ResourceKind_RESOURCE_KIND_HOST, Key: "uuid", Value: n.guid}); err != nil {
			b.Fatal(err)
		}
		if _, err := local.GetResource(context.Background(), &inventoryv1.GetResourceRequest{TenantId: w.id, ResourceId: n.inst}); err != nil {
			b.Fatal(err)
		}
		reads += time.Since(start)
	}
	b.ReportMetric(float64(changes.Nanoseconds())/float64(i), "change-ns/op")
	b.ReportMetric(float64(nexts.Nanoseconds())/float64(i), "next-ns/op")
	b.ReportMetric(float64(reads.Nanoseconds())/float64(i), "reads-ns/op")
	b.ReportMetric(float64(nexts)/float64(reads), "ratio-next-vs-reads")
}
