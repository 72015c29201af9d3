package process

import (
	"context"
	"log/slog"
	"time"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/bootstrap"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/module"
)

// TokenRequest asks MintToken for an access token of the embedded issuer.
type TokenRequest struct {
	// Project is the project (name or id) the roles are granted in; empty for global roles only.
	Project string
	// Create creates Project when it does not exist.
	Create bool
	// Roles are project roles (im-r, im-rw, ...), carried as "<project id>_<role>".
	Roles []string
	// GlobalRoles are carried as they are (project-write-role, ...).
	GlobalRoles []string
	// Subject is the token's subject.
	Subject string
	// TTL is how long the token is valid (the issuer's token TTL when zero).
	TTL time.Duration
}

// Token is a minted token and the project it was granted in.
type Token struct {
	Token, ProjectID string
	Created          bool
}

// MintToken opens the providers cfg configures, resolves (or creates) the project in the
// inventory and signs a token for the roles with the embedded issuer: a newcomer's way to call
// the API on the embedded defaults. Another identity provider issues its own tokens.
func MintToken(ctx context.Context, cfg *config.Config, log *slog.Logger, r *Redactor, req TokenRequest) (*Token, error) {
	app, err := bootstrap.OpenProviders(ctx, bootstrap.Options{Config: cfg, Logger: log, Redactor: r,
		Schemas: bootstrap.SchemasOf([]module.Descriptor{{Name: module.Inventory}})})
	if err != nil {
		return nil, err
	}
	defer func() { _ = app.Shutdown(context.WithoutCancel(ctx)) }()
	set := app.Set()
	var iss identity.Minter
	if set.Identity == nil || !set.Identity.As(&iss) {
		return nil, provider.Errorf(provider.FailedPrecondition,
			"eim token signs with the embedded issuer (identity adapter local); with another identity provider, get the token from it")
	}
	out := &Token{}
	roles := append([]string(nil), req.GlobalRoles...)
	if req.Project != "" {
		if out.ProjectID, out.Created, err = project(ctx, set, log, req.Project, req.Create); err != nil {
			return nil, err
		}
		for _, role := range req.Roles {
			roles = append(roles, out.ProjectID+"_"+role)
		}
	}
	out.Token, err = iss.Mint(ctx, identity.Grant{Subject: req.Subject, Roles: roles, TTL: req.TTL})
	return out, err
}

// project returns the id of project nameOrID, creating it when asked to.
func project(ctx context.Context, set kinds.Set, log *slog.Logger, nameOrID string, create bool) (string, bool, error) {
	m, err := inventory.Factory(module.Deps{Set: set, Logger: log})
	if err != nil {
		return "", false, err
	}
	inv := m.(module.InventoryProvider).InventoryClient()
	if !create {
		got, err := inv.GetProject(ctx, &inventoryv1.GetProjectRequest{NameOrId: nameOrID})
		if provider.CodeOf(err) == provider.NotFound {
			return "", false, provider.Errorf(provider.NotFound, "project %q does not exist: add --create to create it", nameOrID)
		}
		return got.GetProject().GetId(), false, err
	}
	p, created, err := inventory.EnsureProject(ctx, inv, nameOrID, "")
	return p.GetId(), created, err
}
