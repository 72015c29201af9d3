package bootstrap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
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

// TestGRPCTLSCertificateInTheSecretsProvider serves listen.grpcTLS with a certificate in the
// secrets provider, which cannot be read before the providers open: until it is read every
// handshake fails at once (a client is answered, it does not wait), then it succeeds.
func TestGRPCTLSCertificateInTheSecretsProvider(t *testing.T) {
	dir := t.TempDir()
	l, err := southbound.EnsureLocal(dir, []string{"localhost", "127.0.0.1"})
	require.NoError(t, err)
	cfg := testConfig(t, "inventory")
	cfg.Listen.GRPCTLS.Cert = provider.SecretRef{Secret: "tls/grpc#cert"}
	cfg.Listen.GRPCTLS.Key = provider.SecretRef{Secret: "tls/grpc#key"}
	g, ln, err := secureGRPC(context.Background(), cfg, listenLoopback(t))
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _ = c.(*tls.Conn).Handshake(); _ = c.Close() }()
		}
	}()
	pem, err := os.ReadFile(filepath.Join(dir, southbound.CAFile))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	dial := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		d := tls.Dialer{Config: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS13, NextProtos: []string{"h2"}}}
		c, err := d.DialContext(ctx, "tcp", ln.Addr().String())
		if err == nil {
			_ = c.Close()
		}
		return err
	}
	err = dial()
	require.Error(t, err, "no certificate yet: the handshake fails")
	assert.NotErrorIs(t, err, context.DeadlineExceeded, "at once")

	a := newApp(slog.New(slog.DiscardHandler))
	defer a.end()
	a.sources = provider.SecretSources{Store: secretMap{"tls/grpc": {"cert": l.Cert, "key": l.Key}}}
	require.NoError(t, g.started(context.Background(), a))
	require.NoError(t, dial(), "the certificate read once the providers are open")
}

// secretMap is a secrets store of files: path → key → file holding the value.
type secretMap map[string]map[string]string

func (m secretMap) ReadSecret(_ context.Context, path, key string) ([]byte, error) {
	f, ok := m[path][key]
	if !ok {
		return nil, provider.Errorf(provider.NotFound, "no %s#%s", path, key)
	}
	return os.ReadFile(f)
}
