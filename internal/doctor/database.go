package doctor

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/eim-byoi/eim/internal/prereq"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

// databaseCheck checks the database: endpoint, the logins of the runtime and migration roles,
// RLS (the runtime role neither bypasses it nor owns a table), the runtime role's privileges
// on every runtime table and the schema version.
type databaseCheck struct {
	spec *prereq.Spec
	o    *Options
	refs refResolver
	c    collector
	// issued are the dynamic credentials the secrets check read; nil without dynamic.
	issued *issued
}

func (d *databaseCheck) mysql() bool { return d.spec.Database.Dialect == "mysql" }

func (d *databaseCheck) run(ctx context.Context) []Finding {
	d.c.target = "database"
	c := d.spec.Database.Common
	ep := endpoint{host: c.Host, port: strconv.Itoa(c.Port), tlsPath: "providers.database.config.tls", tls: c.TLS,
		mode: c.TLS.ModeOr(provider.TLSVerifyFull), postgres: !d.mysql(), noProbe: d.mysql()}
	if !ep.check(ctx, &d.c, d.o) {
		d.c.skip("auth", c.Host, "the server is not reachable securely")
		return d.c.findings
	}
	runtimeOK := d.runtimeLogin(ctx)
	owner := c.User
	var admin *sql.DB
	if m := c.Migration; m != nil {
		owner = m.User
		admin = d.open(ctx, "migration", m.User, &m.Password)
	} else if runtimeOK {
		admin = d.open(ctx, "runtime", c.User, &c.Password)
	}
	if admin == nil {
		d.c.skip("privileges", c.Database, "no login to read the catalog with")
		return d.c.findings
	}
	defer admin.Close()
	if c.User != "" || c.Grantee() != "" { // with dynamic credentials: the role the issued users are members of
		d.rls(ctx, admin, c.Grantee(), owner)
		if runtimeOK || !d.mysql() {
			d.privileges(ctx, admin, c.Grantee())
		} else {
			d.c.skip("privileges", c.Grantee(), "MySQL grants are read as the runtime account, whose login failed")
		}
	}
	d.schema(ctx, runtimeOK)
	return d.c.findings
}

// runtimeLogin checks the runtime login: the configured user, or with dynamic credentials a
// user the secrets engine issued (a member of runtimeRole).
func (d *databaseCheck) runtimeLogin(ctx context.Context) bool {
	c := d.spec.Database.Common
	if c.Dynamic == nil || d.issued == nil {
		return d.login(ctx, "runtime", c.User, &c.Password)
	}
	subject := "runtime (issued by " + d.issued.path + ")"
	db, err := d.openIssued(ctx)
	if err != nil {
		d.c.fail("auth", subject, err.Error(), "check the connection_url and creation statements of the engine role at "+d.issued.path+
			" (`eim bootstrap database` creates them)")
		return false
	}
	db.Close()
	detail := "as " + d.issued.user
	if d.spec.Database.SetRole() {
		detail += ", role " + c.RuntimeRole + " active"
	}
	d.c.ok("auth", subject, detail)
	return true
}

// openIssued logs in with the issued credentials. With setRole it activates the runtime role
// and then selects the database, as the mysql adapter does: the issued user reaches the
// database through its role only.
func (d *databaseCheck) openIssued(ctx context.Context) (*sql.DB, error) {
	c := d.spec.Database.Common
	if !d.spec.Database.SetRole() {
		return d.spec.Database.OpenSQL(ctx, d.issued.user, d.issued.password, c.Database)
	}
	db, err := d.spec.Database.OpenSQL(ctx, d.issued.user, d.issued.password, "")
	if err != nil {
		return nil, err
	}
	steps := []struct{ sql, hint string }{
		{"SET ROLE " + myIdent(c.RuntimeRole), "the engine role's creation statements must GRANT " + myIdent(c.RuntimeRole) + " TO '{{name}}'@'%'"},
		{"USE " + myIdent(c.Database), "the role needs a privilege on the database: GRANT EXECUTE ON " + myIdent(c.Database) + ".* TO " +
			d.spec.Database.MySQLGrantee(c.RuntimeRole)},
	}
	for _, s := range steps {
		if _, err := db.ExecContext(ctx, s.sql); err != nil {
			db.Close()
			return nil, fmt.Errorf("%s: %w (%s)", s.sql, err, s.hint)
		}
	}
	return db, nil
}

func myIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// login checks that user logs in with the password at ref.
func (d *databaseCheck) login(ctx context.Context, role, user string, ref *provider.SecretRef) bool {
	db := d.open(ctx, role, user, ref)
	if db != nil {
		db.Close()
	}
	return db != nil
}

