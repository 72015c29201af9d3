package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/doctor"
	"github.com/eim-byoi/eim/test/proc"
	"github.com/eim-byoi/eim/test/testenv"
)

// withDBTLS makes the bed's database connections verify-full against the test CA: bootstrap's,
// eim serve's, doctor's and Vault's (the engine's connection gets tls_ca and tls_server_name).
func withDBTLS(t *testing.T) func(*bootBed) {
	return func(b *bootBed) {
		b.dbTLS = "{mode: verify-full, ca: {file: " + testenv.MariaDB(t).CA.CAFile + "}}"
	}
}

// leastMyAdmin makes the admin file's database administrator a MariaDB account holding only
// what docs/bootstrap.md documents for dynamic credentials: CREATE USER ON *.* (WITH GRANT
// OPTION when grantOption), SELECT ON mysql.* and ALL PRIVILEGES on the database WITH GRANT
// OPTION.
func (b *bootBed) leastMyAdmin(t *testing.T, grantOption bool) {
	t.Helper()
	name, pw := testenv.UniqueIdent(t, "badm"), "pw-"+testenv.Unique(t, "adm")
	t.Cleanup(func() { _, _ = b.dbAdmin.Exec("DROP USER IF EXISTS '" + name + "'@'%'") })
	with := map[bool]string{true: " WITH GRANT OPTION"}[grantOption]
	for _, q := range []string{"DROP USER IF EXISTS '" + name + "'@'%'", "CREATE USER '" + name + "'@'%' IDENTIFIED BY '" + pw + "'",
		"GRANT CREATE USER ON *.* TO '" + name + "'@'%'" + with, "GRANT SELECT ON mysql.* TO '" + name + "'@'%'",
		"GRANT ALL PRIVILEGES ON `" + b.database + "`.* TO '" + name + "'@'%' WITH GRANT OPTION"} {
		_, err := b.dbAdmin.Exec(q)
		require.NoError(t, err, q)
	}
	raw, err := os.ReadFile(b.admin)
	require.NoError(t, err)
	i := strings.Index(string(raw), "database: {user: ")
	require.Positive(t, i)
	j := strings.Index(string(raw)[i:], ",")
	admin := string(raw)[:i] + "database: {user: " + name + string(raw)[i+j:]
	require.NoError(t, os.WriteFile(b.admin, []byte(admin), 0o600))
	t.Setenv("EIM_TEST_DB_ADMIN_PASSWORD", pw)
}

// myDynState reads from the servers what bootstrap creates for dynamic credentials on MariaDB:
// the database, the runtime role, Vault's manager account, the engine's mount.
func (b *bootBed) myDynState(t *testing.T) map[string]bool {
	t.Helper()
	ctx := context.Background()
	count := func(q string, args ...any) bool {
		var n int
		require.NoError(t, b.dbAdmin.QueryRowContext(ctx, q, args...).Scan(&n))
		return n > 0
	}
	mounts, err := b.bao.Sys().ListMountsWithContext(ctx)
	require.NoError(t, err)
	_, mount := mounts[b.dbMount+"/"]
	return map[string]bool{
		"database":     count("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", b.database),
		"runtime role": count("SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = '' AND is_role = 'Y'", b.runtime),
		"manager":      count("SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = '%'", b.runtime+"_vault"),
		"engine mount": mount,
	}
}

// grantsOf returns SHOW GRANTS FOR grantee, as the administrator.
func (b *bootBed) grantsOf(t *testing.T, grantee string) []string {
	t.Helper()
	rows, err := b.dbAdmin.Query("SHOW GRANTS FOR " + grantee)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var g string
		require.NoError(t, rows.Scan(&g))
		if i := strings.Index(g, " IDENTIFIED BY PASSWORD"); i > 0 {
			g = g[:i]
		}
		out = append(out, g)
	}
	require.NoError(t, rows.Err())
	return out
}

// dbSessions returns the users with a session on the bed's database.
func (b *bootBed) dbSessions(t *testing.T) []string {
	t.Helper()
	rows, err := b.dbAdmin.Query("SELECT DISTINCT user FROM information_schema.processlist WHERE db = ?", b.database)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		require.NoError(t, rows.Scan(&u))
		out = append(out, u)
	}
	require.NoError(t, rows.Err())
	return out
}

