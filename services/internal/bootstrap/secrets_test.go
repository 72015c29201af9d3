package bootstrap

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/logging"
	"github.com/eim-byoi/eim/test/testenv"
)

// refSettings is a consumer's configuration holding one reference, like a database block.
type refSettings struct {
	Password provider.SecretRef `yaml:"password"`
}

func (*refSettings) Validate() error { return nil }

const plantedPassword = "planted-db-app-password"

// secretsFixture is one adapter set up to hold db/app#password = plantedPassword, and the
// providers.secrets block (YAML) that selects it.
type secretsFixture struct {
	block   string
	env     map[string]string
	adapter string
}

func localFixture(t *testing.T, dataDir string) secretsFixture {
	p, err := secrets.Open(context.Background(), secrets.Selection{}, secrets.Env{DataDir: dataDir})
	require.NoError(t, err)
	_, err = p.Store().Put(context.Background(), "db/app", map[string][]byte{"password": []byte(plantedPassword)})
	require.NoError(t, err)
	require.NoError(t, p.Close())
	return secretsFixture{block: "", adapter: "local"}
}

func fileFixture(t *testing.T) secretsFixture {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "db", "app"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "db", "app", "password"), []byte(plantedPassword), 0o600))
	return secretsFixture{block: fmt.Sprintf("type: file\n    config: {dir: %s}", dir), adapter: "file"}
}

func vaultFixture(t *testing.T) secretsFixture {
	bao := testenv.OpenBao(t)
	root, err := api.NewClient(&api.Config{Address: bao.Addr})
	require.NoError(t, err)
	root.SetToken(bao.RootToken)
	prefix := testenv.Unique(t, "boot")
	_, err = root.KVv2("secret").Put(context.Background(), prefix+"/db/app", map[string]any{"password": plantedPassword})
	require.NoError(t, err)
	t.Cleanup(func() { _ = root.KVv2("secret").DeleteMetadata(context.Background(), prefix+"/db/app") })
	return secretsFixture{
		block: fmt.Sprintf("type: vault\n    config: {address: %q, auth: {token: {env: EIM_TEST_VAULT_TOKEN}}, timeout: 5s}", bao.Addr),
		env:   map[string]string{"EIM_TEST_VAULT_TOKEN": bao.RootToken, "PREFIX": prefix + "/"}, adapter: "vault",
	}
}

func kmsFixture(t *testing.T) secretsFixture {
	k := testenv.LocalKMS(t)
	pg := testenv.Postgres(t)
	db := pg.CreateDatabase(t, "bootkms")
	block := fmt.Sprintf(`type: kms
    config:
      provider: aws
      key: %s
      aws: {region: %s, endpoint: %q, accessKeyID: {env: EIM_TEST_AWS_KEY}, secretAccessKey: {env: EIM_TEST_AWS_SECRET}}
      database: {driver: postgres, dsn: {env: EIM_TEST_KMS_DSN}}`, k.KeyID, k.Region, k.Endpoint)
	env := map[string]string{"EIM_TEST_AWS_KEY": k.AccessKeyID, "EIM_TEST_AWS_SECRET": k.SecretAccessKey, "EIM_TEST_KMS_DSN": pg.URL(db)}
	cfg := loadSecretsConfig(t, block, t.TempDir())
	app, err := OpenProviders(context.Background(), Options{Config: cfg, Logger: logging.New(&strings.Builder{}, "info", "json", nil),
		Kinds: only(kinds.Secrets), LookupEnv: lookupIn(env)})
	require.NoError(t, err)
	_, err = app.Set().Secrets.Store().Put(context.Background(), "db/app", map[string][]byte{"password": []byte(plantedPassword)})
	require.NoError(t, err)
	require.NoError(t, app.Shutdown(context.Background()))
	return secretsFixture{block: block, env: env, adapter: "kms"}
}

func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

// loadSecretsConfig loads an eim.yaml with the given providers.secrets block through the real
// configuration loader and the adapters built in.
func loadSecretsConfig(t *testing.T, block, dataDir string) *config.Config {
	doc := "dataDir: " + dataDir + "\n"
	if block != "" {
		doc += "providers:\n  secrets:\n    " + block + "\n"
	}
	cfg, err := config.Load([]byte(doc), config.Options{File: "eim.yaml", Sources: kinds.Sources()})
	require.NoError(t, err, "eim.yaml:\n%s", doc)
	cfg.Startup.Timeout = provider.Duration(30 * time.Second)
	return cfg
}

