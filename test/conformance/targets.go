package conformance

import "context"

// CustomerAbsent is why no hook is available when `eim conformance` tests the customer's own
// infrastructure: each needs administrative access to the backend or control of the network.
const CustomerAbsent = "not available against the customer's infrastructure: it needs administrative access to the backend or control of the network between EIM and it"

// Target is a provider under test, opened from the customer's eim.yaml by `eim conformance`.
type Target struct {
	Kind     string // provider kind: secrets, storage, identity, messaging
	Adapter  string
	Provider any    // the opened provider, of the kind's portable type
	Prefix   string // unique name prefix for everything the cases create, removed afterwards
}

// Executor runs one kind's suite against a Target. Each kind's package has one
// (identitytest.ExecuteTarget, ...); package suites lists them by kind name.
type Executor func(ctx context.Context, t Target, opts Options) []Result
