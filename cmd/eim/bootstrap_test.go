package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/doctor"
	"github.com/eim-byoi/eim/internal/prereq"
	"github.com/eim-byoi/eim/test/proc"
	"github.com/eim-byoi/eim/test/testenv"
)

// bootBed is an empty slice of the test bed for bootstrap: fresh names for a Keycloak realm,
// Vault mounts, policy and AppRole, and a database with its roles, none of which exist yet, an
// eim.yaml naming them and an admin credentials file; everything is removed when the test ends.
type bootBed struct {
	dir, config, admin               string
	realm, kvMount, transit, approle string
	policy, roleID                   string
	database, owner, runtime         string
	dialect, target                  string
	kc                               *testenv.KeycloakServer
	bao                              *api.Client
	baoAddr                          string
	dbAdmin                          *sql.DB
	pgURL                            func(string) string
	proxy                            string // host:port of a TLS proxy in front of OpenBao
	project                          string // a project whose legacy roles bootstrap creates
	dbMount                          string // with dynamic credentials: the database secrets engine's mount
	dbTLS                            string // the database's tls block; {mode: disable} unless set
}

// withDynamic makes the bed's runtime credentials dynamic: issued by a database secrets engine
// at a mount of the test's own, as members of the runtime role.
func withDynamic(t *testing.T) func(*bootBed) {
	return func(b *bootBed) { b.dbMount = testenv.Unique(t, "dbeng") }
}

func newBootBed(t *testing.T, dialect, target string, opts ...func(*bootBed)) *bootBed {
	t.Helper()
	b := &bootBed{dir: t.TempDir(), dialect: dialect, target: target, kc: testenv.Keycloak(t),
		realm: testenv.Unique(t, "boot"), kvMount: testenv.Unique(t, "kv"), transit: testenv.Unique(t, "transit"),
		approle: testenv.Unique(t, "approle"), policy: testenv.Unique(t, "eim"), roleID: uuid.NewString(), project: uuid.NewString(),
		database: testenv.UniqueIdent(t, "bdb"), owner: testenv.UniqueIdent(t, "bmig"), runtime: testenv.UniqueIdent(t, "brt")}
	ob := testenv.OpenBao(t)
	b.baoAddr = ob.Addr
	c, err := api.NewClient(&api.Config{Address: ob.Addr})
	require.NoError(t, err)
	c.SetToken(ob.RootToken)
	b.bao = c
	for _, o := range opts {
		o(b)
	}
	b.openDBAdmin(t)
	t.Cleanup(func() { b.cleanup(t) })
	b.writeFiles(t)
	b.leastVaultAdmin(t)
	return b
}

// leastVaultAdmin replaces the root token of the admin file with a token holding only the
// policy `eim bootstrap --print-admin-policy` prints: bootstrap needs no more.
func (b *bootBed) leastVaultAdmin(t *testing.T) {
	t.Helper()
	var out bytes.Buffer
	cmd := newBootstrap()
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"secrets", "--config", b.config, "--admin", b.admin, "--print-admin-policy"})
	require.NoError(t, cmd.Execute())
	require.Contains(t, out.String(), "sys/mounts")
	ctx := context.Background()
	name := b.policy + "-bootstrap-admin"
	require.NoError(t, b.bao.Sys().PutPolicyWithContext(ctx, name, out.String()))
	t.Cleanup(func() { _ = b.bao.Sys().DeletePolicyWithContext(context.Background(), name) })
	tok, err := b.bao.Auth().Token().CreateOrphanWithContext(ctx, &api.TokenCreateRequest{Policies: []string{name}, TTL: "1h", NoDefaultPolicy: true})
	require.NoError(t, err)
	t.Setenv("EIM_TEST_BAO_TOKEN", tok.Auth.ClientToken)
}

func (b *bootBed) openDBAdmin(t *testing.T) {
	t.Helper()
	var err error
	if b.dialect == "mysql" {
		m := testenv.MariaDB(t)
		b.dbAdmin, err = sql.Open("mysql", m.DSN(""))
	} else {
		pg := testenv.Postgres(t)
		b.pgURL = pg.URL
		b.dbAdmin, err = sql.Open("pgx", pg.URL(pg.Database))
	}
	require.NoError(t, err)
	t.Cleanup(func() { b.dbAdmin.Close() })
}

