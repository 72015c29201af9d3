package bootstrap

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	_ "github.com/go-sql-driver/mysql" // the administrative connection
	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/testlog"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/testenv"
)

// myBed is a fresh database on the test bed's MariaDB with a migration account and a locked-out
// runtime "group" account that migrations grant the runtime privileges to. MariaDB roles cannot
// be the grantee (the mysql adapter grants to 'runtimeRole'@'granteeHost', and a role has no
// host), so issued users receive a copy of the group account's grants instead.
type myBed struct {
	srv              *testenv.MariaDBServer
	admin            *sql.DB
	db               string
	mig, migPassword string
	group, groupPw   string
}

func newMyBed(t *testing.T) *myBed {
	srv := testenv.MariaDB(t)
	admin, err := sql.Open("mysql", srv.DSN(""))
	require.NoError(t, err)
	admin.SetMaxOpenConns(2)
	b := &myBed{srv: srv, admin: admin, mig: testenv.UniqueIdent(t, "mig"), migPassword: "mig-" + testenv.Unique(t, "pw"),
		group: testenv.UniqueIdent(t, "rt"), groupPw: "grp-" + testenv.Unique(t, "pw")}
	t.Cleanup(func() {
		defer admin.Close()
		for _, u := range []string{b.mig, b.group} {
			if _, err := admin.Exec(fmt.Sprintf("DROP USER IF EXISTS '%s'@'%%'", u)); err != nil {
				t.Logf("drop user %s: %v", u, err)
			}
		}
	})
	b.db = srv.CreateDatabase(t, "dyn")
	b.exec(t,
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", b.mig, b.migPassword),
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", b.group, b.groupPw),
		fmt.Sprintf("GRANT ALL PRIVILEGES ON `%s`.* TO '%s'@'%%' WITH GRANT OPTION", b.db, b.mig),
		fmt.Sprintf("GRANT EXECUTE ON `%s`.* TO '%s'@'%%'", b.db, b.group))
	return b
}

func (b *myBed) exec(t *testing.T, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		_, err := b.admin.Exec(s)
		require.NoError(t, err, s)
	}
}

// sessions returns the users with a session on the bed's database, other than the migration and
// group accounts, and how many each has.
func (b *myBed) sessions(ctx context.Context) (map[string]int, error) {
	rows, err := b.admin.QueryContext(ctx, `SELECT user, count(*) FROM information_schema.processlist
		WHERE db = ? AND user NOT IN (?, ?) GROUP BY user`, b.db, b.mig, b.group)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var u string
		var n int
		if err := rows.Scan(&u, &n); err != nil {
			return nil, err
		}
		out[u] = n
	}
	return out, rows.Err()
}

// grantsFor returns the group account's grants on the database, rewritten for the Vault
// template user '{{name}}'@'%'.
func (b *myBed) grantsFor(t *testing.T) []string {
	rows, err := b.admin.Query(fmt.Sprintf("SHOW GRANTS FOR '%s'@'%%'", b.group))
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var g string
		require.NoError(t, rows.Scan(&g))
		if strings.HasPrefix(g, "GRANT USAGE ON *.*") {
			continue
		}
		out = append(out, strings.ReplaceAll(g, fmt.Sprintf("`%s`@`%%`", b.group), "'{{name}}'@'%'")+";")
	}
	require.NoError(t, rows.Err())
	return out
}

// storageDoc is an eim.yaml opening the bed's database; creds are the credential keys of the
// database config (indented six spaces) and secretsExtra is appended to the secrets config.
func (b *myBed) storageDoc(t *testing.T, bao, secretsExtra, creds string) string {
	return fmt.Sprintf(`dataDir: %s
providers:
  secrets:
    type: vault
    config: {address: %q, auth: {token: {env: EIM_TEST_VAULT_TOKEN}}, timeout: 5s%s}
  database:
    type: mysql
    config:
      host: %s
      port: %d
      database: %s
%s
      migration: {user: %s, password: {env: EIM_TEST_MIG_PASSWORD}}
      tls: {mode: disable}
`, t.TempDir(), bao, secretsExtra, b.srv.Host, b.srv.Port, b.db, creds, b.mig)
}

