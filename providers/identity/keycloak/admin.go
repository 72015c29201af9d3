package keycloak

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/identity/internal/httpjson"
	"github.com/eim-byoi/eim/providers/provider"
)

// issuer is the ClientIssuer over the Keycloak admin REST API: a confidential client
// edgenode-<uuid> with only service accounts enabled, its service-account user in the tenant's
// group, an audience mapper for the configured audiences.
type issuer struct {
	admin     Admin
	api       string // <base>/admin/realms/<realm>
	tokenURL  string
	audiences []string
	client    *http.Client
	token     *identity.TokenSource
	now       func() time.Time

	checkMu  sync.Mutex
	checked  time.Time // when the admin credentials were last checked
	checkErr error     // and what that check found
}

// adminCheckInterval is how long the outcome of checking the admin client's credentials is
// kept: readiness probes do not each ask Keycloak for a token.
const adminCheckInterval = 30 * time.Second

// checkAdmin is the adapter's health check: the admin client must obtain a token (its cached
// token while valid). Refused credentials are reported (Unauthenticated for a wrong secret or
// client id), naming the client and never the secret; an unreachable Keycloak is not, because
// verification carries on with the cached keys and the provider stays ready (the admin API
// calls then fail with Unavailable). The outcome is kept for adminCheckInterval.
func (k *issuer) checkAdmin(ctx context.Context) error {
	k.checkMu.Lock()
	defer k.checkMu.Unlock()
	if !k.checked.IsZero() && k.now().Sub(k.checked) < adminCheckInterval {
		return k.checkErr
	}
	_, err := k.token.Token(ctx)
	switch code := provider.CodeOf(err); {
	case err == nil:
	case ctx.Err() != nil:
		return err // the caller gave up: nothing learned
	case code == provider.Unavailable || code == provider.DeadlineExceeded:
		err = nil
	default:
		err = fmt.Errorf("admin client %s cannot obtain a token: %w (fix: check admin.clientID and admin.clientSecret against the client's credentials in the realm, and that the client is confidential with service accounts enabled)",
			k.admin.ClientID, err)
	}
	k.checked, k.checkErr = k.now(), err
	return err
}

// do sends an admin API request with the admin client's token, fetching a new token once when
// Keycloak answers 401 to the cached one.
func (k *issuer) do(ctx context.Context, method, p string, body any) (*httpjson.Response, error) {
	for attempt := 0; ; attempt++ {
		tok, err := k.token.Token(ctx)
		if err != nil {
			return nil, fmt.Errorf("admin client %s: %w", k.admin.ClientID, err)
		}
		resp, err := httpjson.Do(ctx, k.client, method, k.api+p, tok, body)
		if provider.CodeOf(err) == provider.Unauthenticated && attempt == 0 {
			k.token.Invalidate()
			continue
		}
		if provider.CodeOf(err) == provider.PermissionDenied {
			err = fmt.Errorf("%w (fix: give admin client %s the realm-management roles manage-clients, view-clients, query-groups, view-users and manage-users)", err, k.admin.ClientID)
		}
		return resp, err
	}
}

func (k *issuer) clientID(device string) string {
	return identity.ClientID(k.admin.ClientIDPattern, device)
}

func (k *issuer) group(tenant string) string {
	return strings.ReplaceAll(k.admin.GroupPattern, "{tenant}", tenant)
}

// CreateClient creates the client, binds its service account to the tenant group and reads
// its secret. A failure after the client exists deletes it again.
func (k *issuer) CreateClient(ctx context.Context, tenant, device string) (*identity.Client, error) {
	gid, err := k.groupID(ctx, k.group(tenant))
	if err != nil {
		return nil, err
	}
	resp, err := k.do(ctx, http.MethodPost, "/clients", k.representation(device))
	if err != nil {
		return nil, err
	}
	id := path.Base(resp.Header.Get("Location"))
	if id == "" || id == "." || id == "/" {
		return nil, provider.Errorf(provider.FailedPrecondition, "Keycloak created client %s without a Location", k.clientID(device))
	}
	c, err := k.bind(ctx, id, gid, tenant, device)
	if err != nil {
		_, _ = k.do(context.WithoutCancel(ctx), http.MethodDelete, "/clients/"+url.PathEscape(id), nil)
		return nil, err
	}
	return c, nil
}

