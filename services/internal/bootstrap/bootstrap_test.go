package bootstrap

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/logging"
	"github.com/eim-byoi/eim/services/module"
)

// recorder keeps the lifecycle events of the test providers and modules, in order.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(e string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

// testProvider is a provider with scripted health.
type testProvider struct {
	name   string
	rec    *recorder
	mu     sync.Mutex
	health []error // returned one by one by CheckHealth; the last one repeats
	caps   provider.Capabilities
	secret map[string]string
}

func (p *testProvider) CheckHealth(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.health) == 0 {
		return nil
	}
	err := p.health[0]
	if len(p.health) > 1 {
		p.health = p.health[1:]
	}
	return err
}

func (p *testProvider) Close() error { p.rec.add("close " + p.name); return nil }

func (p *testProvider) Capabilities() provider.Capabilities { return p.caps }

func (p *testProvider) ReadSecret(_ context.Context, path, key string) ([]byte, error) {
	v, ok := p.secret[path+"#"+key]
	if !ok {
		return nil, provider.Errorf(provider.NotFound, "no secret at %s", path)
	}
	return []byte(v), nil
}

type testModule struct {
	name     string
	rec      *recorder
	startErr error
}

func (m *testModule) CheckHealth(context.Context) error { return nil }
func (m *testModule) Start(context.Context) error {
	m.rec.add("start " + m.name)
	return m.startErr
}
func (m *testModule) Stop(context.Context) error { m.rec.add("stop " + m.name); return nil }

type dbSettings struct {
	Password provider.SecretRef `yaml:"password"`
}

func (*dbSettings) Validate() error { return nil }

// fixture builds Options with one test provider per kind and the EIM graph with test modules.
type fixture struct {
	rec       *recorder
	providers map[string]*testProvider
	openErr   map[string]error
	modErr    map[string]error
	logs      bytes.Buffer
	redactor  *logging.Redactor
}

func newFixture() *fixture {
	f := &fixture{rec: &recorder{}, providers: map[string]*testProvider{}, openErr: map[string]error{}, modErr: map[string]error{},
		redactor: logging.NewRedactor()}
	for _, k := range kinds.All() {
		f.providers[k.Name] = &testProvider{name: k.Name, rec: f.rec}
	}
	return f
}

func (f *fixture) options(cfg *config.Config) Options {
	var test []kinds.Kind
	for _, k := range kinds.All() {
		k.Open = func(_ context.Context, _ *kinds.Env) (kinds.Opened, error) {
			f.rec.add("open " + k.Name)
			if err := f.openErr[k.Name]; err != nil {
				return kinds.Opened{}, err
			}
			return kinds.Opened{Adapter: "test", Provider: f.providers[k.Name]}, nil
		}
		test = append(test, k)
	}
	mods := map[string]module.Factory{}
	for _, d := range module.EIM().Modules() {
		mods[d.Name] = func(module.Deps) (module.Module, error) {
			return &testModule{name: d.Name, rec: f.rec, startErr: f.modErr[d.Name]}, nil
		}
	}
	return Options{
		Config: cfg, Logger: logging.New(&f.logs, "debug", "json", f.redactor), Redactor: f.redactor,
		Kinds: test, Graph: module.EIM(), Modules: mods,
		LookupEnv: func(k string) (string, bool) {
			v, ok := map[string]string{"DB_PW": "planted-db-password"}[k]
			return v, ok
		},
	}
}

func testConfig(t testing.TB, target string) *config.Config {
	cfg := config.Default()
	cfg.Target = target
	cfg.DataDir = t.TempDir()
	cfg.Southbound.Address = "127.0.0.1:0"
	cfg.Startup.Timeout = provider.Duration(5 * time.Second)
	return cfg
}

func TestStartOrderAndReverseShutdown(t *testing.T) {
	f := newFixture()
	app, err := Start(context.Background(), f.options(testConfig(t, "inventory,api")))
	require.NoError(t, err)
	assert.Equal(t, []string{"open secrets", "open storage", "open identity", "open messaging", "start inventory", "start api"}, f.rec.list())
	assert.True(t, app.Readiness(context.Background()).Ready)

	require.NoError(t, app.Shutdown(context.Background()))
	require.NoError(t, app.Shutdown(context.Background()), "Shutdown is idempotent")
	assert.Equal(t, []string{"stop api", "stop inventory", "close messaging", "close identity", "close storage", "close secrets"}, f.rec.list()[6:])
	assert.False(t, app.Readiness(context.Background()).Ready)
	logs := f.logs.String()
	assert.Less(t, strings.Index(logs, `"closing provider","kind":"messaging"`), strings.Index(logs, `"closing provider","kind":"secrets"`),
		"the logs show providers closed in reverse order")
}

func TestRollbackOnPartialFailure(t *testing.T) {
	f := newFixture()
	f.openErr["identity"] = provider.Errorf(provider.Unauthenticated, "bad admin credentials")
	_, err := Start(context.Background(), f.options(testConfig(t, "inventory")))
	require.Error(t, err)
	assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err))
	assert.Contains(t, err.Error(), "open identity provider (providers.identity): bad admin credentials")
	assert.Equal(t, []string{"open secrets", "open storage", "open identity", "close storage", "close secrets"}, f.rec.list())
}

