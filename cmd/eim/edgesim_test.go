package main

import (
	"encoding/json"
	"errors"
	"net"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/services/edgesim"
)

// TestEdgeSimRegistersAndReports runs `eim edge-sim --register --create-projects` against
// `eim serve` on the embedded defaults: the projects and hosts are created through the API
// with tokens of the embedded issuer, and the summary reports every call. No southbound
// manager runs in this binary's default target, so the calls (to a closed loopback port)
// fail Unavailable and are counted so.
func TestEdgeSimRegistersAndReports(t *testing.T) {
	p := startServe(t, t.TempDir())
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := closed.Addr().String()
	require.NoError(t, closed.Close())

	sim := exec.Command(p.bin, "edge-sim", "--register", "--create-projects", "--nodes", "6", "--tenants", "2",
		"--project-prefix", "sim", "--api", "http://"+p.HTTP, "--plaintext", "--address", addr,
		"--duration", "300ms", "--ramp-up", "0", "--timeout", "1s")
	sim.Env = p.env()
	out, err := sim.Output()
	var ee *exec.ExitError
	if err != nil && errors.As(err, &ee) {
		t.Fatalf("eim edge-sim: %v\n%s", err, ee.Stderr)
	}
	require.NoError(t, err)
	var sum edgesim.Summary
	require.NoError(t, json.Unmarshal(out, &sum), "%s", out)
	assert.Equal(t, 6, sum.Nodes)
	assert.Equal(t, 2, sum.Tenants)
	assert.Zero(t, sum.Acknowledged)
	assert.Equal(t, sum.Sent, sum.Errors["Unavailable"], "every call to a closed port is Unavailable")

	// Onboarding: the nodes ask OnboardNodeStream for their clients first; nothing answers.
	onboard := exec.Command(p.bin, "edge-sim", "--onboard", "--nodes", "2", "--plaintext", "--address", addr,
		"--duration", "300ms", "--ramp-up", "0", "--timeout", "1s")
	onboard.Env = p.env()
	out, err = onboard.Output()
	require.NoError(t, err)
	sum = edgesim.Summary{}
	require.NoError(t, json.Unmarshal(out, &sum), "%s", out)
	assert.Zero(t, sum.Sent-sum.RPCs[edgesim.RPCOnboardStream].Sent, "no node calls before it onboarded")
	assert.Positive(t, sum.CredentialErrors["Unavailable"])
	assert.Equal(t, sum.RPCs[edgesim.RPCOnboardStream].Sent, sum.RPCs[edgesim.RPCOnboardStream].Errors["Unavailable"])

	for _, project := range []string{"sim-1", "sim-2"} {
		tokCmd := exec.Command(p.bin, "token", "--project", project, "--role", "im-r")
		tokCmd.Env = p.env()
		tok, err := tokCmd.Output()
		require.NoError(t, err, "the project %s was created", project)
		code, body := p.getWithToken("/v1/projects/"+project+"/compute/hosts", strings.TrimSpace(string(tok)))
		require.Equal(t, 200, code, body)
		var hosts struct {
			Hosts []struct{ UUID string } `json:"hosts"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &hosts))
		assert.Len(t, hosts.Hosts, 3, "%s holds half the fleet", project)
	}
}

// TestEdgeSimAgainstServe is the README's flow: `eim serve` on the embedded defaults (every
// module), then `eim edge-sim --register --create-projects --instances`: the hosts and their
// instances are created through the API (the OS resources the osresource module gives each new
// project), and every node's calls, over TLS trusting the generated CA, are acknowledged (a write a
// busy SQLite refused is Unavailable, which the agents retry).
func TestEdgeSimAgainstServe(t *testing.T) {
	p := startServe(t, t.TempDir())
	sim := exec.Command(p.bin, "edge-sim", "--register", "--create-projects", "--instances", "--nodes", "6", "--tenants", "2",
		"--project-prefix", "readme", "--api", "http://"+p.HTTP, "--address", p.AwaitSouthbound(t), "--server-name", "localhost",
		"--heartbeat", "500ms", "--poll", "500ms", "--duration", "3s", "--ramp-up", "0")
	sim.Env = p.env()
	out, err := sim.Output()
	var ee *exec.ExitError
	if err != nil && errors.As(err, &ee) {
		t.Fatalf("eim edge-sim: %v\n%s", err, ee.Stderr)
	}
	require.NoError(t, err)
	var sum edgesim.Summary
	require.NoError(t, json.Unmarshal(out, &sum), "%s", out)
	assert.EqualValues(t, 6, sum.NodesStarted)
	for _, rpc := range []string{edgesim.RPCSystemInfo, edgesim.RPCInstance, edgesim.RPCUpdateStatus} {
		require.NotNil(t, sum.RPCs[rpc], rpc)
		assert.Positive(t, sum.RPCs[rpc].Acknowledged, rpc)
	}
	for code := range sum.Errors {
		// A write SQLite refuses while busy is Unavailable, which the agents retry; nothing else.
		assert.Equal(t, "Unavailable", code, "no call fails but a retried one: %v", sum.Errors)
	}
}
