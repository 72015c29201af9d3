package edgesim

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"google.golang.org/grpc/codes"
)

// The RPCs the nodes call, as the summary names them.
const (
	RPCSystemInfo    = "UpdateHostSystemInfoByGUID"
	RPCInstance      = "UpdateInstanceStateStatusByHostGUID"
	RPCUpdateStatus  = "PlatformUpdateStatus"
	RPCOnboardStream = "OnboardNodeStream"
)

// rpc indexes the RPC counters.
type rpc uint8

const (
	rpcSystemInfo rpc = iota
	rpcInstance
	rpcUpdateStatus
	rpcOnboard
	rpcCount
)

// name is the RPC's name in the summary.
func (r rpc) name() string {
	return [rpcCount]string{RPCSystemInfo, RPCInstance, RPCUpdateStatus, RPCOnboardStream}[r]
}

// Histogram range: 1µs to 2 minutes at 3 significant digits.
const (
	histMin    = 1
	histMax    = int64(2 * time.Minute / time.Microsecond)
	histDigits = 3
	numCodes   = 17 // codes.OK .. codes.Unauthenticated
)

// rpcStats counts one RPC's calls.
type rpcStats struct {
	sent  atomic.Int64
	codes [numCodes]atomic.Int64

	mu   sync.Mutex
	hist *hdrhistogram.Histogram
}

// rpcSet counts each RPC's calls.
type rpcSet [rpcCount]rpcStats

func newRPCSet() *rpcSet {
	set := &rpcSet{}
	for i := range set {
		set[i].hist = hdrhistogram.New(histMin, histMax, histDigits)
	}
	return set
}

// stats are the counters of a run, updated by every worker.
type stats struct {
	rpcs        *rpcSet
	window      atomic.Pointer[rpcSet] // the steady window's counts, once it is open
	credentials [numCodes]atomic.Int64 // failures to obtain a token, by code
	started     atomic.Int64           // nodes that made their first call
	through     atomic.Int64           // nodes through their start sequence (see step)
	transitions [8]struct{ sent, acked atomic.Int64 }
	instance    struct{ sent, acked, running atomic.Int64 }

	lagMu sync.Mutex
	lag   *hdrhistogram.Histogram // how late calls were dispatched
}

func newStats() *stats {
	return &stats{rpcs: newRPCSet(), lag: hdrhistogram.New(histMin, histMax, 2)}
}

// send counts a call of r about to be sent, and returns the steady window it is counted in
// (nil before the window opens), which done is given when the call is over: a call belongs
// to the window it was sent in.
func (s *stats) send(r rpc) *rpcSet {
	s.rpcs[r].sent.Add(1)
	w := s.window.Load()
	if w != nil {
		w[r].sent.Add(1)
	}
	return w
}

// done records a finished call of r, sent in window w (nil: none).
func (s *stats) done(r rpc, w *rpcSet, code codes.Code, took time.Duration) {
	s.rpcs[r].done(code, took)
	if w != nil {
		w[r].done(code, took)
	}
}

// done records a finished call.
func (st *rpcStats) done(code codes.Code, took time.Duration) {
	st.codes[min(int(code), numCodes-1)].Add(1)
	st.mu.Lock()
	_ = st.hist.RecordValue(max(took.Microseconds(), histMin))
	st.mu.Unlock()
}

// late records that a call was dispatched d after it was due.
func (s *stats) late(d time.Duration) {
	s.lagMu.Lock()
	_ = s.lag.RecordValue(max(d.Microseconds(), histMin))
	s.lagMu.Unlock()
}

// totals returns the calls sent and acknowledged over every RPC.
func (s *stats) totals() (sent, acked int64) {
	return s.rpcs.totals()
}

// totals returns the calls sent and acknowledged over every RPC of set.
func (set *rpcSet) totals() (sent, acked int64) {
	for i := range set {
		sent += set[i].sent.Load()
		acked += set[i].codes[codes.OK].Load()
	}
	return sent, acked
}
