package config

import (
	"encoding/json"
	"reflect"

	"github.com/invopop/jsonschema"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
)

//go:generate go run ../../internal/configdoc/gen

// SchemaID identifies the generated schema.
const SchemaID = "https://github.com/eim-byoi/eim/schemas/eim.yaml.json"

// Schema returns the JSON Schema (draft 2020-12) of eim.yaml, generated from the Go types: the
// top level, and for each provider kind an envelope whose config is checked against the typed
// configuration of the adapter its type names. Every property's description is its field's doc
// comment (descriptions_gen.go). The Helm chart's values.schema.json reuses it.
func Schema(sources []provider.ConfigSource) ([]byte, error) {
	r := reflector()
	root := r.Reflect(Default())
	root.ID = SchemaID
	root.Title = "eim.yaml"
	providers, _ := root.Properties.Get("providers")
	for _, k := range kinds.All() {
		env := envelopeSchema(r, k.Name, sourceFor(sources, k.Name))
		if k.Split {
			env = splitSchema(env, k.Key)
		}
		providers.Properties.Set(k.Key, env)
	}
	return json.MarshalIndent(root, "", "  ")
}

// reflector reflects the configuration types with the descriptions generated from their doc
// comments.
func reflector() *jsonschema.Reflector {
	r := &jsonschema.Reflector{
		FieldNameTag:               "yaml",
		RequiredFromJSONSchemaTags: true,
		DoNotReference:             true,
		CommentMap:                 descriptions(),
	}
	r.Mapper = func(t reflect.Type) *jsonschema.Schema { return mapType(r, t) }
	return r
}

// commentKey is the key of a field's description in the CommentMap: "<package path>.<type>.<field>".
func commentKey(t reflect.Type, field string) string {
	return t.PkgPath() + "." + t.Name() + "." + field
}

// describe returns the description of the field of t named field.
func describe(r *jsonschema.Reflector, t reflect.Type, field string) string {
	return r.CommentMap[commentKey(t, field)]
}

func mapType(r *jsonschema.Reflector, t reflect.Type) *jsonschema.Schema {
	switch t {
	case reflect.TypeFor[provider.Duration]():
		return &jsonschema.Schema{Type: "string", Pattern: `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`,
			Description: "a Go duration, e.g. 30s or 5m"}
	case reflect.TypeFor[provider.SecretRef]():
		return secretRefSchema(r)
	case reflect.TypeFor[provider.Envelope](), reflect.TypeFor[Block]():
		return envelopeSchema(r, "any", nil) // replaced per kind by Schema
	}
	return nil
}

func secretRefSchema(r *jsonschema.Reflector) *jsonschema.Schema {
	one := uint64(1)
	ref := reflect.TypeFor[provider.SecretRef]()
	props := jsonschema.NewProperties()
	props.Set("env", &jsonschema.Schema{Type: "string", MinLength: &one, Description: describe(r, ref, "Env")})
	props.Set("file", &jsonschema.Schema{Type: "string", MinLength: &one, Description: describe(r, ref, "File")})
	props.Set("secret", &jsonschema.Schema{Type: "string", Pattern: `^[^#]+#[^#]+$`, Description: describe(r, ref, "Secret")})
	return &jsonschema.Schema{
		Type: "object", Properties: props, AdditionalProperties: jsonschema.FalseSchema,
		MinProperties: &one, MaxProperties: &one,
		Description: "a reference to a credential: exactly one of env, file or secret",
	}
}

// envelopeSchema is {type, config} for kind: type is one of the registered adapters, and config
// is checked against the adapter's typed configuration when type names it.
func envelopeSchema(r *jsonschema.Reflector, kind string, src provider.ConfigSource) *jsonschema.Schema {
	var names []any
	var branches []*jsonschema.Schema
	if src != nil {
		for _, n := range src.Names() {
			names = append(names, n)
			cfg, err := src.NewConfig(n)
			if err != nil {
				continue
			}
			cs := r.Reflect(cfg)
			cs.Version, cs.ID = "", ""
			cs.Description = "the configuration of the " + kind + " adapter " + n
			branches = append(branches, ifTypeThenConfig(n, cs))
		}
	}
	envType := reflect.TypeFor[provider.Envelope]()
	typ := &jsonschema.Schema{Type: "string", Description: describe(r, envType, "Type")}
	if len(names) > 0 {
		typ.Enum = names
	} else {
		typ.Not = &jsonschema.Schema{} // no adapter of this kind is built in: no type is valid
	}
	props := jsonschema.NewProperties()
	props.Set("type", typ)
	props.Set("config", &jsonschema.Schema{Type: "object", Description: describe(r, envType, "Config")})
	return &jsonschema.Schema{
		Type: "object", Properties: props, Required: []string{"type"}, AdditionalProperties: jsonschema.FalseSchema,
		AllOf: branches, Description: "the " + kind + " provider: {type, config}",
	}
}

// splitSchema extends the envelope of a split kind (secrets) with the store and keeper
// alternative: either type and config, or store and/or keeper, each an envelope of the same
// adapters.
func splitSchema(env *jsonschema.Schema, key string) *jsonschema.Schema {
	one := &jsonschema.Schema{
		Type: "object", Properties: env.Properties, AdditionalProperties: jsonschema.FalseSchema,
		Required: env.Required, AllOf: env.AllOf, Description: env.Description,
	}
	props := jsonschema.NewProperties()
	props.Set("store", one)
	props.Set("keeper", one)
	split := &jsonschema.Schema{Type: "object", Properties: props, AdditionalProperties: jsonschema.FalseSchema,
		Description: "a store and a keeper chosen independently"}
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{one, split},
		Description: "the " + key + " provider: {type, config}, or {store: {type, config}, keeper: {type, config}}"}
}

func ifTypeThenConfig(name string, config *jsonschema.Schema) *jsonschema.Schema {
	ifProps := jsonschema.NewProperties()
	ifProps.Set("type", &jsonschema.Schema{Const: name})
	thenProps := jsonschema.NewProperties()
	thenProps.Set("config", config)
	return &jsonschema.Schema{
		If:   &jsonschema.Schema{Properties: ifProps, Required: []string{"type"}},
		Then: &jsonschema.Schema{Properties: thenProps},
	}
}
