package remote

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/eim-byoi/eim/providers/provider"
)

// TLSConfig returns the client TLS configuration for host, or nil with mode disable.
func (t TLS) TLSConfig(host string) (*tls.Config, error) {
	if t.Mode == TLSDisable || t.Mode == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
	if t.ServerName != "" {
		cfg.ServerName = t.ServerName
	}
	if !t.CA.IsZero() {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(t.CA.Value().Bytes()) {
			return nil, provider.Errorf(provider.InvalidArgument, "tls.ca %s holds no PEM certificate", t.CA)
		}
		cfg.RootCAs = pool
	}
	switch t.Mode {
	case TLSRequire:
		cfg.InsecureSkipVerify = true // encryption only, as libpq's sslmode=require
	case TLSVerifyCA:
		cfg.InsecureSkipVerify = true // the chain is verified below, the host name is not
		cfg.VerifyPeerCertificate = verifyChain(cfg.RootCAs)
	}
	return cfg, nil
}

// verifyChain verifies the server certificate chain against roots without checking the name.
func verifyChain(roots *x509.CertPool) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return errors.New("server sent no certificate")
		}
		certs := make([]*x509.Certificate, len(raw))
		for i, b := range raw {
			c, err := x509.ParseCertificate(b)
			if err != nil {
				return fmt.Errorf("parse server certificate: %w", err)
			}
			certs[i] = c
		}
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
		return err
	}
}

// TLSCode classifies a TLS handshake failure: an untrusted or mismatching server certificate
// is Unauthenticated (the server could not prove who it is); ok is false for other errors.
func TLSCode(err error) (provider.Code, bool) {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
	)
	if errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &verify) {
		return provider.Unauthenticated, true
	}
	return 0, false
}
