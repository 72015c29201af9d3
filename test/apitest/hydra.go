package apitest

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/identity/oidc"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/testenv"
)

// HydraRolesClaim is the custom claim path the Hydra identity reads roles from. Hydra puts the
// claims a consent app grants a session for its access tokens (session.access_token) under the
// JWT access token's ext claim; the role claim is named eim_roles there.
const HydraRolesClaim = "ext.eim_roles"

// hydraCallback is the redirect URI of the Hydra identity's clients. Nothing is served there:
// the code is read from Hydra's redirect, which is never followed.
const hydraCallback = "http://127.0.0.1/apitest/callback"

// Hydra opens the test bed's real Ory Hydra (testenv.Hydra; JWT access tokens) through the
// generic oidc adapter configured for a custom claim, as an operator would for any OpenID
// Provider: claims.roles [ext.eim_roles] and claims.tenants
// [{claim: ext.eim_roles, pattern: "{tenant}_{role}"}], for audience eim and with ClockSkew.
//
// Its Minter is the login and consent app, through Hydra's admin API: for each token it runs
// the authorization-code flow of a confidential client of its own (allowed the audiences eim
// and OtherAudience), accepts the login as the subject and the consent with the roles in the
// session's access-token claims (eim_roles), and exchanges the code. Hydra's other way to add
// claims, the token hook, is server-wide configuration of the shared test bed, not the test's.
// Expiring tokens come from a second client whose access tokens live one second. The clients
// are deleted when the test ends.
func Hydra(t testing.TB) Identity {
	t.Helper()
	hy := testenv.Hydra(t)
	cfg := oidc.NewConfig()
	cfg.Issuer, cfg.Audiences, cfg.ClockSkew = hy.IssuerURL(), []string{"eim"}, provider.Duration(ClockSkew)
	cfg.Claims.Roles = []string{HydraRolesClaim}
	cfg.Claims.Tenants = []identity.TenantRule{{Claim: HydraRolesClaim, Pattern: "{tenant}_{role}"}}
	p, err := identity.Open(context.Background(), oidc.Name, cfg, identity.Env{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	client := func(prefix string, fields map[string]any) testenv.HydraClient {
		fields["grant_types"], fields["response_types"] = []string{"authorization_code"}, []string{"code"}
		fields["redirect_uris"], fields["token_endpoint_auth_method"] = []string{hydraCallback}, "client_secret_basic"
		fields["audience"] = []string{"eim", OtherAudience}
		return hy.CreateClientWith(t, prefix, fields)
	}
	return Identity{Verifier: p, Minter: &hydraMinter{hy: hy,
		client:   client("apitest", map[string]any{}),
		expiring: client("apitest-exp", map[string]any{"authorization_code_grant_access_token_lifespan": "1s"}),
	}}
}

// hydraMinter obtains Hydra's tokens as the login and consent app.
type hydraMinter struct {
	hy               *testenv.HydraServer
	client, expiring testenv.HydraClient
}

func (m *hydraMinter) Token(t testing.TB, subject string, roles ...string) string {
	t.Helper()
	return m.flow(t, m.client, "eim", subject, roles)
}

func (m *hydraMinter) OtherAudience(t testing.TB, subject string, roles ...string) string {
	t.Helper()
	return m.flow(t, m.client, OtherAudience, subject, roles)
}

func (m *hydraMinter) Expiring(t testing.TB, subject string, roles ...string) (string, time.Time) {
	t.Helper()
	tok := m.flow(t, m.expiring, "eim", subject, roles)
	return tok, refusedFrom(t, tok)
}

// flow runs the authorization-code flow of c for audience, logging subject in and granting roles.
func (m *hydraMinter) flow(t testing.TB, c testenv.HydraClient, audience, subject string, roles []string) string {
	t.Helper()
	jar, err := cookiejar.New(nil) // Hydra's CSRF cookies, as a browser keeps them
	require.NoError(t, err)
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	state := rand.Text()
	loc := redirect(t, browser, m.hy.PublicURL+"/oauth2/auth?"+url.Values{"client_id": {c.ID}, "response_type": {"code"},
		"redirect_uri": {hydraCallback}, "state": {state}, "audience": {audience}}.Encode())
	var accepted struct {
		RedirectTo string `json:"redirect_to"`
	}
	call(t, http.MethodPut, m.hy.AdminURL+"/admin/oauth2/auth/requests/login/accept?"+
		url.Values{"login_challenge": {challenge(t, loc, "login_challenge")}}.Encode(),
		"", map[string]any{"subject": subject}, &accepted, http.StatusOK)
	loc = redirect(t, browser, accepted.RedirectTo)
	if roles == nil {
		roles = []string{}
	}
	call(t, http.MethodPut, m.hy.AdminURL+"/admin/oauth2/auth/requests/consent/accept?"+
		url.Values{"consent_challenge": {challenge(t, loc, "consent_challenge")}}.Encode(),
		"", map[string]any{"grant_access_token_audience": []string{audience},
			"session": map[string]any{"access_token": map[string]any{"eim_roles": roles}}}, &accepted, http.StatusOK)
	loc = redirect(t, browser, accepted.RedirectTo)
	require.Equal(t, state, loc.Query().Get("state"), "the redirect to the client carries its state")
	return m.hy.AuthorizationCodeToken(t, c, challenge(t, loc, "code"), hydraCallback)
}

// redirect gets u and returns where Hydra redirects to.
func redirect(t testing.TB, browser *http.Client, u string) *url.URL {
	t.Helper()
	resp, err := browser.Get(u)
	require.NoError(t, err)
	_ = resp.Body.Close()
	loc, err := resp.Location()
	require.NoError(t, err, "GET %s: %s, no redirect", u, resp.Status)
	return loc
}

// challenge returns the query parameter name of loc, failing the test with Hydra's error when
// loc carries one instead.
func challenge(t testing.TB, loc *url.URL, name string) string {
	t.Helper()
	q := loc.Query()
	require.NotEmpty(t, q.Get(name), "Hydra redirected to %s: %s %s", loc.Redacted(), q.Get("error"), q.Get("error_description"))
	return q.Get(name)
}
