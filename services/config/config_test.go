package config_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
)

// dbConfig is the typed configuration of the "testdb" adapter these tests register.
type dbConfig struct {
	Host     string             `yaml:"host" jsonschema:"required"`
	Port     int                `yaml:"port"`
	Password provider.SecretRef `yaml:"password"`
}

func (c *dbConfig) Validate() error {
	var v provider.Validation
	v.Required("host", c.Host, "set the database host")
	v.Check(c.Port > 0 && c.Port < 65536, "port", "must be 1-65535", "use the server's port")
	return v.Err()
}

func sources() []provider.ConfigSource {
	r := provider.NewRegistry[struct{}, struct{}]("storage")
	provider.Register(r, "testdb", func() *dbConfig { return &dbConfig{Port: 5432} },
		func(context.Context, *dbConfig, struct{}) (struct{}, error) { return struct{}{}, nil })
	return []provider.ConfigSource{r}
}

func load(t *testing.T, file string, environ ...string) (*config.Config, error) {
	t.Helper()
	return config.LoadFile(file, config.Options{Environ: environ, Sources: sources()})
}

func TestLoadGood(t *testing.T) {
	cfg, err := load(t, "testdata/good.yaml")
	require.NoError(t, err)
	assert.Equal(t, "day2", cfg.Target)
	assert.Equal(t, 2*time.Minute, cfg.Startup.Timeout.Std())
	db := cfg.Providers.Database
	require.NotNil(t, db)
	assert.Equal(t, &dbConfig{Host: "db.example.com", Port: 5432, Password: provider.SecretRef{Secret: "database/creds/eim#password"}}, db.Settings)
	assert.Len(t, cfg.Providers.All(), 1)
}

// TestLoadBadReportsAll is the acceptance check: an unknown key, a wrong type and a missing
// required field are all reported, each with its YAML path and line.
func TestLoadBadReportsAll(t *testing.T) {
	_, err := load(t, "testdata/bad.yaml")
	var ps *config.Problems
	require.ErrorAs(t, err, &ps)
	assert.Equal(t, `testdata/bad.yaml:5:3: listen.grpcc: unknown key "grpcc" (fix: did you mean "grpc"?)
testdata/bad.yaml:8:20: startup.shutdownTimeout: expected a duration such as "30s" or "5m", got "20"
testdata/bad.yaml:10:3: providers.database.type: is required (fix: name the adapter, or remove the block to use the embedded default)`, err.Error())
}

func TestLoadDefaultsAndEnv(t *testing.T) {
	cfg, err := config.Load(nil, config.Options{Sources: sources(), Environ: []string{
		"EIM_LISTEN_HTTP=127.0.0.1:18080",
		"EIM_PROVIDERS_DATABASE_TYPE=testdb",
		"EIM_PROVIDERS_DATABASE_CONFIG_HOST=db.internal",
		"EIM_PROVIDERS_DATABASE_CONFIG_PASSWORD_ENV=DB_PASSWORD",
		"EIM_CONFIG=/ignored.yaml",
		"EIM_TEST_POSTGRES_PORT=1",
		"PATH=/usr/bin",
	}})
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:18080", cfg.Listen.HTTP)
	assert.Equal(t, config.Default().Listen.GRPC, cfg.Listen.GRPC)
	require.NotNil(t, cfg.Providers.Database, "env alone can configure a provider block")
	assert.Equal(t, &dbConfig{Host: "db.internal", Port: 5432, Password: provider.SecretRef{Env: "DB_PASSWORD"}}, cfg.Providers.Database.Settings)
}

