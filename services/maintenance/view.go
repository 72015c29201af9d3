package maintenance

import (
	"context"
	"sync"
	"time"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

// changesPage is how many changes one ListChanges call reads.
const changesPage = 1000

// views holds, per tenant, what the polls read from the inventory: the hosts by GUID (host and
// instance, with its OS and update policy), the regions' parents, and every schedule of the
// tenant by target. Before a poll is answered the view applies the tenant's change log after
// the revision it is at (one indexed read, shared by the polls of the tenant: see
// tenantView.sync), and every change someone made since drops what it touches, so a poll never
// answers from a view older than maxAge before its arrival (with maxAge 0, than its arrival).
type views struct {
	mu      sync.Mutex
	tenants map[string]*tenantView
	maxAge  time.Duration
	clock   func() time.Time // time.Now; tests move it
}

// tenantView is one tenant's cached reads, valid up to rev of its change log.
type tenantView struct {
	mu        sync.Mutex
	following bool  // rev is a revision of the change log (set by the first sync)
	rev       int64 // the change log is applied up to here
	// targetEpoch and schedEpoch move when every host, or the schedules and regions' parents,
	// are dropped; changed is the revision of the last change applied to each host and instance
	// (by resource id). A read from the inventory is kept only if nothing it read was dropped
	// since it began (see mark): a read older than a change never outlives it.
	targetEpoch uint64
	schedEpoch  uint64
	changed     map[string]int64
	targets     map[string]*target // by host GUID
	byID        map[string]string  // host and instance resource id → GUID
	parents     map[string]string  // region id → its parent region id ("" for a root)
	schedules   *scheduleIndex     // every schedule of the tenant; nil until read
	// own are this manager's writes the change log has not shown yet (revision → resource id):
	// the view holds them already, so they drop nothing when they show.
	own map[int64]string

	seq      uint64 // change-log reads started
	inflight *syncFlight
	last     *syncFlight
	maxAge   time.Duration
	clock    func() time.Time
}

// syncFlight is one read of a tenant's change log.
type syncFlight struct {
	seq     uint64
	started time.Time
	done    chan struct{}
	err     error
}

// DefaultViewMaxAge is Options.ViewMaxAge when zero: how old a read of the change log a poll
// may be answered after. The polls of a tenant then cost at most one change-log read a second,
// whatever their number; an edit made through the API reaches the agents within that second
// (their next poll is 20 s away anyway).
const DefaultViewMaxAge = time.Second

func newViews(maxAge time.Duration) *views {
	return &views{tenants: map[string]*tenantView{}, maxAge: maxAge, clock: time.Now}
}

// of returns the tenant's view, creating an empty one.
func (v *views) of(tenant string) *tenantView {
	v.mu.Lock()
	defer v.mu.Unlock()
	tv, ok := v.tenants[tenant]
	if !ok {
		tv = &tenantView{maxAge: v.maxAge, clock: v.clock}
		tv.clearLocked()
		v.tenants[tenant] = tv
	}
	return tv
}

func (tv *tenantView) clearLocked() {
	tv.targetEpoch++
	tv.schedEpoch++
	tv.targets, tv.byID, tv.changed = map[string]*target{}, map[string]string{}, map[string]int64{}
	tv.parents, tv.schedules, tv.own = map[string]string{}, nil, map[int64]string{}
}

// sync brings the view up to a read of the change log that started after the call, or less
// than maxAge before it and succeeded: it returns at once after such a read, joins one in
// flight, waits for an older one, or starts one.
func (tv *tenantView) sync(ctx context.Context, inv inventoryv1.InventoryServiceClient, tenant string) error {
	tv.mu.Lock()
	since, arrived := tv.seq, tv.clock()
	fresh := func(f *syncFlight) bool {
		return f.seq > since || (f.err == nil && tv.maxAge > 0 && arrived.Sub(f.started) < tv.maxAge)
	}
	for {
		if f := tv.inflight; f != nil {
			tv.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return ctx.Err()
			}
			if fresh(f) {
				return f.err
			}
			tv.mu.Lock()
			continue
		}
		if tv.last != nil && fresh(tv.last) {
			err := tv.last.err
			tv.mu.Unlock()
			return err
		}
		tv.seq++
		f := &syncFlight{seq: tv.seq, started: tv.clock(), done: make(chan struct{})}
		tv.inflight = f
		tv.mu.Unlock()
		f.err = tv.read(ctx, inv, tenant)
		tv.mu.Lock()
		tv.inflight, tv.last = nil, f
		tv.mu.Unlock()
		close(f.done)
		return f.err
	}
}

// read applies the tenant's changes after rev; the first read only takes the current revision
// (the view is empty: everything is read after it).
func (tv *tenantView) read(ctx context.Context, inv inventoryv1.InventoryServiceClient, tenant string) error {
	tv.mu.Lock()
	after, following := tv.rev, tv.following
	tv.mu.Unlock()
	if !following {
		resp, err := inv.ListChanges(ctx, &inventoryv1.ListChangesRequest{TenantId: tenant, PageSize: 1})
		if err != nil {
			return err
		}
		tv.mu.Lock()
		tv.rev, tv.following = resp.GetCurrentRevision(), true
		tv.clearLocked()
		tv.mu.Unlock()
		return nil
	}
	for {
		resp, err := inv.ListChanges(ctx, &inventoryv1.ListChangesRequest{TenantId: tenant, AfterRevision: after, PageSize: changesPage})
		if provider.CodeOf(err) == provider.NotFound {
			tv.restart(0, false) // the project is gone: start again when it is back
			return nil
		}
		if err != nil {
			return err
		}
		changes := resp.GetChanges()
		if (len(changes) > 0 && changes[0].GetRevision() > after+1) || resp.GetCurrentRevision() < after {
			// Changes were dropped from the log, or the project's log started again.
			tv.restart(resp.GetCurrentRevision(), true)
			return nil
		}
		tv.mu.Lock()
		for _, ch := range changes {
			tv.applyLocked(ch)
			after = ch.GetRevision()
		}
		if len(changes) < changesPage {
			tv.rev = max(after, resp.GetCurrentRevision())
			tv.mu.Unlock()
			return nil
		}
		tv.rev = after
		tv.mu.Unlock()
	}
}