func (d *databaseCheck) open(ctx context.Context, role, user string, ref *provider.SecretRef) *sql.DB {
	if user == "" {
		d.c.skip("auth", role, "dynamic or IAM credentials: checked by eim serve")
		return nil
	}
	if ref.IsZero() || ref.Value().IsEmpty() {
		if ref.IsZero() {
			d.c.fail("auth", role+" "+user, "no password is configured", "set the password reference of the "+role+" role")
		} else {
			d.c.skip("auth", role+" "+user, d.refs.why(ref))
		}
		return nil
	}
	db, err := d.spec.Database.OpenSQL(ctx, user, ref.Value().Reveal(), d.spec.Database.Common.Database)
	if err != nil {
		fix := fmt.Sprintf("put the password of %s at %s, or set it: %s (`eim bootstrap database` does it)", user, ref, d.passwordSQL(user))
		if provider.IsTLSError(err) {
			fix = "fix providers.database.config.tls (mode, ca) for the server's certificate"
		}
		d.c.fail("auth", role+" "+user, err.Error(), fix)
		return nil
	}
	d.c.ok("auth", role+" "+user, "")
	return db
}

func (d *databaseCheck) passwordSQL(user string) string {
	if d.mysql() {
		return fmt.Sprintf("ALTER USER '%s'@'%%' IDENTIFIED BY '<password>';", user)
	}
	return fmt.Sprintf("ALTER ROLE %q PASSWORD '<password>';", user)
}

