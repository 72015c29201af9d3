// Package inventory is the inventory module: the EIM resources (regions, sites, hosts,
// instances, OS resources, schedules, update policies and runs, telemetry groups and profiles,
// ...) in the apiv2 model, stored per tenant on the storage provider with database-enforced
// isolation, served as eim.inventory.v1.InventoryService, every change published as an event
// (topic inventory.<kind>.<operation>) through the transactional outbox.
//
// Other modules use Client: Local in the same process, Dial in a split deployment.
package inventory

import (
	"context"
	"fmt"
	"slices"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/inventory/internal/store"
	"github.com/eim-byoi/eim/services/module"
)

// Schema is the inventory's database schema, applied by `eim serve` and `eim migrate db`.
func Schema() storage.Schema { return store.Schema() }

// Module is the running inventory module.
type Module struct {
	server *Server
	db     *storage.DB
	// defaultProject is created at start when set (tenancy.defaultProject).
	defaultProject string
}

var (
	_ module.Module            = (*Module)(nil)
	_ module.InventoryProvider = (*Module)(nil)
)

// Factory builds the inventory module: the store over deps.Storage, and, when the process serves
// gRPC, InventoryService behind token authentication (callers in other processes need a token
// of the identity provider carrying inventory.serviceRole).
func Factory(deps module.Deps) (module.Module, error) {
	if deps.Storage == nil {
		return nil, provider.Errorf(provider.FailedPrecondition, "the inventory needs a database: configure providers.database")
	}
	st, err := store.New(deps.Storage, deps.Logger)
	if err != nil {
		return nil, err
	}
	m := &Module{server: &Server{store: st}, db: deps.Storage}
	role := config.DefaultServiceRole
	if deps.Config != nil {
		role, m.defaultProject = deps.Config.Inventory.ServiceRole, deps.Config.Tenancy.DefaultProject
	}
	if deps.GRPC != nil {
		var v identity.TokenVerifier
		if deps.Identity != nil {
			v = deps.Identity
		}
		desc := module.Guard(inventoryv1.InventoryService_ServiceDesc, authorize(v, role))
		deps.GRPC.RegisterService(&desc, m.server)
	}
	return m, nil
}

// InventoryClient returns the in-process client.
func (m *Module) InventoryClient() inventoryv1.InventoryServiceClient { return Local(m.server) }

// Start creates tenancy.defaultProject when it is set and does not exist yet (single tenancy);
// the gRPC service is served by the process's server.
func (m *Module) Start(ctx context.Context) error {
	if m.defaultProject == "" {
		return nil
	}
	if _, _, err := EnsureProject(ctx, m.InventoryClient(), m.defaultProject, "the default project (tenancy.defaultProject)"); err != nil {
		return fmt.Errorf("tenancy.defaultProject %q: %w", m.defaultProject, err)
	}
	return nil
}

// Stop does nothing: the process's server drains the calls.
func (m *Module) Stop(context.Context) error { return nil }

// CheckHealth reports the database's health.
func (m *Module) CheckHealth(ctx context.Context) error { return m.db.CheckHealth(ctx) }

// authorize is the check of calls from other processes: a bearer token the identity provider
// verifies, carrying role.
func authorize(id identity.TokenVerifier, role string) func(context.Context, string) (context.Context, error) {
	return func(ctx context.Context, method string) (context.Context, error) {
		if id == nil {
			return nil, status.Error(codes.PermissionDenied, "the inventory API takes calls from other processes only with an identity provider to verify them")
		}
		p, err := identity.AuthenticateGRPC(ctx, id)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(p.Roles, role) {
			return nil, status.Errorf(codes.PermissionDenied, "%s: the caller %q does not hold role %q", method, p.Subject, role)
		}
		return identity.NewContext(ctx, p), nil
	}
}

// Server returns the module's InventoryService implementation, without the authentication of
// calls from other processes: for tests and for processes that serve it on a listener of their
// own.
func (m *Module) Server() *Server { return m.server }
