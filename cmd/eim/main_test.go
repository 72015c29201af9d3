package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/services/process"
	"github.com/eim-byoi/eim/test/proc"
)

func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRoot(&out, &errb)
	root.SetArgs(args)
	err = root.Execute()
	return out.String(), errb.String(), err
}

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if err != nil {
		return 1
	}
	return 0
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "eim.yaml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

func TestConfigValidate(t *testing.T) {
	bad := writeFile(t, "target: all\nlisten:\n  htp: ':1'\nstartup:\n  timeout: 5\nproviders:\n  identity:\n    config: {}\n")
	_, stderr, err := run(t, "config", "validate", "-f", bad)
	assert.Equal(t, 1, exitCode(err))
	assert.Contains(t, stderr, bad+`:3:3: listen.htp: unknown key "htp"`)
	assert.Contains(t, stderr, bad+`:5:12: startup.timeout: expected a duration`)
	assert.Contains(t, stderr, bad+":7:3: providers.identity.type: is required")
	assert.EqualError(t, err, bad+": 3 problem(s)")

	good := writeFile(t, "target: day2\nlisten: {http: ':8080', grpc: ':9090'}\n")
	stdout, stderr, err := run(t, "config", "validate", "-f", good)
	require.NoError(t, err)
	assert.Equal(t, good+": valid\n", stdout)
	if _, unbuilt := module.EIM().Resolve("day2", process.Built); unbuilt != nil { // the day2 modules this binary does not build yet
		assert.Contains(t, stderr, good+": target: "+unbuilt.Error()+" (warning: valid, but eim serve of this binary refuses it)")
	} else {
		assert.Empty(t, stderr)
	}
	built := writeFile(t, "target: inventory,api\n")
	_, stderr, err = run(t, "config", "validate", "-f", built)
	require.NoError(t, err)
	assert.Empty(t, stderr)

	unsat := writeFile(t, "target: api\n")
	_, _, err = run(t, "config", "validate", "-f", unsat)
	assert.ErrorContains(t, err, "module api requires module inventory in the same process")

	split := writeFile(t, "target: module:onboarding\ninventory: {address: 'eim-inventory:9090', credentials: {clientID: svc, clientSecret: {env: SECRET}}}\n")
	stdout, _, err = run(t, "config", "validate", "-f", split)
	require.NoError(t, err, "a split deployment's process reaches the inventory at inventory.address, as eim serve resolves it")
	assert.Equal(t, split+": valid\n", stdout)

	_, _, err = run(t, "config", "validate")
	assert.ErrorContains(t, err, `required flag(s) "file" not set`)
}

func TestConfigSchemaAndExample(t *testing.T) {
	stdout, _, err := run(t, "config", "schema")
	require.NoError(t, err)
	var schema map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &schema))
	assert.Equal(t, "https://json-schema.org/draft/2020-12/schema", schema["$schema"])

	example, _, err := run(t, "config", "example")
	require.NoError(t, err)
	p := writeFile(t, example)
	_, _, err = run(t, "config", "validate", "-f", p)
	assert.NoError(t, err, "the example validates")
}

// TestServeProcess runs the real binary on the embedded defaults (loopback, port 0) as
// `make run` does: /readyz answers 200, and SIGTERM shuts it down cleanly.
func TestServeProcess(t *testing.T) {
	p := startServe(t, t.TempDir())
	p.Terminate(t)
	all := p.wait(t)
	assert.Contains(t, all, `"msg":"shutting down","cause":"terminated signal received"`)
	assert.Contains(t, all, `"msg":"shutdown complete"`)
}

// buildEIM builds the eim binary once per test into a temporary directory.
func buildEIM(t *testing.T) string { return proc.Build(t) }

// served is an `eim serve` process on loopback ports (test/proc) and its binary.
type served struct {
	*proc.Process
	bin string
}

// startServe builds eim and runs `eim serve` on the embedded defaults with dataDir until it is
// ready.
func startServe(t *testing.T, dataDir string) *served {
	t.Helper()
	return startEIM(t, buildEIM(t), dataDir, "serve")
}

// startEIM runs bin with args (listening on loopback port 0, with dataDir) until /readyz
// answers 200 (test/proc).
func startEIM(t *testing.T, bin, dataDir string, args ...string) *served {
	t.Helper()
	return &served{Process: proc.Start(t, bin, dataDir, serveEnv(dataDir), args...), bin: bin}
}

// get returns the status and body of GET path on the process's HTTP listener.
func (p *served) get(path string) (int, string) { return p.Get(path, "") }

// getWithToken is get with a bearer token, when token is not empty.
func (p *served) getWithToken(path, token string) (int, string) { return p.Get(path, token) }

// env is the environment of the process and of commands run beside it.
func (p *served) env() []string { return serveEnv(p.DataDir) }

// serveEnv is the environment of an eim process under test: loopback listeners on port 0 (the
// southbound one too) and dataDir.
func serveEnv(dataDir string) []string { return proc.Env(dataDir) }

// waitFor reads the log until a line containing s.
func (p *served) waitFor(t *testing.T, s string) {
	t.Helper()
	p.WaitFor(t, s, 30*time.Second)
}

// wait waits for the process to exit 0 and returns its whole log.
func (p *served) wait(t *testing.T) string {
	t.Helper()
	log, err := p.Wait(t)
	require.NoError(t, err, "exit status 0 after SIGTERM")
	return log
}

// TestConformanceCommand runs `eim conformance` on the embedded defaults and checks the three
// reports agree: every case the built-in providers have, table, JSON and JUnit.
func TestConformanceCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, "dataDir: "+filepath.Join(dir, "data")+"\nlog: {level: warn}\n")
	jsonOut, junitOut := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
	stdout, stderr, err := run(t, "conformance", "--config", cfg, "--json", jsonOut, "--junit", junitOut)
	require.NoError(t, err, "stderr: %s", stderr)
	var doc struct {
		Passed, Failed int
		Results        []map[string]any
	}
	b, err := os.ReadFile(jsonOut)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.Zero(t, doc.Failed)
	assert.Len(t, doc.Results, doc.Passed)
	assert.Contains(t, stdout, "KIND")
	assert.Contains(t, stdout, fmt.Sprintf("\n%d passed, 0 failed\n", doc.Passed))
	x, err := os.ReadFile(junitOut)
	require.NoError(t, err)
	assert.Contains(t, string(x), fmt.Sprintf(`<testsuites tests="%d" failures="0">`, doc.Passed))
}
