// Package chartgen generates the files of charts/ that derive from the Go sources: the module
// graph the templates resolve `target` with (eim-common/templates/_graph.tpl), the values schema
// of every chart (from the configuration types, the JSON Schema `eim config schema` prints), the
// Chart.yaml of every chart (version and appVersion = VERSION) and each module's sub-chart
// (charts/eim-<module>: Chart.yaml, values.yaml taken from the umbrella's, one template). A module
// added to the graph (services/module/eim.go) gets its sub-chart from `go generate ./charts`.
package chartgen

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"

	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/services/process"
)

// Common is the directory of the library chart holding the shared templates.
const Common = "eim-common"

// Umbrella is the directory of the umbrella chart.
const Umbrella = "eim"

// Input is what the generated files derive from besides the Go sources.
type Input struct {
	// Version is the content of VERSION: every chart's version and appVersion.
	Version string
	// UmbrellaValues is charts/eim/values.yaml: the sub-charts' values.yaml are cut from it.
	UmbrellaValues []byte
}

// Output is the generated tree: file contents and symbolic links, by path relative to charts/.
type Output struct {
	// Files maps a path to its content.
	Files map[string][]byte
	// Links maps a path to the target of the symbolic link there (each chart's charts/eim-common).
	Links map[string]string
}

// SubChart returns the directory of a module's sub-chart.
func SubChart(mod string) string { return "eim-" + mod }

// Generate builds every generated file of charts/.
func Generate(in Input) (*Output, error) {
	cfgSchema, err := configSchema()
	if err != nil {
		return nil, err
	}
	g := module.EIM()
	out := &Output{Files: map[string][]byte{}, Links: map[string]string{}}
	graph, err := graphTemplate(g, cfgSchema)
	if err != nil {
		return nil, err
	}
	out.Files[path.Join(Common, "templates", "_graph.tpl")] = graph
	schema, err := valuesSchema(g, cfgSchema)
	if err != nil {
		return nil, err
	}
	out.Files[path.Join(Common, "Chart.yaml")] = commonChart(in.Version)
	out.Files[path.Join(Umbrella, "Chart.yaml")] = umbrellaChart(in.Version)
	out.Files[path.Join(Umbrella, "values.schema.json")] = schema
	out.Links[path.Join(Umbrella, "charts", Common)] = path.Join("..", "..", Common)
	maps.Copy(out.Files, argoApps(g, in.Version))
	for _, d := range g.Modules() {
		dir := SubChart(d.Name)
		values, err := subValues(in.UmbrellaValues, d.Name)
		if err != nil {
			return nil, err
		}
		out.Files[path.Join(dir, "Chart.yaml")] = subChart(in.Version, d)
		out.Files[path.Join(dir, "values.yaml")] = values
		out.Files[path.Join(dir, "values.schema.json")] = schema
		out.Files[path.Join(dir, "templates", "module.yaml")] = subTemplate(d.Name)
		out.Links[path.Join(dir, "charts", Common)] = path.Join("..", "..", Common)
	}
	return out, nil
}

// configSchema is the JSON Schema of eim.yaml with the adapters built into the binary.
func configSchema() (map[string]any, error) {
	b, err := config.Schema(process.ConfigSources())
	if err != nil {
		return nil, fmt.Errorf("config schema: %w", err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("config schema: %w", err)
	}
	return s, nil
}

// prop returns the schema of property name of object schema s, or nil.
func prop(s map[string]any, name string) map[string]any {
	props, _ := s["properties"].(map[string]any)
	p, _ := props[name].(map[string]any)
	return p
}

// keys returns the property names of object schema s, sorted.
func keys(s map[string]any) []string {
	props, _ := s["properties"].(map[string]any)
	out := make([]string, 0, len(props))
	for k := range props {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
