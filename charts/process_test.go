package charts_test

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/proc"
	"github.com/eim-byoi/eim/test/testenv"
)

// TestChartAsProcesses runs what the umbrella renders for profile all as real eim processes
// against the test bed's Keycloak, OpenBao, PostgreSQL and NATS: the migration Job's command with
// its ConfigMap, then each module's Deployment: its container args, its ConfigMap's eim.yaml and
// its environment, Secret references resolved from the Secrets a cluster would hold. Only what
// Kubernetes provides is replaced: the listen addresses (Service ports become 127.0.0.1 port 0),
// the inventory Service's name (the inventory process's gRPC address, verified over TLS with the
// certificate of global.grpcTLS) and the mount paths (eim.yaml and the Secret volumes become
// files of the test). Every module's process answers /readyz 200: the chart's configuration is
// one that works.
func TestChartAsProcesses(t *testing.T) {
	kc := testenv.Keycloak(t)
	bao := testenv.OpenBao(t)
	nats := testenv.NATS(t)
	pg := dbtest.NewPostgres(t, false)
	db := pg.Fresh(t)
	adminID, adminSecret := kc.RolesAdminClient(t)
	backends := map[string]string{"vault-token": bao.RootToken, "db-password": db.Runtime.Password,
		"db-migration-password": db.Migration.Password, "kc-admin-secret": adminSecret, "nats-password": nats.Password,
		"inventory-client-secret": kc.ClientSecret}
	tlsFiles := testenv.TLS(t) // the server certificate names 127.0.0.1, where the inventory process listens
	secrets := map[string]map[string]string{"eim-backends": backends, "eim-grpc-tls": {
		"tls.crt": readFile(t, tlsFiles.ServerCertFile), "tls.key": readFile(t, tlsFiles.ServerKeyFile), "ca.crt": readFile(t, tlsFiles.CAFile)}}
	var secretEnv []string
	for key := range backends {
		name := strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
		secretEnv = append(secretEnv, fmt.Sprintf("    - {name: %s, secretName: eim-backends, key: %s}", name, key))
	}
	values := fmt.Sprintf(`target: all
providers:
  secrets:
    type: vault
    config: {address: %q, auth: {token: {env: VAULT_TOKEN}}, kv: {mount: %s}}
  database:
    type: postgres
    config:
      host: %s
      port: %d
      database: %s
      user: %s
      password: {env: DB_PASSWORD}
      tls: {mode: disable}
      migration: {user: %s, password: {env: DB_MIGRATION_PASSWORD}}
  identity:
    type: keycloak
    config:
      issuer: %q
      audiences: [%q]
      admin: {clientID: %s, clientSecret: {env: KC_ADMIN_SECRET}}
  messaging:
    type: nats
    config: {url: %q, username: %s, password: {env: NATS_PASSWORD}, stream: %s, subjectPrefix: %s}
inventory:
  serviceRole: %s_en-agent-rw
  credentials: {clientID: %s, clientSecret: {env: INVENTORY_CLIENT_SECRET}}
global:
  grpcTLS: {secretName: eim-grpc-tls}
  secretEnv:
%s
`, bao.Addr, bao.KVMount, pg.Server.Host, pg.Server.Port, db.Name, db.Runtime.User, db.Migration.User,
		kc.IssuerURL(), kc.Audience, adminID, nats.URL(), nats.User, strings.ToUpper(testenv.UniqueIdent(t, "CHART")),
		testenv.UniqueIdent(t, "chart")+".", kc.Project1, kc.ClientID, strings.Join(secretEnv, "\n"))
	vf := filepath.Join(t.TempDir(), "values.yaml")
	require.NoError(t, os.WriteFile(vf, []byte(values), 0o600))
	objs, _ := helmTemplate(t, "charts/eim", vf)
	cms := byKind(objs, "ConfigMap")
	bin := proc.Build(t)

	job := byKind(objs, "Job")["eim-migrate"]
	require.NotNil(t, job)
	c := container(job)
	migrate(t, bin, podEnv(t, c, backends), replaceConfig(c, configFile(t, job, cms, secrets)))

	deps := byKind(objs, "Deployment")
	mods, err := module.EIM().Resolve("all", allBuilt)
	require.NoError(t, err)
	var inventoryGRPC string
	for _, d := range deployedByDefault(t, mods) {
		dep := deps["eim-"+d.Name]
		require.NotNil(t, dep, d.Name)
		c := container(dep)
		dir := t.TempDir()
		extra := podEnv(t, c, backends)
		if d.Name != module.Inventory {
			extra = append(extra, "EIM_INVENTORY_ADDRESS="+inventoryGRPC)
		}
		p := proc.Start(t, bin, dir, proc.Env(dir, extra...), replaceConfig(c, configFile(t, dep, cms, secrets))...)
		code, body := p.Get("/readyz", "")
		assert.Equal(t, http.StatusOK, code, "%s: /readyz %s", d.Name, body)
		if d.Name == module.Inventory {
			inventoryGRPC = p.GRPC
		}
	}
}

