package maintenance_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
)

var upToDate = &maintmgrv1.UpdateStatus{StatusType: maintmgrv1.UpdateStatus_STATUS_TYPE_UP_TO_DATE}

// dialects are the databases the end-to-end tests run the process on.
var dialects = []string{"sqlite", "postgres"}

// agentActs is the platform-update-agent's rule (Ubuntu): it schedules an update only from a
// response carrying both an update source and an update schedule, and only the schedules in it.
func agentActs(r *maintmgrv1.PlatformUpdateStatusResponse) bool {
	if r.GetUpdateSource() == nil || r.GetUpdateSchedule() == nil {
		return false
	}
	return r.GetUpdateSchedule().GetSingleSchedule() != nil || len(r.GetUpdateSchedule().GetRepeatedSchedules()) > 0
}

// repeatedBody is a daily repeated OS update schedule at hour h on target (a targetXId field).
func repeatedBody(name string, h int, target, id string) map[string]any {
	return map[string]any{"name": name, "scheduleStatus": "SCHEDULE_STATUS_OS_UPDATE", "durationSeconds": 3600,
		"cronMinutes": "30", "cronHours": itoa(h), "cronDayMonth": "*", "cronMonth": "*", "cronDayWeek": "1,3,5", target: id}
}

func repeatedWire(h int) *maintmgrv1.RepeatedSchedule {
	return &maintmgrv1.RepeatedSchedule{DurationSeconds: 3600, CronMinutes: "30", CronHours: itoa(h), CronDayMonth: "*", CronMonth: "*", CronDayWeek: "1,3,5"}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestSchedulesReachTheirHosts creates schedules through the API on a host, a site, a region
// and a parent region, and polls as the agents of two hosts: each gets the schedules of its
// host, its site and its site's regions, never another host's or site's; the closest single
// schedule not ended is sent.
func TestSchedulesReachTheirHosts(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startStack(t, dialect)
			w := newWorld(t, s)
			a := w.node(t, s, "host-a", w.site, w.mutableOS, w.policy)
			b := w.node(t, s, "host-b", w.otherSite, w.mutableOS, w.policy)
			schedOf := func(n node) *maintmgrv1.UpdateSchedule {
				t.Helper()
				resp, err := s.poll(w.agent, n.guid, upToDate)
				require.NoError(t, err)
				require.NotNil(t, resp.GetUpdateSource())
				return resp.GetUpdateSchedule()
			}
			empty := &maintmgrv1.UpdateSchedule{}
			assert.Empty(t, cmpSched(empty, schedOf(a)), "no schedule yet: an empty schedule")

			now := time.Now().Unix()
			w.create(t, s, "schedules/single", map[string]any{"name": "past", "scheduleStatus": "SCHEDULE_STATUS_OS_UPDATE",
				"startSeconds": now - 7200, "endSeconds": now - 3600, "targetHostId": a.host})
			w.create(t, s, "schedules/single", map[string]any{"name": "next", "scheduleStatus": "SCHEDULE_STATUS_OS_UPDATE",
				"startSeconds": now + 3600, "endSeconds": now + 7200, "targetHostId": a.host})
			w.create(t, s, "schedules/single", map[string]any{"name": "later", "scheduleStatus": "SCHEDULE_STATUS_OS_UPDATE",
				"startSeconds": now + 86400, "targetHostId": a.host})
			s.settle() // polls within DefaultViewMaxAge of the last change-log read may not see the schedules yet
			next := &maintmgrv1.SingleSchedule{StartSeconds: uint64(now + 3600), EndSeconds: uint64(now + 7200)}
			assert.Empty(t, cmpSched(&maintmgrv1.UpdateSchedule{SingleSchedule: next}, schedOf(a)), "the closest single schedule not ended")
			assert.Empty(t, cmpSched(empty, schedOf(b)), "another host's schedule does not reach b")

			w.create(t, s, "schedules/repeated", repeatedBody("site", 1, "targetSiteId", w.site))
			w.create(t, s, "schedules/repeated", repeatedBody("region", 2, "targetRegionId", w.sub))
			w.create(t, s, "schedules/repeated", repeatedBody("parent", 3, "targetRegionId", w.root))
			w.create(t, s, "schedules/repeated", repeatedBody("other-site", 4, "targetSiteId", w.otherSite))
			s.settle()
			got := schedOf(a)
			assert.Equal(t, next.GetStartSeconds(), got.GetSingleSchedule().GetStartSeconds())
			assert.ElementsMatch(t, hours(got.GetRepeatedSchedules()), []string{"1", "2", "3"},
				"the schedules of a's site, region and parent region, not of b's site")
			require.NotNil(t, got.GetRepeatedSchedule(), "the deprecated field carries the first one") //nolint:staticcheck // read by older agents
			assert.True(t, proto.Equal(got.GetRepeatedSchedules()[0], got.GetRepeatedSchedule()))      //nolint:staticcheck // read by older agents
			for _, r := range got.GetRepeatedSchedules() {
				h, err := strconv.Atoi(r.GetCronHours())
				require.NoError(t, err)
				assert.True(t, proto.Equal(repeatedWire(h), r), "the cron fields and duration as created: %v", r)
			}
			gotB := schedOf(b)
			assert.Nil(t, gotB.GetSingleSchedule())
			assert.Equal(t, []string{"4"}, hours(gotB.GetRepeatedSchedules()), "only b's site's schedule")
		})
	}
}

func hours(rs []*maintmgrv1.RepeatedSchedule) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.GetCronHours())
	}
	return out
}

func cmpSched(want, got *maintmgrv1.UpdateSchedule) string {
	if proto.Equal(want, got) {
		return ""
	}
	return "want " + want.String() + " got " + got.String()
}
