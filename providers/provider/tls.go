package provider

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// TLS modes, weakest first (the names of libpq's sslmode).
const (
	TLSDisable    = "disable"     // plain TCP
	TLSRequire    = "require"     // encrypted, the server is not verified
	TLSVerifyCA   = "verify-ca"   // the server's chain is verified against the CA bundle, not its name
	TLSVerifyFull = "verify-full" // chain and name verified
)

// TLSModes lists the modes, weakest first.
var TLSModes = []string{TLSDisable, TLSRequire, TLSVerifyCA, TLSVerifyFull}

// TLS is the one client TLS configuration every adapter uses (databases, brokers, Vault, identity
// providers): a mode, the CAs to trust, an optional client certificate and the name the server
// must carry. Every file is a SecretRef, resolved before the adapter opens, so no adapter reads
// a certificate path itself.
type TLS struct {
	// Mode is disable (plain TCP), require (encrypted, the server not verified), verify-ca (the
	// chain verified, not the name) or verify-full (chain and name). Empty takes the adapter's
	// default: verify-full for databases, Vault and https:// issuers; for brokers verify-full
	// when the URL's scheme asks for TLS (tls://, amqps://) and disable otherwise.
	Mode string `yaml:"mode,omitempty" jsonschema:"enum=disable,enum=require,enum=verify-ca,enum=verify-full"`
	// CA is the PEM bundle of the certificate authorities to trust; the system roots when unset.
	CA SecretRef `yaml:"ca,omitempty"`
	// Cert is the PEM client certificate, for servers that ask for one; it goes with key. It is
	// sent whenever the server asks, even when its issuer is not among the CAs the server
	// names, so that the server decides (and says) whether it trusts it.
	Cert SecretRef `yaml:"cert,omitempty"`
	// Key is the PEM private key of cert.
	Key SecretRef `yaml:"key,omitempty"`
	// ServerName is the name the server certificate must carry; the host dialed when empty.
	ServerName string `yaml:"serverName,omitempty"`
	// Enabled is the brokers' former switch: true means mode verify-full. Deprecated: set mode;
	// eim.yaml loading moves it there with a notice.
	Enabled bool `yaml:"enabled,omitempty"`
	// CAFile is the vault adapter's former CA bundle path. Deprecated: set ca to {file: PATH};
	// eim.yaml loading moves it there with a notice.
	CAFile string `yaml:"caFile,omitempty"`
}

// ModeOr returns the configured mode, or def when none is set (Enabled counts as verify-full).
func (t TLS) ModeOr(def string) string {
	switch {
	case t.Mode != "":
		return t.Mode
	case t.Enabled:
		return TLSVerifyFull
	}
	return def
}

// Validate checks the mode and the references without I/O.
func (t TLS) Validate() error {
	var v Validation
	v.Check(t.Mode == "" || slices.Contains(TLSModes, t.Mode), "mode", fmt.Sprintf("%q is not a TLS mode", t.Mode),
		"use one of: "+strings.Join(TLSModes, ", "))
	for _, r := range []struct {
		name string
		ref  SecretRef
	}{{"ca", t.CA}, {"cert", t.Cert}, {"key", t.Key}} {
		if !r.ref.IsZero() {
			v.Nest(r.name, r.ref.Validate())
		}
	}
	v.Check(t.Cert.IsZero() || !t.Key.IsZero(), "key", "is required when cert is set: a client certificate needs its private key",
		"set key to a secret reference to the PEM private key of cert, or remove cert")
	v.Check(t.Key.IsZero() || !t.Cert.IsZero(), "cert", "is required when key is set: a private key needs its client certificate",
		"set cert to a secret reference to the PEM client certificate of key, or remove key")
	v.Check(t.CAFile == "" || t.CA.IsZero(), "caFile", "is set together with ca", "keep only ca: {file: PATH}")
	v.Check(!t.Enabled || t.Mode != TLSDisable, "enabled", "is true while mode is disable", "remove enabled and keep mode")
	return v.Err()
}

