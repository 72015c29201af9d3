package messaging_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/nats"
	"github.com/eim-byoi/eim/providers/messaging/rabbitmq"
	"github.com/eim-byoi/eim/providers/messaging/redis"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/testenv"
)

// TestTLSValidateClientCert: tls.cert and tls.key are a pair; either alone is a configuration
// error naming the missing field and the fix.
func TestTLSValidateClientCert(t *testing.T) {
	file := func(p string) provider.SecretRef { return provider.SecretRef{File: p} }
	tests := []struct {
		name      string
		tls       provider.TLS
		wantField string
		wantFix   string
	}{
		{name: "neither", tls: provider.TLS{Enabled: true}},
		{name: "both", tls: provider.TLS{Cert: file("/etc/eim/client.crt"), Key: file("/etc/eim/client.key")}},
		{name: "CA only", tls: provider.TLS{CA: file("/etc/eim/ca.crt")}},
		{name: "cert without key", tls: provider.TLS{Cert: file("/etc/eim/client.crt")},
			wantField: "key", wantFix: "set key to a secret reference to the PEM private key of cert, or remove cert"},
		{name: "key without cert", tls: provider.TLS{Key: file("/etc/eim/client.key")},
			wantField: "cert", wantFix: "set cert to a secret reference to the PEM client certificate of key, or remove key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.tls.Validate()
			if tt.wantField == "" {
				require.NoError(t, err)
				return
			}
			var ve provider.ValidationError
			require.True(t, errors.As(err, &ve), "a ValidationError, got %v", err)
			require.Len(t, ve, 1, "%v", err)
			assert.Equal(t, tt.wantField, ve[0].Field)
			assert.Contains(t, ve[0].Problem, "is required when")
			assert.Equal(t, tt.wantFix, ve[0].Fix)
			assert.Equal(t, provider.InvalidArgument, provider.CodeOf(err))
		})
	}
}

// TestTLSValidateClientCertInAdapters: each broker adapter reports the half-configured pair
// under its tls block.
func TestTLSValidateClientCertInAdapters(t *testing.T) {
	cert := provider.SecretRef{File: "/etc/eim/client.crt"}
	tests := []struct {
		name string
		cfg  func() provider.AdapterConfig
	}{
		{"nats", func() provider.AdapterConfig { c := nats.NewConfig(); c.TLS.Cert = cert; return c }},
		{"rabbitmq", func() provider.AdapterConfig { c := rabbitmq.NewConfig(); c.TLS.Cert = cert; return c }},
		{"redis", func() provider.AdapterConfig { c := redis.NewConfig(); c.TLS.Cert = cert; return c }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg().Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), "tls.key: is required when cert is set")
			assert.Contains(t, err.Error(), "or remove cert")
		})
	}
}

// TestTLSConfigClientCert: a resolved pair becomes the client certificate, presented whenever
// the server asks for one; a key that is not
// the certificate's, or a value that is not PEM, is InvalidArgument naming both references and
// the reason.
func TestTLSConfigClientCert(t *testing.T) {
	files := testenv.TLS(t)
	read := func(p string) provider.SecretRef {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		return testenv.Ref(t, string(b))
	}
	clientCert, clientKey, foreignKey := read(files.ClientCertFile), read(files.ClientKeyFile), read(files.ForeignClientKeyFile)
	tests := []struct {
		name    string
		cert    provider.SecretRef
		key     provider.SecretRef
		wantErr string
	}{
		{name: "certificate and its key", cert: clientCert, key: clientKey},
		{name: "key of another certificate", cert: clientCert, key: foreignKey, wantErr: "private key does not match public key"},
		{name: "not PEM", cert: testenv.Ref(t, "not a certificate"), key: clientKey, wantErr: "failed to find any PEM data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := provider.TLS{Cert: tt.cert, Key: tt.key}.Config("localhost", provider.TLSVerifyFull)
			if tt.wantErr == "" {
				require.NoError(t, err)
				require.NotNil(t, cfg.GetClientCertificate)
				// sent even when the server names only other CAs as acceptable
				got, err := cfg.GetClientCertificate(&tls.CertificateRequestInfo{AcceptableCAs: [][]byte{[]byte("another CA")}})
				require.NoError(t, err)
				require.NotNil(t, got.Leaf)
				assert.Equal(t, testenv.ClientCN, got.Leaf.Subject.CommonName)
				return
			}
			require.Error(t, err)
			assert.Equal(t, provider.InvalidArgument, provider.CodeOf(err))
			assert.Contains(t, err.Error(), "tls.cert")
			assert.Contains(t, err.Error(), "tls.key")
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

// TestTLSErrorHint: TLSError codes TLS failures Unavailable with advice that fits the failure; a
// server that rejects the client certificate (by alert, or by hanging up right after the
// handshake) points at tls.cert and tls.key, a failure to verify the server at tls.ca.
func TestTLSErrorHint(t *testing.T) {
	const addr = "127.0.0.1:1"
	tests := []struct {
		name     string
		err      error
		wantHint string // "" for not a TLS failure
	}{
		{name: "certificate alert from the server",
			err:      &net.OpError{Op: "remote error", Err: errors.New("tls: unknown certificate authority")},
			wantHint: "the server rejected the client certificate or requires one: set tls.cert and tls.key"},
		{name: "alert as text (the type lost)", err: errors.New(`Exception (501) Reason: "remote error: tls: bad certificate"`),
			wantHint: "the server rejected the client certificate or requires one: set tls.cert and tls.key"},
		{name: "server hung up right after the handshake",
			err:      fmt.Errorf("nats: tls error: connection closed by remote after TLS handshake: %w", syscall.EPIPE),
			wantHint: "the server hung up right after the handshake, as it does when it rejects the client certificate or requires one: set tls.cert and tls.key"},
		{name: "server certificate not trusted", err: x509.UnknownAuthorityError{},
			wantHint: "check tls.ca, tls.serverName, and that this port serves TLS"},
		{name: "not a TLS failure", err: io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := messaging.TLSError(addr, tt.err)
			if tt.wantHint == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, provider.Unavailable, provider.CodeOf(err))
			assert.ErrorIs(t, err, tt.err)
			assert.Contains(t, err.Error(), "TLS handshake with "+addr+" failed: ")
			assert.Contains(t, err.Error(), tt.wantHint)
		})
	}
}
