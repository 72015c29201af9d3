package identitytest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

func identityCases() []identityCase {
	c := func(name string, run func(T, IdentityHarness), needs ...string) identityCase {
		return identityCase{Case: Case[IdentityHarness]{Name: name, Run: run}, needs: needs}
	}
	return []identityCase{
		c("valid token gives the mapped principal", idCaseValidToken, HookToken),
		c("token signed by a published key is accepted", idCaseSignedAccepted, HookSign),
		c("claim rejections", idCaseClaimRejections, HookSign),
		c("clock skew both ways", idCaseSkew, HookSign),
		c("unknown signing key", idCaseUnknownKey),
		c("alg none", idCaseAlgNone),
		c("HS256 signed with the public key", idCaseKeyConfusion),
		c("malformed and truncated tokens", idCaseMalformed),
		c("authorization header", idCaseHeader),
		c("key rotation", idCaseRotation, HookSign, HookRotate, HookRetire, HookReopen),
		c("issuer outage keeps cached keys", idCaseOutage, HookToken, HookSign, HookOutage),
		c("issuer down at start", idCaseDownAtStart, HookToken, HookOpenDown),
		c("no issuer requests after warm-up", idCaseNoRequests, HookToken, HookSign, HookRequests),
		c("client issuer round trip", idCaseClientIssuer, HookTenant),
		c("capabilities both ways", idCaseCapabilities),
	}
}

// rejected asserts that err is an Unauthenticated provider error whose message contains
// reason and not the token.
func rejected(t T, err error, raw, reason string) {
	t.Helper()
	require.Error(t, err, "the token must be rejected (%s)", reason)
	assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err), "error: %v", err)
	assert.Contains(t, err.Error(), reason)
	if raw != "" {
		assert.NotContains(t, err.Error(), raw, "errors never contain the token")
		if i := strings.LastIndex(raw, "."); i >= 0 && len(raw)-i > 8 {
			assert.NotContains(t, err.Error(), raw[i+1:], "errors never contain the signature")
		}
	}
}

func idCaseValidToken(t T, h IdentityHarness) {
	raw, want, err := h.Hooks.Token(t.Context())
	require.NoError(t, err)
	p, err := h.Provider.Verify(t.Context(), raw)
	require.NoError(t, err)
	pol := h.Provider.Policy()
	assert.Equal(t, pol.Issuer, p.Issuer)
	assert.NotEmpty(t, p.Subject)
	assert.True(t, p.Expiry.After(time.Now()))
	assert.True(t, slices.ContainsFunc(p.Audiences, func(a string) bool { return slices.Contains(pol.Audiences, a) }),
		"audiences %v include one of %v", p.Audiences, pol.Audiences)
	if want.ClientID != "" {
		assert.Equal(t, want.ClientID, p.ClientID)
	}
	assert.Subset(t, p.Tenants, want.Tenants, "tenants")
	for tenant, roles := range want.TenantRoles {
		for _, r := range roles {
			assert.True(t, p.Has(r, tenant), "role %s in tenant %s; principal roles %v, tenant roles %v", r, tenant, p.Roles, p.TenantRoles)
		}
	}
	assert.NotEmpty(t, p.Claims)
}

func idCaseSignedAccepted(t T, h IdentityHarness) {
	raw, err := h.Hooks.Sign(t.Context(), goodClaims(h.Provider.Policy(), time.Now()))
	require.NoError(t, err)
	p, err := h.Provider.Verify(t.Context(), raw)
	require.NoError(t, err)
	assert.Equal(t, "conformance", p.Subject)
}

