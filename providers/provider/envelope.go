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
	Type     string        `yaml:"type"`
	Config   yaml.Node     `yaml:"config"`
	Settings AdapterConfig `yaml:"-"`
}

// WalkSecretRefs calls fn for every SecretRef reachable from v (a pointer to a struct), with its
// dotted path under prefix, so that references can be validated and resolved in place.
// Envelopes are entered through their Settings under "<path>.config".
func WalkSecretRefs(v any, prefix string, fn func(path string, ref *SecretRef)) {
	walkRefs(reflect.ValueOf(v), prefix, fn)
}

var secretRefType = reflect.TypeFor[SecretRef]()

func walkRefs(v reflect.Value, path string, fn func(string, *SecretRef)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkRefs(v.Elem(), path, fn)
		}
	case reflect.Struct:
		walkStruct(v, path, fn)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkRefs(v.Index(i), path+"["+strconv.Itoa(i)+"]", fn)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if iter.Key().Kind() == reflect.String {
				elem := reflect.New(iter.Value().Type()).Elem()
				elem.Set(iter.Value())
				walkRefs(elem, JoinPath(path, iter.Key().String()), fn)
				v.SetMapIndex(iter.Key(), elem)
			}
		}
	}
}

func walkStruct(v reflect.Value, path string, fn func(string, *SecretRef)) {
	if v.Type() == secretRefType {
		if v.CanAddr() {
			fn(path, v.Addr().Interface().(*SecretRef))
		}
		return
	}
	if v.Type() == reflect.TypeFor[yaml.Node]() {
		return
	}
	if !v.CanAddr() {
		return
	}
	if env, ok := v.Addr().Interface().(*Envelope); ok {
		if env.Settings != nil {
			walkRefs(reflect.ValueOf(env.Settings), JoinPath(path, "config"), fn)
		}
		return
	}
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		switch {
		case sf.Anonymous && strings.Contains(opts, "inline"):
			walkRefs(v.Field(i), path, fn)
			continue
		case !sf.IsExported() || name == "-":
			continue
		case name == "":
			name = strings.ToLower(sf.Name)
		}
		walkRefs(v.Field(i), JoinPath(path, name), fn)
	}
}
