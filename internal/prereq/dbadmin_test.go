package prereq_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/prereq"
	"github.com/eim-byoi/eim/services/process"
	"github.com/eim-byoi/eim/test/testenv"
)

// dbBed is a database, its migration and runtime roles and a bootstrap administrator, none of
// which exists yet on the server of make deps; su is the server's superuser.
type dbBed struct {
	dialect                  string
	su                       *sql.DB
	host, port               string
	database, owner, runtime string
	admin, adminPassword     string
	dir                      string
}

func newDBBed(t *testing.T, dialect string) *dbBed {
	t.Helper()
	b := &dbBed{dialect: dialect, database: testenv.UniqueIdent(t, "ldb"), owner: testenv.UniqueIdent(t, "lmig"),
		runtime: testenv.UniqueIdent(t, "lrt"), admin: testenv.UniqueIdent(t, "ladm"), adminPassword: "pw-" + testenv.Unique(t, "adm"), dir: t.TempDir()}
	var err error
	if dialect == "mysql" {
		m := testenv.MariaDB(t)
		b.su, err = sql.Open("mysql", m.DSN(""))
		b.port = testenv.Var(t, "MARIADB_PORT")
	} else {
		pg := testenv.Postgres(t)
		b.su, err = sql.Open("pgx", pg.URL(pg.Database))
		b.port = testenv.Var(t, "POSTGRES_PORT")
	}
	require.NoError(t, err)
	t.Cleanup(func() {
		if dialect == "mysql" {
			_, _ = b.su.Exec("DROP DATABASE IF EXISTS `" + b.database + "`")
			for _, u := range []string{b.owner, b.runtime, b.admin} {
				_, _ = b.su.Exec("DROP USER IF EXISTS '" + u + "'@'%'")
			}
		} else {
			_, _ = b.su.Exec(`DROP DATABASE IF EXISTS "` + b.database + `" WITH (FORCE)`)
			for _, u := range []string{b.runtime, b.owner, b.admin} {
				_, _ = b.su.Exec(`DROP ROLE IF EXISTS "` + u + `"`)
			}
		}
		b.su.Close()
	})
	return b
}

func (b *dbBed) exec(t *testing.T, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		_, err := b.su.Exec(s)
		require.NoError(t, err, s)
	}
}

// bootstrap runs `eim bootstrap database` as the administrator.
func (b *dbBed) bootstrap(t *testing.T) (*prereq.Plan, error) {
	t.Helper()
	cfg := fmt.Sprintf(`providers:
  database:
    type: %s
    config:
      host: 127.0.0.1
      port: %s
      database: %s
      user: %s
      password: {file: %s/runtime-password}
      migration: {user: %s, password: {file: %s/owner-password}}
      tls: {mode: disable}
`, b.dialect, b.port, b.database, b.runtime, b.dir, b.owner, b.dir)
	adminDB := map[bool]string{true: "", false: ", database: postgres"}[b.dialect == "mysql"]
	adm := fmt.Sprintf("database: {user: %s, password: {env: EIM_TEST_DB_ADMIN_PW}%s}\nsecretsDir: %s\n", b.admin, adminDB, b.dir)
	cfgFile, admFile := filepath.Join(b.dir, "eim.yaml"), filepath.Join(b.dir, "admin.yaml")
	require.NoError(t, os.WriteFile(cfgFile, []byte(cfg), 0o600))
	require.NoError(t, os.WriteFile(admFile, []byte(adm), 0o600))
	t.Setenv("EIM_TEST_DB_ADMIN_PW", b.adminPassword)
	c, err := process.LoadConfig(cfgFile)
	require.NoError(t, err)
	spec, err := prereq.Derive(c, process.Built)
	require.NoError(t, err)
	admin, err := prereq.LoadAdmin(context.Background(), admFile)
	require.NoError(t, err)
	return prereq.Bootstrap(context.Background(), spec, prereq.Options{Target: "database", Admin: admin})
}

