package identity

import (
	"context"
	"strings"

	"github.com/eim-byoi/eim/providers/provider"
)

// CapRoleManager is the capability of creating and deleting a project's roles and groups in
// the identity provider (RoleManager), as the legacy EMF tenant controller did in Keycloak.
const CapRoleManager provider.Capability = "RoleManager"

// ProjectRoles are the project roles of the legacy role model, held as "<project id>_<role>":
// im-r reads the project's resources, im-rw changes them, en-agent-rw is the edge-node agents'
// role and en-ob onboards edge nodes.
func ProjectRoles() []string { return []string{"im-r", "im-rw", "en-agent-rw", "en-ob"} }

// EdgeNodeRoles are the project roles the edge-node service-account group carries.
func EdgeNodeRoles() []string { return []string{"en-agent-rw", "en-ob"} }

// RoleManager creates and deletes the roles and groups of a project (capability
// CapRoleManager): the realm roles "<project>_<role>" of ProjectRoles and the group edge-node
// service accounts join (the adapter's group pattern), mapped to EdgeNodeRoles. Both calls are
// idempotent: what exists (or is already gone) is not an error.
type RoleManager interface {
	// EnsureProjectRoles creates what is missing of the project's roles and group.
	EnsureProjectRoles(ctx context.Context, project string) error
	// DeleteProjectRoles deletes the project's group and roles.
	DeleteProjectRoles(ctx context.Context, project string) error
}

// EnsureProjectRoles creates the project's roles and group (see RoleManager); Unimplemented
// when the adapter does not declare CapRoleManager.
func (p *Provider) EnsureProjectRoles(ctx context.Context, project string) error {
	op := "ensure roles of project " + project
	if p.parts.Roles == nil {
		return p.wrap(op, provider.Unsupported(CapRoleManager))
	}
	if err := checkProject(project); err != nil {
		return p.wrap(op, err)
	}
	return p.wrap(op, p.parts.Roles.EnsureProjectRoles(ctx, project))
}

// DeleteProjectRoles deletes the project's roles and group (see RoleManager); Unimplemented
// when the adapter does not declare CapRoleManager.
func (p *Provider) DeleteProjectRoles(ctx context.Context, project string) error {
	op := "delete roles of project " + project
	if p.parts.Roles == nil {
		return p.wrap(op, provider.Unsupported(CapRoleManager))
	}
	if err := checkProject(project); err != nil {
		return p.wrap(op, err)
	}
	return p.wrap(op, p.parts.Roles.DeleteProjectRoles(ctx, project))
}

// checkProject accepts a project id fit for role names: [A-Za-z0-9_.-], at most 128 characters.
func checkProject(project string) error {
	if project == "" || len(project) > 128 || strings.Trim(project, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != "" {
		return provider.Errorf(provider.InvalidArgument, "project %.64q is not a project id of [A-Za-z0-9_.-]", project)
	}
	return nil
}

var _ RoleManager = (*Provider)(nil)
