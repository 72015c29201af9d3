package edgesim

import (
	"fmt"
	"syscall"
	"time"
)

// progress rewrites a line on cfg.Progress every ProgressInterval, and once more with the
// final counts when the run is done.
func (s *sim) progress(start time.Time, done <-chan struct{}) {
	t := time.NewTicker(s.cfg.ProgressInterval)
	defer t.Stop()
	var last int64
	line := func() {
		sent, acked := s.st.totals()
		fmt.Fprintf(s.cfg.Progress, "\r%6.0fs  nodes %d/%d  sent %d  acked %d  not acked %d  %.0f calls/s   ",
			time.Since(start).Seconds(), s.st.started.Load(), len(s.cfg.Fleet), sent, acked, sent-acked,
			float64(sent-last)/s.cfg.ProgressInterval.Seconds())
		last = sent
	}
	for {
		select {
		case <-t.C:
			line()
		case <-done:
			line() // the final counts
			fmt.Fprintln(s.cfg.Progress)
			return
		}
	}
}

// cpuTime is the CPU time (user and system) this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
