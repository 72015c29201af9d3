package prereq

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/vault/api"

	"github.com/eim-byoi/eim/providers/provider"
)

// DynamicNames are the names of the Vault database secrets engine objects that issue EIM's
// dynamic database credentials, from database.dynamic.path (<mount>/creds/<role>).
type DynamicNames struct {
	// Mount is the database secrets engine's mount; Role its role (also the connection's name).
	Mount, Role string
	// Manager is the database role Vault logs in as to create the users (CREATEROLE, ADMIN of
	// the runtime role); its password is known to Vault only (rotate-root).
	Manager string
}

// Dynamic returns the names of the dynamic credentials' engine objects; ok is false when the
// configuration has no dynamic credentials or their path is not <mount>/creds/<role>.
func (s *Spec) Dynamic(a *DatabaseAdmin) (n DynamicNames, ok bool) {
	d := s.Database
	if d == nil || d.Common.Dynamic == nil {
		return n, false
	}
	p := strings.Trim(d.Common.Dynamic.Path, "/")
	i := strings.LastIndex(p, "/creds/")
	if i <= 0 || strings.Contains(p[i+len("/creds/"):], "/") {
		return n, false
	}
	n = DynamicNames{Mount: p[:i], Role: p[i+len("/creds/"):], Manager: d.Common.Grantee() + "_vault"}
	if a != nil && a.VaultUser != "" {
		n.Manager = a.VaultUser
	}
	return n, true
}

// pgCreation is the creation statement of the issued users: members of the runtime role,
// without SUPERUSER or BYPASSRLS, valid until their lease ends.
func pgCreation(runtime string) string {
	return `CREATE ROLE "{{name}}" WITH LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '{{password}}' ` +
		`VALID UNTIL '{{expiration}}' IN ROLE ` + pgIdent(runtime) + `;`
}

const pgRevocation = `DROP ROLE IF EXISTS "{{name}}";`

// dynamic plans what dynamic credentials need besides the database: the runtime role
// (PostgreSQL: NOLOGIN, only the issued users log in as its members; MySQL: a role, with
// setRole), Vault's manager, the database secrets engine, its connection and its role.
// Without a Vault administrator, or on MySQL without setRole, it is a manual step.
func (p *databasePlanner) dynamic(ctx context.Context) error {
	c := p.spec.Database.Common
	n, ok := p.spec.Dynamic(p.admin)
	if !ok || (p.mysql() && !p.spec.Database.SetRole()) || p.sink.vault == nil {
		p.add("manual", "runtime role", "dynamic and IAM credentials are issued outside bootstrap here: create the role "+
			c.Grantee()+" (NOLOGIN) and let Vault's database engine (or RDS IAM) create its members"+
			" (bootstrap automates it with dynamic.path <mount>/creds/<role> and a vault block in the admin file;"+
			" on MySQL/MariaDB also with setRole: true)", nil)
		return nil
	}
	if p.mysql() {
		return p.myDynamic(ctx, n)
	}
	runtime := c.Grantee()
	if exists, _, err := p.readRole(ctx, runtime); err != nil {
		return err
	} else if !exists {
		p.add("create", "role "+runtime, "NOLOGIN NOSUPERUSER NOBYPASSRLS: the issued users are its members", func(ctx context.Context) error {
			return p.exec(ctx, []string{"CREATE ROLE " + pgIdent(runtime) + " NOLOGIN NOSUPERUSER NOBYPASSRLS"})
		})
	}
	if err := p.engineMount(ctx, n.Mount); err != nil {
		return err
	}
	if err := p.engineConnection(ctx, n, runtime); err != nil {
		return err
	}
	return p.engineRole(ctx, n, pgCreation(runtime), pgRevocation)
}

func (p *databasePlanner) engineMount(ctx context.Context, mount string) error {
	mounts, err := p.sink.vault.Sys().ListMountsWithContext(ctx)
	if err != nil {
		return fmt.Errorf("list the secrets engines: %w", err)
	}
	if m, ok := mounts[mount+"/"]; ok {
		if m.Type != "database" {
			return provider.Errorf(provider.FailedPrecondition, "mount %s/ is %s, not database: point database.dynamic.path at a database secrets engine", mount, m.Type)
		}
		return nil
	}
	p.add("create", "database secrets engine at "+mount, "", func(ctx context.Context) error {
		return p.sink.vault.Sys().MountWithContext(ctx, mount, &api.MountInput{Type: "database"})
	})
	return nil
}

// connectionURL is the engine's connection template to the configured database.
func (p *databasePlanner) connectionURL() string {
	c := p.spec.Database.Common
	mode := c.TLS.ModeOr(provider.TLSVerifyFull)
	u := url.URL{Scheme: "postgresql", Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), Path: "/" + c.Database,
		RawQuery: "sslmode=" + mode}
	return "postgresql://{{username}}:{{password}}@" + u.Host + u.Path + "?" + u.RawQuery
}

