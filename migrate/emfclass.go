package migrate

import (
	"fmt"
	"slices"
	"strings"
)

// classifyEMF classifies an EMF input that reaches the legacy releases only through EMF: a value
// of argo.<release> takes the class of the release values EMF's templates render from it (dead
// when they render nothing from it), a value of postCustomTemplateOverwrite.<release> the class
// of the release value it sets. Without an EMF cluster, neither is rendered or merged: dropped.
func classifyEMF(l Leaf, rules *ruleSet, emf *emfResolution) Entry {
	key := l.Path.String()
	app := l.Path[1]
	e := Entry{Key: key}
	overwrite := l.Path[0] == "postCustomTemplateOverwrite"
	switch {
	case emf == nil && overwrite:
		e.Class, e.Why = Dropped, "an EMF application's overwrite, which only an EMF cluster merges: give the cluster file with --emf-cluster, or the "+app+" values themselves"
	case emf == nil:
		e.Class, e.Why = Dropped, "input of the EMF template custom/"+app+".tpl, which only an EMF cluster renders: give the cluster file with --emf-cluster, or the "+app+" values themselves"
	case overwrite && !slices.Contains(emf.apps, app):
		e.Class, e.Why = Dead, "EMF merges postCustomTemplateOverwrite."+app+" only into an enabled application, and argo.enabled."+app+" is not true: it had no effect"
	case overwrite:
		target := append(Path{app}, l.Path[2:]...)
		r, _, ok := rules.classify(target)
		if !ok {
			e.Class, e.Why = Unknown, "merged into the "+app+" values as "+target.String()+", which no rule knows: check it by hand"
			break
		}
		e.Class, e.To, e.Why = r.Class, r.To, "merged into the "+app+" values as "+target.String()
		if r.Why != "" {
			e.Why += ": " + r.Why
		}
	default:
		e = emf.templateEntry(l, rules)
	}
	return e
}

// templateEntry classifies a value of argo.<release> by what the EMF templates render from it.
func (emf *emfResolution) templateEntry(l Leaf, rules *ruleSet) Entry {
	key := l.Path.String()
	app := l.Path[1]
	tpl := "custom/" + app + ".tpl"
	tr, traced := emf.traces[key]
	e := Entry{Key: key}
	emptyBlock := false
	if m, ok := l.Value.(Tree); ok && len(m) == 0 {
		emptyBlock = true
	}
	switch {
	case !traced && len(l.Path) > 2:
		e.Class, e.Why = Dropped, "given after the EMF cluster was rendered (with -f): EMF's templates never saw it; put it in a profile the cluster lists, or give the "+app+" values themselves"
	case traced && tr.untraced:
		e.Class, e.Why = Unknown, fmt.Sprintf("not traced through the EMF templates: the cluster has more values under argo.<release> than the %d the migration traces one by one; check it by hand", maxProbedAlone)
	case traced && len(tr.rendered) > 0:
		return renderedEntry(key, tpl, tr.rendered, rules)
	case traced && len(tr.shadowed) > 0:
		e.Class = Dead
		e.Why = fmt.Sprintf("%s renders it into %s, which postCustomTemplateOverwrite.%s replaces: the setting had no effect", tpl, pathList(tr.shadowed, 3), app)
	case emptyBlock:
		e.Class, e.Why = Dropped, "an empty block: it sets no value (the EMF templates only need it to exist)"
	case traced && tr.broke:
		e.Class, e.Why = Unknown, "changing it makes an EMF template fail to render, so where it goes could not be traced: check it by hand"
	case !slices.Contains(emf.apps, app):
		e.Class, e.Why = Dead, "argo.enabled."+app+" is not true, so EMF renders no "+tpl+", and no template of an enabled application reads it: the setting had no effect"
	default:
		e.Class, e.Why = Dead, "passed to the EMF template "+tpl+", which never reads it: the setting had no effect"+emf.readFrom(l.Path)
	}
	return e
}

// renderedEntry classifies a value by the release values it renders into: the first class of
// theirs in the order mapped, defaulted, dropped, unknown, dead, with the new keys of the
// values of that class.
func renderedEntry(key, tpl string, rendered []Path, rules *ruleSet) Entry {
	order := []Class{Mapped, Defaulted, Dropped, Unknown, Dead}
	type hit struct {
		path Path
		rule Rule
	}
	byClass := map[Class][]hit{}
	for _, p := range rendered {
		r, _, ok := rules.classify(p)
		if !ok {
			r = Rule{Class: Unknown, Why: "no rule knows it: check it by hand"}
		}
		byClass[r.Class] = append(byClass[r.Class], hit{p, r})
	}
	for _, c := range order {
		hits := byClass[c]
		if len(hits) == 0 {
			continue
		}
		var tos []string
		var ps []Path
		for _, h := range hits {
			if h.rule.To != "" && !slices.Contains(tos, h.rule.To) {
				tos = append(tos, h.rule.To)
			}
			ps = append(ps, h.path)
		}
		why := fmt.Sprintf("%s renders it into %s (%s)", tpl, pathList(ps, 3), c)
		if w := hits[0].rule.Why; w != "" {
			why += ": " + w
		}
		if n := len(rendered) - len(hits); n > 0 {
			why += fmt.Sprintf("; also into %s of other classes", plural(n, "value"))
		}
		return Entry{Key: key, Class: c, To: strings.Join(tos, ", "), Why: why}
	}
	return Entry{Key: key, Class: Unknown}
}

// readFrom names, for a value no template reads, the cluster value the template copies where it
// would have gone, if there is one: " (infra-core.apiv2.resources.limits.cpu is rendered from
// argo.infra-core.api.resources.limits.cpu)".
func (emf *emfResolution) readFrom(p Path) string {
	natural := append(Path{p[1]}, p[2:]...).String()
	var from []string
	for k, tr := range emf.traces {
		for _, r := range tr.copied {
			if r.String() == natural {
				from = append(from, k)
			}
		}
	}
	if len(from) == 0 {
		return ""
	}
	slices.Sort(from)
	return fmt.Sprintf(" (%s is rendered from %s)", natural, strings.Join(from, ", "))
}

// pathList writes up to n paths, then how many more.
func pathList(ps []Path, n int) string {
	var s []string
	for i, p := range ps {
		if i == n {
			s = append(s, fmt.Sprintf("%d more", len(ps)-n))
			break
		}
		s = append(s, p.String())
	}
	return strings.Join(s, ", ")
}
