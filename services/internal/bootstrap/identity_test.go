package bootstrap

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/services/module"
)

func TestClientIssuerCapabilityNames(t *testing.T) {
	assert.Equal(t, module.ClientIssuer, identity.CapClientIssuer, "onboarding's need and the identity capability are the same name")
}

// TestServeEmbeddedIssuer runs the real steps with no providers block: the embedded identity
// issuer opens on the embedded secrets store and `eim serve` serves its discovery and JWKS.
func TestServeEmbeddedIssuer(t *testing.T) {
	f := newFixture()
	cfg := testConfig(t, "inventory,api")
	cfg.DataDir = t.TempDir()
	opts := f.options(cfg)
	httpLn, grpcLn := listenLoopback(t), listenLoopback(t)
	cfg.Listen.HTTP = httpLn.Addr().String()
	base := "http://" + httpLn.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, RunOptions{Config: cfg, Logger: opts.Logger, Redactor: f.redactor, HTTPListener: httpLn, GRPCListener: grpcLn,
			Kinds: kinds.All(), Graph: opts.Graph, Modules: opts.Modules})
	}()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	require.Eventually(t, func() bool { code, _ := get(t, base+"/readyz"); return code == http.StatusOK }, 30*time.Second, 50*time.Millisecond)
	code, body := get(t, base+"/oidc/.well-known/openid-configuration")
	require.Equal(t, http.StatusOK, code, body)
	var meta identity.Metadata
	require.NoError(t, json.Unmarshal([]byte(body), &meta))
	assert.Equal(t, base+"/oidc", meta.Issuer)
	assert.Equal(t, base+"/oidc/token", meta.TokenEndpoint)
	code, body = get(t, base+"/oidc/jwks")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"kty":"EC"`)
	assert.NotContains(t, body, `"d":`, "the JWKS holds public keys only")
}

type mounter struct{ pattern string }

func (m mounter) CheckHealth(context.Context) error { return nil }
func (m mounter) Close() error                      { return nil }
func (m mounter) HTTPHandler() (string, http.Handler) {
	return m.pattern, http.NotFoundHandler()
}

func TestMountHandlers(t *testing.T) {
	tests := []struct {
		name    string
		opened  []namedProvider
		wantErr string
	}{
		{"none", []namedProvider{{kind: "storage", p: &testProvider{}}}, ""},
		{"one", []namedProvider{{kind: "identity", p: mounter{"/oidc/"}}}, ""},
		{"conflict with /healthz", []namedProvider{{kind: "identity", p: mounter{"GET /healthz"}}}, `mount the identity provider's endpoints at "GET /healthz"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("GET /healthz", func(http.ResponseWriter, *http.Request) {})
			err := mountHandlers(mux, nil, tt.opened)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
	assert.NoError(t, mountHandlers(nil, nil, []namedProvider{{kind: "identity", p: mounter{"/oidc/"}}}), "no mux: nothing to mount")
}
