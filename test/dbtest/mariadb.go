package dbtest

import (
	"database/sql"
	"fmt"
	"strings"

	_ "github.com/go-sql-driver/mysql" // the admin connection

	"github.com/eim-byoi/eim/test/testenv"
)

// MariaDB is the test-bed MariaDB server with an administrative connection.
type MariaDB struct {
	Server *testenv.MariaDBServer
	admin  *sql.DB
}

// NewMariaDB connects to the test-bed MariaDB as its administrative user.
func NewMariaDB(t testenv.TB) *MariaDB {
	t.Helper()
	return OnMariaDB(t, testenv.MariaDB(t))
}

// OnMariaDB connects as the administrative user to srv: the test bed's server, or one of the
// test's own (testenv.Private.MariaDB).
func OnMariaDB(t testenv.TB, srv *testenv.MariaDBServer) *MariaDB {
	t.Helper()
	admin, err := sql.Open("mysql", srv.DSN(""))
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	admin.SetMaxOpenConns(2)
	t.Cleanup(func() { admin.Close() })
	return &MariaDB{Server: srv, admin: admin}
}

// Fresh creates a database, a migration account with every privilege on it (and GRANT OPTION,
// to grant the runtime account), and a runtime account that may only execute routines there
// until migrations grant it the views and tables. Everything is dropped when the test ends.
func (m *MariaDB) Fresh(t testenv.TB) Database {
	t.Helper()
	d := Database{
		Migration: Login{User: testenv.UniqueIdent(t, "mig"), Password: password()},
		Runtime:   Login{User: testenv.UniqueIdent(t, "rt"), Password: password()},
	}
	t.Cleanup(func() { m.DropUsers(t, d.Migration.User, d.Runtime.User) })
	d.Name = m.Server.CreateDatabase(t, "st")
	exec(t, m.admin,
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", d.Migration.User, d.Migration.Password),
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", d.Runtime.User, d.Runtime.Password),
		fmt.Sprintf("GRANT ALL PRIVILEGES ON `%s`.* TO '%s'@'%%' WITH GRANT OPTION", d.Name, d.Migration.User),
		fmt.Sprintf("GRANT EXECUTE ON `%s`.* TO '%s'@'%%'", d.Name, d.Runtime.User))
	return d
}

// NewLogin creates another runtime account with the same privileges as template, as a
// password rotation or a Vault lease would.
func (m *MariaDB) NewLogin(t testenv.TB, database, template string) Login {
	t.Helper()
	l := Login{User: testenv.UniqueIdent(t, "rt"), Password: password()}
	t.Cleanup(func() { m.DropUsers(t, l.User) })
	exec(t, m.admin, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", l.User, l.Password))
	rows, err := m.admin.Query(fmt.Sprintf("SHOW GRANTS FOR '%s'@'%%'", template))
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			t.Fatalf("dbtest: %v", err)
		}
		if strings.HasPrefix(g, "GRANT ") && !strings.Contains(g, "IDENTIFIED") {
			exec(t, m.admin, replaceUser(g, template, l.User))
		}
	}
	return l
}

func replaceUser(grant, from, to string) string {
	i := strings.Index(grant, "`"+from+"`@")
	if i < 0 {
		return grant
	}
	return grant[:i] + "`" + to + "`@" + grant[i+len(from)+3:]
}

// Sessions counts the server sessions of user.
func (m *MariaDB) Sessions(t testenv.TB, user string) int {
	t.Helper()
	ctx, cancel := adminCtx()
	defer cancel()
	var n int
	if err := m.admin.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.processlist WHERE user = ?", user).Scan(&n); err != nil {
		t.Fatalf("dbtest: count sessions: %v", err)
	}
	return n
}

// DropUsers drops the accounts, ignoring accounts already gone.
func (m *MariaDB) DropUsers(t testenv.TB, users ...string) {
	ctx, cancel := adminCtx()
	defer cancel()
	for _, u := range users {
		if _, err := m.admin.ExecContext(ctx, fmt.Sprintf("DROP USER IF EXISTS '%s'@'%%'", u)); err != nil {
			t.Logf("dbtest: drop user %s: %v", u, err)
		}
	}
}
