// Package apitest serves the northbound API on loopback over a real inventory (SQLite,
// PostgreSQL or MariaDB) and a real identity provider, for the API's tests and benchmarks.
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

// localMinter mints tokens with the embedded issuer.
type localMinter struct{ iss *local.Issuer }

func (m localMinter) Token(t testing.TB, subject string, roles ...string) string {
	t.Helper()
	tok, err := m.iss.Mint(context.Background(), local.Token{Subject: subject, Roles: roles, TTL: time.Hour})
	require.NoError(t, err)
	return tok
}

// Local opens the embedded issuer on a secrets store of the test's own.
func Local(t testing.TB) Identity {
	t.Helper()
	cfg := local.NewConfig()
	cfg.Issuer = "http://127.0.0.1:1/oidc"
	store, err := secrets.Open(context.Background(), secrets.Selection{}, secrets.Env{DataDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	p, err := identity.Open(context.Background(), local.Name, cfg, identity.Env{Secrets: store.Store()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	var iss *local.Issuer
	require.True(t, p.As(&iss))
	return Identity{Verifier: p, Minter: localMinter{iss: iss}}
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
	if len(roles) == 0 {
		roles = []string{"im-rw"}
	}
	full := make([]string, len(roles))
	for i, r := range roles {
		full[i] = projectID + "_" + r
	}
	return b.Identity.Minter.Token(t, "apitest", full...)
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
