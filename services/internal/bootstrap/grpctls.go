package bootstrap

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"

	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/southbound"
)

// secureGRPC wraps the gRPC listener in TLS when listen.grpcTLS is set (the inventory of a split
// deployment, which the other modules' processes reach over the network): the certificate's
// references resolve through the secret sources and are read again every reloadInterval.
func (a *App) secureGRPC(ctx context.Context, cfg *config.Config, ln net.Listener) (net.Listener, error) {
	t := cfg.Listen.GRPCTLS
	if t.Cert.IsZero() {
		return ln, nil
	}
	cert, err := southbound.NewCertificate(ctx, a.refLoader("listen.grpcTLS", t))
	if err != nil {
		return nil, fmt.Errorf("listen.grpcTLS: %w", err)
	}
	go cert.Follow(a.lifetime, t.ReloadInterval.Std(), a.log)
	return tls.NewListener(ln, cert.TLSConfig()), nil
}

// refLoader reads a server certificate's references (at path) again on each load.
func (a *App) refLoader(path string, t config.ServerTLS) southbound.Loader {
	src := a.sources
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