func TestLoadProblems(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		environ []string
		want    []string
	}{
		{"syntax error has a line", "listen:\n  http: [\n", nil, []string{"f.yaml:2: did not find expected node content"}},
		{"two documents", "target: all\n---\ntarget: day2\n", nil, []string{"a second document starts here"}},
		{"unknown env var", "", []string{"EIM_LISTEN_HTPP=x"}, []string{"environment variable EIM_LISTEN_HTPP matches no configuration key"}},
		{"bad env value", "", []string{"EIM_STARTUP_TIMEOUT=soon"}, []string{`startup.timeout: expected a duration such as "30s" or "5m", got "soon" [from env EIM_STARTUP_TIMEOUT]`}},
		{"unknown adapter lists known", "providers: {database: {type: postgress}}", nil,
			[]string{`1:24: providers.database.type: unknown storage type "postgress"; registered: testdb (fix: use one of: testdb)`}},
		{"kind without adapters", "providers: {messaging: {type: nats}}", nil, []string{`no messaging adapter is built into this binary`}},
		{"adapter config strict and validated", "providers:\n  database:\n    type: testdb\n    config: {hots: x, port: 0}\n", nil, []string{
			`4:14: providers.database.config.hots: unknown key "hots" (fix: did you mean "host"?)`,
			"4:5: providers.database.config.host: is required (fix: set the database host)",
			"4:23: providers.database.config.port: must be 1-65535 (fix: use the server's port)",
		}},
		{"secret refs validated everywhere", "providers: {database: {type: testdb, config: {host: h, password: {env: A, file: /b}}}}", nil,
			[]string{"providers.database.config.password: more than one of env, file and secret is set"}},
		{"bad values", "target: 'Day 2'\nlisten: {http: nowhere, grpc: ':99999'}\nlog: {format: xml}\ndataDir: ''\n", nil, []string{
			`target: "Day 2" is not a module list`, `listen.http: "nowhere" is not host:port`,
			`listen.grpc: port "99999" is not a number from 0 to 65535`, `log.format: "xml" is not a log format`, "dataDir: is required",
		}},
		{"oob checked", "oob: {mps: {url: 'ftp://mps', auth: {username: {env: U}}}, ciraUsername: ab, passwords: {policy: static}}", nil, []string{
			`oob.mps.url: "ftp://mps" is not an http(s) URL`, "oob.mps.auth: sets only one of username and password",
			"oob.rps.url: only one of oob.mps.url and oob.rps.url is set", "oob.ciraUsername: must be 5 to 16 characters",
			"oob.passwords: policy static needs amt, mebx and cira",
		}},
		{"telemetry checked", "telemetry: {enabled: true, protocol: zipkin, sampleRatio: 2, serviceName: '', headers: {api-key: {env: A, file: /b}}}", nil, []string{
			`telemetry.protocol: "zipkin" is not an OTLP protocol`, "telemetry.sampleRatio: must be between 0 and 1",
			"telemetry.serviceName: is required", "telemetry.headers.api-key: more than one of env, file and secret is set",
			"telemetry.endpoint: is required",
		}},
		{"telemetry http endpoint is a URL", "telemetry: {enabled: true, protocol: http, endpoint: '127.0.0.1:4318'}", nil, []string{
			`telemetry.endpoint: "127.0.0.1:4318" is not an http(s) URL`}},
		{"debug listener on loopback only", "listen: {debug: '0.0.0.0:6060'}", nil, []string{`listen.debug: "0.0.0.0:6060" is not a loopback address`}},
		{"same listen address", "listen: {http: ':80', grpc: ':80'}", nil, []string{"listen.grpc: is the same address as listen.http"}},
		{"secrets provider cannot use itself", "providers: {secrets: {store: {type: x, config: {}}}}", nil, []string{"no secrets adapter is built"}},
		{"secrets needs a type", "providers: {secrets: {keeper: {config: {}}}}", nil, []string{"providers.secrets.keeper.type: is required"}},
		{"secrets type and split", "providers: {secrets: {type: a, store: {type: b}}}", nil, []string{
			"providers.secrets: sets both type and store/keeper", `unknown secrets type "a"`, `unknown secrets type "b"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load([]byte(tt.src), config.Options{File: "f.yaml", Environ: tt.environ, Sources: sources()})
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			var ps *config.Problems
			require.ErrorAs(t, err, &ps)
			assert.Len(t, ps.List, len(tt.want), "problems: %v", err)
		})
	}
}

func TestExampleValidates(t *testing.T) {
	_, err := config.Load([]byte(config.Example()), config.Options{File: "example.yaml"})
	require.NoError(t, err, "the example must validate with the adapters built in")
	var n yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(config.Example()), &n))
	assert.Contains(t, config.Example(), "# ", "the example is commented")
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := config.Schema(sources())
	require.NoError(t, err)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	var head struct {
		Schema string `json:"$schema"`
	}
	require.NoError(t, json.Unmarshal(b, &head))
	assert.Equal(t, "https://json-schema.org/draft/2020-12/schema", head.Schema)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource(config.SchemaID, doc))
	s, err := c.Compile(config.SchemaID) // checks the schema against the draft 2020-12 meta-schema
	require.NoError(t, err)
	return s
}

func yamlToJSON(t *testing.T, file string) any {
	t.Helper()
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	var v any
	require.NoError(t, yaml.Unmarshal(raw, &v))
	b, err := json.Marshal(v)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	return inst
}

func TestSchemaAgreesWithLoad(t *testing.T) {
	s := compileSchema(t)
	require.NoError(t, s.Validate(yamlToJSON(t, "testdata/good.yaml")))
	err := s.Validate(yamlToJSON(t, "testdata/bad.yaml"))
	require.Error(t, err)
	msg := err.Error()
	for _, w := range []string{"grpcc", "/startup/shutdownTimeout", "/providers/database", "'type'"} {
		assert.Contains(t, msg, w)
	}
}

func TestSchemaChecksAdapterConfig(t *testing.T) {
	s := compileSchema(t)
	for name, src := range map[string]string{
		"unknown adapter":    `{"providers": {"database": {"type": "nope"}}}`,
		"unknown config key": `{"providers": {"database": {"type": "testdb", "config": {"host": "h", "hots": 1}}}}`,
		"required missing":   `{"providers": {"database": {"type": "testdb", "config": {"port": 1}}}}`,
		"bad secret ref":     `{"providers": {"database": {"type": "testdb", "config": {"host": "h", "password": {"env": "A", "file": "B"}}}}}`,
		"secrets both forms": `{"providers": {"secrets": {"type": "a", "store": {"type": "b"}}}}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(src))
		require.NoError(t, err)
		assert.Error(t, s.Validate(inst), name)
	}
}

