package maintenance

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	osv1 "github.com/eim-byoi/eim/api/gen/resources/os/v1"
	statusv1 "github.com/eim-byoi/eim/api/gen/resources/status/v1"
)

// The legacy maintenance manager's update status texts, shown in the instance's updateStatus
// and the OS update runs' status.
const (
	StatusUnknown     = "Unknown"
	StatusUpdating    = "Updating"
	StatusCompleted   = "Update completed"
	StatusFailed      = "Update failed"
	StatusUpToDate    = "No new updates available"
	StatusDownloading = "Downloading artifacts"
	StatusDownloaded  = "Download complete"
)

// maxDetail bounds the detail an OS update run keeps (the apiv2 limit of status_details).
const maxDetail = 100000

// updateStatus is a status as the inventory keeps it: a text and an indicator.
type updateStatus struct {
	text      string
	indicator statusv1.StatusIndication
}

// statusOf maps the agent's status type to the legacy status.
func statusOf(t maintmgrv1.UpdateStatus_StatusType) updateStatus {
	idle := statusv1.StatusIndication_STATUS_INDICATION_IDLE
	switch t {
	case maintmgrv1.UpdateStatus_STATUS_TYPE_STARTED:
		return updateStatus{StatusUpdating, statusv1.StatusIndication_STATUS_INDICATION_IN_PROGRESS}
	case maintmgrv1.UpdateStatus_STATUS_TYPE_UPDATED:
		return updateStatus{StatusCompleted, idle}
	case maintmgrv1.UpdateStatus_STATUS_TYPE_FAILED:
		return updateStatus{StatusFailed, statusv1.StatusIndication_STATUS_INDICATION_ERROR}
	case maintmgrv1.UpdateStatus_STATUS_TYPE_UP_TO_DATE:
		return updateStatus{StatusUpToDate, idle}
	case maintmgrv1.UpdateStatus_STATUS_TYPE_DOWNLOADING:
		return updateStatus{StatusDownloading, idle}
	case maintmgrv1.UpdateStatus_STATUS_TYPE_DOWNLOADED:
		return updateStatus{StatusDownloaded, idle}
	}
	return updateStatus{StatusUnknown, statusv1.StatusIndication_STATUS_INDICATION_UNSPECIFIED}
}

// same reports whether a stored status (text, indicator) already says st: the legacy
// comparison, where the stored text may carry a suffix ("Update completed - 3 package(s) ...").
func (st updateStatus) same(text string, indicator statusv1.StatusIndication) bool {
	return indicator == st.indicator && strings.Contains(text, st.text)
}

