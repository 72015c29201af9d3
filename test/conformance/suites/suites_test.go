package suites_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/test/conformance/suites"
)

// TestEveryKindHasASuite: every kind of the kind table has an executor, and nothing else does.
func TestEveryKindHasASuite(t *testing.T) {
	execs := suites.Executors()
	var names []string
	for _, k := range kinds.All() {
		names = append(names, k.Name)
		assert.NotNil(t, execs[k.Name], k.Name)
	}
	assert.Len(t, execs, len(names), "executors only for the kinds of providers/kinds")
}
