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
	// Cert and Key are the PEM client certificate and key, for brokers that ask for one. The
	// certificate is sent whenever the server asks for one, even if its issuer is not among the
	// CAs the server names, so that the server decides (and says) whether it trusts it.
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
	v.Check(t.Cert.IsZero() || !t.Key.IsZero(), "key", "is required when cert is set: a client certificate needs its private key",
		"set key to a secret reference to the PEM private key of cert, or remove cert")
	v.Check(t.Key.IsZero() || !t.Cert.IsZero(), "cert", "is required when key is set: a private key needs its client certificate",
		"set cert to a secret reference to the PEM client certificate of key, or remove key")
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
			return nil, provider.Errorf(provider.InvalidArgument, "tls.cert %s and tls.key %s are not a PEM certificate and its key: %v", t.Cert, t.Key, err)
		}
		cfg.GetClientCertificate = presentAlways(pair)
	}
	return cfg, nil
}

// presentAlways makes the client send pair whenever the server asks for a certificate. Without
// it, crypto/tls sends none when pair's issuer is not among the CAs the server names as
// acceptable, and the server then reports a missing certificate (or accepts the connection
// without one) instead of rejecting the configured one by name.
func presentAlways(pair tls.Certificate) func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	return func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
}

// IsTLSError reports whether err is a TLS failure: a failed handshake, a server certificate
// that does not verify (unknown authority, wrong name, expired), an alert from the server (e.g.
// it rejected the client certificate), a server that hung up right after the handshake (as
// nats.go reports it), or a peer that does not speak TLS. Adapters whose errors lose their
// types are matched on the message.
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
	return strings.Contains(msg, "tls: ") || strings.Contains(msg, "x509: ") || strings.Contains(msg, closedAfterHandshake)
}

// closedAfterHandshake is how nats.go reports a server that hung up right after the TLS
// handshake. In TLS 1.3 the server checks the client certificate only once the client's side of
// the handshake is done, so its alert can lose the race with the client's first write.
const closedAfterHandshake = "closed by remote after TLS handshake"

// clientCertFix is the advice for a server that rejects the client certificate.
const clientCertFix = "set tls.cert and tls.key to a certificate the server trusts (signed by its client CA, not expired)"

// TLSError returns err coded Unavailable, with a hint naming the TLS settings, when it is a
// TLS failure (IsTLSError) while connecting to addr; otherwise it returns nil.
func TLSError(addr string, err error) error {
	if !IsTLSError(err) {
		return nil
	}
	return provider.Errorf(provider.Unavailable, "TLS handshake with %s failed: %w (%s)", addr, err, tlsHint(err))
}

// tlsHint names the settings to check for a TLS failure. A certificate alert from the server
// (bad certificate, unknown certificate authority, certificate required, ...) is about the
// client certificate: the server certificate is checked here, and its failures are not remote.
func tlsHint(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "remote error: tls: ") && strings.Contains(msg, "certificate"):
		return "the server rejected the client certificate or requires one: " + clientCertFix
	case strings.Contains(msg, closedAfterHandshake):
		return "the server hung up right after the handshake, as it does when it rejects the client certificate or requires one: " + clientCertFix
	}
	return "check tls.ca, tls.serverName, and that this port serves TLS"
}
