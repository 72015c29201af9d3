package maintenance

import (
	"context"
	"strings"
	"time"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	schedulev1 "github.com/eim-byoi/eim/api/gen/resources/schedule/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

// maxRegionDepth bounds the walk up a site's region parents (the inventory refuses cycles).
const maxRegionDepth = 32

// schedule returns the host's update schedule: the single schedule closest to now among those
// not ended, and every repeated schedule, of the schedules targeting the host, its site, or its
// site's region or any parent region.
func (s *Server) schedule(ctx context.Context, tenant string, host *computev1.HostResource) (*maintmgrv1.UpdateSchedule, error) {
	filter, err := s.targetFilter(ctx, tenant, host)
	if err != nil {
		return nil, err
	}
	var singles []*schedulev1.SingleScheduleResource
	var repeated []*schedulev1.RepeatedScheduleResource
	if err := s.each(ctx, &inventoryv1.ListResourcesRequest{TenantId: tenant, Kind: inventoryv1.ResourceKind_RESOURCE_KIND_SINGLE_SCHEDULE,
		Filter: filter, OrderBy: "resource_id"}, func(r *inventoryv1.Resource) { singles = append(singles, r.GetSingleSchedule()) }); err != nil {
		return nil, err
	}
	if err := s.each(ctx, &inventoryv1.ListResourcesRequest{TenantId: tenant, Kind: inventoryv1.ResourceKind_RESOURCE_KIND_REPEATED_SCHEDULE,
		Filter: filter, OrderBy: "resource_id"}, func(r *inventoryv1.Resource) { repeated = append(repeated, r.GetRepeatedSchedule()) }); err != nil {
		return nil, err
	}
	sched := UpdateSchedule(singles, repeated, s.now())
	if err := sched.ValidateAll(); err != nil {
		return nil, provider.Errorf(provider.Internal, "UpdateSchedule: %v", err)
	}
	return sched, nil
}

// targetFilter is the AIP-160 filter of the schedules targeting the host, its site and the
// site's regions up to the root.
func (s *Server) targetFilter(ctx context.Context, tenant string, host *computev1.HostResource) (string, error) {
	terms := []string{"target_host.resource_id=" + quote(host.GetResourceId())}
	site := host.GetSite()
	if site.GetResourceId() == "" {
		return terms[0], nil
	}
	terms = append(terms, "target_site.resource_id="+quote(site.GetResourceId()))
	region := site.GetRegion()
	for depth := 0; region.GetResourceId() != "" && depth < maxRegionDepth; depth++ {
		terms = append(terms, "target_region.resource_id="+quote(region.GetResourceId()))
		parent := region.GetParentRegion().GetResourceId()
		if parent == "" {
			break
		}
		got, err := s.inv.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: tenant, ResourceId: parent, Kind: inventoryv1.ResourceKind_RESOURCE_KIND_REGION})
		if err != nil {
			return "", err
		}
		region = got.GetStored().GetResource().GetRegion()
	}
	return strings.Join(terms, " OR "), nil
}

// UpdateSchedule is the schedule the legacy maintenance manager sends for these schedules at
// now: the single schedule whose start is closest to now among those without an end or ending
// after now (one started in the past and still open counts), and every repeated schedule, the
// first of them also in the deprecated repeated_schedule field. The schedule is never nil: an
// empty one tells the agent to drop the schedules it holds.
func UpdateSchedule(singles []*schedulev1.SingleScheduleResource, repeated []*schedulev1.RepeatedScheduleResource, now time.Time) *maintmgrv1.UpdateSchedule {
	out := &maintmgrv1.UpdateSchedule{}
	if ss := closestSingle(singles, now); ss != nil {
		out.SingleSchedule = &maintmgrv1.SingleSchedule{StartSeconds: uint64(ss.GetStartSeconds()), EndSeconds: uint64(ss.GetEndSeconds())}
	}
	for _, rs := range repeated {
		out.RepeatedSchedules = append(out.RepeatedSchedules, &maintmgrv1.RepeatedSchedule{
			DurationSeconds: uint32(max(rs.GetDurationSeconds(), 0)),
			CronMinutes:     rs.GetCronMinutes(), CronHours: rs.GetCronHours(), CronDayMonth: rs.GetCronDayMonth(),
			CronMonth: rs.GetCronMonth(), CronDayWeek: rs.GetCronDayWeek(),
		})
	}
	if len(out.RepeatedSchedules) > 0 {
		out.RepeatedSchedule = out.RepeatedSchedules[0] //nolint:staticcheck // the deprecated field older agents read
	}
	return out
}

// closestSingle returns the single schedule closest to now that has not ended, or nil.
func closestSingle(singles []*schedulev1.SingleScheduleResource, now time.Time) *schedulev1.SingleScheduleResource {
	var best *schedulev1.SingleScheduleResource
	var bestDist time.Duration
	for _, ss := range singles {
		if end := ss.GetEndSeconds(); end != 0 && !now.Before(time.Unix(int64(end), 0)) {
			continue // ended
		}
		dist := now.Sub(time.Unix(int64(ss.GetStartSeconds()), 0)).Abs()
		if best == nil || dist < bestDist {
			best, bestDist = ss, dist
		}
	}
	return best
}
