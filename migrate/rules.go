package migrate

import (
	"strings"
)

// Class is how the report classifies a legacy key.
type Class string

// The classes of a legacy key.
const (
	// Mapped keys are carried over to a new key.
	Mapped Class = "mapped"
	// Defaulted keys are replaced by the eim chart's own default (the same or stricter).
	Defaulted Class = "defaulted"
	// Dropped keys configure something the BYO deployment does not have (Traefik, Istio, the
	// in-cluster infrastructure, components that are not EIM modules).
	Dropped Class = "dropped"
	// Dead keys are set by EMF but ignored by the legacy charts themselves.
	Dead Class = "dead"
	// Unknown keys match no rule.
	Unknown Class = "unknown"

	// throughEMF marks the rules of EMF inputs that reach the legacy releases only through EMF
	// (argo.<release>.**, the input of custom/<release>.tpl, and postCustomTemplateOverwrite):
	// a key they match takes the class of what EMF makes of it (classifyEMF). It is never a
	// key's class in a report.
	throughEMF Class = "as EMF renders it"
)

// Classes lists the classes in report order.
func Classes() []Class { return []Class{Mapped, Defaulted, Dropped, Dead, Unknown} }

// Rule classifies the legacy keys its pattern matches and, for mapped keys, records the value
// as a fact the builder turns into new values.
type Rule struct {
	// Pattern is a dotted key pattern: "*" matches one key, "**" any number of keys (also
	// none), anything else matches that key exactly.
	Pattern string
	// Class is the classification of matching keys.
	Class Class
	// To names the new key(s) a mapped key feeds, for the report and the mapping table.
	To string
	// Why explains the classification.
	Why string
	// Fact is the name under which the builder finds the value; "" records nothing.
	Fact string
	// Prio orders candidates for the same fact: the lowest wins.
	Prio int
	// Secret marks a credential: its value is never printed and becomes a reference or is
	// reported as dropped.
	Secret bool
	// Area groups the rule in the mapping table.
	Area string
	// Label, when set, stands for the pattern in the mapping table: one line for a family of
	// generated rules.
	Label string
}

// match reports whether p matches the rule's pattern and, for a pattern ending in "**", returns
// the keys the "**" matched.
func (r Rule) match(p Path) (bool, Path) {
	return matchPattern(strings.Split(r.Pattern, "."), p)
}

func matchPattern(pat []string, p Path) (bool, Path) {
	if len(pat) == 0 {
		return len(p) == 0, nil
	}
	switch pat[0] {
	case "**":
		if len(pat) == 1 {
			return true, p
		}
		for i := 0; i <= len(p); i++ {
			if ok, _ := matchPattern(pat[1:], p[i:]); ok {
				return true, nil
			}
		}
		return false, nil
	case "*":
		if len(p) == 0 {
			return false, nil
		}
	default:
		if len(p) == 0 || !matchKey(pat[0], p[0]) {
			return false, nil
		}
	}
	return matchPattern(pat[1:], p[1:])
}

// matchKey matches one key against one pattern element, where "*" inside the element matches
// any run of characters: "invCache*" matches "invCacheStaleTimeout".
func matchKey(pat, key string) bool {
	if !strings.Contains(pat, "*") {
		return pat == key
	}
	parts := strings.Split(pat, "*")
	if !strings.HasPrefix(key, parts[0]) {
		return false
	}
	key = key[len(parts[0]):]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(key, part)
		if i < 0 {
			return false
		}
		key = key[i+len(part):]
	}
	return strings.HasSuffix(key, parts[len(parts)-1])
}

// ruleSet holds rules ready for matching: their patterns split once, and indexed by a literal
// first key so that a key is tried only against the rules that can match it.
type ruleSet struct {
	rules   []Rule
	pats    [][]string
	byFirst map[string][]int // rules whose pattern starts with this literal key, in rule order
	wild    []int            // rules whose pattern starts with a wildcard, in rule order
}

func newRuleSet(rules []Rule) *ruleSet {
	s := &ruleSet{rules: rules, byFirst: map[string][]int{}}
	for i, r := range rules {
		pat := strings.Split(r.Pattern, ".")
		s.pats = append(s.pats, pat)
		if strings.Contains(pat[0], "*") {
			s.wild = append(s.wild, i)
		} else {
			s.byFirst[pat[0]] = append(s.byFirst[pat[0]], i)
		}
	}
	return s
}

// classify returns the first rule matching p, the keys its trailing "**" matched, and whether
// one did.
func (s *ruleSet) classify(p Path) (Rule, Path, bool) {
	if len(p) == 0 {
		return Rule{}, nil, false
	}
	lit, wild := s.byFirst[p[0]], s.wild
	for len(lit) > 0 || len(wild) > 0 {
		var i int
		if len(wild) == 0 || (len(lit) > 0 && lit[0] < wild[0]) {
			i, lit = lit[0], lit[1:]
		} else {
			i, wild = wild[0], wild[1:]
		}
		if ok, rest := matchPattern(s.pats[i], p); ok {
			return s.rules[i], rest, true
		}
	}
	return Rule{}, nil, false
}

// Rules returns every mapping rule in matching order: the first rule whose pattern matches a
// key classifies it. Specific rules (dead keys, credentials, infrastructure) come before the
// per-chart and catch-all rules.
func Rules() []Rule {
	var out []Rule
	out = append(out, deadRules()...)
	out = append(out, infraRules()...)
	out = append(out, moduleRules()...)
	out = append(out, ingressRules()...)
	out = append(out, chartRules()...)
	out = append(out, emfRules()...)
	return out
}
