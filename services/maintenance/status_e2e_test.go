package maintenance_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	osv1 "github.com/eim-byoi/eim/api/gen/resources/os/v1"
)

func reported(t maintmgrv1.UpdateStatus_StatusType) *maintmgrv1.UpdateStatus {
	return &maintmgrv1.UpdateStatus{StatusType: t}
}

// num reads a JSON number field, 0 when absent.
func num(m map[string]any, key string) float64 {
	v, _ := m[key].(float64)
	return v
}

func str(m map[string]any, key string) string {
	v, _ := m[key].(string)
	return v
}

// runs lists the project's OS update runs through the API, oldest first.
func (w *world) runs(t *testing.T, s *stack) []map[string]any {
	t.Helper()
	out := s.get(t, w.name, w.operator, "os_update_run?orderBy=startTime,name&pageSize=100")
	var runs []map[string]any
	list, _ := out["osUpdateRuns"].([]any)
	for _, r := range list {
		runs = append(runs, r.(map[string]any))
	}
	return runs
}

// TestStatusTransitionsOpenAndCloseRuns reports an update's statuses as the agent does and
// follows them through the API: the instance's update status, the OS update run opened by
// downloading, advanced, and closed by the completed (then a failed) update; polls that change
// nothing write nothing.
func TestStatusTransitionsOpenAndCloseRuns(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startStack(t, dialect)
			w := newWorld(t, s)
			a := w.node(t, s, "host-a", w.site, w.mutableOS, w.policy)
			inst := func() map[string]any { return s.get(t, w.name, w.operator, "compute/instances/"+a.inst) }
			poll := func(st *maintmgrv1.UpdateStatus) {
				t.Helper()
				_, err := s.poll(w.agent, a.guid, st)
				require.NoError(t, err)
			}

			poll(upToDate)
			got := inst()
			assert.Equal(t, "No new updates available", str(got, "updateStatus"))
			assert.Equal(t, "STATUS_INDICATION_IDLE", str(got, "updateStatusIndicator"))
			assert.NotZero(t, num(got, "updateStatusTimestamp"))
			assert.Empty(t, w.runs(t, s), "being up to date opens no run")

			written := got["timestamps"].(map[string]any)["updatedAt"]
			poll(upToDate)
			poll(upToDate)
			assert.Equal(t, written, inst()["timestamps"].(map[string]any)["updatedAt"], "a poll that changes nothing writes nothing")

			poll(&maintmgrv1.UpdateStatus{StatusType: maintmgrv1.UpdateStatus_STATUS_TYPE_UP_TO_DATE, OsUpdateAvailable: "curl\nopenssl"})
			assert.Equal(t, "curl\nopenssl", str(inst(), "osUpdateAvailable"), "the upgradable packages of the mutable OS")

			poll(reported(maintmgrv1.UpdateStatus_STATUS_TYPE_DOWNLOADING))
			runs := w.runs(t, s)
			require.Len(t, runs, 1, "downloading opens a run")
			run := runs[0]
			assert.Equal(t, "Downloading artifacts", str(run, "status"))
			assert.Regexp(t, `^host-a update \d{8}-\d{6}$`, str(run, "name"))
			assert.Equal(t, "OS update for ubuntu", str(run, "description"))
			assert.NotZero(t, num(run, "startTime"))
			assert.Zero(t, num(run, "endTime"))
			assert.Equal(t, w.policy, str(run["appliedPolicy"].(map[string]any), "resourceId"))
			assert.Equal(t, a.inst, str(run["instance"].(map[string]any), "resourceId"))

			poll(reported(maintmgrv1.UpdateStatus_STATUS_TYPE_DOWNLOADED))
			poll(reported(maintmgrv1.UpdateStatus_STATUS_TYPE_STARTED))
			runs = w.runs(t, s)
			require.Len(t, runs, 1, "the open run advances")
			assert.Equal(t, "Updating", str(runs[0], "status"))
			assert.Equal(t, "STATUS_INDICATION_IN_PROGRESS", str(runs[0], "statusIndicator"))
			assert.Equal(t, "Updating", str(inst(), "updateStatus"))
			assert.Equal(t, "STATUS_INDICATION_IN_PROGRESS", str(inst(), "updateStatusIndicator"))

			detail := `{"update_log":[{"name":"curl","version":"8.5.0"},{"name":"openssl","version":"3.0.13"}]}`
			poll(&maintmgrv1.UpdateStatus{StatusType: maintmgrv1.UpdateStatus_STATUS_TYPE_UPDATED, StatusDetail: detail})
			runs = w.runs(t, s)
			require.Len(t, runs, 1)
			assert.Equal(t, "Update completed - 2 package(s) updated/installed", str(runs[0], "status"))
			assert.Equal(t, "STATUS_INDICATION_IDLE", str(runs[0], "statusIndicator"))
			assert.Equal(t, detail, str(runs[0], "statusDetails"))
			assert.NotZero(t, num(runs[0], "endTime"), "the completed update closes the run")
			assert.Equal(t, "Update completed - 2 package(s) updated/installed", str(inst(), "updateStatus"))

			written = inst()["timestamps"].(map[string]any)["updatedAt"]
			poll(&maintmgrv1.UpdateStatus{StatusType: maintmgrv1.UpdateStatus_STATUS_TYPE_UPDATED, StatusDetail: detail})
			assert.Equal(t, written, inst()["timestamps"].(map[string]any)["updatedAt"], "the same status again writes nothing")
			assert.Len(t, w.runs(t, s), 1)

			poll(reported(maintmgrv1.UpdateStatus_STATUS_TYPE_STARTED))
			fail := `{"update_log":[{"error":"dpkg: dependency problems"}]}`
			poll(&maintmgrv1.UpdateStatus{StatusType: maintmgrv1.UpdateStatus_STATUS_TYPE_FAILED, StatusDetail: fail})
			runs = w.runs(t, s)
			require.Len(t, runs, 2, "starting again opens a second run")
			second := runs[1]
			if str(second, "resourceId") == str(run, "resourceId") { // both started within the same second
				second = runs[0]
			}
			assert.Equal(t, "Update failed", str(second, "status"))
			assert.Equal(t, "STATUS_INDICATION_ERROR", str(second, "statusIndicator"))
			assert.Equal(t, fail, str(second, "statusDetails"))
			assert.NotZero(t, num(second, "endTime"))
			assert.Equal(t, "STATUS_INDICATION_ERROR", str(inst(), "updateStatusIndicator"))

			poll(reported(maintmgrv1.UpdateStatus_STATUS_TYPE_UPDATED))
			assert.Len(t, w.runs(t, s), 2, "a completed update without an open run opens none")
		})
	}
}

