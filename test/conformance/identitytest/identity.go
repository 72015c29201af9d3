// Package identitytest is the identity conformance suite: Identity and RunIdentity over an
// IdentityHarness (an adapter's tests provide it), the issuer-side tools its hooks are made of
// (IdPFront, a reverse proxy in front of a real issuer; TestKey and SignJWK, to forge tokens),
// and ExecuteTarget, which runs the cases that need no hook against the provider an eim.yaml
// configures (`eim conformance`).
package identitytest

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/test/conformance"
)

// IdentityHarness is what the identity cases run against: the provider under test, hooks into
// its issuer, and the tenant the ClientIssuer cases create clients in.
type IdentityHarness struct {
	// Provider is the provider under test.
	Provider *identity.Provider
	// Tenant is an existing tenant to create edge-node clients in (for Keycloak, one whose
	// <tenant>_Edge-Node-M2M-Service-Account group exists). Empty takes the ClientIssuer
	// round trip out of the run; Absent[HookTenant] must then say why.
	Tenant string
	// Hooks are the issuer-side operations some cases need.
	Hooks IdentityHooks
	// Absent gives, for each hook left nil, the reason it cannot be provided.
	Absent map[string]string
}

// Expected is what the Principal of a token obtained with IdentityHooks.Token must carry.
type Expected struct {
	ClientID string
	// Tenants must all be among the Principal's tenants.
	Tenants []string
	// TenantRoles: each role must be held in its tenant.
	TenantRoles map[string][]string
}

// IdentityHooks are issuer-specific operations, run with administrative access to the issuer
// or control of the network in front of it.
type IdentityHooks struct {
	// Token obtains a real access token from the issuer under test.
	Token func(ctx context.Context) (raw string, want Expected, err error)
	// Sign signs claims with a key the provider trusts because the issuer publishes it.
	Sign func(ctx context.Context, claims map[string]any) (string, error)
	// Rotate makes the issuer publish a new key that Sign uses from now on; the previous keys
	// stay published.
	Rotate func(ctx context.Context) error
	// Retire makes the issuer stop publishing the keys Sign used before the last Rotate.
	Retire func(ctx context.Context) error
	// Reopen opens another provider with the same configuration except KeysMaxAge. The case
	// closes it.
	Reopen func(ctx context.Context, keysMaxAge time.Duration) (*identity.Provider, error)
	// Outage cuts the network between the provider and its issuer until restore is called.
	Outage func(ctx context.Context) (restore func() error, err error)
	// OpenDown opens another provider with the same configuration whose issuer is unreachable
	// until up is called. The case closes it.
	OpenDown func(ctx context.Context) (p *identity.Provider, up func() error, err error)
	// Requests counts the requests that reached the issuer so far.
	Requests func() int64
}

// The identity hook names, as used in IdentityHarness.Absent.
const (
	HookToken    = "Token"
	HookSign     = "Sign"
	HookRotate   = "Rotate"
	HookRetire   = "Retire"
	HookReopen   = "Reopen"
	HookOutage   = "Outage"
	HookOpenDown = "OpenDown"
	HookRequests = "Requests"
	HookTenant   = "Tenant"
)

func identityHooks() []string {
	return []string{HookToken, HookSign, HookRotate, HookRetire, HookReopen, HookOutage, HookOpenDown, HookRequests, HookTenant}
}

func (h IdentityHarness) has(hook string) bool {
	k := h.Hooks
	return map[string]bool{
		HookToken: k.Token != nil, HookSign: k.Sign != nil, HookRotate: k.Rotate != nil, HookRetire: k.Retire != nil,
		HookReopen: k.Reopen != nil, HookOutage: k.Outage != nil, HookOpenDown: k.OpenDown != nil,
		HookRequests: k.Requests != nil, HookTenant: h.Tenant != "",
	}[hook]
}

// identityCase is a case with the hooks it needs.
type identityCase struct {
	Case[IdentityHarness]
	needs []string
}

// Identity returns the identity suite for h: every case whose hooks h provides, and for each
// absent hook without a stated reason a case that fails saying so.
func Identity(h IdentityHarness) conformance.Suite[IdentityHarness] {
	s := conformance.Suite[IdentityHarness]{Kind: identity.Kind}
	for _, c := range identityCases() {
		if h.lacking(c.needs) == "" {
			s.Cases = append(s.Cases, c.Case)
		}
	}
	for _, n := range identityHooks() {
		if h.has(n) || strings.TrimSpace(h.Absent[n]) != "" {
			continue
		}
		s.Cases = append(s.Cases, Case[IdentityHarness]{Name: "hook " + n + " is accounted for", Run: func(t T, _ IdentityHarness) {
			t.Errorf("hook %s is nil and IdentityHarness.Absent gives no reason: provide the hook or state why it cannot be", n)
		}})
	}
	return s
}

// lacking returns why the first of needs is absent, or "".
func (h IdentityHarness) lacking(needs []string) string {
	for _, n := range needs {
		if !h.has(n) {
			if why := h.Absent[n]; why != "" {
				return n + ": " + why
			}
			return n + ": no reason given"
		}
	}
	return ""
}

// RunIdentity runs the identity suite under go test, in order, logging the cases not part of
// this run with their reasons.
func RunIdentity(t *testing.T, h IdentityHarness) {
	t.Helper()
	var skipped []string
	for _, c := range identityCases() {
		if why := h.lacking(c.needs); why != "" {
			skipped = append(skipped, c.Name+": "+why)
		}
	}
	sort.Strings(skipped)
	for _, s := range skipped {
		t.Logf("not part of this adapter's run: %s", s)
	}
	t.Run("identity", func(t *testing.T) { Identity(h).Run(t, h) })
}

// ExecuteIdentity runs the identity suite outside go test (eim conformance).
func ExecuteIdentity(ctx context.Context, h IdentityHarness, opts conformance.Options) []conformance.Result {
	return Identity(h).Execute(ctx, h.Provider.Adapter(), h, opts)
}
