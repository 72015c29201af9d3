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
	limits    Limits
	problems  []Problem
	omitted   int // problems found beyond Limits.MaxProblems
	positions map[string]position
	usedEnv   map[string]bool

	visited int        // nodes visited, each expansion of an alias or merged mapping again
	depth   int        // aliases and merge keys being expanded within one another
	outer   *yaml.Node // the outermost alias or merge key being expanded
	stopped bool       // a limit was hit: decoding stops, the problem says why
}

// Limits bound what a document may make the decoder do and say, so that a hostile or broken
// file fails fast with a clear problem instead of running for minutes (YAML merge-key and
// alias bombs) or printing megabytes.
type Limits struct {
	// MaxNodes bounds the nodes decoding visits, an alias or a merged mapping counted again at
	// each expansion (default 100,000).
	MaxNodes int
	// MaxAliasDepth bounds the aliases and merge keys expanded within one another (default 32).
	MaxAliasDepth int
	// MaxProblems bounds the problems kept; the ones beyond are only counted (default 100).
	MaxProblems int
}

// DefaultLimits returns the limits a new Decoder has.
func DefaultLimits() Limits {
	return Limits{MaxNodes: 100_000, MaxAliasDepth: 32, MaxProblems: 100}
}

type position struct{ line, col int }

// NewDecoder returns a decoder. When lookupEnv is not nil, the variable named envPrefix followed
// by a field's upper-cased path with dots turned into underscores overrides that field, for
// scalar fields and lists of scalars (comma separated) outside maps and lists.
func NewDecoder(lookupEnv func(string) (string, bool), envPrefix string) *Decoder {
	return &Decoder{
		lookupEnv: lookupEnv,
		envPrefix: envPrefix,
		limits:    DefaultLimits(),
		positions: map[string]position{},
		usedEnv:   map[string]bool{},
	}
}

// SetLimits replaces the decoder's limits (DefaultLimits); a zero field keeps its default.
func (d *Decoder) SetLimits(l Limits) {
	def := DefaultLimits()
	for _, f := range []struct {
		dst      *int
		src, def int
	}{
		{&d.limits.MaxNodes, l.MaxNodes, def.MaxNodes},
		{&d.limits.MaxAliasDepth, l.MaxAliasDepth, def.MaxAliasDepth},
		{&d.limits.MaxProblems, l.MaxProblems, def.MaxProblems},
	} {
		*f.dst = f.def
		if f.src > 0 {
			*f.dst = f.src
		}
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
	d.decode(n, path, rv.Elem(), true)
}

// Problems returns what the decoder found, in the order found: at most Limits.MaxProblems.
func (d *Decoder) Problems() []Problem { return d.problems }

// Omitted returns how many problems were found beyond Limits.MaxProblems and not kept.
func (d *Decoder) Omitted() int { return d.omitted }

// Stopped reports whether a limit on nodes or alias depth stopped decoding: the document is
// then only partly decoded, and a problem says where and why.
func (d *Decoder) Stopped() bool { return d.stopped }

// Add records a problem found outside the decoder (by validation, say), placing it at the
// position of path or of its closest ancestor in the document. Its text is cut to a bounded
// length (values echoed from the document can be arbitrarily long).
func (d *Decoder) Add(p Problem) {
	if p.Line == 0 {
		p.Line, p.Column = d.Position(p.Path)
	}
	d.record(p)
}

// record keeps p, cut to bounded lengths, unless Limits.MaxProblems are kept already.
func (d *Decoder) record(p Problem) {
	if d.full() {
		d.omitted++
		return
	}
	p.Path, p.Source = clip(p.Path, maxPathLen), clip(p.Source, maxPathLen)
	p.Message, p.Fix = clip(shortenQuoted(p.Message), maxTextLen), clip(shortenQuoted(p.Fix), maxTextLen)
	d.problems = append(d.problems, p)
}

// full reports whether no more problems are kept.
func (d *Decoder) full() bool { return len(d.problems) >= d.limits.MaxProblems }

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
	d.record(p)
}

// visit counts n against Limits.MaxNodes and reports whether decoding goes on; past the limit
// it records why, at the outermost alias or merge key being expanded when there is one.
func (d *Decoder) visit(n *yaml.Node, path string) bool {
	if d.stopped {
		return false
	}
	if d.visited++; d.visited <= d.limits.MaxNodes {
		return true
	}
	d.stop(n, path, fmt.Sprintf("decoding visits more than %d nodes here", d.limits.MaxNodes),
		fmt.Sprintf("the document expands to more than %d nodes through aliases and merge keys (<<) (a YAML bomb?)", d.limits.MaxNodes),
		"write the values out instead of nesting aliases and merge keys; a configuration file needs far fewer nodes")
	return false
}