func (b *bootBed) writeFiles(t *testing.T) {
	t.Helper()
	port, user, pw := testenv.Var(t, "POSTGRES_PORT"), testenv.Var(t, "POSTGRES_USER"), testenv.Var(t, "POSTGRES_PASSWORD")
	adminDB := "database: " + testenv.Var(t, "POSTGRES_DATABASE")
	if b.dialect == "mysql" {
		port, user, pw, adminDB = testenv.Var(t, "MARIADB_PORT"), testenv.Var(t, "MARIADB_USER"), testenv.Var(t, "MARIADB_PASSWORD"), ""
	}
	b.config = filepath.Join(b.dir, "eim.yaml")
	cfg := fmt.Sprintf(`target: `+b.target+`
providers:
  identity:
    type: keycloak
    config:
      issuer: %[1]s/realms/%[2]s
      audiences: [eim]
      admin: {clientID: eim-admin, clientSecret: {secret: "eim/keycloak#client_secret"}}
  secrets:
    type: vault
    config:
      address: %[3]s
      auth: {appRole: {mount: %[4]s, roleID: %[5]s, secretID: {file: %[6]s/vault-secret-id}}}
      kv: {mount: %[7]s}
      transit: {mount: %[8]s, key: eim}
  database:
    type: %[9]s
    config:
      host: 127.0.0.1
      port: %[10]s
      database: %[11]s
      user: %[12]s
      password: {secret: "eim/database#runtime"}
      migration: {user: %[13]s, password: {file: %[6]s/db-owner-password}}
      tls: {mode: disable}
`, b.kc.BaseURL, b.realm, b.baoAddr, b.approle, b.roleID, b.dir, b.kvMount, b.transit, b.dialect, port, b.database, b.runtime, b.owner)
	if b.dbTLS != "" {
		cfg = strings.Replace(cfg, "      tls: {mode: disable}\n", "      tls: "+b.dbTLS+"\n", 1)
	}
	if b.dbMount != "" {
		setRole := map[bool]string{true: "      setRole: true\n"}[b.dialect == "mysql"]
		cfg = strings.Replace(cfg, "      user: "+b.runtime+"\n      password: {secret: \"eim/database#runtime\"}\n",
			"      dynamic: {path: "+b.dbMount+"/creds/eim}\n      runtimeRole: "+b.runtime+"\n"+setRole, 1)
		cfg = strings.Replace(cfg, "      transit: {mount: "+b.transit+", key: eim}\n",
			"      transit: {mount: "+b.transit+", key: eim}\n      dynamicPrefixes: ["+b.dbMount+"/]\n", 1)
	}
	require.NoError(t, os.WriteFile(b.config, []byte(cfg), 0o600))
	b.admin = filepath.Join(b.dir, "admin.yaml")
	admin := fmt.Sprintf(`keycloak: {user: %s, password: {env: EIM_TEST_KC_ADMIN_PASSWORD}}
vault: {token: {env: EIM_TEST_BAO_TOKEN}, policy: %s, role: eim}
database: {user: %s, password: {env: EIM_TEST_DB_ADMIN_PASSWORD}%s}
secretsDir: %s/secrets
`, b.kc.AdminUser, b.policy, user, map[bool]string{true: ", " + adminDB}[adminDB != ""], b.dir)
	require.NoError(t, os.WriteFile(b.admin, []byte(admin), 0o600))
	t.Setenv("EIM_TEST_KC_ADMIN_PASSWORD", b.kc.AdminPassword)
	t.Setenv("EIM_TEST_BAO_TOKEN", testenv.Var(t, "OPENBAO_ROOT_TOKEN"))
	t.Setenv("EIM_TEST_DB_ADMIN_PASSWORD", pw)
}

func (b *bootBed) cleanup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, b.kc.BaseURL+"/admin/realms/"+b.realm, nil)
	req.Header.Set("Authorization", "Bearer "+b.kc.AdminToken(t))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	for _, m := range []string{b.dbMount, b.kvMount, b.transit} { // the database engine first: it drops the users it issued
		if m != "" {
			_ = b.bao.Sys().UnmountWithContext(ctx, m)
		}
	}
	_ = b.bao.Sys().DisableAuthWithContext(ctx, b.approle)
	_ = b.bao.Sys().DeletePolicyWithContext(ctx, b.policy)
	if b.dialect == "mysql" {
		_, _ = b.dbAdmin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+b.database+"`")
		for _, u := range []string{b.owner, b.runtime, b.runtime + "_vault"} {
			_, _ = b.dbAdmin.ExecContext(ctx, "DROP USER IF EXISTS '"+u+"'@'%'")
		}
		_, _ = b.dbAdmin.ExecContext(ctx, "DROP ROLE IF EXISTS `"+b.runtime+"`")
		return
	}
	_, _ = b.dbAdmin.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+b.database+`" WITH (FORCE)`)
	for _, u := range []string{b.runtime, b.runtime + "_vault", b.owner} {
		_, _ = b.dbAdmin.ExecContext(ctx, `DROP ROLE IF EXISTS "`+u+`"`)
	}
}

