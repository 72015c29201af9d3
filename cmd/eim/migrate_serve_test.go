package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/process"
	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// inputsFixture is the file that supplies what a migrated eim.yaml needs to run on the test
// bed (testdata/migrated-inputs.yaml, whose comments say what each part is for).
const inputsFixture = "testdata/migrated-inputs.yaml"

// migratedInput is one legacy input that TestMigratedConfigServes migrates and serves.
type migratedInput struct {
	name string
	// args are the `eim migrate helm-values` flags that name the input.
	args func(t *testing.T) []string
	// providers are the providers the migrated eim.yaml selects, as kind/adapter (an absent
	// kind is its embedded default): what /readyz must report open.
	providers []string
}

// migratedInputs are the representative inputs: legacy infra-charts values files — the
// inventory chart alone (PostgreSQL and Keycloak, their connection details all placeholders),
// the onboarding manager alone (Vault and the Keycloak admin client; its target is the
// onboarding profile), the credentials chart (the Vault role
// a placeholder, Keycloak without a discovery URL) and the values of the EIM charts an operator
// saves from a running installation, merged — the EMF on-premises cluster, and two EMF
// variants: the cluster on AWS (Aurora: TLS verify-full with a CA) and single tenancy.
func migratedInputs() []migratedInput {
	chart := func(names ...string) func(t *testing.T) []string {
		return func(t *testing.T) []string {
			var args []string
			for _, n := range names {
				args = append(args, "-f", filepath.Join(legacyDir(t), "infra-charts", n, "values.yaml"))
			}
			return args
		}
	}
	return []migratedInput{
		{name: "infra-charts/inventory", args: chart("inventory"),
			providers: []string{"identity/keycloak", "messaging/sql", "secrets/local", "storage/postgres"}},
		{name: "infra-charts/onboarding-manager", args: chart("onboarding-manager"),
			providers: []string{"identity/keycloak", "messaging/memory", "secrets/vault", "storage/sqlite"}},
		{name: "infra-charts/releases", args: chart("inventory", "apiv2", "host-manager", "maintenance-manager",
			"os-resource-manager", "onboarding-manager", "tenant-controller"),
			providers: []string{"identity/keycloak", "messaging/sql", "secrets/vault", "storage/postgres"}},
		{name: "infra-charts/credentials", args: chart("credentials"),
			providers: []string{"identity/keycloak", "messaging/memory", "secrets/vault", "storage/sqlite"}},
		{name: "emf-clusters/onprem-oxm", args: func(t *testing.T) []string {
			return []string{"--emf-cluster", filepath.Join(emfRoot(t), "orch-configs", "clusters", "onprem-oxm.yaml")}
		}, providers: []string{"identity/keycloak", "messaging/sql", "secrets/vault", "storage/postgres"}},
		{name: "emf-variants/aws", args: func(t *testing.T) []string {
			return []string{"--emf-cluster", variantCheckout(t, "aws")}
		}, providers: []string{"identity/keycloak", "messaging/sql", "secrets/vault", "storage/postgres"}},
		{name: "emf-variants/single-tenancy", args: func(t *testing.T) []string {
			return []string{"--emf-cluster", variantCheckout(t, "single-tenancy")}
		}, providers: []string{"identity/keycloak", "messaging/sql", "secrets/vault", "storage/postgres"}},
	}
}

