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

// TestBrokerPermissionsFromTheModuleGraph checks that the broker grants appear in the
// permission table for the modules that use messaging (inventory, in every profile), with the
// subjects of the nats block or the exchange and queues of the rabbitmq block.
func TestBrokerPermissionsFromTheModuleGraph(t *testing.T) {
	for _, tc := range []struct {
		name, block string
		want        []prereq.Permission
	}{
		{"nats", "  messaging:\n    type: nats\n    config: {url: \"nats://n:4222\", username: eim, password: {secret: \"eim/nats#pw\"}, stream: S, subjectPrefix: \"e.\"}\n",
			[]prereq.Permission{
				{Kind: prereq.KindMessaging, Object: "_INBOX.>", Actions: []string{"subscribe"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: "$JS.API.STREAM.INFO.S", Actions: []string{"publish"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: "$JS.API.STREAM.CREATE.S", Actions: []string{"publish"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: "e.>", Actions: []string{"publish"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: "$JS.API.CONSUMER.CREATE.S.>", Actions: []string{"publish"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: "$JS.API.CONSUMER.INFO.S.>", Actions: []string{"publish"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: "$JS.API.CONSUMER.MSG.NEXT.S.>", Actions: []string{"publish"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: "$JS.ACK.S.>", Actions: []string{"publish"}, Modules: []string{"inventory"}},
			}},
		{"rabbitmq", "  messaging:\n    type: rabbitmq\n    config: {url: \"amqp://r:5672/v\", username: eim, password: {secret: \"eim/rmq#pw\"}, exchange: ex}\n",
			[]prereq.Permission{
				{Kind: prereq.KindMessaging, Object: "exchange ex", Actions: []string{"configure", "read", "write"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: "queues ex.*", Actions: []string{"configure", "write", "read"}, Modules: []string{"inventory"}},
			}},
		{"redis", "  messaging:\n    type: redis\n    config: {address: \"r:6379\", username: eim, password: {secret: \"eim/redis#pw\"}, keyPrefix: \"e*:\", db: 2}\n",
			[]prereq.Permission{
				{Kind: prereq.KindMessaging, Object: "client|setname", Actions: []string{"command"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: "select", Actions: []string{"command"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: "ping", Actions: []string{"command"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: "xadd", Actions: []string{"command"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: "xgroup|create", Actions: []string{"command"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: "xreadgroup", Actions: []string{"command"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: "xack", Actions: []string{"command"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: "xautoclaim", Actions: []string{"command"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: "xpending", Actions: []string{"command"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: "xclaim", Actions: []string{"command"}, Modules: []string{"inventory"}},
				{Kind: prereq.KindMessaging, Object: `~e\*:*`, Actions: []string{"keys"}, Modules: []string{"inventory"}},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, target := range []string{"all", "day2", "onboarding"} {
				var got []prereq.Permission
				for _, p := range derive(t, target, tc.block).Permissions {
					if p.Kind == prereq.KindMessaging {
						got = append(got, p)
					}
				}
				assert.Equal(t, tc.want, got, target)
			}
		})
	}
	assert.Equal(t, `^ex(\..*)?$`, prereq.RabbitMQPattern(derive(t, "all", "  messaging:\n    type: rabbitmq\n    config: {url: \"amqp://r:5672/v\", username: eim, password: {secret: \"eim/rmq#pw\"}, exchange: ex}\n").RabbitMQ))
}
