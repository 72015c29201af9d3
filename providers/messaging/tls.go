package messaging

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"

	"github.com/eim-byoi/eim/providers/provider"
)

// TLS is the client TLS configuration the broker adapters share. The server certificate is
// always verified (against CA, or the system roots when CA is not set) and its name checked.
type TLS struct {
	// Enabled turns TLS on. A URL with a TLS scheme (tls://, amqps://, rediss://) enables it
	// too.
	Enabled bool `yaml:"enabled"`
	// CA is the PEM bundle of the certificate authorities to trust; the system roots when unset.
	CA provider.SecretRef `yaml:"ca,omitempty"`
	// Cert and Key are the PEM client certificate and key, for brokers that require one.
	Cert provider.SecretRef `yaml:"cert,omitempty"`
	Key  provider.SecretRef `yaml:"key,omitempty"`
	// ServerName is the name the server certificate must carry; the host dialed when empty.
	ServerName string `yaml:"serverName,omitempty"`
}

// Validate checks the references without I/O.
func (t TLS) Validate() error {
	var v provider.Validation
	for _, r := range []struct {
		name string
		ref  provider.SecretRef
	}{{"ca", t.CA}, {"cert", t.Cert}, {"key", t.Key}} {
		if !r.ref.IsZero() {
			v.Nest(r.name, r.ref.Validate())
		}
	}
	v.Check(t.Cert.IsZero() == t.Key.IsZero(), "cert", "cert and key must be set together", "set both cert and key, or neither")
	return v.Err()
}

// Config returns the client configuration for host, or nil when TLS is off and force is
// false. References must have been resolved.
func (t TLS) Config(host string, force bool) (*tls.Config, error) {
	if !t.Enabled && !force {
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
	if !t.Cert.IsZero() {
		pair, err := tls.X509KeyPair(t.Cert.Value().Bytes(), t.Key.Value().Bytes())
		if err != nil {
			return nil, provider.Errorf(provider.InvalidArgument, "tls.cert %s and tls.key %s are not a PEM certificate and its key", t.Cert, t.Key)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// IsTLSError reports whether err is a TLS failure: a failed handshake, a server certificate
// that does not verify (unknown authority, wrong name, expired), or a peer that does not
// speak TLS. Adapters whose errors lose their types are matched on the message.
func IsTLSError(err error) bool {
	if err == nil {
		return false
	}
	var (
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		alert    tls.AlertError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	if errors.As(err, &verify) || errors.As(err, &record) || errors.As(err, &alert) ||
		errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "tls: ") || strings.Contains(msg, "x509: ")
}

// TLSError returns err coded Unavailable, with a hint naming the TLS settings, when it is a
// TLS failure (IsTLSError) while connecting to addr; otherwise it returns nil.
func TLSError(addr string, err error) error {
	if !IsTLSError(err) {
		return nil
	}
	return provider.Errorf(provider.Unavailable,
		"TLS handshake with %s failed: %w (check tls.ca, tls.serverName, and that this port serves TLS)", addr, err)
}