func idCaseClaimRejections(t T, h IdentityHarness) {
	pol := h.Provider.Policy()
	now := time.Now()
	good := goodClaims(pol, now)
	tests := []struct {
		name, reason string
		claims       map[string]any
	}{
		{"expired", "expired", with(good, "exp", now.Add(-10*time.Minute).Unix(), "iat", now.Add(-20*time.Minute).Unix(), "nbf", now.Add(-20*time.Minute).Unix())},
		{"not yet valid", "not valid yet", with(good, "nbf", now.Add(10*time.Minute).Unix())},
		{"issued in the future", "issued in the future", with(good, "iat", now.Add(10*time.Minute).Unix())},
		{"no expiry", "no expiry", with(good, "exp", nil)},
		{"wrong issuer", "is not the configured issuer", with(good, "iss", strings.TrimSuffix(pol.Issuer, "/")+"-evil")},
		{"empty issuer", "no issuer", with(good, "iss", "")},
		{"missing issuer", "no issuer", with(good, "iss", nil)},
		{"wrong audience", "does not include", with(good, "aud", []string{"not-eim"})},
		{"wrong audience string", "does not include", with(good, "aud", "not-eim")},
		{"audience inside a space-separated string", "does not include", with(good, "aud", "not-eim "+pol.Audiences[0])},
		{"audience inside a space-separated array element", "does not include", with(good, "aud", []string{"not-eim " + pol.Audiences[0]})},
		{"missing audience", "no audience", with(good, "aud", nil)},
		{"exp not a number", "not a NumericDate", with(good, "exp", "tomorrow")},
	}
	for _, tt := range tests {
		raw, err := h.Hooks.Sign(t.Context(), tt.claims)
		require.NoError(t, err, tt.name)
		_, err = h.Provider.Verify(t.Context(), raw)
		rejected(t, err, raw, tt.reason)
	}
}

func idCaseSkew(t T, h IdentityHarness) {
	pol := h.Provider.Policy()
	skew := pol.ClockSkew.Std()
	margin := min(5*time.Second, skew/3)
	now := time.Now()
	good := goodClaims(pol, now)
	tests := []struct {
		name   string
		claims map[string]any
		reason string // "" when accepted
	}{
		{"exp just inside the skew", with(good, "exp", now.Add(-skew+margin).Unix(), "iat", now.Add(-time.Hour).Unix(), "nbf", now.Add(-time.Hour).Unix()), ""},
		{"exp just outside the skew", with(good, "exp", now.Add(-skew-margin).Unix(), "iat", now.Add(-time.Hour).Unix(), "nbf", now.Add(-time.Hour).Unix()), "expired"},
		{"nbf just inside the skew", with(good, "nbf", now.Add(skew-margin).Unix(), "iat", now.Add(skew-margin).Unix()), ""},
		{"nbf just outside the skew", with(good, "nbf", now.Add(skew+margin).Unix()), "not valid yet"},
		{"iat just outside the skew", with(good, "iat", now.Add(skew+margin).Unix()), "issued in the future"},
	}
	for _, tt := range tests {
		raw, err := h.Hooks.Sign(t.Context(), tt.claims)
		require.NoError(t, err, tt.name)
		_, err = h.Provider.Verify(t.Context(), raw)
		if tt.reason == "" {
			assert.NoError(t, err, "%s (skew %s)", tt.name, skew)
			continue
		}
		rejected(t, err, raw, tt.reason)
	}
}

func idCaseUnknownKey(t T, h IdentityHarness) {
	key, err := NewTestKey()
	require.NoError(t, err)
	raw, err := key.Sign(goodClaims(h.Provider.Policy(), time.Now()))
	require.NoError(t, err)
	_, err = h.Provider.Verify(t.Context(), raw)
	rejected(t, err, raw, "unknown")
}

func idCaseAlgNone(t T, h IdentityHarness) {
	keys, err := h.Provider.Keys(t.Context())
	require.NoError(t, err)
	require.NotEmpty(t, keys.Keys, "the issuer publishes keys")
	raw := unsignedToken(keys.Keys[0].KeyID, goodClaims(h.Provider.Policy(), time.Now()))
	_, err = h.Provider.Verify(t.Context(), raw)
	rejected(t, err, raw, `algorithm "none" is not allowed`)
	_, err = h.Provider.Verify(t.Context(), strings.TrimSuffix(raw, ".")+".c2ln")
	rejected(t, err, "", "not allowed")
}

