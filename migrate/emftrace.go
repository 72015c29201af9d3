package migrate

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// templateTrace is what one cluster value under argo.<umbrella> does through the EMF
// application templates: the application values it changes.
type templateTrace struct {
	// rendered are the application values (application name first) that change with it: what
	// it reaches in the releases EMF deploys.
	rendered []Path
	// shadowed are the values a template renders from it that postCustomTemplateOverwrite
	// then replaces: rendered from it, without effect.
	shadowed []Path
	// copied are the rendered values a template copies it into (the value itself, or within a
	// longer string).
	copied []Path
	// broke reports that some change of it made a template fail to render.
	broke bool
	// untraced reports that it was not traced: the cluster has more values to probe one by one
	// than maxProbedAlone.
	untraced bool
}

// maxProbedAlone bounds the values traced one by one (each costs two renders of a template or
// more): real clusters have a few dozen; a cluster with more leaves the rest untraced.
const maxProbedAlone = 256

// probeString is appended to a string (or used as a value) to see whether a template reads it.
const probeString = "eim-migrate-probe"

// traceTemplates finds, for every value under argo.<umbrella> of the cluster values, what it
// changes in the values of the applications rendered (renders): each value is changed (a boolean
// negated, a number incremented, a string extended, an item appended) and, if that changes
// nothing, removed; the templates that may read it are rendered again and the application values
// compared with the real ones. A value neither change affects is one the templates never read.
// Values that differ between two renders of the same input (a template using now or rand) are
// left out of every comparison.
func traceTemplates(values Tree, renders []*appRender) map[string]*templateTrace {
	var live []*appRender
	for _, r := range renders {
		if r.tpl != nil {
			live = append(live, r)
		}
	}
	hv := helmNumbers(values).(Tree)
	volatile := map[string]map[string]bool{}
	customLeaves := map[string]map[string]any{}
	finalLeaves := map[string]map[string]any{}
	for _, r := range live {
		customLeaves[r.name] = leafMap(r.custom)
		finalLeaves[r.name] = leafMap(r.final)
		volatile[r.name] = map[string]bool{}
		if again, err := r.render(hv); err == nil {
			for _, p := range diffLeaves(customLeaves[r.name], leafMap(again), nil) {
				volatile[r.name][p.String()] = true
			}
		}
	}
	var probed []Leaf
	for _, l := range leaves(values) {
		if len(l.Path) >= 3 && l.Path[0] == "argo" && slices.Contains(Umbrellas(), l.Path[1]) {
			probed = append(probed, l)
		}
	}
	out := map[string]*templateTrace{}
	for _, l := range probed {
		out[l.Path.String()] = &templateTrace{}
	}
	found := map[string]bool{}
	for _, r := range live {
		traceMarked(r, hv, probed, out, found, volatile[r.name])
	}
	alone := 0
	for _, l := range probed {
		key := l.Path.String()
		switch {
		case found[key]:
		case alone == maxProbedAlone:
			out[key].untraced = true
		default:
			alone++
			traceOne(l, hv, live, out[key], customLeaves, finalLeaves, volatile)
		}
	}
	for _, tr := range out {
		sortPaths(tr.copied)
		sortPaths(tr.rendered)
		sortPaths(tr.shadowed)
	}
	return out
}

// markerPattern finds the marks traceMarked puts in string values.
var markerPattern = regexp.MustCompile(probeString + `-(\d+)x`)

// traceMarked follows the string values the template copies: it renders the template once with
// every string value it may read marked (value + "-eim-migrate-probe-<n>x") and finds each mark in
// the output. A marked value is found where the template wrote it: its effect when the
// application's values keep it there, shadowed when postCustomTemplateOverwrite replaces it.
// Values found are recorded in found; the others are probed one by one.
func traceMarked(r *appRender, hv Tree, probed []Leaf, out map[string]*templateTrace, found map[string]bool, skip map[string]bool) {
	marked := hv
	var keys []string
	for _, l := range probed {
		s, ok := l.Value.(string)
		if !ok || !r.mayRead(l.Path[1]) {
			continue
		}
		marked = replaceAt(marked, l.Path, probe{value: fmt.Sprintf("%s-%s-%dx", s, probeString, len(keys))})
		keys = append(keys, l.Path.String())
	}
	if len(keys) == 0 {
		return
	}
	custom, err := r.render(marked)
	if err != nil {
		return
	}
	final := leafMap(r.merge(custom))
	for _, l := range leaves(custom) {
		s, ok := l.Value.(string)
		if !ok || skip[l.Path.String()] {
			continue
		}
		for _, m := range markerPattern.FindAllStringSubmatch(s, -1) {
			i, _ := strconv.Atoi(m[1])
			key := keys[i]
			found[key] = true
			p := append(Path{r.name}, l.Path...)
			if fv, ok := final[l.Path.String()]; ok && strings.Contains(fmt.Sprint(fv.(Leaf).Value), m[0]) {
				out[key].rendered = appendPath(out[key].rendered, p)
				out[key].copied = appendPath(out[key].copied, p)
			} else {
				out[key].shadowed = appendPath(out[key].shadowed, p)
			}
		}
	}
}