// migrate runs the migration Job's command with its pod environment and checks it succeeds.
func migrate(t *testing.T, bin string, env, args []string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "eim %s:\n%s", strings.Join(args, " "), out)
	assert.Contains(t, string(out), "SCHEMA", "eim migrate db reports the schemas")
}

// container returns the first container of a Deployment's or Job's pod template.
func container(o obj) map[string]any {
	return dig(o, "spec", "template", "spec", "containers").([]any)[0].(map[string]any)
}

// podEnv resolves a container's env: plain values as they are, secretKeyRef from secrets
// (the keys of the one Secret eim-backends).
func podEnv(t *testing.T, c map[string]any, secrets map[string]string) []string {
	t.Helper()
	var out []string
	envs, _ := c["env"].([]any)
	for _, e := range envs {
		m := e.(map[string]any)
		name := m["name"].(string)
		if v, ok := m["value"].(string); ok {
			out = append(out, name+"="+v)
			continue
		}
		require.Equal(t, "eim-backends", str(m, "valueFrom", "secretKeyRef", "name"), name)
		v, ok := secrets[str(m, "valueFrom", "secretKeyRef", "key")]
		require.True(t, ok, "env %s: unknown Secret key", name)
		out = append(out, name+"="+v)
	}
	return out
}

// configFile writes the eim.yaml of the ConfigMap a pod template mounts, returning its path; each
// Secret volume the pod mounts becomes a directory of the test holding the Secret's keys (from
// secrets, by Secret name), and eim.yaml's paths below the mount path point into it.
func configFile(t *testing.T, o obj, cms map[string]obj, secrets map[string]map[string]string) string {
	t.Helper()
	spec := dig(o, "spec", "template", "spec").(map[string]any)
	mounts := map[string]string{}
	for _, m := range container(o)["volumeMounts"].([]any) {
		mounts[str(m.(map[string]any), "name")] = str(m.(map[string]any), "mountPath")
	}
	var cm string
	var replace []string
	for _, v := range spec["volumes"].([]any) {
		vol := v.(map[string]any)
		if n := str(vol, "configMap", "name"); n != "" {
			cm = n
		}
		if n := str(vol, "secret", "secretName"); n != "" {
			data, ok := secrets[n]
			require.True(t, ok, "the pod mounts Secret %s", n)
			dir := t.TempDir()
			for k, v := range data {
				require.NoError(t, os.WriteFile(filepath.Join(dir, k), []byte(v), 0o600))
			}
			replace = append(replace, mounts[str(vol, "name")]+"/", dir+"/")
		}
	}
	require.Contains(t, cms, cm)
	f := filepath.Join(t.TempDir(), "eim.yaml")
	config := strings.NewReplacer(replace...).Replace(str(cms[cm], "data", "eim.yaml"))
	require.NoError(t, os.WriteFile(f, []byte(config), 0o600))
	return f
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// replaceConfig returns a container's args with the mounted /etc/eim/eim.yaml replaced by file.
func replaceConfig(c map[string]any, file string) []string {
	var out []string
	for _, a := range c["args"].([]any) {
		s := a.(string)
		if s == "/etc/eim/eim.yaml" {
			s = file
		}
		out = append(out, s)
	}
	return out
}
