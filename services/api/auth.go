package api

import (
	"context"
	"net/http"
	"sync"
	"time"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// ProjectHeader is the header naming the project of a /edge-infra.orchestrator.apis/v2 call
// (its name or id), as the legacy API read it.
const ProjectHeader = "ActiveProjectID"

type tenantKey struct{}

// withTenant returns ctx carrying the tenant (project id) the request was authorized for.
func withTenant(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, tenantKey{}, id)
}

// tenantOf returns the tenant the request was authorized for.
func tenantOf(ctx context.Context) (string, error) {
	if id, ok := ctx.Value(tenantKey{}).(string); ok && id != "" {
		return id, nil
	}
	return "", provider.Errorf(provider.Unauthenticated, "the request names no project")
}

// authorizer authenticates callers with the identity provider and authorizes them in the
// project a request names: the read role for GET and HEAD, the write role otherwise.
type authorizer struct {
	verifier    identity.TokenVerifier
	projects    *projectCache
	read, write string
}

// authorize returns r's context with the principal and the tenant, or the error to answer.
func (a *authorizer) authorize(r *http.Request, project string) (context.Context, error) {
	p, err := a.authenticate(r)
	if err != nil {
		return nil, err
	}
	if project == "" {
		project, err = soleTenant(p, a.read, a.write)
		if err != nil {
			return nil, err
		}
	}
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	id, err := a.projects.id(r.Context(), project)
	if provider.CodeOf(err) == provider.NotFound {
		return nil, a.denied(project, read)
	}
	if err != nil {
		return nil, err
	}
	if !p.Has(a.write, id) && !(read && p.Has(a.read, id)) {
		return nil, a.denied(project, read)
	}
	return withTenant(identity.NewContext(r.Context(), p), id), nil
}

// denied is the answer to a caller without the role a request needs in project, the same
// whether the project exists or not: it names neither the project's id nor anything else the
// caller may not see.
func (a *authorizer) denied(project string, read bool) error {
	need := a.write
	if read {
		need = a.read + " or " + a.write
	}
	return provider.Errorf(provider.PermissionDenied, "access denied or project %q not found: role %s in the project is required", project, need)
}

// authenticate verifies the request's bearer token; exactly one Authorization header.
func (a *authorizer) authenticate(r *http.Request) (*identity.Principal, error) {
	p, err := identity.AuthenticateHTTP(r, a.verifier)
	if err != nil && provider.CodeOf(err) != provider.Unavailable {
		return nil, provider.Errorf(provider.Unauthenticated, "send one Authorization: Bearer <token> header with a valid token")
	}
	return p, err
}

// soleTenant is the project of a call that names none: the one project the token holds an
// API role in, as the legacy API read it from the roles.
func soleTenant(p *identity.Principal, roles ...string) (string, error) {
	var found string
	for _, t := range p.Tenants {
		for _, role := range roles {
			if p.Has(role, t) && t != found {
				if found != "" {
					return "", provider.Errorf(provider.InvalidArgument, "the token holds roles in several projects: name one in the %s header", ProjectHeader)
				}
				found = t
			}
		}
	}
	if found == "" {
		return "", provider.Errorf(provider.PermissionDenied, "the token holds no role in any project: name the project in the %s header", ProjectHeader)
	}
	return found, nil
}

// projectCache resolves project names to ids through the inventory, remembering each answer
// for ttl: a project renamed or recreated elsewhere is seen within ttl; changes made through this
// API are seen at once.
type projectCache struct {
	inv inventoryv1.InventoryServiceClient
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]cachedProject
}

type cachedProject struct {
	id      string
	expires time.Time
}

// projectTTL is how long a project's name-to-id answer is reused.
const projectTTL = 5 * time.Second

func newProjectCache(inv inventoryv1.InventoryServiceClient) *projectCache {
	return &projectCache{inv: inv, ttl: projectTTL, now: time.Now, entries: map[string]cachedProject{}}
}

// id returns the id of the project named (or identified by) nameOrID.
func (c *projectCache) id(ctx context.Context, nameOrID string) (string, error) {
	key := nameOrID
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && c.now().Before(e.expires) {
		return e.id, nil
	}
	resp, err := c.inv.GetProject(ctx, &inventoryv1.GetProjectRequest{NameOrId: nameOrID})
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	if len(c.entries) > maxCachedProjects {
		clear(c.entries)
	}
	c.entries[key] = cachedProject{id: resp.GetProject().GetId(), expires: c.now().Add(c.ttl)}
	c.mu.Unlock()
	return resp.GetProject().GetId(), nil
}

// forget drops what the cache knows of a project.
func (c *projectCache) forget(p *inventoryv1.Project) {
	c.mu.Lock()
	delete(c.entries, p.GetName())
	delete(c.entries, p.GetId())
	c.mu.Unlock()
}

// maxCachedProjects bounds the cache: past it, the cache starts over.
const maxCachedProjects = 10000