// TestBootstrapDynamicCredentialsMariaDB bootstraps MariaDB 10.11 and OpenBao from empty with
// dynamic runtime credentials (setRole), every database connection verify-full against the
// test CA, as a MariaDB administrator holding only the documented privileges (one fewer fails
// the plan before any change): a dry run changes nothing (read back from both servers); the run creates the
// runtime role with EXECUTE on the database, Vault's manager account with exactly CREATE USER
// and the role WITH ADMIN OPTION (its password rotated away), the engine's mount, connection
// and role; a second run plans nothing. `eim serve` reaches /readyz connected only as users the
// engine issued (processlist), each granted the role, and doctor passes, reading the role's
// grants with a user it had issued.
func TestBootstrapDynamicCredentialsMariaDB(t *testing.T) {
	b := newBootBed(t, "mysql", "all", withDynamic(t), withDBTLS(t))
	empty := map[string]bool{"database": false, "runtime role": false, "manager": false, "engine mount": false}
	require.Equal(t, empty, b.myDynState(t))

	// An administrator without CREATE USER ... WITH GRANT OPTION cannot grant it to Vault's
	// manager: the plan fails before any change, naming the fix.
	b.leastMyAdmin(t, false)
	plan, out, err := b.bootstrap(t, "database")
	require.Error(t, err, out)
	assert.Contains(t, err.Error(), "GRANT CREATE USER ON *.* TO 'badm_")
	assert.Contains(t, err.Error(), "WITH GRANT OPTION")
	assert.False(t, plan.Applied)
	assert.Equal(t, empty, b.myDynState(t), "nothing changed")
	b.leastMyAdmin(t, true)

	plan, out, err = b.bootstrap(t, "all", "--dry-run")
	require.NoError(t, err, out)
	assert.True(t, plan.DryRun)
	assert.NotEmpty(t, plan.Steps)
	assert.Equal(t, empty, b.myDynState(t), "a dry run changes nothing")

	plan, out, err = b.bootstrap(t, "all")
	require.NoError(t, err, out)
	objects := map[string]string{}
	for _, s := range plan.Steps {
		objects[s.Object] = s.Action
		if strings.Contains(s.Object, "/config/") {
			assert.Contains(t, s.SecretTo, "known to Vault only")
		}
	}
	manager := b.runtime + "_vault"
	assert.Equal(t, "create", objects["role "+b.runtime], out)
	assert.Equal(t, "grant", objects["privileges on "+b.database+" to role "+b.runtime], out)
	assert.Equal(t, "create", objects["database secrets engine at "+b.dbMount], out)
	assert.Equal(t, "create", objects["role "+manager+" and "+b.dbMount+"/config/eim"], out)
	assert.Equal(t, "create", objects["database engine role "+b.dbMount+"/roles/eim"], out)
	assert.NotContains(t, out, "manual")
	for k, v := range b.myDynState(t) {
		assert.True(t, v, k)
	}
	assert.ElementsMatch(t, []string{"GRANT `" + b.runtime + "` TO `" + manager + "`@`%` WITH ADMIN OPTION",
		"GRANT CREATE USER ON *.* TO `" + manager + "`@`%`"}, b.grantsOf(t, "'"+manager+"'@'%'"), "the manager holds exactly these")
	assert.Contains(t, b.grantsOf(t, "`"+b.runtime+"`"), "GRANT EXECUTE ON `"+b.database+"`.* TO `"+b.runtime+"`")
	cfg, err := b.bao.Logical().Read(b.dbMount + "/config/eim")
	require.NoError(t, err)
	details, _ := cfg.Data["connection_details"].(map[string]any)
	assert.Equal(t, "mysql-database-plugin", cfg.Data["plugin_name"])
	assert.Equal(t, "127.0.0.1", details["tls_server_name"], "the engine verifies the server's name")
	_, err = b.bao.KVv2(b.kvMount).Get(context.Background(), "eim/database")
	if err == nil {
		kv, _ := b.bao.KVv2(b.kvMount).Get(context.Background(), "eim/database")
		assert.NotContains(t, kv.Data, "runtime", "no static runtime password")
	}

	plan, out, err = b.bootstrap(t, "all")
	require.NoError(t, err, out)
	assert.Empty(t, plan.Steps, "a second run is a no-op: %s", out)

	p := proc.Start(t, buildEIM(t), filepath.Join(b.dir, "data"), serveEnv(filepath.Join(b.dir, "data")), "serve", "--config", b.config)
	code, body := p.Get("/readyz", "")
	require.Equal(t, http.StatusOK, code, body)
	sessions := b.dbSessions(t)
	require.NotEmpty(t, sessions)
	for _, u := range sessions {
		if u == b.owner {
			continue // the migration account, still closing its pool
		}
		assert.True(t, strings.HasPrefix(u, "v-"), "eim serve is connected as %s, not a user the engine issued", u)
		assert.LessOrEqual(t, len(u), 32, "MySQL 8's user name limit")
		assert.Contains(t, b.grantsOf(t, "'"+u+"'@'%'"), "GRANT `"+b.runtime+"` TO `"+u+"`@`%`")
	}
	rep := runDoctor(t, b.config, 0)
	assert.Empty(t, rep.Failed(), "%s", tableOf(rep))
	var checked []string
	privileges := 0
	for _, f := range rep.Findings {
		if f.Status == doctor.OK && (f.Check == "dynamic" || strings.HasPrefix(f.Subject, "runtime (issued by")) {
			checked = append(checked, f.Target+"/"+f.Check)
		}
		if f.Status == doctor.OK && f.Check == "privileges" {
			privileges++
		}
	}
	assert.Equal(t, []string{"secrets/dynamic", "database/auth"}, checked, "doctor logs in with credentials it had issued: %s", tableOf(rep))
	assert.Positive(t, privileges, "the role's grants on the tables are checked: %s", tableOf(rep))

	// Doctor reads the role's grants: one taken from the role fails exactly that table, and the
	// fix grants it to the role (no host).
	_, err = b.dbAdmin.Exec("REVOKE DELETE ON `" + b.database + "`.`inv_projects` FROM `" + b.runtime + "`")
	require.NoError(t, err)
	rep = runDoctor(t, b.config, 0)
	var failed []string
	for _, f := range rep.Failed() {
		failed = append(failed, f.Check+"/"+f.Subject)
		assert.Contains(t, f.Fix, "GRANT DELETE ON `"+b.database+"`.`inv_projects` TO '"+b.runtime+"';")
	}
	assert.Equal(t, []string{"privileges/inv_projects"}, failed, "%s", tableOf(rep))

	// An engine role whose users are not granted the role: doctor fails the issued login naming
	// the missing GRANT (the privileges are then skipped), and bootstrap plans exactly the
	// repair of the engine role.
	rolePath := b.dbMount + "/roles/eim"
	_, err = b.bao.Logical().Write(rolePath, map[string]any{"db_name": "eim",
		"creation_statements": []string{"CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}';"}, "revocation_statements": []string{"DROP USER IF EXISTS '{{name}}'@'%';"}})
	require.NoError(t, err)
	rep = runDoctor(t, b.config, 0)
	failed = nil
	for _, f := range rep.Failed() {
		failed = append(failed, f.Target+"/"+f.Check)
		assert.Contains(t, f.Detail, "GRANT `"+b.runtime+"` TO '{{name}}'@'%'")
	}
	assert.Equal(t, []string{"database/auth"}, failed, "%s", tableOf(rep))
	plan, out, err = b.bootstrap(t, "database")
	require.NoError(t, err, out)
	require.Len(t, plan.Steps, 1, "the table grant is the migrations': %s", out)
	assert.Equal(t, "database engine role "+rolePath, plan.Steps[0].Object, out)
	assert.Equal(t, "update", plan.Steps[0].Action, out)
}

