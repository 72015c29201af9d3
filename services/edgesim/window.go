package edgesim

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
)

// The platform update agent acts on a poll's answer only when it carries both an update source
// and an update schedule. A single schedule is open from start_seconds until end_seconds (no
// end: from its start on, once); a repeated schedule is open for duration_seconds from each
// minute its cron fields match (UTC, the agent's scheduler). The window's start identifies it,
// so that a node updates once per window.

// windows finds open windows, caching each repeated schedule's answer for the current minute:
// a fleet polls the same few schedules thousands of times a second.
type windows struct {
	mu     sync.Mutex
	minute int64
	cache  map[string]int64 // schedule -> open window's start (0: none) at minute
}

func newWindows() *windows { return &windows{cache: map[string]int64{}} }

// open returns the start (unix seconds) of a window of sched open at now, and whether one is.
func (w *windows) open(sched *maintmgrv1.UpdateSchedule, now time.Time) (int64, bool) {
	if s := sched.GetSingleSchedule(); s != nil && s.GetStartSeconds() > 0 {
		start, end := int64(s.GetStartSeconds()), int64(s.GetEndSeconds())
		if start <= now.Unix() && (end == 0 || now.Unix() < end) {
			return start, true
		}
	}
	repeated := sched.GetRepeatedSchedules()
	if r := sched.GetRepeatedSchedule(); r != nil { //nolint:staticcheck // the deprecated field older managers send
		repeated = append(repeated[:len(repeated):len(repeated)], r)
	}
	best := int64(0)
	for _, r := range repeated {
		if start := w.repeated(r, now); start > best {
			best = start
		}
	}
	return best, best > 0
}

// repeated returns the start of r's window open at now, or 0.
func (w *windows) repeated(r *maintmgrv1.RepeatedSchedule, now time.Time) int64 {
	key := fmt.Sprintf("%d|%s|%s|%s|%s|%s", r.GetDurationSeconds(), r.GetCronMinutes(), r.GetCronHours(),
		r.GetCronDayMonth(), r.GetCronMonth(), r.GetCronDayWeek())
	minute := now.Unix() / 60
	w.mu.Lock()
	if minute != w.minute {
		w.minute, w.cache = minute, map[string]int64{}
	}
	last, ok := w.cache[key]
	w.mu.Unlock()
	if !ok {
		last = latestMatch(r, now)
		w.mu.Lock()
		if minute == w.minute {
			w.cache[key] = last
		}
		w.mu.Unlock()
	}
	return openAt(r, last, now)
}

// openAt returns last, the latest start of r at or before now, when its window is still open
// at now; 0 otherwise (earlier starts closed before it).
func openAt(r *maintmgrv1.RepeatedSchedule, last int64, now time.Time) int64 {
	if last > 0 && now.Unix() < last+int64(r.GetDurationSeconds()) {
		return last
	}
	return 0
}

// repeatedStart is the latest minute m <= now matching r's cron fields with now < m+duration,
// or 0.
func repeatedStart(r *maintmgrv1.RepeatedSchedule, now time.Time) int64 {
	return openAt(r, latestMatch(r, now), now)
}

// latestMatch is the latest minute m <= now matching r's cron fields whose window could still
// be open in now's minute, or 0: it depends on now's minute only.
func latestMatch(r *maintmgrv1.RepeatedSchedule, now time.Time) int64 {
	c, err := parseCron(r)
	if err != nil || r.GetDurationSeconds() == 0 {
		return 0
	}
	minute := now.UTC().Truncate(time.Minute)
	earliest := minute.Add(-time.Duration(r.GetDurationSeconds()) * time.Second)
	for m := minute; m.After(earliest); m = m.Add(-time.Minute) {
		if c.matches(m) {
			return m.Unix()
		}
	}
	return 0
}

// cron are the sets of a repeated schedule's fields (bit i set: value i matches).
type cron struct {
	minute, hour, dom, month, dow uint64
	domAny, dowAny                bool
}

func parseCron(r *maintmgrv1.RepeatedSchedule) (cron, error) {
	var c cron
	var err error
	fields := []struct {
		spec     string
		lo, hi   int
		dst      *uint64
		wildcard *bool
	}{
		{r.GetCronMinutes(), 0, 59, &c.minute, nil}, {r.GetCronHours(), 0, 23, &c.hour, nil},
		{r.GetCronDayMonth(), 1, 31, &c.dom, &c.domAny}, {r.GetCronMonth(), 1, 12, &c.month, nil},
		{r.GetCronDayWeek(), 0, 6, &c.dow, &c.dowAny},
	}
	for _, f := range fields {
		if *f.dst, err = cronField(f.spec, f.lo, f.hi); err != nil {
			return c, err
		}
		if f.wildcard != nil {
			*f.wildcard = strings.TrimSpace(f.spec) == "*"
		}
	}
	return c, nil
}

// cronField parses "*" or a comma-separated list of values within lo..hi.
func cronField(spec string, lo, hi int) (uint64, error) {
	spec = strings.TrimSpace(spec)
	if spec == "*" {
		var all uint64
		for v := lo; v <= hi; v++ {
			all |= 1 << v
		}
		return all, nil
	}
	var set uint64
	for part := range strings.SplitSeq(spec, ",") {
		v, err := strconv.Atoi(part)
		if err != nil || v < lo || v > hi {
			return 0, fmt.Errorf("cron field %q: %q is not within %d..%d", spec, part, lo, hi)
		}
		set |= 1 << v
	}
	return set, nil
}

// matches reports whether minute t matches c; as in cron, when both day fields are
// restricted a day matching either is enough.
func (c cron) matches(t time.Time) bool {
	if c.minute&(1<<t.Minute()) == 0 || c.hour&(1<<t.Hour()) == 0 || c.month&(1<<int(t.Month())) == 0 {
		return false
	}
	dom, dow := c.dom&(1<<t.Day()) != 0, c.dow&(1<<int(t.Weekday())) != 0
	if !c.domAny && !c.dowAny {
		return dom || dow
	}
	return dom && dow
}
