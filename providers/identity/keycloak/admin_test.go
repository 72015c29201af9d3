package keycloak

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/testenv"
)

// countingTransport counts the requests to the token endpoint.
type countingTransport struct {
	tokens atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/protocol/openid-connect/token") {
		c.tokens.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestAdminCredentialsChecked: with an admin client whose secret is wrong, the real Keycloak
// refuses it and CheckHealth reports Unauthenticated naming the client, never the secret; the
// outcome is kept, so readiness probes do not each ask Keycloak for a token. The right secret
// passes.
func TestAdminCredentialsChecked(t *testing.T) {
	kc := testenv.Keycloak(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		secret string
		code   provider.Code
	}{
		{"wrong secret", "not-the-secret-7f3c9a", provider.Unauthenticated},
		{"right secret", kc.AdminClientSecret, provider.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(t, kc)
			cfg.Admin.ClientSecret = adminSecret(t, tt.secret)
			tr := &countingTransport{}
			p, err := identity.Open(ctx, Name, cfg, identity.Env{HTTPClient: &http.Client{Transport: tr, Timeout: 10 * time.Second}})
			require.NoError(t, err)
			t.Cleanup(func() { _ = p.Close() })
			require.Eventually(t, func() bool { return p.Verifier().Ready(ctx) == nil }, 30*time.Second, 50*time.Millisecond, "the realm's keys are fetched")

			err = p.CheckHealth(ctx)
			assert.Equal(t, tt.code, provider.CodeOf(err), "error: %v", err)
			asked := tr.tokens.Load()
			assert.EqualValues(t, 1, asked, "one token request checks the credentials")
			for range 20 {
				again := p.CheckHealth(ctx)
				assert.Equal(t, tt.code, provider.CodeOf(again))
			}
			assert.Equal(t, asked, tr.tokens.Load(), "probes within the check interval reuse its outcome")
			if tt.code == provider.OK {
				return
			}
			require.Error(t, err)
			t.Logf("reported: %v", err)
			assert.Contains(t, err.Error(), "admin client "+kc.AdminClientID)
			assert.Contains(t, err.Error(), "admin.clientSecret", "the fix names the setting")
			assert.NotContains(t, err.Error(), tt.secret, "the secret never appears")
		})
	}
}

// TestAdminCheckOutcomeExpires: once the check interval has passed, the credentials are checked
// again (a secret corrected in the realm makes the provider ready without a restart).
func TestAdminCheckOutcomeExpires(t *testing.T) {
	kc := testenv.Keycloak(t)
	cfg := config(t, kc)
	tokenURL := cfg.Issuer + "/protocol/openid-connect/token"
	source := func(secret string) *identity.TokenSource {
		return identity.NewTokenSource(identity.ClientCredentials{TokenURL: tokenURL, ClientID: kc.AdminClientID,
			Secret: provider.NewSecretValue([]byte(secret))})
	}
	clock := time.Now()
	k := &issuer{admin: cfg.Admin, tokenURL: tokenURL, token: source("wrong"), now: func() time.Time { return clock }}
	ctx := context.Background()
	err := k.checkAdmin(ctx)
	require.Equal(t, provider.Unauthenticated, provider.CodeOf(err), "error: %v", err)

	k.token = source(kc.AdminClientSecret) // the realm's secret and the configured one agree again
	assert.Error(t, k.checkAdmin(ctx), "within the interval the outcome is kept")
	clock = clock.Add(adminCheckInterval)
	assert.NoError(t, k.checkAdmin(ctx), "after it, the credentials are checked again")
}