// bootstrap runs `eim bootstrap` in process and returns the JSON plan and the error.
func (b *bootBed) bootstrap(t *testing.T, args ...string) (*prereq.Plan, string, error) {
	t.Helper()
	out := filepath.Join(b.dir, "plan.json")
	var stdout, stderr bytes.Buffer
	cmd := newBootstrap()
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	cmd.SetArgs(append([]string{"--config", b.config, "--admin", b.admin, "--output", out, "--project", b.project}, args...))
	err := cmd.ExecuteContext(context.Background())
	var plan prereq.Plan
	raw, rerr := os.ReadFile(out)
	require.NoError(t, rerr, stdout.String())
	require.NoError(t, json.Unmarshal(raw, &plan))
	return &plan, stdout.String() + string(raw), err
}

// state reads what bootstrap creates from the servers: whether the realm, the policy, the
// AppRole auth mount, the database and the runtime role exist.
func (b *bootBed) state(t *testing.T) map[string]bool {
	t.Helper()
	ctx := context.Background()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.kc.BaseURL+"/admin/realms/"+b.realm, nil)
	req.Header.Set("Authorization", "Bearer "+b.kc.AdminToken(t))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	pol, err := b.bao.Sys().GetPolicyWithContext(ctx, b.policy)
	require.NoError(t, err)
	auths, err := b.bao.Sys().ListAuthWithContext(ctx)
	require.NoError(t, err)
	mounts, err := b.bao.Sys().ListMountsWithContext(ctx)
	require.NoError(t, err)
	q := map[bool][2]string{false: {"SELECT COUNT(*) FROM pg_database WHERE datname = $1", "SELECT COUNT(*) FROM pg_roles WHERE rolname = $1"},
		true: {"SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", "SELECT COUNT(*) FROM mysql.user WHERE User = ?"}}[b.dialect == "mysql"]
	var dbs, roles int
	require.NoError(t, b.dbAdmin.QueryRowContext(ctx, q[0], b.database).Scan(&dbs))
	require.NoError(t, b.dbAdmin.QueryRowContext(ctx, q[1], b.runtime).Scan(&roles))
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, b.kc.BaseURL+"/admin/realms/"+b.realm+"/groups?exact=true&search="+
		b.project+"_Edge-Node-M2M-Service-Account", nil)
	req.Header.Set("Authorization", "Bearer "+b.kc.AdminToken(t))
	gresp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var groups []struct {
		RealmRoles []string `json:"realmRoles"`
	}
	_ = json.NewDecoder(gresp.Body).Decode(&groups)
	gresp.Body.Close()
	_, approle := auths[b.approle+"/"]
	_, kv := mounts[b.kvMount+"/"]
	return map[string]bool{"realm": resp.StatusCode == http.StatusOK, "project group": len(groups) == 1, "policy": pol != "", "approle": approle, "kv": kv,
		"database": dbs == 1, "runtime role": roles == 1}
}

