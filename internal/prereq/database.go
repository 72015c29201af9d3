package prereq

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/eim-byoi/eim/providers/provider"
)

// databasePlanner plans the database side: the migration role (owner of the database and its
// schema), the runtime role (LOGIN, NOSUPERUSER, NOBYPASSRLS, not the owner) and the
// database, with their passwords at the references eim.yaml names.
type databasePlanner struct {
	planner
	spec  *Spec
	admin *DatabaseAdmin
	db    *sql.DB
	sink  *sink
	// needGrantCreateUser: a planned step grants CREATE USER (to Vault's MySQL manager), which
	// the administrator must hold WITH GRANT OPTION.
	needGrantCreateUser bool
}

// login is a role bootstrap manages with the reference its password lives at.
type login struct {
	user  string
	ref   *provider.SecretRef
	owner bool
}

func (p *databasePlanner) plan(ctx context.Context) error {
	d := p.spec.Database
	c := d.Common
	if c.IAM != nil {
		p.add("manual", "runtime role", "IAM credentials are issued outside bootstrap: create the role "+
			c.Grantee()+" with the grants below and let RDS IAM log in as its members", nil)
	}
	var logins []login
	if m := c.Migration; m != nil {
		logins = append(logins, login{user: m.User, ref: &m.Password, owner: true})
	}
	if c.User != "" && c.Dynamic == nil && c.IAM == nil {
		logins = append(logins, login{user: c.User, ref: &c.Password, owner: c.Migration == nil})
	}
	for _, l := range logins {
		if err := p.role(ctx, l); err != nil {
			return err
		}
	}
	owner := c.Grantee()
	if c.Migration != nil {
		owner = c.Migration.User
	}
	if err := p.database(ctx, owner, c.Grantee()); err != nil {
		return err
	}
	if c.Dynamic != nil {
		if err := p.dynamic(ctx); err != nil {
			return err
		}
	}
	return p.adminPrivileges(ctx)
}

func (p *databasePlanner) mysql() bool { return p.spec.Database.Dialect == "mysql" }

// role plans creating the role, taking BYPASSRLS/SUPERUSER away from a runtime role, and
// setting its password unless the one at its reference logs in.
func (p *databasePlanner) role(ctx context.Context, l login) error {
	exists, unsafe, err := p.readRole(ctx, l.user)
	if err != nil {
		return err
	}
	cur, have, err := p.sink.read(ctx, l.ref)
	if err != nil {
		return err
	}
	if exists && have && p.loginWorks(ctx, l.user, cur) && (l.owner || !unsafe) {
		return nil
	}
	pw, generate := cur, !have
	if generate {
		pw = newSecret()
	}
	var st *Step
	switch {
	case !exists:
		st = p.add("create", "role "+l.user, p.roleAttrs(l), func(ctx context.Context) error {
			return p.exec(ctx, p.createRole(l, pw))
		})
	case !l.owner && unsafe:
		st = p.add("update", "role "+l.user, "NOSUPERUSER NOBYPASSRLS and its password", func(ctx context.Context) error {
			return p.exec(ctx, p.alterRole(l, pw))
		})
	default:
		st = p.add("update", "role "+l.user, "its password (the one at "+p.sink.where(l.ref)+" did not log in)", func(ctx context.Context) error {
			return p.exec(ctx, p.alterRole(l, pw))
		})
	}
	if generate {
		inner := st.apply
		st.apply = func(ctx context.Context) error {
			if err := inner(ctx); err != nil {
				return err
			}
			return p.sink.write(ctx, l.ref, pw)
		}
		st.SecretTo = p.sink.where(l.ref)
	}
	return nil
}

func (p *databasePlanner) roleAttrs(l login) string {
	if p.mysql() {
		return "'" + l.user + "'@'%'"
	}
	if l.owner {
		return "LOGIN"
	}
	return "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
}

func (p *databasePlanner) createRole(l login, pw string) []string {
	if p.mysql() {
		return []string{fmt.Sprintf("CREATE USER %s IDENTIFIED BY '%s'", myUser(l.user), pw)}
	}
	return []string{fmt.Sprintf("CREATE ROLE %s %s PASSWORD '%s'", pgIdent(l.user), p.roleAttrs(l), pw)}
}

func (p *databasePlanner) alterRole(l login, pw string) []string {
	if p.mysql() {
		return []string{fmt.Sprintf("ALTER USER %s IDENTIFIED BY '%s'", myUser(l.user), pw)}
	}
	attrs := ""
	if !l.owner {
		attrs = " NOSUPERUSER NOBYPASSRLS"
	}
	return []string{fmt.Sprintf("ALTER ROLE %s%s PASSWORD '%s'", pgIdent(l.user), attrs, pw)}
}

// readRole reports whether the role exists and whether it is a superuser or bypasses RLS.
func (p *databasePlanner) readRole(ctx context.Context, user string) (exists, unsafe bool, err error) {
	if p.mysql() {
		var n int
		err = p.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = '%'", user).Scan(&n)
		return n > 0, false, err
	}
	var super, bypass bool
	err = p.db.QueryRowContext(ctx, "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1", user).Scan(&super, &bypass)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, nil
	}
	return err == nil, super || bypass, err
}

func (p *databasePlanner) loginWorks(ctx context.Context, user, password string) bool {
	db, err := p.spec.Database.OpenSQL(ctx, user, password, "")
	if err != nil {
		return false
	}
	db.Close()
	return true
}

