package model

import (
	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	customconfigv1 "github.com/eim-byoi/eim/api/gen/resources/customconfig/v1"
	localaccountv1 "github.com/eim-byoi/eim/api/gen/resources/localaccount/v1"
	locationv1 "github.com/eim-byoi/eim/api/gen/resources/location/v1"
	osv1 "github.com/eim-byoi/eim/api/gen/resources/os/v1"
	providerv1 "github.com/eim-byoi/eim/api/gen/resources/provider/v1"
	schedulev1 "github.com/eim-byoi/eim/api/gen/resources/schedule/v1"
	telemetryv1 "github.com/eim-byoi/eim/api/gen/resources/telemetry/v1"
)

// Short names of the kinds, for the table below.
const (
	region          = inventoryv1.ResourceKind_RESOURCE_KIND_REGION
	site            = inventoryv1.ResourceKind_RESOURCE_KIND_SITE
	provider        = inventoryv1.ResourceKind_RESOURCE_KIND_PROVIDER
	host            = inventoryv1.ResourceKind_RESOURCE_KIND_HOST
	instance        = inventoryv1.ResourceKind_RESOURCE_KIND_INSTANCE
	osKind          = inventoryv1.ResourceKind_RESOURCE_KIND_OS
	workload        = inventoryv1.ResourceKind_RESOURCE_KIND_WORKLOAD
	workloadMember  = inventoryv1.ResourceKind_RESOURCE_KIND_WORKLOAD_MEMBER
	localAccount    = inventoryv1.ResourceKind_RESOURCE_KIND_LOCAL_ACCOUNT
	customConfig    = inventoryv1.ResourceKind_RESOURCE_KIND_CUSTOM_CONFIG
	singleSchedule  = inventoryv1.ResourceKind_RESOURCE_KIND_SINGLE_SCHEDULE
	repeatedSched   = inventoryv1.ResourceKind_RESOURCE_KIND_REPEATED_SCHEDULE
	updatePolicy    = inventoryv1.ResourceKind_RESOURCE_KIND_OS_UPDATE_POLICY
	updateRun       = inventoryv1.ResourceKind_RESOURCE_KIND_OS_UPDATE_RUN
	logsGroup       = inventoryv1.ResourceKind_RESOURCE_KIND_TELEMETRY_LOGS_GROUP
	metricsGroup    = inventoryv1.ResourceKind_RESOURCE_KIND_TELEMETRY_METRICS_GROUP
	logsProfile     = inventoryv1.ResourceKind_RESOURCE_KIND_TELEMETRY_LOGS_PROFILE
	metricsProfile  = inventoryv1.ResourceKind_RESOURCE_KIND_TELEMETRY_METRICS_PROFILE
	inheritedFields = "inherited_metadata"
)

// scheduleTargets are the references of both schedule kinds: a schedule belongs to its target
// and goes with it.
func scheduleTargets() []Ref {
	return []Ref{
		{Name: "target_host", Field: "target_host", IDField: "target_host_id", To: host, OnDelete: Cascade, Expand: true},
		{Name: "target_site", Field: "target_site", IDField: "target_site_id", To: site, OnDelete: Cascade, Expand: true},
		{Name: "target_region", Field: "target_region", IDField: "target_region_id", To: region, OnDelete: Cascade, Expand: true},
	}
}

// profileTargets are the targets of both telemetry profile kinds, held as plain ids.
func profileTargets() []Ref {
	return []Ref{
		{Name: "target_instance", IDField: "target_instance", To: instance, OnDelete: Cascade},
		{Name: "target_site", IDField: "target_site", To: site, OnDelete: Cascade},
		{Name: "target_region", IDField: "target_region", To: region, OnDelete: Cascade},
	}
}