type brokerConfig struct {
	URL string       `yaml:"url"`
	TLS provider.TLS `yaml:"tls"`
}

func (c *brokerConfig) Validate() error { return c.TLS.Validate() }

// TestLoadMovesDeprecatedKeys: a deprecated TLS key still loads, moved to its replacement, and
// Load lists it for `eim config validate` and `eim serve` to report.
func TestLoadMovesDeprecatedKeys(t *testing.T) {
	r := provider.NewRegistry[struct{}, struct{}]("messaging")
	provider.Register(r, "testbroker", func() *brokerConfig { return &brokerConfig{} },
		func(context.Context, *brokerConfig, struct{}) (struct{}, error) { return struct{}{}, nil })
	doc := "providers:\n  messaging:\n    type: testbroker\n    config: {url: nats://x, tls: {enabled: true, caFile: /etc/eim/ca.pem}}\n"
	cfg, err := config.Load([]byte(doc), config.Options{Sources: []provider.ConfigSource{r}})
	require.NoError(t, err)
	got := cfg.Providers.Messaging.Settings.(*brokerConfig).TLS
	assert.Equal(t, provider.TLS{Mode: provider.TLSVerifyFull, CA: provider.SecretRef{File: "/etc/eim/ca.pem"}}, got)
	require.Len(t, cfg.Deprecations, 2)
	assert.Equal(t, "providers.messaging.config.tls.enabled is deprecated: write providers.messaging.config.tls.mode: verify-full", cfg.Deprecations[0].String())
	assert.Equal(t, "providers.messaging.config.tls.caFile", cfg.Deprecations[1].Path)
}
