package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	onboardingv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/proc"
)

// pauseEnv is the eimfaults build's fault point (services/onboarding/fault_eimfaults.go): the
// file it writes once a device's client is created, before the host is updated, where the
// process then stops.
const pauseEnv = "EIM_TEST_ONBOARDING_PAUSE_AFTER_CREATE"

// TestOnboardingCrashIsRepairedAtStart kills a real `eim serve` (SIGKILL) between "client
// created" and "host updated" of a device's onboarding, and starts it again on the same data
// directory: the start finishes the onboarding (the host is ONBOARDED before the device asks
// again), the device asking again gets the client created before the crash, and deleting the
// host revokes it: no orphan client. The fault point exists only in a binary built with
// -tags eimfaults.
func TestOnboardingCrashIsRepairedAtStart(t *testing.T) {
	bin := proc.Build(t, "eimfaults")
	dataDir, paused := t.TempDir(), filepath.Join(t.TempDir(), "paused")
	t.Setenv(pauseEnv, paused)

	p := startEIM(t, bin, dataDir, "serve")
	token := eimToken(t, p)
	id := uuid.NewString()
	host := registerHost(t, p, token, id)

	dev := openDevice(t, p)
	require.NoError(t, dev.Send(&onboardingv1.OnboardNodeStreamRequest{Uuid: id, MacId: "02:00:00:aa:bb:01", HostIp: "10.0.0.9"}))
	require.Eventually(t, func() bool { _, err := os.Stat(paused); return err == nil }, time.Minute, 20*time.Millisecond,
		"the process reaches the fault point")
	p.Kill()
	_, err := dev.Recv()
	require.Error(t, err, "the device lost its answer")

	t.Setenv(pauseEnv, "")
	p = startEIM(t, bin, dataDir, "serve")
	assert.Equal(t, "HOST_STATE_ONBOARDED", hostField(t, p, token, host, "currentState"), "the start finished the onboarding")
	assert.Equal(t, "Onboarded", hostField(t, p, token, host, "onboardingStatus"))

	dev = openDevice(t, p)
	require.NoError(t, dev.Send(&onboardingv1.OnboardNodeStreamRequest{Uuid: id, MacId: "02:00:00:aa:bb:01", HostIp: "10.0.0.9"}))
	resp, err := dev.Recv()
	require.NoError(t, err)
	require.Equal(t, onboardingv1.OnboardNodeStreamResponse_NODE_STATE_ONBOARDED, resp.GetNodeState(), "%v", resp)
	assert.Equal(t, "edgenode-"+id, resp.GetClientId(), "the client created before the crash")
	creds := identity.ClientCredentials{TokenURL: "http://" + p.HTTP + "/oidc/token", ClientID: resp.GetClientId(),
		Secret: provider.NewSecretValue([]byte(resp.GetClientSecret()))}
	_, err = identity.NewTokenSource(creds).Token(context.Background())
	require.NoError(t, err, "its credentials obtain a token")

	req, err := http.NewRequest(http.MethodDelete, "http://"+p.HTTP+"/v1/projects/day0/compute/hosts/"+host, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	del, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	del.Body.Close()
	require.Equal(t, http.StatusOK, del.StatusCode)
	require.Eventually(t, func() bool {
		_, err = identity.NewTokenSource(creds).Token(context.Background())
		return provider.CodeOf(err) == provider.Unauthenticated
	}, time.Minute, 50*time.Millisecond, "the deleted host's client is revoked (last: %v)", err)
}

// eimToken is `eim token --project day0 --create` of the process's data directory.
func eimToken(t *testing.T, p *served) string {
	t.Helper()
	cmd := exec.Command(p.bin, "token", "--project", "day0", "--role", "im-rw", "--create")
	cmd.Env = p.env()
	out, err := cmd.Output()
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

// registerHost registers a host with auto-onboard through the REST API.
func registerHost(t *testing.T, p *served, token, id string) string {
	t.Helper()
	body, err := json.Marshal(map[string]any{"name": "crash", "uuid": id, "autoOnboard": true})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, "http://"+p.HTTP+"/v1/projects/day0/compute/hosts/register", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var h struct {
		ResourceID string `json:"resourceId"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&h))
	return h.ResourceID
}

// hostField reads one field of a host through the REST API.
func hostField(t *testing.T, p *served, token, host, field string) any {
	t.Helper()
	code, body := p.getWithToken("/v1/projects/day0/compute/hosts/"+host, token)
	require.Equal(t, http.StatusOK, code, body)
	var h map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &h))
	return h[field]
}

// openDevice opens a device's OnboardNodeStream on the process's southbound TLS listener,
// trusting the CA generated in its data directory.
func openDevice(t *testing.T, p *served) onboardingv1.NonInteractiveOnboardingService_OnboardNodeStreamClient {
	t.Helper()
	var addr string
	for _, l := range strings.Split(p.Logs(), "\n") {
		var rec struct{ Msg, Southbound string }
		if json.Unmarshal([]byte(l), &rec) == nil && rec.Msg == "listening" && rec.Southbound != "" {
			addr = rec.Southbound
		}
	}
	require.NotEmpty(t, addr, "the southbound listener's address is logged")
	ca, err := os.ReadFile(filepath.Join(p.DataDir, "southbound", "ca.pem"))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(ca))
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13})))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	st, err := onboardingv1.NewNonInteractiveOnboardingServiceClient(conn).OnboardNodeStream(ctx)
	require.NoError(t, err)
	return st
}
