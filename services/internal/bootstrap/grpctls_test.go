package bootstrap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/internal/southbound"
)

// TestRunServesGRPCOverTLS serves the gRPC listener with listen.grpcTLS (the inventory of a split
// deployment): a client verifying the server against its CA reaches the health service, a
// plaintext client does not.
func TestRunServesGRPCOverTLS(t *testing.T) {
	dir := t.TempDir()
	l, err := southbound.EnsureLocal(dir, []string{"localhost", "127.0.0.1"})
	require.NoError(t, err)
	f := newFixture()
	opts := f.options(testConfig(t, "inventory"))
	opts.Config.Listen.GRPCTLS.Cert = provider.SecretRef{File: l.Cert}
	opts.Config.Listen.GRPCTLS.Key = provider.SecretRef{File: l.Key}
	httpLn, grpcLn := listenLoopback(t), listenLoopback(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, RunOptions{Config: opts.Config, Logger: opts.Logger, Redactor: f.redactor, Version: "test",
			HTTPListener: httpLn, GRPCListener: grpcLn, Kinds: opts.Kinds, Graph: opts.Graph, Modules: opts.Modules})
	}()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	require.Eventually(t, func() bool {
		code, _ := get(t, "http://"+httpLn.Addr().String()+"/readyz")
		return code == http.StatusOK
	},
		10*time.Second, 20*time.Millisecond)

	pem, err := os.ReadFile(filepath.Join(dir, southbound.CAFile))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	conn, err := grpc.NewClient(grpcLn.Addr().String(),
		grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})))
	require.NoError(t, err)
	defer conn.Close()
	hc, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	require.NoError(t, err)
	assert.Equal(t, healthpb.HealthCheckResponse_SERVING, hc.Status)

	plain, err := grpc.NewClient(grpcLn.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer plain.Close()
	cctx, ccancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer ccancel()
	_, err = healthpb.NewHealthClient(plain).Check(cctx, &healthpb.HealthCheckRequest{})
	assert.Error(t, err, "a plaintext client is refused")
}

// TestRunGRPCTLSError fails startup naming listen.grpcTLS when its certificate cannot be read.
func TestRunGRPCTLSError(t *testing.T) {
	f := newFixture()
	opts := f.options(testConfig(t, "inventory"))
	missing := filepath.Join(t.TempDir(), "missing.pem")
	opts.Config.Listen.GRPCTLS.Cert = provider.SecretRef{File: missing}
	opts.Config.Listen.GRPCTLS.Key = provider.SecretRef{File: missing}
	err := Run(context.Background(), RunOptions{Config: opts.Config, Logger: opts.Logger, Redactor: f.redactor, Version: "test",
		HTTPListener: listenLoopback(t), GRPCListener: listenLoopback(t), Kinds: opts.Kinds, Graph: opts.Graph, Modules: opts.Modules})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "listen.grpcTLS.cert")
}
