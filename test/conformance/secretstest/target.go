package secretstest

import (
	"context"

	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/test/conformance"
)

// ExecuteTarget (a conformance.Executor) runs the secrets suite against a provider opened from
// eim.yaml, without hooks: the cases that need one are not part of the run, for the reason
// conformance.CustomerAbsent gives.
func ExecuteTarget(ctx context.Context, t conformance.Target, opts conformance.Options) []conformance.Result {
	p, ok := t.Provider.(*secrets.Provider)
	if !ok {
		return []conformance.Result{{Kind: t.Kind, Adapter: t.Adapter, Case: "provider type", Outcome: conformance.Failed,
			Output: []string{"the opened secrets provider is not a *secrets.Provider"}}}
	}
	absent := map[string]string{}
	for _, n := range allHooks() {
		absent[n] = conformance.CustomerAbsent
	}
	return ExecuteSecrets(ctx, SecretsHarness{Provider: p, Prefix: t.Prefix + "/", Absent: absent}, opts)
}
