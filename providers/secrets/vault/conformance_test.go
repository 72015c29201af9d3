package vault_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
	"github.com/eim-byoi/eim/test/conformance/secretstest"
	"github.com/eim-byoi/eim/test/testenv"
)

func TestConformance(t *testing.T) {
	b := newBed(t)
	proxy, err := faultproxy.New(hostPort(t, b.bao.Addr))
	require.NoError(t, err)
	t.Cleanup(func() { _ = proxy.Close() })
	p := b.open(b.appRole(b.config("http://" + proxy.Addr())))
	restore := func() error { return proxy.Set(faultproxy.Forward) }

	secretstest.RunSecrets(t, secretstest.SecretsHarness{
		Provider: p,
		Prefix:   b.prefix,
		Hooks: secretstest.SecretsHooks{
			Seed: func(ctx context.Context, name string, data map[string][]byte) error {
				_, err := b.root.KVv2("secret").Put(ctx, name, stringMap(data))
				return err
			},
			Unseed: func(ctx context.Context, name string) error { return b.root.KVv2("secret").DeleteMetadata(ctx, name) },
			Restricted: func(ctx context.Context, denied string) (*secrets.Provider, error) {
				pol := b.policy + "-narrow"
				b.write("sys/policies/acl/"+pol, map[string]any{"policy": fmt.Sprintf(`path "secret/data/%sallowed/*" { capabilities = ["read"] }`, b.prefix)})
				return b.open(b.withToken(b.config(b.bao.Addr), b.token(time.Hour, pol))), nil
			},
			ShortLived: func(ctx context.Context, ttl time.Duration) (*secrets.Provider, error) {
				return b.open(b.withToken(b.config(b.bao.Addr), b.token(ttl))), nil
			},
			Relogin: func(ctx context.Context) (*secrets.Provider, func(context.Context) error, error) {
				rp := b.open(b.appRole(b.config(b.bao.Addr)))
				return rp, func(ctx context.Context) error {
					return b.root.Auth().Token().RevokeTreeWithContext(ctx, tokenOf(t, rp))
				}, nil
			},
			Dynamic: func(ctx context.Context) (string, func(context.Context, map[string][]byte) error, error) {
				return b.databaseRole(6*time.Second, 12*time.Second), checkPostgres(testenv.Postgres(t)), nil
			},
			Restart: func(ctx context.Context) (func() error, error) { return restore, proxy.Set(faultproxy.Refuse) },
			Partition: func(ctx context.Context) (func() error, error) {
				return restore, proxy.Set(faultproxy.Blackhole)
			},
			OpenDown: func(ctx context.Context) (*secrets.Provider, func() error, error) {
				down, err := faultproxy.NewDown(hostPort(t, b.bao.Addr))
				if err != nil {
					return nil, nil, err
				}
				t.Cleanup(func() { _ = down.Close() })
				dp := b.open(b.appRole(b.config("http://" + down.Addr())))
				return dp, func() error { return down.Set(faultproxy.Forward) }, nil
			},
			Foreign: func(ctx context.Context, pt []byte) ([]byte, error) {
				other := b.key + "-other"
				b.write("transit/keys/"+other, nil)
				s, err := b.root.Logical().WriteWithContext(ctx, "transit/encrypt/"+other, map[string]any{"plaintext": b64(pt)})
				if err != nil {
					return nil, err
				}
				return []byte(s.Data["ciphertext"].(string)), nil
			},
			Logs: b.logs.String,
		},
	})
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func stringMap(data map[string][]byte) map[string]any {
	out := map[string]any{}
	for k, v := range data {
		out[k] = string(v)
	}
	return out
}

// databaseRole configures OpenBao's database secrets engine (mounted at database/) to issue
// PostgreSQL users on the test bed's server, with the given lease TTLs, and returns the name
// of the dynamic secret: database/creds/<role>.
func (b *bed) databaseRole(ttl, maxTTL time.Duration) string {
	pg := testenv.Postgres(b.t)
	mounts, err := b.root.Sys().ListMounts()
	require.NoError(b.t, err)
	if _, ok := mounts["database/"]; !ok {
		err := b.root.Sys().Mount("database", &api.MountInput{Type: "database"})
		if err != nil && !strings.Contains(err.Error(), "path is already in use") {
			require.NoError(b.t, err)
		}
	}
	b.write("database/config/eim-test-pg", map[string]any{
		"plugin_name":    "postgresql-database-plugin",
		"connection_url": fmt.Sprintf("postgresql://{{username}}:{{password}}@%s/%s?sslmode=disable", pg.Addr(), pg.Database),
		"username":       pg.User, "password": pg.Password, "allowed_roles": "*",
		"verify_connection": true,
	})
	b.write("database/roles/"+b.key, map[string]any{
		"db_name":             "eim-test-pg",
		"creation_statements": `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
		"default_ttl":         ttl.String(), "max_ttl": maxTTL.String(),
	})
	b.t.Cleanup(func() { _, _ = b.root.Logical().Delete("database/roles/" + b.key) })
	return "database/creds/" + b.key
}

// checkPostgres returns a check that logs in to the test bed's PostgreSQL with issued
// credentials.
func checkPostgres(pg *testenv.PostgresServer) func(context.Context, map[string][]byte) error {
	return func(ctx context.Context, data map[string][]byte) error { return loginPostgres(ctx, pg, data) }
}

func loginPostgres(ctx context.Context, pg *testenv.PostgresServer, data map[string][]byte) error {
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://%s/%s?sslmode=disable&connect_timeout=5", pg.Addr(), pg.Database))
	if err != nil {
		return err
	}
	cfg.User, cfg.Password = string(data["username"]), string(data["password"])
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("log in as the issued user: %w", err)
	}
	defer conn.Close(ctx)
	var one int
	return conn.QueryRow(ctx, "SELECT 1").Scan(&one)
}
