package vault_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets/vault"
	"github.com/eim-byoi/eim/test/testenv"
)

const jwtIssuer = "https://issuer.eim.test"

// jwtMount enables OpenBao's jwt auth method at a unique path, trusting key, with a role that
// grants the bed's policy, and returns the mount and the role.
func (b *bed) jwtMount(key *ecdsa.PrivateKey) (mount, role string) {
	mount = testenv.Unique(b.t, "jwt")
	require.NoError(b.t, b.root.Sys().EnableAuthWithOptions(mount, &api.EnableAuthOptions{Type: "jwt"}))
	b.t.Cleanup(func() { _ = b.root.Sys().DisableAuth(mount) })
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(b.t, err)
	pub := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	b.write("auth/"+mount+"/config", map[string]any{"jwt_validation_pubkeys": []string{pub}, "bound_issuer": jwtIssuer})
	role = "eim"
	b.write("auth/"+mount+"/role/"+role, map[string]any{"role_type": "jwt", "user_claim": "sub", "bound_audiences": []string{"eim"},
		"token_policies": []string{b.policy}, "token_ttl": "1h"})
	return mount, role
}

// signJWT returns an ES256 JWT for sub with audience eim, valid for an hour.
func signJWT(t testing.TB, key *ecdsa.PrivateKey, sub string) string {
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT"})
	now := time.Now()
	claims, _ := json.Marshal(map[string]any{"iss": jwtIssuer, "sub": sub, "aud": "eim", "iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()})
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	require.NoError(t, err)
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signing + "." + enc.EncodeToString(sig)
}

func writeFile(t testing.TB, dir, name, content string) string {
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// putGet checks that p can write and read under the bed's prefix.
func (b *bed) putGet(p interface {
	ReadSecret(context.Context, string, string) ([]byte, error)
}) {
	b.t.Helper()
	name := b.prefix + "auth-check"
	_, err := b.root.KVv2("secret").Put(context.Background(), name, map[string]any{"k": "v"})
	require.NoError(b.t, err)
	v, err := p.ReadSecret(context.Background(), name, "k")
	require.NoError(b.t, err)
	assert.Equal(b.t, "v", string(v))
}

// TestJWTAuth logs in with OpenBao's real jwt auth method, which verifies the ES256 signature,
// issuer and audience; a JWT signed by another key is refused as Unauthenticated.
func TestJWTAuth(t *testing.T) {
	b := newBed(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	mount, role := b.jwtMount(key)
	dir := t.TempDir()
	cfg := b.config(b.bao.Addr)
	cfg.Auth = vault.Auth{JWT: &vault.JWT{Mount: mount, Role: role, TokenFile: writeFile(t, dir, "jwt", signJWT(t, key, "eim-workload"))}}
	p := b.open(cfg)
	require.NoError(t, p.CheckHealth(context.Background()))
	b.putGet(p)

	forged, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	bad := b.config(b.bao.Addr)
	bad.Auth = vault.Auth{JWT: &vault.JWT{Mount: mount, Role: role, TokenFile: writeFile(t, dir, "forged", signJWT(t, forged, "eim-workload"))}}
	err = b.open(bad).CheckHealth(context.Background())
	assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err), "a forged JWT: %v", err)
}

// TestKubernetesAuth exercises the kubernetes method's client (the service account token file
// is read at every login and posted with the role to auth/<mount>/login). The server side here
// is OpenBao's jwt method mounted in the kubernetes method's place, verifying the token's
// signature: the test bed has no Kubernetes API server for the kubernetes method's TokenReview
// call, so that server-side check is not exercised (docs/providers/secrets.md says so).
func TestKubernetesAuth(t *testing.T) {
	b := newBed(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	mount, role := b.jwtMount(key)
	saFile := writeFile(t, t.TempDir(), "token", signJWT(t, key, "system:serviceaccount:eim:eim"))
	cfg := b.config(b.bao.Addr)
	cfg.Auth = vault.Auth{Kubernetes: &vault.Kubernetes{Mount: mount, Role: role, TokenFile: saFile}}
	p := b.open(cfg)
	b.putGet(p)

	// The kubelet rotates the projected token: the next login reads the new file.
	require.NoError(t, os.WriteFile(saFile, []byte(signJWT(t, key, "system:serviceaccount:eim:eim")), 0o600))
	require.NoError(t, b.root.Auth().Token().RevokeTreeWithContext(context.Background(), tokenOf(t, p)))
	b.putGet(p)
}

// TestTokenFile re-reads the token file when the token in use stops working.
func TestTokenFile(t *testing.T) {
	b := newBed(t)
	file := writeFile(t, t.TempDir(), "token", b.token(time.Hour)+"\n")
	cfg := b.config(b.bao.Addr)
	cfg.Auth = vault.Auth{TokenFile: file}
	p := b.open(cfg)
	b.putGet(p)
	old := tokenOf(t, p)
	require.NoError(t, os.WriteFile(file, []byte(b.token(time.Hour)), 0o600)) // Vault Agent writes a new token
	require.NoError(t, b.root.Auth().Token().RevokeTreeWithContext(context.Background(), old))
	b.putGet(p)
	assert.NotEqual(t, old, tokenOf(t, p), "the new token from the file is in use")
	assert.Contains(t, b.logs.String(), "logging in again")
}

// TestStaticTokenRevoked: a static token cannot log in again; the error says what to do.
func TestStaticTokenRevoked(t *testing.T) {
	b := newBed(t)
	tok := b.token(time.Hour)
	p := b.open(b.withToken(b.config(b.bao.Addr), tok))
	b.putGet(p)
	require.NoError(t, b.root.Auth().Token().RevokeTreeWithContext(context.Background(), tok))
	_, err := p.Store().Get(context.Background(), b.prefix+"auth-check")
	assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err))
	assert.ErrorContains(t, err, "auth.token cannot log in again: use tokenFile, appRole, kubernetes or jwt")
	assert.NotContains(t, err.Error(), tok, "the token is never in an error")
	assert.NotContains(t, b.logs.String(), tok, "nor in the logs")
}

// TestCloseRevokesLoginToken: a token obtained by logging in is revoked on Close; a static one
// is left alone.
func TestCloseRevokesLoginToken(t *testing.T) {
	b := newBed(t)
	p := b.open(b.appRole(b.config(b.bao.Addr)))
	b.putGet(p)
	tok := tokenOf(t, p)
	require.NoError(t, p.Close())
	require.NoError(t, p.Close(), "Close is idempotent")
	_, err := b.root.Auth().Token().Lookup(tok)
	assert.Error(t, err, "the AppRole token is revoked")

	static := b.token(time.Hour)
	sp := b.open(b.withToken(b.config(b.bao.Addr), static))
	b.putGet(sp)
	require.NoError(t, sp.Close())
	_, err = b.root.Auth().Token().Lookup(static)
	assert.NoError(t, err, "an operator's token is not revoked")
}

// TestBadAppRole: wrong credentials are Unauthenticated at health time, naming the method.
func TestBadAppRole(t *testing.T) {
	b := newBed(t)
	cfg := b.config(b.bao.Addr)
	cfg.Auth = vault.Auth{AppRole: &vault.AppRole{RoleID: b.roleID, SecretID: resolved(t, "planted-wrong-secret-id")}}
	err := b.open(cfg).CheckHealth(context.Background())
	assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err), "%v", err)
	assert.True(t, strings.HasPrefix(err.Error(), "secrets/vault: health: unauthenticated"), err.Error())
	assert.NotContains(t, err.Error(), "planted-wrong-secret-id")
}

func TestValidate(t *testing.T) {
	cfg := vault.NewConfig()
	err := cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "address: is required")
	assert.Contains(t, err.Error(), "auth: must set exactly one of token, tokenFile, appRole, kubernetes and jwt")
	cfg.Address = "vault.example.com"
	cfg.Auth.TokenFile = "/t"
	cfg.DynamicPrefixes = []string{"/database"}
	err = cfg.Validate()
	assert.Contains(t, err.Error(), "address: is not an http(s) URL")
	assert.Contains(t, err.Error(), "dynamicPrefixes[0]: must be a path ending in /")
}