// TestBootstrapDatabaseLeastAdmin bootstraps the database as an administrator holding only the
// privileges docs/bootstrap.md documents — PostgreSQL: LOGIN CREATEDB CREATEROLE, no
// superuser; MariaDB: CREATE USER on *.*, SELECT on mysql.* (to read accounts and their grants),
// and ALL PRIVILEGES WITH GRANT OPTION on the database
// only — and a second run plans nothing. With one of those privileges fewer, bootstrap fails
// before any change with an error naming the missing privilege and the statement that grants it.
func TestBootstrapDatabaseLeastAdmin(t *testing.T) {
	for _, tc := range []struct {
		dialect string
		grants  func(b *dbBed) []string
		without string // the privilege the failing case lacks
		fewer   func(b *dbBed) []string
	}{
		{"postgres", func(b *dbBed) []string {
			return []string{fmt.Sprintf(`CREATE ROLE %q LOGIN CREATEDB CREATEROLE PASSWORD '%s'`, b.admin, b.adminPassword)}
		}, "CREATEDB", func(b *dbBed) []string { return []string{fmt.Sprintf(`ALTER ROLE %q NOCREATEDB`, b.admin)} }},
		{"postgres", func(b *dbBed) []string {
			return []string{fmt.Sprintf(`CREATE ROLE %q LOGIN CREATEDB CREATEROLE PASSWORD '%s'`, b.admin, b.adminPassword)}
		}, "CREATEROLE", func(b *dbBed) []string { return []string{fmt.Sprintf(`ALTER ROLE %q NOCREATEROLE`, b.admin)} }},
		{"mysql", func(b *dbBed) []string {
			return []string{fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", b.admin, b.adminPassword),
				fmt.Sprintf("GRANT CREATE USER ON *.* TO '%s'@'%%'", b.admin),
				fmt.Sprintf("GRANT SELECT ON mysql.* TO '%s'@'%%'", b.admin),
				fmt.Sprintf("GRANT ALL PRIVILEGES ON `%s`.* TO '%s'@'%%' WITH GRANT OPTION", b.database, b.admin)}
		}, "CREATE USER", func(b *dbBed) []string {
			return []string{fmt.Sprintf("REVOKE CREATE USER ON *.* FROM '%s'@'%%'", b.admin)}
		}},
	} {
		t.Run(tc.dialect+"/without "+tc.without, func(t *testing.T) {
			b := newDBBed(t, tc.dialect)
			b.exec(t, tc.grants(b)...)
			b.exec(t, tc.fewer(b)...)
			plan, err := b.bootstrap(t)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "lacks")
			assert.Contains(t, err.Error(), tc.without)
			assert.False(t, plan.Applied)
			assert.NoFileExists(t, filepath.Join(b.dir, "owner-password"), "nothing was changed")

			b.exec(t, func() []string {
				if tc.dialect == "mysql" {
					return []string{fmt.Sprintf("GRANT CREATE USER ON *.* TO '%s'@'%%'", b.admin)}
				}
				return []string{fmt.Sprintf(`ALTER ROLE %q CREATEDB CREATEROLE`, b.admin)}
			}()...)
			plan, err = b.bootstrap(t)
			require.NoError(t, err, "with the documented privileges")
			assert.True(t, plan.Applied)
			assert.NotEmpty(t, plan.Steps)
			plan, err = b.bootstrap(t)
			require.NoError(t, err)
			assert.Empty(t, plan.Steps, "a second run is a no-op: %+v", plan.Steps)
			b.assertUsable(t)
		})
	}
}

// assertUsable logs in as the migration role, creates a table, and as the runtime role.
func (b *dbBed) assertUsable(t *testing.T) {
	t.Helper()
	pw := func(f string) string {
		raw, err := os.ReadFile(filepath.Join(b.dir, f))
		require.NoError(t, err)
		return string(raw)
	}
	open := func(user, password string) *sql.DB {
		dsn := fmt.Sprintf("postgres://%s:%s@127.0.0.1:%s/%s?sslmode=disable", user, password, b.port, b.database)
		driver := "pgx"
		if b.dialect == "mysql" {
			driver, dsn = "mysql", fmt.Sprintf("%s:%s@tcp(127.0.0.1:%s)/%s", user, password, b.port, b.database)
		}
		db, err := sql.Open(driver, dsn)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return db
	}
	owner := open(b.owner, pw("owner-password"))
	_, err := owner.Exec("CREATE TABLE probe (id INT PRIMARY KEY)")
	require.NoError(t, err, "the migration role creates tables")
	require.NoError(t, open(b.runtime, pw("runtime-password")).Ping(), "the runtime role logs in")
}
