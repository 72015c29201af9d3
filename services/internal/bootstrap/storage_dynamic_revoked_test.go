package bootstrap

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/testlog"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/testenv"
)

// TestStorageDynamicCredentialsAfterTokenRevoked: eim logs in to OpenBao with an AppRole (its
// own auth mount) and takes its database user from the database secrets engine with a lease of
// an hour. The token is revoked (an incident response): OpenBao revokes the lease with it and
// drops the user. The next call to OpenBao (here the health check /readyz makes) finds the token
// revoked and logs in again; the leased credentials are then read anew at once, not at two
// thirds of the hour: within seconds the pool logs in as a newly issued user and queries work.
func TestStorageDynamicCredentialsAfterTokenRevoked(t *testing.T) {
	bed := newPGBed(t)
	bao, root := baoRoot(t)
	ctx := context.Background()

	mount := testenv.Unique(t, "db")
	require.NoError(t, root.Sys().Mount(mount, &api.MountInput{Type: "database"}))
	t.Cleanup(func() { _ = root.Sys().Unmount(mount) })
	_, err := root.Logical().Write(mount+"/config/pg", map[string]any{
		"plugin_name":    "postgresql-database-plugin",
		"connection_url": fmt.Sprintf("postgresql://{{username}}:{{password}}@%s/%s?sslmode=disable", bed.srv.Addr(), bed.srv.Database),
		"username":       bed.srv.User, "password": bed.srv.Password, "allowed_roles": "eim", "verify_connection": true,
	})
	require.NoError(t, err)
	_, err = root.Logical().Write(mount+"/roles/eim", map[string]any{"db_name": "pg",
		"creation_statements": fmt.Sprintf(`CREATE ROLE "{{name}}" WITH LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE %q;`,
			bed.group),
		"revocation_statements": `DROP ROLE IF EXISTS "{{name}}";`, "default_ttl": "1h", "max_ttl": "2h"})
	require.NoError(t, err)
	path := mount + "/creds/eim"

	auth := testenv.Unique(t, "approle")
	require.NoError(t, root.Sys().EnableAuthWithOptions(auth, &api.EnableAuthOptions{Type: "approle"}))
	t.Cleanup(func() { _ = root.Sys().DisableAuth(auth) })
	policy := testenv.Unique(t, "eim")
	require.NoError(t, root.Sys().PutPolicy(policy, fmt.Sprintf(`path "%s/creds/*" { capabilities = ["read"] }
path "sys/leases/renew" { capabilities = ["update"] }`, mount)))
	t.Cleanup(func() { _ = root.Sys().DeletePolicy(policy) })
	_, err = root.Logical().Write("auth/"+auth+"/role/eim", map[string]any{"token_policies": policy, "token_ttl": "1h"})
	require.NoError(t, err)
	r, err := root.Logical().Read("auth/" + auth + "/role/eim/role-id")
	require.NoError(t, err)
	s, err := root.Logical().Write("auth/"+auth+"/role/eim/secret-id", nil)
	require.NoError(t, err)
	secretID := s.Data["secret_id"].(string)

	doc := fmt.Sprintf(`dataDir: %s
providers:
  secrets:
    type: vault
    config: {address: %q, auth: {appRole: {mount: %s, roleID: %s, secretID: {env: EIM_TEST_SECRET_ID}}}, timeout: 5s, dynamicPrefixes: [%q]}
  database:
    type: postgres
    config:
      host: %s
      port: %d
      database: %s
      dynamic: {path: %q}
      runtimeRole: %s
      migration: {user: %s, password: {env: EIM_TEST_MIG_PASSWORD}}
      tls: {mode: disable}
`, t.TempDir(), bao.Addr, auth, r.Data["role_id"], mount+"/creds/", bed.srv.Host, bed.srv.Port, bed.db, path, bed.group, bed.mig)
	var logs testlog.Buffer
	app, opened, err := openWithStorage(ctx, loadEIMConfig(t, doc), &logs,
		map[string]string{"EIM_TEST_SECRET_ID": secretID, "EIM_TEST_MIG_PASSWORD": bed.migPassword})
	require.NoError(t, err)
	defer app.Shutdown(context.Background())
	db := opened[storage.Kind].Provider.(*storage.DB)
	user := func() (string, error) {
		var u string
		err := db.InTenant(ctx, "t1", func(tx *storage.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM eim_outbox_partitions").Scan(&n); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, "SELECT session_user").Scan(&u)
		})
		return u, err
	}
	first, err := user()
	require.NoError(t, err)

	require.NoError(t, root.Sys().RevokePrefix("auth/"+auth+"/login"))
	require.Eventually(t, func() bool {
		_, err := bed.sessions(ctx)
		var exists bool
		return err == nil && bed.admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, first).Scan(&exists) == nil && !exists
	}, 30*time.Second, 100*time.Millisecond, "OpenBao drops the user of the revoked token's lease")
	require.NoError(t, app.Set().Secrets.CheckHealth(ctx), "the health check logs in again")
	var now string
	require.Eventually(t, func() bool {
		now, err = user()
		return err == nil && now != first
	}, 15*time.Second, 100*time.Millisecond, "queries run as a newly issued user (last error: %v)", err)
	assert.Contains(t, logs.String(), "reading the leased secret anew")
	assert.NotContains(t, logs.String(), secretID)
}
