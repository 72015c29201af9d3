package maintenance

import (
	"slices"
	"strings"

	schedulev1 "github.com/eim-byoi/eim/api/gen/resources/schedule/v1"
)

// scheduleIndex is every schedule of a tenant, by the resource id it targets (a host, a site or
// a region: a schedule has one target). It is built once and never modified: a change drops it.
type scheduleIndex struct {
	singles  map[string][]*schedulev1.SingleScheduleResource
	repeated map[string][]*schedulev1.RepeatedScheduleResource
}

func newScheduleIndex() *scheduleIndex {
	return &scheduleIndex{singles: map[string][]*schedulev1.SingleScheduleResource{},
		repeated: map[string][]*schedulev1.RepeatedScheduleResource{}}
}

// addSingle indexes a single schedule by its target; one without a target reaches no host.
func (x *scheduleIndex) addSingle(r *schedulev1.SingleScheduleResource) {
	if id := targetOf(r.GetTargetHost().GetResourceId(), r.GetTargetSite().GetResourceId(), r.GetTargetRegion().GetResourceId(),
		r.GetTargetHostId(), r.GetTargetSiteId(), r.GetTargetRegionId()); id != "" {
		x.singles[id] = append(x.singles[id], r)
	}
}

// addRepeated indexes a repeated schedule by its target.
func (x *scheduleIndex) addRepeated(r *schedulev1.RepeatedScheduleResource) {
	if id := targetOf(r.GetTargetHost().GetResourceId(), r.GetTargetSite().GetResourceId(), r.GetTargetRegion().GetResourceId(),
		r.GetTargetHostId(), r.GetTargetSiteId(), r.GetTargetRegionId()); id != "" {
		x.repeated[id] = append(x.repeated[id], r)
	}
}

// targetOf is the first id that is set: the embedded target's, else the id field's.
func targetOf(ids ...string) string {
	for _, id := range ids {
		if id != "" {
			return id
		}
	}
	return ""
}

// of returns the schedules targeting any of ids, each once, in resource id order (the order the
// inventory listed them in when it filtered them by target).
func (x *scheduleIndex) of(ids []string) ([]*schedulev1.SingleScheduleResource, []*schedulev1.RepeatedScheduleResource) {
	var singles []*schedulev1.SingleScheduleResource
	var repeated []*schedulev1.RepeatedScheduleResource
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			continue
		}
		singles = append(singles, x.singles[id]...)
		repeated = append(repeated, x.repeated[id]...)
	}
	slices.SortFunc(singles, func(a, b *schedulev1.SingleScheduleResource) int {
		return strings.Compare(a.GetResourceId(), b.GetResourceId())
	})
	slices.SortFunc(repeated, func(a, b *schedulev1.RepeatedScheduleResource) int {
		return strings.Compare(a.GetResourceId(), b.GetResourceId())
	})
	return singles, repeated
}
