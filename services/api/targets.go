package api

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	schedulev1 "github.com/eim-byoi/eim/api/gen/resources/schedule/v1"
	servicesv1 "github.com/eim-byoi/eim/api/gen/services/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

// none is the legacy API's value of a target parameter asking for resources without that
// target.
const none = "null"

// target is the one target parameter a schedule or profile list request sets.
type target struct {
	param, id string
}

// oneTarget returns the target parameter among params that in sets; at most one may be.
func oneTarget(in protoreflect.Message, params ...string) (target, error) {
	var t target
	for _, p := range params {
		if v := str(in, p); v != "" {
			if t.id != "" {
				return t, provider.Errorf(provider.InvalidArgument, "%s, %s: only one of %s can be specified", t.param, p, strings.Join(params, ", "))
			}
			t = target{param: p, id: v}
		}
	}
	return t, nil
}

// ancestry returns the target ids that apply to a host, site or region: the resource itself
// and the locations above it (a host's site, a site's region and that region's parents).
func (b *backend) ancestry(ctx context.Context, tenant string, t target) (hosts, sites, regions []string, err error) {
	region := ""
	switch t.param {
	case "host_id":
		resp, err := b.inv.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: tenant, ResourceId: t.id,
			Kind: inventoryv1.ResourceKind_RESOURCE_KIND_HOST})
		if err != nil {
			return nil, nil, nil, err
		}
		hosts = []string{t.id}
		if s := resp.GetStored().GetResource().GetHost().GetSite(); s.GetResourceId() != "" {
			sites, region = []string{s.GetResourceId()}, s.GetRegion().GetResourceId()
		}
	case "site_id":
		s, err := b.site(ctx, tenant, t.id)
		if err != nil {
			return nil, nil, nil, err
		}
		sites, region = []string{t.id}, s.GetRegion().GetResourceId()
	case "region_id":
		region = t.id
	}
	regions, err = b.regionChain(ctx, tenant, region)
	return hosts, sites, regions, err
}

// anyOf is the filter "field is one of ids".
func anyOf(field string, ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, fmt.Sprintf("%s=%q", field, id))
	}
	return out
}

// scheduleQuery filters single and repeated schedules by target (inherited targets included)
// and by the time they cover.
func (b *backend) scheduleQuery(ctx context.Context, tenant string, in protoreflect.Message) (listQuery, error) {
	var q listQuery
	t, err := oneTarget(in, "host_id", "site_id", "region_id")
	if err != nil {
		return q, err
	}
	var conds []string
	switch {
	case t.id == none:
		conds = append(conds, "NOT has(target_"+strings.TrimSuffix(t.param, "_id")+")")
	case t.id != "":
		hosts, sites, regions, err := b.ancestry(ctx, tenant, t)
		if err != nil {
			return q, err
		}
		or := append(append(anyOf("target_host.resource_id", hosts), anyOf("target_site.resource_id", sites)...),
			anyOf("target_region.resource_id", regions)...)
		conds = append(conds, "("+strings.Join(or, " OR ")+")")
	}
	if epoch := str(in, "unix_epoch"); epoch != "" {
		ts, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			return q, provider.Errorf(provider.InvalidArgument, "unixEpoch: %q is not a number of seconds", epoch)
		}
		if in.Descriptor().FullName() == "services.v1.ListRepeatedSchedulesRequest" {
			q.keep = func(m proto.Message) bool {
				return covers(m.(*schedulev1.RepeatedScheduleResource), time.Unix(ts, 0).UTC())
			}
		} else {
			conds = append(conds, fmt.Sprintf("start_seconds <= %d AND (end_seconds = 0 OR end_seconds >= %d)", ts, ts))
		}
	}
	q.filter = strings.Join(conds, " AND ")
	return q, nil
}

