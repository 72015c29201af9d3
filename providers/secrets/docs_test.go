package secrets_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	_ "github.com/eim-byoi/eim/providers/secrets/file"
	_ "github.com/eim-byoi/eim/providers/secrets/kms"
	_ "github.com/eim-byoi/eim/providers/secrets/local"
	_ "github.com/eim-byoi/eim/providers/secrets/vault"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the configuration tables of docs/providers/secrets.md")

const docPath = "../../docs/providers/secrets.md"

// TestDocsMatchConfig checks that docs/providers/secrets.md holds, for each adapter, the
// configuration table generated from its configuration type (keys, types, defaults and
// descriptions). Run with -update-docs to regenerate the tables.
func TestDocsMatchConfig(t *testing.T) {
	b, err := os.ReadFile(docPath)
	require.NoError(t, err)
	doc := string(b)
	for _, name := range secrets.Registry.Names() {
		cfg, err := secrets.Registry.NewConfig(name)
		require.NoError(t, err)
		table := configTable(cfg)
		re := regexp.MustCompile(`(?s)<!-- config:` + name + ` -->\n.*?<!-- /config:` + name + ` -->`)
		block := "<!-- config:" + name + " -->\n" + table + "<!-- /config:" + name + " -->"
		if *updateDocs {
			require.True(t, re.MatchString(doc), "docs/providers/secrets.md needs <!-- config:%s --> markers", name)
			doc = re.ReplaceAllLiteralString(doc, block)
			continue
		}
		assert.Contains(t, doc, block, "the %s table is stale: run go test ./providers/secrets -run TestDocsMatchConfig -update-docs", name)
	}
	if *updateDocs {
		require.NoError(t, os.WriteFile(filepath.Clean(docPath), []byte(doc), 0o644))
	}
}

// configTable renders a Markdown table of every key of cfg.
func configTable(cfg provider.AdapterConfig) string {
	var sb strings.Builder
	sb.WriteString("| key | type | default | description |\n|---|---|---|---|\n")
	walkConfig(&sb, reflect.ValueOf(cfg).Elem(), "")
	return sb.String()
}

var (
	durationType  = reflect.TypeFor[provider.Duration]()
	secretRefType = reflect.TypeFor[provider.SecretRef]()
)

func walkConfig(sb *strings.Builder, v reflect.Value, prefix string) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		path := provider.JoinPath(prefix, name)
		fv := v.Field(i)
		ft := f.Type
		optional := ""
		if ft.Kind() == reflect.Pointer {
			optional = "optional "
			ft = ft.Elem()
			if fv.IsNil() {
				fv = reflect.New(ft).Elem()
			} else {
				fv = fv.Elem()
			}
		}
		desc := f.Tag.Get("jsonschema_description")
		if ft.Kind() == reflect.Struct && ft != durationType && ft != secretRefType {
			fmt.Fprintf(sb, "| `%s` | %sblock |  | %s |\n", path, optional, desc)
			walkConfig(sb, fv, path)
			continue
		}
		fmt.Fprintf(sb, "| `%s` | %s%s | %s | %s |\n", path, optional, typeName(ft), defaultOf(fv), desc)
	}
}

func typeName(t reflect.Type) string {
	switch t {
	case durationType:
		return "duration"
	case secretRefType:
		return "reference ({env} or {file})"
	}
	if t.Kind() == reflect.Slice {
		return "list of " + t.Elem().Kind().String()
	}
	return t.Kind().String()
}

func defaultOf(v reflect.Value) string {
	if v.IsZero() {
		return ""
	}
	if s, ok := v.Interface().(fmt.Stringer); ok {
		return "`" + s.String() + "`"
	}
	return fmt.Sprintf("`%v`", v.Interface())
}
