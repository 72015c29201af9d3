package maintenance

import "sync"

// hostLocks serializes the polls of each host in this process, so that two concurrent polls
// of one host cannot both open a run, while polls of different hosts never wait for each other
// (a poll holds its host's lock across inventory reads and writes). A host's lock exists while
// a poll holds or waits for it.
type hostLocks struct {
	mu    sync.Mutex
	locks map[hostKey]*hostLock
}

// hostKey names a host: its GUID in its tenant.
type hostKey struct{ tenant, guid string }

type hostLock struct {
	sync.Mutex
	users int // polls holding or waiting for it (guarded by hostLocks.mu)
}

func newHostLocks() *hostLocks { return &hostLocks{locks: map[hostKey]*hostLock{}} }

// lock takes the host's lock and returns its release.
func (h *hostLocks) lock(tenant, guid string) (unlock func()) {
	k := hostKey{tenant, guid}
	h.mu.Lock()
	l, ok := h.locks[k]
	if !ok {
		l = &hostLock{}
		h.locks[k] = l
	}
	l.users++
	h.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		h.mu.Lock()
		if l.users--; l.users == 0 {
			delete(h.locks, k)
		}
		h.mu.Unlock()
	}
}
