package bootstrap

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	_ "github.com/jackc/pgx/v5/stdlib" // the administrative connection
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/testlog"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/logging"
	"github.com/eim-byoi/eim/test/testenv"
)

// pgBed is a fresh database on the test bed's PostgreSQL: owned by a migration role, with a
// NOLOGIN runtime group role (NOSUPERUSER NOBYPASSRLS) that login roles are made members of.
type pgBed struct {
	srv              *testenv.PostgresServer
	admin            *sql.DB
	db               string
	mig, migPassword string
	group            string
}

func newPGBed(t *testing.T) *pgBed {
	srv := testenv.Postgres(t)
	admin, err := sql.Open("pgx", srv.URL(srv.Database))
	require.NoError(t, err)
	admin.SetMaxOpenConns(2)
	b := &pgBed{srv: srv, admin: admin, mig: testenv.UniqueIdent(t, "mig"), migPassword: "mig-" + testenv.Unique(t, "pw"),
		group: testenv.UniqueIdent(t, "rt")}
	b.exec(t, fmt.Sprintf(`CREATE ROLE %q LOGIN PASSWORD '%s'`, b.mig, b.migPassword),
		fmt.Sprintf(`CREATE ROLE %q NOLOGIN NOSUPERUSER NOBYPASSRLS`, b.group))
	// Registered first, so it runs last: after the database is dropped and the mount revoked.
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		rows, err := admin.QueryContext(ctx, `SELECT r.rolname FROM pg_roles r JOIN pg_auth_members m ON m.member = r.oid
			JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = $1`, b.group)
		var members []string
		if err == nil {
			for rows.Next() {
				var n string
				if rows.Scan(&n) == nil {
					members = append(members, n)
				}
			}
			rows.Close()
		}
		for _, r := range append(members, b.group, b.mig) {
			if _, err := admin.ExecContext(ctx, fmt.Sprintf(`DROP ROLE IF EXISTS %q`, r)); err != nil {
				t.Logf("drop role %s: %v", r, err)
			}
		}
	})
	b.db = srv.CreateDatabase(t, "dyn")
	b.exec(t, fmt.Sprintf(`ALTER DATABASE %q OWNER TO %q`, b.db, b.mig))
	owner, err := sql.Open("pgx", srv.URL(b.db))
	require.NoError(t, err)
	defer owner.Close()
	for _, s := range []string{fmt.Sprintf(`ALTER SCHEMA public OWNER TO %q`, b.mig), `REVOKE ALL ON SCHEMA public FROM PUBLIC`} {
		_, err := owner.Exec(s)
		require.NoError(t, err, s)
	}
	return b
}

func (b *pgBed) exec(t *testing.T, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		_, err := b.admin.Exec(s)
		require.NoError(t, err, s)
	}
}

