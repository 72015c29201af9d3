package tfprovider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	schedulev1 "github.com/eim-byoi/eim/api/gen/resources/schedule/v1"
)

// target is the one host, site or region a schedule applies to.
type target struct {
	HostID   types.String `tfsdk:"target_host_id"`
	SiteID   types.String `tfsdk:"target_site_id"`
	RegionID types.String `tfsdk:"target_region_id"`
}

func targetAttrs(attrs map[string]schema.Attribute) map[string]schema.Attribute {
	attrs["target_host_id"] = schema.StringAttribute{Optional: true, Description: "The host (host-xxxxxxxx) the schedule applies to."}
	attrs["target_site_id"] = schema.StringAttribute{Optional: true, Description: "The site (site-xxxxxxxx) the schedule applies to: every host of it."}
	attrs["target_region_id"] = schema.StringAttribute{Optional: true, Description: "The region (region-xxxxxxxx) the schedule applies to: every host below it."}
	attrs["name"] = schema.StringAttribute{Optional: true, Description: "Display name."}
	attrs["schedule_status"] = schema.StringAttribute{Required: true, Validators: validatorsOf(oneOf(schedulev1.ScheduleStatus_value)),
		Description: "SCHEDULE_STATUS_MAINTENANCE or SCHEDULE_STATUS_OS_UPDATE."}
	return attrs
}

// check reports a schedule that does not name exactly one target. An unknown id (from a resource
// not yet created) counts as set.
func (t target) check(add func(string, string, string)) {
	n := 0
	for _, v := range []types.String{t.HostID, t.SiteID, t.RegionID} {
		if !v.IsNull() {
			n++
		}
	}
	if n != 1 {
		add("target_site_id", "Exactly one target", "set exactly one of target_host_id, target_site_id and target_region_id")
	}
}

func (t *target) fill(host, site, region string) {
	t.HostID, t.SiteID, t.RegionID = str(host), str(site), str(region)
}

// singleModel is eim_schedule_single.
type singleModel struct {
	target
	ID             types.String `tfsdk:"id"`
	Project        types.String `tfsdk:"project"`
	Name           types.String `tfsdk:"name"`
	ScheduleStatus types.String `tfsdk:"schedule_status"`
	StartSeconds   types.Int64  `tfsdk:"start_seconds"`
	EndSeconds     types.Int64  `tfsdk:"end_seconds"`
}

func (m *singleModel) message() *schedulev1.SingleScheduleResource {
	return &schedulev1.SingleScheduleResource{Name: m.Name.ValueString(),
		ScheduleStatus: schedulev1.ScheduleStatus(schedulev1.ScheduleStatus_value[m.ScheduleStatus.ValueString()]),
		StartSeconds:   uint32(m.StartSeconds.ValueInt64()), EndSeconds: uint32(m.EndSeconds.ValueInt64()),
		TargetHostId: m.HostID.ValueString(), TargetSiteId: m.SiteID.ValueString(), TargetRegionId: m.RegionID.ValueString()}
}

var singleSpec = &spec[singleModel]{
	name:          "schedule_single",
	doc:           "A single maintenance or OS-update window (apiv2 SingleScheduleResource) on a host, site or region.",
	projectScoped: true,
	attrs: targetAttrs(map[string]schema.Attribute{
		"start_seconds": schema.Int64Attribute{Required: true, Description: "Start, in seconds since the Unix epoch (UTC)."},
		"end_seconds":   schema.Int64Attribute{Optional: true, Description: "End, in seconds since the Unix epoch; open-ended when unset."},
	}),
	validate: func(_ context.Context, m *singleModel, add func(string, string, string)) {
		m.check(add)
		if !m.EndSeconds.IsNull() && !m.EndSeconds.IsUnknown() && !m.StartSeconds.IsUnknown() &&
			m.EndSeconds.ValueInt64() <= m.StartSeconds.ValueInt64() {
			add("end_seconds", "Invalid value for end_seconds", "end_seconds must be after start_seconds")
		}
		protoCheck(m.message(), add)
	},
	create: func(ctx context.Context, c *Client, m *singleModel) error {
		out := &schedulev1.SingleScheduleResource{}
		if err := c.call(ctx, "POST", projectPath(m.Project.ValueString(), "schedules/single"), m.message(), out); err != nil {
			return err
		}
		m.ID = types.StringValue(out.GetResourceId())
		return nil
	},
	read: func(ctx context.Context, c *Client, m *singleModel) error {
		out := &schedulev1.SingleScheduleResource{}
		if err := c.call(ctx, "GET", projectPath(m.Project.ValueString(), "schedules/single", m.ID.ValueString()), nil, out); err != nil {
			return err
		}
		m.Name, m.ScheduleStatus = str(out.GetName()), types.StringValue(out.GetScheduleStatus().String())
		m.StartSeconds, m.EndSeconds = types.Int64Value(int64(out.GetStartSeconds())), optInt(int64(out.GetEndSeconds()), m.EndSeconds)
		m.fill(first(out.GetTargetHostId(), out.GetTargetHost().GetResourceId()), first(out.GetTargetSiteId(), out.GetTargetSite().GetResourceId()),
			first(out.GetTargetRegionId(), out.GetTargetRegion().GetResourceId()))
		return nil
	},
	update: func(ctx context.Context, c *Client, plan, state *singleModel) error {
		plan.ID = state.ID
		return patch(ctx, c, projectPath(plan.Project.ValueString(), "schedules/single", plan.ID.ValueString()), plan.message(),
			&schedulev1.SingleScheduleResource{}, "name", "schedule_status", "start_seconds", "end_seconds",
			"target_host_id", "target_site_id", "target_region_id")
	},
	delete: func(ctx context.Context, c *Client, m *singleModel) error {
		return c.call(ctx, "DELETE", projectPath(m.Project.ValueString(), "schedules/single", m.ID.ValueString()), nil, nil)
	},
}

