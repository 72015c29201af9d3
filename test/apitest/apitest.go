// Package apitest serves the northbound API on loopback over a real inventory (SQLite,
// PostgreSQL or MariaDB) and a real identity provider, for the API's tests and benchmarks: the
// embedded issuer (Local), or the test bed's Keycloak (Keycloak) or Ory Hydra (Hydra), each
// with a Minter that obtains tokens holding given roles from it.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/identity/local"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	_ "github.com/eim-byoi/eim/providers/secrets/local" // the embedded issuer's key store
	"github.com/eim-byoi/eim/services/api"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// Minter issues access tokens carrying roles, as the identity provider under test does.
type Minter interface {
	// Token returns a token for subject holding roles (spelled as the token carries them:
	// "<project id>_im-rw", "project-write-role", ...).
	Token(t testing.TB, subject string, roles ...string) string
}

// Refusals is implemented by the Minters that can also obtain, from the identity provider
// itself, tokens that it signs but the verifier must refuse. Local, Keycloak and Hydra do.
type Refusals interface {
	// OtherAudience returns a token for subject holding roles, issued for an audience the
	// verifier does not accept.
	OtherAudience(t testing.TB, subject string, roles ...string) string
	// Expiring returns a token for subject holding roles that the issuer makes valid for one
	// second, and the time from which the verifier refuses it (its expiry plus ClockSkew).
	Expiring(t testing.TB, subject string, roles ...string) (token string, refusedFrom time.Time)
}

// ClockSkew is the tolerance on exp, nbf and iat the identities of this package verify with
// (the default is 30s): a token made to expire in one second is refused a few seconds later.
// Issuers and verifiers share this machine's clock. The skew itself is covered by the identity
// conformance suite.
const ClockSkew = time.Second

// OtherAudience is the audience of the tokens that Refusals.OtherAudience obtains; the
// identities of this package accept "eim" only.
const OtherAudience = "not-eim"

// Identity is an identity provider under test: its verifier and a way to get tokens.
type Identity struct {
	Verifier identity.TokenVerifier
	Minter   Minter
}

// Options configure a Bed.
type Options struct {
	// Dialect is the inventory's database: sqlite (default), postgres or mariadb.
	Dialect string
	// Identity is the identity provider; the embedded issuer when zero.
	Identity Identity
	// Config is the api block; config.Default's when zero.
	Config *config.API
	// Modules are reported by GET /v1/orchestrator (default: inventory and api).
	Modules []string
}

// Bed is the API served on loopback.
type Bed struct {
	// URL is the API's base URL, http://127.0.0.1:<port>.
	URL string
	// Inventory is the inventory the API serves, for setting up and checking state.
	Inventory inventoryv1.InventoryServiceClient
	// Identity is the identity provider the API trusts.
	Identity Identity
	// Server is the API handler.
	Server *api.Server
}

// New serves the API for a test.
func New(t testing.TB, o Options) *Bed {
	t.Helper()
	if o.Dialect == "" {
		o.Dialect = "sqlite"
	}
	db := dbtest.Open(t, o.Dialect, kinds.DatabaseSchemas(inventory.Schema())...)
	m, err := inventory.Factory(module.Deps{Set: kinds.Set{Storage: db}})
	require.NoError(t, err)
	inv := m.(module.InventoryProvider).InventoryClient()
	if o.Identity.Verifier == nil {
		o.Identity = Local(t)
	}
	cfg := config.Default().API
	if o.Config != nil {
		cfg = *o.Config
	}
	if o.Modules == nil {
		o.Modules = []string{module.Inventory, module.API}
	}
	s, err := api.New(api.Options{Inventory: inv, Verifier: o.Identity.Verifier, Config: cfg, Modules: o.Modules, Target: "all"})
	require.NoError(t, err)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &Bed{URL: srv.URL, Inventory: inv, Identity: o.Identity, Server: s}
}

// localMinter mints tokens with the embedded issuer; other holds the same keys and issuer
// but puts OtherAudience in its tokens.
type localMinter struct{ iss, other *local.Issuer }