// detailOf returns the status detail the legacy manager keeps: for a completed or failed
// update, the agent's JSON log when it has the update_log key, with the number of its entries;
// nothing otherwise.
func detailOf(in *maintmgrv1.UpdateStatus) (detail string, entries int) {
	t := in.GetStatusType()
	if in.GetStatusDetail() == "" || (t != maintmgrv1.UpdateStatus_STATUS_TYPE_UPDATED && t != maintmgrv1.UpdateStatus_STATUS_TYPE_FAILED) {
		return "", 0
	}
	var log struct {
		UpdateLog []json.RawMessage `json:"update_log"`
	}
	if err := json.Unmarshal([]byte(in.GetStatusDetail()), &log); err != nil || log.UpdateLog == nil {
		return "", 0
	}
	return truncate(in.GetStatusDetail(), maxDetail), len(log.UpdateLog)
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// change is what a poll changes on the instance; zero when nothing.
type change struct {
	status       updateStatus
	label        string // the status's legacy text without suffix: the metrics' bounded label
	statusNeeded bool
	detail       string
	available    *string // the new osUpdateAvailable, when it changes
	newOS        string  // the OS an immutable update installed, when it changes
	cves         *string // the instance's new existingCves, when they change
}

func (c change) empty() bool {
	return !c.statusNeeded && c.available == nil && c.newOS == "" && c.cves == nil
}

// written is what record did: whether it wrote (or tried to), and when the instance write
// committed, its revision and the instance as it now is (nil when the view must read it again:
// another OS installed, whose fields the instance embeds).
type written struct {
	wrote bool
	rev   int64
	after *target
}

// record writes what the reported status changes: the OS update run first, then the instance,
// so that a failed write leaves the instance as it was and the agent's next poll redoes both.
func (s *Server) record(ctx context.Context, tenant string, in *maintmgrv1.UpdateStatus, t *target) (written, error) {
	c, err := s.plan(ctx, tenant, in, t.inst)
	if err != nil || c.empty() {
		return written{}, err
	}
	if c.statusNeeded {
		if err := s.advanceRun(ctx, tenant, in, t, c); err != nil {
			return written{wrote: true}, err
		}
	}
	upd, paths := s.instanceUpdate(c)
	rev, err := s.writeInstance(ctx, tenant, t.inst, c, upd, paths)
	if err != nil || c.newOS != "" {
		return written{wrote: true}, err
	}
	inst := proto.CloneOf(t.inst)
	if c.statusNeeded {
		inst.UpdateStatus, inst.UpdateStatusIndicator, inst.UpdateStatusTimestamp = upd.UpdateStatus, upd.UpdateStatusIndicator, upd.UpdateStatusTimestamp
	}
	if c.available != nil {
		inst.OsUpdateAvailable = *c.available
	}
	if c.cves != nil {
		inst.ExistingCves = *c.cves
	}
	return written{wrote: true, rev: rev, after: &target{host: t.host, inst: inst}}, nil
}

// plan compares the reported status with the instance's.
func (s *Server) plan(ctx context.Context, tenant string, in *maintmgrv1.UpdateStatus, inst *computev1.InstanceResource) (change, error) {
	c := change{status: statusOf(in.GetStatusType())}
	c.label = c.status.text
	c.statusNeeded = !c.status.same(inst.GetUpdateStatus(), inst.GetUpdateStatusIndicator())
	if c.statusNeeded {
		var entries int
		c.detail, entries = detailOf(in)
		if c.detail != "" && in.GetStatusType() == maintmgrv1.UpdateStatus_STATUS_TYPE_UPDATED && inst.GetOs().GetOsType() == osv1.OsType_OS_TYPE_MUTABLE {
			c.status.text = fmt.Sprintf("%s - %d package(s) updated/installed", c.status.text, entries)
		}
		os, err := s.installedOS(ctx, tenant, in, inst)
		if err != nil {
			return c, err
		}
		c.newOS = os
		if c.cves, err = s.cves(ctx, tenant, inst, c); err != nil {
			return c, err
		}
	}
	installed := inst.GetOs().GetResourceId()
	if c.newOS != "" {
		installed = c.newOS
	}
	avail, err := s.available(ctx, tenant, in, inst, installed)
	if err != nil {
		return c, err
	}
	if avail != inst.GetOsUpdateAvailable() {
		c.available = &avail
	}
	return c, nil
}

// available is what the instance's osUpdateAvailable should say: on a mutable OS the agent's
// list of upgradable packages; on an immutable OS the name of the newest OS image of the
// instance's profile when it is not the installed one (installed: the OS resource id).
func (s *Server) available(ctx context.Context, tenant string, in *maintmgrv1.UpdateStatus, inst *computev1.InstanceResource, installed string) (string, error) {
	switch inst.GetOs().GetOsType() {
	case osv1.OsType_OS_TYPE_MUTABLE:
		return in.GetOsUpdateAvailable(), nil
	case osv1.OsType_OS_TYPE_IMMUTABLE:
		latest, err := s.latestImmutable(ctx, tenant, inst.GetOs().GetProfileName())
		if err != nil || latest == nil || latest.GetResourceId() == installed {
			return "", err
		}
		return latest.GetName(), nil
	}
	return inst.GetOsUpdateAvailable(), nil
}

// cves returns the instance's existing CVEs after change c, nil when they stay: those of the
// OS an immutable update installed, or, on the instance's first status (indicator unspecified
// before, idle now), those of its OS; as the legacy manager copies them.
func (s *Server) cves(ctx context.Context, tenant string, inst *computev1.InstanceResource, c change) (*string, error) {
	var cves string
	switch {
	case c.newOS != "":
		got, err := s.inv.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: tenant, ResourceId: c.newOS, Kind: inventoryv1.ResourceKind_RESOURCE_KIND_OS})
		if err != nil {
			return nil, err
		}
		cves = got.GetStored().GetResource().GetOs().GetExistingCves()
	case inst.GetUpdateStatusIndicator() == statusv1.StatusIndication_STATUS_INDICATION_UNSPECIFIED &&
		c.status.indicator == statusv1.StatusIndication_STATUS_INDICATION_IDLE:
		cves = inst.GetOs().GetExistingCves()
	default:
		return nil, nil
	}
	if cves == inst.GetExistingCves() {
		return nil, nil
	}
	return &cves, nil
}

