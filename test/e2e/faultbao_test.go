package e2e_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/testenv"
)

// secretsMode is where eim's database credentials come from in a stack.
type secretsMode int

const (
	// secretsNone: no secrets backend, the database password in a file.
	secretsNone secretsMode = iota
	// secretsKV: OpenBao, the database password a static KV secret ({secret: "eim/db#password"}).
	secretsKV
	// secretsDynamic: OpenBao's database secrets engine issues the runtime user and password
	// (dynamic.path database/creds/eim), a lease of dynamicTTL renewed up to dynamicMaxTTL.
	secretsDynamic
)

// The dynamic credentials' lease: short, so that a run sees them renewed and replaced.
const (
	dynamicTTL    = "10s"
	dynamicMaxTTL = "20s"
	// dynamicPath is where eim reads its dynamic database credentials.
	dynamicPath = "database/creds/eim"
	// kvDB is the KV secret holding the static database passwords (keys password, migration).
	kvDB = "eim/db"
)

// faultBao is the stack's OpenBao (a private, file-backed server: a restart keeps its state)
// with what eim logs in with: an AppRole whose tokens may read the KV engine and the database
// credentials.
type faultBao struct {
	srv                *testenv.PrivateBao
	mode               secretsMode
	roleID, secretFile string
}

// newFaultBao starts the private OpenBao and configures the AppRole, the KV secret of the
// database passwords and (secretsDynamic) the database secrets engine against the private
// PostgreSQL.
func newFaultBao(t *testing.T, b *faultBed, _ int) *faultBao {
	fb := &faultBao{srv: testenv.PrivateOpenBao(t), mode: b.stack.secrets}
	root := fb.srv.Root(t)
	require.NoError(t, root.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}))
	require.NoError(t, root.Sys().PutPolicy("eim", `path "secret/*" { capabilities = ["create", "read", "update", "delete", "list"] }
path "database/creds/*" { capabilities = ["read"] }
path "sys/leases/renew" { capabilities = ["update"] }
`))
	_, err := root.Logical().Write("auth/approle/role/eim", map[string]any{"token_policies": "eim", "token_ttl": "1h", "token_max_ttl": "4h"})
	require.NoError(t, err)
	r, err := root.Logical().Read("auth/approle/role/eim/role-id")
	require.NoError(t, err)
	fb.roleID = r.Data["role_id"].(string)
	s, err := root.Logical().Write("auth/approle/role/eim/secret-id", nil)
	require.NoError(t, err)
	secretID := s.Data["secret_id"].(string)
	fb.secretFile = files{t: t, dir: b.dir}.write("bao-secret-id", secretID)
	b.secrets = append(b.secrets, secretID, fb.srv.RootToken)
	_, err = root.KVv2("secret").Put(context.Background(), kvDB, map[string]any{
		"password": b.db.Runtime.Password, "migration": b.db.Migration.Password})
	require.NoError(t, err)
	if fb.mode == secretsDynamic {
		fb.databaseEngine(t, b)
	}
	return fb
}

// databaseEngine mounts the database secrets engine at database/ with a role eim whose users
// are members of the fresh database's runtime role (what migrations grant to).
func (fb *faultBao) databaseEngine(t *testing.T, b *faultBed) {
	root := fb.srv.Root(t)
	require.NoError(t, root.Sys().Mount("database", &api.MountInput{Type: "database"}))
	_, err := root.Logical().Write("database/config/pg", map[string]any{
		"plugin_name":    "postgresql-database-plugin",
		"connection_url": fmt.Sprintf("postgresql://{{username}}:{{password}}@%s/postgres?sslmode=disable", b.pg.Addr()),
		"username":       b.pg.User, "password": b.pg.Password, "allowed_roles": "eim", "verify_connection": true,
	})
	require.NoError(t, err, "configure the postgresql-database-plugin")
	_, err = root.Logical().Write("database/roles/eim", map[string]any{
		"db_name": "pg",
		"creation_statements": fmt.Sprintf(`CREATE ROLE "{{name}}" WITH LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE %q;`,
			b.db.Runtime.User),
		"revocation_statements": `DROP ROLE IF EXISTS "{{name}}";`,
		"default_ttl":           dynamicTTL, "max_ttl": dynamicMaxTTL,
	})
	require.NoError(t, err)
}

// providers returns the secrets and database blocks of eim.yaml: OpenBao with the AppRole, the
// database reached through the fault proxy (port) with its credentials from OpenBao.
func (fb *faultBao) providers(_ *testing.T, b *faultBed, port int) string {
	secrets := fmt.Sprintf(`  secrets:
    type: vault
    config: {address: %q, auth: {appRole: {roleID: %s, secretID: {file: %s}}}, timeout: 5s, refreshInterval: 1s}
`, fb.srv.URL(), fb.roleID, fb.secretFile)
	creds := fmt.Sprintf("      user: %s\n      password: {secret: %q}\n", b.db.Runtime.User, kvDB+"#password")
	if fb.mode == secretsDynamic {
		creds = fmt.Sprintf("      dynamic: {path: %s}\n      runtimeRole: %s\n", dynamicPath, b.db.Runtime.User)
	}
	return secrets + fmt.Sprintf(`  database:
    type: postgres
    config:
      host: 127.0.0.1
      port: %d
      database: %s
%s      tls: {mode: disable}
      migration: {user: %s, password: {secret: %q}}
`, port, b.db.Name, creds, b.db.Migration.User, kvDB+"#migration")
}

// revokeLogins revokes every token eim obtained by logging in with the AppRole (and with them
// the leases they hold: dynamic database users are dropped).
func (fb *faultBao) revokeLogins(t *testing.T) {
	require.NoError(t, fb.srv.Root(t).Sys().RevokePrefix("auth/approle/login"))
}

// issuedUsers returns the dynamic users (v-...) with a session on the bed's database.
func issuedUsers(t *testing.T, b *faultBed) map[string]bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := b.pgAdmin.Admin().QueryContext(ctx, `SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = $1 AND usename LIKE 'v-%'`, b.db.Name)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var u string
		require.NoError(t, rows.Scan(&u))
		out[u] = true
	}
	require.NoError(t, rows.Err())
	return out
}

// logCount counts the lines of the running process's log that hold s.
func logCount(b *faultBed, s string) int { return strings.Count(b.p.Logs(), s) }

// issuedSecrets returns the secrets the stack's OpenBao issued during the run, as its audit log
// (raw) shows them: the passwords of the database users its database engine created (what eim
// logged in with, dynamic credentials) and the tokens of the AppRole logins (eim's tokens).
func (fb *faultBao) issuedSecrets(t *testing.T) []string {
	f, err := os.Open(fb.srv.AuditLog)
	require.NoError(t, err)
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e struct {
			Type    string `json:"type"`
			Request struct {
				Path string `json:"path"`
			} `json:"request"`
			Response struct {
				Data struct {
					Password string `json:"password"`
				} `json:"data"`
				Auth struct {
					ClientToken string `json:"client_token"`
				} `json:"auth"`
			} `json:"response"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e))
		if e.Type != "response" {
			continue
		}
		if strings.HasPrefix(e.Request.Path, "database/creds/") && e.Response.Data.Password != "" {
			out = append(out, e.Response.Data.Password)
		}
		if e.Request.Path == "auth/approle/login" && e.Response.Auth.ClientToken != "" {
			out = append(out, e.Response.Auth.ClientToken)
		}
	}
	require.NoError(t, sc.Err())
	return out
}
