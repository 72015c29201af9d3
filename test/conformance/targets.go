package conformance

import (
	"context"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/storage"
)

// Target is a provider under test, opened from the customer's eim.yaml by `eim conformance`.
type Target struct {
	Kind     string // provider kind: secrets, storage, identity, messaging
	Adapter  string
	Provider any    // the opened provider, of the kind's portable type
	Prefix   string // unique name prefix for everything the cases create, removed afterwards
}

// Executor runs one kind's suite against a Target.
type Executor func(ctx context.Context, t Target, opts Options) []Result

// Executors returns the executor of every kind that has a suite, by kind name. Each provider
// kind adds its entry when its suite lands; a kind without one is reported as having no cases.
func Executors() map[string]Executor {
	return map[string]Executor{
		identity.Kind:  executeIdentity,
		secrets.Kind:   executeSecrets,
		storage.Kind:   executeStorage,
		messaging.Kind: executeMessaging,
	}
}
