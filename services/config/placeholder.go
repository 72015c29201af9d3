package config

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/eim-byoi/eim/internal/strictyaml"
)

// PlaceholderPrefix starts every value `eim migrate helm-values` could not fill in: the rest of
// the value says what input it needs ("NEEDS-INPUT: PGHOST of Secret inventory-local-postgresql").
// The migration writes placeholders with this constant, and Load recognizes exactly this form.
const PlaceholderPrefix = "NEEDS-INPUT: "

// Placeholder is a NEEDS-INPUT value left in the document.
type Placeholder struct {
	// Path is the value's key path, e.g. providers.database.config.host or
	// providers.identity.config.audiences[0].
	Path string
	// Line and Column locate the value in the document.
	Line, Column int
	// Needs is what to put there: the placeholder's text after PlaceholderPrefix.
	Needs string
}

// String formats the placeholder as "line:col: path: needs input: what".
func (p Placeholder) String() string {
	return fmt.Sprintf("%d:%d: %s: needs input: %s", p.Line, p.Column, p.Path, p.Needs)
}

// IsPlaceholder reports whether s is a NEEDS-INPUT placeholder, and returns what it needs.
func IsPlaceholder(s string) (needs string, ok bool) {
	return strings.CutPrefix(s, PlaceholderPrefix)
}

// findPlaceholders returns every placeholder scalar of the document under root, in document
// order, except those an environment variable overrode (the input supplied from outside the
// file: EIM_PROVIDERS_DATABASE_CONFIG_HOST replaces providers.database.config.host, and an
// environment list replaces every item of a list).
func findPlaceholders(root *yaml.Node, d *strictyaml.Decoder) []Placeholder {
	var out []Placeholder
	var walk func(n *yaml.Node, path string, depth int)
	walk = func(n *yaml.Node, path string, depth int) {
		if n == nil || depth > 64 {
			return
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path, depth+1)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				key := n.Content[i].Value
				child := path
				if key != "<<" { // a merge key's mappings land at this level
					child = joinPath(path, key)
				}
				walk(n.Content[i+1], child, depth+1)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i), depth+1)
			}
		case yaml.ScalarNode:
			if needs, ok := IsPlaceholder(n.Value); ok && !overridden(d, path) {
				out = append(out, Placeholder{Path: path, Line: n.Line, Column: n.Column, Needs: strings.TrimSpace(needs)})
			}
		}
	}
	walk(root, "", 0)
	return out
}

var listIndex = regexp.MustCompile(`\[\d+\]$`)

// overridden reports whether an environment variable replaced the value at path, or the list
// it is an item of.
func overridden(d *strictyaml.Decoder, path string) bool {
	return d.UsedEnv(d.EnvName(path)) || (listIndex.MatchString(path) && d.UsedEnv(d.EnvName(listIndex.ReplaceAllString(path, ""))))
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// placeholderProblems turns each placeholder into a problem unless allow is set, and drops the
// problems validation found in the placeholder values themselves (an issuer that is not a URL
// because it still says NEEDS-INPUT): the placeholder is the one problem there.
func placeholderProblems(list []Problem, phs []Placeholder, allow bool) []Problem {
	if len(phs) == 0 {
		return list
	}
	var out []Problem
	for _, p := range list {
		if !atPlaceholder(p.Path, phs) {
			out = append(out, p)
		}
	}
	if allow {
		return out
	}
	for _, ph := range phs {
		out = append(out, Problem{Path: ph.Path, Line: ph.Line, Column: ph.Column,
			Message: "needs input: " + ph.Needs + " (a NEEDS-INPUT placeholder left by eim migrate)",
			Fix:     "replace the value with the real one, or set it from the environment (" + envName(ph.Path) + "); eim config validate --allow-placeholders accepts a draft"})
	}
	return out
}

// atPlaceholder reports whether a problem at path concerns a placeholder value: the value
// itself, or the list holding it.
func atPlaceholder(path string, phs []Placeholder) bool {
	if path == "" {
		return false
	}
	for _, ph := range phs {
		if ph.Path == path || strings.HasPrefix(ph.Path, path+"[") {
			return true
		}
	}
	return false
}

// envName is the variable overriding path (its list, for a list item).
func envName(path string) string {
	path = listIndex.ReplaceAllString(path, "")
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}
