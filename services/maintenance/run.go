package maintenance

import (
	"context"
	"strings"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
)

// runStatus is the OS update run status a reported status moves the run to; ok is false for
// the statuses that do not concern runs (up to date, unspecified).
func runStatus(t maintmgrv1.UpdateStatus_StatusType) (text string, opens, closes, ok bool) {
	switch t {
	case maintmgrv1.UpdateStatus_STATUS_TYPE_DOWNLOADING:
		return StatusDownloading, true, false, true
	case maintmgrv1.UpdateStatus_STATUS_TYPE_DOWNLOADED:
		return StatusDownloaded, false, false, true
	case maintmgrv1.UpdateStatus_STATUS_TYPE_STARTED:
		return StatusUpdating, true, false, true
	case maintmgrv1.UpdateStatus_STATUS_TYPE_UPDATED:
		return StatusCompleted, false, true, true
	case maintmgrv1.UpdateStatus_STATUS_TYPE_FAILED:
		return StatusFailed, false, true, true
	}
	return "", false, false, false
}

// advanceRun follows the legacy maintenance manager: the instance's open run (no end time)
// takes the new status, and is closed (its end time set) by a completed or failed update; with
// no open run, downloading or starting an update opens one, other statuses open none.
func (s *Server) advanceRun(ctx context.Context, tenant string, in *maintmgrv1.UpdateStatus, t *target, c change) error {
	text, opens, closes, ok := runStatus(in.GetStatusType())
	if !ok {
		return nil
	}
	open, err := s.openRun(ctx, tenant, t.inst.GetResourceId())
	if err != nil {
		return err
	}
	if open == nil {
		if !opens {
			return nil
		}
		return s.createRun(ctx, tenant, in, t, c)
	}
	if open.GetStatus() == text {
		return nil
	}
	now := s.stamp()
	upd := &computev1.OSUpdateRun{Status: c.status.text, StatusIndicator: c.status.indicator, StatusTimestamp: now}
	paths := []string{"status", "status_indicator", "status_timestamp"}
	if c.detail != "" {
		upd.StatusDetails = c.detail
		paths = append(paths, "status_details")
	}
	if closes {
		upd.EndTime = now
		paths = append(paths, "end_time")
	}
	_, err = s.inv.UpdateResource(ctx, &inventoryv1.UpdateResourceRequest{TenantId: tenant, ResourceId: open.GetResourceId(),
		Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_OsUpdateRun{OsUpdateRun: upd}}, FieldMask: &fieldmaskpb.FieldMask{Paths: paths}, RevisionOnly: true})
	if err == nil {
		s.metrics.runs.WithLabelValues(map[bool]string{true: "closed", false: "updated"}[closes]).Inc()
		s.runs.set(tenant, t.inst.GetResourceId(), text)
	}
	return err
}

// openRun returns the instance's latest run without an end time, or nil.
func (s *Server) openRun(ctx context.Context, tenant, instance string) (*computev1.OSUpdateRun, error) {
	list, err := s.inv.ListResources(ctx, &inventoryv1.ListResourcesRequest{TenantId: tenant, Kind: inventoryv1.ResourceKind_RESOURCE_KIND_OS_UPDATE_RUN,
		Filter: "instance.resource_id=" + quote(instance) + " AND end_time=0", OrderBy: "start_time desc", PageSize: 1})
	if err != nil || len(list.GetResources()) == 0 {
		return nil, err
	}
	return list.GetResources()[0].GetResource().GetOsUpdateRun(), nil
}

// createRun opens a run named "<host name> update <time>", as the legacy manager names them.
func (s *Server) createRun(ctx context.Context, tenant string, in *maintmgrv1.UpdateStatus, t *target, c change) error {
	now := s.now().UTC()
	run := &computev1.OSUpdateRun{
		Name:            safeText(t.host.GetName(), 13) + " update " + now.Format("20060102-150405"),
		Description:     safeText("OS update for "+t.inst.GetOs().GetName(), 200),
		Instance:        &computev1.InstanceResource{ResourceId: t.inst.GetResourceId()},
		Status:          c.status.text,
		StatusIndicator: c.status.indicator,
		StatusDetails:   truncate(in.GetStatusDetail(), maxDetail),
		StatusTimestamp: uint32(now.Unix()),
		StartTime:       uint32(now.Unix()),
	}
	if p := t.inst.GetUpdatePolicy().GetResourceId(); p != "" {
		run.AppliedPolicy = &computev1.OSUpdatePolicy{ResourceId: p}
	}
	_, err := s.inv.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: tenant,
		Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_OsUpdateRun{OsUpdateRun: run}}})
	if err == nil {
		s.metrics.runs.WithLabelValues("created").Inc()
		text, _, _, _ := runStatus(in.GetStatusType())
		s.runs.set(tenant, t.inst.GetResourceId(), text)
	}
	return err
}

// safeText keeps the characters the apiv2 run name and description allow, at most n bytes.
func safeText(v string, n int) string {
	clean := strings.Map(func(r rune) rune {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:;=?@!#,<>*() ", r)) {
			return r
		}
		return -1
	}, v)
	return strings.TrimSpace(clean[:min(len(clean), n)])
}
