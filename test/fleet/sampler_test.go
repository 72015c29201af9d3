//go:build fleetbench

package fleet_test

import (
	"sync"
	"time"
)

// sampleEvery is how often the sampler reads the server's counters.
const sampleEvery = time.Second

// sample is the server's counters at one moment.
type sample struct {
	at   time.Time
	cpu  float64 // CPU seconds so far (user + system)
	rss  int64   // resident set size, bytes
	xact int64   // PostgreSQL transactions committed so far (0 on SQLite)
}

// sampler reads the server's CPU time, RSS and committed transactions every second in the
// background, so that a window reported afterwards (edge-sim's steady window) is measured
// over exactly its start and end, interpolated between the samples around them.
type sampler struct {
	s    *server
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex
	samples []sample
	errs    []error // the first read errors (a sample that failed is left out)
}

// startSampler takes a first sample and samples every second until stopped.
func startSampler(s *server) *sampler {
	sm := &sampler{s: s, stop: make(chan struct{}), done: make(chan struct{})}
	sm.take()
	go func() {
		defer close(sm.done)
		t := time.NewTicker(sampleEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				sm.take()
			case <-sm.stop:
				return
			}
		}
	}()
	return sm
}

// take records one sample; a failed read is kept as an error (the first few).
func (sm *sampler) take() {
	cpu, err := sm.s.readCPUSeconds()
	var rss, xact int64
	if err == nil {
		rss, err = sm.s.readRSSBytes()
	}
	if err == nil {
		xact, err = sm.s.readXactCommit()
	}
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if err != nil {
		if len(sm.errs) < 3 {
			sm.errs = append(sm.errs, err)
		}
		return
	}
	sm.samples = append(sm.samples, sample{at: time.Now(), cpu: cpu, rss: rss, xact: xact})
}

// finish stops sampling after a last sample, and returns the samples and the first errors.
func (sm *sampler) finish() ([]sample, []error) {
	close(sm.stop)
	<-sm.done
	sm.take()
	sm.mu.Lock()
	defer sm.mu.Unlock()
	return sm.samples, sm.errs
}

// windowUsage is the server's use of a window: CPU seconds and transactions committed, the
// largest RSS sampled within it.
type windowUsage struct {
	cpuSeconds float64
	xact       float64
	maxRSS     int64
	samples    int // samples within the window
}

// usage interpolates the counters of samples (in time order) at from and to, which must lie
// within the samples' span; ok is false when they do not.
func usage(samples []sample, from, to time.Time) (windowUsage, bool) {
	if len(samples) < 2 || from.Before(samples[0].at) || to.After(samples[len(samples)-1].at) || to.Before(from) {
		return windowUsage{}, false
	}
	a, b := interpolate(samples, from), interpolate(samples, to)
	u := windowUsage{cpuSeconds: b.cpu - a.cpu, xact: b.xactF - a.xactF}
	for _, s := range samples {
		if !s.at.Before(from) && !s.at.After(to) {
			u.maxRSS, u.samples = max(u.maxRSS, s.rss), u.samples+1
		}
	}
	if u.samples == 0 { // a window shorter than the sampling interval: the nearer sample
		u.maxRSS = max(a.rss, b.rss)
	}
	return u, true
}

// interpolated are the counters at a moment between two samples.
type interpolated struct {
	cpu, xactF float64
	rss        int64
}

// interpolate returns the counters at ts, linear between the samples around it.
func interpolate(samples []sample, ts time.Time) interpolated {
	for i := 1; i < len(samples); i++ {
		a, b := samples[i-1], samples[i]
		if ts.After(b.at) {
			continue
		}
		f := 0.0
		if span := b.at.Sub(a.at); span > 0 {
			f = float64(ts.Sub(a.at)) / float64(span)
		}
		rss := a.rss
		if f >= 0.5 {
			rss = b.rss
		}
		return interpolated{cpu: a.cpu + f*(b.cpu-a.cpu), xactF: float64(a.xact) + f*float64(b.xact-a.xact), rss: rss}
	}
	last := samples[len(samples)-1]
	return interpolated{cpu: last.cpu, xactF: float64(last.xact), rss: last.rss}
}