// TestBootstrapFromEmpty bootstraps real Keycloak, OpenBao and PostgreSQL or MariaDB from
// nothing, for the whole stack and each profile: --dry-run changes nothing (read back from the servers), the run creates
// everything, a second run plans nothing, and `eim serve` of the target reaches /readyz
// with only the bootstrapped identities (the AppRole, the admin client, the database roles).
func TestBootstrapFromEmpty(t *testing.T) {
	for _, tc := range []struct{ dialect, target string }{
		{"postgres", "all"}, {"mysql", "all"}, {"postgres", "onboarding"}, {"postgres", "day2"}, {"postgres", "observability"},
	} {
		t.Run(tc.dialect+"/"+tc.target, func(t *testing.T) {
			b := newBootBed(t, tc.dialect, tc.target)
			empty := map[string]bool{"realm": false, "project group": false, "policy": false, "approle": false, "kv": false, "database": false, "runtime role": false}
			require.Equal(t, empty, b.state(t))

			plan, out, err := b.bootstrap(t, "all", "--dry-run")
			require.NoError(t, err, out)
			assert.True(t, plan.DryRun)
			assert.False(t, plan.Applied)
			assert.NotEmpty(t, plan.Steps)
			assert.Equal(t, empty, b.state(t), "a dry run changes nothing")

			plan, out, err = b.bootstrap(t, "all")
			require.NoError(t, err, out)
			assert.True(t, plan.Applied)
			for k, v := range b.state(t) {
				assert.True(t, v, k)
			}
			assertNoSecrets(t, b, out)
			info, err := os.Stat(filepath.Join(b.dir, "db-owner-password"))
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

			plan, out, err = b.bootstrap(t, "all")
			require.NoError(t, err, out)
			assert.Empty(t, plan.Steps, "a second run is a no-op: %s", out)

			p := proc.Start(t, buildEIM(t), filepath.Join(b.dir, "data"), serveEnv(filepath.Join(b.dir, "data")), "serve", "--config", b.config)
			code, body := p.Get("/readyz", "")
			assert.Equal(t, http.StatusOK, code, body)
		})
	}
}

// assertNoSecrets checks that none of the generated secrets appears in the output.
func assertNoSecrets(t *testing.T, b *bootBed, out string) {
	t.Helper()
	for _, f := range []string{"vault-secret-id", "db-owner-password"} {
		v, err := os.ReadFile(filepath.Join(b.dir, f))
		require.NoError(t, err)
		require.NotEmpty(t, strings.TrimSpace(string(v)))
		assert.NotContains(t, out, strings.TrimSpace(string(v)))
	}
	kv, err := b.bao.KVv2(b.kvMount).Get(context.Background(), "eim/database")
	require.NoError(t, err)
	assert.NotContains(t, out, kv.Data["runtime"])
}

