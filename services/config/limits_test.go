package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/services/config"
)

// problemsOf loads src and returns its problems.
func problemsOf(t *testing.T, src string) *config.Problems {
	t.Helper()
	_, err := config.Load([]byte(src), config.Options{File: "eim.yaml", Sources: sources()})
	var ps *config.Problems
	require.ErrorAs(t, err, &ps)
	return ps
}

// TestLoadMergeBomb (issue 16, item 7): a few hundred bytes of nested merge keys over lists of
// aliases, which expanded to 2·10^9 nodes (minutes, over 1 GB), fail with one problem naming
// the merge key's line.
func TestLoadMergeBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("x:\n  - &a {x: 1, y: 2}\n")
	prev := "a"
	for _, n := range "bcdefghij" {
		fmt.Fprintf(&b, "  - &%c {<<: [%s]}\n", n, strings.TrimSuffix(strings.Repeat("*"+prev+",", 10), ","))
		prev = string(n)
	}
	b.WriteString("listen: {<<: *j}\n")
	require.Less(t, b.Len(), 450)
	ps := problemsOf(t, b.String())
	assert.Equal(t, `eim.yaml:1:1: x: unknown key "x" (fix: remove it; known keys here: target, listen, dataDir, log, startup, providers, inventory, api, southbound, telemetry, oob, hostmgr, onboarding, osresource, tenancy)
eim.yaml:12:10: listen: the document expands to more than 100000 nodes through aliases and merge keys (<<) (a YAML bomb?) (fix: write the values out instead of nesting aliases and merge keys; a configuration file needs far fewer nodes)`, ps.Error())
}

// TestLoadProblemsCapped (item 8): the first 100 problems are listed, then how many more.
func TestLoadProblemsCapped(t *testing.T) {
	var b strings.Builder
	for i := range 150 {
		fmt.Fprintf(&b, "unknown%03d: x\n", i)
	}
	ps := problemsOf(t, b.String())
	assert.Len(t, ps.List, 100)
	assert.Equal(t, 150, ps.Total())
	assert.True(t, strings.HasSuffix(ps.Error(), "\neim.yaml: ... and 50 more problems (only the first 100 are listed; correct these and run again)"), ps.Error()[len(ps.Error())-200:])
}

// TestLoadEchoesTruncated (item 8): a long value is echoed cut short, in the decoder's
// problems and in validation's.
func TestLoadEchoesTruncated(t *testing.T) {
	long := strings.Repeat("y", 200<<10)
	for _, src := range []string{"startup: {timeout: " + long + "}", "target: T" + long, "log: {level: " + long + "}", "listen: {http: " + long + "}"} {
		ps := problemsOf(t, src)
		require.Len(t, ps.List, 1, "problems: %v", ps)
		assert.Less(t, len(ps.Error()), 1500, "problem: %.300s", ps.Error())
		assert.Contains(t, ps.Error(), "…")
	}
}

// TestLoadLiteralSecretNeverEchoed (item 9): a literal password where a secret reference is
// expected is never printed; the fix shows the reference forms.
func TestLoadLiteralSecretNeverEchoed(t *testing.T) {
	const pw = "correct-horse-battery-staple"
	for _, src := range []string{
		"providers:\n  database:\n    type: testdb\n    config: {host: h, password: \"" + pw + "\"}\n",
		"providers:\n  database:\n    type: testdb\n    config: {host: h, password: {secret: " + pw + "}}\n",
	} {
		ps := problemsOf(t, src)
		require.Len(t, ps.List, 1, "problems: %v", ps)
		assert.NotContains(t, ps.Error(), pw)
		assert.Contains(t, ps.Error(), "providers.database.config.password")
		assert.Contains(t, ps.Error(), "the value is not shown")
	}
	ps := problemsOf(t, "providers:\n  database:\n    type: testdb\n    config: {host: h, password: \""+pw+"\"}\n")
	assert.Equal(t, `eim.yaml:4:33: providers.database.config.password: expected a secret reference (a mapping), got a string: the value is not shown, as it may be the credential itself (fix: never write a credential in the configuration; write {env: VAR}, {file: PATH} or {secret: "path#key"})`, ps.Error())
}

// TestLoadSizeLimits (item 10): a file over MaxFileSize and a document over MaxNodes are
// refused with a clear problem, before any decoding.
func TestLoadSizeLimits(t *testing.T) {
	big := "target: all\n# " + strings.Repeat("z", config.MaxFileSize) + "\n"
	ps := problemsOf(t, big)
	assert.Equal(t, "eim.yaml: the document is larger than 256 KiB, the most eim reads (fix: check that this is the configuration file: an eim.yaml is a few KiB, and credentials and certificates are files named by {file: PATH})", ps.Error())

	file := filepath.Join(t.TempDir(), "eim.yaml")
	require.NoError(t, os.WriteFile(file, []byte(big+strings.Repeat("w", 8<<20)), 0o600))
	_, err := config.LoadFile(file, config.Options{Sources: sources()})
	assert.ErrorContains(t, err, "the document is larger than 256 KiB", "LoadFile reads no more than the limit")

	nodes := "x: [" + strings.Repeat("1,", config.MaxNodes) + "1]\n"
	require.Less(t, len(nodes), config.MaxFileSize)
	ps = problemsOf(t, nodes)
	require.Len(t, ps.List, 1)
	assert.Contains(t, ps.Error(), "eim.yaml:1:")
	assert.Contains(t, ps.Error(), "the document has more than 20000 YAML nodes, the most eim reads")

	ok := "x: [" + strings.Repeat("1,", config.MaxNodes/2) + "1]\n"
	assert.NotContains(t, problemsOf(t, ok).Error(), "YAML nodes", "a large but legal document is decoded")
}

// TestLoadValidationEchoShortened: a validation message quoting a long value keeps its
// meaning, the value cut short.
func TestLoadValidationEchoShortened(t *testing.T) {
	ps := problemsOf(t, "log: {level: "+strings.Repeat("y", 100<<10)+"}")
	assert.Equal(t, `eim.yaml:1:7: log.level: "`+strings.Repeat("y", 64)+`"… is not a log level (fix: use debug, info, warn or error)`, ps.Error())
}
