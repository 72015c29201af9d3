package messaging

import (
	"strings"

	"github.com/eim-byoi/eim/providers/provider"
)

// TLSDefault is the TLS mode a broker adapter uses when tls.mode is not set: verify-full when
// the URL's scheme asks for TLS (tls://, amqps://, rediss://), disable otherwise.
func TLSDefault(schemeTLS bool) string {
	if schemeTLS {
		return provider.TLSVerifyFull
	}
	return provider.TLSDisable
}

// clientCertFix is the advice for a server that rejects the client certificate.
const clientCertFix = "set tls.cert and tls.key to a certificate the server trusts (signed by its client CA, not expired)"

// TLSError returns err coded Unavailable, with a hint naming the TLS settings, when it is a
// TLS failure (provider.IsTLSError) while connecting to addr; otherwise it returns nil.
func TLSError(addr string, err error) error {
	if !provider.IsTLSError(err) {
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
	case strings.Contains(msg, provider.TLSClosedAfterHandshake):
		return "the server hung up right after the handshake, as it does when it rejects the client certificate or requires one: " + clientCertFix
	}
	return "check tls.ca, tls.serverName, and that this port serves TLS"
}
