package prereq

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// becomeMember makes a PostgreSQL administrator that is not a superuser a member of role, which
// PostgreSQL requires to create (or hand over) a database owned by role. CREATEROLE allows it
// for the roles the administrator created (PostgreSQL 16 and later: it holds their ADMIN OPTION).
func (p *databasePlanner) becomeMember(ctx context.Context, role string) error {
	var super, member bool
	err := p.db.QueryRowContext(ctx, "SELECT rolsuper, pg_has_role(current_user, $1, 'MEMBER') FROM pg_roles WHERE rolname = current_user", role).
		Scan(&super, &member)
	if err != nil || super || member {
		return err
	}
	return p.exec(ctx, []string{"GRANT " + pgIdent(role) + " TO CURRENT_USER"})
}

// adminPrivileges fails the plan, before any change, when the database administrator lacks a
// privilege a planned step needs, naming it and the statement that grants it.
func (p *databasePlanner) adminPrivileges(ctx context.Context) error {
	needRole, needDB := false, false
	for _, s := range p.steps {
		switch {
		case s.apply == nil:
		case strings.HasPrefix(s.Object, "role "):
			needRole = true
		case strings.HasPrefix(s.Object, "database ") && s.Action == "create":
			needDB = true
		}
	}
	if !needRole && !needDB {
		return nil
	}
	if p.mysql() {
		return p.mysqlAdminPrivileges(ctx, needRole, needDB)
	}
	var super, createRole, createDB bool
	if err := p.db.QueryRowContext(ctx, "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user").
		Scan(&super, &createRole, &createDB); err != nil {
		return err
	}
	var missing []string
	if needRole && !super && !createRole {
		missing = append(missing, "CREATEROLE")
	}
	if needDB && !super && !createDB {
		missing = append(missing, "CREATEDB")
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("database administrator %s lacks %s, which the plan needs (fix, as a superuser: ALTER ROLE %s %s)",
		p.admin.User, strings.Join(missing, " and "), pgIdent(p.admin.User), strings.Join(missing, " "))
}

// mysqlAdminPrivileges checks the global CREATE USER and, for a new database, CREATE (on
// *.* or the database) of a MySQL/MariaDB administrator, from its own grants.
func (p *databasePlanner) mysqlAdminPrivileges(ctx context.Context, needUser, needDB bool) error {
	rows, err := p.db.QueryContext(ctx, "SHOW GRANTS FOR CURRENT_USER")
	if err != nil {
		return err
	}
	defer rows.Close()
	var grants []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return err
		}
		grants = append(grants, strings.ToUpper(g))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	db := p.spec.Database.Common.Database
	var fixes []string
	switch {
	case p.needGrantCreateUser && !mysqlHas(withGrantOption(grants), "CREATE USER", "*.*"):
		fixes = append(fixes, "GRANT CREATE USER ON *.* TO "+myUser(p.admin.User)+" WITH GRANT OPTION (it grants CREATE USER to Vault's manager)")
	case needUser && !mysqlHas(grants, "CREATE USER", "*.*"):
		fixes = append(fixes, "GRANT CREATE USER ON *.* TO "+myUser(p.admin.User))
	}
	if needDB && !mysqlHas(grants, "CREATE", "*.*", myIdent(db)+".*") {
		fixes = append(fixes, "GRANT CREATE ON "+myIdent(db)+".* TO "+myUser(p.admin.User))
	}
	if len(fixes) == 0 {
		return nil
	}
	return fmt.Errorf("database administrator %s lacks a privilege the plan needs (fix: %s)", p.admin.User, strings.Join(fixes, "; "))
}

// mysqlHas reports whether one of the SHOW GRANTS lines (upper case) grants priv, or ALL
// PRIVILEGES, on one of the objects.
func mysqlHas(grants []string, priv string, on ...string) bool {
	for _, g := range grants {
		rest, ok := strings.CutPrefix(g, "GRANT ")
		if !ok {
			continue
		}
		privs, target, ok := strings.Cut(rest, " ON ")
		if !ok {
			continue
		}
		obj, _, _ := strings.Cut(target, " ")
		if !slices.ContainsFunc(on, func(o string) bool { return strings.EqualFold(o, obj) }) {
			continue
		}
		for _, p := range strings.Split(privs, ", ") {
			if p == priv || p == "ALL PRIVILEGES" || p == "ALL" {
				return true
			}
		}
	}
	return false
}

// withGrantOption keeps the SHOW GRANTS lines (upper case) granted WITH GRANT OPTION.
func withGrantOption(grants []string) []string {
	var out []string
	for _, g := range grants {
		if strings.HasSuffix(g, " WITH GRANT OPTION") {
			out = append(out, g)
		}
	}
	return out
}
