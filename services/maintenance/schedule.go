package maintenance

import (
	"context"
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
// site's region or any parent region. The tenant's schedules are read once, all of them, and
// kept in its view by target until a schedule, site or region change drops them (the legacy
// manager's schedule cache); the regions' parents come from the view too.
func (s *Server) schedule(ctx context.Context, tenant string, tv *tenantView, host *computev1.HostResource) (*maintmgrv1.UpdateSchedule, error) {
	m := tv.begin()
	targets, err := s.targets(ctx, tenant, tv, m, host)
	if err != nil {
		return nil, err
	}
	idx := tv.scheduleIndex()
	s.metrics.lookup("schedules", idx != nil)
	if idx == nil {
		if idx, err = s.readSchedules(ctx, tenant); err != nil {
			return nil, err
		}
		tv.keepSchedules(m, idx)
	}
	singles, repeated := idx.of(targets)
	sched := UpdateSchedule(singles, repeated, s.now())
	if err := sched.ValidateAll(); err != nil {
		return nil, provider.Errorf(provider.Internal, "UpdateSchedule: %v", err)
	}
	return sched, nil
}

// readSchedules reads every single and repeated schedule of the tenant.
func (s *Server) readSchedules(ctx context.Context, tenant string) (*scheduleIndex, error) {
	idx := newScheduleIndex()
	if err := s.each(ctx, &inventoryv1.ListResourcesRequest{TenantId: tenant, Kind: inventoryv1.ResourceKind_RESOURCE_KIND_SINGLE_SCHEDULE,
		OrderBy: "resource_id"}, func(r *inventoryv1.Resource) { idx.addSingle(r.GetSingleSchedule()) }); err != nil {
		return nil, err
	}
	if err := s.each(ctx, &inventoryv1.ListResourcesRequest{TenantId: tenant, Kind: inventoryv1.ResourceKind_RESOURCE_KIND_REPEATED_SCHEDULE,
		OrderBy: "resource_id"}, func(r *inventoryv1.Resource) { idx.addRepeated(r.GetRepeatedSchedule()) }); err != nil {
		return nil, err
	}
	return idx, nil
}

// targets are the resource ids a schedule may target to reach the host: the host, its site and
// the site's regions up to the root.
func (s *Server) targets(ctx context.Context, tenant string, tv *tenantView, m mark, host *computev1.HostResource) ([]string, error) {
	ids := []string{host.GetResourceId()}
	site := host.GetSite()
	if site.GetResourceId() == "" {
		return ids, nil
	}
	ids = append(ids, site.GetResourceId())
	region, parent := site.GetRegion().GetResourceId(), site.GetRegion().GetParentRegion().GetResourceId()
	for depth := 0; region != "" && depth < maxRegionDepth; depth++ {
		ids = append(ids, region)
		if parent == "" {
			break
		}
		next, ok := tv.parent(parent)
		if !ok {
			got, err := s.inv.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: tenant, ResourceId: parent, Kind: inventoryv1.ResourceKind_RESOURCE_KIND_REGION})
			if err != nil {
				return nil, err
			}
			next = got.GetStored().GetResource().GetRegion().GetParentRegion().GetResourceId()
			tv.keepParent(m, parent, next)
		}
		region, parent = parent, next
	}
	return ids, nil
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
