package hostmgr

import (
	"context"
	"time"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

// changesPage is how many changes one ListChanges call reads.
const changesPage = 1000

// Run follows the inventory changes of the cached hosts and marks the silent ones No
// Connection every HeartbeatInterval, until ctx is done.
func (s *Server) Run(ctx context.Context) {
	t := time.NewTicker(s.o.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.Sweep(ctx)
	}
}

// Sweep does one round of the sweeper: it reads the change log of every tenant with cached
// hosts (a host another writer changed is read again before its next use; a deleted one is
// forgotten), then marks No Connection every host whose last heartbeat is older than
// MissedHeartbeats × HeartbeatInterval.
func (s *Server) Sweep(ctx context.Context) {
	for tenant, after := range s.cache.tenants() {
		s.follow(ctx, tenant, after)
	}
	lostAfter := s.o.HeartbeatInterval * time.Duration(s.o.MissedHeartbeats)
	now := s.o.Now()
	for _, h := range s.cache.all() {
		h.mu.Lock()
		if !h.lastSeen.IsZero() && !h.lost && now.Sub(h.lastSeen) >= lostAfter {
			s.markLost(ctx, h)
		}
		h.mu.Unlock()
	}
}

// follow applies the tenant's changes after revision after.
func (s *Server) follow(ctx context.Context, tenant string, after int64) {
	for {
		resp, err := s.o.Inventory.ListChanges(ctx, &inventoryv1.ListChangesRequest{TenantId: tenant, AfterRevision: after, PageSize: changesPage})
		if provider.CodeOf(err) == provider.NotFound {
			s.cache.staleTenant(tenant) // the project is gone: its hosts' next calls read them again
			return
		}
		if err != nil {
			s.o.Logger.Warn("hostmgr: reading the inventory changes failed; retrying at the next sweep", "error", err)
			return
		}
		changes := resp.GetChanges()
		if (len(changes) > 0 && changes[0].GetRevision() > after+1) || resp.GetCurrentRevision() < after {
			// Changes were dropped from the log, or the project's log started again (the project
			// deleted and created anew): read every host again.
			s.cache.staleTenant(tenant)
			s.cache.restart(tenant, resp.GetCurrentRevision())
			return
		}
		for _, ch := range changes {
			s.cache.apply(ch)
			after = ch.GetRevision()
		}
		if len(changes) < changesPage {
			s.cache.advance(tenant, max(after, resp.GetCurrentRevision()))
			return
		}
		s.cache.advance(tenant, after)
	}
}

// markLost writes No Connection as the status of h, read again first, when it shows a status
// that loses its connection (Running, Booting, Error); the write applies only if the host has
// not changed since (a heartbeat through another replica, an operator's change), else the
// next sweep decides again. Called with h.mu held.
func (s *Server) markLost(ctx context.Context, h *host) {
	got, err := s.o.Inventory.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: h.key.tenant, ResourceId: h.id,
		Kind: inventoryv1.ResourceKind_RESOURCE_KIND_HOST})
	if provider.CodeOf(err) == provider.NotFound {
		s.cache.forget(h, h.id, h.instanceID)
		return
	}
	if err != nil {
		s.o.Logger.Warn("hostmgr: reading a silent host failed; retrying at the next sweep", "host", h.id, "error", err)
		return
	}
	h.fill(got.GetStored().GetResource().GetHost(), got.GetStored().GetRevision(), s.o.Now())
	if !losesConnection(h.status) {
		h.lost = true
		return
	}
	err = s.writeHostStatus(ctx, h, HostNoConnection, got.GetStored().GetRevision(), writeConnectionLost)
	switch {
	case err == nil:
		h.lost = true
	case provider.CodeOf(err) != provider.Aborted && provider.CodeOf(err) != provider.NotFound: // NotFound: deleted meanwhile, forgotten
		s.o.Logger.Warn("hostmgr: marking a silent host No Connection failed; retrying at the next sweep", "host", h.id, "error", err)
	}
}
