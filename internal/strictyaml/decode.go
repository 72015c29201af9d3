package strictyaml

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Decoder decodes YAML nodes into Go values and collects the problems it finds. Several calls
// to Decode share one list of problems, one index of positions and one record of the
// environment variables used, so that a document decoded in parts (the top level, then each
// provider's config block) reports as one.
type Decoder struct {
	lookupEnv func(string) (string, bool)
	envPrefix string
	problems  []Problem
	positions map[string]position
	usedEnv   map[string]bool
}

type position struct{ line, col int }

// NewDecoder returns a decoder. When lookupEnv is not nil, the variable named envPrefix followed
// by a field's upper-cased path with dots turned into underscores overrides that field, for
// scalar fields and lists of scalars (comma separated) outside maps and lists.
func NewDecoder(lookupEnv func(string) (string, bool), envPrefix string) *Decoder {
	return &Decoder{
		lookupEnv: lookupEnv,
		envPrefix: envPrefix,
		positions: map[string]position{},
		usedEnv:   map[string]bool{},
	}
}

// Decode decodes n (which may be nil: then only the environment applies) into out, a non-nil
// pointer, under path. Fields the document does not mention keep the values out already has,
// which is how defaults are kept.
func (d *Decoder) Decode(n *yaml.Node, path string, out any) {
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		panic(fmt.Sprintf("strictyaml: Decode needs a non-nil pointer, got %T", out))
	}
	d.decode(resolve(n), path, rv.Elem(), true)
}

// Problems returns what the decoder found, in the order found.
func (d *Decoder) Problems() []Problem { return d.problems }

// Add records a problem found outside the decoder (by validation, say), placing it at the
// position of path or of its closest ancestor in the document.
func (d *Decoder) Add(p Problem) {
	if p.Line == 0 {
		p.Line, p.Column = d.Position(p.Path)
	}
	d.problems = append(d.problems, p)
}

// Position returns the line and column of path's key in the document, or of its closest
// ancestor that appears there; 0, 0 when none does.
func (d *Decoder) Position(path string) (line, col int) {
	for p := path; p != ""; p = parent(p) {
		if pos, ok := d.positions[p]; ok {
			return pos.line, pos.col
		}
	}
	return 0, 0
}

// UsedEnv reports whether the environment variable name overrode a field.
func (d *Decoder) UsedEnv(name string) bool { return d.usedEnv[name] }

// EnvName returns the environment variable that overrides path.
func (d *Decoder) EnvName(path string) string {
	return d.envPrefix + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}

func (d *Decoder) problem(n *yaml.Node, path, msg, fix string) {
	p := Problem{Path: path, Message: msg, Fix: fix}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	} else {
		p.Line, p.Column = d.Position(path)
	}
	d.problems = append(d.problems, p)
}