// TestMigratedConfigServes closes issue 24's "the eim-config output, with the needed inputs
// supplied from a small fixture, makes eim serve reach /readyz 200 against the real backends".
// For each input of migratedInputs it
//
//  1. runs `eim migrate helm-values --format eim-config` (the CLI's own code path);
//  2. supplies every NEEDS-INPUT placeholder from testdata/migrated-inputs.yaml, failing with the
//     placeholders the fixture does not cover, and points the addresses and mounted files the
//     migration wrote for the legacy cluster at the test bed (the fixture's site section);
//  3. checks the result with `eim config validate` and the configuration loader: no placeholder
//     left, no problem, the providers the input should select;
//  4. runs the eim binary's `eim serve --config` on it until /readyz answers 200, checks that the
//     providers /readyz reports open are the ones the file selects and everything is healthy,
//     that the API (when the target runs it) accepts a token of the test realm and refuses a
//     request without one, then stops it with SIGTERM: exit 0, no credential in the log.
//
// Target all runs the modules this binary builds (inventory, api and onboarding today); a target
// naming a module it does not build (the onboarding manager's names the onboarding profile, with
// osresource) validates, and serve refuses it at startup naming the module: the test expects
// that refusal until the module lands.
//
// What runs against the genuine product: PostgreSQL 15 (plain with tls.mode disable; the TLS-only
// instance with verify-full and the test CA for the Aurora cluster — Aurora itself is not run),
// with a runtime role that is neither superuser nor BYPASSRLS and owns its database; Keycloak
// (the test realm; the admin client host-manager-m2m-client obtains a token with the secret the
// migrated {secret: ...} reference reads from OpenBao); OpenBao as Vault (KV v2, the migrated
// role with the policy docs/providers/secrets.md documents); the sql messaging adapter on that
// PostgreSQL. What does not: the migrated Vault Kubernetes auth logs in to OpenBao's jwt method
// mounted in the kubernetes method's place, which verifies the service account token's signature;
// the test bed has no Kubernetes API server for the kubernetes method's TokenReview (as in
// providers/secrets/vault's TestKubernetesAuth). The migrated files name no other provider (no
// NATS, RabbitMQ, RDS IAM, cloud KMS or AWS Secrets Manager), so nothing else is stood in for.
// docs/migration.md says the same.
func TestMigratedConfigServes(t *testing.T) {
	raw, err := os.ReadFile(inputsFixture)
	require.NoError(t, err)
	tmpl, err := template.New(inputsFixture).Option("missingkey=error").Parse(string(raw))
	require.NoError(t, err)
	bin := buildEIM(t)
	inputs := migratedInputs()
	used := map[string]bool{}
	ran := 0
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			ran++
			for _, k := range serveMigrated(t, bin, tmpl, in) {
				used[k] = true
			}
		})
	}
	if ran < len(inputs) || t.Failed() {
		return // a -run filter, or a failure: the fixture's entries are not all exercised
	}
	var stale []string
	for _, k := range fixtureKeys(t, tmpl) {
		if !used[k] {
			stale = append(stale, k)
		}
	}
	assert.Empty(t, stale, "%s: entries no migrated input uses; remove them", inputsFixture)
}

// suppliedInputs is the rendered fixture.
type suppliedInputs struct {
	NeedsInput map[string]yaml.Node `yaml:"needsInput"`
	Site       map[string]yaml.Node `yaml:"site"`
}

// serveMigrated migrates, fills, validates and serves one input; it returns the fixture entries
// it used ("needsInput:PATH", "site:PATH").
func serveMigrated(t *testing.T, bin string, tmpl *template.Template, in migratedInput) []string {
	dir := t.TempDir()
	migrated := filepath.Join(dir, "migrated.yaml")
	args := append([]string{"migrate", "helm-values"}, in.args(t)...)
	_, stderr, err := run(t, append(args, "--format", "eim-config", "-o", migrated, "--report", filepath.Join(dir, "report.md"))...)
	require.NoError(t, err, "migrate: %s", stderr)
	data, err := os.ReadFile(migrated)
	require.NoError(t, err)
	draft, err := config.Load(data, config.Options{File: migrated, Sources: process.ConfigSources(), AllowPlaceholders: true})
	require.NoError(t, err, "the migrated eim.yaml is a valid draft")
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(data, &doc))

	bed := newBedValues(t, &doc, dir)
	fx := renderInputs(t, tmpl, bed)
	var missing []string
	for _, ph := range draft.Placeholders {
		if _, ok := fx.NeedsInput[ph.Path]; !ok {
			missing = append(missing, ph.Path+" (needs: "+ph.Needs+")")
		}
	}
	require.Empty(t, missing, "the migrated eim.yaml has placeholders %s does not supply: add them to its needsInput", inputsFixture)
	usedKeys := fill(t, &doc, draft.Placeholders, fx)

	filled := filepath.Join(dir, "eim.yaml")
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	require.NoError(t, enc.Encode(&doc))
	require.NoError(t, os.WriteFile(filled, out.Bytes(), 0o600))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the filled eim.yaml:\n%s", out.String())
		}
	})
	stdout, stderr, err := run(t, "config", "validate", "-f", filled)
	require.NoError(t, err, "eim config validate:\n%s\n%s", stderr, out.String())
	assert.Equal(t, filled+": valid\n", stdout)
	cfg, err := config.LoadFile(filled, config.Options{Environ: serveEnv(dir), Sources: process.ConfigSources()})
	require.NoError(t, err)
	assert.Empty(t, cfg.Placeholders)
	assert.Equal(t, in.providers, selected(cfg), "the providers the migrated eim.yaml selects")

	secretValues := bed.provision(t, &doc, cfg)
	p := startEIM(t, bin, t.TempDir(), "serve", "--config", filled)
	code, body := p.get("/readyz")
	require.Equal(t, 200, code, body)
	var rep struct {
		Ready  bool
		Checks []struct {
			Name    string
			Healthy bool
		}
	}
	require.NoError(t, json.Unmarshal([]byte(body), &rep))
	assert.True(t, rep.Ready)
	var opened []string
	modules := 0
	for _, c := range rep.Checks {
		assert.True(t, c.Healthy, c.Name)
		if name, ok := strings.CutPrefix(c.Name, "provider/"); ok {
			opened = append(opened, name)
		} else {
			modules++
		}
	}
	assert.Equal(t, in.providers, opened, "the providers /readyz reports: %s", body)
	assert.Positive(t, modules, "the target's modules run: %s", body)
	if strings.Contains(body, `"module/api"`) {
		kc := testenv.Keycloak(t)
		code, body := p.getWithToken("/v1/projects", kc.PasswordToken(t, kc.User, kc.UserPassword))
		assert.Equal(t, 200, code, "the API accepts a token of the test realm: %s", body)
		code, _ = p.getWithToken("/v1/projects", "")
		assert.Equal(t, 401, code, "and refuses a request without one")
	}

	p.Terminate(t)
	logs := p.wait(t)
	assert.Contains(t, logs, `"msg":"shutdown complete"`)
	for _, s := range secretValues {
		assert.NotContains(t, logs, s, "a credential in the log")
	}
	return usedKeys
}

