package edgesim

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	hostmgr "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
)

// nodeState is what a node remembers between its calls. Each kind of call of a node runs at
// most once at a time (busy), as each agent is one loop; the fields are only touched by the
// call holding the kind's busy bit.
type nodeState struct {
	busy    atomic.Uint32 // bit per kind
	started atomic.Bool
	steps   atomic.Uint32 // the start sequence's steps acknowledged (see step)

	hbAcked uint32 // heartbeats acknowledged

	update     maintmgrv1.UpdateStatus_StatusType // the status the next poll reports
	sentUpdate maintmgrv1.UpdateStatus_StatusType // the status last put on the wire
	ackedUpd   maintmgrv1.UpdateStatus_StatusType // the status last acknowledged
	window     int64                              // start of the last window followed
}

// sim is a running simulation.
type sim struct {
	cfg   Config
	st    *stats
	nodes []nodeState
	win   *windows
	conns []*grpc.ClientConn
	host  []hostmgr.HostmgrClient
	maint []maintmgrv1.MaintmgrServiceClient

	mu   sync.Mutex
	q    queue
	wake chan struct{}

	allThrough  chan struct{} // closed once every node is through its start sequence
	throughOnce sync.Once
	steady      *steadyWindow // the steady window, once open (Config.Steady)
}

// connBinder is implemented by credentials that call the southbound listener themselves.
type connBinder interface {
	bind(conn func(node int) grpc.ClientConnInterface, st *stats)
}

// Run simulates cfg's fleet until cfg.Duration has passed or ctx ends, and returns what was
// sent and acknowledged. It returns an error only when the simulation cannot start.
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	conns, err := dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer closeAll(conns)
	s := &sim{cfg: cfg, st: newStats(), nodes: make([]nodeState, len(cfg.Fleet)), win: newWindows(), conns: conns,
		wake: make(chan struct{}, 1), allThrough: make(chan struct{})}
	for _, cc := range conns {
		s.host = append(s.host, hostmgr.NewHostmgrClient(cc))
		s.maint = append(s.maint, maintmgrv1.NewMaintmgrServiceClient(cc))
	}
	for i := range s.nodes {
		s.nodes[i].update = maintmgrv1.UpdateStatus_STATUS_TYPE_UP_TO_DATE
	}
	if b, ok := cfg.Credentials.(connBinder); ok {
		b.bind(func(node int) grpc.ClientConnInterface { return conns[node%len(conns)] }, s.st)
	}
	cpu0 := cpuTime()
	start := time.Now()
	s.schedule(start)
	s.run(ctx, start)
	elapsed := time.Since(start)
	sum := s.st.summary(len(cfg.Fleet), tenants(cfg.Fleet), len(conns), elapsed, cpuTime()-cpu0)
	if s.steady != nil {
		sum.Steady = s.steady.summary(start, len(cfg.Fleet))
	}
	return sum, nil
}

// tenants counts the distinct projects of fleet.
func tenants(fleet []Node) int {
	seen := map[Tenant]struct{}{}
	for _, n := range fleet {
		seen[n.Tenant] = struct{}{}
	}
	return len(seen)
}

// schedule queues every node's first calls, the starts spread evenly over the ramp-up.
func (s *sim) schedule(start time.Time) {
	n := len(s.cfg.Fleet)
	s.q = make(queue, 0, 3*n)
	for i := range n {
		at := start.Add(time.Duration(int64(s.cfg.RampUp) * int64(i) / int64(n))).UnixNano()
		for k := range kindCount {
			s.q.push(event{at: at, node: int32(i), kind: k})
		}
	}
}