// TestBootstrapDynamicCredentialsMariaDBFromStatic moves a running MariaDB installation from a
// static runtime account to dynamic credentials (setRole) under the same name: bootstrap
// creates the role next to the account 'runtime'@'%' and copies the account's grants on the
// database (the tables the migrations had granted it) to the role, a second run plans nothing,
// and `eim serve` reaches /readyz as engine-issued users holding the role; doctor passes.
func TestBootstrapDynamicCredentialsMariaDBFromStatic(t *testing.T) {
	b := newBootBed(t, "mysql", "all")
	_, out, err := b.bootstrap(t, "all")
	require.NoError(t, err, out)
	p := proc.Start(t, buildEIM(t), filepath.Join(b.dir, "data"), serveEnv(filepath.Join(b.dir, "data")), "serve", "--config", b.config)
	code, body := p.Get("/readyz", "")
	require.Equal(t, http.StatusOK, code, body)
	_, err = p.Stop(t)
	require.NoError(t, err)
	account := b.grantsOf(t, "'"+b.runtime+"'@'%'")
	tableGrant := "GRANT SELECT, INSERT, UPDATE, DELETE ON `" + b.database + "`.`inv_projects` TO `" + b.runtime + "`@`%`"
	require.Contains(t, account, tableGrant, "the migrations granted the static account")

	b.dbMount = testenv.Unique(t, "dbeng")
	b.writeFiles(t)
	b.leastVaultAdmin(t)
	plan, out, err := b.bootstrap(t, "all")
	require.NoError(t, err, out)
	var copied string
	for _, s := range plan.Steps {
		if s.Object == "privileges on "+b.database+" to role "+b.runtime {
			copied = s.Detail
		}
	}
	assert.Contains(t, copied, "those of the account '"+b.runtime+"'@'%'", out)
	role := b.grantsOf(t, "`"+b.runtime+"`")
	for _, g := range account {
		if strings.Contains(g, " ON `"+b.database+"`.") {
			assert.Contains(t, role, strings.TrimSuffix(g, "@`%`"), "copied to the role")
		}
	}
	plan, out, err = b.bootstrap(t, "all")
	require.NoError(t, err, out)
	assert.Empty(t, plan.Steps, "a second run is a no-op: %s", out)

	p = proc.Start(t, buildEIM(t), filepath.Join(b.dir, "data"), serveEnv(filepath.Join(b.dir, "data")), "serve", "--config", b.config)
	code, body = p.Get("/readyz", "")
	require.Equal(t, http.StatusOK, code, body)
	issued := 0
	for _, u := range b.dbSessions(t) {
		if u != b.owner {
			assert.True(t, strings.HasPrefix(u, "v-"), "eim serve is connected as %s, not a user the engine issued", u)
			issued++
		}
	}
	assert.Positive(t, issued, "eim serve is connected as users the engine issued")
	rep := runDoctor(t, b.config, 0)
	assert.Empty(t, rep.Failed(), "%s", tableOf(rep))
}
