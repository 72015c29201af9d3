package oidc

import (
	"context"
	"net/http"
	"strings"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/identity/internal/httpjson"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
)

// Keys of the secret kept per client.
const (
	keyID       = "client_id"
	keySecret   = "client_secret"
	keyRAT      = "registration_access_token"
	keyURI      = "registration_client_uri"
	keyTokenURL = "token_endpoint"
)

// registrar is the ClientIssuer over RFC 7591 registration and RFC 7592 management. The
// credentials of each client and its registration access token are kept in the secrets store,
// under <prefix>/<tenant>/<device>.
type registrar struct {
	cfg       *Registration
	audiences []string
	verifier  *identity.Verifier
	store     *secrets.Store
	client    *http.Client
}

func (r *registrar) name(tenant, device string) string {
	return strings.TrimSuffix(r.cfg.SecretPrefix, "/") + "/" + tenant + "/" + strings.ToLower(device)
}

func (r *registrar) scope(tenant string) string {
	return strings.ReplaceAll(r.cfg.Scope, "{tenant}", tenant)
}

// endpoint returns the registration endpoint and the token endpoint.
func (r *registrar) endpoint(ctx context.Context) (reg, token string, err error) {
	m, err := r.verifier.Metadata(ctx)
	if err != nil {
		return "", "", err
	}
	reg = r.cfg.Endpoint
	if reg == "" {
		reg = m.RegistrationEndpoint
	}
	if reg == "" {
		return "", "", provider.Errorf(provider.FailedPrecondition,
			"the issuer offers no registration_endpoint: enable dynamic client registration there, or set clientIssuer.endpoint")
	}
	return reg, m.TokenEndpoint, nil
}

type registered struct {
	ClientID string `json:"client_id"`
	Secret   string `json:"client_secret"`
	RAT      string `json:"registration_access_token"`
	URI      string `json:"registration_client_uri"`
}

// CreateClient registers a confidential client-credentials client for the device.
func (r *registrar) CreateClient(ctx context.Context, tenant, device string) (*identity.Client, error) {
	name := r.name(tenant, device)
	if _, err := r.store.Get(ctx, name); err == nil {
		return nil, provider.Errorf(provider.AlreadyExists, "a client for device %s exists", device)
	} else if provider.CodeOf(err) != provider.NotFound {
		return nil, err
	}
	regURL, tokenURL, err := r.endpoint(ctx)
	if err != nil {
		return nil, err
	}
	meta := map[string]any{
		"client_name": identity.ClientID(r.cfg.ClientName, device), "grant_types": []string{"client_credentials"},
		"token_endpoint_auth_method": "client_secret_basic", "response_types": []string{}, "redirect_uris": []string{},
		"scope": r.scope(tenant), "audience": r.audiences,
	}
	resp, err := httpjson.Do(ctx, r.client, http.MethodPost, regURL, r.cfg.InitialAccessToken.Value().Reveal(), meta)
	if err != nil {
		return nil, err
	}
	var reg registered
	if err := resp.Decode(&reg); err != nil {
		return nil, err
	}
	if reg.ClientID == "" || reg.Secret == "" {
		return nil, provider.Errorf(provider.FailedPrecondition, "the registration answer has no client_id or client_secret")
	}
	data := map[string][]byte{keyID: []byte(reg.ClientID), keySecret: []byte(reg.Secret), keyRAT: []byte(reg.RAT),
		keyURI: []byte(reg.URI), keyTokenURL: []byte(tokenURL)}
	if _, err := r.store.Put(ctx, name, data); err != nil {
		r.unregister(ctx, reg.URI, reg.RAT)
		return nil, err
	}
	return r.toClient(tenant, device, data), nil
}

// GetClient reads the stored client and checks with the issuer (RFC 7592 read) that it
// still exists.
func (r *registrar) GetClient(ctx context.Context, tenant, device string) (*identity.Client, error) {
	sec, err := r.store.Get(ctx, r.name(tenant, device))
	if err != nil {
		return nil, err
	}
	if uri := string(sec.Data[keyURI]); uri != "" {
		_, err := httpjson.Do(ctx, r.client, http.MethodGet, uri, string(sec.Data[keyRAT]), nil)
		if c := provider.CodeOf(err); c == provider.Unauthenticated || c == provider.NotFound {
			return nil, provider.Errorf(provider.NotFound, "the issuer no longer knows client %s", sec.Data[keyID])
		} else if err != nil {
			return nil, err
		}
	}
	return r.toClient(tenant, device, sec.Data), nil
}

// RevokeClient deletes the client at the issuer (RFC 7592) and its stored credentials.
func (r *registrar) RevokeClient(ctx context.Context, tenant, device string) error {
	name := r.name(tenant, device)
	sec, err := r.store.Get(ctx, name)
	if err != nil {
		return err
	}
	uri := string(sec.Data[keyURI])
	if uri == "" {
		return provider.Errorf(provider.FailedPrecondition, "the issuer gave no registration_client_uri for client %s: delete it there", sec.Data[keyID])
	}
	_, err = httpjson.Do(ctx, r.client, http.MethodDelete, uri, string(sec.Data[keyRAT]), nil)
	if c := provider.CodeOf(err); err != nil && c != provider.NotFound && c != provider.Unauthenticated {
		return err
	}
	return r.store.Delete(ctx, name)
}

func (r *registrar) unregister(ctx context.Context, uri, rat string) {
	if uri != "" {
		_, _ = httpjson.Do(context.WithoutCancel(ctx), r.client, http.MethodDelete, uri, rat, nil)
	}
}

func (r *registrar) toClient(tenant, device string, data map[string][]byte) *identity.Client {
	return &identity.Client{ID: string(data[keyID]), Secret: provider.NewSecretValue(data[keySecret]),
		TokenURL: string(data[keyTokenURL]), Scopes: []string{r.scope(tenant)}, Audience: r.audiences,
		Tenant: tenant, Device: device}
}