// selected returns the providers cfg selects, as kind/adapter, sorted, with the embedded default
// of each kind it leaves out.
func selected(cfg *config.Config) []string {
	var out []string
	for _, k := range kinds.All() {
		adapter := k.Default
		if b := cfg.Providers.Block(k.Key); b != nil && b.Type != "" {
			adapter = b.Type
		}
		out = append(out, k.Name+"/"+adapter)
	}
	slices.Sort(out)
	return out
}

// renderInputs fills the fixture's template with bed and decodes it.
func renderInputs(t *testing.T, tmpl *template.Template, bed *bedValues) suppliedInputs {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, tmpl.Execute(&b, bed))
	for _, s := range bed.secrets {
		require.NotContains(t, b.String(), s, "%s holds a credential: name it by a file or a {secret} reference instead", inputsFixture)
	}
	var fx suppliedInputs
	require.NoError(t, yaml.Unmarshal(b.Bytes(), &fx), "%s", inputsFixture)
	return fx
}

// fixtureKeys lists the fixture's entries as "needsInput:PATH" and "site:PATH".
func fixtureKeys(t *testing.T, tmpl *template.Template) []string {
	fx := renderInputs(t, tmpl, &bedValues{})
	var out []string
	for k := range fx.NeedsInput {
		out = append(out, "needsInput:"+k)
	}
	for k := range fx.Site {
		out = append(out, "site:"+k)
	}
	slices.Sort(out)
	return out
}

// siteScope is where site values may go: a provider's config block.
var siteScope = regexp.MustCompile(`^providers\.[a-z]+\.config\.`)

// fill writes the fixture's values into doc: each placeholder's needsInput value, and each site
// value whose parent key doc has and which is not a placeholder. It returns the entries used.
func fill(t *testing.T, doc *yaml.Node, phs []config.Placeholder, fx suppliedInputs) []string {
	t.Helper()
	var used []string
	isPlaceholder := map[string]bool{}
	for _, ph := range phs {
		isPlaceholder[ph.Path] = true
		v := plain(fx.NeedsInput[ph.Path])
		require.True(t, setPath(t, doc, ph.Path, v), "placeholder %s is in the document", ph.Path)
		used = append(used, "needsInput:"+ph.Path)
	}
	for _, path := range sortedKeys(fx.Site) {
		require.Regexp(t, siteScope, path, "%s: a site value sets a provider's settings only, never its type or anything else", inputsFixture)
		if isPlaceholder[path] {
			continue
		}
		if setPath(t, doc, path, plain(fx.Site[path])) {
			used = append(used, "site:"+path)
		}
	}
	return used
}