// expand visits every node under n, following aliases, as the library's decoding into an
// untyped value will, and reports whether that stays within the limits.
func (d *Decoder) expand(n *yaml.Node, path string) bool {
	for _, c := range n.Content {
		if !d.visit(c, path) {
			return false
		}
		if c.Kind == yaml.AliasNode {
			if !d.enter(c, path) {
				return false
			}
			ok := c.Alias == nil || (d.visit(c.Alias, path) && d.expand(c.Alias, path))
			d.leave()
			if !ok {
				return false
			}
			continue
		}
		if !d.expand(c, path) {
			return false
		}
	}
	return true
}

// enter starts the expansion of an alias or a merge key at n, and reports whether decoding
// goes on; leave ends it.
func (d *Decoder) enter(n *yaml.Node, path string) bool {
	if d.stopped {
		return false
	}
	if d.depth == 0 {
		d.outer = n
	}
	if d.depth++; d.depth <= d.limits.MaxAliasDepth {
		return true
	}
	msg := fmt.Sprintf("aliases and merge keys (<<) are nested more than %d deep", d.limits.MaxAliasDepth)
	d.stop(n, path, msg, msg, "write the values out instead of nesting aliases and merge keys")
	return false
}

func (d *Decoder) leave() {
	if d.depth--; d.depth == 0 {
		d.outer = nil
	}
}

// stop records why decoding stops: at the outermost expansion (msgOuter) when one is under
// way, else at n (msg).
func (d *Decoder) stop(n *yaml.Node, path, msg, msgOuter, fix string) {
	d.stopped = true
	if d.outer != nil {
		n, msg = d.outer, msgOuter
	}
	d.problem(n, path, msg, fix)
}

var (
	nodeType            = reflect.TypeFor[yaml.Node]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decode fills v from n (an alias is followed) and the environment and reports whether
// anything was set.
func (d *Decoder) decode(raw *yaml.Node, path string, v reflect.Value, envOK bool) bool {
	if raw != nil && !d.visit(raw, path) {
		return false
	}
	if raw != nil && raw.Kind == yaml.AliasNode {
		if !d.enter(raw, path) {
			return false
		}
		defer d.leave()
	}
	n := resolve(raw)
	if ref, ok := v.Addr().Interface().(Reference); ok && n != nil && n.Kind != yaml.MappingNode {
		d.problem(n, path, "expected a secret reference (a mapping), got "+kindOf(n)+": the value is not shown, as it may be the credential itself",
			"never write a credential in the configuration; write "+ref.ReferenceForms())
		return false
	}
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
			values[kv.key] = kv.val
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
	if d.full() { // not kept: spare the suggestion's cost
		d.omitted++
		return
	}
	fix := "remove it"
	if s := suggest(key, known); s != "" {
		fix = fmt.Sprintf("did you mean %q?", s)
	} else if len(known) > 0 {
		fix = "remove it; known keys here: " + strings.Join(known, ", ")
	}
	d.problem(k, path, "unknown key "+quote(key), fix)
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
		d.decode(kv.val, child, elem, false)
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
		d.decode(item, child, out.Index(i), false)
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
	if !d.expand(n, path) {
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
	d.record(Problem{Path: path, Source: "env " + name, Message: msg})
}

type pair struct {
	key     string
	keyNode *yaml.Node
	val     *yaml.Node
}

// pairs returns the key/value pairs of mapping n, with YAML merge keys (<<) expanded: keys
// written in n win over merged ones. A key written twice is a problem. Every pair and every
// merged mapping counts against the decoder's limits.
func (d *Decoder) pairs(n *yaml.Node, path string) []pair {
	var own, merged []pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if !d.visit(k, path) {
			return nil
		}
		if k.Kind != yaml.ScalarNode {
			d.problem(k, path, "a key must be a plain string, got "+describe(k), "")
			continue
		}
		if k.Tag == "!!merge" {
			if !d.enter(k, path) {
				return nil
			}
			for _, src := range d.mergeSources(val, path) {
				merged = append(merged, d.pairs(src, path)...)
			}
			d.leave()
			if d.stopped {
				return nil
			}
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.problem(k, join(path, k.Value), fmt.Sprintf("key %s is repeated (first at line %d)", quote(k.Value), first.Line), "keep one")
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

// mergeSources returns the mappings a merge key's value names: a mapping, or a list of them
// (aliases followed).
func (d *Decoder) mergeSources(n *yaml.Node, path string) []*yaml.Node {
	n = resolve(n)
	switch {
	case n == nil:
		return nil
	case n.Kind == yaml.SequenceNode:
		var out []*yaml.Node
		for _, item := range n.Content {
			if !d.visit(item, path) {
				return nil
			}
			if item = resolve(item); item != nil && item.Kind == yaml.MappingNode {
				out = append(out, item)
			}
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
