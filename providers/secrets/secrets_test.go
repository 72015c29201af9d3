package secrets_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	_ "github.com/eim-byoi/eim/providers/secrets/file" // the tests open registered adapters
	_ "github.com/eim-byoi/eim/providers/secrets/kms"
	_ "github.com/eim-byoi/eim/providers/secrets/local"
	_ "github.com/eim-byoi/eim/providers/secrets/vault"
)

func TestValidateName(t *testing.T) {
	for name, ok := range map[string]bool{
		"db/app": true, "a": true, "eim/keycloak/client": true,
		"": false, "/a": false, "a/": false, "a//b": false, "a/../b": false, "./a": false, "a#b": false, "a\x00b": false, "a\nb": false,
	} {
		assert.Equal(t, ok, secrets.ValidateName(name) == nil, "name %q", name)
	}
	for key, ok := range map[string]bool{"password": true, "tls.crt": true, "": false, ".hidden": false, "a/b": false, "a#b": false} {
		assert.Equal(t, ok, secrets.ValidateKey(key) == nil, "key %q", key)
	}
}

func TestOpenUnknownType(t *testing.T) {
	_, err := secrets.Open(context.Background(), secrets.Selection{One: &provider.Envelope{Type: "nope"}}, secrets.Env{})
	assert.Equal(t, provider.InvalidArgument, provider.CodeOf(err))
	assert.ErrorContains(t, err, `unknown secrets type "nope"; registered: file, kms, local, vault`)
}

func TestOpenValidates(t *testing.T) {
	_, err := secrets.Open(context.Background(), secrets.Selection{One: &provider.Envelope{Type: "vault"}}, secrets.Env{})
	assert.Equal(t, provider.InvalidArgument, provider.CodeOf(err), "the defaults lack an address")
	assert.ErrorContains(t, err, "secrets/vault: open: invalid argument: address: is required")
}

func TestNoStoreNoKeeper(t *testing.T) {
	p := secrets.New(nil, nil)
	require.NoError(t, p.Close())
	_, err := p.Store().Get(context.Background(), "a")
	assert.Equal(t, provider.FailedPrecondition, provider.CodeOf(err))
	_, err = p.Keeper().Encrypt(context.Background(), []byte("x"))
	assert.Equal(t, provider.Unimplemented, provider.CodeOf(err))
	assert.Empty(t, p.Capabilities())
}

func TestSecretValue(t *testing.T) {
	s := &secrets.Secret{Data: map[string][]byte{"k": []byte("v")}}
	v, err := s.Value("k")
	require.NoError(t, err)
	assert.Equal(t, "v", string(v))
	_, err = s.Value("other")
	assert.Equal(t, provider.NotFound, provider.CodeOf(err))
	assert.Equal(t, []string{"k"}, s.Keys())
	assert.True(t, secrets.Lease{}.IsZero())
}
