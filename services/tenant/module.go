// Package tenant is the tenant module: the project lifecycle of the legacy tenant controller.
// When a project is created (inventory.project.created) it creates the project's roles and
// edge-node group in the identity provider where the adapter can (capability RoleManager: the
// keycloak adapter with an admin client); the inventory tenant exists already and the OS
// resources are the osresource module's. When a project's deletion is requested
// (RequestDeletion, which DELETE /v1/projects/{name} calls when this module runs in the process)
// it tears the project down in order — every host's device client revoked, the project and its
// resources deleted from the inventory, the roles and group deleted — journaling each step in
// its own table (tenant_deletions), so that a deletion interrupted by a crash resumes at start.
// See docs/modules/tenant.md.
package tenant

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/internal/resync"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/module"
)

// Group is the messaging group the module follows project changes as.
const Group = "tenant"

// ResyncInterval is how often every project is reconciled besides the events: deletions
// requested while no event reached the module, roles of projects created meanwhile.
const ResyncInterval = 5 * time.Minute

// Module is the running tenant module.
type Module struct {
	inv     inventoryv1.InventoryServiceClient
	id      *identity.Provider
	journal *journal
	bus     *messaging.Bus
	log     *slog.Logger

	// beforeStep, set only by tests (export_test.go), runs before each deletion step; an error
	// stops the deletion there, as a crash would.
	beforeStep func(Step) error

	mu      sync.Mutex // serializes reconciliations
	state   sync.Mutex // guards lastErr
	lastErr error

	subs []*messaging.Subscription
	loop *resync.Loop
}

var (
	_ module.Module     = (*Module)(nil)
	_ provider.Detailer = (*Module)(nil)
)

// Factory builds the module over the inventory client, the database (its journal) and the
// identity provider.
func Factory(deps module.Deps) (module.Module, error) {
	switch {
	case deps.Inventory == nil:
		return nil, provider.Errorf(provider.FailedPrecondition, "the tenant module manages the inventory's projects: run the inventory module, or set inventory.address")
	case deps.Storage == nil:
		return nil, provider.Errorf(provider.FailedPrecondition, "the tenant module journals deletions in the database: configure providers.database")
	}
	log := deps.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Module{inv: deps.Inventory, id: deps.Identity, journal: &journal{db: deps.Storage, now: time.Now}, bus: deps.Messaging,
		log: log.With("module", module.Tenant), beforeStep: faultBeforeStep()}, nil
}

// DeletionMessage is the project status message of a project whose deletion is requested
// (status indicator STATUS_INDICATION_IN_PROGRESS).
const DeletionMessage = "Project deletion in progress"

const inProgress = "STATUS_INDICATION_IN_PROGRESS"

// Deleting reports whether p's deletion has been requested.
func Deleting(p *inventoryv1.Project) bool {
	return p.GetStatusIndicator() == inProgress && p.GetStatusMessage() == DeletionMessage
}

// RequestDeletion marks project nameOrID for deletion in the inventory (its status becomes
// DeletionMessage, in progress) and returns it: the tenant module tears it down from the event
// or, after a restart, from the mark. Requesting twice is harmless.
//
// A write the database aborts (a busy SQLite, a serialization failure) is retried for up to
// abortedTimeout.
func RequestDeletion(ctx context.Context, inv inventoryv1.InventoryServiceClient, nameOrID string) (*inventoryv1.Project, error) {
	var resp *inventoryv1.UpdateProjectResponse
	err := resync.RetryAborted(ctx, func() error {
		var err error
		resp, err = inv.UpdateProject(ctx, &inventoryv1.UpdateProjectRequest{NameOrId: nameOrID,
			Project:   &inventoryv1.Project{StatusMessage: DeletionMessage, StatusIndicator: inProgress},
			FieldMask: fieldMask("status_message", "status_indicator")})
		return err
	})
	return resp.GetProject(), err
}