// sessions returns the users with a session on the bed's database, other than the migration
// role, and how many each has.
func (b *pgBed) sessions(ctx context.Context) (map[string]int, error) {
	rows, err := b.admin.QueryContext(ctx, `SELECT usename, count(*) FROM pg_stat_activity
		WHERE datname = $1 AND usename IS NOT NULL AND usename <> $2 GROUP BY usename`, b.db, b.mig)
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

// loadEIMConfig loads an eim.yaml through the real configuration loader.
func loadEIMConfig(t *testing.T, doc string) *config.Config {
	cfg, err := config.Load([]byte(doc), config.Options{File: "eim.yaml", Sources: kinds.Sources()})
	require.NoError(t, err, "eim.yaml:\n%s", doc)
	cfg.Startup.Timeout = provider.Duration(30 * time.Second)
	return cfg
}

func openWithStorage(ctx context.Context, cfg *config.Config, log *testlog.Buffer, env map[string]string) (*App, map[string]Opened, error) {
	app, err := OpenProviders(ctx, Options{
		Config: cfg, Logger: logging.New(log, "debug", "json", nil), // no redactor: nothing may log a credential at all
		Kinds:     only(kinds.Secrets, kinds.Storage),
		LookupEnv: lookupIn(env),
	})
	if err != nil {
		return nil, nil, err
	}
	return app, byKind(app), nil
}

func baoRoot(t *testing.T) (*testenv.OpenBaoServer, *api.Client) {
	bao := testenv.OpenBao(t)
	root, err := api.NewClient(&api.Config{Address: bao.Addr})
	require.NoError(t, err)
	root.SetToken(bao.RootToken)
	return bao, root
}

// TestStorageDynamicCredentialsRotateWithVaultLease: storage opened through bootstrap with
// dynamic.path pointing at OpenBao's database secrets engine (its own mount, the
// postgresql-database-plugin, a role with a 10s lease and a 20s maximum). The secrets provider
// renews the lease and, near the maximum, reads new credentials; the pool then logs in as the
// new user and the old user's connections drain. 8 goroutines query for 40s across at least one
// replacement: no query fails (after the storage retry budget), the server sees the new user,
// and no issued password reaches the logs.
func TestStorageDynamicCredentialsRotateWithVaultLease(t *testing.T) {
	bed := newPGBed(t)
	bao, root := baoRoot(t)
	ctx := context.Background()

	mount := testenv.Unique(t, "db")
	require.NoError(t, root.Sys().Mount(mount, &api.MountInput{Type: "database"}))
	t.Cleanup(func() {
		if err := root.Sys().Unmount(mount); err != nil { // revokes every lease: drops the issued users
			t.Logf("unmount %s: %v", mount, err)
		}
	})
	_, err := root.Logical().Write(mount+"/config/pg", map[string]any{
		"plugin_name":    "postgresql-database-plugin",
		"connection_url": fmt.Sprintf("postgresql://{{username}}:{{password}}@%s/%s?sslmode=disable", bed.srv.Addr(), bed.srv.Database),
		"username":       bed.srv.User, "password": bed.srv.Password, "allowed_roles": "eim", "verify_connection": true,
	})
	require.NoError(t, err, "configure the postgresql-database-plugin")
	_, err = root.Logical().Write(mount+"/roles/eim", map[string]any{
		"db_name": "pg",
		"creation_statements": fmt.Sprintf(`CREATE ROLE "{{name}}" WITH LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE %q;`,
			bed.group),
		"revocation_statements": `DROP ROLE IF EXISTS "{{name}}";`,
		"default_ttl":           "10s", "max_ttl": "20s",
	})
	require.NoError(t, err)
	path := mount + "/creds/eim"

	doc := fmt.Sprintf(`dataDir: %s
providers:
  secrets:
    type: vault
    config: {address: %q, auth: {token: {env: EIM_TEST_VAULT_TOKEN}}, timeout: 5s, dynamicPrefixes: [%q]}
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
`, t.TempDir(), bao.Addr, mount+"/creds/", bed.srv.Host, bed.srv.Port, bed.db, path, bed.group, bed.mig)
	var logs testlog.Buffer
	app, opened, err := openWithStorage(ctx, loadEIMConfig(t, doc), &logs,
		map[string]string{"EIM_TEST_VAULT_TOKEN": bao.RootToken, "EIM_TEST_MIG_PASSWORD": bed.migPassword})
	require.NoError(t, err)
	closed := false
	defer func() {
		if !closed {
			_ = app.Shutdown(context.Background())
		}
	}()
	db := opened[storage.Kind].Provider.(*storage.DB)
	require.NoError(t, db.CheckHealth(ctx), "the issued user is a NOBYPASSRLS runtime role")

	// Every password the engine issues to this process: a watch of the same leased secret
	// shares the provider's tracked copy, so it sees the same leases.
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

	// 8 readers for 40s while pg_stat_activity is sampled.
	runRotationWorkload(t, ctx, db, "SELECT session_user", bed.sessions)

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

// TestStoragePasswordNeverLogged: the database password never appears in the logs or in the
// error of an open that fails (wrong password: Unauthenticated, the message naming user, host
// and database) nor in the logs of an open that works; and a password given as a {secret}
// reference rotates: after the secret and the role's password change, new connections log in
// with the new value.
func TestStoragePasswordNeverLogged(t *testing.T) {
	bed := newPGBed(t)
	bao, root := baoRoot(t)
	ctx := context.Background()
	user := testenv.UniqueIdent(t, "app")
	planted := "planted-" + testenv.Unique(t, "pw")
	wrong := "planted-wrong-" + testenv.Unique(t, "pw")
	rotated := "planted-rotated-" + testenv.Unique(t, "pw")
	bed.exec(t, fmt.Sprintf(`CREATE ROLE %q LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '%s' IN ROLE %q`, user, planted, bed.group))
	kv := testenv.Unique(t, "boot") + "/db"
	_, err := root.KVv2("secret").Put(ctx, kv, map[string]any{"password": planted})
	require.NoError(t, err)
	t.Cleanup(func() { _ = root.KVv2("secret").DeleteMetadata(context.Background(), kv) })

	doc := func(password string) string {
		return fmt.Sprintf(`dataDir: %s
providers:
  secrets:
    type: vault
    config: {address: %q, auth: {token: {env: EIM_TEST_VAULT_TOKEN}}, timeout: 5s, refreshInterval: 300ms}
  database:
    type: postgres
    config:
      host: %s
      port: %d
      database: %s
      user: %s
      password: %s
      runtimeRole: %s
      migration: {user: %s, password: {env: EIM_TEST_MIG_PASSWORD}}
      tls: {mode: disable}
`, t.TempDir(), bao.Addr, bed.srv.Host, bed.srv.Port, bed.db, user, password, bed.group, bed.mig)
	}
	env := map[string]string{"EIM_TEST_VAULT_TOKEN": bao.RootToken, "EIM_TEST_MIG_PASSWORD": bed.migPassword, "EIM_TEST_DB_PASSWORD": wrong}
	secretsOnly := []string{planted, wrong, rotated, bed.migPassword}

	t.Run("wrong password", func(t *testing.T) {
		var logs testlog.Buffer
		// Migrations run as the migration role; the runtime login is refused at its first use.
		app, opened, err := openWithStorage(ctx, loadEIMConfig(t, doc("{env: EIM_TEST_DB_PASSWORD}")), &logs, env)
		require.NoError(t, err)
		defer app.Shutdown(context.Background())
		db := opened[storage.Kind].Provider.(*storage.DB)
		err = db.CheckHealth(ctx)
		require.Error(t, err)
		assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err), "%v", err)
		for _, part := range []string{user, bed.srv.Addr(), bed.db} {
			assert.Contains(t, err.Error(), part, "the message names user, host and database")
		}
		qerr := db.InTenant(ctx, "t1", func(tx *storage.Tx) error { return nil })
		require.Error(t, qerr)
		require.NoError(t, app.Shutdown(context.Background()))
		msg := err.Error() + "\n" + qerr.Error()
		for _, s := range secretsOnly {
			assert.NotContains(t, msg, s)
			assert.NotContains(t, logs.String(), s)
		}
	})

	t.Run("planted password, rotated", func(t *testing.T) {
		var logs testlog.Buffer
		app, opened, err := openWithStorage(ctx, loadEIMConfig(t, doc(fmt.Sprintf("{secret: %q}", kv+"#password"))), &logs, env)
		require.NoError(t, err)
		defer app.Shutdown(context.Background())
		db := opened[storage.Kind].Provider.(*storage.DB)
		require.NoError(t, db.CheckHealth(ctx))
		query := func() error {
			return db.InTenant(ctx, "t1", func(tx *storage.Tx) error {
				var n int
				return tx.QueryRowContext(ctx, "SELECT count(*) FROM eim_outbox_partitions").Scan(&n)
			}, storage.WithRetry())
		}
		require.NoError(t, query())

		// Rotate: the role's password, then the secret. Connections opened with the old
		// password drain; new ones log in with the new one.
		bed.exec(t, fmt.Sprintf(`ALTER ROLE %q PASSWORD '%s'`, user, rotated))
		_, err = root.KVv2("secret").Put(ctx, kv, map[string]any{"password": rotated})
		require.NoError(t, err)
		require.Eventually(t, func() bool { return strings.Contains(logs.String(), "database password rotated") },
			10*time.Second, 50*time.Millisecond, "the watch delivered the new password")
		_, err = bed.admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, user)
		require.NoError(t, err)
		require.NoError(t, query(), "a new connection logs in with the rotated password")
		require.NoError(t, db.CheckHealth(ctx))
		require.NoError(t, app.Shutdown(context.Background()))
		for _, s := range secretsOnly {
			assert.NotContains(t, logs.String(), s)
		}
	})
}
