// Package hostmgr is the host manager module: it serves the legacy southbound
// hostmgr_southbound_proto.Hostmgr service the edge-node agents call (node-agent's heartbeat
// with its instance status, hardware-discovery-agent's system information), unchanged on the
// wire, over the inventory. The host is found by GUID within the caller's tenant only.
// Heartbeats are coalesced in memory: one that changes nothing writes nothing; a change is
// written at once; a host whose heartbeats stop is marked "No Connection". See
// docs/modules/hostmgr.md.
package hostmgr

import (
	"context"
	"sync"

	pb "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/module"
)

// Module is the running host manager.
type Module struct {
	server *Server
	cancel context.CancelFunc
	done   sync.WaitGroup
}

var _ module.Module = (*Module)(nil)

// Factory builds the host manager and registers its service on the southbound listener.
func Factory(deps module.Deps) (module.Module, error) {
	switch {
	case deps.Inventory == nil:
		return nil, provider.Errorf(provider.FailedPrecondition, "the host manager keeps hosts in the inventory: run the inventory module, or set inventory.address")
	case deps.Southbound == nil:
		return nil, provider.Errorf(provider.FailedPrecondition, "the host manager serves the agents on the southbound listener: configure providers.identity")
	}
	cfg := deps.ConfigOrDefault()
	m, err := NewMetrics(deps.Metrics)
	if err != nil {
		return nil, err
	}
	m.ReportTenants(cfg.HostMgr.TenantMetrics)
	s := New(Options{Inventory: deps.Inventory, Role: cfg.Southbound.AgentRole, HeartbeatInterval: cfg.HostMgr.HeartbeatInterval.Std(),
		MissedHeartbeats: cfg.HostMgr.MissedHeartbeats, Logger: deps.Logger, Metrics: m})
	deps.Southbound.RegisterService(&pb.Hostmgr_ServiceDesc, s)
	return &Module{server: s}, nil
}

// Start starts the sweeper (missed heartbeats, inventory changes of the cached hosts).
func (m *Module) Start(context.Context) error {
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.done.Go(func() { m.server.Run(ctx) })
	return nil
}

// Stop stops the sweeper; the southbound listener drains the calls in flight.
func (m *Module) Stop(ctx context.Context) error {
	if m.cancel == nil {
		return nil
	}
	m.cancel()
	done := make(chan struct{})
	go func() { m.done.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CheckHealth reports healthy: the inventory reports its own health.
func (m *Module) CheckHealth(context.Context) error { return nil }

// Server returns the module's Hostmgr implementation.
func (m *Module) Server() *Server { return m.server }
