package prereq

import (
	"context"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/vault/api"

	"github.com/eim-byoi/eim/providers/provider"
)

// myPlugin is the engine's plugin for MySQL 8 and MariaDB. Its default user names are at most
// 32 characters ("v-<display 10>-<role 10>-<random 20>-<unix time>", truncated to 32): MySQL
// 8's limit, well inside MariaDB's 80. (mysql-legacy-database-plugin truncates to 16, for
// MySQL 5.6 and older.)
const myPlugin = "mysql-database-plugin"

// myCreation is the creation statement of the issued users: a login granted the runtime role,
// without a default role (a manager holding only CREATE USER and the role WITH ADMIN OPTION
// cannot SET DEFAULT ROLE: that writes the mysql schema); the mysql adapter activates the role
// on every connection (setRole).
func myCreation(role string) string {
	return "CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; GRANT " + myIdent(role) + " TO '{{name}}'@'%';"
}

const myRevocation = "DROP USER IF EXISTS '{{name}}'@'%';"

// myDynamic plans, for MySQL/MariaDB with setRole, the runtime role with EXECUTE on the
// database (and, on MariaDB, the grants of a former static account 'runtimeRole'@'%'), Vault's
// manager account, the database secrets engine, its connection and its role.
func (p *databasePlanner) myDynamic(ctx context.Context, n DynamicNames) error {
	c := p.spec.Database.Common
	role := c.RuntimeRole
	var version string
	if err := p.db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return err
	}
	maria := strings.Contains(strings.ToLower(version), "mariadb")
	if !maria && len(n.Manager) > 32 {
		return provider.Errorf(provider.InvalidArgument, "Vault's manager account %s is longer than MySQL's 32 characters: set database.vaultUser in the admin file", n.Manager)
	}
	exists, err := p.myRoleExists(ctx, role, maria)
	if err != nil {
		return err
	}
	if !exists {
		p.add("create", "role "+role, "the MySQL/MariaDB role the issued users are granted (eim activates it: setRole)", func(ctx context.Context) error {
			return p.exec(ctx, []string{"CREATE ROLE " + myIdent(role)})
		})
	}
	if err := p.myRoleGrants(ctx, role, exists, maria); err != nil {
		return err
	}
	if err := p.engineMount(ctx, n.Mount); err != nil {
		return err
	}
	if err := p.myEngineConnection(ctx, n, role); err != nil {
		return err
	}
	return p.engineRole(ctx, n, myCreation(role), myRevocation)
}

// myRoleExists reports whether role exists as a role: on MariaDB an entry without host marked
// is_role; on MySQL 8, where roles are accounts, 'role'@'%'.
func (p *databasePlanner) myRoleExists(ctx context.Context, role string, maria bool) (bool, error) {
	if !maria {
		ok, _, err := p.readRole(ctx, role)
		return ok, err
	}
	var n int
	err := p.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = '' AND is_role = 'Y'", role).Scan(&n)
	return n > 0, err
}

// myRoleGrants plans what the role lacks of EXECUTE on the database and, on MariaDB, of the
// grants on the database of an account 'role'@'%' (a former static runtime account: the
// migrations granted it the tables before, and grant new tables to the role). GRANT takes no
// lock beyond its statement's metadata lock, so copying is safe while EIM runs.
func (p *databasePlanner) myRoleGrants(ctx context.Context, role string, exists, maria bool) error {
	db := myIdent(p.spec.Database.Common.Database)
	have := map[string][]string{}
	if exists {
		g, err := p.myGrants(ctx, "'"+strings.ReplaceAll(role, "'", "''")+"'")
		if err != nil {
			return err
		}
		have = g
	}
	want := map[string][]string{db + ".*": {"EXECUTE"}}
	var from string
	if account, _, err := p.readRole(ctx, role); err != nil {
		return err
	} else if maria && account {
		from = ", and those of the account " + myUser(role)
		g, err := p.myGrants(ctx, myUser(role))
		if err != nil {
			return err
		}
		for obj, privs := range g {
			want[obj] = append(want[obj], privs...)
		}
	}
	var stmts []string
	for _, obj := range sortedKeys(want) {
		if !strings.HasPrefix(obj, db+".") {
			continue
		}
		var missing []string
		for _, pr := range want[obj] {
			if !slices.Contains(have[obj], pr) && !slices.Contains(have[obj], "ALL PRIVILEGES") && !slices.Contains(missing, pr) {
				missing = append(missing, pr)
			}
		}
		if len(missing) > 0 {
			stmts = append(stmts, "GRANT "+strings.Join(missing, ", ")+" ON "+obj+" TO "+myIdent(role))
		}
	}
	if len(stmts) == 0 {
		return nil
	}
	p.add("grant", "privileges on "+p.spec.Database.Common.Database+" to role "+role, "EXECUTE on the database"+from+": "+strings.Join(stmts, "; "),
		func(ctx context.Context) error { return p.exec(ctx, stmts) })
	return nil
}

