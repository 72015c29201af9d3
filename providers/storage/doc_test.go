package storage_test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/storage/mysql"
	"github.com/eim-byoi/eim/providers/storage/postgres"
	"github.com/eim-byoi/eim/providers/storage/sqlite"
)

// yamlKeys lists the dotted yaml keys of a configuration type, inline structs flattened.
func yamlKeys(t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.Anonymous && strings.Contains(opts, "inline") {
			keys = append(keys, yamlKeys(f.Type, prefix)...)
			continue
		}
		if name == "" || name == "-" {
			continue
		}
		key := prefix + name
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft.Name() != "SecretRef" {
			keys = append(keys, yamlKeys(ft, key+".")...)
			continue
		}
		keys = append(keys, key)
	}
	return keys
}

func TestDocumentsEveryKey(t *testing.T) {
	doc, err := os.ReadFile("../../docs/providers/storage.md")
	require.NoError(t, err)
	for _, cfg := range []any{postgres.NewConfig(), mysql.NewConfig(), sqlite.NewConfig()} {
		for _, k := range yamlKeys(reflect.TypeOf(cfg), "") {
			assert.Contains(t, string(doc), "`"+k+"`", "docs/providers/storage.md documents %T key %s", cfg, k)
		}
	}
}
