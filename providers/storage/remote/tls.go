package remote

import "github.com/eim-byoi/eim/providers/provider"

// TLSCode classifies a TLS handshake failure: an untrusted or mismatching server certificate
// is Unauthenticated (the server could not prove who it is); ok is false for other errors.
func TLSCode(err error) (provider.Code, bool) {
	if provider.IsCertificateError(err) {
		return provider.Unauthenticated, true
	}
	return 0, false
}