func idCaseKeyConfusion(t T, h IdentityHarness) {
	keys, err := h.Provider.Keys(t.Context())
	require.NoError(t, err)
	require.NotEmpty(t, keys.Keys)
	for _, asPEM := range []bool{false, true} {
		raw, err := hmacWithPublicKey(keys.Keys[0], goodClaims(h.Provider.Policy(), time.Now()), asPEM)
		require.NoError(t, err)
		_, err = h.Provider.Verify(t.Context(), raw)
		rejected(t, err, raw, "HS256")
	}
}

func idCaseMalformed(t T, h IdentityHarness) {
	valid := b64(map[string]any{"alg": "ES256", "kid": "x"}) + "." + b64(goodClaims(h.Provider.Policy(), time.Now())) + ".c2lnbmF0dXJl"
	tests := []struct{ name, raw, reason string }{
		{"empty", "", "no token"},
		{"one segment", "not-a-jwt", "malformed"},
		{"two segments", "a.b", "malformed"},
		{"four segments", "a.b.c.d", "malformed"},
		{"header not base64", "!!!." + b64(map[string]any{}) + ".c2ln", "malformed"},
		{"header not JSON", b64("x")[:4] + ".e30.c2ln", "malformed"},
		{"truncated signature", valid[:len(valid)-5], ""},
		{"truncated to header and payload", valid[:strings.LastIndex(valid, ".")], "malformed"},
		{"JWE-shaped", "a.b.c.d.e", "malformed"},
	}
	for _, tt := range tests {
		_, err := h.Provider.Verify(t.Context(), tt.raw)
		rejected(t, err, tt.raw, tt.reason)
	}
	huge := strings.Repeat("A", 8<<20)
	_, err := h.Provider.Verify(t.Context(), huge+"."+huge+"."+huge)
	rejected(t, err, "", "maxTokenSize")
	assert.Less(t, len(err.Error()), 1024, "a short error for an oversized token")
	if h.Hooks.Sign != nil {
		raw, err := h.Hooks.Sign(t.Context(), goodClaims(h.Provider.Policy(), time.Now()))
		require.NoError(t, err)
		for _, cut := range []int{1, 10, len(raw) / 2} {
			_, err = h.Provider.Verify(t.Context(), raw[:len(raw)-cut])
			rejected(t, err, raw[:len(raw)-cut], "")
		}
		for _, e := range nonCanonical(raw) {
			_, err = h.Provider.Verify(t.Context(), e.raw)
			rejected(t, err, e.raw, "malformed")
		}
	}
}

// nonCanonical returns encodings of a valid token that RFC 7515's compact serialization does
// not allow: line breaks inside a segment or at the end, padding, whitespace.
func nonCanonical(raw string) []struct{ name, raw string } {
	h, rest, _ := strings.Cut(raw, ".")
	payload, sig, _ := strings.Cut(rest, ".")
	mid := func(s, what string) string { return s[:len(s)/2] + what + s[len(s)/2:] }
	return []struct{ name, raw string }{
		{"LF in the payload", h + "." + mid(payload, "\n") + "." + sig},
		{"CRLF in the payload", h + "." + mid(payload, "\r\n") + "." + sig},
		{"LF in the signature", h + "." + payload + "." + mid(sig, "\n")},
		{"CRLF in the signature", h + "." + payload + "." + mid(sig, "\r\n")},
		{"trailing LF", raw + "\n"},
		{"trailing CRLF", raw + "\r\n"},
		{"padding", raw + "=="},
		{"space in the header", mid(h, " ") + "." + payload + "." + sig},
	}
}

