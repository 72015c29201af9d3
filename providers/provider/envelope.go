package provider

import (
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Envelope is the {type, config} block that selects and configures one provider:
//
//	database:
//	  type: postgres
//	  config: {host: db.example.com, ...}
//
// Configuration loading decodes Config strictly into the typed configuration of the adapter
// registered as Type and keeps it in Settings.
type Envelope struct {
	// Type is the name of the adapter, one of those registered for the kind.
	Type string `yaml:"type"`
	// Config is the adapter's configuration, decoded strictly into its typed configuration.
	Config yaml.Node `yaml:"config"`
	// Settings is Config decoded into the adapter's typed configuration, defaults applied.
	Settings AdapterConfig `yaml:"-"`
}

// WalkSecretRefs calls fn for every SecretRef reachable from v (a pointer to a struct), with its
// dotted path under prefix, so that references can be validated and resolved in place.
// Envelopes are entered through their Settings under "<path>.config".
func WalkSecretRefs(v any, prefix string, fn func(path string, ref *SecretRef)) {
	walk(reflect.ValueOf(v), prefix, func(path string, p any) bool {
		if ref, ok := p.(*SecretRef); ok {
			fn(path, ref)
			return true
		}
		return false
	})
}

// Upgrade moves the deprecated keys of cfg (an adapter configuration) to their replacements:
// every TLS block it holds, and cfg itself when it is an Upgrader. It returns one notice per
// key moved, with paths under prefix.
func Upgrade(cfg any, prefix string) []Deprecation {
	var out []Deprecation
	if u, ok := cfg.(Upgrader); ok {
		for _, d := range u.Upgrade() {
			d.Path, d.Use = JoinPath(prefix, d.Path), JoinPath(prefix, d.Use)
			out = append(out, d)
		}
	}
	walk(reflect.ValueOf(cfg), prefix, func(path string, p any) bool {
		if t, ok := p.(*TLS); ok {
			out = append(out, t.Upgrade(path)...)
			return true
		}
		return false
	})
	return out
}

var nodeType = reflect.TypeFor[yaml.Node]()

// walk calls visit with a pointer to every addressable struct reachable from v and its dotted
// path (YAML key names); when visit returns true the struct is not entered. Envelopes are
// entered through their Settings under "<path>.config".
func walk(v reflect.Value, path string, visit func(string, any) bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walk(v.Elem(), path, visit)
		}
	case reflect.Struct:
		walkStruct(v, path, visit)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walk(v.Index(i), path+"["+strconv.Itoa(i)+"]", visit)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if iter.Key().Kind() == reflect.String {
				elem := reflect.New(iter.Value().Type()).Elem()
				elem.Set(iter.Value())
				walk(elem, JoinPath(path, iter.Key().String()), visit)
				v.SetMapIndex(iter.Key(), elem)
			}
		}
	}
}

func walkStruct(v reflect.Value, path string, visit func(string, any) bool) {
	if v.Type() == nodeType || !v.CanAddr() {
		return
	}
	if visit(path, v.Addr().Interface()) {
		return
	}
	if env, ok := v.Addr().Interface().(*Envelope); ok {
		if env.Settings != nil {
			walk(reflect.ValueOf(env.Settings), JoinPath(path, "config"), visit)
		}
		return
	}
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		switch {
		case sf.Anonymous && strings.Contains(opts, "inline"):
			walk(v.Field(i), path, visit)
			continue
		case !sf.IsExported() || name == "-":
			continue
		case name == "":
			name = strings.ToLower(sf.Name)
		}
		walk(v.Field(i), JoinPath(path, name), visit)
	}
}