// TestImmutableUpdateInstallsTheImage follows a microvisor host through an A/B update: the
// instance's osUpdateAvailable names the newest image of its profile and its existingCves are
// its OS's; once the agent reports the update done with the new image, the instance's OS is
// that image, with that image's CVEs, and no update is available any more.
func TestImmutableUpdateInstallsTheImage(t *testing.T) {
	s := startStack(t, "sqlite")
	w := newWorld(t, s)
	cur, next := immutableOS(t, s, w)
	inv := s.localInventory(t) // the OS resource manager's part: the CVEs known of each image
	cvesOf := map[string]string{cur: `[{"cve_id":"CVE-2025-0001","priority":"high"}]`, next: `[]`}
	for id, cves := range cvesOf {
		_, err := inv.UpdateResource(context.Background(), &inventoryv1.UpdateResourceRequest{TenantId: w.id, ResourceId: id,
			Resource:  &inventoryv1.Resource{Resource: &inventoryv1.Resource_Os{Os: &osv1.OperatingSystemResource{ExistingCves: cves}}},
			FieldMask: &fieldmaskpb.FieldMask{Paths: []string{"existing_cves"}}})
		require.NoError(t, err)
	}
	pol := w.create(t, s, "os_update_policy", map[string]any{"name": "pin", "updatePolicy": "UPDATE_POLICY_TARGET", "targetOsId": next})
	n := w.node(t, s, "emt-1", w.site, cur, pol)
	inst := func() map[string]any { return s.get(t, w.name, w.operator, "compute/instances/"+n.inst) }
	poll := func(st *maintmgrv1.UpdateStatus) {
		t.Helper()
		_, err := s.poll(w.agent, n.guid, st)
		require.NoError(t, err)
	}

	poll(upToDate)
	assert.Equal(t, "emt-v2", str(inst(), "osUpdateAvailable"), "the newest image of the profile")
	assert.Equal(t, cvesOf[cur], str(inst(), "existingCves"), "the first status copies the OS's CVEs")
	poll(reported(maintmgrv1.UpdateStatus_STATUS_TYPE_DOWNLOADING))
	poll(reported(maintmgrv1.UpdateStatus_STATUS_TYPE_STARTED))
	poll(&maintmgrv1.UpdateStatus{StatusType: maintmgrv1.UpdateStatus_STATUS_TYPE_UPDATED,
		ProfileName: emtProfile, OsImageId: "3.0.20250717.0732"})
	got := inst()
	assert.Equal(t, next, str(got["os"].(map[string]any), "resourceId"), "the instance runs the installed image")
	assert.Empty(t, str(got, "osUpdateAvailable"), "no newer image")
	assert.Equal(t, cvesOf[next], str(got, "existingCves"), "the installed image's CVEs")
	assert.Equal(t, "Update completed", str(got, "updateStatus"), "no package count on an immutable OS")
	runs := w.runs(t, s)
	require.Len(t, runs, 1)
	assert.Equal(t, "OS update for emt-v1", str(runs[0], "description"))
	assert.NotZero(t, num(runs[0], "endTime"))
}

// TestConcurrentPollsOpenOneRun sends one host's "started" from eight agents' connections at
// once: the polls of a host are serialized, so one run is opened.
func TestConcurrentPollsOpenOneRun(t *testing.T) {
	s := startStack(t, "postgres")
	w := newWorld(t, s)
	n := w.node(t, s, "host-a", w.site, w.mutableOS, w.policy)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := s.poll(w.agent, n.guid, reported(maintmgrv1.UpdateStatus_STATUS_TYPE_STARTED))
			errs <- err
		}()
	}
	for range 8 {
		require.NoError(t, <-errs)
	}
	assert.Len(t, w.runs(t, s), 1)
	assert.Equal(t, "Updating", str(s.get(t, w.name, w.operator, "compute/instances/"+n.inst), "updateStatus"))
}