var (
	nodeType            = reflect.TypeFor[yaml.Node]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decode fills v from n and the environment and reports whether anything was set.
func (d *Decoder) decode(n *yaml.Node, path string, v reflect.Value, envOK bool) bool {
	switch {
	case v.Type() == nodeType:
		if n == nil {
			return false
		}
		v.Set(reflect.ValueOf(*n))
		return true
	case reflect.PointerTo(v.Type()).Implements(textUnmarshalerType) && v.Kind() != reflect.Struct:
		return d.decodeScalar(n, path, v, envOK)
	}
	switch v.Kind() {
	case reflect.Pointer:
		return d.decodePointer(n, path, v, envOK)
	case reflect.Struct:
		return d.decodeStruct(n, path, v, envOK)
	case reflect.Map:
		return d.decodeMap(n, path, v)
	case reflect.Slice:
		return d.decodeSlice(n, path, v, envOK)
	case reflect.Interface:
		return d.decodeAny(n, path, v)
	}
	return d.decodeScalar(n, path, v, envOK)
}

func (d *Decoder) decodePointer(n *yaml.Node, path string, v reflect.Value, envOK bool) bool {
	elem := reflect.New(v.Type().Elem())
	if !v.IsNil() {
		elem.Elem().Set(v.Elem())
	}
	if !d.decode(n, path, elem.Elem(), envOK) {
		return false
	}
	v.Set(elem)
	return true
}

func (d *Decoder) decodeStruct(n *yaml.Node, path string, v reflect.Value, envOK bool) bool {
	fs := fieldsOf(v.Type())
	values := map[string]*yaml.Node{}
	set := false
	if n != nil {
		if n.Kind != yaml.MappingNode {
			d.problem(n, path, "expected a mapping, got "+describe(n), "")
			return false
		}
		set = true
		for _, kv := range d.pairs(n, path) {
			child := join(path, kv.key)
			if _, ok := fs.byName[kv.key]; !ok {
				d.unknownKey(kv.keyNode, child, kv.key, fs.names)
				continue
			}
			d.positions[child] = position{kv.keyNode.Line, kv.keyNode.Column}
			values[kv.key] = resolve(kv.val)
		}
	}
	for _, f := range fs.list {
		if d.decode(values[f.name], join(path, f.name), v.FieldByIndex(f.index), envOK) {
			set = true
		}
	}
	return set
}

func (d *Decoder) unknownKey(k *yaml.Node, path, key string, known []string) {
	fix := "remove it"
	if s := suggest(key, known); s != "" {
		fix = fmt.Sprintf("did you mean %q?", s)
	} else if len(known) > 0 {
		fix = "remove it; known keys here: " + strings.Join(known, ", ")
	}
	d.problem(k, path, fmt.Sprintf("unknown key %q", key), fix)
}

func (d *Decoder) decodeMap(n *yaml.Node, path string, v reflect.Value) bool {
	if n == nil {
		return false
	}
	if v.Type().Key().Kind() != reflect.String {
		panic(fmt.Sprintf("strictyaml: map keys must be strings at %s", path))
	}
	if n.Kind != yaml.MappingNode {
		d.problem(n, path, "expected a mapping, got "+describe(n), "")
		return false
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for _, kv := range d.pairs(n, path) {
		child := join(path, kv.key)
		d.positions[child] = position{kv.keyNode.Line, kv.keyNode.Column}
		key := reflect.ValueOf(kv.key).Convert(v.Type().Key())
		elem := reflect.New(v.Type().Elem()).Elem()
		if old := v.MapIndex(key); old.IsValid() {
			elem.Set(old)
		}
		d.decode(resolve(kv.val), child, elem, false)
		v.SetMapIndex(key, elem)
	}
	return true
}

func (d *Decoder) decodeSlice(n *yaml.Node, path string, v reflect.Value, envOK bool) bool {
	if envOK && isScalarType(v.Type().Elem()) {
		if text, name, ok := d.env(path); ok {
			return d.sliceFromEnv(text, name, path, v)
		}
	}
	if n == nil {
		return false
	}
	if n.Kind != yaml.SequenceNode {
		d.problem(n, path, "expected a list, got "+describe(n), "")
		return false
	}
	out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		child := fmt.Sprintf("%s[%d]", path, i)
		d.positions[child] = position{item.Line, item.Column}
		d.decode(resolve(item), child, out.Index(i), false)
	}
	v.Set(out)
	return true
}

func (d *Decoder) sliceFromEnv(text, name, path string, v reflect.Value) bool {
	var parts []string
	if strings.TrimSpace(text) != "" {
		parts = strings.Split(text, ",")
	}
	out := reflect.MakeSlice(v.Type(), len(parts), len(parts))
	for i, part := range parts {
		if msg := assign(out.Index(i), strings.TrimSpace(part), ""); msg != "" {
			d.envProblem(name, fmt.Sprintf("%s[%d]", path, i), msg)
		}
	}
	v.Set(out)
	return true
}

func (d *Decoder) decodeAny(n *yaml.Node, path string, v reflect.Value) bool {
	if n == nil {
		return false
	}
	var x any
	if err := n.Decode(&x); err != nil {
		d.problem(n, path, err.Error(), "")
		return false
	}
	if x != nil {
		v.Set(reflect.ValueOf(x))
	}
	return true
}

func (d *Decoder) decodeScalar(n *yaml.Node, path string, v reflect.Value, envOK bool) bool {
	if envOK {
		if text, name, ok := d.env(path); ok {
			if msg := assign(v, text, ""); msg != "" {
				d.envProblem(name, path, msg)
			}
			return true
		}
	}
	if n == nil {
		return false
	}
	if n.Kind != yaml.ScalarNode {
		d.problem(n, path, fmt.Sprintf("expected %s, got %s", expected(v), describe(n)), "")
		return false
	}
	if msg := assign(v, n.Value, n.Tag); msg != "" {
		d.problem(n, path, msg, "")
	}
	return true
}

func (d *Decoder) env(path string) (text, name string, ok bool) {
	if d.lookupEnv == nil {
		return "", "", false
	}
	name = d.EnvName(path)
	text, ok = d.lookupEnv(name)
	if ok {
		d.usedEnv[name] = true
	}
	return text, name, ok
}

func (d *Decoder) envProblem(name, path, msg string) {
	d.problems = append(d.problems, Problem{Path: path, Source: "env " + name, Message: msg})
}

type pair struct {
	key     string
	keyNode *yaml.Node
	val     *yaml.Node
}

// pairs returns the key/value pairs of mapping n, with YAML merge keys (<<) expanded: keys
// written in n win over merged ones. A key written twice is a problem.
func (d *Decoder) pairs(n *yaml.Node, path string) []pair {
	var own, merged []pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.problem(k, path, "a key must be a plain string, got "+describe(k), "")
			continue
		}
		if k.Tag == "!!merge" {
			for _, src := range mergeSources(val) {
				merged = append(merged, d.pairs(src, path)...)
			}
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.problem(k, join(path, k.Value), fmt.Sprintf("key %q is repeated (first at line %d)", k.Value, first.Line), "keep one")
			continue
		}
		seen[k.Value] = k
		own = append(own, pair{key: k.Value, keyNode: k, val: val})
	}
	for _, p := range merged {
		if _, written := seen[p.key]; !written {
			seen[p.key] = p.keyNode
			own = append(own, p)
		}
	}
	return own
}

func mergeSources(n *yaml.Node) []*yaml.Node {
	n = resolve(n)
	switch {
	case n == nil:
		return nil
	case n.Kind == yaml.SequenceNode:
		var out []*yaml.Node
		for _, item := range n.Content {
			out = append(out, mergeSources(item)...)
		}
		return out
	case n.Kind == yaml.MappingNode:
		return []*yaml.Node{n}
	}
	return nil
}

// resolve follows documents and aliases and turns an absent or null value into nil.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil {
		switch n.Kind {
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		case yaml.AliasNode:
			n = n.Alias
		case 0:
			return nil
		default:
			if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
				return nil
			}
			return n
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func parent(path string) string {
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}
