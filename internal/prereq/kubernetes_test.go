package prereq_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/doctor"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/test/testenv"
)

// kubeCall sends a request to the API server of make deps as its administrator and decodes
// the answer into out.
func kubeCall(t *testing.T, k *testenv.KubeServer, method, path string, body, out any, want ...int) {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	if body == nil {
		raw = nil
	}
	req, err := http.NewRequest(method, k.URL+path, bytes.NewReader(raw))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+k.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := k.Client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	if len(want) == 0 {
		want = []int{http.StatusOK, http.StatusCreated}
	}
	var msg json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&msg)
	require.Contains(t, want, resp.StatusCode, "%s %s: %s", method, path, msg)
	if out != nil {
		require.NoError(t, json.Unmarshal(msg, out))
	}
}

// saToken issues a token of service account sa in ns through the TokenRequest API (what a
// projected service-account volume holds).
func saToken(t *testing.T, k *testenv.KubeServer, ns, sa string) string {
	t.Helper()
	var tr struct {
		Status struct {
			Token string `json:"token"`
		} `json:"status"`
	}
	kubeCall(t, k, http.MethodPost, "/api/v1/namespaces/"+ns+"/serviceaccounts/"+sa+"/token",
		map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": map[string]any{"expirationSeconds": 3600}}, &tr)
	require.NotEmpty(t, tr.Status.Token)
	return tr.Status.Token
}

// TestBootstrapKubernetesAuth configures OpenBao's kubernetes auth method against the
// kube-apiserver of make deps: a token reviewer service account bound to system:auth-delegator
// (its token from the TokenRequest API), the API server's CA, and EIM's role bound to its
// service account and namespace. With a TokenRequest token of that service account in the
// token file, the real vault adapter logs in and reads a secret and doctor's secrets checks pass;
// another service account's token is refused. A second run plans nothing.
func TestBootstrapKubernetesAuth(t *testing.T) {
	k := testenv.Kube(t)
	b := newBaoBed(t)
	ns, crb := strings.ToLower(testenv.Unique(t, "eimns")), testenv.Unique(t, "vault-reviewer")
	kubeCall(t, k, http.MethodPost, "/api/v1/namespaces", map[string]any{"metadata": map[string]any{"name": ns}}, nil)
	t.Cleanup(func() {
		kubeCall(t, k, http.MethodDelete, "/api/v1/namespaces/"+ns, nil, nil, http.StatusOK, http.StatusAccepted, http.StatusNotFound)
		kubeCall(t, k, http.MethodDelete, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/"+crb, nil, nil, http.StatusOK, http.StatusNotFound)
	})
	for _, sa := range []string{"vault-reviewer", "eim", "other"} {
		kubeCall(t, k, http.MethodPost, "/api/v1/namespaces/"+ns+"/serviceaccounts", map[string]any{"metadata": map[string]any{"name": sa}}, nil)
	}
	kubeCall(t, k, http.MethodPost, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", map[string]any{
		"metadata": map[string]any{"name": crb},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:auth-delegator"},
		"subjects": []any{map[string]any{"kind": "ServiceAccount", "name": "vault-reviewer", "namespace": ns}},
	}, nil)
	reviewer, tokenFile := filepath.Join(b.dir, "reviewer"), filepath.Join(b.dir, "token")
	require.NoError(t, os.WriteFile(reviewer, []byte(saToken(t, k, ns, "vault-reviewer")), 0o600))
	require.NoError(t, os.WriteFile(tokenFile, []byte(saToken(t, k, ns, "eim")), 0o600))

	eimYAML := fmt.Sprintf(`providers:
  identity:
    type: keycloak
    config: {issuer: http://127.0.0.1:1/realms/unused, audiences: [eim], admin: {clientID: eim-probe, clientSecret: {secret: "eim/probe#v"}}}
  secrets:
    type: vault
    config:
      address: %s
      auth: {kubernetes: {mount: %s, role: eim, tokenFile: %s}}
      kv: {mount: %s}
`, b.addr, b.authMount, tokenFile, b.kv)
	adminYAML := fmt.Sprintf(`vault:
  token: {env: EIM_TEST_BAO_TOKEN}
  policy: %s
  serviceAccount: eim
  namespace: %s
  kubernetes: {host: %s, ca: %s, tokenReviewerJWT: {file: %s}}
secretsDir: %s
`, b.policy, ns, k.URL, k.CAFile, reviewer, b.dir)
	spec, admin := b.load(t, eimYAML, adminYAML)

	plan := bootstrapSecrets(t, spec, admin)
	var objects []string
	for _, s := range plan.Steps {
		objects = append(objects, s.Action+" "+s.Object)
	}
	assert.Subset(t, objects, []string{"create kubernetes auth at " + b.authMount, "create kubernetes config of " + b.authMount, "create kubernetes role eim"})
	assert.Empty(t, bootstrapSecrets(t, spec, admin).Steps, "a second run is a no-op")

	ctx := context.Background()
	_, err := b.root.KVv2(b.kv).Put(ctx, "eim/probe", map[string]any{"v": "kubernetes-works"})
	require.NoError(t, err)
	p, err := secrets.Open(ctx, secrets.Selection{One: &provider.Envelope{Type: "vault", Settings: spec.Vault}}, secrets.Env{})
	require.NoError(t, err, "the vault adapter logs in with the service-account token")
	defer p.Close()
	v, err := p.ReadSecret(ctx, "eim/probe", "v")
	require.NoError(t, err)
	assert.Equal(t, "kubernetes-works", string(v))
	rep := doctor.Run(ctx, spec, doctor.Options{Targets: []string{"secrets"}})
	assert.Empty(t, rep.Failed(), "%v", rep.Failed())

	_, err = b.root.Logical().WriteWithContext(ctx, "auth/"+b.authMount+"/login", map[string]any{"role": "eim", "jwt": saToken(t, k, ns, "other")})
	require.Error(t, err, "another service account's token is refused")
	assert.Contains(t, err.Error(), "not authorized")
}
