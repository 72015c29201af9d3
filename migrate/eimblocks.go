package migrate

import (
	"reflect"
	"slices"
	"strings"

	"github.com/eim-byoi/eim/services/config"
)

// eimSettings lists, per module, the settings of its eim.yaml block (config.Config's field named
// after the module): the module settings an eim.yaml carries as they are. A module without a
// block has none.
func eimSettings() map[string][]string {
	out := map[string][]string{}
	t := reflect.TypeFor[config.Config]()
	for i := range t.NumField() {
		f := t.Field(i)
		name := yamlName(f)
		if !slices.Contains(moduleOrder(), name) || f.Type.Kind() != reflect.Struct {
			continue
		}
		for j := range f.Type.NumField() {
			if k := yamlName(f.Type.Field(j)); k != "" && k != "-" {
				out[name] = append(out[name], k)
			}
		}
	}
	return out
}

// yamlName is the key a struct field has in YAML.
func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

// isEIMSetting reports whether the chart-values path mod.key... is a setting of the module's
// eim.yaml block.
func isEIMSetting(p []string) bool {
	return len(p) >= 2 && slices.Contains(eimSettings()[p[0]], p[1])
}