// engineConnection plans the manager role and the engine's connection. The manager's password
// is generated, handed to Vault and rotated by Vault at once (rotate-root): nobody else knows
// it. An existing connection for the manager to the same URL allowing the role is kept.
func (p *databasePlanner) engineConnection(ctx context.Context, n DynamicNames, runtime string) error {
	cfgPath, cur, mgrExists, err := p.engineState(ctx, n)
	if err != nil {
		return err
	}
	if mgrExists && connectionMatches(cur, n, p.connectionURL()) {
		return nil
	}
	pw := newSecret()
	stmts := []string{"CREATE ROLE " + pgIdent(n.Manager) + " LOGIN CREATEROLE PASSWORD '" + pw + "'"}
	action := "create"
	if mgrExists {
		stmts, action = []string{"ALTER ROLE " + pgIdent(n.Manager) + " LOGIN CREATEROLE PASSWORD '" + pw + "'"}, "update"
	}
	stmts = append(stmts, "GRANT "+pgIdent(runtime)+" TO "+pgIdent(n.Manager)+" WITH ADMIN OPTION")
	st := p.add(action, "role "+n.Manager+" and "+cfgPath, "LOGIN CREATEROLE, ADMIN of "+runtime+"; Vault's connection "+p.connectionURL()+
		" allowing role "+n.Role+", its password rotated by Vault (rotate-root)", func(ctx context.Context) error {
		if err := p.exec(ctx, stmts); err != nil {
			return err
		}
		_, err := p.sink.vault.Logical().WriteWithContext(ctx, cfgPath, map[string]any{
			"plugin_name": "postgresql-database-plugin", "connection_url": p.connectionURL(), "username": n.Manager, "password": pw,
			"allowed_roles": n.Role, "verify_connection": true, "password_authentication": "scram-sha-256"})
		if err != nil {
			return err
		}
		_, err = p.sink.vault.Logical().WriteWithContext(ctx, n.Mount+"/rotate-root/"+n.Role, nil)
		return err
	})
	st.SecretTo = "vault " + cfgPath + " (rotated: known to Vault only)"
	return nil
}

// engineState reads the engine's connection at <mount>/config/<role> (nil when there is none,
// with its path) and whether Vault's manager account exists in the database.
func (p *databasePlanner) engineState(ctx context.Context, n DynamicNames) (string, *api.Secret, bool, error) {
	cfgPath := n.Mount + "/config/" + n.Role
	cur, err := p.sink.vault.Logical().ReadWithContext(ctx, cfgPath)
	if err != nil && !isNotFound(err) {
		return cfgPath, nil, false, fmt.Errorf("read %s: %w", cfgPath, err)
	}
	mgrExists, _, err := p.readRole(ctx, n.Manager)
	return cfgPath, cur, mgrExists, err
}

func connectionMatches(cur *api.Secret, n DynamicNames, connURL string) bool {
	if cur == nil || cur.Data == nil {
		return false
	}
	details, _ := cur.Data["connection_details"].(map[string]any)
	roles, _ := cur.Data["allowed_roles"].([]any)
	return details["connection_url"] == connURL && details["username"] == n.Manager && slices.Contains(roles, any(n.Role))
}

// engineRole plans the engine's role: users created by the creation statement (granted the
// runtime role), dropped by the revocation statement when their lease ends.
func (p *databasePlanner) engineRole(ctx context.Context, n DynamicNames, want, revocation string) error {
	rolePath := n.Mount + "/roles/" + n.Role
	cur, err := p.sink.vault.Logical().ReadWithContext(ctx, rolePath)
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("read %s: %w", rolePath, err)
	}
	if cur != nil && cur.Data != nil && cur.Data["db_name"] == n.Role {
		st, _ := cur.Data["creation_statements"].([]any)
		rev, _ := cur.Data["revocation_statements"].([]any)
		if len(st) == 1 && st[0] == want && len(rev) == 1 && rev[0] == revocation {
			return nil
		}
	}
	p.add(createOrUpdate(cur), "database engine role "+rolePath, want, func(ctx context.Context) error {
		_, err := p.sink.vault.Logical().WriteWithContext(ctx, rolePath, map[string]any{"db_name": n.Role,
			"creation_statements": []string{want}, "revocation_statements": []string{revocation},
			"default_ttl": "1h", "max_ttl": "24h"})
		return err
	})
	return nil
}

func isNotFound(err error) bool {
	var re *api.ResponseError
	return errors.As(err, &re) && re.StatusCode == 404
}
