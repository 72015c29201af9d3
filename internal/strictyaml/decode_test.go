package strictyaml_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/eim-byoi/eim/internal/strictyaml"
	"github.com/eim-byoi/eim/providers/provider"
)

type tlsConfig struct {
	Mode string `yaml:"mode"`
}

type base struct {
	Name string `yaml:"name"`
}

type doc struct {
	base    `yaml:",inline"`
	Host    string             `yaml:"host"`
	Port    int                `yaml:"port"`
	Small   uint8              `yaml:"small"`
	Ratio   float64            `yaml:"ratio"`
	Enabled bool               `yaml:"enabled"`
	Timeout provider.Duration  `yaml:"timeout"`
	TLS     *tlsConfig         `yaml:"tls"`
	Tags    []string           `yaml:"tags"`
	Labels  map[string]string  `yaml:"labels"`
	Nodes   []tlsConfig        `yaml:"nodes"`
	Raw     yaml.Node          `yaml:"raw"`
	Any     any                `yaml:"any"`
	Ref     provider.SecretRef `yaml:"ref"`
	Ignored string             `yaml:"-"`
}

func decode(t *testing.T, src string, env map[string]string) (*doc, *strictyaml.Decoder) {
	t.Helper()
	var n yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(src), &n))
	d := strictyaml.NewDecoder(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, "EIM_")
	out := &doc{Host: "default-host", Port: 1}
	d.Decode(&n, "", out)
	return out, d
}

func messages(d *strictyaml.Decoder) []string {
	var out []string
	for _, p := range d.Problems() {
		out = append(out, p.String())
	}
	return out
}

func TestDecodeValid(t *testing.T) {
	src := `
name: n1
port: 0x10
small: 255
ratio: 2
enabled: true
timeout: 1m30s
tls: {mode: verify-full}
tags: [a, b]
labels: {x: "1"}
nodes:
  - mode: a
  - mode: b
raw: {anything: [1, 2]}
any: {k: v}
ref: {env: PW}
`
	out, d := decode(t, src, nil)
	require.Empty(t, messages(d))
	assert.Equal(t, "n1", out.Name, "inline fields decode")
	assert.Equal(t, "default-host", out.Host, "absent keys keep their defaults")
	assert.Equal(t, 16, out.Port)
	assert.Equal(t, uint8(255), out.Small)
	assert.InDelta(t, 2.0, out.Ratio, 0)
	assert.True(t, out.Enabled)
	assert.Equal(t, 90*time.Second, out.Timeout.Std())
	assert.Equal(t, "verify-full", out.TLS.Mode)
	assert.Equal(t, []string{"a", "b"}, out.Tags)
	assert.Equal(t, map[string]string{"x": "1"}, out.Labels)
	assert.Equal(t, []tlsConfig{{"a"}, {"b"}}, out.Nodes)
	assert.Equal(t, yaml.MappingNode, out.Raw.Kind)
	assert.Equal(t, map[string]any{"k": "v"}, out.Any)
	assert.Equal(t, "PW", out.Ref.Env)
	line, col := d.Position("tls.mode")
	assert.Equal(t, 8, line)
	assert.Equal(t, 7, col)
}

func TestDecodeProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"unknown key with suggestion", "hots: x", `1:1: hots: unknown key "hots" (fix: did you mean "host"?)`},
		{"unknown key lists known", "tls: {zzzzzz: 1}", `1:7: tls.zzzzzz: unknown key "zzzzzz" (fix: remove it; known keys here: mode)`},
		{"string for int", "port: abc", `1:7: port: expected an integer, got "abc"`},
		{"quoted number for int", `port: "80"`, `1:7: port: expected an integer, got "80"`},
		{"int overflow", "small: 300", "1:8: small: 300 is out of range"},
		{"negative uint", "small: -1", `1:8: small: expected a non-negative integer`},
		{"bool", "enabled: yes", `1:10: enabled: expected a boolean (true or false), got "yes"`},
		{"float", "ratio: x", `1:8: ratio: expected a number, got "x"`},
		{"duration", "timeout: 10", `1:10: timeout: expected a duration such as "30s" or "5m", got "10"`},
		{"mapping for string", "host: {a: 1}", "1:7: host: expected a string, got a mapping"},
		{"list for struct", "tls: [1]", "1:6: tls: expected a mapping, got a list"},
		{"scalar for list", "tags: a", "1:7: tags: expected a list, got \"a\""},
		{"scalar for map", "labels: a", "1:9: labels: expected a mapping, got \"a\""},
		{"nested list item", "nodes: [{mode: a}, {mod: b}]", `1:21: nodes[1].mod: unknown key "mod" (fix: did you mean "mode"?)`},
		{"duplicate key", "host: a\nhost: b", `2:1: host: key "host" is repeated (first at line 1) (fix: keep one)`},
		{"non-string key", "? [a]\n: b", "1:3: a key must be a plain string, got a list"},
		{"ignored field is unknown", "ignored: x", `unknown key "ignored"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, d := decode(t, tt.src, nil)
			msgs := messages(d)
			require.Len(t, msgs, 1, "problems: %v", msgs)
			assert.Contains(t, msgs[0], tt.want)
		})
	}
}

func TestDecodeReportsEveryProblem(t *testing.T) {
	_, d := decode(t, "hots: x\nport: abc\ntls: {mod: a}\nenabled: 3\n", nil)
	assert.Len(t, d.Problems(), 4, "all problems, not the first: %v", messages(d))
}

func TestDecodeMergeKeys(t *testing.T) {
	out, d := decode(t, "nodes:\n  - &d {mode: require}\n  - <<: *d\ntls:\n  <<: *d\n  mode: verify-full\n", nil)
	require.Empty(t, messages(d))
	assert.Equal(t, []tlsConfig{{"require"}, {"require"}}, out.Nodes, "merged keys apply")
	assert.Equal(t, "verify-full", out.TLS.Mode, "written keys win over merged ones")
}

func TestDecodeNullKeepsDefault(t *testing.T) {
	out, d := decode(t, "host: ~\ntls:\n", nil)
	require.Empty(t, messages(d))
	assert.Equal(t, "default-host", out.Host)
	assert.Nil(t, out.TLS)
}

func TestDecodeEnvOverrides(t *testing.T) {
	env := map[string]string{
		"EIM_HOST":     "from-env",
		"EIM_PORT":     "8443",
		"EIM_TLS_MODE": "disable",
		"EIM_TAGS":     "x, y",
		"EIM_REF_FILE": "/run/pw",
		"EIM_NAME":     "inline-env",
	}
	out, d := decode(t, "host: from-file\nport: 1\n", env)
	require.Empty(t, messages(d))
	assert.Equal(t, "from-env", out.Host, "env wins over the file")
	assert.Equal(t, 8443, out.Port)
	require.NotNil(t, out.TLS, "env creates an absent optional block")
	assert.Equal(t, "disable", out.TLS.Mode)
	assert.Equal(t, []string{"x", "y"}, out.Tags)
	assert.Equal(t, "/run/pw", out.Ref.File)
	assert.Equal(t, "inline-env", out.Name)
	for k := range env {
		assert.True(t, d.UsedEnv(k), k)
	}
	assert.Equal(t, "EIM_TLS_MODE", d.EnvName("tls.mode"))
}

func TestDecodeEnvProblems(t *testing.T) {
	_, d := decode(t, "", map[string]string{"EIM_PORT": "eighty", "EIM_ENABLED": "maybe"})
	msgs := strings.Join(messages(d), "\n")
	assert.Contains(t, msgs, `port: expected an integer, got "eighty" [from env EIM_PORT]`)
	assert.Contains(t, msgs, `enabled: expected a boolean (true or false), got "maybe" [from env EIM_ENABLED]`)
}

func TestProblemsSortAndFormat(t *testing.T) {
	ps := &strictyaml.Problems{File: "eim.yaml", List: []strictyaml.Problem{
		{Message: "no line"},
		{Path: "b", Line: 9, Column: 1, Message: "late"},
		{Path: "a", Line: 2, Column: 3, Message: "early", Fix: "do it"},
	}}
	ps.Sort()
	assert.Equal(t, "eim.yaml:2:3: a: early (fix: do it)\neim.yaml:9:1: b: late\neim.yaml: no line", ps.Error())
}
