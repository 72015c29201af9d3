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

// stats are the counters of a run, updated by every worker.
type stats struct {
	rpcs        [rpcCount]rpcStats
	credentials [numCodes]atomic.Int64 // failures to obtain a token, by code
	started     atomic.Int64           // nodes that made their first call
	transitions [8]struct{ sent, acked atomic.Int64 }
	instance    struct{ sent, acked, running atomic.Int64 }

	lagMu sync.Mutex
	lag   *hdrhistogram.Histogram // how late calls were dispatched
}

func newStats() *stats {
	s := &stats{lag: hdrhistogram.New(histMin, histMax, 2)}
	for i := range s.rpcs {
		s.rpcs[i].hist = hdrhistogram.New(histMin, histMax, histDigits)
	}
	return s
}

// done records a finished call of r.
func (s *stats) done(r rpc, code codes.Code, took time.Duration) {
	st := &s.rpcs[r]
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
	for i := range s.rpcs {
		sent += s.rpcs[i].sent.Load()
		acked += s.rpcs[i].codes[codes.OK].Load()
	}
	return sent, acked
}
