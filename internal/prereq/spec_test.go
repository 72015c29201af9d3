package prereq_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/prereq"
	"github.com/eim-byoi/eim/services/process"
)

const specYAML = `target: %s
providers:
  identity:
    type: keycloak
    config:
      issuer: https://kc.example.com/realms/edge
      audiences: [eim]
      admin: {clientID: eim-admin, clientSecret: {secret: "eim/keycloak#client_secret"}}
  secrets:
    type: vault
    config:
      address: https://vault.example.com:8200
      auth: {appRole: {roleID: r, secretID: {file: /run/eim/secret-id}}}
      kv: {mount: kv}
      transit: {key: eim}
  database:
    type: postgres
    config:
      host: db.example.com
      database: eim
      runtimeRole: eim_runtime
      dynamic: {path: database/creds/eim}
      migration: {user: eim_owner, password: {secret: "eim/database#owner"}}
`

func derive(t *testing.T, target string, extra ...string) *prereq.Spec {
	t.Helper()
	f := filepath.Join(t.TempDir(), "eim.yaml")
	require.NoError(t, os.WriteFile(f, []byte(fmt.Sprintf(specYAML, target)+strings.Join(extra, "")), 0o600))
	cfg, err := process.LoadConfig(f)
	require.NoError(t, err)
	s, err := prereq.Derive(cfg, process.Built)
	require.NoError(t, err)
	return s
}

// TestDeriveFollowsTheModuleGraph checks that the admin client's realm-management roles come
// from the enabled modules: the ClientIssuer roles only with onboarding, the role-manager roles
// only with tenant, none for day2.
func TestDeriveFollowsTheModuleGraph(t *testing.T) {
	issuer := []string{"manage-clients", "manage-users", "query-groups", "view-clients", "view-users"}
	tests := []struct {
		target string
		roles  []string
	}{
		{"all", []string{"manage-clients", "manage-realm", "manage-users", "query-groups", "view-clients", "view-realm", "view-users"}},
		{"onboarding", issuer},
		{"day2", nil},
		{"observability", nil},
		{"inventory,api,tenant", []string{"manage-realm", "manage-users", "query-groups", "view-realm"}},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			assert.Equal(t, tc.roles, derive(t, tc.target).IdentityRoles())
		})
	}
}

// TestVaultPathsFromTheConfiguration checks the Vault paths: the token's own endpoints, each
// {secret} reference's KV data path, the dynamic credentials with lease renewal, the transit key.
func TestVaultPathsFromTheConfiguration(t *testing.T) {
	got := map[string][]string{}
	for _, p := range derive(t, "all").VaultPaths() {
		got[p.Path] = p.Capabilities
	}
	assert.Equal(t, map[string][]string{
		"auth/token/lookup-self": {"read"},
		"auth/token/renew-self":  {"update"},
		"kv/data/eim/keycloak":   {"read"},
		"kv/data/eim/database":   {"read"},
		"database/creds/eim":     {"read"},
		"sys/leases/renew":       {"update"},
		"transit/encrypt/eim":    {"update"},
		"transit/decrypt/eim":    {"update"},
	}, got)
}

// TestVaultPathsOfOOB: the oob module, driving an MPS and RPS with generated passwords, writes
// each project's passwords under oob.passwords.secretPrefix and deletes and lists them there;
// idle (no MPS/RPS) or with static passwords, it needs nothing more than the others.
func TestVaultPathsOfOOB(t *testing.T) {
	const dmt = "oob: {mps: {url: https://mps.example.com}, rps: {url: https://rps.example.com}}\n"
	paths := func(s *prereq.Spec) map[string][]string {
		got := map[string][]string{}
		for _, p := range s.VaultPaths() {
			got[p.Path] = p.Capabilities
		}
		return got
	}
	got := paths(derive(t, "oob", dmt))
	assert.Equal(t, []string{"create", "read", "update"}, got["kv/data/eim/oob/*"])
	assert.Equal(t, []string{"delete", "list"}, got["kv/metadata/eim/oob/*"])
	for _, s := range []*prereq.Spec{derive(t, "oob"), derive(t, "day2", dmt),
		derive(t, "oob", "oob: {mps: {url: https://m}, rps: {url: https://r}, passwords: {policy: static, amt: {env: A}, mebx: {env: M}, cira: {env: C}}}\n")} {
		assert.NotContains(t, paths(s), "kv/data/eim/oob/*", s.Modules)
	}
}