// myGrants reads SHOW GRANTS FOR grantee into privileges by object (`db`.* or `db`.`t`).
func (p *databasePlanner) myGrants(ctx context.Context, grantee string) (map[string][]string, error) {
	rows, err := p.db.QueryContext(ctx, "SHOW GRANTS FOR "+grantee)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return nil, err
		}
		privs, rest, ok := strings.Cut(strings.TrimPrefix(g, "GRANT "), " ON ")
		if !ok {
			continue // a role granted to the account
		}
		obj, _, _ := strings.Cut(rest, " TO ")
		for _, pr := range strings.Split(privs, ",") {
			if pr = strings.TrimSpace(pr); pr != "USAGE" {
				out[obj] = append(out[obj], pr)
			}
		}
	}
	return out, rows.Err()
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// myConnection is the engine's connection to the configured server: the URL template and the
// TLS fields of the mysql plugin. verify-full and verify-ca verify the chain against tls.ca
// (tls_ca) and the host name (tls_server_name): the plugin has no mode that skips only the
// name. Without a CA the system roots (tls=true); require encrypts only (tls=skip-verify).
func (p *databasePlanner) myConnection() (string, map[string]any, error) {
	c := p.spec.Database.Common
	u := "{{username}}:{{password}}@tcp(" + net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) + ")/"
	fields := map[string]any{}
	switch c.TLS.ModeOr(provider.TLSVerifyFull) {
	case provider.TLSDisable:
	case provider.TLSRequire:
		u += "?tls=skip-verify"
	default:
		if c.TLS.CA.IsZero() {
			u += "?tls=true"
			break
		}
		ca := c.TLS.CA.Value()
		if ca.IsEmpty() {
			return "", nil, provider.Errorf(provider.FailedPrecondition, "providers.database.config.tls.ca is empty: Vault's connection needs the CA")
		}
		name := c.TLS.ServerName
		if name == "" {
			name = c.Host
		}
		fields["tls_ca"], fields["tls_server_name"] = ca.Reveal(), name
	}
	return u, fields, nil
}

// myEngineConnection plans Vault's manager account — CREATE USER on *.* and the runtime role
// WITH ADMIN OPTION, nothing else — and the engine's connection. The manager's password is
// generated, handed to Vault and rotated by Vault at once (rotate-root): nobody else knows it.
func (p *databasePlanner) myEngineConnection(ctx context.Context, n DynamicNames, role string) error {
	cfgPath, cur, mgrExists, err := p.engineState(ctx, n)
	if err != nil {
		return err
	}
	connURL, tlsFields, err := p.myConnection()
	if err != nil {
		return err
	}
	if mgrExists && connectionMatches(cur, n, connURL) && tlsMatches(cur, tlsFields) {
		return nil
	}
	p.needGrantCreateUser = true
	pw := newSecret()
	stmts := []string{"CREATE USER " + myUser(n.Manager) + " IDENTIFIED BY '" + pw + "'"}
	action := "create"
	if mgrExists {
		stmts, action = []string{"ALTER USER " + myUser(n.Manager) + " IDENTIFIED BY '" + pw + "'"}, "update"
	}
	stmts = append(stmts, "GRANT CREATE USER ON *.* TO "+myUser(n.Manager), "GRANT "+myIdent(role)+" TO "+myUser(n.Manager)+" WITH ADMIN OPTION")
	st := p.add(action, "role "+n.Manager+" and "+cfgPath, myUser(n.Manager)+": CREATE USER ON *.*, "+role+" WITH ADMIN OPTION; Vault's connection "+
		connURL+" ("+myPlugin+") allowing role "+n.Role+", its password rotated by Vault (rotate-root)", func(ctx context.Context) error {
		if err := p.exec(ctx, stmts); err != nil {
			return err
		}
		body := map[string]any{"plugin_name": myPlugin, "connection_url": connURL, "username": n.Manager, "password": pw,
			"allowed_roles": n.Role, "verify_connection": true}
		for k, v := range tlsFields {
			body[k] = v
		}
		if _, err := p.sink.vault.Logical().WriteWithContext(ctx, cfgPath, body); err != nil {
			return err
		}
		_, err := p.sink.vault.Logical().WriteWithContext(ctx, n.Mount+"/rotate-root/"+n.Role, nil)
		return err
	})
	st.SecretTo = "vault " + cfgPath + " (rotated: known to Vault only)"
	return nil
}

// tlsMatches reports whether the connection's TLS fields, as Vault returns them, are the wanted
// ones (Vault does not return tls_ca: a changed CA alone is not noticed).
func tlsMatches(cur *api.Secret, want map[string]any) bool {
	details, _ := cur.Data["connection_details"].(map[string]any)
	got, _ := details["tls_server_name"].(string)
	name, _ := want["tls_server_name"].(string)
	return got == name
}