func idCaseRotation(t T, h IdentityHarness) {
	ctx := t.Context()
	p, err := h.Hooks.Reopen(ctx, 2*time.Second)
	require.NoError(t, err)
	defer p.Close()
	pol := p.Policy()
	oldTok, err := h.Hooks.Sign(ctx, goodClaims(pol, time.Now()))
	require.NoError(t, err)
	_, err = p.Verify(ctx, oldTok)
	require.NoError(t, err, "a token of the current key verifies")

	require.NoError(t, h.Hooks.Rotate(ctx))
	newTok, err := h.Hooks.Sign(ctx, goodClaims(pol, time.Now()))
	require.NoError(t, err)
	require.NotEqual(t, kidOf(oldTok), kidOf(newTok), "Rotate made a new key")
	_, err = p.Verify(ctx, newTok)
	require.NoError(t, err, "the new key id is picked up")
	_, err = p.Verify(ctx, oldTok)
	require.NoError(t, err, "the old key stays valid while the issuer publishes it")

	require.NoError(t, h.Hooks.Retire(ctx))
	var retired error
	assert.Eventually(t, func() bool {
		_, retired = p.Verify(ctx, oldTok)
		return provider.CodeOf(retired) == provider.Unauthenticated
	}, 60*time.Second, 200*time.Millisecond, "the old key is dropped once the issuer removed it")
	rejected(t, retired, oldTok, "unknown")
	_, err = p.Verify(ctx, newTok)
	assert.NoError(t, err, "the new key still verifies")
}

func idCaseOutage(t T, h IdentityHarness) {
	ctx := t.Context()
	raw, _, err := h.Hooks.Token(ctx)
	require.NoError(t, err)
	signed, err := h.Hooks.Sign(ctx, goodClaims(h.Provider.Policy(), time.Now()))
	require.NoError(t, err)
	for _, tok := range []string{raw, signed} {
		_, err = h.Provider.Verify(ctx, tok)
		require.NoError(t, err)
	}
	restore, err := h.Hooks.Outage(ctx)
	require.NoError(t, err)
	defer func() { assert.NoError(t, restore()) }()
	for _, tok := range []string{raw, signed} {
		_, err = h.Provider.Verify(ctx, tok)
		assert.NoError(t, err, "verification continues on cached keys while the issuer is down")
	}
	assert.NoError(t, h.Provider.CheckHealth(ctx), "cached keys keep the provider ready")
	key, err := NewTestKey()
	require.NoError(t, err)
	forged, err := key.Sign(goodClaims(h.Provider.Policy(), time.Now()))
	require.NoError(t, err)
	_, err = h.Provider.Verify(ctx, forged)
	rejected(t, err, forged, "unknown")
}

func idCaseDownAtStart(t T, h IdentityHarness) {
	ctx := t.Context()
	p, up, err := h.Hooks.OpenDown(ctx)
	require.NoError(t, err, "an unreachable issuer does not fail Open")
	defer p.Close()
	err = p.CheckHealth(ctx)
	assert.Equal(t, provider.Unavailable, provider.CodeOf(err), "not ready while the issuer is unreachable: %v", err)
	raw, _, err := h.Hooks.Token(ctx)
	require.NoError(t, err)
	_, err = p.Verify(ctx, raw)
	assert.Equal(t, provider.Unavailable, provider.CodeOf(err), "a token cannot be verified yet: %v", err)
	require.NoError(t, up())
	assert.Eventually(t, func() bool { return p.CheckHealth(ctx) == nil }, 90*time.Second, 100*time.Millisecond, "ready once the issuer is back")
	_, err = p.Verify(ctx, raw)
	assert.NoError(t, err)
}

