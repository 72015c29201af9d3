package dbtest

import (
	"database/sql"
	"fmt"

	_ "github.com/jackc/pgx/v5/stdlib" // the admin connection

	"github.com/eim-byoi/eim/test/testenv"
)

// Postgres is a test-bed PostgreSQL server with an administrative connection.
type Postgres struct {
	Server *testenv.PostgresServer
	admin  *sql.DB
}

// NewPostgres connects to the plain (tls false) or TLS-only test-bed instance as superuser.
func NewPostgres(t testenv.TB, tls bool) *Postgres {
	t.Helper()
	srv := testenv.Postgres(t)
	if tls {
		srv = testenv.PostgresTLS(t)
	}
	return OnServer(t, srv)
}

// OnServer connects as superuser to srv: a server of the test bed, or one of the test's own
// (testenv.Private.Postgres).
func OnServer(t testenv.TB, srv *testenv.PostgresServer) *Postgres {
	t.Helper()
	admin, err := sql.Open("pgx", srv.URL(srv.Database))
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	admin.SetMaxOpenConns(2)
	t.Cleanup(func() { admin.Close() })
	return &Postgres{Server: srv, admin: admin}
}

// Fresh creates a database owned by a new migration role, and a runtime role (NOSUPERUSER
// NOBYPASSRLS) allowed to connect to it. Everything is dropped when the test ends.
func (p *Postgres) Fresh(t testenv.TB) Database {
	t.Helper()
	d := Database{
		Migration: Login{User: testenv.UniqueIdent(t, "mig"), Password: password()},
		Runtime:   Login{User: testenv.UniqueIdent(t, "rt"), Password: password()},
	}
	exec(t, p.admin,
		fmt.Sprintf(`CREATE ROLE %q LOGIN PASSWORD '%s'`, d.Migration.User, d.Migration.Password),
		fmt.Sprintf(`CREATE ROLE %q LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '%s'`, d.Runtime.User, d.Runtime.Password))
	t.Cleanup(func() { p.DropRoles(t, d.Migration.User, d.Runtime.User) })
	d.Name = p.Server.CreateDatabase(t, "st")
	exec(t, p.admin, fmt.Sprintf(`ALTER DATABASE %q OWNER TO %q`, d.Name, d.Migration.User))
	owner, err := sql.Open("pgx", p.Server.URL(d.Name))
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	defer owner.Close()
	exec(t, owner, fmt.Sprintf(`ALTER SCHEMA public OWNER TO %q`, d.Migration.User), `REVOKE ALL ON SCHEMA public FROM PUBLIC`)
	return d
}

// NewLogin creates another runtime role with the privileges of member's group: it is made a
// member of template (so it gets template's grants), as Vault's creation statements do.
func (p *Postgres) NewLogin(t testenv.TB, template string) Login {
	t.Helper()
	l := Login{User: testenv.UniqueIdent(t, "rt"), Password: password()}
	exec(t, p.admin, fmt.Sprintf(`CREATE ROLE %q LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '%s' IN ROLE %q`, l.User, l.Password, template))
	t.Cleanup(func() { p.DropRoles(t, l.User) })
	return l
}

// Sessions counts the server sessions of user.
func (p *Postgres) Sessions(t testenv.TB, user string) int {
	t.Helper()
	ctx, cancel := adminCtx()
	defer cancel()
	var n int
	if err := p.admin.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE usename = $1", user).Scan(&n); err != nil {
		t.Fatalf("dbtest: count sessions: %v", err)
	}
	return n
}

// DropRoles terminates the roles' sessions and drops them, ignoring roles already gone.
func (p *Postgres) DropRoles(t testenv.TB, users ...string) {
	ctx, cancel := adminCtx()
	defer cancel()
	for _, u := range users {
		_, _ = p.admin.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", u)
		if _, err := p.admin.ExecContext(ctx, fmt.Sprintf(`DROP ROLE IF EXISTS %q`, u)); err != nil {
			t.Logf("dbtest: drop role %s: %v", u, err)
		}
	}
}

// Exec runs statements as superuser on the server's default database.
func (p *Postgres) Exec(t testenv.TB, stmts ...string) { exec(t, p.admin, stmts...) }

// Admin returns the superuser connection to the default database.
func (p *Postgres) Admin() *sql.DB { return p.admin }
