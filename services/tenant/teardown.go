package tenant

import (
	"context"
	"errors"
	"fmt"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/internal/resync"
)

// errStopped is what a step hook returns to stop a deletion midway (tests only).
var errStopped = errors.New("tenant: deletion stopped by the test hook")

// teardown runs the steps of d after its last done step, journaling each: revoke every host's
// device client, delete the project and its resources from the inventory, delete the
// identity provider's roles and group, close the journal entry. Every step is idempotent, so a
// step interrupted before it was journaled runs again safely.
func (m *Module) teardown(ctx context.Context, d Deletion) error {
	steps := []struct {
		step Step
		run  func(context.Context, string) error
	}{
		{StepClientsRevoked, m.revokeClients},
		{StepResourcesPurged, m.purge},
		{StepRolesDeleted, m.deleteRoles},
	}
	for _, s := range steps {
		if s.step <= d.Done {
			continue
		}
		if m.beforeStep != nil && m.beforeStep(s.step) != nil {
			return errStopped
		}
		if err := resync.RetryAborted(ctx, func() error { return s.run(ctx, d.ProjectID) }); err != nil {
			return fmt.Errorf("delete project %s (%s), step %s: %w", d.ProjectName, d.ProjectID, s.step, err)
		}
		if err := m.journal.advance(ctx, d.ProjectID, s.step); err != nil {
			return err
		}
	}
	if err := m.journal.finish(ctx, d.ProjectID); err != nil {
		return err
	}
	m.log.Info("project deleted", "project", d.ProjectName, "id", d.ProjectID)
	return nil
}

// revokeClients revokes the device client of every host of the project, when the identity
// provider issues clients; a client already gone is fine.
func (m *Module) revokeClients(ctx context.Context, tenant string) error {
	if m.id == nil || !m.id.Capabilities().Has(identity.CapClientIssuer) {
		return nil
	}
	for offset := uint32(0); ; offset += 100 {
		resp, err := m.inv.ListResources(ctx, &inventoryv1.ListResourcesRequest{TenantId: tenant,
			Kind: inventoryv1.ResourceKind_RESOURCE_KIND_HOST, OrderBy: "resource_id", PageSize: 100, Offset: offset})
		if provider.CodeOf(err) == provider.NotFound {
			return nil
		}
		if err != nil {
			return err
		}
		for _, s := range resp.GetResources() {
			uuid := s.GetResource().GetHost().GetUuid()
			if uuid == "" {
				continue
			}
			err := m.id.RevokeClient(ctx, tenant, uuid)
			switch provider.CodeOf(err) {
			case provider.OK, provider.NotFound:
			case provider.InvalidArgument:
				m.log.Warn("host's client not revocable", "project", tenant, "host", s.GetResource().GetHost().GetResourceId(), "error", err.Error())
			default:
				return err
			}
		}
		if !resp.GetHasNext() {
			return nil
		}
	}
}

// purge deletes the project and every resource of it from the inventory.
func (m *Module) purge(ctx context.Context, tenant string) error {
	resp, err := m.inv.DeleteProject(ctx, &inventoryv1.DeleteProjectRequest{NameOrId: tenant})
	if provider.CodeOf(err) == provider.NotFound {
		return nil
	}
	if err == nil {
		m.log.Info("project's resources deleted", "id", tenant, "resources", resp.GetResourcesDeleted())
	}
	return err
}

// deleteRoles deletes the project's roles and group where the identity provider manages them.
func (m *Module) deleteRoles(ctx context.Context, tenant string) error {
	if !m.managesRoles() {
		return nil
	}
	return m.id.DeleteProjectRoles(ctx, tenant)
}
