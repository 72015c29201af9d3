package maintenance_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"google.golang.org/protobuf/proto"

	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	schedulev1 "github.com/eim-byoi/eim/api/gen/resources/schedule/v1"
	"github.com/eim-byoi/eim/services/maintenance"
)

func TestUpdateSchedule(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	at := func(d time.Duration) uint32 { return uint32(now.Add(d).Unix()) }
	single := func(start, end uint32) *schedulev1.SingleScheduleResource {
		return &schedulev1.SingleScheduleResource{StartSeconds: start, EndSeconds: end}
	}
	wire := func(start, end uint32) *maintmgrv1.UpdateSchedule {
		return &maintmgrv1.UpdateSchedule{SingleSchedule: &maintmgrv1.SingleSchedule{StartSeconds: uint64(start), EndSeconds: uint64(end)}}
	}
	daily := &schedulev1.RepeatedScheduleResource{DurationSeconds: 7200, CronMinutes: "0", CronHours: "2", CronDayMonth: "*", CronMonth: "*", CronDayWeek: "*"}
	weekly := &schedulev1.RepeatedScheduleResource{DurationSeconds: 86400, CronMinutes: "*", CronHours: "*", CronDayMonth: "1,15", CronMonth: "1,7", CronDayWeek: "0"}
	dailyWire := &maintmgrv1.RepeatedSchedule{DurationSeconds: 7200, CronMinutes: "0", CronHours: "2", CronDayMonth: "*", CronMonth: "*", CronDayWeek: "*"}
	weeklyWire := &maintmgrv1.RepeatedSchedule{DurationSeconds: 86400, CronMinutes: "*", CronHours: "*", CronDayMonth: "1,15", CronMonth: "1,7", CronDayWeek: "0"}
	tests := []struct {
		name     string
		singles  []*schedulev1.SingleScheduleResource
		repeated []*schedulev1.RepeatedScheduleResource
		want     *maintmgrv1.UpdateSchedule
	}{
		{name: "none: an empty schedule", want: &maintmgrv1.UpdateSchedule{}},
		{name: "an ended schedule is left out", singles: []*schedulev1.SingleScheduleResource{single(at(-2*time.Hour), at(-time.Hour))},
			want: &maintmgrv1.UpdateSchedule{}},
		{name: "ending exactly now has ended", singles: []*schedulev1.SingleScheduleResource{single(at(-time.Hour), at(0))},
			want: &maintmgrv1.UpdateSchedule{}},
		{name: "a current window", singles: []*schedulev1.SingleScheduleResource{single(at(-time.Hour), at(time.Hour))},
			want: wire(at(-time.Hour), at(time.Hour))},
		{name: "an open-ended schedule started in the past is current", singles: []*schedulev1.SingleScheduleResource{single(at(-48*time.Hour), 0)},
			want: wire(at(-48*time.Hour), 0)},
		{name: "the closest start wins", singles: []*schedulev1.SingleScheduleResource{
			single(at(5*time.Hour), 0), single(at(-3*time.Hour), at(time.Hour)), single(at(2*time.Hour), at(3*time.Hour))},
			want: wire(at(2*time.Hour), at(3*time.Hour))},
		{name: "an ended schedule never wins, even listed after a candidate", singles: []*schedulev1.SingleScheduleResource{
			single(at(10*time.Hour), 0), single(at(-time.Minute), at(-time.Second))},
			want: wire(at(10*time.Hour), 0)},
		{name: "every repeated schedule, the first also in the deprecated field", repeated: []*schedulev1.RepeatedScheduleResource{daily, weekly},
			want: &maintmgrv1.UpdateSchedule{RepeatedSchedule: dailyWire, RepeatedSchedules: []*maintmgrv1.RepeatedSchedule{dailyWire, weeklyWire}}},
		{name: "both kinds", singles: []*schedulev1.SingleScheduleResource{single(at(time.Hour), 0)}, repeated: []*schedulev1.RepeatedScheduleResource{weekly},
			want: &maintmgrv1.UpdateSchedule{SingleSchedule: &maintmgrv1.SingleSchedule{StartSeconds: uint64(at(time.Hour))},
				RepeatedSchedule: weeklyWire, RepeatedSchedules: []*maintmgrv1.RepeatedSchedule{weeklyWire}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := maintenance.UpdateSchedule(tt.singles, tt.repeated, now)
			assert.True(t, proto.Equal(tt.want, got), "want %v\ngot  %v", tt.want, got)
			assert.NoError(t, got.ValidateAll())
		})
	}
}
