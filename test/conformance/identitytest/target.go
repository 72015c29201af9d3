package identitytest

import (
	"context"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/test/conformance"
)

// ExecuteTarget (a conformance.Executor) runs the identity suite against a provider opened
// from eim.yaml, without hooks: the cases that need a token from the issuer, a key it publishes
// or control of the network are not part of the run, for the reason conformance.CustomerAbsent
// gives.
func ExecuteTarget(ctx context.Context, t conformance.Target, opts conformance.Options) []conformance.Result {
	p, ok := t.Provider.(*identity.Provider)
	if !ok {
		return []conformance.Result{{Kind: t.Kind, Adapter: t.Adapter, Case: "provider type", Outcome: conformance.Failed,
			Output: []string{"the opened identity provider is not an *identity.Provider"}}}
	}
	absent := map[string]string{}
	for _, n := range identityHooks() {
		absent[n] = conformance.CustomerAbsent
	}
	absent[HookTenant] = "no test tenant is known in the customer's identity provider; creating clients there is left to `go test` runs"
	return ExecuteIdentity(ctx, IdentityHarness{Provider: p, Absent: absent}, opts)
}