func TestRollbackWhenModuleFails(t *testing.T) {
	f := newFixture()
	f.modErr["api"] = errors.New("port in use")
	_, err := Start(context.Background(), f.options(testConfig(t, "inventory,api")))
	require.ErrorContains(t, err, "start module api: port in use")
	assert.Equal(t, []string{"start inventory", "start api", "stop inventory", "close messaging", "close identity", "close storage", "close secrets"}, f.rec.list()[4:],
		"a module that failed to start is not stopped; the rest is undone in reverse")
}

func TestUnknownTargetOpensNothing(t *testing.T) {
	f := newFixture()
	_, err := Start(context.Background(), f.options(testConfig(t, "inventroy")))
	require.ErrorContains(t, err, `unknown target "inventroy"`)
	assert.Empty(t, f.rec.list())
}

func TestModuleNeeds(t *testing.T) {
	t.Run("missing capability", func(t *testing.T) {
		f := newFixture()
		_, err := Start(context.Background(), f.options(testConfig(t, "onboarding")))
		assert.Equal(t, provider.FailedPrecondition, provider.CodeOf(err))
		assert.ErrorContains(t, err, "identity provider test: module onboarding needs capability ClientIssuer")
		f2 := newFixture()
		f2.providers["identity"].caps = provider.Capabilities{module.ClientIssuer}
		_, err = Start(context.Background(), f2.options(testConfig(t, "onboarding")))
		assert.NoError(t, err)
	})
	t.Run("missing kind", func(t *testing.T) {
		f := newFixture()
		opts := f.options(testConfig(t, "inventory"))
		opts.Kinds = opts.Kinds[:1] // secrets only
		_, err := Start(context.Background(), opts)
		assert.ErrorContains(t, err, "module inventory needs a storage provider, and none is configured or built in: configure providers.database")
		assert.Equal(t, []string{"open secrets", "close secrets"}, f.rec.list())
	})
}

func TestWaitHealthy(t *testing.T) {
	t.Run("recovers", func(t *testing.T) {
		f := newFixture()
		down := provider.Errorf(provider.Unavailable, "connection refused")
		f.providers["storage"].health = []error{down, down, nil}
		_, err := Start(context.Background(), f.options(testConfig(t, "inventory")))
		require.NoError(t, err)
		assert.Contains(t, f.logs.String(), "providers not healthy yet")
	})
	t.Run("times out", func(t *testing.T) {
		f := newFixture()
		f.providers["messaging"].health = []error{provider.Errorf(provider.Unavailable, "broker down")}
		cfg := testConfig(t, "inventory")
		cfg.Startup.Timeout = provider.Duration(300 * time.Millisecond)
		_, err := Start(context.Background(), f.options(cfg))
		assert.Equal(t, provider.Unavailable, provider.CodeOf(err))
		assert.ErrorContains(t, err, "provider/messaging/test: broker down")
		assert.Contains(t, f.rec.list(), "close secrets", "everything opened is closed again")
	})
}

func TestSecretRefsResolvedInOrder(t *testing.T) {
	f := newFixture()
	f.providers["secrets"].secret = map[string]string{"db/app#password": "planted-from-store"}
	cfg := testConfig(t, "inventory")
	db := &dbSettings{Password: provider.SecretRef{Secret: "db/app#password"}}
	cfg.Providers.Database = &config.Block{Envelope: provider.Envelope{Type: "test", Settings: db}}
	own := &dbSettings{Password: provider.SecretRef{Env: "DB_PW"}}
	cfg.Providers.Secrets = &config.Block{Envelope: provider.Envelope{Type: "test", Settings: own}}
	opts := f.options(cfg)
	seen := map[string]string{}
	for i, k := range opts.Kinds {
		inner := k.Open
		opts.Kinds[i].Open = func(ctx context.Context, env *kinds.Env) (kinds.Opened, error) {
			seen[k.Name] = own.Password.Value().Reveal() + "|" + db.Password.Value().Reveal()
			return inner(ctx, env)
		}
	}
	_, err := Start(context.Background(), opts)
	require.NoError(t, err)
	assert.Equal(t, "planted-db-password|", seen["secrets"], "the secrets provider's own references resolve first, from env/file")
	assert.Equal(t, "planted-db-password|planted-from-store", seen["storage"], "other references resolve through the secrets provider before storage opens")
	assert.Equal(t, provider.Redacted, f.redactor.Scrub("planted-from-store"), "resolved values are scrubbed from logs")
}

func TestSecretRefFailureNamesReference(t *testing.T) {
	f := newFixture()
	f.providers["secrets"].secret = map[string]string{"db/app#password": "planted-from-store"}
	cfg := testConfig(t, "inventory")
	cfg.Providers.Database = &config.Block{Envelope: provider.Envelope{Type: "test", Settings: &dbSettings{Password: provider.SecretRef{Secret: "db/unknown#password"}}}}
	_, err := Start(context.Background(), f.options(cfg))
	require.Error(t, err)
	assert.Equal(t, provider.NotFound, provider.CodeOf(err))
	assert.Contains(t, err.Error(), `providers.database.config.password: secret reference {secret: "db/unknown#password"}: no secret at db/unknown`)
	assert.NotContains(t, err.Error(), "planted")
	assert.Equal(t, []string{"open secrets", "close secrets"}, f.rec.list(), "storage never opens with an unresolved credential")
}
