package config_test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/configdoc"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/services/config"
	_ "github.com/eim-byoi/eim/services/process" // registers the adapters built into the binary
)

// TestDescriptionsUpToDate fails when descriptions_gen.go no longer matches the doc comments of
// the configuration types, or when a configuration field has no usable doc comment.
func TestDescriptionsUpToDate(t *testing.T) {
	roots, err := configdoc.Roots(reflect.TypeFor[config.Config](), kinds.Sources())
	require.NoError(t, err)
	want, err := configdoc.Generate("config", "descriptions", ".", roots)
	require.NoError(t, err, "fix the doc comments, then run go generate ./services/config")
	got, err := os.ReadFile("descriptions_gen.go")
	require.NoError(t, err)
	if string(want) != string(got) {
		t.Errorf("descriptions_gen.go is stale: run go generate ./services/config\nwanted, not there:\n%s\nthere, not wanted:\n%s",
			missingLines(want, got), missingLines(got, want))
	}
}

// missingLines returns the lines of a that b does not have.
func missingLines(a, b []byte) string {
	have := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		have[strings.TrimSpace(l)] = true
	}
	var out []string
	for _, l := range strings.Split(string(a), "\n") {
		if !have[strings.TrimSpace(l)] {
			out = append(out, "\t"+strings.TrimSpace(l))
		}
	}
	return strings.Join(out, "\n")
}

// TestSchemaDescribesEveryField fails when a property of `eim config schema` — the top level,
// and every field of every adapter of every kind — has no description.
func TestSchemaDescribesEveryField(t *testing.T) {
	b, err := config.Schema(kinds.Sources())
	require.NoError(t, err)
	var root map[string]any
	require.NoError(t, json.Unmarshal(b, &root))
	var missing []string
	described := 0
	walkSchema(root, "", func(path string, prop map[string]any) {
		if d, _ := prop["description"].(string); d == "" {
			missing = append(missing, path)
			return
		}
		described++
	})
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("%s has no description: write the doc comment of its field, then run go generate ./services/config", m)
	}
	for _, k := range kinds.All() {
		for _, name := range k.Registry.Names() {
			assert.Contains(t, string(b), `"const": "`+name+`"`, "the schema has the configuration of %s adapter %s", k.Name, name)
		}
	}
	assert.Greater(t, described, 200, "every adapter's fields are in the schema")
}

// walkSchema calls fn for every property of every (sub)schema of s with its path: keys joined
// by dots, the adapter a config branch applies to in brackets (providers.database.config[postgres].host),
// list items as []. The conditions of if/then branches are not properties.
func walkSchema(s map[string]any, path string, fn func(path string, prop map[string]any)) {
	if props, ok := s["properties"].(map[string]any); ok {
		for name, p := range props {
			prop, _ := p.(map[string]any)
			fn(join(path, name), prop)
			walkSchema(prop, join(path, name), fn)
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		walkSchema(items, path+"[]", fn)
	}
	for _, key := range []string{"allOf", "oneOf", "anyOf"} {
		list, _ := s[key].([]any)
		for _, sub := range list {
			sub, _ := sub.(map[string]any)
			walkBranch(sub, path, fn)
		}
	}
}

// walkBranch walks one branch of allOf/oneOf/anyOf: an if {type: const} / then {config}
// pair is walked as the config of that adapter.
func walkBranch(s map[string]any, path string, fn func(path string, prop map[string]any)) {
	then, ok := s["then"].(map[string]any)
	if !ok {
		walkSchema(s, path, fn)
		return
	}
	adapter := fmt.Sprint(dig(s, "if", "properties", "type", "const"))
	cfg, _ := dig(then, "properties", "config").(map[string]any)
	fn(join(path, "config["+adapter+"]"), cfg)
	walkSchema(cfg, join(path, "config["+adapter+"]"), fn)
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
