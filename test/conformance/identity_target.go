package conformance

import (
	"context"

	"github.com/eim-byoi/eim/providers/identity"
)

// executeIdentity runs the identity suite against a provider opened from eim.yaml, without
// hooks: the cases that need a token from the issuer, a key it publishes or control of the
// network are not part of the run, for the reason customerAbsent gives.
func executeIdentity(ctx context.Context, t Target, opts Options) []Result {
	p, ok := t.Provider.(*identity.Provider)
	if !ok {
		return []Result{{Kind: t.Kind, Adapter: t.Adapter, Case: "provider type", Outcome: Failed,
			Output: []string{"the opened identity provider is not an *identity.Provider"}}}
	}
	absent := map[string]string{}
	for _, n := range identityHooks() {
		absent[n] = customerAbsent
	}
	absent[HookTenant] = "no test tenant is known in the customer's identity provider; creating clients there is left to `go test` runs"
	return ExecuteIdentity(ctx, IdentityHarness{Provider: p, Absent: absent}, opts)
}