func (k *issuer) representation(device string) map[string]any {
	mappers := make([]map[string]any, 0, len(k.audiences))
	for i, a := range k.audiences {
		mappers = append(mappers, map[string]any{"name": fmt.Sprintf("audience-%d", i), "protocol": "openid-connect",
			"protocolMapper": "oidc-audience-mapper", "config": map[string]string{"included.custom.audience": a,
				"access.token.claim": "true", "id.token.claim": "false", "introspection.token.claim": "true"}})
	}
	return map[string]any{
		"clientId": k.clientID(device), "name": "EIM edge node " + strings.ToLower(device), "enabled": true,
		"protocol": "openid-connect", "publicClient": false, "clientAuthenticatorType": "client-secret",
		"serviceAccountsEnabled": true, "standardFlowEnabled": false, "implicitFlowEnabled": false,
		"directAccessGrantsEnabled": false, "protocolMappers": mappers,
		"attributes": map[string]string{"eim.device": strings.ToLower(device)},
	}
}

// bind adds the client's service-account user to the group and returns the client.
func (k *issuer) bind(ctx context.Context, id, gid, tenant, device string) (*identity.Client, error) {
	var user struct {
		ID string `json:"id"`
	}
	if err := k.get(ctx, "/clients/"+url.PathEscape(id)+"/service-account-user", &user); err != nil {
		return nil, err
	}
	if _, err := k.do(ctx, http.MethodPut, "/users/"+url.PathEscape(user.ID)+"/groups/"+url.PathEscape(gid), nil); err != nil {
		return nil, err
	}
	return k.read(ctx, id, tenant, device)
}

// read returns the client with its secret.
func (k *issuer) read(ctx context.Context, id, tenant, device string) (*identity.Client, error) {
	var sec struct {
		Value string `json:"value"`
	}
	if err := k.get(ctx, "/clients/"+url.PathEscape(id)+"/client-secret", &sec); err != nil {
		return nil, err
	}
	return &identity.Client{ID: k.clientID(device), Secret: provider.NewSecretValue([]byte(sec.Value)), TokenURL: k.tokenURL,
		Tenant: tenant, Device: device}, nil
}

// GetClient finds the client and checks that its service account is in the tenant's group.
func (k *issuer) GetClient(ctx context.Context, tenant, device string) (*identity.Client, error) {
	id, err := k.find(ctx, tenant, device)
	if err != nil {
		return nil, err
	}
	return k.read(ctx, id, tenant, device)
}

// RevokeClient deletes the client (and with it its service account).
func (k *issuer) RevokeClient(ctx context.Context, tenant, device string) error {
	id, err := k.find(ctx, tenant, device)
	if err != nil {
		return err
	}
	_, err = k.do(ctx, http.MethodDelete, "/clients/"+url.PathEscape(id), nil)
	return err
}

// find returns the internal id of the device's client when it belongs to tenant.
func (k *issuer) find(ctx context.Context, tenant, device string) (string, error) {
	var found []struct {
		ID       string `json:"id"`
		ClientID string `json:"clientId"`
	}
	if err := k.get(ctx, "/clients?clientId="+url.QueryEscape(k.clientID(device)), &found); err != nil {
		return "", err
	}
	if len(found) != 1 || found[0].ClientID != k.clientID(device) {
		return "", provider.Errorf(provider.NotFound, "no client %s", k.clientID(device))
	}
	var user struct {
		ID string `json:"id"`
	}
	if err := k.get(ctx, "/clients/"+url.PathEscape(found[0].ID)+"/service-account-user", &user); err != nil {
		return "", err
	}
	var groups []struct {
		Name string `json:"name"`
	}
	if err := k.get(ctx, "/users/"+url.PathEscape(user.ID)+"/groups?briefRepresentation=true", &groups); err != nil {
		return "", err
	}
	for _, g := range groups {
		if g.Name == k.group(tenant) {
			return found[0].ID, nil
		}
	}
	return "", provider.Errorf(provider.NotFound, "client %s does not belong to tenant %s", k.clientID(device), tenant)
}

// groupID returns the id of the top-level group named name.
func (k *issuer) groupID(ctx context.Context, name string) (string, error) {
	var groups []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := k.get(ctx, "/groups?exact=true&briefRepresentation=true&search="+url.QueryEscape(name), &groups); err != nil {
		return "", err
	}
	for _, g := range groups {
		if g.Name == name {
			return g.ID, nil
		}
	}
	return "", provider.Errorf(provider.FailedPrecondition,
		"the tenant's group %q does not exist in the realm: create it (with the tenant's edge-node role mappings) first", name)
}

func (k *issuer) get(ctx context.Context, p string, out any) error {
	resp, err := k.do(ctx, http.MethodGet, p, nil)
	if err != nil {
		return err
	}
	return resp.Decode(out)
}