// EIM returns the kind table of the EIM resources (the apiv2 model). The delete rules follow the
// legacy inventory: a region with sub-regions or sites, a site with hosts, an OS, an update policy,
// a local account, a custom config or a telemetry group in use cannot be deleted; a host takes its
// instance along, an instance its workload memberships, a target its schedules and profiles.
func EIM() *Table {
	t, err := NewTable([]*Kind{
		{Kind: region, Name: "region", Prefix: "region", Message: &locationv1.RegionResource{}, Aliases: []string{"regionID"},
			Refs:     []Ref{{Name: "parent", Field: "parent_region", IDField: "parent_id", To: region, Expand: true}},
			Computed: []string{"total_sites", inheritedFields}},
		{Kind: site, Name: "site", Prefix: "site", Message: &locationv1.SiteResource{}, Aliases: []string{"siteID"},
			Refs: []Ref{
				{Name: "region", Field: "region", IDField: "region_id", To: region, Expand: true},
				{Name: "provider", Field: "provider", To: provider, Expand: true},
			},
			Computed: []string{inheritedFields}},
		{Kind: provider, Name: "provider", Prefix: "provider", Message: &providerv1.ProviderResource{}, Aliases: []string{"providerID"},
			Unique: []string{"name"}},
		{Kind: host, Name: "host", Prefix: "host", Message: &computev1.HostResource{},
			Refs: []Ref{
				{Name: "site", Field: "site", IDField: "site_id", To: site, Expand: true},
				{Name: "provider", Field: "provider", To: provider, Expand: true},
			},
			Reverses:     []Reverse{{Field: "instance", From: instance, Via: "host", Single: true}},
			Unique:       []string{"uuid"},
			GlobalUnique: []string{"uuid"},
			Computed:     []string{inheritedFields}},
		{Kind: instance, Name: "instance", Prefix: "inst", Message: &computev1.InstanceResource{}, Aliases: []string{"instanceID"},
			Refs: []Ref{
				{Name: "host", Field: "host", IDField: "hostID", To: host, OnDelete: Cascade, Expand: true},
				{Name: "os", Field: "os", IDField: "osID", To: osKind, Expand: true},
				{Name: "localaccount", Field: "localaccount", IDField: "local_accountID", To: localAccount, Expand: true},
				{Name: "update_policy", Field: "update_policy", IDField: "os_update_policyID", To: updatePolicy, Expand: true},
				{Name: "custom_config", Field: "custom_config", IDField: "custom_configID", To: customConfig, Repeated: true, Expand: true},
			},
			Reverses: []Reverse{{Field: "workload_members", From: workloadMember, Via: "instance"}}},
		{Kind: osKind, Name: "os", Prefix: "os", Message: &osv1.OperatingSystemResource{}, Aliases: []string{"os_resourceID"}},
		{Kind: workload, Name: "workload", Prefix: "workload", Message: &computev1.WorkloadResource{}, Aliases: []string{"workload_id"},
			Reverses: []Reverse{{Field: "members", From: workloadMember, Via: "workload"}}},
		{Kind: workloadMember, Name: "workload_member", Prefix: "workloadmember", Message: &computev1.WorkloadMember{},
			Aliases: []string{"workload_member_id"},
			Refs: []Ref{
				{Name: "workload", Field: "workload", IDField: "workload_id", To: workload, OnDelete: Cascade, Expand: true},
				{Name: "instance", Field: "instance", IDField: "instance_id", To: instance, OnDelete: Cascade, Expand: true},
			},
			Computed: []string{"member"}},
		{Kind: localAccount, Name: "local_account", Prefix: "localaccount", Message: &localaccountv1.LocalAccountResource{},
			Aliases: []string{"local_accountID"}, Unique: []string{"username"}},
		{Kind: customConfig, Name: "custom_config", Prefix: "customconfig", Message: &customconfigv1.CustomConfigResource{},
			Unique: []string{"name"}},
		{Kind: singleSchedule, Name: "single_schedule", Prefix: "singlesche", Message: &schedulev1.SingleScheduleResource{},
			Aliases: []string{"single_scheduleID"}, Refs: scheduleTargets()},
		{Kind: repeatedSched, Name: "repeated_schedule", Prefix: "repeatedsche", Message: &schedulev1.RepeatedScheduleResource{},
			Aliases: []string{"repeated_scheduleID"}, Refs: scheduleTargets()},
		{Kind: updatePolicy, Name: "os_update_policy", Prefix: "osupdatepolicy", Message: &computev1.OSUpdatePolicy{},
			Refs: []Ref{{Name: "target_os", Field: "target_os", IDField: "target_os_id", To: osKind, Expand: true}}},
		{Kind: updateRun, Name: "os_update_run", Prefix: "osupdaterun", Message: &computev1.OSUpdateRun{},
			Refs: []Ref{
				{Name: "applied_policy", Field: "applied_policy", To: updatePolicy, Expand: true},
				{Name: "instance", Field: "instance", To: instance, OnDelete: Cascade, Expand: true},
			}},
		{Kind: logsGroup, Name: "telemetry_logs_group", Prefix: "telemetrygroup", Message: &telemetryv1.TelemetryLogsGroupResource{},
			Aliases: []string{"telemetry_logs_group_id"}},
		{Kind: metricsGroup, Name: "telemetry_metrics_group", Prefix: "telemetrygroup", Message: &telemetryv1.TelemetryMetricsGroupResource{},
			Aliases: []string{"telemetry_metrics_group_id"}},
		{Kind: logsProfile, Name: "telemetry_logs_profile", Prefix: "telemetryprofile", Message: &telemetryv1.TelemetryLogsProfileResource{},
			Aliases: []string{"profile_id"},
			Refs: append([]Ref{{Name: "logs_group", Field: "logs_group", IDField: "logs_group_id", To: logsGroup, Expand: true}},
				profileTargets()...)},
		{Kind: metricsProfile, Name: "telemetry_metrics_profile", Prefix: "telemetryprofile", Message: &telemetryv1.TelemetryMetricsProfileResource{},
			Aliases: []string{"profile_id"},
			Refs: append([]Ref{{Name: "metrics_group", Field: "metrics_group", IDField: "metrics_group_id", To: metricsGroup, Expand: true}},
				profileTargets()...)},
	})
	if err != nil {
		panic("inventory: the kind table is invalid: " + err.Error()) // data error, caught by tests
	}
	return t
}
