package hostmgr

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	statusv1 "github.com/eim-byoi/eim/api/gen/resources/status/v1"
)

// hostKey names a host as the agents do: its GUID, within the caller's tenant.
type hostKey struct{ tenant, guid string }

// instanceFields are the instance fields the node agent reports.
type instanceFields struct {
	state  computev1.InstanceState
	status Status
	detail string
}

// host is what the host manager keeps of one host between calls. Its fields are guarded by
// mu, which also serializes the calls of one host (heartbeat, system info, sweep).
type host struct {
	mu         sync.Mutex
	key        hostKey
	id         string // the host's resource id
	instanceID string // its instance's, "" when it has none
	status     Status // host_status and its indicator, as last read or written
	instance   instanceFields
	untrusted  bool
	updating   bool         // the instance's update is in progress: the host status is left alone
	readRev    atomic.Int64 // the revision of the host's last change when it was read: older changes are in
	ownMu      sync.Mutex
	own        []int64     // the revisions of this manager's writes since the read (guarded by ownMu)
	stale      atomic.Bool // another writer changed it: read it again before use
	readAt     time.Time
	lastSeen   time.Time // the last heartbeat; zero until the first
	lost       bool      // marked No Connection since the last heartbeat
	sysinfo    [32]byte  // digest of the last system info written
	hasSysinfo bool
	// stored is the host as last read, until a system info report was compared with it
	// (holdsSystemInfo); nil once hasSysinfo.
	stored *computev1.HostResource
	shown  atomic.Pointer[string] // status.Text, for the metrics (read without mu)
}

// setStatus sets h's status (under h.mu).
func (h *host) setStatus(st Status) {
	h.status = st
	text := st.Text
	h.shown.Store(&text)
}

// fill sets h from the host as the inventory returned it at revision rev.
func (h *host) fill(r *computev1.HostResource, rev int64, now time.Time) {
	h.id = r.GetResourceId()
	h.setStatus(Status{r.GetHostStatus(), r.GetHostStatusIndicator()})
	h.untrusted = r.GetCurrentState() == computev1.HostState_HOST_STATE_UNTRUSTED || r.GetDesiredState() == computev1.HostState_HOST_STATE_UNTRUSTED
	if r.GetResourceId() != h.id {
		h.hasSysinfo = false // a new host of that GUID (deleted and registered again)
	}
	inst := r.GetInstance()
	h.instanceID = inst.GetResourceId()
	h.instance = instanceFields{state: inst.GetCurrentState(), status: Status{inst.GetInstanceStatus(), inst.GetInstanceStatusIndicator()},
		detail: inst.GetInstanceStatusDetail()}
	h.updating = inst.GetUpdateStatusIndicator() == statusv1.StatusIndication_STATUS_INDICATION_IN_PROGRESS
	h.readAt = now
	h.readRev.Store(rev)
	if !h.hasSysinfo {
		h.stored = r
	}
	h.ownMu.Lock()
	h.own = h.own[:0]
	h.ownMu.Unlock()
	h.stale.Store(false)
}

// wrote records the revision of a write of this manager, which the change log will show.
func (h *host) wrote(rev int64) {
	h.ownMu.Lock()
	defer h.ownMu.Unlock()
	h.own = append(h.own, rev)
}

// seen reports whether the change at rev is already reflected: read, or written by this
// manager.
func (h *host) seen(rev int64) bool {
	if rev <= h.readRev.Load() {
		return true
	}
	h.ownMu.Lock()
	defer h.ownMu.Unlock()
	return slices.Contains(h.own, rev)
}

// cache holds the hosts the agents called about, by key and by resource id (the host's and
// its instance's), and per tenant the change-log revision read up to.
type cache struct {
	mu      sync.RWMutex // read-locked on the calls' paths, which only look up
	hosts   map[hostKey]*host
	byID    map[string]*host
	cursors map[string]int64
}

func newCache() *cache {
	return &cache{hosts: map[hostKey]*host{}, byID: map[string]*host{}, cursors: map[string]int64{}}
}

