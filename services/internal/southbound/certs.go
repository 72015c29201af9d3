package southbound

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Loader reads the current PEM certificate chain and private key.
type Loader func(ctx context.Context) (certPEM, keyPEM []byte, err error)

// Certificate is a server certificate that can be replaced while the server runs: new
// connections are handshaken with the latest one loaded; open connections keep theirs.
type Certificate struct {
	load    Loader
	current atomic.Pointer[tls.Certificate]
}

// NewCertificate loads the certificate once through load; the first load must succeed.
func NewCertificate(ctx context.Context, load Loader) (*Certificate, error) {
	c := &Certificate{load: load}
	if err := c.Reload(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload reads the certificate again and serves it from the next handshake on. A certificate
// that does not parse, does not match its key or has expired is refused and the previous one
// kept.
func (c *Certificate) Reload(ctx context.Context) error {
	certPEM, keyPEM, err := c.load(ctx)
	if err != nil {
		return err
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return provider.WithCode(provider.InvalidArgument, fmt.Errorf("southbound certificate and key: %w", err))
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return provider.WithCode(provider.InvalidArgument, fmt.Errorf("southbound certificate: %w", err))
	}
	if time.Now().After(leaf.NotAfter) {
		return provider.Errorf(provider.FailedPrecondition, "southbound certificate expired at %s: renew it", leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	pair.Leaf = leaf
	c.current.Store(&pair)
	return nil
}

// Leaf returns the certificate currently served.
func (c *Certificate) Leaf() *x509.Certificate { return c.current.Load().Leaf }

// Follow reloads the certificate every interval until ctx is done, logging a failed reload
// (the previous certificate stays in use) and each change of certificate.
func (c *Certificate) Follow(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		before := c.Leaf()
		if err := c.Reload(ctx); err != nil {
			log.Warn("southbound certificate reload failed; the previous certificate stays in use", "error", err)
			continue
		}
		if after := c.Leaf(); !after.Equal(before) {
			log.Info("southbound certificate reloaded", "subject", after.Subject.String(), "notAfter", after.NotAfter)
		}
	}
}

// TLSConfig is the listener's TLS configuration: TLS 1.3 only, h2 by ALPN, the current
// certificate, no client certificate asked (the agents authenticate with their tokens).
func (c *Certificate) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		NextProtos: []string{"h2"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return c.current.Load(), nil
		},
	}
}
