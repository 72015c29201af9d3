package testenv_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/testenv"
)

// TestPrivateOpenBao: the private OpenBao keeps a KV secret across a restart (file storage) and
// is unsealed again by Start.
func TestPrivateOpenBao(t *testing.T) {
	bao := testenv.PrivateOpenBao(t)
	ctx := context.Background()
	_, err := bao.Root(t).KVv2("secret").Put(ctx, "kept", map[string]any{"v": "1"})
	require.NoError(t, err)
	bao.Stop(t)
	bao.Start(t)
	s, err := bao.Root(t).KVv2("secret").Get(ctx, "kept")
	require.NoError(t, err)
	assert.Equal(t, "1", s.Data["v"])
}

// TestPrivateKeycloak: the private Keycloak issues tokens of the test realm, and a realm role
// created through its admin API is still there after a restart (dev-file database).
func TestPrivateKeycloak(t *testing.T) {
	kc := testenv.PrivateKeycloak(t)
	require.NotEmpty(t, kc.Server.ClientCredentialsToken(t, kc.Server.ClientID, kc.Server.ClientSecret))
	role := testenv.Unique(t, "kept")
	kc.Server.Admin(t, http.MethodPost, "/roles", map[string]any{"name": role})
	kc.Stop(t)
	kc.Start(t)
	kc.Server.Admin(t, http.MethodGet, "/roles/"+role, nil, http.StatusOK)
	require.NotEmpty(t, kc.Server.ClientCredentialsToken(t, kc.Server.ClientID, kc.Server.ClientSecret))
}
