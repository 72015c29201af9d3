package vault_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/testlog"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/secrets/vault"
	"github.com/eim-byoi/eim/test/testenv"
)

// bed is one test's slice of the OpenBao test bed: a root client, a unique prefix under the KV
// mount, a policy granting that prefix, a transit key and an AppRole bound to the policy.
type bed struct {
	t       testing.TB
	bao     *testenv.OpenBaoServer
	root    *api.Client
	prefix  string // "<unique>/"
	policy  string
	key     string // transit key
	roleID  string
	logs    *testlog.Buffer
	roleTTL time.Duration
}

func newBed(t testing.TB) *bed {
	t.Helper()
	bao := testenv.OpenBao(t)
	root, err := api.NewClient(&api.Config{Address: bao.Addr})
	require.NoError(t, err)
	root.SetToken(bao.RootToken)
	id := testenv.Unique(t, "eim")
	b := &bed{t: t, bao: bao, root: root, prefix: id + "/", policy: id, key: id, logs: &testlog.Buffer{}}
	b.write("sys/policies/acl/"+b.policy, map[string]any{"policy": b.policyText()})
	b.write("transit/keys/"+b.key, nil)
	b.write("auth/approle/role/"+id, map[string]any{"token_policies": b.policy, "token_ttl": "1h", "token_max_ttl": "4h"})
	sec, err := root.Logical().Read("auth/approle/role/" + id + "/role-id")
	require.NoError(t, err)
	b.roleID = sec.Data["role_id"].(string)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, _ = root.Logical().DeleteWithContext(ctx, "auth/approle/role/"+id)
		_, _ = root.Logical().DeleteWithContext(ctx, "sys/policies/acl/"+b.policy)
		_, _ = root.Logical().WriteWithContext(ctx, "transit/keys/"+b.key+"/config", map[string]any{"deletion_allowed": true})
		_, _ = root.Logical().DeleteWithContext(ctx, "transit/keys/"+b.key)
	})
	return b
}

// policyText is what EIM needs of Vault (docs/providers/secrets.md lists the same), scoped to
// the test's prefix.
func (b *bed) policyText() string {
	return fmt.Sprintf(`
path "secret/data/%[1]s*"     { capabilities = ["create", "read", "update"] }
path "secret/metadata/%[1]s*" { capabilities = ["read", "list", "delete"] }
path "secret/metadata/"       { capabilities = ["list"] }
path "transit/encrypt/%[2]s"  { capabilities = ["update"] }
path "transit/decrypt/%[2]s"  { capabilities = ["update"] }
path "database/creds/%[2]s"   { capabilities = ["read"] }
path "sys/leases/renew"       { capabilities = ["update"] }
`, b.prefix, b.key)
}

func (b *bed) write(path string, data map[string]any) *api.Secret {
	b.t.Helper()
	s, err := b.root.Logical().Write(path, data)
	require.NoError(b.t, err, "write %s", path)
	return s
}

// secretID issues a fresh AppRole secret id.
func (b *bed) secretID() string {
	s := b.write("auth/approle/role/"+strings.TrimSuffix(b.prefix, "/")+"/secret-id", nil)
	return s.Data["secret_id"].(string)
}

// token creates a token with the bed's policy (or the given ones) and ttl.
func (b *bed) token(ttl time.Duration, policies ...string) string {
	if len(policies) == 0 {
		policies = []string{b.policy}
	}
	s, err := b.root.Auth().Token().Create(&api.TokenCreateRequest{Policies: policies, TTL: ttl.String(), NoParent: true, Renewable: ptr(true)})
	require.NoError(b.t, err)
	return s.Auth.ClientToken
}

func ptr[T any](v T) *T { return &v }

// resolved returns a SecretRef {env: VAULT_TEST_VALUE} already resolved to v.
func resolved(t testing.TB, v string) provider.SecretRef {
	ref := provider.SecretRef{Env: "VAULT_TEST_VALUE"}
	require.NoError(t, ref.Resolve(context.Background(), provider.SecretSources{LookupEnv: func(string) (string, bool) { return v, true }}))
	return ref
}

// config returns a configuration for addr (the server or a proxy before it) with the bed's
// transit key, fast refresh and no retries, so that faults show at once.
func (b *bed) config(addr string) *vault.Config {
	cfg := vault.NewConfig()
	cfg.Address = addr
	cfg.Transit = &vault.Transit{Mount: "transit", Key: b.key}
	cfg.Timeout = provider.Duration(2 * time.Second)
	cfg.MaxRetries = 0
	cfg.RefreshInterval = provider.Duration(300 * time.Millisecond)
	return cfg
}

// appRole sets AppRole auth with a fresh secret id.
func (b *bed) appRole(cfg *vault.Config) *vault.Config {
	cfg.Auth = vault.Auth{AppRole: &vault.AppRole{RoleID: b.roleID, SecretID: resolved(b.t, b.secretID())}}
	return cfg
}

// withToken sets static token auth.
func (b *bed) withToken(cfg *vault.Config, token string) *vault.Config {
	ref := resolved(b.t, token)
	cfg.Auth = vault.Auth{Token: &ref}
	return cfg
}

// open opens a provider with cfg, closed when the test ends.
func (b *bed) open(cfg *vault.Config) *secrets.Provider {
	b.t.Helper()
	p, err := secrets.Open(context.Background(), secrets.Selection{One: &provider.Envelope{Type: vault.Name, Settings: cfg}},
		secrets.Env{Logger: b.logs.Logger()})
	require.NoError(b.t, err)
	b.t.Cleanup(func() { _ = p.Close() })
	return p
}

func hostPort(t testing.TB, addr string) string {
	u, err := url.Parse(addr)
	require.NoError(t, err)
	return u.Host
}

// tokenOf returns the client token a provider currently uses, through Store.As.
func tokenOf(t testing.TB, p *secrets.Provider) string {
	var c *api.Client
	require.True(t, p.Store().As(&c))
	return c.Token()
}
