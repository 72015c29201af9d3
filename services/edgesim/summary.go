package edgesim

import (
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"google.golang.org/grpc/codes"

	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
)

// Summary is the outcome of a run, printed as JSON by eim edge-sim.
type Summary struct {
	// Nodes is the fleet's size, NodesStarted how many made their first call.
	Nodes        int   `json:"nodes"`
	NodesStarted int64 `json:"nodesStarted"`
	// NodesThrough is how many nodes were through their start sequence at the end (system
	// information, instance status running and update status acknowledged).
	NodesThrough int64 `json:"nodesThrough"`
	// Tenants is the number of distinct projects of the fleet.
	Tenants int `json:"tenants"`
	// Connections is the size of the HTTP/2 connection pool.
	Connections int `json:"connections"`
	// ElapsedSeconds is the run's wall time.
	ElapsedSeconds float64 `json:"elapsedSeconds"`
	// Sent and Acknowledged count the calls over every RPC; Errors the failed ones by code.
	Sent         int64            `json:"sent"`
	Acknowledged int64            `json:"acknowledged"`
	Errors       map[string]int64 `json:"errors"`
	// RPCs are the counts and latencies of each RPC, by name.
	RPCs map[string]*RPCSummary `json:"rpcs"`
	// CredentialErrors count the failures to obtain a node's token, by code (no call was sent).
	CredentialErrors map[string]int64 `json:"credentialErrors"`
	// Transitions are the update status changes sent through PlatformUpdateStatus.
	Transitions Transitions `json:"transitions"`
	// InstanceChanges count the instance status changes (initializing to running) sent and
	// acknowledged through UpdateInstanceStateStatusByHostGUID.
	InstanceChanges Counted `json:"instanceChanges"`
	// InstanceRunning counts the nodes whose change to running was acknowledged (the rest of
	// InstanceChanges.Acknowledged are first statuses).
	InstanceRunning int64 `json:"instanceRunning"`
	// DispatchLagMs is how late calls left after they were due (the simulator keeping up).
	DispatchLagMs Percentiles `json:"dispatchLagMs"`
	// CPUSeconds is the CPU time (user and system) of this process during the run, and
	// CPUMsPer1000Calls that time per 1,000 calls sent.
	CPUSeconds        float64 `json:"cpuSeconds"`
	CPUMsPer1000Calls float64 `json:"cpuMsPer1000Calls"`
	// Steady is the steady window (Config.Steady); nil when there was none, or the run ended
	// before it opened.
	Steady *Steady `json:"steady,omitempty"`
}

// RPCSummary are one RPC's counts and latencies.
type RPCSummary struct {
	Sent         int64            `json:"sent"`
	Acknowledged int64            `json:"acknowledged"`
	Errors       map[string]int64 `json:"errors"`
	// PerSecond is Sent over the run's wall time.
	PerSecond float64 `json:"perSecond"`
	// LatencyMs are the latency percentiles of the finished calls.
	LatencyMs Percentiles `json:"latencyMs"`
}

// Percentiles of a latency distribution, in milliseconds.
type Percentiles struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

// Counted are changes sent and acknowledged.
type Counted struct {
	Sent         int64 `json:"sent"`
	Acknowledged int64 `json:"acknowledged"`
}

// Transitions count the update status changes sent and acknowledged, and by status.
type Transitions struct {
	Counted
	// ByStatus counts the changes sent to each status (STATUS_TYPE_STARTED, ...).
	ByStatus map[string]int64 `json:"byStatus"`
}

func percentiles(h *hdrhistogram.Histogram) Percentiles {
	ms := func(us int64) float64 { return float64(us) / 1000 }
	if h.TotalCount() == 0 {
		return Percentiles{}
	}
	return Percentiles{P50: ms(h.ValueAtQuantile(50)), P90: ms(h.ValueAtQuantile(90)), P99: ms(h.ValueAtQuantile(99)),
		P999: ms(h.ValueAtQuantile(99.9)), Max: ms(h.Max())}
}

// summary builds the Summary of s over elapsed and cpu.
func (s *stats) summary(nodes, tenants, conns int, elapsed, cpu time.Duration) *Summary {
	out := &Summary{Nodes: nodes, NodesStarted: s.started.Load(), Tenants: tenants, Connections: conns,
		ElapsedSeconds: elapsed.Seconds(), CredentialErrors: codeCounts(&s.credentials), Transitions: Transitions{ByStatus: map[string]int64{}}}
	out.NodesThrough = s.through.Load()
	out.RPCs, out.Errors = s.rpcs.summaries(elapsed)
	out.Sent, out.Acknowledged = s.totals()
	for i := range s.transitions {
		t := &s.transitions[i]
		if n := t.sent.Load(); n > 0 {
			out.Transitions.ByStatus[maintmgrv1.UpdateStatus_StatusType(i).String()] = n
		}
		out.Transitions.Sent += t.sent.Load()
		out.Transitions.Acknowledged += t.acked.Load()
	}
	out.InstanceChanges = Counted{Sent: s.instance.sent.Load(), Acknowledged: s.instance.acked.Load()}
	out.InstanceRunning = s.instance.running.Load()
	s.lagMu.Lock()
	out.DispatchLagMs = percentiles(s.lag)
	s.lagMu.Unlock()
	out.CPUSeconds = cpu.Seconds()
	if out.Sent > 0 {
		out.CPUMsPer1000Calls = float64(cpu.Milliseconds()) * 1000 / float64(out.Sent)
	}
	return out
}

// summaries returns the summary of each RPC of set called over elapsed, by name, and the
// failed calls of every RPC by code.
func (set *rpcSet) summaries(elapsed time.Duration) (map[string]*RPCSummary, map[string]int64) {
	rpcs, errs := map[string]*RPCSummary{}, map[string]int64{}
	for i := range set {
		st := &set[i]
		sent := st.sent.Load()
		if sent == 0 {
			continue
		}
		r := &RPCSummary{Sent: sent, Acknowledged: st.codes[codes.OK].Load(), Errors: codeCounts(&st.codes),
			PerSecond: float64(sent) / max(elapsed.Seconds(), 1e-9)}
		st.mu.Lock()
		r.LatencyMs = percentiles(st.hist)
		st.mu.Unlock()
		rpcs[rpc(i).name()] = r
		for code, n := range r.Errors {
			errs[code] += n
		}
	}
	return rpcs, errs
}

// codeCounts returns the non-zero counts of every code but OK, by code name.
func codeCounts(c *[numCodes]atomic.Int64) map[string]int64 {
	out := map[string]int64{}
	for code := 1; code < numCodes; code++ {
		if n := c[code].Load(); n > 0 {
			out[codes.Code(code).String()] = n
		}
	}
	return out
}