// installedOS returns the OS resource an immutable update installed, when the agent reports
// the update done with the new image's profile and id; "" otherwise.
func (s *Server) installedOS(ctx context.Context, tenant string, in *maintmgrv1.UpdateStatus, inst *computev1.InstanceResource) (string, error) {
	cur := inst.GetOs()
	if in.GetStatusType() != maintmgrv1.UpdateStatus_STATUS_TYPE_UPDATED || cur.GetOsType() != osv1.OsType_OS_TYPE_IMMUTABLE ||
		in.GetProfileName() == "" || in.GetOsImageId() == "" || in.GetProfileName() != cur.GetProfileName() || in.GetOsImageId() == cur.GetImageId() {
		return "", nil
	}
	list, err := s.inv.ListResources(ctx, &inventoryv1.ListResourcesRequest{TenantId: tenant, Kind: inventoryv1.ResourceKind_RESOURCE_KIND_OS,
		Filter: fmt.Sprintf("profile_name=%s AND image_id=%s", quote(in.GetProfileName()), quote(in.GetOsImageId())), PageSize: 2})
	if err != nil {
		return "", err
	}
	if len(list.GetResources()) != 1 {
		s.log.Warn("the OS image the agent installed is not one OS resource of the project; the instance keeps its OS",
			"profile", in.GetProfileName(), "image", in.GetOsImageId(), "found", len(list.GetResources()))
		return "", nil
	}
	if id := list.GetResources()[0].GetResource().GetOs().GetResourceId(); id != cur.GetResourceId() {
		return id, nil
	}
	return "", nil
}

// instanceUpdate is c as an update of the instance: the fields it sets and their paths.
func (s *Server) instanceUpdate(c change) (*computev1.InstanceResource, []string) {
	upd := &computev1.InstanceResource{}
	var paths []string
	if c.statusNeeded {
		upd.UpdateStatus, upd.UpdateStatusIndicator, upd.UpdateStatusTimestamp = c.status.text, c.status.indicator, s.stamp()
		paths = append(paths, "update_status", "update_status_indicator", "update_status_timestamp")
	}
	if c.available != nil {
		upd.OsUpdateAvailable = *c.available
		paths = append(paths, "os_update_available")
	}
	if c.newOS != "" {
		upd.OsID = c.newOS
		paths = append(paths, "osID")
	}
	if c.cves != nil {
		upd.ExistingCves = *c.cves
		paths = append(paths, "existing_cves")
	}
	return upd, paths
}

// writeInstance writes upd (the fields of paths, change c) to the instance in one update,
// group-committed with the tenant's other status writes, and returns the tenant's revision
// after it.
func (s *Server) writeInstance(ctx context.Context, tenant string, inst *computev1.InstanceResource, c change, upd *computev1.InstanceResource, paths []string) (int64, error) {
	got, err := s.writes.Update(ctx, tenant, &inventoryv1.UpdateResourceRequest{TenantId: tenant, ResourceId: inst.GetResourceId(),
		Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_Instance{Instance: upd}}, FieldMask: &fieldmaskpb.FieldMask{Paths: paths}, RevisionOnly: true})
	if err != nil {
		return 0, err
	}
	if c.statusNeeded {
		s.metrics.statusChanges.WithLabelValues(c.label).Inc()
	}
	return got[0].GetRevision(), nil
}

// stamp is the current time in the apiv2 timestamps' seconds.
func (s *Server) stamp() uint32 { return uint32(s.now().Unix()) }

// quote quotes a string for an AIP-160 filter.
func quote(v string) string {
	b, _ := json.Marshal(v)
	return string(b)
}
