package migrate

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Tree is a decoded YAML mapping: string keys, values of Tree, []any or scalars.
type Tree = map[string]any

// Path is a key path into a Tree, one element per key.
type Path []string

// String joins the path with dots, writing keys that themselves contain a dot (Kubernetes
// annotations, for instance) as ["key"].
func (p Path) String() string {
	var b strings.Builder
	for i, k := range p {
		switch {
		case strings.ContainsAny(k, ".[]\"") || k == "":
			fmt.Fprintf(&b, "[%q]", k)
		case i > 0:
			b.WriteString("." + k)
		default:
			b.WriteString(k)
		}
	}
	return b.String()
}

// Leaf is one value of a Tree that is not a non-empty mapping: a scalar, a list, null or {}.
type Leaf struct {
	Path  Path
	Value any
}

// leaves returns every leaf of t in sorted key order.
func leaves(t Tree) []Leaf {
	var out []Leaf
	var walk func(p Path, v any)
	walk = func(p Path, v any) {
		m, ok := v.(Tree)
		if !ok || len(m) == 0 {
			out = append(out, Leaf{Path: slices.Clone(p), Value: v})
			return
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			walk(append(p, k), m[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(t)) {
		walk(Path{k}, t[k])
	}
	return out
}

// merge deep-merges src into dst the way Helm merges values files: mappings merge key by key,
// everything else (lists included) is replaced by the later value.
func merge(dst, src Tree) Tree {
	if dst == nil {
		dst = Tree{}
	}
	for k, sv := range src {
		sm, sIsMap := sv.(Tree)
		dm, dIsMap := dst[k].(Tree)
		if sIsMap && dIsMap {
			dst[k] = merge(dm, sm)
			continue
		}
		dst[k] = deepCopy(sv)
	}
	return dst
}

// deepCopy copies mappings and lists so that merged trees never share them.
func deepCopy(v any) any {
	switch x := v.(type) {
	case Tree:
		out := make(Tree, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// lookup returns the value at p and whether it is present.
func lookup(t Tree, p ...string) (any, bool) {
	var cur any = t
	for _, k := range p {
		m, ok := cur.(Tree)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// subtree returns the mapping at p, or nil.
func subtree(t Tree, p ...string) Tree {
	v, _ := lookup(t, p...)
	m, _ := v.(Tree)
	return m
}

// set stores v at p, creating mappings on the way and replacing non-mappings.
func set(t Tree, p Path, v any) {
	cur := t
	for _, k := range p[:len(p)-1] {
		next, ok := cur[k].(Tree)
		if !ok {
			next = Tree{}
			cur[k] = next
		}
		cur = next
	}
	cur[p[len(p)-1]] = v
}

// nest returns t under the keys of p: nest(t, "a", "b") is {a: {b: t}}.
func nest(t Tree, p ...string) Tree {
	for i := len(p) - 1; i >= 0; i-- {
		t = Tree{p[i]: t}
	}
	return t
}

// normalize turns what a YAML decoder returns into Tree form: mappings with non-string keys
// get their keys formatted, as Helm's JSON round trip does.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(Tree, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case map[any]any:
		out := make(Tree, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	}
	return v
}
