package migrate

import (
	"slices"
	"strings"
)

// classification is what walking the legacy tree produced.
type classification struct {
	keys        []Entry
	values      map[string]any // each key's legacy value
	insecure    []Finding
	credentials []Entry
}

// classifyTree classifies every leaf of t with rules, records the facts of mapped keys in f,
// runs the insecure-setting detectors and lists inline credentials (never their values). Keys
// that reach the legacy releases only through EMF take the class of what EMF made of them
// (emf is nil when no EMF cluster was resolved).
func classifyTree(t Tree, rules []Rule, f *facts, emf *emfResolution) classification {
	out := classification{values: map[string]any{}}
	dets := detectors()
	dpats := make([][]string, len(dets))
	for i, d := range dets {
		dpats[i] = strings.Split(d.Pattern, ".")
	}
	set := newRuleSet(rules)
	defaults := knownDefaults()
	defaultPats := make([][]string, len(defaults))
	for i, d := range defaults {
		defaultPats[i] = strings.Split(d.Pattern, ".")
	}
	for _, l := range leaves(t) {
		key := l.Path.String()
		r, rest, ok := set.classify(l.Path)
		e := Entry{Key: key, Class: Unknown, Why: "no rule knows this key: check it by hand"}
		if ok && r.Class == throughEMF {
			e = classifyEMF(l, set, emf)
		} else if ok {
			e = Entry{Key: key, Class: r.Class, To: r.To, Why: r.Why}
			if r.Fact != "" {
				f.add(r.Fact, candidate{prio: r.Prio, path: l.Path, sub: rest, value: l.Value})
			}
		}
		out.keys = append(out.keys, e)
		out.values[key] = l.Value
		for i, d := range dets {
			if ok, _ := matchPattern(dpats[i], l.Path); ok && d.Test(l.Value) {
				out.insecure = append(out.insecure, Finding{Key: key, Message: d.Message(l.Value), Fix: d.Fix})
			}
		}
		if f, weak := defaultCredential(t, l, defaultPats, defaults); weak {
			out.insecure = append(out.insecure, f)
		}
		if c, isCred := credential(r, ok, l); isCred {
			out.credentials = append(out.credentials, c)
		}
	}
	return out
}

// credential reports a leaf holding an inline credential: one a Secret rule names, or an
// unclassified, dropped or dead key whose name says it is one. Empty values are not reported.
func credential(r Rule, matched bool, l Leaf) (Entry, bool) {
	if s, ok := l.Value.(string); !ok || s == "" {
		if !isSet(l.Value) || !matched || !r.Secret {
			return Entry{}, false
		}
	}
	key := l.Path.String()
	switch {
	case matched && r.Secret && r.Class == Mapped:
		return Entry{Key: key, Why: "becomes a reference at " + r.To + "; move the value into the referenced store"}, true
	case matched && r.Secret:
		return Entry{Key: key, Why: "dropped: " + r.Why}, true
	case (!matched || slices.Contains([]Class{Dropped, Dead}, r.Class)) && credentialKey.MatchString(l.Path[len(l.Path)-1]):
		return Entry{Key: key, Why: "not carried over: keep it in your secrets provider if you still need it"}, true
	}
	return Entry{}, false
}
