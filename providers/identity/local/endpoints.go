package local

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// maxTokenRequest bounds the body of a token request.
const maxTokenRequest = 16 << 10

// endpoints serves the embedded issuer: discovery (OpenID Connect Discovery and RFC 8414), the
// JWKS and the token endpoint, client-credentials grant only (RFC 6749 §4.4).
type endpoints struct {
	meta      identity.Metadata
	keys      *keyring
	clients   *clients
	audiences []string
	ttl       time.Duration
	log       *slog.Logger
	now       func() time.Time
}

func (e *endpoints) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", e.discovery)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", e.discovery)
	mux.HandleFunc("GET /jwks", e.jwks)
	mux.HandleFunc("POST /token", e.token)
	return mux
}

func (e *endpoints) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                e.meta.Issuer,
		"jwks_uri":                              e.meta.JWKSURI,
		"token_endpoint":                        e.meta.TokenEndpoint,
		"grant_types_supported":                 []string{"client_credentials"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"id_token_signing_alg_values_supported": e.meta.Algorithms,
		"response_types_supported":              []string{"token"},
		"subject_types_supported":               []string{"public"},
		"scopes_supported":                      []string{},
	})
}

func (e *endpoints) jwks(w http.ResponseWriter, r *http.Request) {
	s, err := e.keys.current(r.Context())
	if err != nil {
		e.log.Error("identity/local: reading the signing keys", "error", err)
		http.Error(w, "signing keys unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Cache-Control", "max-age=60")
	writeJSON(w, http.StatusOK, s.public())
}

// token answers a client-credentials token request.
func (e *endpoints) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequest)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the request body is not a form")
		return
	}
	if g := r.PostForm.Get("grant_type"); g != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "only client_credentials is supported")
		return
	}
	id, secret, ok := clientAuth(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="eim"`)
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	c, err := e.clients.lookup(r.Context(), id)
	switch {
	case provider.CodeOf(err) == provider.NotFound:
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	case err != nil:
		e.log.Error("identity/local: reading a client", "client", id, "error", err)
		oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "try again later")
		return
	case subtle.ConstantTimeCompare(c.secret.Bytes(), []byte(secret)) != 1:
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	tok, err := e.issue(r, c)
	if err != nil {
		e.log.Error("identity/local: signing a token", "client", id, "error", err)
		oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "try again later")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(e.ttl.Seconds())})
}

// clientAuth returns the client id and secret from HTTP Basic (form-encoded, RFC 6749 §2.3.1)
// or from the form (client_secret_post).
func clientAuth(r *http.Request) (id, secret string, ok bool) {
	if u, p, basic := r.BasicAuth(); basic {
		id, err1 := url.QueryUnescape(u)
		secret, err2 := url.QueryUnescape(p)
		return id, secret, err1 == nil && err2 == nil && id != "" && secret != ""
	}
	id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	return id, secret, id != "" && secret != ""
}

// issue signs an access token for c with the active key.
func (e *endpoints) issue(r *http.Request, c *storedClient) (string, error) {
	return e.sign(r.Context(), grant{subject: c.id, clientID: c.id, tenant: c.tenant, roles: c.roles, ttl: e.ttl})
}

// grant is what an access token says: who, for which tenant, with which roles, for how long.
type grant struct {
	subject, clientID, tenant string
	roles                     []string
	ttl                       time.Duration
}

// sign signs an access token for g with the active key.
func (e *endpoints) sign(ctx context.Context, g grant) (string, error) {
	s, err := e.keys.current(ctx)
	if err != nil {
		return "", err
	}
	key, err := s.activeKey()
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(key.Algorithm), Key: key},
		(&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		return "", err
	}
	now := e.now()
	jti := make([]byte, 16)
	_, _ = rand.Read(jti)
	claims := map[string]any{
		"iss": e.meta.Issuer, "sub": g.subject, "aud": e.audiences,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(g.ttl).Unix(), "jti": hex.EncodeToString(jti), "roles": g.roles,
	}
	if g.clientID != "" {
		claims["azp"], claims["client_id"] = g.clientID, g.clientID
	}
	if g.tenant != "" {
		claims["tenant"] = g.tenant
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
