package process

import (
	"context"
	"log/slog"
	"sync"
	"time"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/identity"
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
	m, err := OpenMinter(ctx, cfg, log, r)
	if err != nil {
		return nil, err
	}
	defer func() { _ = m.Close(context.WithoutCancel(ctx)) }()
	return m.Mint(ctx, req)
}

// Minter signs many tokens of the embedded issuer over one opening of the providers (eim
// token signs one, eim edge-sim one per simulated node). It is safe for concurrent use.
type Minter struct {
	app *bootstrap.App
	iss identity.Minter
	inv inventoryv1.InventoryServiceClient
	log *slog.Logger

	mu       sync.Mutex
	projects map[string]string // project name or id -> id
}

// OpenMinter opens the providers cfg configures and the embedded issuer; Close releases them.
func OpenMinter(ctx context.Context, cfg *config.Config, log *slog.Logger, r *Redactor) (*Minter, error) {
	app, err := bootstrap.OpenProviders(ctx, bootstrap.Options{Config: cfg, Logger: log, Redactor: r,
		Schemas: bootstrap.SchemasOf([]module.Descriptor{{Name: module.Inventory}})})
	if err != nil {
		return nil, err
	}
	set := app.Set()
	m := &Minter{app: app, log: log, projects: map[string]string{}}
	if set.Identity == nil || !set.Identity.As(&m.iss) {
		_ = app.Shutdown(context.WithoutCancel(ctx))
		return nil, provider.Errorf(provider.FailedPrecondition,
			"eim token signs with the embedded issuer (identity adapter local); with another identity provider, get the token from it")
	}
	inv, err := inventory.Factory(module.Deps{Set: set, Logger: log})
	if err != nil {
		_ = app.Shutdown(context.WithoutCancel(ctx))
		return nil, err
	}
	m.inv = inv.(module.InventoryProvider).InventoryClient()
	return m, nil
}

// Close closes the providers.
func (m *Minter) Close(ctx context.Context) error { return m.app.Shutdown(ctx) }

// Mint resolves (or creates) req's project and signs a token for its roles.
func (m *Minter) Mint(ctx context.Context, req TokenRequest) (*Token, error) {
	out := &Token{}
	roles := append([]string(nil), req.GlobalRoles...)
	if req.Project != "" {
		var err error
		if out.ProjectID, out.Created, err = m.project(ctx, req.Project, req.Create); err != nil {
			return nil, err
		}
		for _, role := range req.Roles {
			roles = append(roles, out.ProjectID+"_"+role)
		}
	}
	var err error
	out.Token, err = m.iss.Mint(ctx, identity.Grant{Subject: req.Subject, Roles: roles, TTL: req.TTL})
	return out, err
}

// TokenURL returns the embedded issuer's token endpoint (where the clients it issues, e.g. to
// onboarded nodes, obtain tokens), or "" when the issuer does not say.
func (m *Minter) TokenURL() string {
	if u, ok := m.iss.(interface{ URL() string }); ok {
		return u.URL() + "/token"
	}
	return ""
}

// ProjectID returns the id of project nameOrID (NotFound when it does not exist).
func (m *Minter) ProjectID(ctx context.Context, nameOrID string) (string, error) {
	id, _, err := m.project(ctx, nameOrID, false)
	return id, err
}

// project returns the id of project nameOrID, creating it when asked to; ids are remembered.
func (m *Minter) project(ctx context.Context, nameOrID string, create bool) (string, bool, error) {
	m.mu.Lock()
	id, ok := m.projects[nameOrID]
	m.mu.Unlock()
	if ok {
		return id, false, nil
	}
	id, created, err := m.resolve(ctx, nameOrID, create)
	if err == nil {
		m.mu.Lock()
		m.projects[nameOrID] = id
		m.mu.Unlock()
	}
	return id, created, err
}

func (m *Minter) resolve(ctx context.Context, nameOrID string, create bool) (string, bool, error) {
	if !create {
		got, err := m.inv.GetProject(ctx, &inventoryv1.GetProjectRequest{NameOrId: nameOrID})
		if provider.CodeOf(err) == provider.NotFound {
			return "", false, provider.Errorf(provider.NotFound, "project %q does not exist: add --create to create it", nameOrID)
		}
		return got.GetProject().GetId(), false, err
	}
	p, created, err := inventory.EnsureProject(ctx, m.inv, nameOrID, "")
	return p.GetId(), created, err
}