// TestStorageDynamicCredentialsRotateWithVaultLeaseMariaDB: as
// TestStorageDynamicCredentialsRotateWithVaultLease, against MariaDB with OpenBao's
// mysql-database-plugin: a role with a 10s lease and a 20s maximum, storage opened through
// bootstrap with dynamic.path, 8 goroutines querying for 40s across at least one lease
// replacement, zero failed queries, the new user seen by the server, the first user drained, no
// issued password in the logs.
func TestStorageDynamicCredentialsRotateWithVaultLeaseMariaDB(t *testing.T) {
	bed := newMyBed(t)
	bao, root := baoRoot(t)
	ctx := context.Background()
	env := map[string]string{"EIM_TEST_VAULT_TOKEN": bao.RootToken, "EIM_TEST_MIG_PASSWORD": bed.migPassword, "EIM_TEST_GROUP_PASSWORD": bed.groupPw}

	// Migrate once with the group account as the runtime user, so that its grants exist to copy.
	{
		var logs testlog.Buffer
		app, _, err := openWithStorage(ctx, loadEIMConfig(t, bed.storageDoc(t, bao.Addr, "",
			fmt.Sprintf("      user: %s\n      password: {env: EIM_TEST_GROUP_PASSWORD}", bed.group))), &logs, env)
		require.NoError(t, err, "logs: %s", logs.String())
		require.NoError(t, app.Shutdown(ctx))
	}
	grants := bed.grantsFor(t)
	require.NotEmpty(t, grants)

	mount := testenv.Unique(t, "db")
	require.NoError(t, root.Sys().Mount(mount, &api.MountInput{Type: "database"}))
	t.Cleanup(func() {
		if err := root.Sys().Unmount(mount); err != nil { // revokes every lease: drops the issued users
			t.Logf("unmount %s: %v", mount, err)
		}
	})
	_, err := root.Logical().Write(mount+"/config/my", map[string]any{
		"plugin_name":    "mysql-database-plugin",
		"connection_url": fmt.Sprintf("{{username}}:{{password}}@tcp(%s)/", bed.srv.Addr()),
		"username":       bed.srv.User, "password": bed.srv.Password, "allowed_roles": "eim", "verify_connection": true,
	})
	require.NoError(t, err, "configure the mysql-database-plugin")
	_, err = root.Logical().Write(mount+"/roles/eim", map[string]any{
		"db_name":               "my",
		"creation_statements":   append([]string{"CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}';"}, grants...),
		"revocation_statements": []string{"DROP USER IF EXISTS '{{name}}'@'%';"},
		"default_ttl":           "10s", "max_ttl": "20s",
	})
	require.NoError(t, err)
	path := mount + "/creds/eim"

	doc := bed.storageDoc(t, bao.Addr, fmt.Sprintf(", dynamicPrefixes: [%q]", mount+"/creds/"),
		fmt.Sprintf("      dynamic: {path: %q}\n      runtimeRole: %s", path, bed.group))
	var logs testlog.Buffer
	app, opened, err := openWithStorage(ctx, loadEIMConfig(t, doc), &logs, env)
	require.NoError(t, err)
	closed := false
	defer func() {
		if !closed {
			_ = app.Shutdown(context.Background())
		}
	}()
	db := opened[storage.Kind].Provider.(*storage.DB)
	require.NoError(t, db.CheckHealth(ctx))

	pw, err := app.Set().Secrets.Watch(ctx, path, "password")
	require.NoError(t, err)
	var pwMu sync.Mutex
	passwords := []string{pw.Value().Reveal()}
	go func() {
		for v := range pw.Changes() {
			pwMu.Lock()
			passwords = append(passwords, v.Reveal())
			pwMu.Unlock()
		}
	}()
	runRotationWorkload(t, ctx, db, "SELECT SUBSTRING_INDEX(USER(), '@', 1)", bed.sessions)

	pw.Stop()
	require.NoError(t, app.Shutdown(context.Background()))
	closed = true
	pwMu.Lock()
	defer pwMu.Unlock()
	require.GreaterOrEqual(t, len(passwords), 2)
	out := logs.String()
	assert.Contains(t, out, "database credentials replaced")
	for _, p := range passwords {
		assert.NotContains(t, out, p, "an issued password reached the logs")
	}
}
