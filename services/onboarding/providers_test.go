package onboarding_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/identity/keycloak"
	"github.com/eim-byoi/eim/providers/identity/oidc"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage/mysql"
	"github.com/eim-byoi/eim/providers/storage/postgres"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/test/apitest"
	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// fileRef writes value to a file of the test and returns a reference to it, which eim serve
// resolves at start as it would a mounted secret.
func fileRef(t *testing.T, value string) provider.SecretRef {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(p, []byte(value), 0o600))
	return provider.SecretRef{File: p}
}

// dbLogin is what connect sets of a postgres or mysql adapter configuration.
type dbLogin interface {
	*postgres.Config | *mysql.Config
}

// connect connects c to the fresh database d as its runtime role, migrating as its owner, in
// plain TCP on loopback.
func connect[C dbLogin](t *testing.T, c C, d dbtest.Database) {
	switch c := any(c).(type) {
	case *postgres.Config:
		c.User, c.Password, c.TLS = d.Runtime.User, fileRef(t, d.Runtime.Password), provider.TLS{Mode: provider.TLSDisable}
		alloc(&c.Migration)
		c.Migration.User, c.Migration.Password = d.Migration.User, fileRef(t, d.Migration.Password)
	case *mysql.Config:
		c.User, c.Password, c.TLS = d.Runtime.User, fileRef(t, d.Runtime.Password), provider.TLS{Mode: provider.TLSDisable}
		alloc(&c.Migration)
		c.Migration.User, c.Migration.Password = d.Migration.User, fileRef(t, d.Migration.Password)
	}
}

// alloc sets *p to a new zero value.
func alloc[T any](p **T) { *p = new(T) }

func block(typ string, settings provider.AdapterConfig) *config.Block {
	return &config.Block{Envelope: provider.Envelope{Type: typ, Settings: settings}}
}

// TestDay0Keycloak runs the day-0 flow with the real Keycloak of the test bed issuing the
// device clients through its admin API (the legacy host-manager-m2m-client, each client's
// service account joined to the project's Edge-Node-M2M group) and PostgreSQL.
func TestDay0Keycloak(t *testing.T) {
	kc := testenv.Keycloak(t)
	pg := dbtest.NewPostgres(t, false)
	db := postgres.NewConfig()
	db.Host, db.Port = pg.Server.Host, pg.Server.Port
	d := pg.Fresh(t)
	db.Database = d.Name
	connect(t, db, d)
	id := keycloak.NewConfig()
	id.Issuer, id.Audiences, id.ClockSkew = kc.IssuerURL(), []string{kc.Audience}, provider.Duration(apitest.ClockSkew)
	id.Admin.ClientID, id.Admin.ClientSecret = kc.AdminClientID, fileRef(t, kc.AdminClientSecret)
	cfg := newConfig(t)
	cfg.Providers.Database, cfg.Providers.Identity = block("postgres", db), block(keycloak.Name, id)

	s := startStack(t, cfg)
	name := testenv.Unique(t, "kc")
	runFlow(t, s, flowEnv{projectName: name, projectID: s.project(t, name, kc.Project1),
		operator: kc.PasswordToken(t, kc.User, kc.UserPassword), southCode: codes.InvalidArgument,
		creds: func(_ *testing.T, clientID, secret string) identity.ClientCredentials {
			return identity.ClientCredentials{TokenURL: kc.TokenURL(), ClientID: clientID, Secret: provider.NewSecretValue([]byte(secret))}
		}})
}

// TestDay0Hydra runs the day-0 flow with the real Ory Hydra of the test bed issuing the device
// clients by RFC 7591 dynamic registration (scope <project>_en-agent-rw, mapped back to the
// project role by a claims.tenants rule on scp) and MariaDB. Operators' roles come from the
// ext.eim_roles claim of Hydra's login and consent flow (test/apitest).
func TestDay0Hydra(t *testing.T) {
	hy := testenv.Hydra(t)
	operators := apitest.Hydra(t).Minter
	m := dbtest.NewMariaDB(t)
	db := mysql.NewConfig()
	db.Host, db.Port = m.Server.Host, m.Server.Port
	d := m.Fresh(t)
	db.Database = d.Name
	connect(t, db, d)
	id := oidc.NewConfig()
	id.Issuer, id.Audiences, id.ClockSkew = hy.IssuerURL(), []string{"eim"}, provider.Duration(apitest.ClockSkew)
	id.Claims.Roles = []string{apitest.HydraRolesClaim, "scp"}
	id.Claims.Tenants = []identity.TenantRule{{Claim: apitest.HydraRolesClaim, Pattern: "{tenant}_{role}"}, {Claim: "scp", Pattern: "{tenant}_{role}"}}
	id.ClientIssuer.Enabled, id.ClientIssuer.Scope = true, "{tenant}_en-agent-rw"
	cfg := newConfig(t)
	cfg.Providers.Database, cfg.Providers.Identity = block("mysql", db), block(oidc.Name, id)

	s := startStack(t, cfg)
	name := testenv.Unique(t, "hy")
	pid := s.project(t, name, "")
	runFlow(t, s, flowEnv{projectName: name, projectID: pid,
		operator: operators.Token(t, "operator", pid+"_im-rw", pid+"_en-ob"), southCode: codes.PermissionDenied,
		creds: func(_ *testing.T, clientID, secret string) identity.ClientCredentials {
			// A device asks for its token with the client's registered scope and audience.
			return identity.ClientCredentials{TokenURL: hy.TokenURL(), ClientID: clientID, Secret: provider.NewSecretValue([]byte(secret)),
				Scopes: []string{pid + "_en-agent-rw"}, Audience: []string{"eim"}}
		}})
}
