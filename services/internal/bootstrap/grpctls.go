package bootstrap

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/southbound"
)

// grpcCert is the certificate of the gRPC listener with listen.grpcTLS (the inventory of a
// split deployment, which the other modules' processes reach over the network). The listener
// is TLS from the first moment, so that the startup server answers over TLS too: a certificate
// whose references are files or environment variables is read before the providers open; one
// in the secrets provider ({secret: ...}) once they are open, and until then every handshake
// fails at once (clients see Unavailable instead of waiting).
type grpcCert struct {
	cfg     config.ServerTLS
	current atomic.Pointer[southbound.Certificate]
}

// errCertPending fails the handshakes while the certificate is not read yet.
var errCertPending = errors.New("eim is starting: listen.grpcTLS's certificate is read from the secrets provider once it is open")

// secureGRPC wraps ln in TLS when listen.grpcTLS is set (nil grpcCert otherwise), reading the
// certificate now unless it is in the secrets provider.
func secureGRPC(ctx context.Context, cfg *config.Config, ln net.Listener) (*grpcCert, net.Listener, error) {
	t := cfg.Listen.GRPCTLS
	if t.Cert.IsZero() {
		return nil, ln, nil
	}
	g := &grpcCert{cfg: t}
	if t.Cert.Secret == "" && t.Key.Secret == "" {
		src := provider.SecretSources{LookupEnv: os.LookupEnv, ReadFile: os.ReadFile}
		cert, err := southbound.NewCertificate(ctx, refLoader(src, "listen.grpcTLS", t))
		if err != nil {
			return nil, nil, fmt.Errorf("listen.grpcTLS: %w", err)
		}
		g.current.Store(cert)
	}
	return g, tls.NewListener(ln, &tls.Config{MinVersion: tls.VersionTLS13, GetConfigForClient: g.config}), nil
}

// config is the TLS configuration of a handshake: the certificate's, once read.
func (g *grpcCert) config(*tls.ClientHelloInfo) (*tls.Config, error) {
	cert := g.current.Load()
	if cert == nil {
		return nil, errCertPending
	}
	return cert.TLSConfig(), nil
}

// started reads the certificate if it is in the secrets provider (now open) and reads it again
// every reloadInterval while a lives. A nil g does nothing.
func (g *grpcCert) started(ctx context.Context, a *App) error {
	if g == nil {
		return nil
	}
	load := a.refLoader("listen.grpcTLS", g.cfg)
	cert := g.current.Load()
	if cert == nil {
		var err error
		if cert, err = southbound.NewCertificate(ctx, load); err != nil {
			return fmt.Errorf("listen.grpcTLS: %w", err)
		}
		g.current.Store(cert)
	}
	go cert.Follow(a.lifetime, g.cfg.ReloadInterval.Std(), a.log)
	return nil
}

// refLoader reads a server certificate's references (at path) again on each load.
func (a *App) refLoader(path string, t config.ServerTLS) southbound.Loader {
	return refLoader(a.sources, path, t)
}

// refLoader reads a server certificate's references (at path) through src on each load.
func refLoader(src provider.SecretSources, path string, t config.ServerTLS) southbound.Loader {
	return func(ctx context.Context) ([]byte, []byte, error) {
		cert, key := t.Cert, t.Key // copies: each load resolves afresh
		if err := cert.Resolve(ctx, src); err != nil {
			return nil, nil, fmt.Errorf("%s.cert: %w", path, err)
		}
		if err := key.Resolve(ctx, src); err != nil {
			return nil, nil, fmt.Errorf("%s.key: %w", path, err)
		}
		return cert.Value().Bytes(), key.Value().Bytes(), nil
	}
}
