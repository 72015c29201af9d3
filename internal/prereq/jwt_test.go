package prereq_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/doctor"
	"github.com/eim-byoi/eim/internal/prereq"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/services/process"
	"github.com/eim-byoi/eim/test/testenv"
)

// jwtSubject returns the sub claim of a JWT (not verified: the test only reads its own token).
func jwtSubject(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims struct {
		Sub string `json:"sub"`
	}
	require.NoError(t, json.Unmarshal(raw, &claims))
	require.NotEmpty(t, claims.Sub)
	return claims.Sub
}

// baoBed is a fresh set of OpenBao names (KV mount, auth mount, policy), removed at the end,
// and a token holding only the policy `eim bootstrap secrets --print-admin-policy` prints.
type baoBed struct {
	root                  *api.Client
	addr                  string
	kv, authMount, policy string
	dir                   string
}

func newBaoBed(t *testing.T) *baoBed {
	t.Helper()
	ob := testenv.OpenBao(t)
	c, err := api.NewClient(&api.Config{Address: ob.Addr})
	require.NoError(t, err)
	c.SetToken(ob.RootToken)
	b := &baoBed{root: c, addr: ob.Addr, kv: testenv.Unique(t, "kv"), authMount: testenv.Unique(t, "auth"), policy: testenv.Unique(t, "eim"), dir: t.TempDir()}
	t.Cleanup(func() {
		ctx := context.Background()
		_ = c.Sys().UnmountWithContext(ctx, b.kv)
		_ = c.Sys().DisableAuthWithContext(ctx, b.authMount)
		_ = c.Sys().DeletePolicyWithContext(ctx, b.policy)
		_ = c.Sys().DeletePolicyWithContext(ctx, b.policy+"-admin")
	})
	return b
}

// load writes eim.yaml and the admin file and returns the spec and the admin credentials, the
// Vault administrator's token holding only the bootstrap policy.
func (b *baoBed) load(t *testing.T, eimYAML, adminYAML string) (*prereq.Spec, *prereq.Admin) {
	t.Helper()
	cfgFile, adminFile := filepath.Join(b.dir, "eim.yaml"), filepath.Join(b.dir, "admin.yaml")
	require.NoError(t, os.WriteFile(cfgFile, []byte(eimYAML), 0o600))
	require.NoError(t, os.WriteFile(adminFile, []byte(adminYAML), 0o600))
	cfg, err := process.LoadConfig(cfgFile)
	require.NoError(t, err)
	spec, err := prereq.Derive(cfg, process.Built)
	require.NoError(t, err)
	t.Setenv("EIM_TEST_BAO_TOKEN", b.root.Token())
	admin, err := prereq.LoadAdmin(context.Background(), adminFile)
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, b.root.Sys().PutPolicyWithContext(ctx, b.policy+"-admin", prereq.PolicyHCL(prereq.VaultAdminPaths(spec, admin.Vault))))
	tok, err := b.root.Auth().Token().CreateOrphanWithContext(ctx, &api.TokenCreateRequest{Policies: []string{b.policy + "-admin"}, TTL: "1h", NoDefaultPolicy: true})
	require.NoError(t, err)
	t.Setenv("EIM_TEST_BAO_TOKEN", tok.Auth.ClientToken)
	admin, err = prereq.LoadAdmin(context.Background(), adminFile)
	require.NoError(t, err)
	return spec, admin
}

func bootstrapSecrets(t *testing.T, spec *prereq.Spec, admin *prereq.Admin) *prereq.Plan {
	t.Helper()
	plan, err := prereq.Bootstrap(context.Background(), spec, prereq.Options{Target: "secrets", Admin: admin})
	require.NoError(t, err)
	return plan
}

// TestBootstrapJWTAuth bootstraps OpenBao's jwt auth method against the Keycloak of make deps
// (its realm's discovery document) with a role bound to the audience and to the subject of
// EIM's client: with the client's client-credentials token in the token file, the real vault
// adapter logs in and reads a secret, and doctor's secrets checks pass; a token of another
// client of the same realm is refused. A second run plans nothing.
func TestBootstrapJWTAuth(t *testing.T) {
	kc := testenv.Keycloak(t)
	b := newBaoBed(t)
	token := kc.ClientCredentialsToken(t, kc.ClientID, kc.ClientSecret)
	tokenFile := filepath.Join(b.dir, "jwt")
	require.NoError(t, os.WriteFile(tokenFile, []byte(token), 0o600))
	eimYAML := fmt.Sprintf(`providers:
  identity:
    type: keycloak
    config: {issuer: %s, audiences: [%s], admin: {clientID: eim-probe, clientSecret: {secret: "eim/probe#v"}}}
  secrets:
    type: vault
    config:
      address: %s
      auth: {jwt: {mount: %s, role: eim, tokenFile: %s}}
      kv: {mount: %s}
`, kc.IssuerURL(), kc.Audience, b.addr, b.authMount, tokenFile, b.kv)
	adminYAML := fmt.Sprintf("vault: {token: {env: EIM_TEST_BAO_TOKEN}, policy: %s, jwt: {subject: %s}}\nsecretsDir: %s\n", b.policy, jwtSubject(t, token), b.dir)
	spec, admin := b.load(t, eimYAML, adminYAML)

	plan := bootstrapSecrets(t, spec, admin)
	var objects []string
	for _, s := range plan.Steps {
		objects = append(objects, s.Action+" "+s.Object)
	}
	assert.Subset(t, objects, []string{"create jwt auth at " + b.authMount, "create jwt config of " + b.authMount, "create jwt role eim"})
	assert.Empty(t, bootstrapSecrets(t, spec, admin).Steps, "a second run is a no-op")

	ctx := context.Background()
	_, err := b.root.KVv2(b.kv).Put(ctx, "eim/probe", map[string]any{"v": "jwt-works"})
	require.NoError(t, err)
	p, err := secrets.Open(ctx, secrets.Selection{One: &provider.Envelope{Type: "vault", Settings: spec.Vault}}, secrets.Env{})
	require.NoError(t, err, "the vault adapter logs in with the Keycloak token")
	defer p.Close()
	v, err := p.ReadSecret(ctx, "eim/probe", "v")
	require.NoError(t, err)
	assert.Equal(t, "jwt-works", string(v))

	rep := doctor.Run(ctx, spec, doctor.Options{Targets: []string{"secrets"}})
	assert.Empty(t, rep.Failed(), "%v", rep.Failed())

	other := kc.ClientCredentialsToken(t, kc.AdminClientID, kc.AdminClientSecret)
	_, err = b.root.Logical().WriteWithContext(ctx, "auth/"+b.authMount+"/login", map[string]any{"role": "eim", "jwt": other})
	require.Error(t, err, "another client's token is refused by bound_subject")
	assert.Contains(t, err.Error(), "sub")

	require.NoError(t, os.WriteFile(tokenFile, []byte(other), 0o600))
	rep = doctor.Run(ctx, spec, doctor.Options{Targets: []string{"secrets"}, Now: time.Now})
	require.Len(t, rep.Failed(), 1, "%v", rep.Findings)
	assert.Equal(t, "auth", rep.Failed()[0].Check)
	assert.Contains(t, rep.Failed()[0].Fix, "auth/"+b.authMount+"/role/eim")
}
