package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// draftConfig is an eim.yaml as eim migrate leaves it: an embedded-default setup with one
// NEEDS-INPUT placeholder.
const draftConfig = "target: 'NEEDS-INPUT: the modules to run'\nlog: {level: warn}\n"

// TestConfigValidatePlaceholders (issue 24, item 2): a placeholder fails validation with its
// path, line and what it needs; --allow-placeholders makes it a warning; eim serve refuses it
// whatever the flags.
func TestConfigValidatePlaceholders(t *testing.T) {
	p := writeFile(t, draftConfig)
	_, stderr, err := run(t, "config", "validate", "-f", p)
	assert.Equal(t, 1, exitCode(err))
	assert.Contains(t, stderr, p+":1:9: target: needs input: the modules to run (a NEEDS-INPUT placeholder left by eim migrate)")
	assert.Contains(t, stderr, "EIM_TARGET")
	assert.EqualError(t, err, p+": 1 problem(s)")

	stdout, stderr, err := run(t, "config", "validate", "-f", p, "--allow-placeholders")
	require.NoError(t, err)
	assert.Equal(t, p+": valid as a draft: 1 value(s) still need input\n", stdout)
	assert.Equal(t, p+":1:9: target: needs input: the modules to run (warning: --allow-placeholders)\n", stderr)

	_, _, err = run(t, "serve", "--config", p)
	require.Error(t, err, "serve never starts on a placeholder")
	assert.Contains(t, err.Error(), "target: needs input: the modules to run")
}
