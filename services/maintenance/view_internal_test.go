package maintenance

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
)

// TestTenantViewDropsWhatChangesTouch: each kind of change drops what embeds it, and a read
// that started before a change was applied is not kept.
func TestTenantViewDropsWhatChangesTouch(t *testing.T) {
	k := func(kind inventoryv1.ResourceKind, id string) *inventoryv1.Change {
		return &inventoryv1.Change{Kind: kind, ResourceId: id, Operation: inventoryv1.Operation_OPERATION_UPDATED}
	}
	for _, tc := range []struct {
		name                            string
		change                          *inventoryv1.Change
		keepsA, keepsB, keepsSched, par bool
	}{
		{"host a", k(inventoryv1.ResourceKind_RESOURCE_KIND_HOST, "host-a"), false, true, true, true},
		{"instance b", k(inventoryv1.ResourceKind_RESOURCE_KIND_INSTANCE, "inst-b"), true, false, true, true},
		{"an unknown host", k(inventoryv1.ResourceKind_RESOURCE_KIND_HOST, "host-z"), true, true, true, true},
		{"os update policy", k(inventoryv1.ResourceKind_RESOURCE_KIND_OS_UPDATE_POLICY, "p"), false, false, true, true},
		{"os", k(inventoryv1.ResourceKind_RESOURCE_KIND_OS, "os"), false, false, true, true},
		{"single schedule", k(inventoryv1.ResourceKind_RESOURCE_KIND_SINGLE_SCHEDULE, "s"), true, true, false, true},
		{"repeated schedule", k(inventoryv1.ResourceKind_RESOURCE_KIND_REPEATED_SCHEDULE, "r"), true, true, false, true},
		{"region", k(inventoryv1.ResourceKind_RESOURCE_KIND_REGION, "reg"), false, false, false, false},
		{"site", k(inventoryv1.ResourceKind_RESOURCE_KIND_SITE, "site"), false, false, false, false},
		{"an OS update run", k(inventoryv1.ResourceKind_RESOURCE_KIND_OS_UPDATE_RUN, "run"), true, true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tv := newViews().of("tenant")
			e := tv.begin()
			tv.keepTarget(e, "a", &target{host: &computev1.HostResource{ResourceId: "host-a"}, inst: &computev1.InstanceResource{ResourceId: "inst-a"}})
			tv.keepTarget(e, "b", &target{host: &computev1.HostResource{ResourceId: "host-b"}, inst: &computev1.InstanceResource{ResourceId: "inst-b"}})
			tv.keepSchedules(e, "f", &scheduleSet{})
			tv.keepParent(e, "reg", "root")
			tv.mu.Lock()
			tv.applyLocked(tc.change)
			tv.mu.Unlock()
			assert.Equal(t, tc.keepsA, tv.target("a") != nil, "host a")
			assert.Equal(t, tc.keepsB, tv.target("b") != nil, "host b")
			assert.Equal(t, tc.keepsSched, tv.scheduleSet("f") != nil, "schedules")
			_, ok := tv.parent("reg")
			assert.Equal(t, tc.par, ok, "region parents")
		})
	}
	for _, cached := range []bool{true, false} {
		t.Run(fmt.Sprintf("a read older than a change is not kept (host cached before: %v)", cached), func(t *testing.T) {
			tv := newViews().of("tenant")
			if cached {
				tv.keepTarget(tv.begin(), "a", &target{host: &computev1.HostResource{ResourceId: "host-a"}, inst: &computev1.InstanceResource{ResourceId: "inst-a"}})
			}
			e := tv.begin()
			tv.mu.Lock()
			tv.applyLocked(k(inventoryv1.ResourceKind_RESOURCE_KIND_HOST, "host-a"))
			tv.mu.Unlock()
			tv.keepTarget(e, "a", &target{host: &computev1.HostResource{ResourceId: "host-a"}, inst: &computev1.InstanceResource{ResourceId: "inst-a"}})
			tv.keepSchedules(e, "f", &scheduleSet{})
			assert.Nil(t, tv.target("a"))
			assert.Nil(t, tv.scheduleSet("f"))
		})
	}
}
