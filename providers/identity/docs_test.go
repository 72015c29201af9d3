package identity_test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/identity/keycloak"
	"github.com/eim-byoi/eim/providers/identity/local"
	"github.com/eim-byoi/eim/providers/identity/oidc"
)

// TestDocsListEveryKey checks that docs/providers/identity.md documents every configuration key
// of the three adapters.
func TestDocsListEveryKey(t *testing.T) {
	doc, err := os.ReadFile("../../docs/providers/identity.md")
	require.NoError(t, err)
	for _, cfg := range []any{identity.Policy{}, oidc.Config{}, keycloak.Config{}, local.Config{}} {
		for _, key := range yamlKeys(reflect.TypeOf(cfg), "") {
			assert.True(t, strings.Contains(string(doc), "`"+key+"`"), "%T: key %s is not documented in docs/providers/identity.md", cfg, key)
		}
	}
}

func yamlKeys(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if strings.Contains(opts, "inline") {
			out = append(out, yamlKeys(f.Type, prefix)...)
			continue
		}
		key := prefix + name
		if ft := f.Type; ft.Kind() == reflect.Struct && ft.PkgPath() != "github.com/eim-byoi/eim/providers/provider" {
			out = append(out, yamlKeys(ft, key+".")...) // a block: its keys are documented
			continue
		}
		out = append(out, key)
	}
	return out
}
