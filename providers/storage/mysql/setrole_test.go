package mysql_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/mysql"
	"github.com/eim-byoi/eim/providers/storage/remote"
	"github.com/eim-byoi/eim/test/conformance/storageschema"
	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// roleBed is a fresh database on the test bed's MariaDB with a role and a login granted that
// role without a default role, as Vault's database engine issues it.
type roleBed struct {
	admin       *sql.DB
	d           dbtest.Database
	role        string
	user, other dbtest.Login // user is granted role; other is not
}

func newRoleBed(t *testing.T) (*dbtest.MariaDB, *roleBed) {
	my := dbtest.NewMariaDB(t)
	admin, err := sql.Open("mysql", my.Server.DSN(""))
	require.NoError(t, err)
	t.Cleanup(func() { admin.Close() })
	b := &roleBed{admin: admin, d: my.Fresh(t), role: testenv.UniqueIdent(t, "role"),
		user:  dbtest.Login{User: testenv.UniqueIdent(t, "iss"), Password: "pw-" + testenv.Unique(t, "a")},
		other: dbtest.Login{User: testenv.UniqueIdent(t, "oth"), Password: "pw-" + testenv.Unique(t, "b")}}
	t.Cleanup(func() {
		my.DropUsers(t, b.user.User, b.other.User)
		_, _ = admin.Exec("DROP ROLE IF EXISTS `" + b.role + "`")
	})
	for _, s := range []string{
		"CREATE ROLE `" + b.role + "`",
		fmt.Sprintf("GRANT EXECUTE ON `%s`.* TO `%s`", b.d.Name, b.role),
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", b.user.User, b.user.Password),
		fmt.Sprintf("GRANT `%s` TO '%s'@'%%'", b.role, b.user.User),
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", b.other.User, b.other.Password),
	} {
		_, err := admin.Exec(s)
		require.NoError(t, err, s)
	}
	return my, b
}

// dynamicConfig is the adapter configuration with dynamic credentials for the role; the test
// hands the credentials in through storage.Env.Credentials, as a lease would.
func (b *roleBed) dynamicConfig(t *testing.T, srv *testenv.MariaDBServer, setRole bool) *mysql.Config {
	c := config(t, srv, b.d)
	c.User, c.Password = "", provider.SecretRef{}
	c.Dynamic = &remote.Dynamic{Path: "database/creds/eim"}
	c.RuntimeRole, c.SetRole = b.role, setRole
	require.NoError(t, c.Validate())
	return c
}

// TestSetRole (MariaDB): with setRole the migrations grant DML to the role itself (host-less
// grantee) and every new runtime connection of a user that holds the role without a default
// role runs with the role active, so its queries succeed; without setRole the same user is
// denied. A user not granted the role fails CheckHealth with PermissionDenied naming the
// missing GRANT.
func TestSetRole(t *testing.T) {
	my, b := newRoleBed(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	issued := storage.Static(b.user.User, b.user.Secret())

	db := open(t, b.dynamicConfig(t, my.Server, true), storage.Env{Credentials: issued})
	t.Cleanup(func() { db.Close() })
	assert.Equal(t, "'"+b.role+"'", db.Driver().Grantee())
	require.NoError(t, db.Migrate(ctx, storageschema.Schema()))

	var roleGrants []string
	rows, err := b.admin.QueryContext(ctx, "SHOW GRANTS FOR `"+b.role+"`")
	require.NoError(t, err)
	for rows.Next() {
		var g string
		require.NoError(t, rows.Scan(&g))
		roleGrants = append(roleGrants, g)
	}
	require.NoError(t, rows.Err())
	assert.Contains(t, roleGrants, fmt.Sprintf("GRANT SELECT, INSERT, UPDATE, DELETE ON `%s`.`widgets` TO `%s`", b.d.Name, b.role),
		"the migrations granted the role itself: %v", roleGrants)

	// Several connections at once: each new one has the role active.
	conns := make([]*sql.Conn, 3)
	for i := range conns {
		conns[i], err = db.SQL().Conn(ctx)
		require.NoError(t, err)
		var user string
		var role sql.NullString
		require.NoError(t, conns[i].QueryRowContext(ctx, "SELECT SUBSTRING_INDEX(USER(), '@', 1), CURRENT_ROLE()").Scan(&user, &role))
		assert.Equal(t, b.user.User, user)
		assert.Equal(t, b.role, role.String)
	}
	for _, c := range conns {
		require.NoError(t, c.Close())
	}
	require.NoError(t, db.InTenant(ctx, "t1", func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO widgets (id, tenant_id, name, created_at, doc, payload, body) VALUES (UUID(), 't1', 'w1', NOW(6), '{}', NULL, 'b')")
		return err
	}))

	without := open(t, b.dynamicConfig(t, my.Server, false), storage.Env{Credentials: issued})
	t.Cleanup(func() { without.Close() })
	err = without.InTenant(ctx, "t1", func(tx *storage.Tx) error {
		var n int
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM widgets").Scan(&n)
	})
	require.Error(t, err, "without setRole the issued user holds none of the role's privileges")

	denied := open(t, b.dynamicConfig(t, my.Server, true), storage.Env{Credentials: storage.Static(b.other.User, b.other.Secret())})
	t.Cleanup(func() { denied.Close() })
	err = denied.CheckHealth(ctx)
	require.Error(t, err)
	assert.Equal(t, provider.PermissionDenied, provider.CodeOf(err), "%v", err)
	assert.Contains(t, err.Error(), "GRANT `"+b.role+"` TO '{{name}}'@'%'")
	assert.False(t, strings.Contains(err.Error(), b.other.Password))
}

// TestSetRoleValidation: setRole needs dynamic credentials, a runtimeRole and granteeHost %.
func TestSetRoleValidation(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		edit       func(*mysql.Config)
	}{
		{"static user", "setRole: needs dynamic credentials", func(c *mysql.Config) { c.Dynamic, c.User = nil, "rt" }},
		{"no runtime role", "runtimeRole", func(c *mysql.Config) { c.RuntimeRole = "" }},
		{"grantee host", "granteeHost: must be % with setRole", func(c *mysql.Config) { c.GranteeHost = "10.0.0.%" }},
		{"no migration account", "migration: is required with setRole", func(c *mysql.Config) { c.Migration = nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mysql.NewConfig()
			c.Host, c.Database, c.RuntimeRole, c.SetRole = "db.example.com", "eim", "eim_rt", true
			c.Dynamic = &remote.Dynamic{Path: "database/creds/eim"}
			c.Migration = &remote.Migration{User: "eim_owner"}
			require.NoError(t, c.Validate())
			tc.edit(c)
			err := c.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
