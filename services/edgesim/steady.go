package edgesim

import (
	"context"
	"time"
)

// The steps of a node's start sequence, each counted once it is acknowledged: its system
// information, its instance status running, its update status. A node with every step
// acknowledged is through: what follows are heartbeats and polls that change nothing (the
// steady state), unless an update window opens.
const (
	stepSystemInfo uint32 = 1 << iota
	stepRunning
	stepUpdateStatus
	stepsAll = stepSystemInfo | stepRunning | stepUpdateStatus
)

// step records that node n's step was acknowledged; the last node through closes allThrough.
func (s *sim) step(n *nodeState, step uint32) {
	old := n.steps.Or(step)
	if old&step != 0 || old|step != stepsAll {
		return
	}
	if s.st.through.Add(1) == int64(len(s.nodes)) {
		s.throughOnce.Do(func() { close(s.allThrough) })
	}
}

// watchSteady opens the steady window once every node is through its start sequence, or once
// Duration has passed (zero: no limit), whichever comes first, and ends the run (end) when the
// window is Steady long. It returns when the run stops (stop) or ctx ends.
func (s *sim) watchSteady(ctx context.Context, stop <-chan struct{}, end func()) {
	var storm <-chan time.Time
	if s.cfg.Duration > 0 {
		t := time.NewTimer(s.cfg.Duration)
		defer t.Stop()
		storm = t.C
	}
	select {
	case <-s.allThrough:
	case <-storm:
	case <-stop:
		return
	case <-ctx.Done():
		return
	}
	s.steady = s.st.openWindow(time.Now(), cpuTime())
	t := time.NewTimer(s.cfg.Steady)
	defer t.Stop()
	select {
	case <-t.C:
		end()
	case <-stop:
	case <-ctx.Done():
	}
}

// steadyWindow is the steady window of a run: calls sent from its start on are counted in
// set, afresh.
type steadyWindow struct {
	start, end time.Time
	cpu0, cpu1 time.Duration // this process's CPU time at the start and the end
	through    int64         // nodes through their start sequence at the start
	set        *rpcSet
}

// openWindow starts counting the calls sent from now on in a window of their own.
func (s *stats) openWindow(now time.Time, cpu time.Duration) *steadyWindow {
	w := &steadyWindow{start: now, cpu0: cpu, through: s.through.Load(), set: newRPCSet()}
	s.window.Store(w.set)
	return w
}

// close ends the window at now, when the calls sent in it are over.
func (w *steadyWindow) close(now time.Time, cpu time.Duration) {
	w.end, w.cpu1 = now, cpu
}

// summary is the window's Steady of a run started at start over nodes nodes.
func (w *steadyWindow) summary(start time.Time, nodes int) *Steady {
	length := w.end.Sub(w.start)
	out := &Steady{StartUnixMs: w.start.UnixMilli(), EndUnixMs: w.end.UnixMilli(),
		AfterSeconds: w.start.Sub(start).Seconds(), Seconds: length.Seconds(), NodesThrough: w.through,
		StormOver: w.through == int64(nodes), CPUSeconds: (w.cpu1 - w.cpu0).Seconds()}
	out.RPCs, out.Errors = w.set.summaries(length)
	out.Sent, out.Acknowledged = w.set.totals()
	if out.Sent > 0 {
		out.CPUMsPer1000Calls = out.CPUSeconds * 1e6 / float64(out.Sent)
	}
	return out
}

// Steady is the steady window of a run (Config.Steady): the calls sent in it, counted afresh.
type Steady struct {
	// StartUnixMs and EndUnixMs delimit the window (Unix milliseconds): from its opening to the
	// end of the last call sent in it.
	StartUnixMs int64 `json:"startUnixMs"`
	EndUnixMs   int64 `json:"endUnixMs"`
	// AfterSeconds is the time from the run's start to the window's, Seconds the window's length.
	AfterSeconds float64 `json:"afterSeconds"`
	Seconds      float64 `json:"seconds"`
	// NodesThrough is how many nodes were through their start sequence (system information,
	// instance status running and update status acknowledged) when the window opened;
	// StormOver tells whether that was all of them (otherwise the window opened because the
	// run's duration had passed, and the start storm was not over).
	NodesThrough int64 `json:"nodesThrough"`
	StormOver    bool  `json:"stormOver"`
	// Sent and Acknowledged count the calls sent in the window over every RPC; Errors the
	// failed ones by code.
	Sent         int64            `json:"sent"`
	Acknowledged int64            `json:"acknowledged"`
	Errors       map[string]int64 `json:"errors"`
	// RPCs are the counts and latencies of each RPC in the window, by name (PerSecond over
	// the window's length).
	RPCs map[string]*RPCSummary `json:"rpcs"`
	// CPUSeconds is this process's CPU time in the window, CPUMsPer1000Calls that time (in
	// milliseconds) per 1,000 calls sent in it.
	CPUSeconds        float64 `json:"cpuSeconds"`
	CPUMsPer1000Calls float64 `json:"cpuMsPer1000Calls"`
}