// covers reports whether repeated schedule s is in effect at t: one of its starts (its cron
// fields, in UTC) lies in the duration before t.
func covers(s *schedulev1.RepeatedScheduleResource, t time.Time) bool {
	d := time.Duration(s.GetDurationSeconds()) * time.Second
	for start := t.Truncate(time.Minute); t.Sub(start) < d; start = start.Add(-time.Minute) {
		if cronMatch(s.GetCronMinutes(), start.Minute()) && cronMatch(s.GetCronHours(), start.Hour()) &&
			cronMatch(s.GetCronDayMonth(), start.Day()) && cronMatch(s.GetCronMonth(), int(start.Month())) &&
			cronMatch(s.GetCronDayWeek(), int(start.Weekday())) {
			return true
		}
	}
	return false
}

// cronMatch reports whether a cron field ("*" or a comma-separated list) holds v.
func cronMatch(field string, v int) bool {
	if field == "*" || field == "" {
		return true
	}
	for _, part := range strings.Split(field, ",") {
		if n, err := strconv.Atoi(part); err == nil && n == v {
			return true
		}
	}
	return false
}

// profileQuery filters telemetry profiles by target; with show_inherited, the profiles of the
// locations above the target too.
func (b *backend) profileQuery(ctx context.Context, tenant string, in protoreflect.Message) (listQuery, error) {
	t, err := oneTarget(in, "instance_id", "site_id", "region_id")
	if err != nil || t.id == "" {
		return listQuery{}, err
	}
	field := map[string]string{"instance_id": "target_instance", "site_id": "target_site", "region_id": "target_region"}[t.param]
	if !in.Get(in.Descriptor().Fields().ByName("show_inherited")).Bool() {
		return listQuery{filter: fmt.Sprintf("%s=%q", field, t.id)}, nil
	}
	var instances []string
	if t.param == "instance_id" {
		resp, err := b.inv.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: tenant, ResourceId: t.id,
			Kind: inventoryv1.ResourceKind_RESOURCE_KIND_INSTANCE})
		if err != nil {
			return listQuery{}, err
		}
		instances = []string{t.id}
		t = target{param: "host_id", id: resp.GetStored().GetResource().GetInstance().GetHost().GetResourceId()}
	}
	_, sites, regions, err := b.ancestry(ctx, tenant, t)
	if err != nil {
		return listQuery{}, err
	}
	or := append(append(anyOf("target_instance", instances), anyOf("target_site", sites)...), anyOf("target_region", regions)...)
	return listQuery{filter: strings.Join(or, " OR ")}, nil
}

// listSchedules lists single and repeated schedules together: the same page of each, the
// totals added, as the legacy API.
func (b *backend) listSchedules(ctx context.Context, in, out proto.Message) error {
	req := in.(*servicesv1.ListSchedulesRequest)
	resp := out.(*servicesv1.ListSchedulesResponse)
	single := &servicesv1.ListSingleSchedulesRequest{PageSize: req.GetPageSize(), Offset: req.GetOffset(), HostId: req.GetHostId(),
		SiteId: req.GetSiteId(), RegionId: req.GetRegionId(), UnixEpoch: req.GetUnixEpoch()}
	repeated := &servicesv1.ListRepeatedSchedulesRequest{PageSize: req.GetPageSize(), Offset: req.GetOffset(), HostId: req.GetHostId(),
		SiteId: req.GetSiteId(), RegionId: req.GetRegionId(), UnixEpoch: req.GetUnixEpoch()}
	for _, q := range []struct {
		in   protoreflect.Message
		kind proto.Message
	}{{single.ProtoReflect(), &schedulev1.SingleScheduleResource{}}, {repeated.ProtoReflect(), &schedulev1.RepeatedScheduleResource{}}} {
		pg, err := b.page(ctx, b.kinds.of(q.kind.ProtoReflect().Descriptor()), q.in, b.scheduleQuery)
		if err != nil {
			return err
		}
		for _, m := range pg.items {
			switch s := m.(type) {
			case *schedulev1.SingleScheduleResource:
				resp.SingleSchedules = append(resp.SingleSchedules, s)
			case *schedulev1.RepeatedScheduleResource:
				resp.RepeatedSchedules = append(resp.RepeatedSchedules, s)
			}
		}
		resp.TotalElements += pg.total
		resp.HasNext = resp.HasNext || pg.hasNext
	}
	return nil
}