// Upgrade moves the deprecated keys to their replacements (Enabled to Mode, CAFile to CA) and
// returns one notice per key moved, each naming its path under prefix.
func (t *TLS) Upgrade(prefix string) []Deprecation {
	var out []Deprecation
	if t.Enabled {
		if t.Mode == "" {
			t.Mode = TLSVerifyFull
		}
		t.Enabled = false
		out = append(out, Deprecation{Path: JoinPath(prefix, "enabled"), Use: JoinPath(prefix, "mode") + ": " + TLSVerifyFull})
	}
	if t.CAFile != "" && t.CA.IsZero() {
		t.CA = SecretRef{File: t.CAFile}
		out = append(out, Deprecation{Path: JoinPath(prefix, "caFile"), Use: JoinPath(prefix, "ca") + ": {file: " + t.CAFile + "}"})
		t.CAFile = ""
	}
	return out
}

// Config returns the client configuration for host under the mode (def when none is set), or
// nil for disable. References must have been resolved.
func (t TLS) Config(host, def string) (*tls.Config, error) {
	mode := t.ModeOr(def)
	if mode == TLSDisable || mode == "" {
		return nil, nil
	}
	if t.CAFile != "" {
		return nil, Errorf(InvalidArgument, "tls.caFile %s was not converted: set tls.ca to {file: %s}", t.CAFile, t.CAFile)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
	if t.ServerName != "" {
		cfg.ServerName = t.ServerName
	}
	if !t.CA.IsZero() {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(t.CA.Value().Bytes()) {
			return nil, Errorf(InvalidArgument, "tls.ca %s holds no PEM certificate", t.CA)
		}
		cfg.RootCAs = pool
	}
	if !t.Cert.IsZero() {
		pair, err := tls.X509KeyPair(t.Cert.Value().Bytes(), t.Key.Value().Bytes())
		if err != nil {
			return nil, Errorf(InvalidArgument, "tls.cert %s and tls.key %s are not a PEM certificate and its key: %v", t.Cert, t.Key, err)
		}
		cfg.GetClientCertificate = presentAlways(pair)
	}
	switch mode {
	case TLSRequire:
		cfg.InsecureSkipVerify = true // encryption only, as libpq's sslmode=require
	case TLSVerifyCA:
		cfg.InsecureSkipVerify = true // the chain is verified below, the host name is not
		cfg.VerifyPeerCertificate = verifyChain(cfg.RootCAs)
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

// IsCertificateError reports whether err is a server certificate that did not verify: an
// unknown authority, a name that does not match, an expired or otherwise invalid certificate.
func IsCertificateError(err error) bool {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
	)
	return errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &verify)
}

// IsTLSError reports whether err is a TLS failure: a server certificate that does not verify, a
// failed handshake, an alert from the server (e.g. it rejected the client certificate), a
// server that hung up right after the handshake (as nats.go reports it), or a peer that does
// not speak TLS. Clients whose errors lose their types are matched on the message.
func IsTLSError(err error) bool {
	if err == nil {
		return false
	}
	var (
		record tls.RecordHeaderError
		alert  tls.AlertError
	)
	if IsCertificateError(err) || errors.As(err, &record) || errors.As(err, &alert) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "tls: ") || strings.Contains(msg, "x509: ") || strings.Contains(msg, TLSClosedAfterHandshake)
}

// TLSClosedAfterHandshake is how nats.go reports a server that hung up right after the TLS
// handshake. In TLS 1.3 the server checks the client certificate only once the client's side
// of the handshake is done, so its alert can lose the race with the client's first write.
const TLSClosedAfterHandshake = "closed by remote after TLS handshake"

// Deprecation is a configuration key that still works but has a replacement: Path is where it
// was found, Use what to write instead.
type Deprecation struct {
	Path string
	Use  string
}

// String formats the notice.
func (d Deprecation) String() string {
	return d.Path + " is deprecated: write " + d.Use
}

// Upgrader is implemented by adapter configurations that accept deprecated keys: Upgrade moves
// their values to the current keys (configuration loading calls it before Validate) and
// returns one notice per key moved.
type Upgrader interface {
	Upgrade() []Deprecation
}
