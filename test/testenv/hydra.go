package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// HydraServer is the test bed's Ory Hydra v2 (a second, non-Keycloak OpenID Provider): JWT access
// tokens by default, dynamic client registration (RFC 7591) enabled, no login/consent UI.
type HydraServer struct {
	// PublicURL serves discovery, JWKS, /oauth2/token and /oauth2/register.
	PublicURL string
	// AdminURL serves the admin API (/admin/clients, /health/ready).
	AdminURL string
}

// Hydra returns the Hydra server, failing the test unless its discovery document is served.
func Hydra(t TB) *HydraServer {
	t.Helper()
	s := &HydraServer{PublicURL: "http://" + net.JoinHostPort(Host, strconv.Itoa(portVar(t, "HYDRA_PUBLIC_PORT"))),
		AdminURL: "http://" + net.JoinHostPort(Host, strconv.Itoa(portVar(t, "HYDRA_ADMIN_PORT")))}
	require(t, "hydra", s.DiscoveryURL(), httpCheck(s.DiscoveryURL()))
	return s
}

// IssuerURL returns Hydra's issuer, http://127.0.0.1:<port>/ (with the trailing slash).
func (s *HydraServer) IssuerURL() string { return s.PublicURL + "/" }

// DiscoveryURL returns Hydra's OpenID Provider configuration URL.
func (s *HydraServer) DiscoveryURL() string { return s.PublicURL + "/.well-known/openid-configuration" }

// TokenURL returns Hydra's token endpoint.
func (s *HydraServer) TokenURL() string { return s.PublicURL + "/oauth2/token" }

// HydraClient is an OAuth2 client created in Hydra.
type HydraClient struct {
	// ID and Secret are the client's credentials (client_secret_basic or client_secret_post).
	ID, Secret string
}

// CreateClient creates a confidential client-credentials client named Unique(t, prefix) through the
// admin API, with audience as its allowed audience (may be empty), deletes it when the test ends,
// and returns its credentials.
func (s *HydraServer) CreateClient(t TB, prefix string, audience ...string) HydraClient {
	t.Helper()
	if audience == nil {
		audience = []string{}
	}
	return s.CreateClientWith(t, prefix, map[string]any{
		"grant_types":                []string{"client_credentials"},
		"token_endpoint_auth_method": "client_secret_basic",
		"audience":                   audience,
	})
}

// CreateClientWith creates a client named Unique(t, prefix) through the admin API with fields
// (Hydra's OAuth2 client document: grant_types, response_types, redirect_uris, audience, token
// lifespans, ...), deletes it when the test ends, and returns its credentials.
func (s *HydraServer) CreateClientWith(t TB, prefix string, fields map[string]any) HydraClient {
	t.Helper()
	body := map[string]any{"client_name": Unique(t, prefix)}
	for k, v := range fields {
		body[k] = v
	}
	b, _ := json.Marshal(body)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.AdminURL+"/admin/clients", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	out, err := doHTTP(req, http.StatusCreated)
	if err != nil {
		t.Fatalf("testenv: create Hydra client: %v", err)
	}
	var c struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	if err := json.Unmarshal(out, &c); err != nil || c.ID == "" {
		t.Fatalf("testenv: create Hydra client: unexpected answer %s (%v)", out, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, s.AdminURL+"/admin/clients/"+url.PathEscape(c.ID), nil)
		if _, err := doHTTP(req, http.StatusNoContent, http.StatusNotFound); err != nil {
			t.Logf("testenv: delete Hydra client %s: %v", c.ID, err)
		}
	})
	return HydraClient{ID: c.ID, Secret: c.Secret}
}

// ClientCredentialsToken obtains an access token for c with the client-credentials grant
// (client_secret_basic; audience optional), failing the test on error.
func (s *HydraServer) ClientCredentialsToken(t TB, c HydraClient, audience ...string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(audience) > 0 {
		form.Set("audience", strings.Join(audience, " "))
	}
	return token(t, s.TokenURL(), form, &c)
}

// AuthorizationCodeToken exchanges an authorization code issued to c for an access token
// (client_secret_basic), failing the test on error.
func (s *HydraServer) AuthorizationCodeToken(t TB, c HydraClient, code, redirectURI string) string {
	t.Helper()
	return token(t, s.TokenURL(), url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirectURI}}, &c)
}
