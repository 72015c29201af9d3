// Package api is the northbound API module: the legacy EIM apiv2 REST API, wire-compatible
// with existing scripts, UIs and CLIs, on the customer's identity provider.
//
// The apiv2 operations are the grpc-gateway handlers generated from the legacy
// services.v1 protos (same paths, verbs, query parameters, JSON names and enum spellings),
// served in process by operations over the inventory; around them the tenancy project
// endpoints and the orchestrator feature endpoint existing clients call. Every call carries a
// bearer token the identity provider verifies; apiv2 calls need the project roles of the legacy
// role model, "<project id>_im-r" to read and "<project id>_im-rw" to write. See
// docs/modules/api.md.
package api

import (
	"context"
	"slices"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/module"
)

// Module is the running API module.
type Module struct {
	server *Server
}

var _ module.Module = (*Module)(nil)

// Factory builds the API module and mounts it on the process's HTTP server.
func Factory(deps module.Deps) (module.Module, error) {
	switch {
	case deps.Inventory == nil:
		return nil, provider.Errorf(provider.FailedPrecondition, "the API serves the inventory: run the inventory module, or set inventory.address")
	case deps.Identity == nil:
		return nil, provider.Errorf(provider.FailedPrecondition, "the API authenticates callers through the identity provider: configure providers.identity")
	case deps.HTTP == nil:
		return nil, provider.Errorf(provider.FailedPrecondition, "the API needs the process's HTTP server")
	}
	cfg := deps.ConfigOrDefault()
	modules := deps.Modules
	if !cfg.OOB.Configured() { // target all without MPS/RPS: the oob module idles, the feature is off
		modules = slices.DeleteFunc(slices.Clone(modules), func(m string) bool { return m == module.OOB })
	}
	s, err := New(Options{Inventory: deps.Inventory, Verifier: deps.Identity, Config: cfg.API, Modules: modules,
		Target: cfg.Target, Logger: deps.Logger, Metrics: deps.Metrics})
	if err != nil {
		return nil, err
	}
	for _, p := range []string{projectsPath, projectsPath + "/", legacyV2Path, featuresPath, specPath} {
		deps.HTTP.Handle(p, s)
	}
	return &Module{server: s}, nil
}

// Start does nothing: the process's HTTP server serves the API.
func (m *Module) Start(context.Context) error { return nil }

// Stop does nothing: the process's HTTP server drains the requests in flight.
func (m *Module) Stop(context.Context) error { return nil }

// CheckHealth reports healthy: the API's dependencies report their own health.
func (m *Module) CheckHealth(context.Context) error { return nil }

// Handler returns the API as an http.Handler, for tests and embedding.
func (m *Module) Handler() *Server { return m.server }
