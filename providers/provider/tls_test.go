package provider_test

import (
	"crypto/tls"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
)

func TestTLSModes(t *testing.T) {
	tests := []struct {
		name       string
		tls        provider.TLS
		def        string
		wantNil    bool
		wantSkip   bool
		wantVerify bool // a custom chain check (verify-ca)
	}{
		{name: "default disable", def: provider.TLSDisable, wantNil: true},
		{name: "default verify-full", def: provider.TLSVerifyFull},
		{name: "mode overrides the default", tls: provider.TLS{Mode: provider.TLSDisable}, def: provider.TLSVerifyFull, wantNil: true},
		{name: "require encrypts only", tls: provider.TLS{Mode: provider.TLSRequire}, def: provider.TLSDisable, wantSkip: true},
		{name: "verify-ca checks the chain, not the name", tls: provider.TLS{Mode: provider.TLSVerifyCA}, wantSkip: true, wantVerify: true},
		{name: "deprecated enabled is verify-full", tls: provider.TLS{Enabled: true}, def: provider.TLSDisable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := tt.tls.Config("db.example.com", tt.def)
			require.NoError(t, err)
			if tt.wantNil {
				assert.Nil(t, cfg)
				return
			}
			require.NotNil(t, cfg)
			assert.Equal(t, "db.example.com", cfg.ServerName)
			assert.Equal(t, uint16(tls.VersionTLS12), cfg.MinVersion)
			assert.Equal(t, tt.wantSkip, cfg.InsecureSkipVerify)
			assert.Equal(t, tt.wantVerify, cfg.VerifyPeerCertificate != nil)
		})
	}
}

func TestTLSValidate(t *testing.T) {
	tests := []struct {
		name  string
		tls   provider.TLS
		field string
	}{
		{"unknown mode", provider.TLS{Mode: "verify"}, "mode"},
		{"caFile and ca", provider.TLS{CAFile: "/a", CA: provider.SecretRef{File: "/b"}}, "caFile"},
		{"enabled and disable", provider.TLS{Enabled: true, Mode: provider.TLSDisable}, "enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ve provider.ValidationError
			require.ErrorAs(t, tt.tls.Validate(), &ve)
			assert.Equal(t, tt.field, ve[0].Field)
			assert.NotEmpty(t, ve[0].Fix)
		})
	}
	assert.NoError(t, provider.TLS{Mode: provider.TLSVerifyFull, CA: provider.SecretRef{File: "/ca.pem"}}.Validate())
}

type upgradable struct {
	Old string       `yaml:"caFile"`
	TLS provider.TLS `yaml:"tls"`
}

func (*upgradable) Validate() error { return nil }

func (u *upgradable) Upgrade() []provider.Deprecation {
	if u.Old == "" {
		return nil
	}
	u.TLS.CA, u.Old = provider.SecretRef{File: u.Old}, ""
	return []provider.Deprecation{{Path: "caFile", Use: "tls.ca: {file: ...}"}}
}

// TestUpgrade: the deprecated keys move to their replacements, each with a notice naming its
// path, and a configuration without them is left alone.
func TestUpgrade(t *testing.T) {
	cfg := &upgradable{TLS: provider.TLS{Enabled: true, CAFile: "/etc/ca.pem"}}
	got := provider.Upgrade(cfg, "providers.messaging.config")
	assert.Equal(t, []provider.Deprecation{
		{Path: "providers.messaging.config.tls.enabled", Use: "providers.messaging.config.tls.mode: verify-full"},
		{Path: "providers.messaging.config.tls.caFile", Use: "providers.messaging.config.tls.ca: {file: /etc/ca.pem}"},
	}, got)
	assert.Equal(t, provider.TLS{Mode: provider.TLSVerifyFull, CA: provider.SecretRef{File: "/etc/ca.pem"}}, cfg.TLS)

	own := &upgradable{Old: "/idp-ca.pem"}
	got = provider.Upgrade(own, "providers.identity.config")
	require.Len(t, got, 1)
	assert.Equal(t, "providers.identity.config.caFile", got[0].Path)
	assert.Equal(t, provider.SecretRef{File: "/idp-ca.pem"}, own.TLS.CA, "the adapter's own Upgrade runs first")
	assert.Equal(t, "providers.identity.config.caFile is deprecated: write providers.identity.config.tls.ca: {file: ...}", got[0].String())

	assert.Empty(t, provider.Upgrade(&upgradable{TLS: provider.TLS{Mode: provider.TLSVerifyCA}}, "x"))
}