// repeatedModel is eim_schedule_repeated.
type repeatedModel struct {
	target
	ID              types.String `tfsdk:"id"`
	Project         types.String `tfsdk:"project"`
	Name            types.String `tfsdk:"name"`
	ScheduleStatus  types.String `tfsdk:"schedule_status"`
	DurationSeconds types.Int64  `tfsdk:"duration_seconds"`
	CronMinutes     types.String `tfsdk:"cron_minutes"`
	CronHours       types.String `tfsdk:"cron_hours"`
	CronDayMonth    types.String `tfsdk:"cron_day_month"`
	CronMonth       types.String `tfsdk:"cron_month"`
	CronDayWeek     types.String `tfsdk:"cron_day_week"`
}

func (m *repeatedModel) message() *schedulev1.RepeatedScheduleResource {
	return &schedulev1.RepeatedScheduleResource{Name: m.Name.ValueString(),
		ScheduleStatus:  schedulev1.ScheduleStatus(schedulev1.ScheduleStatus_value[m.ScheduleStatus.ValueString()]),
		DurationSeconds: int32(m.DurationSeconds.ValueInt64()), CronMinutes: m.CronMinutes.ValueString(),
		CronHours: m.CronHours.ValueString(), CronDayMonth: m.CronDayMonth.ValueString(), CronMonth: m.CronMonth.ValueString(),
		CronDayWeek: m.CronDayWeek.ValueString(), TargetHostId: m.HostID.ValueString(), TargetSiteId: m.SiteID.ValueString(),
		TargetRegionId: m.RegionID.ValueString()}
}

func cronAttr(desc string) schema.StringAttribute {
	return schema.StringAttribute{Required: true, Description: desc}
}

var repeatedSpec = &spec[repeatedModel]{
	name:          "schedule_repeated",
	doc:           "A repeated maintenance or OS-update window (apiv2 RepeatedScheduleResource), cron-style in UTC.",
	projectScoped: true,
	attrs: targetAttrs(map[string]schema.Attribute{
		"duration_seconds": schema.Int64Attribute{Required: true, Description: "Length of each window in seconds."},
		"cron_minutes":     cronAttr("Cron minutes field (0-59, lists, ranges, *)."),
		"cron_hours":       cronAttr("Cron hours field (0-23)."),
		"cron_day_month":   cronAttr("Cron day-of-month field (1-31)."),
		"cron_month":       cronAttr("Cron month field (1-12)."),
		"cron_day_week":    cronAttr("Cron day-of-week field (0-6)."),
	}),
	validate: func(_ context.Context, m *repeatedModel, add func(string, string, string)) {
		m.check(add)
		protoCheck(m.message(), add)
	},
	create: func(ctx context.Context, c *Client, m *repeatedModel) error {
		out := &schedulev1.RepeatedScheduleResource{}
		if err := c.call(ctx, "POST", projectPath(m.Project.ValueString(), "schedules/repeated"), m.message(), out); err != nil {
			return err
		}
		m.ID = types.StringValue(out.GetResourceId())
		return nil
	},
	read: func(ctx context.Context, c *Client, m *repeatedModel) error {
		out := &schedulev1.RepeatedScheduleResource{}
		if err := c.call(ctx, "GET", projectPath(m.Project.ValueString(), "schedules/repeated", m.ID.ValueString()), nil, out); err != nil {
			return err
		}
		m.Name, m.ScheduleStatus = str(out.GetName()), types.StringValue(out.GetScheduleStatus().String())
		m.DurationSeconds = types.Int64Value(int64(out.GetDurationSeconds()))
		m.CronMinutes, m.CronHours = types.StringValue(out.GetCronMinutes()), types.StringValue(out.GetCronHours())
		m.CronDayMonth, m.CronMonth = types.StringValue(out.GetCronDayMonth()), types.StringValue(out.GetCronMonth())
		m.CronDayWeek = types.StringValue(out.GetCronDayWeek())
		m.fill(first(out.GetTargetHostId(), out.GetTargetHost().GetResourceId()), first(out.GetTargetSiteId(), out.GetTargetSite().GetResourceId()),
			first(out.GetTargetRegionId(), out.GetTargetRegion().GetResourceId()))
		return nil
	},
	update: func(ctx context.Context, c *Client, plan, state *repeatedModel) error {
		plan.ID = state.ID
		return patch(ctx, c, projectPath(plan.Project.ValueString(), "schedules/repeated", plan.ID.ValueString()), plan.message(),
			&schedulev1.RepeatedScheduleResource{}, "name", "schedule_status", "duration_seconds", "cron_minutes", "cron_hours",
			"cron_day_month", "cron_month", "cron_day_week", "target_host_id", "target_site_id", "target_region_id")
	},
	delete: func(ctx context.Context, c *Client, m *repeatedModel) error {
		return c.call(ctx, "DELETE", projectPath(m.Project.ValueString(), "schedules/repeated", m.ID.ValueString()), nil, nil)
	},
}
