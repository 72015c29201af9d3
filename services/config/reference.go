package config

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// ReferenceTable returns the configuration reference of an adapter as a Markdown table with
// one row per key of cfg (a pointer to the adapter's configuration struct, as its NewConfig
// returns it): the key's dotted path, its type, its default (cfg's value) and its description,
// the same as in Schema (the field's doc comment). A block is a row followed by the rows of
// its keys, which hold its defaults; the keys of an inline struct are the keys of the struct
// embedding it; the keys of the items of a list of blocks are written list[].key.
// docs/providers holds one table per adapter, checked by the tests of this package.
func ReferenceTable(cfg provider.AdapterConfig) string {
	var b strings.Builder
	b.WriteString("| key | type | default | description |\n|---|---|---|---|\n")
	writeRows(&b, descriptions(), reflect.ValueOf(cfg), "")
	return b.String()
}

// writeRows writes the rows of the keys of v, a struct or a pointer to one, under prefix.
func writeRows(b *strings.Builder, d map[string]string, v reflect.Value, prefix string) {
	v = deref(v)
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		fv := v.Field(i)
		if f.Anonymous && slices.Contains(strings.Split(opts, ","), "inline") {
			writeRows(b, d, fv, prefix)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name) // yaml's default key
		}
		key := provider.JoinPath(prefix, name)
		ft, optional := f.Type, ""
		if ft.Kind() == reflect.Pointer {
			ft, optional = ft.Elem(), "optional "
		}
		fv = deref(fv)
		def := "" // a block's defaults are in its keys' rows
		if !isBlock(ft) {
			def = defaultOf(fv)
		}
		fmt.Fprintf(b, "| `%s` | %s%s | %s | %s |\n", key, optional, typeName(ft), def, markdown(d[commentKey(t, f.Name)]))
		switch {
		case isBlock(ft):
			writeRows(b, d, fv, key)
		case ft.Kind() == reflect.Slice && isBlock(ft.Elem()):
			writeRows(b, d, reflect.New(ft.Elem()), key+"[]")
		}
	}
}

// deref returns the value v points to, or the zero value of its element type when v is a nil
// pointer.
func deref(v reflect.Value) reflect.Value {
	if v.Kind() != reflect.Pointer {
		return v
	}
	if v.IsNil() {
		return reflect.Zero(v.Type().Elem())
	}
	return v.Elem()
}

// isBlock reports whether t is a block of keys, rather than a value written in one piece.
func isBlock(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t != reflect.TypeFor[provider.SecretRef]()
}

// typeName names the type of a key as an operator writes it.
func typeName(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[provider.Duration]():
		return "duration"
	case t == reflect.TypeFor[provider.SecretRef]():
		return "secret reference"
	case isBlock(t):
		return "block"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "list of " + typeName(t.Elem()) + "s"
	case reflect.Map:
		return "map of " + typeName(t.Elem()) + "s"
	}
	return t.Kind().String()
}

// defaultOf formats a default value in YAML flow style, in a code span; "" for a zero value.
func defaultOf(v reflect.Value) string {
	if v.IsZero() {
		return ""
	}
	return "`" + flow(v, true) + "`"
}

// flow formats v as YAML flow: scalars as they are written (durations as 30s, 168h), lists
// as [a, b] and blocks as {key: value} with their zero keys left out. Strings inside lists and
// blocks are quoted when YAML would not read them as plain strings.
func flow(v reflect.Value, top bool) string {
	switch {
	case v.Type() == reflect.TypeFor[provider.Duration]():
		return shortDuration(time.Duration(v.Int()))
	case v.Type() == reflect.TypeFor[provider.SecretRef]():
		return v.Interface().(provider.SecretRef).String()
	}
	switch v.Kind() {
	case reflect.Pointer:
		return flow(deref(v), top)
	case reflect.String:
		if s := v.String(); top || plain(s) {
			return s
		}
		return strconv.Quote(v.String())
	case reflect.Slice, reflect.Array:
		items := make([]string, v.Len())
		for i := range items {
			items[i] = flow(v.Index(i), false)
		}
		return "[" + strings.Join(items, ", ") + "]"
	case reflect.Struct:
		var kv []string
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "-" || name == "" || v.Field(i).IsZero() {
				continue
			}
			kv = append(kv, name+": "+flow(v.Field(i), false))
		}
		return "{" + strings.Join(kv, ", ") + "}"
	}
	return fmt.Sprint(v.Interface())
}

// plain reports whether s reads as a plain YAML string inside a flow collection.
func plain(s string) bool {
	return s != "" && !strings.ContainsAny(s, "{}[],:#&*!|>'\"%@`") && strings.TrimSpace(s) == s
}

// shortDuration formats d without trailing zero units: 30m, 168h, 1h30m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// markdown escapes a description for a table cell: | ends a cell, < opens an HTML tag, and * or
// _ not inside a word may start emphasis.
func markdown(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i, c := range r {
		switch c {
		case '|', '<':
			b.WriteRune('\\')
		case '*', '_':
			if !(i > 0 && i+1 < len(r) && isWordRune(r[i-1]) && isWordRune(r[i+1])) {
				b.WriteRune('\\')
			}
		}
		b.WriteRune(c)
	}
	return b.String()
}

func isWordRune(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
