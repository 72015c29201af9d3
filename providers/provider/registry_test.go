package provider_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
)

type testConfig struct{ URL string }

func (c *testConfig) Validate() error { return nil }

func newTestConfig() provider.AdapterConfig { return &testConfig{URL: "default"} }

func TestRegistry(t *testing.T) {
	r := provider.NewRegistry[string]("secrets")
	r.Register("vault", provider.Registration[string]{NewConfig: newTestConfig, Adapter: "v"})
	r.Register("file", provider.Registration[string]{NewConfig: newTestConfig, Adapter: "f"})

	reg, err := r.Lookup("vault")
	require.NoError(t, err)
	assert.Equal(t, "v", reg.Adapter)
	assert.Equal(t, []string{"file", "vault"}, r.Names())
	assert.True(t, r.Has("file"))

	cfg, err := r.NewConfig("file")
	require.NoError(t, err)
	assert.Equal(t, &testConfig{URL: "default"}, cfg, "NewConfig returns the adapter's defaults")

	_, err = r.Lookup("vualt")
	require.Error(t, err)
	assert.Equal(t, provider.InvalidArgument, provider.CodeOf(err))
	assert.Contains(t, err.Error(), `unknown secrets type "vualt"; registered: file, vault`)
}

func TestRegistryEmptyNamesNone(t *testing.T) {
	r := provider.NewRegistry[int]("messaging")
	_, err := r.Lookup("nats")
	assert.ErrorContains(t, err, "no messaging adapter is built into this binary")
}

func TestRegistryPanics(t *testing.T) {
	r := provider.NewRegistry[int]("storage")
	r.Register("postgres", provider.Registration[int]{NewConfig: newTestConfig})
	tests := []struct {
		name string
		reg  func()
		want string
	}{
		{"duplicate", func() { r.Register("postgres", provider.Registration[int]{NewConfig: newTestConfig}) }, `storage: adapter "postgres" registered twice`},
		{"empty name", func() { r.Register("", provider.Registration[int]{NewConfig: newTestConfig}) }, `storage: adapter name "" is not valid`},
		{"no config", func() { r.Register("mysql", provider.Registration[int]{}) }, `storage: adapter "mysql" registered without NewConfig`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.PanicsWithValue(t, tt.want, tt.reg) })
	}
}

func TestCapabilities(t *testing.T) {
	const issuer, list provider.Capability = "ClientIssuer", "List"
	p := declarer{issuer}
	assert.NoError(t, provider.Require(p, "module onboarding", issuer))
	err := provider.Require(p, "module onboarding", issuer, list)
	assert.Equal(t, provider.FailedPrecondition, provider.CodeOf(err))
	assert.ErrorContains(t, err, "module onboarding needs capability List")
	assert.Equal(t, provider.FailedPrecondition, provider.CodeOf(provider.Require(struct{}{}, "x", list)), "a non-declarer has no capabilities")
	assert.Equal(t, provider.Unimplemented, provider.CodeOf(provider.Unsupported(list)))
	assert.Equal(t, provider.Capabilities{list}, provider.Capabilities{issuer}.Missing(list, issuer, list))
}

type declarer provider.Capabilities

func (d declarer) Capabilities() provider.Capabilities { return provider.Capabilities(d) }