// push queues e, waking the dispatcher.
func (s *sim) push(e event) {
	s.mu.Lock()
	s.q.push(e)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run dispatches events to the workers until the duration (or the steady window) is over or
// ctx ends, then waits for the calls in flight.
func (s *sim) run(ctx context.Context, start time.Time) {
	stop := make(chan struct{})
	var once sync.Once
	end := func() { once.Do(func() { close(stop) }) }
	var watch sync.WaitGroup
	switch {
	case s.cfg.Steady > 0:
		watch.Go(func() { s.watchSteady(ctx, stop, end) })
	case s.cfg.Duration > 0:
		t := time.AfterFunc(s.cfg.Duration, end)
		defer t.Stop()
	}
	if s.cfg.Stop != nil {
		go func() {
			select {
			case <-s.cfg.Stop:
				end()
			case <-stop:
			}
		}()
	}
	defer end()
	work := make(chan event)
	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Go(func() {
			for e := range work {
				s.handle(ctx, e)
			}
		})
	}
	done := make(chan struct{})
	var pg sync.WaitGroup
	if s.cfg.Progress != nil {
		pg.Go(func() { s.progress(start, done) })
	}
	s.dispatch(ctx, stop, work)
	end()
	watch.Wait()
	close(work)
	wg.Wait()
	if s.steady != nil {
		s.steady.close(time.Now(), cpuTime())
	}
	close(done)
	pg.Wait()
}

// dispatch hands due events to the workers, blocking while all of them are busy.
func (s *sim) dispatch(ctx context.Context, stop <-chan struct{}, work chan<- event) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := time.Now().UnixNano()
		s.mu.Lock()
		var wait time.Duration = time.Hour
		if len(s.q) > 0 {
			wait = time.Duration(s.q[0].at - now)
		}
		if wait <= 0 {
			e := s.q.pop()
			s.mu.Unlock()
			s.st.late(time.Duration(-wait))
			select {
			case work <- e:
				continue
			case <-stop:
				return
			case <-ctx.Done():
				return
			}
		}
		s.mu.Unlock()
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-s.wake:
		case <-stop:
			return
		case <-ctx.Done():
			return
		}
	}
}

// next is when a regular call of interval d due at from is due again, with jitter. A call
// left late (every worker busy) does not make the next ones catch up: like an agent's ticker,
// the ticks already missed are dropped.
func (s *sim) next(from int64, d time.Duration) int64 {
	next := from + int64(d)
	if j := s.cfg.Jitter; j > 0 {
		next = from + int64(float64(d)*(1-j+2*j*rand.Float64()))
	}
	if now := time.Now().UnixNano(); next < now {
		next += ((now-next)/int64(d) + 1) * int64(d)
	}
	return next
}

// handle makes e's call and queues what follows it.
func (s *sim) handle(ctx context.Context, e event) {
	n := &s.nodes[e.node]
	bit := uint32(1) << e.kind
	if e.attempt == 0 {
		s.reschedule(e)
	}
	if old := n.busy.Load(); old&bit != 0 || !n.busy.CompareAndSwap(old, old|bit) {
		return // the previous call of this kind still runs: the tick is dropped
	}
	defer n.busy.And(^bit)
	if !n.started.Swap(true) {
		s.st.started.Add(1)
	}
	var err error
	switch e.kind {
	case kindSystemInfo:
		if err = s.systemInfo(ctx, int(e.node)); err == nil {
			s.step(n, stepSystemInfo)
		}
	case kindHeartbeat:
		err = s.heartbeat(ctx, int(e.node), n)
	case kindPoll:
		s.poll(ctx, int(e.node), n) // a failed poll waits for the next tick
	}
	if err != nil && ctx.Err() == nil && s.retries(e) {
		attempt := min(int(e.attempt)+1, 255)
		s.push(event{at: time.Now().Add(s.cfg.Backoff.Delay(attempt)).UnixNano(), node: e.node, kind: e.kind, attempt: uint8(attempt)})
	}
}

// reschedule queues the next regular call of e's kind.
func (s *sim) reschedule(e event) {
	switch e.kind {
	case kindHeartbeat:
		s.push(event{at: s.next(e.at, s.cfg.Heartbeat), node: e.node, kind: e.kind})
	case kindPoll:
		s.push(event{at: s.next(e.at, s.cfg.Poll), node: e.node, kind: e.kind})
	case kindSystemInfo:
		if s.cfg.SystemInfo > 0 {
			s.push(event{at: s.next(e.at, s.cfg.SystemInfo), node: e.node, kind: e.kind})
		}
	}
}

// retries reports whether a failed call of e is retried: the inventory until it is
// acknowledged, a heartbeat Retries times.
func (s *sim) retries(e event) bool {
	switch e.kind {
	case kindSystemInfo:
		return true
	case kindHeartbeat:
		return int(e.attempt) < s.cfg.Retries
	}
	return false
}