// traceOne probes one value: changed, and if that changes nothing, removed; each template that
// may read it is rendered again and compared.
func traceOne(l Leaf, hv Tree, live []*appRender, tr *templateTrace, customLeaves, finalLeaves map[string]map[string]any, volatile map[string]map[string]bool) {
	var readers []*appRender
	for _, r := range live {
		if r.mayRead(l.Path[1]) {
			readers = append(readers, r)
		}
	}
	for _, variant := range probes(l.Value) {
		if len(tr.rendered)+len(tr.shadowed) > 0 {
			return // changing it had an effect: removing it adds nothing to know
		}
		probed := replaceAt(hv, l.Path, variant)
		for _, r := range readers {
			custom, err := r.render(probed)
			if err != nil {
				tr.broke = true
				continue
			}
			changed := diffLeaves(customLeaves[r.name], leafMap(custom), volatile[r.name])
			if len(changed) == 0 {
				continue
			}
			effect := diffLeaves(finalLeaves[r.name], leafMap(r.merge(custom)), volatile[r.name])
			for _, p := range effect {
				tr.rendered = appendPath(tr.rendered, append(Path{r.name}, p...))
			}
			if len(effect) == 0 {
				for _, p := range changed {
					tr.shadowed = appendPath(tr.shadowed, append(Path{r.name}, p...))
				}
			}
		}
	}
}

// probes returns the changes tried on a value: a change of its own type, then its removal.
func probes(v any) []probe {
	return []probe{{value: helmNumbers(changed(v))}, {remove: true}}
}

// probe is one change of a value: its removal, or another value.
type probe struct {
	remove bool
	value  any
}

// changed returns a value of v's type that differs from v.
func changed(v any) any {
	switch x := v.(type) {
	case bool:
		return !x
	case int:
		return x + 1
	case float64:
		return x + 1
	case string:
		if x == "" {
			return probeString
		}
		return x + "-" + probeString
	case []any:
		out := deepCopy(x).([]any)
		if len(out) > 0 {
			return append(out, deepCopy(out[len(out)-1]))
		}
		return append(out, probeString)
	case Tree:
		out := deepCopy(x).(Tree)
		out[probeString] = probeString
		return out
	}
	return probeString
}

// replaceAt returns t with the value at p removed or replaced, copying only the mappings on the
// way to it (the rest is shared, and templates never write to their values).
func replaceAt(t Tree, p Path, pr probe) Tree {
	out := make(Tree, len(t))
	for k, v := range t {
		out[k] = v
	}
	if len(p) == 1 {
		if pr.remove {
			delete(out, p[0])
		} else {
			out[p[0]] = pr.value
		}
		return out
	}
	child, _ := t[p[0]].(Tree)
	if child == nil {
		child = Tree{}
	}
	out[p[0]] = replaceAt(child, p[1:], pr)
	return out
}

// leafMap returns the leaves of t by their path.
func leafMap(t Tree) map[string]any {
	out := map[string]any{}
	for _, l := range leaves(t) {
		out[l.Path.String()] = l
	}
	return out
}

// diffLeaves returns the paths whose leaf differs between a and b (present in one only, or with
// another value), sorted, except those in skip.
func diffLeaves(a, b map[string]any, skip map[string]bool) []Path {
	var out []Path
	for k, av := range a {
		if skip[k] {
			continue
		}
		bv, ok := b[k]
		if !ok || !reflect.DeepEqual(av.(Leaf).Value, bv.(Leaf).Value) {
			out = append(out, av.(Leaf).Path)
		}
	}
	for k, bv := range b {
		if _, ok := a[k]; !ok && !skip[k] {
			out = append(out, bv.(Leaf).Path)
		}
	}
	sortPaths(out)
	return out
}

func appendPath(ps []Path, p Path) []Path {
	if slices.ContainsFunc(ps, func(q Path) bool { return slices.Equal(q, p) }) {
		return ps
	}
	return append(ps, slices.Clone(p))
}

func sortPaths(ps []Path) {
	slices.SortFunc(ps, func(a, b Path) int { return strings.Compare(a.String(), b.String()) })
}

// mayRead reports whether the application's template may read argo.<umbrella>: it names the
// umbrella, or hands all of .Values or .Values.argo on (see readsWholeArgo).
func (r *appRender) mayRead(umbrella string) bool {
	return r.readsAll || strings.Contains(r.text, umbrella)
}