// rls checks that the runtime role neither bypasses row level security nor owns a table
// (PostgreSQL; MySQL has no RLS: the repository scopes every query).
func (d *databaseCheck) rls(ctx context.Context, db *sql.DB, runtime, owner string) {
	if d.mysql() {
		return
	}
	var super, bypass bool
	if err := db.QueryRowContext(ctx, "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1", runtime).Scan(&super, &bypass); err != nil {
		d.c.fail("rls", runtime, err.Error(), "create the runtime role: `eim bootstrap database`")
		return
	}
	if super || bypass {
		d.c.fail("rls", runtime, fmt.Sprintf("superuser=%t bypassrls=%t: tenant isolation would not apply", super, bypass),
			fmt.Sprintf("ALTER ROLE %q NOSUPERUSER NOBYPASSRLS;", runtime))
		return
	}
	rows, err := db.QueryContext(ctx, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tableowner = $1 ORDER BY 1", runtime)
	if err != nil {
		d.c.fail("rls", runtime, err.Error(), "")
		return
	}
	owned, err := scanStrings(rows)
	if err != nil || len(owned) > 0 {
		d.c.fail("rls", runtime, fmt.Sprintf("the runtime role owns %s: RLS does not apply to a table's owner %v", strings.Join(owned, ", "), errOr(err)),
			fmt.Sprintf("configure providers.database.config.migration with a separate owner role (`eim bootstrap database` creates it) and ALTER TABLE ... OWNER TO %q;", owner))
		return
	}
	d.c.ok("rls", runtime, "NOSUPERUSER NOBYPASSRLS, owns no table")
}

func errOr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// privileges checks SELECT, INSERT, UPDATE and DELETE of the runtime role on every runtime
// table (what the migrations grant).
func (d *databaseCheck) privileges(ctx context.Context, db *sql.DB, runtime string) {
	tables, err := d.runtimeTables(ctx, db)
	if err != nil {
		d.c.fail("privileges", runtime, err.Error(), "")
		return
	}
	if len(tables) == 0 {
		d.c.skip("privileges", runtime, "no tables yet (migrations pending)")
		return
	}
	var have map[string][]string
	if d.mysql() {
		have, err = d.mysqlGrants(ctx, runtime)
		if err != nil {
			d.c.fail("privileges", runtime, err.Error(), "")
			return
		}
	}
	for _, t := range tables {
		var missing []string
		for _, p := range []string{"SELECT", "INSERT", "UPDATE", "DELETE"} {
			ok, err := d.hasPrivilege(ctx, db, have, runtime, t, p)
			if err != nil {
				d.c.fail("privileges", t, err.Error(), "")
				return
			}
			if !ok {
				missing = append(missing, p)
			}
		}
		if len(missing) > 0 {
			d.c.fail("privileges", t, runtime+" lacks "+strings.Join(missing, ", "), d.grantSQL(t, runtime, missing))
			continue
		}
		d.c.ok("privileges", t, "SELECT, INSERT, UPDATE, DELETE")
	}
}

func (d *databaseCheck) grantSQL(table, runtime string, privs []string) string {
	if d.mysql() {
		return fmt.Sprintf("GRANT %s ON `%s`.`%s` TO %s; (or restart eim serve: its migrations grant them)",
			strings.Join(privs, ", "), d.spec.Database.Common.Database, table, d.spec.Database.MySQLGrantee(runtime))
	}
	return fmt.Sprintf("GRANT %s ON %q TO %q; (or restart eim serve: its migrations grant them)", strings.Join(privs, ", "), table, runtime)
}

func (d *databaseCheck) hasPrivilege(ctx context.Context, db *sql.DB, have map[string][]string, runtime, table, priv string) (bool, error) {
	if d.mysql() {
		for _, p := range append(have[table], have["*"]...) {
			if p == priv || p == "ALL PRIVILEGES" {
				return true, nil
			}
		}
		return false, nil
	}
	var ok bool
	err := db.QueryRowContext(ctx, "SELECT has_table_privilege($1, quote_ident($2), $3)", runtime, table, priv).Scan(&ok)
	return ok, err
}

// mysqlGrants parses SHOW GRANTS of the runtime account (with setRole: of the role) into
// privileges by table ("*" for the database).
func (d *databaseCheck) mysqlGrants(ctx context.Context, runtime string) (map[string][]string, error) {
	grants, err := d.ownGrants(ctx, runtime)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	db := "`" + d.spec.Database.Common.Database + "`."
	for _, g := range grants {
		privs, rest, ok := strings.Cut(strings.TrimPrefix(g, "GRANT "), " ON ")
		if !ok || !strings.HasPrefix(rest, db) {
			continue
		}
		obj, _, _ := strings.Cut(strings.TrimPrefix(rest, db), " TO ")
		obj = strings.Trim(obj, "`")
		for _, p := range strings.Split(privs, ",") {
			out[obj] = append(out[obj], strings.TrimSpace(p))
		}
	}
	return out, nil
}

// ownGrants runs SHOW GRANTS as the runtime account itself (every account may read its own);
// with dynamic credentials as the issued user: its own grants (copied from a group account)
// or, with setRole, those of the role it activated (SHOW GRANTS FOR 'role').
func (d *databaseCheck) ownGrants(ctx context.Context, runtime string) ([]string, error) {
	c := d.spec.Database.Common
	var db *sql.DB
	var err error
	q := "SHOW GRANTS"
	switch {
	case c.Dynamic != nil && d.issued != nil:
		db, err = d.openIssued(ctx)
		if d.spec.Database.SetRole() {
			q = "SHOW GRANTS FOR " + d.spec.Database.MySQLGrantee(runtime)
		}
	default:
		db, err = d.spec.Database.OpenSQL(ctx, runtime, c.Password.Value().Reveal(), "")
	}
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

// runtimeTables lists the tables the runtime role works on: all but the migration bookkeeping
// and, on MySQL, the base tables behind the tenant views.
func (d *databaseCheck) runtimeTables(ctx context.Context, db *sql.DB) ([]string, error) {
	q := "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
	if d.mysql() {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1"
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	all, err := scanStrings(rows)
	var out []string
	for _, t := range all {
		if strings.HasPrefix(t, "eim_migrations_") || t == "eim_tenant_tables" || (d.mysql() && strings.HasSuffix(t, storage.BaseSuffix)) {
			continue
		}
		out = append(out, t)
	}
	return out, err
}

// schema compares the applied migrations with this binary's.
func (d *databaseCheck) schema(ctx context.Context, loginsOK bool) {
	if d.o.SchemaStatus == nil {
		return
	}
	if !loginsOK {
		d.c.skip("schema", d.spec.Database.Common.Database, "the runtime login failed")
		return
	}
	st, err := d.o.SchemaStatus(ctx)
	if err != nil {
		d.c.fail("schema", d.spec.Database.Common.Database, err.Error(), "eim migrate db --config eim.yaml --status names the problem")
		return
	}
	for _, s := range st {
		if len(s.Pending) > 0 || s.Current != s.Latest {
			d.c.fail("schema", s.Name, fmt.Sprintf("version %d, this binary has %d (%d pending)", s.Current, s.Latest, len(s.Pending)),
				"eim migrate db --config eim.yaml (or start eim serve once: it migrates)")
			continue
		}
		d.c.ok("schema", s.Name, "version "+strconv.FormatInt(s.Current, 10))
	}
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
