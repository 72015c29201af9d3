package prereq

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/eim-byoi/eim/providers/provider"
)

// kcAdmin calls the Keycloak admin REST API of one realm with an administrator's token.
type kcAdmin struct {
	base, realm string // server URL and realm administered
	client      *http.Client
	token       string
}

// KeycloakToken obtains a token from realm's token endpoint at base: client credentials when
// secret is set, else the password grant of user through clientID.
func KeycloakToken(ctx context.Context, hc *http.Client, base, realm, clientID, secret, user, password string) (string, error) {
	form := url.Values{"client_id": {clientID}}
	if secret != "" {
		form.Set("grant_type", "client_credentials")
		form.Set("client_secret", secret)
	} else {
		form.Set("grant_type", "password")
		form.Set("username", user)
		form.Set("password", password)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/realms/"+url.PathEscape(realm)+"/protocol/openid-connect/token",
		strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return "", provider.WithCode(provider.Unavailable, err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tok)
	if resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		return "", provider.Errorf(provider.Unauthenticated, "token endpoint of realm %s refused client %s: %s %s %s", realm, clientID,
			resp.Status, tok.Error, tok.Description)
	}
	return tok.AccessToken, nil
}

// do sends a JSON request under /admin/realms/<realm> (p "" is the realm itself) and decodes
// the answer into out when set. A 404 is NotFound, 409 AlreadyExists, 403 PermissionDenied.
func (k *kcAdmin) do(ctx context.Context, method, p string, body, out any) (http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, k.base+"/admin/realms/"+url.PathEscape(k.realm)+p, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+k.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, provider.WithCode(provider.Unavailable, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if resp.StatusCode >= 300 {
		code := map[int]provider.Code{http.StatusNotFound: provider.NotFound, http.StatusConflict: provider.AlreadyExists,
			http.StatusForbidden: provider.PermissionDenied, http.StatusUnauthorized: provider.Unauthenticated}[resp.StatusCode]
		if code == provider.OK {
			code = provider.Internal
		}
		return nil, provider.Errorf(code, "keycloak %s %s: %s: %s", method, p, resp.Status, bytes.TrimSpace(b))
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return nil, fmt.Errorf("keycloak %s %s: %w", method, p, err)
		}
	}
	return resp.Header, nil
}

type kcRef struct {
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	ClientID string `json:"clientId,omitempty"`
}

// clientByID returns the internal id of the client clientID; "" when there is none.
func (k *kcAdmin) clientByID(ctx context.Context, clientID string) (string, error) {
	var found []kcRef
	if _, err := k.do(ctx, http.MethodGet, "/clients?clientId="+url.QueryEscape(clientID), nil, &found); err != nil {
		return "", err
	}
	for _, c := range found {
		if c.ClientID == clientID {
			return c.ID, nil
		}
	}
	return "", nil
}

// scopeByName returns the id of the client scope name; "" when there is none.
func (k *kcAdmin) scopeByName(ctx context.Context, name string) (string, error) {
	var scopes []kcRef
	if _, err := k.do(ctx, http.MethodGet, "/client-scopes", nil, &scopes); err != nil {
		return "", err
	}
	for _, s := range scopes {
		if s.Name == name {
			return s.ID, nil
		}
	}
	return "", nil
}

// hasScope reports whether the list at p (default client scopes) holds scope name.
func (k *kcAdmin) hasScope(ctx context.Context, p, name string) (bool, error) {
	var scopes []kcRef
	if _, err := k.do(ctx, http.MethodGet, p, nil, &scopes); err != nil {
		return false, err
	}
	for _, s := range scopes {
		if s.Name == name {
			return true, nil
		}
	}
	return false, nil
}

// serviceAccountRoles returns the service account user's id and the names of its roles of
// client rmID (realm-management), composites expanded.
func (k *kcAdmin) serviceAccountRoles(ctx context.Context, id, rmID string) (string, []string, error) {
	var user kcRef
	if _, err := k.do(ctx, http.MethodGet, "/clients/"+id+"/service-account-user", nil, &user); err != nil {
		return "", nil, err
	}
	var roles []kcRef
	if _, err := k.do(ctx, http.MethodGet, "/users/"+user.ID+"/role-mappings/clients/"+rmID+"/composite", nil, &roles); err != nil {
		return "", nil, err
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.Name
	}
	return user.ID, names, nil
}