// restart empties the view and follows the log from rev.
func (tv *tenantView) restart(rev int64, following bool) {
	tv.mu.Lock()
	defer tv.mu.Unlock()
	tv.rev, tv.following = rev, following
	tv.clearLocked()
}

// applyLocked drops what the change touches: the host of a host or instance; every host for
// an OS or an OS update policy (their instances carry them); the schedules for a schedule;
// everything for a site or a region (hosts carry their site and regions).
func (tv *tenantView) applyLocked(ch *inventoryv1.Change) {
	switch ch.GetKind() {
	case inventoryv1.ResourceKind_RESOURCE_KIND_HOST, inventoryv1.ResourceKind_RESOURCE_KIND_INSTANCE:
		if id, ok := tv.own[ch.GetRevision()]; ok && id == ch.GetResourceId() {
			delete(tv.own, ch.GetRevision()) // this manager's write: the view holds it
			return
		}
		tv.changed[ch.GetResourceId()] = ch.GetRevision() // a read of that host may be in flight, from before the change
		if guid, ok := tv.byID[ch.GetResourceId()]; ok {
			tv.dropLocked(guid)
		}
	case inventoryv1.ResourceKind_RESOURCE_KIND_OS, inventoryv1.ResourceKind_RESOURCE_KIND_OS_UPDATE_POLICY:
		tv.targetEpoch++
		tv.targets, tv.byID = map[string]*target{}, map[string]string{}
	case inventoryv1.ResourceKind_RESOURCE_KIND_SINGLE_SCHEDULE, inventoryv1.ResourceKind_RESOURCE_KIND_REPEATED_SCHEDULE:
		tv.schedEpoch++
		tv.schedules = nil
	case inventoryv1.ResourceKind_RESOURCE_KIND_SITE, inventoryv1.ResourceKind_RESOURCE_KIND_REGION:
		tv.clearLocked() // a host read carries its site, its region and that region's parent
	}
}

func (tv *tenantView) dropLocked(guid string) {
	t, ok := tv.targets[guid]
	if !ok {
		return
	}
	delete(tv.targets, guid)
	delete(tv.byID, t.host.GetResourceId())
	delete(tv.byID, t.inst.GetResourceId())
}

// drop forgets the host of guid (after this manager wrote to it).
func (tv *tenantView) drop(guid string) {
	tv.mu.Lock()
	defer tv.mu.Unlock()
	tv.dropLocked(guid)
}

// wrote keeps t, the target this manager just wrote (at revision rev) as after, in place of
// before, so that the next poll needs no read: only when before is still the view's (nothing
// dropped it meanwhile) and the change log is not applied up to rev yet (so every change the
// view has not applied, before or after rev, is still to come and drops what it touches).
// Otherwise the host is dropped and read again at its next poll.
func (tv *tenantView) wrote(guid string, before, after *target, rev int64) {
	tv.mu.Lock()
	defer tv.mu.Unlock()
	if after == nil || rev == 0 || tv.targets[guid] != before || tv.rev >= rev || !tv.following {
		tv.dropLocked(guid)
		return
	}
	tv.own[rev] = after.inst.GetResourceId()
	tv.targets[guid] = after
}

// mark is where the view was when a read from the inventory began: its epochs and the
// revision its change log was applied up to (every change applied later has a higher one).
type mark struct {
	targets, schedules uint64
	rev                int64
}

// begin returns the mark before a read from the inventory; keep stores its result only if
// nothing it read was dropped since, so a read older than a change never outlives it, while
// the changes of other hosts (many, at fleet start) do not stop it from being kept.
func (tv *tenantView) begin() mark {
	tv.mu.Lock()
	defer tv.mu.Unlock()
	return mark{targets: tv.targetEpoch, schedules: tv.schedEpoch, rev: tv.rev}
}

func (tv *tenantView) target(guid string) *target {
	tv.mu.Lock()
	defer tv.mu.Unlock()
	return tv.targets[guid]
}

func (tv *tenantView) keepTarget(m mark, guid string, t *target) {
	tv.mu.Lock()
	defer tv.mu.Unlock()
	if tv.targetEpoch == m.targets && tv.changed[t.host.GetResourceId()] <= m.rev && tv.changed[t.inst.GetResourceId()] <= m.rev {
		tv.targets[guid] = t
		tv.byID[t.host.GetResourceId()], tv.byID[t.inst.GetResourceId()] = guid, guid
	}
}

func (tv *tenantView) parent(region string) (string, bool) {
	tv.mu.Lock()
	defer tv.mu.Unlock()
	p, ok := tv.parents[region]
	return p, ok
}

func (tv *tenantView) keepParent(m mark, region, parent string) {
	tv.mu.Lock()
	defer tv.mu.Unlock()
	if tv.schedEpoch == m.schedules {
		tv.parents[region] = parent
	}
}

func (tv *tenantView) scheduleIndex() *scheduleIndex {
	tv.mu.Lock()
	defer tv.mu.Unlock()
	return tv.schedules
}

func (tv *tenantView) keepSchedules(m mark, x *scheduleIndex) {
	tv.mu.Lock()
	defer tv.mu.Unlock()
	if tv.schedEpoch == m.schedules {
		tv.schedules = x
	}
}