// TestBootstrapDynamicCredentials bootstraps PostgreSQL with dynamic runtime credentials:
// besides the database and the migration role, bootstrap creates the runtime role (NOLOGIN),
// the role OpenBao's database secrets engine logs in as (its password rotated away at once), the
// engine's mount, connection and role. A second run plans nothing, and `eim serve` reaches
// /readyz with credentials the engine issued, members of the runtime role; no static runtime
// password exists anywhere.
func TestBootstrapDynamicCredentials(t *testing.T) {
	b := newBootBed(t, "postgres", "all", withDynamic(t))
	plan, out, err := b.bootstrap(t, "all")
	require.NoError(t, err, out)
	var objects []string
	for _, s := range plan.Steps {
		objects = append(objects, s.Object)
		if strings.Contains(s.Object, "/config/") {
			assert.Contains(t, s.SecretTo, "known to Vault only")
		}
	}
	assert.Contains(t, objects, "database secrets engine at "+b.dbMount)
	assert.Contains(t, objects, "role "+b.runtime)
	assert.Contains(t, objects, "database engine role "+b.dbMount+"/roles/eim")
	assert.NotContains(t, out, "manual")

	plan, out, err = b.bootstrap(t, "all")
	require.NoError(t, err, out)
	assert.Empty(t, plan.Steps, "a second run is a no-op: %s", out)

	var login bool
	require.NoError(t, b.dbAdmin.QueryRow("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", b.runtime).Scan(&login))
	assert.False(t, login, "only the issued users log in")
	kv, err := b.bao.KVv2(b.kvMount).Get(context.Background(), "eim/database")
	if err == nil {
		assert.NotContains(t, kv.Data, "runtime", "no static runtime password")
	}

	p := proc.Start(t, buildEIM(t), filepath.Join(b.dir, "data"), serveEnv(filepath.Join(b.dir, "data")), "serve", "--config", b.config)
	code, body := p.Get("/readyz", "")
	require.Equal(t, http.StatusOK, code, body)
	var issued int
	require.NoError(t, b.dbAdmin.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1 AND usename LIKE 'v-%'
		AND pg_has_role(usename, $2, 'MEMBER')`, b.database, b.runtime).Scan(&issued))
	assert.Positive(t, issued, "eim serve is connected as users the engine issued")
	rep := runDoctor(t, b.config, 0)
	assert.Empty(t, rep.Failed(), "%s", tableOf(rep))
	assert.Contains(t, tableOf(rep), "privileges", "the runtime role's grants are checked")
	var checked []string
	for _, f := range rep.Findings {
		if f.Status == doctor.OK && (f.Check == "dynamic" || strings.HasPrefix(f.Subject, "runtime (issued by")) {
			checked = append(checked, f.Target+"/"+f.Check)
		}
	}
	assert.Equal(t, []string{"secrets/dynamic", "database/auth"}, checked, "doctor logs in with credentials it had issued: %s", tableOf(rep))
}

// masterUser creates a user of Keycloak's master realm holding only the master realm roles
// given, deleted when the test ends, and returns its name and password.
func (b *bootBed) masterUser(t *testing.T, roles ...string) (string, string) {
	t.Helper()
	name, pw := strings.ToLower(testenv.Unique(t, "kcboot")), "pw-"+uuid.NewString()
	call := func(method, p string, body, out any) {
		raw, _ := json.Marshal(body)
		req, err := http.NewRequest(method, b.kc.BaseURL+"/admin/realms/master"+p, bytes.NewReader(raw))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+b.kc.AdminToken(t))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Less(t, resp.StatusCode, 300, "%s %s", method, p)
		if out != nil {
			require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
		}
	}
	call(http.MethodPost, "/users", map[string]any{"username": name, "enabled": true,
		"credentials": []any{map[string]any{"type": "password", "value": pw, "temporary": false}}}, nil)
	var users []struct {
		ID string `json:"id"`
	}
	call(http.MethodGet, "/users?exact=true&username="+name, nil, &users)
	require.Len(t, users, 1)
	t.Cleanup(func() { call(http.MethodDelete, "/users/"+users[0].ID, nil, nil) })
	var reps []map[string]any
	for _, r := range roles {
		var rep map[string]any
		call(http.MethodGet, "/roles/"+r, nil, &rep)
		reps = append(reps, rep)
	}
	if len(reps) > 0 {
		call(http.MethodPost, "/users/"+users[0].ID+"/role-mappings/realm", reps, nil)
	}
	return name, pw
}

// TestBootstrapIdentityLeastAdmin bootstraps Keycloak as a master-realm user that holds only
// the role docs/bootstrap.md documents, create-realm (Keycloak makes the creator of a realm its
// administrator), not the master admin: it succeeds, and a second run plans nothing. Without
// create-realm bootstrap fails naming that role and the kcadm.sh command that grants it.
func TestBootstrapIdentityLeastAdmin(t *testing.T) {
	b := newBootBed(t, "postgres", "all")
	_, out, err := b.bootstrap(t, "secrets") // the admin client's secret goes to Vault
	require.NoError(t, err, out)
	useAdmin := func(user, pw string) {
		raw, err := os.ReadFile(b.admin)
		require.NoError(t, err)
		lines := strings.SplitN(string(raw), "\n", 2)
		require.NoError(t, os.WriteFile(b.admin, []byte("keycloak: {user: "+user+", password: {env: EIM_TEST_KC_ADMIN_PASSWORD}}\n"+lines[1]), 0o600))
		t.Setenv("EIM_TEST_KC_ADMIN_PASSWORD", pw)
	}

	useAdmin(b.masterUser(t))
	plan, out, err := b.bootstrap(t, "identity")
	require.Error(t, err, out)
	assert.Contains(t, err.Error(), "create-realm")
	assert.Contains(t, err.Error(), "kcadm.sh add-roles -r master")
	assert.False(t, plan.Applied)
	assert.False(t, b.state(t)["realm"])

	useAdmin(b.masterUser(t, "create-realm"))
	plan, out, err = b.bootstrap(t, "identity")
	require.NoError(t, err, out)
	assert.True(t, plan.Applied)
	st := b.state(t)
	assert.True(t, st["realm"])
	assert.True(t, st["project group"])
	plan, out, err = b.bootstrap(t, "identity")
	require.NoError(t, err, out)
	assert.Empty(t, plan.Steps, "a second run is a no-op: %s", out)
	rep := runDoctor(t, b.config, 0)
	var failed []string
	for _, f := range rep.Failed() {
		if f.Target == "identity" {
			failed = append(failed, f.Check+"/"+f.Subject)
		}
	}
	assert.Empty(t, failed, "the admin client it made holds its roles: %s", tableOf(rep))
}
