package config_test

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/services/config"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the configuration tables of docs/providers/<kind>.md")

// TestDocsConfigTables checks that docs/providers/<kind>.md holds, for every adapter of every
// kind, the configuration table ReferenceTable generates from its configuration type (keys,
// types, defaults of NewConfig and the descriptions of the fields' doc comments), between
// <!-- config:<adapter> --> and <!-- /config:<adapter> -->. Run with -update-docs to rewrite
// the tables.
func TestDocsConfigTables(t *testing.T) {
	for _, k := range kinds.All() {
		path := filepath.Join("..", "..", "docs", "providers", k.Name+".md")
		b, err := os.ReadFile(path)
		require.NoError(t, err, "kind %s", k.Name)
		doc := string(b)
		require.NotEmpty(t, k.Registry.Names(), "kind %s has adapters", k.Name)
		for _, name := range k.Registry.Names() {
			cfg, err := k.Registry.NewConfig(name)
			require.NoError(t, err)
			re := regexp.MustCompile(`(?s)<!-- config:` + regexp.QuoteMeta(name) + ` -->\n.*?<!-- /config:` + regexp.QuoteMeta(name) + ` -->`)
			block := "<!-- config:" + name + " -->\n" + config.ReferenceTable(cfg) + "<!-- /config:" + name + " -->"
			if !assert.Regexp(t, re, doc, "%s needs the markers <!-- config:%s --> and <!-- /config:%s --> where the %s table goes", path, name, name, name) {
				continue
			}
			if *updateDocs {
				doc = re.ReplaceAllLiteralString(doc, block)
				continue
			}
			assert.Contains(t, doc, block, "the %s %s table of %s is stale: run go test ./services/config -run TestDocsConfigTables -update-docs", k.Name, name, path)
		}
		if *updateDocs && doc != string(b) {
			require.NoError(t, os.WriteFile(path, []byte(doc), 0o644))
		}
	}
}