// plain returns a copy of n written in YAML's plain style where it can be, as the migration
// writes its values (the fixture quotes its template fields).
func plain(n yaml.Node) *yaml.Node {
	n.Style = 0
	for i, c := range n.Content {
		n.Content[i] = plain(*c)
	}
	return &n
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// pathStep is one step of a key path: a mapping key, or a list index when key is "".
type pathStep struct {
	key   string
	index int
}

var pathPart = regexp.MustCompile(`^([^.\[\]]+)((?:\[\d+\])*)$`)

// parsePath splits a key path as config.Placeholder writes it (providers.x.audiences[0]).
func parsePath(t *testing.T, path string) []pathStep {
	t.Helper()
	var steps []pathStep
	for _, part := range strings.Split(path, ".") {
		m := pathPart.FindStringSubmatch(part)
		require.NotNil(t, m, "%s: %q is not a key path", inputsFixture, path)
		steps = append(steps, pathStep{key: m[1]})
		for _, idx := range regexp.MustCompile(`\d+`).FindAllString(m[2], -1) {
			i, _ := strconv.Atoi(idx)
			steps = append(steps, pathStep{index: i})
		}
	}
	return steps
}

// lookup returns the node at steps under n (a document or a mapping), or nil.
func lookup(n *yaml.Node, steps []pathStep) *yaml.Node {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	for _, s := range steps {
		switch {
		case s.key != "" && n.Kind == yaml.MappingNode:
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == s.key {
					next = n.Content[i+1]
				}
			}
			if next == nil {
				return nil
			}
			n = next
		case s.key == "" && n.Kind == yaml.SequenceNode && s.index < len(n.Content):
			n = n.Content[s.index]
		default:
			return nil
		}
	}
	return n
}

// getPath returns the scalar at path in doc, or "".
func getPath(t *testing.T, doc *yaml.Node, path string) string {
	if n := lookup(doc, parsePath(t, path)); n != nil && n.Kind == yaml.ScalarNode {
		return n.Value
	}
	return ""
}

// setPath sets the value at path to v when its parent exists in doc (adding the key to a
// mapping), and reports whether it did.
func setPath(t *testing.T, doc *yaml.Node, path string, v *yaml.Node) bool {
	steps := parsePath(t, path)
	parent := lookup(doc, steps[:len(steps)-1])
	last := steps[len(steps)-1]
	switch {
	case parent == nil:
		return false
	case last.key != "" && parent.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(parent.Content); i += 2 {
			if parent.Content[i].Value == last.key {
				parent.Content[i+1] = v
				return true
			}
		}
		parent.Content = append(parent.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: last.key}, v)
		return true
	case last.key == "" && parent.Kind == yaml.SequenceNode && last.index < len(parent.Content):
		parent.Content[last.index] = v
		return true
	}
	return false
}

// bedValues are the test bed's servers, and the names and files this test gives the migrated
// configuration: what the fixture's template refers to.
type bedValues struct {
	Postgres struct {
		Host                                   string
		Port                                   int
		Database, User, PasswordFile, password string
		server                                 *testenv.PostgresServer
	}
	Keycloak struct {
		Issuer, DiscoveryURL, Audience string
		adminSecret                    string
	}
	Vault struct {
		Address, AuthMount, KVMount, TokenFile string
		key                                    *ecdsa.PrivateKey
		token                                  string
	}
	CAFile string
	// secrets are the credentials the test hands out, which neither the fixture nor the log
	// may hold.
	secrets []string
}

// Service account the Vault token stands for, and the issuer of its token.
const (
	saIssuer  = "https://kubernetes.default.svc.cluster.local"
	saSubject = "system:serviceaccount:orch-infra:eim"
)

// newBedValues picks the test bed's servers for the migrated doc (the TLS-only PostgreSQL when
// the file asks for TLS), names the test's own database, role and mounts, and writes the files
// the fixture points at: the database password and a signed service account token.
func newBedValues(t *testing.T, doc *yaml.Node, dir string) *bedValues {
	t.Helper()
	b := &bedValues{CAFile: testenv.TLS(t).CAFile}
	pg := testenv.Postgres(t)
	if mode := getPath(t, doc, "providers.database.config.tls.mode"); mode != "" && mode != "disable" {
		pg = testenv.PostgresTLS(t)
	}
	b.Postgres.server = pg
	b.Postgres.Host, b.Postgres.Port = pg.Host, pg.Port
	b.Postgres.Database = testenv.Unique(t, "orch-infra-inventory")
	b.Postgres.User = testenv.Unique(t, "inventory-user")
	b.Postgres.password = randomHex(16)
	b.Postgres.PasswordFile = filepath.Join(dir, "PGPASSWORD")
	require.NoError(t, os.WriteFile(b.Postgres.PasswordFile, []byte(b.Postgres.password), 0o600))

	kc := testenv.Keycloak(t)
	b.Keycloak.Issuer, b.Keycloak.DiscoveryURL, b.Keycloak.Audience = kc.IssuerURL(), kc.DiscoveryURL(), kc.Audience
	b.Keycloak.adminSecret = kc.AdminClientSecret

	bao := testenv.OpenBao(t)
	b.Vault.Address = bao.Addr
	b.Vault.AuthMount, b.Vault.KVMount = testenv.Unique(t, "k8s"), testenv.Unique(t, "kv")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	b.Vault.key = key
	b.Vault.token = serviceAccountToken(t, key)
	b.Vault.TokenFile = filepath.Join(dir, "serviceaccount-token")
	require.NoError(t, os.WriteFile(b.Vault.TokenFile, []byte(b.Vault.token), 0o600))
	b.secrets = []string{b.Postgres.password, b.Keycloak.adminSecret, b.Vault.token}
	return b
}