func (m localMinter) Token(t testing.TB, subject string, roles ...string) string {
	t.Helper()
	return mint(t, m.iss, subject, roles, time.Hour)
}

func (m localMinter) OtherAudience(t testing.TB, subject string, roles ...string) string {
	t.Helper()
	return mint(t, m.other, subject, roles, time.Hour)
}

func (m localMinter) Expiring(t testing.TB, subject string, roles ...string) (string, time.Time) {
	t.Helper()
	tok := mint(t, m.iss, subject, roles, time.Second)
	return tok, refusedFrom(t, tok)
}

func mint(t testing.TB, iss *local.Issuer, subject string, roles []string, ttl time.Duration) string {
	t.Helper()
	tok, err := iss.Mint(context.Background(), identity.Grant{Subject: subject, Roles: roles, TTL: ttl})
	require.NoError(t, err)
	return tok
}

// Local opens the embedded issuer on a secrets store of the test's own.
func Local(t testing.TB) Identity {
	t.Helper()
	store, err := secrets.Open(context.Background(), secrets.Selection{}, secrets.Env{DataDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	open := func(audience string) (*identity.Provider, *local.Issuer) {
		cfg := local.NewConfig()
		cfg.Issuer, cfg.Audiences, cfg.ClockSkew = "http://127.0.0.1:1/oidc", []string{audience}, provider.Duration(ClockSkew)
		p, err := identity.Open(context.Background(), local.Name, cfg, identity.Env{Secrets: store.Store()})
		require.NoError(t, err)
		t.Cleanup(func() { _ = p.Close() })
		var iss *local.Issuer
		require.True(t, p.As(&iss))
		return p, iss
	}
	p, iss := open("eim")
	_, other := open(OtherAudience) // the same store: the same signing keys
	return Identity{Verifier: p, Minter: localMinter{iss: iss, other: other}}
}

// Project creates a project with a name of the test's own and returns its name and id.
func (b *Bed) Project(t testing.TB) (name, id string) {
	t.Helper()
	resp, err := b.Inventory.CreateProject(context.Background(), &inventoryv1.CreateProjectRequest{Name: testenv.Unique(t, "p")})
	require.NoError(t, err)
	return resp.GetProject().GetName(), resp.GetProject().GetId()
}

// Token returns a token holding roles in project id (im-rw when none are given).
func (b *Bed) Token(t testing.TB, projectID string, roles ...string) string {
	t.Helper()
	return b.Identity.Minter.Token(t, "apitest", projectRoles(projectID, roles)...)
}

// OtherAudienceToken is Token for an audience the API does not accept (see Refusals).
func (b *Bed) OtherAudienceToken(t testing.TB, projectID string, roles ...string) string {
	t.Helper()
	return b.refusals(t).OtherAudience(t, "apitest", projectRoles(projectID, roles)...)
}

// ExpiringToken is Token valid for one second, with the time from which the API refuses it
// (see Refusals).
func (b *Bed) ExpiringToken(t testing.TB, projectID string, roles ...string) (string, time.Time) {
	t.Helper()
	return b.refusals(t).Expiring(t, "apitest", projectRoles(projectID, roles)...)
}

func (b *Bed) refusals(t testing.TB) Refusals {
	t.Helper()
	r, ok := b.Identity.Minter.(Refusals)
	require.True(t, ok, "the identity's Minter (%T) does not obtain refused tokens", b.Identity.Minter)
	return r
}

// projectRoles spells roles in project id as tokens carry them, "<id>_<role>" (im-rw when
// none are given).
func projectRoles(id string, roles []string) []string {
	if len(roles) == 0 {
		roles = []string{"im-rw"}
	}
	full := make([]string, len(roles))
	for i, r := range roles {
		full[i] = id + "_" + r
	}
	return full
}

// Response is an API answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// Do sends a request with token (none when empty) and body (JSON-encoded unless a string or
// []byte) and returns the answer.
func (b *Bed) Do(t testing.TB, method, path, token string, body any) *Response {
	t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	case []byte:
		rd = bytes.NewReader(v)
	default:
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, b.URL+path, rd)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}
