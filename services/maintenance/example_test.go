package maintenance_test

import (
	"fmt"
	"time"

	schedulev1 "github.com/eim-byoi/eim/api/gen/resources/schedule/v1"
	"github.com/eim-byoi/eim/services/maintenance"
)

// The schedule a host's agent receives: the closest single schedule that has not ended, and
// every repeated schedule.
func ExampleUpdateSchedule() {
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	singles := []*schedulev1.SingleScheduleResource{
		{Name: "ended", StartSeconds: uint32(now.Add(-3 * time.Hour).Unix()), EndSeconds: uint32(now.Add(-2 * time.Hour).Unix())},
		{Name: "tonight", StartSeconds: uint32(now.Add(10 * time.Hour).Unix()), EndSeconds: uint32(now.Add(12 * time.Hour).Unix())},
		{Name: "next week", StartSeconds: uint32(now.Add(7 * 24 * time.Hour).Unix())},
	}
	repeated := []*schedulev1.RepeatedScheduleResource{
		{Name: "weekdays", DurationSeconds: 3600, CronMinutes: "30", CronHours: "2", CronDayMonth: "*", CronMonth: "*", CronDayWeek: "1,2,3,4,5"},
	}
	s := maintenance.UpdateSchedule(singles, repeated, now)
	fmt.Println(time.Unix(int64(s.GetSingleSchedule().GetStartSeconds()), 0).UTC())
	fmt.Println(len(s.GetRepeatedSchedules()), s.GetRepeatedSchedules()[0].GetCronHours())
	// Output:
	// 2030-06-01 22:00:00 +0000 UTC
	// 1 2
}