// database plans the database owned by owner (PostgreSQL: and its public schema, closed to
// PUBLIC) or, on MySQL, the owner's privileges with GRANT OPTION and the runtime account's
// EXECUTE on it; the migrations grant the runtime role its table privileges.
func (p *databasePlanner) database(ctx context.Context, owner, runtime string) error {
	name := p.spec.Database.Common.Database
	if p.mysql() {
		return p.mysqlDatabase(ctx, name, owner, runtime)
	}
	var cur string
	err := p.db.QueryRowContext(ctx, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", name).Scan(&cur)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		p.add("create", "database "+name, "owner "+owner, func(ctx context.Context) error {
			if err := p.becomeMember(ctx, owner); err != nil {
				return err
			}
			return p.exec(ctx, []string{fmt.Sprintf("CREATE DATABASE %s OWNER %s", pgIdent(name), pgIdent(owner))})
		})
	case err != nil:
		return err
	case cur != owner:
		p.add("update", "database "+name, "owner "+cur+" → "+owner, func(ctx context.Context) error {
			if err := p.becomeMember(ctx, owner); err != nil {
				return err
			}
			return p.exec(ctx, []string{fmt.Sprintf("ALTER DATABASE %s OWNER TO %s", pgIdent(name), pgIdent(owner))})
		})
	}
	return p.pgSchema(ctx, err == nil, name, owner)
}

// pgSchema plans handing the public schema to the owner and closing it to PUBLIC.
func (p *databasePlanner) pgSchema(ctx context.Context, exists bool, name, owner string) error {
	if exists {
		db, err := p.spec.Database.OpenSQL(ctx, p.admin.User, p.admin.Password.Value().Reveal(), name)
		if err != nil {
			return err
		}
		defer db.Close()
		var cur string
		var public bool
		err = db.QueryRowContext(ctx, `SELECT pg_get_userbyid(nspowner), has_schema_privilege('public', 'public', 'CREATE')
			FROM pg_namespace WHERE nspname = 'public'`).Scan(&cur, &public)
		if err != nil {
			return err
		}
		// PostgreSQL 15 and later: public belongs to pg_database_owner, i.e. the database's owner.
		if (cur == owner || cur == "pg_database_owner") && !public {
			return nil
		}
	}
	p.add("update", "schema "+name+".public", "owner "+owner+", no CREATE for PUBLIC", func(ctx context.Context) error {
		db, err := p.spec.Database.OpenSQL(ctx, p.admin.User, p.admin.Password.Value().Reveal(), name)
		if err != nil {
			return err
		}
		defer db.Close()
		for _, s := range []string{fmt.Sprintf("ALTER SCHEMA public OWNER TO %s", pgIdent(owner)), "REVOKE ALL ON SCHEMA public FROM PUBLIC"} {
			if _, err := db.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	return nil
}

func (p *databasePlanner) mysqlDatabase(ctx context.Context, name, owner, runtime string) error {
	var n int
	if err := p.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", name).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		p.add("create", "database "+name, "", func(ctx context.Context) error {
			return p.exec(ctx, []string{"CREATE DATABASE " + myIdent(name)})
		})
	}
	want := []struct{ user, grant, privs string }{
		{owner, fmt.Sprintf("GRANT ALL PRIVILEGES ON %s.* TO %s WITH GRANT OPTION", myIdent(name), myUser(owner)), "ALL PRIVILEGES"},
		{runtime, fmt.Sprintf("GRANT EXECUTE ON %s.* TO %s", myIdent(name), myUser(runtime)), "EXECUTE"},
	}
	for _, w := range want {
		if w.user == "" || (w.user == owner && w.user == runtime && w.privs == "EXECUTE") ||
			(w.user == runtime && w.privs == "EXECUTE" && p.spec.Database.SetRole()) { // a role: myDynamic grants it
			continue
		}
		if ok, err := p.mysqlHasGrant(ctx, w.user, name, w.privs); err != nil {
			return err
		} else if ok {
			continue
		}
		p.add("grant", w.privs+" on "+name+" to "+w.user, w.grant, func(ctx context.Context) error {
			return p.exec(ctx, []string{w.grant})
		})
	}
	return nil
}

// mysqlHasGrant reports whether SHOW GRANTS lists privs on database name for user (a user
// that does not exist yet has none).
func (p *databasePlanner) mysqlHasGrant(ctx context.Context, user, name, privs string) (bool, error) {
	rows, err := p.db.QueryContext(ctx, "SHOW GRANTS FOR "+myUser(user))
	if noGrant(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer rows.Close()
	on := "ON " + myIdent(name) + ".*"
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return false, err
		}
		if strings.Contains(g, privs) && strings.Contains(g, on) {
			return true, nil
		}
	}
	if err := rows.Err(); !noGrant(err) {
		return false, err
	}
	return false, nil
}

// noGrant reports MySQL's "There is no such grant defined" (a user that does not exist yet).
func noGrant(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1141
}

func (p *databasePlanner) exec(ctx context.Context, stmts []string) error {
	for _, s := range stmts {
		if _, err := p.db.ExecContext(ctx, s); err != nil {
			return redactSQL(err)
		}
	}
	return nil
}

// redactSQL drops the statement from a driver error (it may hold a password) and keeps the
// server's message.
func redactSQL(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "PASSWORD '"); i >= 0 {
		msg = msg[:i] + "PASSWORD '…'"
	}
	if i := strings.Index(msg, "IDENTIFIED BY '"); i >= 0 {
		msg = msg[:i] + "IDENTIFIED BY '…'"
	}
	return errors.New(msg)
}

func pgIdent(s string) string   { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func myIdent(s string) string   { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
func myUser(user string) string { return "'" + strings.ReplaceAll(user, "'", "''") + "'@'%'" }