// get returns the host of k, adding an empty (stale) one when there is none.
func (c *cache) get(k hostKey) *host {
	c.mu.RLock()
	h, ok := c.hosts[k]
	c.mu.RUnlock()
	if ok {
		return h
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok = c.hosts[k]
	if !ok {
		h = &host{key: k}
		h.stale.Store(true)
		c.hosts[k] = h
	}
	return h
}

// follows reports whether the tenant's change log is followed already.
func (c *cache) follows(tenant string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.cursors[tenant]
	return ok
}

// follow starts following the tenant's change log after revision rev, unless it is already.
func (c *cache) follow(tenant string, rev int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cursors[tenant]; !ok {
		c.cursors[tenant] = rev
	}
}

// index records h's resource ids; call it after fill, with h.mu held.
func (c *cache) index(h *host) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hosts[h.key] = h
	c.byID[h.id] = h
	if h.instanceID != "" {
		c.byID[h.instanceID] = h
	}
}

// forget removes h and the given resource ids of it (a deleted host, or a GUID that is no
// host of the tenant); h is marked stale for a call holding it already.
func (c *cache) forget(h *host, ids ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h.stale.Store(true)
	if c.hosts[h.key] == h {
		delete(c.hosts, h.key)
	}
	for _, id := range ids {
		if id != "" && c.byID[id] == h {
			delete(c.byID, id)
		}
	}
}

// apply marks the cached host a change of another writer touched as stale, forgets a deleted
// host, and marks the tenant's hosts stale when an instance is created (it may be one of
// theirs).
func (c *cache) apply(ch *inventoryv1.Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	kind, op := ch.GetKind(), ch.GetOperation()
	if kind != inventoryv1.ResourceKind_RESOURCE_KIND_HOST && kind != inventoryv1.ResourceKind_RESOURCE_KIND_INSTANCE {
		return
	}
	if kind == inventoryv1.ResourceKind_RESOURCE_KIND_INSTANCE && op == inventoryv1.Operation_OPERATION_CREATED {
		c.staleTenantLocked(ch.GetTenantId())
		return
	}
	h, ok := c.byID[ch.GetResourceId()]
	if !ok || h.seen(ch.GetRevision()) {
		return // not cached, or a change this host manager read or made
	}
	h.stale.Store(true)
	if op == inventoryv1.Operation_OPERATION_DELETED {
		delete(c.byID, ch.GetResourceId())
		if kind == inventoryv1.ResourceKind_RESOURCE_KIND_HOST && c.hosts[h.key] == h {
			delete(c.hosts, h.key)
		}
	}
}

// advance records that the tenant's changes up to rev were applied.
func (c *cache) advance(tenant string, rev int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cursors[tenant]; ok && rev > c.cursors[tenant] {
		c.cursors[tenant] = rev
	}
}

// restart follows the tenant's change log from rev, which may be below where it was.
func (c *cache) restart(tenant string, rev int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cursors[tenant]; ok {
		c.cursors[tenant] = rev
	}
}

// staleTenant marks every cached host of tenant stale (changes were missed).
func (c *cache) staleTenant(tenant string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.staleTenantLocked(tenant)
}

func (c *cache) staleTenantLocked(tenant string) {
	for k, h := range c.hosts {
		if k.tenant == tenant {
			h.stale.Store(true)
		}
	}
}

// all returns the cached hosts.
func (c *cache) all() []*host {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*host, 0, len(c.hosts))
	for _, h := range c.hosts {
		out = append(out, h)
	}
	return out
}

// tenants returns the tenants with cached hosts and the revision each was read up to.
func (c *cache) tenants() map[string]int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[string]int64, len(c.cursors))
	for t, rev := range c.cursors {
		out[t] = rev
	}
	return out
}

// byStatus counts the hosts whose status is known by their status label (see statusLabel).
func (c *cache) byStatus() map[string]int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := map[string]int{}
	for _, h := range c.hosts {
		if t := h.shown.Load(); t != nil {
			out[statusLabel(*t)]++
		}
	}
	return out
}

// byTenant counts the hosts whose status is known by tenant and status label.
func (c *cache) byTenant() map[string]map[string]int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := map[string]map[string]int{}
	for k, h := range c.hosts {
		if t := h.shown.Load(); t != nil {
			if out[k.tenant] == nil {
				out[k.tenant] = map[string]int{}
			}
			out[k.tenant][statusLabel(*t)]++
		}
	}
	return out
}

func (c *cache) size() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.hosts)
}
