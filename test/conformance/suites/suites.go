// Package suites lists the conformance suite of every provider kind for `eim conformance`: the
// shared runner (package conformance) cannot import the kind packages, which import it.
package suites

import (
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/test/conformance"
	"github.com/eim-byoi/eim/test/conformance/identitytest"
	"github.com/eim-byoi/eim/test/conformance/messagingtest"
	"github.com/eim-byoi/eim/test/conformance/secretstest"
	"github.com/eim-byoi/eim/test/conformance/storagetest"
)

// Executors returns the executor of every kind that has a suite, by kind name (the names of
// providers/kinds). A new kind adds its entry here with its suite; `eim conformance` warns
// about a configured kind without one.
func Executors() map[string]conformance.Executor {
	return map[string]conformance.Executor{
		kinds.Identity:  identitytest.ExecuteTarget,
		kinds.Secrets:   secretstest.ExecuteTarget,
		kinds.Storage:   storagetest.ExecuteTarget,
		kinds.Messaging: messagingtest.ExecuteTarget,
	}
}