// TestReferenceResolvesThroughEachAdapter: {secret: "db/app#password"} in another kind's block
// resolves through each adapter at startup; an unknown path fails with NotFound naming the
// reference, never a value; resolved values never reach the logs.
func TestReferenceResolvesThroughEachAdapter(t *testing.T) {
	fixtures := map[string]func(t *testing.T, dataDir string) secretsFixture{
		"local": localFixture,
		"file":  func(t *testing.T, _ string) secretsFixture { return fileFixture(t) },
		"vault": func(t *testing.T, _ string) secretsFixture { return vaultFixture(t) },
		"kms":   func(t *testing.T, _ string) secretsFixture { return kmsFixture(t) },
	}
	for name, mk := range fixtures {
		t.Run(name, func(t *testing.T) {
			dataDir := t.TempDir()
			fx := mk(t, dataDir)
			prefix := fx.env["PREFIX"]
			for _, tc := range []struct {
				path string
				want provider.Code
			}{{prefix + "db/app#password", provider.OK}, {prefix + "db/unknown#password", provider.NotFound}} {
				var logs strings.Builder
				redactor := logging.NewRedactor()
				cfg := loadSecretsConfig(t, fx.block, dataDir)
				db := &refSettings{Password: provider.SecretRef{Secret: tc.path}}
				cfg.Providers.Database = &config.Block{Envelope: provider.Envelope{Type: "test", Settings: db}}
				app, err := OpenProviders(context.Background(), Options{
					Config: cfg, Logger: logging.New(&logs, "debug", "json", redactor), Redactor: redactor,
					Kinds: only(kinds.Secrets), LookupEnv: lookupIn(fx.env),
				})
				if tc.want != provider.OK {
					assert.Equal(t, tc.want, provider.CodeOf(err), "%v", err)
					require.Error(t, err)
					assert.Contains(t, err.Error(), fmt.Sprintf("providers.database.config.password: secret reference {secret: %q}", tc.path))
					continue
				}
				require.NoError(t, err)
				assert.Equal(t, fx.adapter, byKind(app)[secrets.Kind].Adapter)
				assert.Equal(t, plantedPassword, db.Password.Value().Reveal())
				set := app.Set()
				w, err := kinds.WatchSecret(context.Background(), &set, &db.Password)
				require.NoError(t, err)
				assert.Equal(t, plantedPassword, w.Value().Reveal(), "the reference can be watched")
				w.Stop()
				require.NoError(t, app.Shutdown(context.Background()))
				assert.NotContains(t, logs.String(), plantedPassword)
			}
		})
	}
}

// TestEmbeddedDefault: with no providers.secrets block the local adapter keeps its files
// under dataDir/secrets.
func TestEmbeddedDefault(t *testing.T) {
	dataDir := t.TempDir()
	cfg := loadSecretsConfig(t, "", dataDir)
	app, err := OpenProviders(context.Background(), Options{Config: cfg, Logger: logging.New(&strings.Builder{}, "info", "json", nil),
		Kinds: only(kinds.Secrets)})
	require.NoError(t, err)
	defer app.Shutdown(context.Background())
	opened := byKind(app)
	assert.Equal(t, "local", opened[secrets.Kind].Adapter)
	_, err = os.Stat(filepath.Join(dataDir, "secrets", "master.key"))
	assert.NoError(t, err)
	p := opened[secrets.Kind].Provider.(*secrets.Provider)
	assert.True(t, p.Capabilities().Has(secrets.CapKeeper))
}

// TestStoreKeeperSplit: a store and a keeper from different adapters, end to end.
func TestStoreKeeperSplit(t *testing.T) {
	fx := fileFixture(t)
	keeperDir := t.TempDir()
	block := strings.Replace(fx.block, "type: file\n    config:", "store:\n      type: file\n      config:", 1) +
		fmt.Sprintf("\n    keeper:\n      type: local\n      config: {dir: %s}", keeperDir)
	cfg := loadSecretsConfig(t, block, t.TempDir())
	db := &refSettings{Password: provider.SecretRef{Secret: "db/app#password"}}
	cfg.Providers.Database = &config.Block{Envelope: provider.Envelope{Type: "test", Settings: db}}
	app, err := OpenProviders(context.Background(), Options{Config: cfg, Logger: logging.New(&strings.Builder{}, "info", "json", nil),
		Kinds: only(kinds.Secrets)})
	require.NoError(t, err)
	defer app.Shutdown(context.Background())
	opened := byKind(app)
	assert.Equal(t, "file+local", opened[secrets.Kind].Adapter)
	assert.Equal(t, plantedPassword, db.Password.Value().Reveal(), "references resolve through the store")
	p := opened[secrets.Kind].Provider.(*secrets.Provider)
	assert.Equal(t, provider.Capabilities{secrets.CapList, secrets.CapKeeper}, p.Capabilities())
	ct, err := p.Keeper().Encrypt(context.Background(), []byte("x"))
	require.NoError(t, err)
	pt, err := p.Keeper().Decrypt(context.Background(), ct)
	require.NoError(t, err)
	assert.Equal(t, "x", string(pt))

	bad := loadSecretsConfig(t, "keeper:\n      type: file\n      config: {dir: /tmp}", t.TempDir())
	_, err = OpenProviders(context.Background(), Options{Config: bad, Logger: logging.New(&strings.Builder{}, "info", "json", nil),
		Kinds: only(kinds.Secrets)})
	assert.Equal(t, provider.FailedPrecondition, provider.CodeOf(err))
	assert.ErrorContains(t, err, "adapter file does not serve as a keeper")
}

// TestExampleSecretsBlocks checks every commented providers.secrets example of
// services/config/example.yaml against the adapters built into this binary.
func TestExampleSecretsBlocks(t *testing.T) {
	examples := map[string][]string{}
	current := ""
	for _, line := range strings.Split(config.Example(), "\n") {
		switch {
		case strings.HasPrefix(line, "# example: secrets/"):
			current = strings.TrimPrefix(line, "# example: ")
		case current != "" && strings.HasPrefix(line, "# "):
			examples[current] = append(examples[current], strings.TrimPrefix(line, "# "))
		default:
			current = ""
		}
	}
	require.Len(t, examples, 5, "vault, kms, file, split and local")
	for name, lines := range examples {
		t.Run(name, func(t *testing.T) {
			doc := strings.Join(lines, "\n")
			cfg, err := config.Load([]byte(doc), config.Options{File: "example.yaml", Sources: kinds.Sources()})
			require.NoError(t, err, "%s:\n%s", name, doc)
			assert.NotNil(t, cfg.Providers.Secrets)
		})
	}
}
