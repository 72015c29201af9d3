package strictyaml

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

type field struct {
	name  string
	index []int
}

type fieldSet struct {
	list   []field
	byName map[string]field
	names  []string
}

// fieldsOf lists the YAML fields of struct type t: exported fields under their yaml tag name,
// with ",inline" embedded structs flattened and "-" skipped.
func fieldsOf(t reflect.Type) fieldSet {
	fs := fieldSet{byName: map[string]field{}}
	collectFields(t, nil, &fs)
	return fs
}

func collectFields(t reflect.Type, prefix []int, fs *fieldSet) {
	for i := range t.NumField() {
		sf := t.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		index := append(append([]int(nil), prefix...), i)
		if sf.Anonymous && strings.Contains(opts, "inline") && sf.Type.Kind() == reflect.Struct {
			collectFields(sf.Type, index, fs)
			continue
		}
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		f := field{name: name, index: index}
		fs.list = append(fs.list, f)
		fs.byName[name] = f
		fs.names = append(fs.names, name)
	}
}

func isScalarType(t reflect.Type) bool {
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// assign parses text into the scalar v. tag is the YAML tag of the node the text came from, or
// "" for text from the environment (which has no type of its own). It returns a problem
// message, or "" on success.
func assign(v reflect.Value, text, tag string) string {
	if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		if err := u.UnmarshalText([]byte(text)); err != nil {
			return err.Error()
		}
		return ""
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(text)
	case reflect.Bool:
		b, err := strconv.ParseBool(text)
		if (tag != "" && tag != "!!bool") || err != nil {
			return "expected a boolean (true or false), got " + quoted(text, tag)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return assignInt(v, text, tag)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return assignUint(v, text, tag)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(text, v.Type().Bits())
		if (tag != "" && tag != "!!float" && tag != "!!int") || err != nil {
			return "expected a number, got " + quoted(text, tag)
		}
		v.SetFloat(f)
	default:
		panic(fmt.Sprintf("strictyaml: unsupported field type %s", v.Type()))
	}
	return ""
}

func assignInt(v reflect.Value, text, tag string) string {
	i, err := strconv.ParseInt(text, 0, v.Type().Bits())
	switch {
	case tag != "" && tag != "!!int":
		return "expected an integer, got " + quoted(text, tag)
	case err != nil && strings.Contains(err.Error(), "range"):
		return fmt.Sprintf("%s is out of range for a %d-bit integer", text, v.Type().Bits())
	case err != nil:
		return "expected an integer, got " + quoted(text, tag)
	}
	v.SetInt(i)
	return ""
}

func assignUint(v reflect.Value, text, tag string) string {
	u, err := strconv.ParseUint(text, 0, v.Type().Bits())
	switch {
	case tag != "" && tag != "!!int":
		return "expected a non-negative integer, got " + quoted(text, tag)
	case err != nil && strings.Contains(err.Error(), "range"):
		return fmt.Sprintf("%s is out of range (it must be between 0 and %d bits)", text, v.Type().Bits())
	case err != nil:
		return "expected a non-negative integer, got " + quoted(text, tag)
	}
	v.SetUint(u)
	return ""
}

// quoted echoes a value in a problem, cut to maxEcho characters.
func quoted(text, tag string) string {
	switch tag {
	case "!!str", "":
		return quote(text)
	case "!!bool":
		return "boolean " + clip(text, maxEcho)
	case "!!int", "!!float":
		return "number " + clip(text, maxEcho)
	}
	return clip(text, maxEcho)
}

// kindOf names what n is without echoing its value.
func kindOf(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		}
		return "a string"
	}
	return "a value of another kind"
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return quoted(n.Value, n.Tag)
	}
	return "a value of another kind"
}

func expected(v reflect.Value) string {
	if reflect.PointerTo(v.Type()).Implements(textUnmarshalerType) {
		return "a string"
	}
	switch v.Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.String:
		return "a string"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "an integer"
}

// Reference is implemented by configuration types that stand for a credential kept elsewhere
// (provider.SecretRef). Where one is expected, anything but a mapping is likely the credential
// itself, written literally: the problem then never shows the value.
type Reference interface {
	// ReferenceForms describes the accepted forms for the problem's fix, e.g.
	// `{env: VAR}, {file: PATH} or {secret: "path#key"}`.
	ReferenceForms() string
}

// Bounds on what a problem echoes from the document.
const (
	maxEcho    = 64   // characters of a value or key
	maxPathLen = 256  // bytes of a path or source
	maxTextLen = 1024 // bytes of a message or fix
)

// quote returns s quoted, cut to maxEcho characters ("…" marks a cut).
func quote(s string) string {
	if utf8.RuneCountInString(s) <= maxEcho {
		return strconv.Quote(s)
	}
	cut := 0
	for range maxEcho {
		_, size := utf8.DecodeRuneInString(s[cut:])
		cut += size
	}
	return strconv.Quote(s[:cut]) + "…"
}

// shortenQuoted cuts every quoted string in msg (validation messages echo values with %q)
// longer than maxEcho characters, so that a message keeps its meaning however long the value
// it echoes.
func shortenQuoted(msg string) string {
	if len(msg) <= maxEcho+2 {
		return msg
	}
	var b strings.Builder
	for rest := msg; rest != ""; {
		i := strings.IndexByte(rest, '"')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		rest = rest[i:]
		end := 1
		for end < len(rest) && rest[end] != '"' {
			if rest[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(rest) { // not closed: left to clip
			b.WriteString(rest)
			break
		}
		q := rest[:end+1]
		if u, err := strconv.Unquote(q); err == nil && utf8.RuneCountInString(u) > maxEcho {
			q = quote(u)
		}
		b.WriteString(q)
		rest = rest[end+1:]
	}
	return b.String()
}

// clip cuts s to at most n bytes on a character boundary, marking the cut with "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