func idCaseNoRequests(t T, h IdentityHarness) {
	ctx := t.Context()
	raw, _, err := h.Hooks.Token(ctx)
	require.NoError(t, err)
	signed, err := h.Hooks.Sign(ctx, goodClaims(h.Provider.Policy(), time.Now()))
	require.NoError(t, err)
	for _, tok := range []string{raw, signed} {
		_, err := h.Provider.Verify(ctx, tok)
		require.NoError(t, err)
	}
	before := h.Hooks.Requests()
	for i := range 2000 {
		tok := raw
		if i%2 == 1 {
			tok = signed
		}
		if _, err := h.Provider.Verify(ctx, tok); err != nil {
			require.NoError(t, err)
		}
	}
	assert.Equal(t, before, h.Hooks.Requests(), "verifications with cached keys make no request to the issuer")
}

func idCaseClientIssuer(t T, h IdentityHarness) {
	ctx := t.Context()
	require.True(t, h.Provider.Capabilities().Has(identity.CapClientIssuer), "a tenant is given: the provider must declare ClientIssuer")
	device := newUUID()
	c, err := h.Provider.CreateClient(ctx, h.Tenant, device)
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.Provider.RevokeClient(context.Background(), h.Tenant, device) })
	assert.NotEmpty(t, c.ID)
	assert.NotEmpty(t, c.TokenURL)
	require.False(t, c.Secret.IsEmpty())
	assert.NotContains(t, fmt.Sprintf("%v %+v", c, *c), c.Secret.Reveal(), "the secret never prints")

	got, err := h.Provider.GetClient(ctx, h.Tenant, device)
	require.NoError(t, err)
	assert.Equal(t, c.ID, got.ID)
	assert.Equal(t, c.Secret.Reveal(), got.Secret.Reveal())
	_, err = h.Provider.CreateClient(ctx, h.Tenant, device)
	assert.Equal(t, provider.AlreadyExists, provider.CodeOf(err), "error: %v", err)

	creds := identity.ForClient(c)
	creds.Insecure = true
	tok, err := identity.NewTokenSource(creds).Token(ctx)
	require.NoError(t, err, "the new client obtains a token")
	p, err := h.Provider.Verify(ctx, tok)
	require.NoError(t, err, "its token verifies")
	assert.Equal(t, c.ID, p.ClientID)
	assert.Contains(t, p.Tenants, h.Tenant, "the token is bound to the tenant")
	assert.NoError(t, p.Require("", h.Tenant))

	require.NoError(t, h.Provider.RevokeClient(ctx, h.Tenant, device))
	_, err = identity.NewTokenSource(creds).Token(ctx)
	require.Error(t, err, "the token endpoint refuses a revoked client")
	assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err), "error: %v", err)
	assert.NotContains(t, err.Error(), c.Secret.Reveal())
	_, err = h.Provider.GetClient(ctx, h.Tenant, device)
	assert.Equal(t, provider.NotFound, provider.CodeOf(err), "error: %v", err)
	assert.Equal(t, provider.NotFound, provider.CodeOf(h.Provider.RevokeClient(ctx, h.Tenant, device)))
}

func idCaseCapabilities(t T, h IdentityHarness) {
	ctx := t.Context()
	tenant := h.Tenant
	if tenant == "" {
		tenant = newUUID()
	}
	device := newUUID()
	if !h.Provider.Capabilities().Has(identity.CapClientIssuer) {
		_, err := h.Provider.CreateClient(ctx, tenant, device)
		assert.Equal(t, provider.Unimplemented, provider.CodeOf(err), "error: %v", err)
		_, err = h.Provider.GetClient(ctx, tenant, device)
		assert.Equal(t, provider.Unimplemented, provider.CodeOf(err), "error: %v", err)
		assert.Equal(t, provider.Unimplemented, provider.CodeOf(h.Provider.RevokeClient(ctx, tenant, device)))
		return
	}
	_, err := h.Provider.GetClient(ctx, tenant, device)
	assert.Equal(t, provider.NotFound, provider.CodeOf(err), "a declared ClientIssuer answers: %v", err)
	_, err = h.Provider.CreateClient(ctx, tenant, "not-a-uuid")
	assert.Equal(t, provider.InvalidArgument, provider.CodeOf(err), "error: %v", err)
}
