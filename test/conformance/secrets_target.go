package conformance

import (
	"context"

	"github.com/eim-byoi/eim/providers/secrets"
)

// customerAbsent is why no hook is available when `eim conformance` tests the customer's own
// infrastructure: each needs administrative access to the backend or control of the network.
const customerAbsent = "not available against the customer's infrastructure: it needs administrative access to the backend or control of the network between EIM and it"

// executeSecrets runs the secrets suite against a provider opened from eim.yaml, without hooks:
// the cases that need one are not part of the run, for the reason above.
func executeSecrets(ctx context.Context, t Target, opts Options) []Result {
	p, ok := t.Provider.(*secrets.Provider)
	if !ok {
		return []Result{{Kind: t.Kind, Adapter: t.Adapter, Case: "provider type", Outcome: Failed,
			Output: []string{"the opened secrets provider is not a *secrets.Provider"}}}
	}
	absent := map[string]string{}
	for _, n := range allHooks() {
		absent[n] = customerAbsent
	}
	return ExecuteSecrets(ctx, SecretsHarness{Provider: p, Prefix: t.Prefix + "/", Absent: absent}, opts)
}