// serviceAccountToken signs a Kubernetes-like service account token (ES256, an hour).
func serviceAccountToken(t *testing.T, key *ecdsa.PrivateKey) string {
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	require.NoError(t, err)
	now := time.Now()
	tok, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: saIssuer, Subject: saSubject, Audience: jwt.Audience{saIssuer},
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)), Expiry: jwt.NewNumericDate(now.Add(time.Hour))}).Serialize()
	require.NoError(t, err)
	return tok
}

// provision creates on the test bed what the filled configuration uses: the PostgreSQL role
// and database, and in OpenBao the KV mount holding the secrets its references name, a policy
// and the Vault role it logs in with. Everything is removed when the test ends. It returns the
// credentials handed out.
func (b *bedValues) provision(t *testing.T, doc *yaml.Node, cfg *config.Config) []string {
	t.Helper()
	if db := cfg.Providers.Database; db != nil && db.Type == "postgres" {
		b.provisionPostgres(t)
	}
	if s := cfg.Providers.Secrets; s != nil && s.Type == "vault" {
		b.provisionVault(t, doc)
	}
	return b.secrets
}

// provisionPostgres creates the runtime role (no superuser, no BYPASSRLS) and its database,
// owned by it as the legacy database was by its user.
func (b *bedValues) provisionPostgres(t *testing.T) {
	pg := dbtest.NewPostgres(t, b.Postgres.server.TLS)
	user, db := b.Postgres.User, b.Postgres.Database
	pg.Exec(t, fmt.Sprintf(`CREATE ROLE %q LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '%s'`, user, b.Postgres.password))
	t.Cleanup(func() { pg.DropRoles(t, user) })
	pg.Exec(t, fmt.Sprintf(`CREATE DATABASE %q OWNER %q`, db, user))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := pg.Admin().ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, db)); err != nil {
			t.Logf("drop database %s: %v", db, err)
		}
	})
}

// legacySecrets are the values of the {secret: "path#key"} references the migration writes, as
// the test bed holds them.
func (b *bedValues) legacySecrets() map[string]string {
	return map[string]string{"host-manager-m2m-client-secret#client_secret": b.Keycloak.adminSecret}
}

