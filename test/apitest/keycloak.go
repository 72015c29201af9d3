package apitest

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
	"path"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/identity/keycloak"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/testenv"
)

// Keycloak opens the test bed's real Keycloak (testenv.Keycloak, realm eim-test) through the
// keycloak adapter with its default claim mapping, which reads roles and tenants from
// realm_access.roles ("<project id>_<role>", the legacy EMF names), for audience eim and with
// ClockSkew.
//
// Its Minter holds nothing but Keycloak's admin REST API: for a subject and a role set it creates
// a realm role for each role (unless the realm has it) and a user holding them, once per test;
// tokens are the user's, from the password grant through the realm's system-client, as the
// legacy EMF UI and CLI obtain them. For Refusals it creates two public clients: one whose
// tokens carry OtherAudience instead of eim, one whose access tokens live one second. What it
// creates is deleted when the test ends.
func Keycloak(t testing.TB) Identity {
	t.Helper()
	return KeycloakAt(t, testenv.Keycloak(t))
}

// KeycloakAt is Keycloak on another server with the test realm, e.g. a Keycloak of the test's
// own (testenv.PrivateKeycloak).
func KeycloakAt(t testing.TB, kc *testenv.KeycloakServer) Identity {
	t.Helper()
	cfg := keycloak.NewConfig()
	cfg.Issuer, cfg.Audiences, cfg.ClockSkew = kc.IssuerURL(), []string{kc.Audience}, provider.Duration(ClockSkew)
	p, err := identity.Open(context.Background(), keycloak.Name, cfg, identity.Env{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	m := &keycloakMinter{kc: kc, owner: t, users: map[string]keycloakUser{}}
	m.otherClient = m.passwordClient(t, "apitest-aud", OtherAudience, nil)
	m.expiringClient = m.passwordClient(t, "apitest-exp", kc.Audience, map[string]string{"access.token.lifespan": "1"})
	return Identity{Verifier: p, Minter: m}
}

// keycloakMinter obtains tokens of users it creates in the test realm.
type keycloakMinter struct {
	kc    *testenv.KeycloakServer
	owner testing.TB // the test that opened the identity: what is created lives as long as it
	// otherClient and expiringClient are the client ids of the public clients for Refusals.
	otherClient, expiringClient string

	mu         sync.Mutex
	adminToken string
	adminAt    time.Time
	users      map[string]keycloakUser // by roleSet
}

// keycloakUser is a user of the test realm and its password.
type keycloakUser struct{ name, password string }

func (m *keycloakMinter) Token(t testing.TB, subject string, roles ...string) string {
	t.Helper()
	u := m.user(t, subject, roles)
	return m.kc.PasswordToken(t, u.name, u.password)
}

func (m *keycloakMinter) OtherAudience(t testing.TB, subject string, roles ...string) string {
	t.Helper()
	u := m.user(t, subject, roles)
	return m.kc.PasswordTokenFor(t, m.otherClient, u.name, u.password)
}

func (m *keycloakMinter) Expiring(t testing.TB, subject string, roles ...string) (string, time.Time) {
	t.Helper()
	u := m.user(t, subject, roles)
	tok := m.kc.PasswordTokenFor(t, m.expiringClient, u.name, u.password)
	return tok, refusedFrom(t, tok)
}

// admin returns a token of the bootstrap admin, obtained again once it is 30s old (the master
// realm's tokens live 60s). m.mu must be held.
func (m *keycloakMinter) admin(t testing.TB) string {
	t.Helper()
	if m.adminToken == "" || time.Since(m.adminAt) > 30*time.Second {
		m.adminToken, m.adminAt = m.kc.AdminToken(t), time.Now()
	}
	return m.adminToken
}

// remove deletes an object of the test realm (admin path p) when the owner test ends.
func (m *keycloakMinter) remove(p string) {
	m.owner.Cleanup(func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		call(m.owner, http.MethodDelete, m.kc.AdminURL()+p, m.admin(m.owner), nil, nil, http.StatusNoContent, http.StatusNotFound)
	})
}

// user returns the user holding exactly roles (realm roles) for subject, creating it and the
// roles the first time.
func (m *keycloakMinter) user(t testing.TB, subject string, roles []string) keycloakUser {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	key := roleSet(subject, roles)
	if u, ok := m.users[key]; ok {
		return u
	}
	reps := make([]map[string]any, 0, len(roles))
	for _, r := range roles {
		reps = append(reps, m.realmRole(t, r))
	}
	u := keycloakUser{name: testenv.Unique(m.owner, "apitest"), password: rand.Text()}
	_, h := call(t, http.MethodPost, m.kc.AdminURL()+"/users", m.admin(t), map[string]any{
		"username": u.name, "enabled": true, "emailVerified": true, "email": u.name + "@example.invalid",
		"firstName": subject, "lastName": "apitest", "requiredActions": []string{},
		"credentials": []map[string]any{{"type": "password", "value": u.password, "temporary": false}},
	}, nil, http.StatusCreated)
	id := path.Base(h.Get("Location"))
	m.remove("/users/" + url.PathEscape(id))
	if len(reps) > 0 {
		call(t, http.MethodPost, m.kc.AdminURL()+"/users/"+url.PathEscape(id)+"/role-mappings/realm", m.admin(t), reps, nil, http.StatusNoContent)
	}
	m.users[key] = u
	return u
}

// realmRole creates the realm role name unless the realm has it (one created here is deleted
// when the owner test ends) and returns its representation. m.mu must be held.
func (m *keycloakMinter) realmRole(t testing.TB, name string) map[string]any {
	t.Helper()
	status, _ := call(t, http.MethodPost, m.kc.AdminURL()+"/roles", m.admin(t), map[string]any{"name": name, "description": "apitest"},
		nil, http.StatusCreated, http.StatusConflict)
	if status == http.StatusCreated {
		m.remove("/roles/" + url.PathEscape(name))
	}
	var rep map[string]any
	call(t, http.MethodGet, m.kc.AdminURL()+"/roles/"+url.PathEscape(name), m.admin(t), nil, &rep, http.StatusOK)
	return rep
}

// passwordClient creates a public client with the password grant (as the realm's system-client)
// whose access tokens carry audience, with the given client attributes, and returns its client id.
func (m *keycloakMinter) passwordClient(t testing.TB, prefix, audience string, attributes map[string]string) string {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	id := testenv.Unique(t, prefix)
	_, h := call(t, http.MethodPost, m.kc.AdminURL()+"/clients", m.admin(t), map[string]any{
		"clientId": id, "enabled": true, "protocol": "openid-connect", "publicClient": true,
		"standardFlowEnabled": false, "directAccessGrantsEnabled": true, "fullScopeAllowed": true, "attributes": attributes,
		"protocolMappers": []map[string]any{{"name": "audience", "protocol": "openid-connect", "protocolMapper": "oidc-audience-mapper",
			"config": map[string]string{"included.custom.audience": audience, "access.token.claim": "true", "id.token.claim": "false"}}},
	}, nil, http.StatusCreated)
	m.remove("/clients/" + url.PathEscape(path.Base(h.Get("Location"))))
	return id
}
