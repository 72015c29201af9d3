package keycloak

import (
	"context"
	"net/http"
	"net/url"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// roleDescriptions describe the project roles as the legacy EMF realm does.
var roleDescriptions = map[string]string{
	"im-r":        "Infrastructure Manager read-only (legacy EMF project role)",
	"im-rw":       "Infrastructure Manager read-write (legacy EMF project role)",
	"en-agent-rw": "Edge Node agent read-write (legacy EMF project role)",
	"en-ob":       "Edge Node onboarding (legacy EMF project role)",
}

type role struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// EnsureProjectRoles creates the realm roles <project>_<role>, the tenant's edge-node group
// (admin.groupPattern) and the group's mappings to the edge-node roles; what exists is kept.
func (k *issuer) EnsureProjectRoles(ctx context.Context, project string) error {
	for _, r := range identity.ProjectRoles() {
		_, err := k.do(ctx, http.MethodPost, "/roles", role{Name: project + "_" + r, Description: roleDescriptions[r]})
		if err != nil && provider.CodeOf(err) != provider.AlreadyExists {
			return k.rolesErr(err)
		}
	}
	gid, err := k.ensureGroup(ctx, k.group(project))
	if err != nil {
		return k.rolesErr(err)
	}
	var mapped []role
	for _, r := range identity.EdgeNodeRoles() {
		var got role
		if err := k.get(ctx, "/roles/"+url.PathEscape(project+"_"+r), &got); err != nil {
			return k.rolesErr(err)
		}
		mapped = append(mapped, got)
	}
	_, err = k.do(ctx, http.MethodPost, "/groups/"+url.PathEscape(gid)+"/role-mappings/realm", mapped)
	return k.rolesErr(err)
}

// ensureGroup returns the id of the top-level group name, creating it when missing.
func (k *issuer) ensureGroup(ctx context.Context, name string) (string, error) {
	id, err := k.groupID(ctx, name)
	if err == nil {
		return id, nil
	}
	_, err = k.do(ctx, http.MethodPost, "/groups", map[string]string{"name": name})
	if err != nil && provider.CodeOf(err) != provider.AlreadyExists {
		return "", err
	}
	return k.groupID(ctx, name)
}

// DeleteProjectRoles deletes the tenant's edge-node group and the project's realm roles; what
// is already gone is not an error.
func (k *issuer) DeleteProjectRoles(ctx context.Context, project string) error {
	gid, err := k.groupID(ctx, k.group(project))
	if err == nil {
		_, err = k.do(ctx, http.MethodDelete, "/groups/"+url.PathEscape(gid), nil)
	}
	if err != nil && !gone(err) {
		return k.rolesErr(err)
	}
	for _, r := range identity.ProjectRoles() {
		_, err := k.do(ctx, http.MethodDelete, "/roles/"+url.PathEscape(project+"_"+r), nil)
		if err != nil && provider.CodeOf(err) != provider.NotFound {
			return k.rolesErr(err)
		}
	}
	return nil
}

// gone reports an error saying the group does not exist (groupID's FailedPrecondition, or a
// NotFound of a concurrent delete).
func gone(err error) bool {
	c := provider.CodeOf(err)
	return c == provider.NotFound || c == provider.FailedPrecondition
}

// rolesErr adds the realm-management roles managing roles needs to a PermissionDenied.
func (k *issuer) rolesErr(err error) error {
	if provider.CodeOf(err) == provider.PermissionDenied {
		return provider.WithCode(provider.PermissionDenied, &rolesDenied{client: k.admin.ClientID, err: err})
	}
	return err
}

type rolesDenied struct {
	client string
	err    error
}

func (e *rolesDenied) Error() string {
	return e.err.Error() + " (fix: managing project roles also needs the realm-management roles manage-realm and manage-users for admin client " + e.client + ")"
}

func (e *rolesDenied) Unwrap() error { return e.err }
