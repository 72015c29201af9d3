package secrets

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// refreshTimeout bounds one background refresh (a re-read or a lease renewal).
	refreshTimeout = 30 * time.Second
	// retryDelayMax bounds the wait before retrying a failed refresh.
	retryDelayMax = 5 * time.Second
)

// tracker keeps the secrets that are watched or leased: their latest revision, a refresh loop
// per secret, and the watches to tell.
type tracker struct {
	s       *Store
	refresh time.Duration
	log     *slog.Logger

	mu      sync.Mutex
	entries map[string]*entry
	closed  bool
	done    chan struct{} // closed by close
	wg      sync.WaitGroup

	rotations     atomic.Int64 // tracked secrets read anew with a new version
	renewals      atomic.Int64 // lease renewals that succeeded
	renewFailures atomic.Int64 // lease renewals that failed
}

func newTracker(s *Store, refresh time.Duration) *tracker {
	t := &tracker{s: s, refresh: refresh, log: slog.New(slog.DiscardHandler), entries: map[string]*entry{}, done: make(chan struct{})}
	if n, ok := s.d.(LeaseLossNotifier); ok {
		t.wg.Add(1)
		go t.followLoss(n.LeasesLost())
	}
	return t
}

// followLoss re-reads every leased secret at once each time the driver lost its leases, until
// the tracker closes.
func (t *tracker) followLoss(lost <-chan struct{}) {
	defer t.wg.Done()
	for {
		select {
		case <-t.done:
			return
		case _, ok := <-lost:
			if !ok {
				return
			}
			t.leasesLost()
		}
	}
}

// leasesLost marks every leased entry for a new read (its lease cannot be renewed: it is
// gone) and wakes its refresh loop.
func (t *tracker) leasesLost() {
	t.mu.Lock()
	var leased []*entry
	for _, e := range t.entries {
		if e.pinned && e.running {
			leased = append(leased, e)
		}
	}
	t.mu.Unlock()
	for _, e := range leased {
		e.mu.Lock()
		e.reread = true
		e.mu.Unlock()
		t.log.Warn("the secrets backend revoked its leases; reading the leased secret anew", "name", e.name)
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
}

// entry is one tracked secret. Fields under tracker.mu: refs, pinned, running. Fields under
// entry.mu: the rest after ready is closed.
type entry struct {
	name  string
	ready chan struct{} // closed once the first read has finished
	err   error         // the first read's error; set before ready is closed
	stop  chan struct{} // closed to end the refresh loop
	wake  chan struct{} // a Put or Delete through this Store happened

	refs    int  // watches holding the entry
	pinned  bool // leased: tracked until Close so that the lease is renewed
	running bool // the refresh loop was started

	mu      sync.Mutex
	sec     *Secret
	granted time.Time     // when the current lease was granted or last renewed
	ttl     time.Duration // lease duration when the secret was last read
	reread  bool          // the lease cannot usefully be renewed again: read anew
	watches map[*Watch]struct{}
}

func (e *entry) snapshot() *Secret {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sec.clone()
}

func (e *entry) addWatch(w *Watch) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.watches[w] = struct{}{}
}

func (e *entry) removeWatch(w *Watch) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.watches, w)
}

func (e *entry) eachWatch(f func(*Watch)) {
	e.mu.Lock()
	ws := make([]*Watch, 0, len(e.watches))
	for w := range e.watches {
		ws = append(ws, w)
	}
	e.mu.Unlock()
	for _, w := range ws {
		f(w)
	}
}

// read serves ReadSecret: from the tracked copy when there is one, else from the backend,
// tracking the secret from then on when it is leased.
func (t *tracker) read(ctx context.Context, name string) (*Secret, error) {
	_, sec, err := t.acquire(ctx, name, false)
	return sec, err
}

// acquire returns the tracked entry of name, reading the secret when it is not tracked yet
// (once, however many callers ask at the same time). forWatch holds the entry for a watch,
// which must later call release.
func (t *tracker) acquire(ctx context.Context, name string, forWatch bool) (*entry, *Secret, error) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, nil, errClosed
	}
	e, ok := t.entries[name]
	if !ok {
		e = &entry{name: name, ready: make(chan struct{}), stop: make(chan struct{}), wake: make(chan struct{}, 1), watches: map[*Watch]struct{}{}}
		t.entries[name] = e
	}
	if forWatch {
		e.refs++
	}
	t.mu.Unlock()
	if !ok {
		t.load(ctx, e)
	} else {
		select {
		case <-e.ready:
		case <-ctx.Done():
			if forWatch {
				t.release(e)
			}
			return nil, nil, ctx.Err()
		}
	}
	if e.err != nil {
		return nil, nil, e.err
	}
	return e, e.snapshot(), nil
}

// load does the first read of e and decides whether it stays tracked.
func (t *tracker) load(ctx context.Context, e *entry) {
	sec, err := t.s.d.Get(ctx, e.name)
	t.mu.Lock()
	defer t.mu.Unlock()
	defer close(e.ready)
	if err != nil {
		e.err = err
		delete(t.entries, e.name)
		return
	}
	e.sec, e.granted, e.ttl = sec, time.Now(), sec.Lease.Duration
	e.pinned = sec.Lease.Duration > 0
	if !e.pinned && e.refs == 0 {
		delete(t.entries, e.name)
		return
	}
	e.running = true
	t.wg.Add(1)
	go t.loop(e)
}

// release drops a watch's hold on e; an entry nobody holds and that is not leased stops.
func (t *tracker) release(e *entry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e.refs--
	if e.refs > 0 || e.pinned || t.entries[e.name] != e {
		return
	}
	delete(t.entries, e.name)
	if e.running {
		close(e.stop)
	}
}

// changed wakes the refresh loop of name after a write through this Store.
func (t *tracker) changed(name string) {
	t.mu.Lock()
	e := t.entries[name]
	t.mu.Unlock()
	if e == nil {
		return
	}
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (t *tracker) close() {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.closed = true
	close(t.done)
	entries := t.entries
	t.entries = map[string]*entry{}
	for _, e := range entries {
		if e.running {
			close(e.stop)
		}
	}
	t.mu.Unlock()
	t.wg.Wait()
	for _, e := range entries {
		e.eachWatch(func(w *Watch) { w.shut() })
	}
}