// provisionVault mounts a KV v2 engine holding the secrets the document's references name, a
// policy (docs/providers/secrets.md's, on that mount, plus read on those secrets) and, in
// place of the Kubernetes auth method, OpenBao's jwt method trusting the service account
// token's key, with the migrated role.
func (b *bedValues) provisionVault(t *testing.T, doc *yaml.Node) {
	role := getPath(t, doc, "providers.secrets.config.auth.kubernetes.role")
	require.NotEmpty(t, role, "the migrated Vault auth is not kubernetes: the test bed stands in for kubernetes auth only")
	bao := testenv.OpenBao(t)
	root, err := api.NewClient(&api.Config{Address: bao.Addr})
	require.NoError(t, err)
	root.SetToken(bao.RootToken)
	ctx := context.Background()
	kv, mount, policy := b.Vault.KVMount, b.Vault.AuthMount, b.Vault.AuthMount

	require.NoError(t, root.Sys().MountWithContext(ctx, kv, &api.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}))
	t.Cleanup(func() { _ = root.Sys().Unmount(kv) })
	rules := strings.ReplaceAll(documentedPolicy(t), "secret/", kv+"/")
	for _, ref := range secretRefs(doc) {
		value, ok := b.legacySecrets()[ref]
		require.True(t, ok, "the migrated eim.yaml references {secret: %q}, which the test bed does not hold: add it to legacySecrets", ref)
		path, key, _ := strings.Cut(ref, "#")
		putKV(t, root.KVv2(kv), path, map[string]any{key: value})
		rules += fmt.Sprintf("path %q { capabilities = [\"read\"] }\n", kv+"/data/"+path)
	}
	_, err = root.Logical().WriteWithContext(ctx, "sys/policies/acl/"+policy, map[string]any{"policy": rules})
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = root.Logical().Delete("sys/policies/acl/" + policy) })

	require.NoError(t, root.Sys().EnableAuthWithOptionsWithContext(ctx, mount, &api.EnableAuthOptions{Type: "jwt"}))
	t.Cleanup(func() { _ = root.Sys().DisableAuth(mount) })
	der, err := x509.MarshalPKIXPublicKey(&b.Vault.key.PublicKey)
	require.NoError(t, err)
	pub := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	_, err = root.Logical().WriteWithContext(ctx, "auth/"+mount+"/config", map[string]any{"jwt_validation_pubkeys": []string{pub}, "bound_issuer": saIssuer})
	require.NoError(t, err)
	_, err = root.Logical().WriteWithContext(ctx, "auth/"+mount+"/role/"+role, map[string]any{"role_type": "jwt", "user_claim": "sub",
		"bound_subject": saSubject, "bound_audiences": []string{saIssuer}, "token_policies": []string{policy}, "token_ttl": "1h"})
	require.NoError(t, err)
}

// documentedPolicy returns the Vault policy docs/providers/secrets.md gives every EIM process
// and module (its "## Vault policy" HCL block), on the KV mount secret/.
func documentedPolicy(t *testing.T) string {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "providers", "secrets.md"))
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(doc), "\n## Vault policy\n")
	require.True(t, ok, "docs/providers/secrets.md has no Vault policy section")
	_, block, ok := strings.Cut(section, "```hcl\n")
	require.True(t, ok, "docs/providers/secrets.md: the Vault policy section has no hcl block")
	block, _, ok = strings.Cut(block, "```")
	require.True(t, ok)
	require.Contains(t, block, `path "secret/data/eim/config/*"`)
	return block
}

// putKV writes a KV v2 secret, waiting for a just-mounted engine to accept writes.
func putKV(t *testing.T, kv *api.KVv2, path string, data map[string]any) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := kv.Put(context.Background(), path, data)
		if err == nil {
			return
		}
		require.True(t, time.Now().Before(deadline), "write %s: %v", path, err)
		time.Sleep(50 * time.Millisecond)
	}
}

// secretRefs returns the "path#key" of every {secret: ...} reference in doc.
func secretRefs(doc *yaml.Node) []string {
	var out []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == "secret" && n.Content[i+1].Kind == yaml.ScalarNode {
					out = append(out, n.Content[i+1].Value)
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// legacyDir is the shared legacy data beside the repository.
func legacyDir(t *testing.T) string {
	return filepath.Dir(emfRoot(t))
}

// variantCheckout lays the EMF cluster variant name (migrate/testdata/emf-variants) over the
// real EMF checkout in a temporary directory, as an operator adds a cluster file to their
// checkout, and returns the cluster file's path.
func variantCheckout(t *testing.T, name string) string {
	t.Helper()
	real, err := filepath.Abs(emfRoot(t))
	require.NoError(t, err)
	variants, err := filepath.Abs(filepath.Join("..", "..", "migrate", "testdata", "emf-variants"))
	require.NoError(t, err)
	dir := t.TempDir()
	link := func(from, to string) {
		entries, err := os.ReadDir(from)
		require.NoError(t, err)
		for _, e := range entries {
			dst := filepath.Join(to, e.Name())
			if _, err := os.Lstat(dst); err == nil {
				continue
			}
			require.NoError(t, os.Symlink(filepath.Join(from, e.Name()), dst))
		}
	}
	for _, sub := range []string{"orch-configs/clusters", "orch-configs/profiles"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, sub), 0o755))
		link(filepath.Join(variants, sub), filepath.Join(dir, sub))
		link(filepath.Join(real, sub), filepath.Join(dir, sub))
	}
	link(filepath.Join(real, "orch-configs"), filepath.Join(dir, "orch-configs"))
	link(real, dir)
	cluster := filepath.Join(dir, "orch-configs", "clusters", name+".yaml")
	require.FileExists(t, cluster)
	return cluster
}