// Start resumes the journaled deletions, reconciles every project (deletions requested, roles
// missing), then follows project changes and reconciles every ResyncInterval. A failed
// reconciliation is logged, reported by CheckHealth and retried; it does not stop the process.
func (m *Module) Start(ctx context.Context) error {
	if !m.managesRoles() {
		adapter := "none"
		if m.id != nil {
			adapter = m.id.Adapter()
		}
		m.log.Info("the identity provider does not manage project roles (capability RoleManager): create each project's roles and edge-node group in it (docs/modules/tenant.md)",
			"identity", adapter)
	}
	if m.bus != nil {
		for _, op := range []inventoryv1.Operation{inventoryv1.Operation_OPERATION_CREATED, inventoryv1.Operation_OPERATION_UPDATED} {
			sub, err := m.bus.Subscribe(ctx, inventory.Topic("project", op), Group, m.onProject, messaging.Retry(time.Second, time.Minute))
			if err != nil {
				m.closeSubs(ctx)
				return fmt.Errorf("tenant: follow project changes: %w", err)
			}
			m.subs = append(m.subs, sub)
		}
	}
	err := m.Reconcile(ctx)
	if err != nil {
		m.log.Warn("reconciling the projects failed; retrying in the background", "error", err.Error())
	}
	m.loop = resync.Start(ctx, ResyncInterval, err != nil, m.log, "reconciling the projects", m.Reconcile)
	return nil
}

// onProject handles a project's creation or change; an error redelivers the event.
func (m *Module) onProject(ctx context.Context, msg messaging.Message) error {
	c, err := inventory.DecodeChange(msg)
	if err != nil {
		m.log.Warn("dropping an undecodable project event", "error", err.Error())
		return nil
	}
	resp, err := m.inv.GetProject(ctx, &inventoryv1.GetProjectRequest{NameOrId: c.GetTenantId()})
	if provider.CodeOf(err) == provider.NotFound {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.project(ctx, resp.GetProject())
}

// Reconcile resumes the journaled deletions, then deletes the projects marked for deletion and
// ensures the roles of the others.
func (m *Module) Reconcile(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	err := m.reconcile(ctx)
	m.state.Lock()
	m.lastErr = err
	m.state.Unlock()
	return err
}

func (m *Module) reconcile(ctx context.Context) error {
	pending, err := m.journal.pending(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range pending {
		m.log.Info("resuming a project deletion", "project", d.ProjectName, "id", d.ProjectID, "done", d.Done.String())
		if err := m.teardown(ctx, d); err != nil {
			errs = append(errs, err)
		}
	}
	resp, err := m.inv.ListProjects(ctx, &inventoryv1.ListProjectsRequest{})
	if err != nil {
		return err
	}
	for _, p := range resp.GetProjects() {
		if err := m.project(ctx, p); err != nil {
			m.log.Warn("project not reconciled", "project", p.GetName(), "id", p.GetId(), "error", err.Error())
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d failures, first: %w", len(errs), errs[0])
	}
	return nil
}

// project deletes p when its deletion is requested, or ensures its roles.
func (m *Module) project(ctx context.Context, p *inventoryv1.Project) error {
	if Deleting(p) {
		if err := m.journal.record(ctx, p.GetId(), p.GetName()); err != nil {
			return err
		}
		return m.resume(ctx, p.GetId())
	}
	if !m.managesRoles() {
		return nil
	}
	if err := m.id.EnsureProjectRoles(ctx, p.GetId()); err != nil {
		return fmt.Errorf("project %s (%s): %w", p.GetName(), p.GetId(), err)
	}
	return nil
}

// resume continues the journaled deletion of project id.
func (m *Module) resume(ctx context.Context, id string) error {
	pending, err := m.journal.pending(ctx)
	if err != nil {
		return err
	}
	for _, d := range pending {
		if d.ProjectID == id {
			return m.teardown(ctx, d)
		}
	}
	return nil
}

// managesRoles reports whether the identity provider manages project roles.
func (m *Module) managesRoles() bool {
	return m.id != nil && m.id.Capabilities().Has(identity.CapRoleManager)
}

// Pending returns the journaled deletions in progress.
func (m *Module) Pending(ctx context.Context) ([]Deletion, error) { return m.journal.pending(ctx) }

// Stop stops following events and the resync loop.
func (m *Module) Stop(ctx context.Context) error {
	err := m.closeSubs(ctx)
	if lerr := m.loop.Stop(ctx); lerr != nil {
		return lerr
	}
	return err
}

func (m *Module) closeSubs(ctx context.Context) error {
	err := messaging.CloseAll(ctx, m.subs)
	m.subs = nil
	return err
}

// CheckHealth reports healthy: a deletion that cannot proceed or roles the identity provider
// refuses are retried in the background and must not take the process's API out of service;
// HealthDetail and the log report them.
func (m *Module) CheckHealth(context.Context) error { return nil }

// HealthDetail reports the last reconciliation's error, with the fix where known.
func (m *Module) HealthDetail() string {
	m.state.Lock()
	defer m.state.Unlock()
	if m.lastErr != nil {
		return "last reconciliation failed (retrying): " + m.lastErr.Error()
	}
	return ""
}

func fieldMask(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }
