package edgesim

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	onboardingmgrv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
)

func TestWindowOpen(t *testing.T) {
	// Wednesday 2026-12-02 10:30:20 UTC.
	now := time.Date(2026, 12, 2, 10, 30, 20, 0, time.UTC)
	at := func(h, m int) int64 { return time.Date(2026, 12, 2, h, m, 0, 0, time.UTC).Unix() }
	rep := func(dur uint32, min, hour, dom, month, dow string) *maintmgrv1.UpdateSchedule {
		return &maintmgrv1.UpdateSchedule{RepeatedSchedules: []*maintmgrv1.RepeatedSchedule{{DurationSeconds: dur,
			CronMinutes: min, CronHours: hour, CronDayMonth: dom, CronMonth: month, CronDayWeek: dow}}}
	}
	single := func(start, end int64) *maintmgrv1.UpdateSchedule {
		return &maintmgrv1.UpdateSchedule{SingleSchedule: &maintmgrv1.SingleSchedule{StartSeconds: uint64(start), EndSeconds: uint64(end)}}
	}
	for _, tc := range []struct {
		name  string
		sched *maintmgrv1.UpdateSchedule
		start int64 // 0: closed
	}{
		{"single open", single(now.Unix()-60, now.Unix()+60), now.Unix() - 60},
		{"single not yet", single(now.Unix()+1, now.Unix()+60), 0},
		{"single over", single(now.Unix()-60, now.Unix()-1), 0},
		{"single without end, started", single(now.Unix()-3600, 0), now.Unix() - 3600},
		{"none", &maintmgrv1.UpdateSchedule{}, 0},
		{"repeated this minute", rep(60, "30", "10", "*", "*", "*"), at(10, 30)},
		{"repeated window over", rep(60, "29", "10", "*", "*", "*"), 0},
		{"repeated long window", rep(3600, "0", "10", "*", "*", "*"), at(10, 0)},
		{"repeated latest start wins", rep(7200, "0,15", "9,10", "*", "*", "*"), at(10, 15)},
		{"repeated other month", rep(3600, "0", "10", "*", "1", "*"), 0},
		{"repeated weekday matches", rep(3600, "0", "10", "*", "*", "3"), at(10, 0)},
		{"repeated weekday differs", rep(3600, "0", "10", "*", "*", "4"), 0},
		{"both day fields: either", rep(3600, "0", "10", "1", "*", "3"), at(10, 0)},
		{"both day fields: neither", rep(3600, "0", "10", "1", "*", "4"), 0},
		{"repeated yesterday into today", rep(86400, "0", "23", "1", "12", "*"), time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC).Unix()},
		{"bad cron is never open", rep(3600, "61", "*", "*", "*", "*"), 0},
		{"zero duration is never open", rep(0, "*", "*", "*", "*", "*"), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, ok := newWindows().open(tc.sched, now)
			assert.Equal(t, tc.start, start)
			assert.Equal(t, tc.start != 0, ok)
		})
	}
}

func TestWindowCacheAnswersAsTheComputation(t *testing.T) {
	w := newWindows()
	sched := &maintmgrv1.UpdateSchedule{RepeatedSchedules: []*maintmgrv1.RepeatedSchedule{{DurationSeconds: 90,
		CronMinutes: "0,20,40", CronHours: "*", CronDayMonth: "*", CronMonth: "*", CronDayWeek: "*"}}}
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for range 300 {
		now = now.Add(time.Duration(rand.IntN(40)) * time.Second)
		got, _ := w.open(sched, now)
		assert.Equal(t, repeatedStart(sched.GetRepeatedSchedules()[0], now), got, "at %s", now)
	}
}

func TestQueuePopsInTimeOrder(t *testing.T) {
	var q queue
	var want []int64
	for range 1000 {
		at := rand.Int64N(1e6)
		q.push(event{at: at})
		want = append(want, at)
	}
	slices.Sort(want)
	got := make([]int64, 0, len(want))
	for len(q) > 0 {
		got = append(got, q.pop().at)
	}
	assert.Equal(t, want, got)
}

func TestFleetIsStableAndValid(t *testing.T) {
	a := NewFleet(300, []Tenant{{Name: "x"}, {Name: "y"}}, "seed")
	assert.Equal(t, a, NewFleet(300, []Tenant{{Name: "x"}, {Name: "y"}}, "seed"), "the same seed, the same fleet")
	assert.NotEqual(t, a[0].GUID, NewFleet(1, nil, "other")[0].GUID)
	guids := map[string]bool{}
	for i, n := range a {
		guids[n.GUID] = true
		assert.Equal(t, []string{"x", "y"}[i%2], n.Tenant.Name)
		req := &onboardingmgrv1.OnboardNodeStreamRequest{Uuid: n.GUID, Serialnum: n.Serial, MacId: n.MAC, HostIp: n.IP}
		require.NoError(t, req.ValidateAll(), "the onboarding request of node %d passes the legacy validation", i)
		require.NoError(t, systemInfo(i, n).ValidateAll(), "the inventory of node %d passes the legacy validation", i)
	}
	assert.Len(t, guids, len(a))
}
