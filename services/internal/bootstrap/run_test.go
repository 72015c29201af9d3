package bootstrap

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
)

func listenLoopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return ln
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// TestRunServesAndShutsDown runs the whole process loop on loopback listeners: /healthz at once,
// /readyz 503 while a provider is still opening and 200 after, /metrics, gRPC health, and a
// clean shutdown closing the providers in reverse order when the context ends.
func TestRunServesAndShutsDown(t *testing.T) {
	f := newFixture()
	opts := f.options(testConfig(t, "inventory,hostmgr"))
	release := make(chan struct{})
	inner := opts.Kinds[1].Open
	opts.Kinds[1].Open = func(ctx context.Context, env *kinds.Env) (kinds.Opened, error) {
		<-release
		return inner(ctx, env)
	}
	f.providers["identity"].health = []error{nil, nil, provider.Errorf(provider.Unavailable, "idp down")} // startup, first /readyz, then down
	httpLn, grpcLn := listenLoopback(t), listenLoopback(t)
	base := "http://" + httpLn.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, RunOptions{Config: opts.Config, Logger: opts.Logger, Redactor: f.redactor, Version: "test",
			HTTPListener: httpLn, GRPCListener: grpcLn, Kinds: opts.Kinds, Graph: opts.Graph, Modules: opts.Modules})
	}()

	require.Eventually(t, func() bool { code, _ := get(t, base+"/healthz"); return code == http.StatusOK }, 5*time.Second, 20*time.Millisecond)
	code, body := get(t, base+"/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Contains(t, body, `"reason":"starting"`)

	close(release)
	require.Eventually(t, func() bool { code, _ := get(t, base+"/readyz"); return code == http.StatusOK }, 5*time.Second, 20*time.Millisecond)
	// The identity provider now reports unhealthy: /readyz names it.
	code, body = get(t, base+"/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	var rep Report
	require.NoError(t, json.Unmarshal([]byte(body), &rep))
	assert.False(t, rep.Ready)
	assert.Contains(t, rep.Checks, Check{Name: "provider/identity/test", Error: "idp down"})
	assert.Contains(t, rep.Checks, Check{Name: "module/hostmgr", Healthy: true})

	_, metrics := get(t, base+"/metrics")
	assert.Contains(t, metrics, `eim_build_info{version="test"} 1`)
	assert.Contains(t, metrics, "eim_ready 0")
	assert.Contains(t, metrics, "go_goroutines")

	conn, err := grpc.NewClient(grpcLn.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	hc, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	require.NoError(t, err)
	assert.Equal(t, healthpb.HealthCheckResponse_SERVING, hc.Status)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the context ended")
	}
	ev := f.rec.list()
	assert.Equal(t, []string{"stop hostmgr", "stop inventory", "close messaging", "close identity", "close storage", "close secrets"}, ev[len(ev)-6:])
	logs := f.logs.String()
	assert.True(t, strings.Contains(logs, `"msg":"shutdown complete"`))
	_, err = net.DialTimeout("tcp", httpLn.Addr().String(), time.Second)
	assert.Error(t, err, "the HTTP listener is closed")
}

func TestRunStartupFailureReturnsError(t *testing.T) {
	f := newFixture()
	opts := f.options(testConfig(t, "inventory"))
	f.openErr["storage"] = provider.Errorf(provider.Unavailable, "connection refused")
	httpLn, grpcLn := listenLoopback(t), listenLoopback(t)
	err := Run(context.Background(), RunOptions{Config: opts.Config, Logger: opts.Logger, HTTPListener: httpLn, GRPCListener: grpcLn,
		Kinds: opts.Kinds, Graph: opts.Graph, Modules: opts.Modules})
	require.ErrorContains(t, err, "startup: open storage provider (providers.database): connection refused")
	assert.Equal(t, provider.Unavailable, provider.CodeOf(err))
	_, err = net.DialTimeout("tcp", httpLn.Addr().String(), time.Second)
	assert.Error(t, err, "the listeners are closed again")
}

func TestRunListenError(t *testing.T) {
	busy := listenLoopback(t)
	defer busy.Close()
	cfg := testConfig(t, "all")
	cfg.Listen.HTTP = busy.Addr().String()
	err := Run(context.Background(), RunOptions{Config: cfg, Kinds: []kinds.Kind{}, Modules: nil})
	require.ErrorContains(t, err, "listen.http: ")
}
