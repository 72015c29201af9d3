// Package maintenance is the maintenance manager module: the southbound service
// maintmgr.v1.MaintmgrService the legacy platform-update-agent polls every 20 s. Each poll
// records the host's update status (on its instance: status, indicator, timestamp, the
// upgradable packages of a mutable OS) and opens, advances and closes the host's OS update
// runs, then answers with the update schedule (the single and repeated schedules targeting the
// host, its site or its site's regions) and the update source of the host's OS update policy,
// as the legacy maintenance manager does. See docs/modules/maintenance.md.
package maintenance

import (
	"context"

	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/module"
)

// Module is the running maintenance manager.
type Module struct {
	server *Server
}

var _ module.Module = (*Module)(nil)

// Factory builds the maintenance manager and registers MaintmgrService on the southbound
// listener, where every call needs a verified agent token.
func Factory(deps module.Deps) (module.Module, error) {
	switch {
	case deps.Inventory == nil:
		return nil, provider.Errorf(provider.FailedPrecondition, "the maintenance manager keeps its state in the inventory: run the inventory module, or set inventory.address")
	case deps.Southbound == nil:
		return nil, provider.Errorf(provider.FailedPrecondition, "the maintenance manager serves the agents on the southbound listener: run it through eim serve")
	}
	cfg := deps.ConfigOrDefault()
	s, err := New(Options{Inventory: deps.Inventory, AgentRole: cfg.Southbound.AgentRole, Logger: deps.Logger, Metrics: deps.Metrics})
	if err != nil {
		return nil, err
	}
	deps.Southbound.RegisterService(&maintmgrv1.MaintmgrService_ServiceDesc, s)
	return &Module{server: s}, nil
}

// Start does nothing: the southbound listener serves the module.
func (m *Module) Start(context.Context) error { return nil }

// Stop does nothing: the southbound listener drains the calls in flight.
func (m *Module) Stop(context.Context) error { return nil }

// CheckHealth reports healthy: the inventory and the listener report their own health.
func (m *Module) CheckHealth(context.Context) error { return nil }

// Server returns the module's MaintmgrService implementation.
func (m *Module) Server() *Server { return m.server }
