package provider_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
)

type testConfig struct{ URL string }

func (c *testConfig) Validate() error { return nil }

func newTestConfig() *testConfig { return &testConfig{URL: "default"} }

// openAs returns an adapter that opens to name, for registry tests.
func openAs(name string) func(context.Context, *testConfig, struct{}) (string, error) {
	return func(context.Context, *testConfig, struct{}) (string, error) { return name, nil }
}

type registry = provider.Registry[struct{}, string]

func newRegistry(kind string) *registry { return provider.NewRegistry[struct{}, string](kind) }

func TestRegistry(t *testing.T) {
	r := newRegistry("secrets")
	provider.Register(r, "vault", newTestConfig, openAs("v"))
	provider.Register(r, "file", newTestConfig, openAs("f"))

	reg, err := r.Lookup("vault")
	require.NoError(t, err)
	got, err := reg.Open(context.Background(), newTestConfig(), struct{}{})
	require.NoError(t, err)
	assert.Equal(t, "v", got)
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
	r := newRegistry("messaging")
	_, err := r.Lookup("nats")
	assert.ErrorContains(t, err, "no messaging adapter is built into this binary")
}

func TestRegistryPanics(t *testing.T) {
	r := newRegistry("storage")
	provider.Register(r, "postgres", newTestConfig, openAs("p"))
	tests := []struct {
		name string
		reg  func()
		want string
	}{
		{"duplicate", func() { provider.Register(r, "postgres", newTestConfig, openAs("p")) }, `storage: adapter "postgres" registered twice`},
		{"empty name", func() { provider.Register(r, "", newTestConfig, openAs("p")) }, `storage: adapter name "" is not valid`},
		{"no config", func() { provider.Register[*testConfig](r, "mysql", nil, openAs("m")) }, `storage: adapter "mysql" registered without NewConfig`},
		{"no open", func() { provider.Register[*testConfig, struct{}, string](r, "sqlite", newTestConfig, nil) }, `storage: adapter "sqlite" registered without Open`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.PanicsWithValue(t, tt.want, tt.reg) })
	}
}

type otherConfig struct{}

func (*otherConfig) Validate() error { return nil }

type badConfig struct{}

func (*badConfig) Validate() error {
	var v provider.Validation
	v.Required("url", "", "set it")
	return v.Err()
}

func TestRegistryOpen(t *testing.T) {
	r := newRegistry("storage")
	provider.Register(r, "postgres", newTestConfig, func(_ context.Context, c *testConfig, _ struct{}) (string, error) {
		if c.URL == "down" {
			return "", provider.Errorf(provider.Unavailable, "connection refused")
		}
		return c.URL, nil
	})
	ctx := context.Background()

	got, err := r.Open(ctx, "postgres", nil, struct{}{})
	require.NoError(t, err)
	assert.Equal(t, "default", got, "a nil configuration opens with the adapter's defaults")

	_, err = r.Open(ctx, "postgres", &testConfig{URL: "down"}, struct{}{})
	assert.Equal(t, provider.Unavailable, provider.CodeOf(err))
	assert.EqualError(t, err, "storage/postgres: open: unavailable: connection refused", "wrapped once, code kept")

	_, err = r.Open(ctx, "postgres", &badConfig{}, struct{}{})
	assert.Equal(t, provider.InvalidArgument, provider.CodeOf(err), "validation runs before the adapter")

	_, err = r.Open(ctx, "postgres", &otherConfig{}, struct{}{})
	assert.Equal(t, provider.Internal, provider.CodeOf(err), "a configuration of another adapter is a programming error")
	assert.ErrorContains(t, err, "storage adapter postgres: configuration of type *provider_test.otherConfig, want *provider_test.testConfig")

	_, err = r.Open(ctx, "mysql", nil, struct{}{})
	assert.Equal(t, provider.InvalidArgument, provider.CodeOf(err))
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
